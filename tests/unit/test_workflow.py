"""The GitHub Actions workflow users copy (.github/workflows/ci.yml) runs what CI runs: its test job is
.ci/run itself, every make target it calls is one the Makefile has, and it deploys only through the
OIDC roles the bootstrap creates. (actionlint and zizmor lint it in `make lint`.)"""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml

from sagatools.contract.paths import ROOT

pytestmark = pytest.mark.pure

WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"


@pytest.fixture(scope="module")
def workflow() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(WORKFLOW.read_text())
    return loaded


def runs(job: dict[str, Any]) -> list[str]:
    return [step["run"] for step in job["steps"] if "run" in step]


def make_targets(command: str) -> list[str]:
    return [target for line in command.splitlines() for target in re.findall(r"(?:^|\s)make\s+([a-z-]+)", line)]


def test_the_test_job_is_what_ci_runs(workflow: dict[str, Any]) -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    assert make_targets(ci) == ["test"]
    assert runs(workflow["jobs"]["test"]) == [".ci/run"]
    assert workflow["jobs"]["plan"]["needs"] == workflow["jobs"]["deploy"]["needs"] == "test"


def test_every_make_target_the_workflow_calls_is_the_makefile_s(workflow: dict[str, Any]) -> None:
    declared = set(re.findall(r"^([a-z-]+):.*## ", (ROOT / "Makefile").read_text(), re.MULTILINE))
    called = {target for job in workflow["jobs"].values() for command in runs(job) for target in make_targets(command)}
    assert called == {"package", "integration"}
    assert called <= declared
    # the deploy job runs the integration suite against its own ephemeral workspace, then destroys it
    deploy = runs(workflow["jobs"]["deploy"])
    assert 'make integration WORKSPACE="$WORKSPACE"' in deploy
    assert any("terraform -chdir=terraform destroy" in command for command in deploy)
    destroy = next(step for step in workflow["jobs"]["deploy"]["steps"] if step.get("name") == "terraform destroy")
    assert destroy["if"] == "always() && steps.init.outcome == 'success'"


def test_aws_credentials_come_from_oidc_roles_only(workflow: dict[str, Any]) -> None:
    assert workflow["permissions"] == {}
    text = WORKFLOW.read_text()
    assert "aws-access-key-id" not in text and "secrets." not in text
    for name, role in (("plan", "AWS_PLAN_ROLE_ARN"), ("deploy", "AWS_DEPLOY_ROLE_ARN")):
        job = workflow["jobs"][name]
        assert job["permissions"] == {"contents": "read", "id-token": "write"}
        (credentials,) = [step for step in job["steps"] if step.get("uses", "").startswith("aws-actions/configure-aws-credentials@")]
        assert credentials["with"]["role-to-assume"] == f"${{{{ vars.{role} }}}}"
    assert workflow["jobs"]["test"]["permissions"] == {"contents": "read"}


def test_every_action_is_pinned_to_a_commit(workflow: dict[str, Any]) -> None:
    uses = [step["uses"] for job in workflow["jobs"].values() for step in job["steps"] if "uses" in step]
    assert uses and all(re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", use) for use in uses)


def test_the_ephemeral_workspace_name_fits_the_root_module_s_rule(workflow: dict[str, Any]) -> None:
    """ci-<run id>: GitHub's run ids have 10 or 11 digits today, so 13 or 14 characters of the 19 allowed."""
    assert workflow["jobs"]["deploy"]["env"]["WORKSPACE"] == "ci-${{ github.run_id }}"
    rule = re.search(r'condition\s*=\s*can\(regex\("([^"]+)", terraform\.workspace\)\)', (ROOT / "terraform" / "main.tf").read_text())
    assert rule is not None
    pattern = rule.group(1).replace("\\\\", "\\")
    assert re.fullmatch(pattern, "ci-12345678901") and not re.fullmatch(pattern, "ci-" + "9" * 17)
