#!/usr/bin/env python3
"""Lint every IAM policy, trust policy and key policy of an applied Terraform state against AWS's
published catalogue of actions, resource types and condition keys (sagatools.contract.iam_lint).

    terraform -chdir=terraform show -json > state.json
    python scripts/iam_lint.py state.json                     # the acceptances are read from terraform/
    python scripts/iam_lint.py state.json --configuration terraform/bootstrap
    python scripts/iam_lint.py --workspace local              # the running local workspace

Exit 1 on a finding without an `# iam-lint:accept ISSUE reason` beside its statement, or on an
acceptance no finding needs any more.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from sagatools.contract import iam_lint
from sagatools.contract.paths import ROOT


def _local_state() -> tuple[dict[str, object], Path]:
    from sagatools.client import workspaces
    from sagatools.emulator import local_workspace

    info = json.loads((workspaces.STATE_DIR / "workspace.json").read_text())
    deployment = local_workspace.terraform(workspaces.STATE_DIR, {"endpoint_url": info["endpoint_url"], "api_url": info["api_url"]})
    return json.loads(deployment.run("show", "-json", "-no-color").stdout), deployment.configuration


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("state", nargs="?", type=Path, help="`terraform show -json` of an applied state")
    parser.add_argument("--configuration", type=Path, default=ROOT / "terraform", help="the .tf files holding the acceptances")
    parser.add_argument("--workspace", choices=["local"], help="lint the running local workspace instead")
    args = parser.parse_args(argv)
    if args.workspace:
        state, configuration = _local_state()
    elif args.state:
        state, configuration = json.loads(args.state.read_text()), args.configuration
    else:
        parser.error("give a state file or --workspace local")
    report = iam_lint.lint_state(state, configuration)
    for finding, acceptance in report.accepted:
        print(f"accepted  {finding}\n          because: {acceptance.reason}")
    for finding in report.unexplained:
        print(f"FINDING   {finding}")
    for stale in report.stale:
        print(f"STALE     iam-lint:accept {stale.issue} on {stale.sid} ({stale.directory}): no finding needs it")
    policies = sum(1 for _ in iam_lint.policies(state))
    print(f"{policies} policies, {len(report.findings)} findings: {len(report.accepted)} accepted, {len(report.unexplained)} unexplained")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
