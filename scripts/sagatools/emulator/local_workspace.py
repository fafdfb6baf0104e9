"""The local workspace: a background AWS-compatible endpoint on 127.0.0.1 (sagatools.emulator.endpoint)
with the saga deployed into it by `terraform apply` of the root module (terraform/), through the
stand-in for hashicorp/aws (tfprovider), its outputs those of `terraform output -json`.
`sagatools.client.workspaces.load("local")` then reads it like any other workspace."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import boto3

from sagatools.client import inventory
from sagatools.client.workspaces import LOCAL_CREDENTIALS, STATE_DIR, Workspace, WorkspaceError, endpoint_pid, load
from sagatools.contract import catalog
from sagatools.contract.paths import ROOT
from sagatools.processes import group_alive
from tfprovider.deploy import Deployment

LAMBDA_ARTIFACTS = ROOT / "build" / "lambda"
LOCAL_ARTIFACTS = ROOT / "build" / "local"
REGION = "us-east-1"
LOCAL_CONCURRENCY = 10  # reserved concurrency of each function here: the local Lambda service's worker processes
IAM_ENV = "SAGA_IAM"  # "off": the endpoint authorizes nothing (everyone the administrator), for a quick look
PORTS_FILE = "ports.json"  # in the state directory: the last start's ports, which the next `up` reuses if free


def start(
    *,
    state_dir: Path = STATE_DIR,
    ttl: float = 4 * 3600,
    port: int = 0,
    api_port: int = 0,
    site_port: int = 0,
    parent_pid: int | None = None,
    source: Path = ROOT,
    variables: Mapping[str, Any] | None = None,
) -> Workspace:
    """Start the endpoint in the background, `terraform apply` the root module to it, write its outputs.
    Ports 0: any free ones. The ports it got are remembered in <state_dir>/ports.json (see `stable_ports`).
    `source`: where terraform/ (and what it reads) comes from: the repository, or a copy of it to try out.
    `variables`: root module variables set on top of the local workspace's own."""
    if endpoint_pid(state_dir):
        raise WorkspaceError(f"a local workspace is already running ({state_dir}); `make local-down` stops it")
    if shutil.which("terraform") is None:
        raise WorkspaceError("terraform (>= 1.11) is not on PATH: the local workspace is deployed by `terraform apply`")
    artifacts = local_artifacts(state_dir)
    process, ready = start_endpoint(state_dir=state_dir, ttl=ttl, port=port, api_port=api_port, site_port=site_port, parent_pid=parent_pid)
    endpoint_url = ready["endpoint_url"]
    try:
        deployment = terraform(state_dir, ready, artifacts, variables)
        deployment.lay_out(source)
        deployment.init()
        applied, seconds = deployment.apply()
        (state_dir / "terraform-apply.log").write_text(applied)
        outputs = deployment.outputs()  # api_url: the local gateway's, which the stand-in gives the stage as its invoke_url
        if outputs["api_url"]["value"] != ready["api_url"]:
            raise WorkspaceError(f"api_url is {outputs['api_url']['value']}, not the local gateway's {ready['api_url']}")
        if outputs["site_url"]["value"] != ready["site_url"]:  # the page's distribution, served by the local CloudFront
            raise WorkspaceError(f"site_url is {outputs['site_url']['value']}, not the local CloudFront's {ready['site_url']}")
        session = boto3.Session(region_name=REGION, **LOCAL_CREDENTIALS)
        inventory.seed(session.resource("dynamodb", endpoint_url=endpoint_url), outputs["table_names"]["value"])  # as scripts/seed.py
    except Exception:
        stop(state_dir=state_dir)
        raise
    outputs_path = state_dir / "outputs.json"
    outputs_path.write_text(json.dumps(outputs, indent=2, sort_keys=True) + "\n")
    info = {"endpoint_url": endpoint_url, "api_url": ready["api_url"], "site_domain": ready["site_domain"], "site_url": ready["site_url"]}
    info |= {"outputs": str(outputs_path), "pid": process.pid}
    info["terraform"] = str(deployment.directory)
    (state_dir / "workspace.json").write_text(json.dumps({**info, "apply_seconds": round(seconds, 1)}))
    return load("local", state_dir=state_dir)


def stable_ports(state_dir: Path = STATE_DIR) -> tuple[int, int, str | None]:
    """The ports of this state directory's last start, (endpoint, HTTP APIs), so that AWS_ENDPOINT_URL and
    API_URL stay the same across `make local-down` / `make local-up`; (0, 0) for any if there were none,
    and a note saying so if one of them is taken now. The local CloudFront's: `stable_site_port`."""
    try:
        last = json.loads((state_dir / PORTS_FILE).read_text())
        ports = (int(last["port"]), int(last["api_port"]))
    except (OSError, ValueError, KeyError, TypeError):
        return 0, 0, None
    taken = [port for port in ports if not _free(port)]
    if taken:
        return 0, 0, f"port {taken[0]} of the last local workspace is taken now: using any free ports instead"
    return ports[0], ports[1], None


def stable_site_port(state_dir: Path = STATE_DIR) -> int:
    """The local CloudFront's port at this state directory's last start, so that SITE_URL (and a browser's
    trust in its certificate's host) stays the same across down / up; 0 (any) if none or taken now."""
    try:
        port = int(json.loads((state_dir / PORTS_FILE).read_text())["site_port"])
    except (OSError, ValueError, KeyError, TypeError):
        return 0
    return port if _free(port) else 0


