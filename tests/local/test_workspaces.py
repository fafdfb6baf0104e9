"""Loading a Terraform workspace: `terraform output -json` through python-terraform, for the
workspace asked for, without changing the user's selected workspace."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from sagatools.client import workspaces
from sagatools.contract.outputs import terraform_output_json

pytestmark = pytest.mark.subprocess

OUTPUTS = terraform_output_json(
    {
        "region": "eu-west-1",
        "state_machine_arn": "arn:aws:states:eu-west-1:111122223333:stateMachine:trip-saga-dev-booking-saga",
        "table_names": {"flight": "trip-saga-dev-flights", "hotel": "trip-saga-dev-hotels", "payment": "trip-saga-dev-payments"},
    }
)


@pytest.fixture
def fake_terraform(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A `terraform` on PATH that records how it was called and answers like `terraform output -json`."""
    calls = tmp_path / "calls.jsonl"
    script = tmp_path / "bin" / "terraform"
    script.parent.mkdir()
    script.write_text(
        "#!/usr/bin/env python3\n"
        "import json, os, sys\n"
        f"open({str(calls)!r}, 'a').write(json.dumps({{'argv': sys.argv[1:], 'workspace': os.environ.get('TF_WORKSPACE'),"
        " 'cwd': os.getcwd()}) + '\\n')\n"
        "if os.environ.get('TF_WORKSPACE') != 'dev':\n"
        "    sys.stderr.write('Currently selected workspace \"%s\" does not exist' % os.environ.get('TF_WORKSPACE')); sys.exit(1)\n"
        f"print({json.dumps(json.dumps(OUTPUTS))})\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{script.parent}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.delenv("TF_WORKSPACE", raising=False)
    return calls


def test_a_terraform_workspace_is_read_from_its_outputs(fake_terraform: Path) -> None:
    loaded = workspaces.load("dev")

    (call,) = [json.loads(line) for line in fake_terraform.read_text().splitlines()]
    assert call["argv"][0] == "output" and "-json" in call["argv"]
    assert call["workspace"] == "dev" and call["cwd"].endswith("/terraform")
    assert "TF_WORKSPACE" not in os.environ  # the caller's environment is left as it was
    assert loaded.endpoint_url is None  # real AWS, default credentials
    assert loaded.outputs["table_names"]["hotel"] == "trip-saga-dev-hotels"
    assert loaded.saga().state_machine_arn == OUTPUTS["state_machine_arn"]["value"]


def test_an_unknown_terraform_workspace_is_a_named_error(fake_terraform: Path) -> None:
    with pytest.raises(workspaces.WorkspaceError, match="terraform output failed for workspace 'qa'"):
        workspaces.load("qa")
