#!/usr/bin/env python3
"""The local workspace: an AWS-compatible endpoint on 127.0.0.1 with the saga deployed into it.

    python scripts/local_workspace.py up [--port N] [--ttl SECONDS]   # make local-up: the endpoint, then terraform apply
    python scripts/local_workspace.py down                            # make local-down: terraform destroy, then stop
    python scripts/local_workspace.py status
    eval "$(python scripts/local_workspace.py env)"                   # export AWS_ENDPOINT_URL, API_URL, SITE_URL, ...
    python scripts/local_workspace.py integration [--workspace NAME]  # make integration [WORKSPACE=NAME]
    python scripts/local_workspace.py race [--bookings N] [--seats S]  # make race [N=100] [S=10]

After `up`, point any AWS client at the endpoint it prints (AWS_ENDPOINT_URL), with any credentials.
Its outputs, `terraform output -json` (api_url: the local gateway's; site_url: the local CloudFront's, HTTPS with a
self-signed certificate in build/local-workspace/site-cert.pem), are in build/local-workspace/outputs.json;
Terraform's copy of the configuration and its state are in build/local-workspace/terraform/.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from sagatools.cli import least_privilege
from sagatools.client import workspaces
from sagatools.client.race import RaceResult, run_race
from sagatools.contract.paths import ROOT
from sagatools.emulator import local_workspace

INTEGRATION_STATE = ROOT / "build" / "local-workspace-integration"
RACE_STATE = ROOT / "build" / "local-workspace-race"
INTEGRATION_VARIABLES = {"compensation_max_attempts": 3}  # as environments/dev.tfvars: CompensationFailed in seconds
WARM_ENVIRONMENTS = 10  # per function: the local Lambda service's concurrency


def up(args: argparse.Namespace) -> int:
    port, api_port, site_port = args.port, 0, 0
    if port is None:  # the last `up`'s ports, so AWS_ENDPOINT_URL, API_URL and SITE_URL stay the same across down / up
        port, api_port, note = local_workspace.stable_ports()
        site_port = local_workspace.stable_site_port()
        if note:
            print(note)
    print("starting the endpoint; terraform init and apply of terraform/ (workspace local) through the stand-in for hashicorp/aws ...")
    started = local_workspace.start(port=port, api_port=api_port, site_port=site_port, ttl=args.ttl)
    applied = (workspaces.STATE_DIR / "terraform-apply.log").read_text()
    print(applied[applied.index("Apply complete!") :].rstrip() if "Apply complete!" in applied else applied.rstrip())
    print(f"local workspace up at {started.endpoint_url} (stops by itself after {args.ttl:.0f}s; `make local-down` stops it now)")
    print(f"outputs: {(workspaces.STATE_DIR / 'outputs.json').relative_to(ROOT)}")
    print(f"state machine: {started.outputs['state_machine_arn']}")
    print(f"bookings API: {started.outputs['api_url']}")
    certificate = (workspaces.STATE_DIR / "site-cert.pem").relative_to(ROOT)
    print(f"booking page: {started.outputs['site_url']} (the local CloudFront, HTTPS; its self-signed certificate: {certificate})")
    print("try:")
    print('  eval "$(.venv/bin/python scripts/local_workspace.py env)"   # AWS_ENDPOINT_URL, API_URL, credentials')
    print("  .venv/bin/python scripts/book.py --workspace local --inject payment=fail")
    print('  curl -si -H "Authorization: Bearer $(.venv/bin/python scripts/token.py c-1)" -H "content-type: application/json" \\')
    print('       -d @docs/examples/request.json "$API_URL/bookings"')
    return 0


def env(_: argparse.Namespace) -> int:
    """Shell exports for the running workspace: any AWS client (the AWS CLI, boto3) and curl reach it."""
    current = workspaces.load("local")
    exports = {
        "AWS_ENDPOINT_URL": current.endpoint_url,
        "AWS_DEFAULT_REGION": current.outputs["region"],
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "API_URL": current.outputs["api_url"],
        "SITE_URL": current.outputs.get("site_url") or "",
        "STATE_MACHINE_ARN": current.outputs["state_machine_arn"],
    }
    for name, value in exports.items():
        print(f"export {name}={value}")
    return 0


def down(_: argparse.Namespace) -> int:
    destroyed, stopped = local_workspace.down()
    if destroyed:
        print(destroyed[destroyed.index("Destroy complete!") :].rstrip() if "Destroy complete!" in destroyed else destroyed.rstrip())
    print("local workspace stopped" if stopped else "no local workspace was running")
    return 0


def status(_: argparse.Namespace) -> int:
    try:
        current = workspaces.load("local")
    except workspaces.WorkspaceError as error:
        print(error)
        return 1
    print(json.dumps({"endpoint_url": current.endpoint_url, **current.outputs}, indent=2))
    return 0


def integration(args: argparse.Namespace) -> int:
    """The integration suite against a fresh local workspace (up, test, down) or a Terraform workspace."""
    command = [sys.executable, "-m", "pytest", "tests/integration", *args.pytest_args]
    environment = {**os.environ, "SAGA_WORKSPACE": args.workspace}
    if args.workspace != "local":
        return subprocess.run(command, cwd=ROOT, env=environment, check=False).returncode
    environment["SAGA_WORKSPACE_STATE"] = str(INTEGRATION_STATE)
    local_workspace.stop(state_dir=INTEGRATION_STATE)  # a leftover from an interrupted run
    local_workspace.start(state_dir=INTEGRATION_STATE, ttl=1800, parent_pid=os.getpid(), variables=INTEGRATION_VARIABLES)
    try:
        suite = subprocess.run(command, cwd=ROOT, env=environment, check=False).returncode
    finally:
        local_workspace.stop(state_dir=INTEGRATION_STATE)
    if local_workspace.iam_enforcement() == "off" or args.pytest_args:
        return suite  # nothing judged, or not the whole suite: no measure of least privilege
    print("\nLeast privilege: what each role was granted, against what the suite used (build/least-privilege.md)")
    measured = least_privilege.print_report(least_privilege.report_for([INTEGRATION_STATE]), ROOT / "build" / "least-privilege.md")
    return suite or measured


def race(args: argparse.Namespace) -> int:
    """N bookings race for S seats on the running local workspace, or on a fresh one (up, race, down)."""
    try:
        running = workspaces.load("local")
    except workspaces.WorkspaceError:
        running = None
    if running:
        return _race_on(running, args)
    local_workspace.stop(state_dir=RACE_STATE)  # a leftover from an interrupted run
    fresh = local_workspace.start(state_dir=RACE_STATE, ttl=1800, parent_pid=os.getpid())
    try:
        return _race_on(fresh, args)
    finally:
        local_workspace.stop(state_dir=RACE_STATE)


def _race_on(target: workspaces.Workspace, args: argparse.Namespace) -> int:
    # The race is about contention, not cold starts: on AWS, functions starting cold do not slow DynamoDB
    # down, but here their workers share two cores with the endpoint that stands in for it. Warm them
    # first, as a live system's are: each function's environments answer a request they refuse.
    started = time.monotonic()
    lambda_client = target.client("lambda")
    names = [name for name in target.outputs["function_names"].values() for _ in range(WARM_ENVIRONMENTS)]
    with ThreadPoolExecutor(max_workers=len(names)) as pool:
        list(pool.map(lambda name: lambda_client.invoke(FunctionName=name, Payload=b"{}"), names))
    print(f"warmed {len(names)} execution environments in {time.monotonic() - started:.1f}s")
    return _report_race(run_race(target.saga(), bookings=args.bookings, seats=args.seats))


def _report_race(result: RaceResult) -> int:
    for problem in [*result.other, *result.capacity_violations]:
        print(f"  {problem}")
    print(f"{result.bookings} bookings for {result.seats} seats in {result.seconds:.1f}s")
    print(result.line())
    expected = (result.seats, result.bookings - result.seats, 0, True)
    return 0 if (result.confirmed, result.sold_out, len(result.other), result.capacity_ok) == expected else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    start = commands.add_parser("up", help="start the local workspace in the background")
    start.add_argument("--port", type=int, help="default: the last local workspace's port if it is free, else any free port")
    start.add_argument("--ttl", type=float, default=4 * 3600, help="seconds until it stops by itself (default 4 h)")
    start.set_defaults(run=up)
    commands.add_parser("down", help="stop it, workers included").set_defaults(run=down)
    commands.add_parser("status", help="print its endpoint and outputs").set_defaults(run=status)
    commands.add_parser("env", help="print shell exports for it (AWS_ENDPOINT_URL, API_URL, ...)").set_defaults(run=env)
    suite = commands.add_parser("integration", help="run tests/integration against a workspace")
    suite.add_argument("--workspace", default="local", help="local (a fresh one, default) or a Terraform workspace name")
    suite.add_argument("pytest_args", nargs="*")
    suite.set_defaults(run=integration)
    racing = commands.add_parser("race", help="N bookings racing for S seats on the local workspace (make race)")
    racing.add_argument("--bookings", type=int, default=100)
    racing.add_argument("--seats", type=int, default=10)
    racing.set_defaults(run=race)
    args = parser.parse_args(argv)
    try:
        return int(args.run(args))
    except workspaces.WorkspaceError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