def _free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server binds: a closed one's TIME_WAIT is no matter
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def local_artifacts(state_dir: Path) -> Path:
    """The artifacts directory the local workspace deploys (the root module's `artifacts_dir`): the
    service and API zips of `make package`, and the dependencies layer built for this machine's Python
    (`make package-local`), which the local workers import."""
    zips = {f"{name}.zip": LAMBDA_ARTIFACTS / f"{name}.zip" for name in [*catalog.load().tables, catalog.load().api.key]}
    zips["dependencies-layer.zip"] = LOCAL_ARTIFACTS / "dependencies-layer.zip"
    for artifact in zips.values():
        if not artifact.exists():
            raise WorkspaceError(f"{artifact.relative_to(ROOT)} is missing: run `make package package-local`")
    directory = state_dir / "artifacts"
    directory.mkdir(parents=True, exist_ok=True)
    for name, artifact in zips.items():
        (directory / name).unlink(missing_ok=True)
        (directory / name).symlink_to(artifact)
    return directory


def terraform(
    state_dir: Path, ready: dict[str, Any], artifacts: Path | None = None, variables: Mapping[str, Any] | None = None
) -> Deployment:
    """The root module as the local workspace applies it: workspace `local`, us-east-1, fault injection
    on, concurrency sized for this machine, its copy and state under <state_dir>/terraform; the browser
    reaches Cognito at the endpoint and the API at the local gateway, and the page's distribution is
    served by the local CloudFront (its domain name the stand-in gives it)."""
    return Deployment(
        state_dir / "terraform",
        ready["endpoint_url"],
        execute_api_url=ready["api_url"],
        cloudfront_domain=ready.get("site_domain"),
        workspace="local",
        region=REGION,
        variables={
            "fault_injection_enabled": True,
            "artifacts_dir": str(artifacts or state_dir / "artifacts"),
            "reserved_concurrency": LOCAL_CONCURRENCY,
            "browser_endpoints": {"cognito": f"{ready['endpoint_url']}/", "api_origins": [ready["api_url"]]},
            **(variables or {}),
        },
    )


def down(*, state_dir: Path = STATE_DIR) -> tuple[str | None, bool]:
    """`terraform destroy` of the running workspace, then stop it: (Terraform's output or None, whether one ran)."""
    output = None
    info_path = state_dir / "workspace.json"
    if endpoint_pid(state_dir) and info_path.exists():
        info = json.loads(info_path.read_text())
        if info.get("terraform"):
            output, _ = terraform(state_dir, info).destroy()
    return output, stop(state_dir=state_dir)


def start_endpoint(
    *,
    state_dir: Path,
    ttl: float = 4 * 3600,
    port: int = 0,
    api_port: int = 0,
    site_port: int = 0,
    parent_pid: int | None = None,
) -> tuple[subprocess.Popen[bytes], dict[str, Any]]:
    """The endpoint alone, in the background (its own process group), once it serves: (process, ready.json)."""
    state_dir.mkdir(parents=True, exist_ok=True)
    for stale in ("ready.json", "workspace.json"):
        (state_dir / stale).unlink(missing_ok=True)
    command = [
        sys.executable,
        "-m",
        "sagatools.emulator.endpoint",
        "--state-dir",
        str(state_dir),
        "--runtime-dir",
        str(LOCAL_ARTIFACTS / "runtime"),
    ]
    command += ["--port", str(port), "--api-port", str(api_port), "--site-port", str(site_port)]
    command += ["--ttl", str(ttl), "--iam", iam_enforcement()] + (["--parent-pid", str(parent_pid)] if parent_pid else [])
    with (state_dir / "server.log").open("ab") as log:
        # Its own session: `stop` signals the whole group, workers included.
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 60
    while not (state_dir / "ready.json").exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            log_tail = (state_dir / "server.log").read_text()[-2000:]
            raise WorkspaceError(f"the workspace server did not start:\n{log_tail}")
        time.sleep(0.05)
    ready: dict[str, Any] = json.loads((state_dir / "ready.json").read_text())
    ports = {"port": ready["port"], "api_port": ready["api_port"], "site_port": ready["site_port"]}
    (state_dir / PORTS_FILE).write_text(json.dumps(ports) + "\n")
    return process, ready


def iam_enforcement() -> str:
    """Whether the endpoint authorizes requests as AWS does: on, unless SAGA_IAM=off."""
    value = os.environ.get(IAM_ENV, "on")
    if value not in ("on", "off"):
        raise WorkspaceError(f"{IAM_ENV} must be on or off, not {value!r}")
    return value


def stop(*, state_dir: Path = STATE_DIR, timeout: float = 15) -> bool:
    """Stop the server and every worker it started. False if none was running."""
    pid = endpoint_pid(state_dir)
    info = state_dir / "workspace.json"
    if pid is None and info.exists():
        pid = json.loads(info.read_text()).get("pid")
    if pid is None:
        return False
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            break
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and group_alive(pid):
            time.sleep(0.05)
        if not group_alive(pid):
            break
    for stale in ("ready.json", "workspace.json"):
        (state_dir / stale).unlink(missing_ok=True)
    return True
