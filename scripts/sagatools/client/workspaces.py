"""Workspaces the saga runs in: "local" (a background AWS-compatible endpoint on this machine, deployed
by `terraform apply` of the same root module) or a Terraform workspace on AWS.

Either way a workspace is its outputs, read with `terraform output -json` through python-terraform,
and a boto3 session (plus, locally, an endpoint URL): the integration suite and the booking CLI see no
other difference."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

from sagatools.client.saga_client import SagaClient
from sagatools.contract.paths import ROOT
from sagatools.processes import alive

# The running local workspace's state; SAGA_WORKSPACE_STATE names another (the integration suite's own).
STATE_DIR = Path(os.environ.get("SAGA_WORKSPACE_STATE") or ROOT / "build" / "local-workspace")
LOCAL_CREDENTIALS = {"aws_access_key_id": "local", "aws_secret_access_key": "local", "aws_session_token": "local"}


class WorkspaceError(RuntimeError):
    pass


@dataclass(frozen=True)
class Workspace:
    name: str
    outputs: dict[str, Any]  # output name -> value
    session: boto3.Session
    endpoint_url: str | None = None

    def client(self, service: str) -> Any:
        return self.session.client(service, endpoint_url=self.endpoint_url)

    def saga(self) -> SagaClient:
        return SagaClient(
            state_machine_arn=self.outputs["state_machine_arn"],
            table_names=self.outputs["table_names"],
            session=self.session,
            endpoint_url=self.endpoint_url,
            poll_seconds=0.1 if self.endpoint_url else 1.0,
            cancellation_arn=self.outputs.get("cancellation_state_machine_arn"),
            reconciliation_arn=self.outputs.get("reconciliation_state_machine_arn"),
        )


def load(name: str, *, state_dir: Path = STATE_DIR) -> Workspace:
    if name == "local":
        info_path = state_dir / "workspace.json"
        if not info_path.exists() or not endpoint_pid(state_dir):
            raise WorkspaceError("no local workspace is running: `make local-up` (or `make integration`) starts one")
        info = json.loads(info_path.read_text())
        # Read as a workspace on AWS is read (`terraform output -json` through python-terraform), from the
        # configuration `make local-up` applied; only the endpoint differs.
        outputs = _values(terraform_outputs("local", working_dir=Path(info["terraform"]) / "terraform"))
        session = boto3.Session(region_name=outputs["region"], **LOCAL_CREDENTIALS)
        return Workspace("local", outputs, session, info["endpoint_url"])
    outputs = _values(terraform_outputs(name))
    return Workspace(name, outputs, boto3.Session(region_name=outputs["region"]))


def terraform_outputs(name: str, *, working_dir: Path = ROOT / "terraform") -> dict[str, Any]:
    """`terraform output -json` of the named workspace, through python-terraform (default credentials).
    The workspace is chosen with TF_WORKSPACE, so the user's selected workspace is left alone."""
    from python_terraform import IsFlagged, Terraform

    previous = os.environ.get("TF_WORKSPACE")
    os.environ["TF_WORKSPACE"] = name  # python-terraform hands the process environment to terraform
    try:
        code, out, err = Terraform(working_dir=str(working_dir)).cmd("output", json=IsFlagged)
    finally:
        if previous is None:
            os.environ.pop("TF_WORKSPACE", None)
        else:
            os.environ["TF_WORKSPACE"] = previous
    if code != 0:
        raise WorkspaceError(f"terraform output failed for workspace {name!r}: {err.strip()}")
    outputs: dict[str, Any] = json.loads(out)
    if not outputs:
        raise WorkspaceError(f"workspace {name!r} has no outputs: has it been applied?")
    return outputs


def _values(outputs: dict[str, Any]) -> dict[str, Any]:
    return {name: spec["value"] for name, spec in outputs.items()}


def endpoint_pid(state_dir: Path) -> int | None:
    """The local endpoint's pid if it is up (its ready file names it and the process lives)."""
    ready = state_dir / "ready.json"
    if not ready.exists():
        return None
    pid = int(json.loads(ready.read_text())["pid"])
    return pid if alive(pid) else None
