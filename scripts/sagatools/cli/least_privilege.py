#!/usr/bin/env python3
"""Least privilege, measured on a local workspace: per role and statement, what the policies Terraform
applied grant against what the requests the endpoint judged used (sagatools.contract.least_privilege).

    python scripts/least_privilege.py build/local-workspace-integration [more state dirs...] [--write FILE]

The first state directory's Terraform state gives the grants; every directory's iam-usage.jsonl the uses
(the integration suite's workspace, `make race`'s). `make integration` runs it after the suite.
Exit 1 on an unused grant without a `# least-privilege:unused-here <reason>` beside its statement, or
on such a justification no unused grant needs. Refused requests are listed: the suite makes some on
purpose (tests/integration/test_permissions.py); any other fails the suite itself.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from sagatools.contract import least_privilege
from sagatools.emulator import local_workspace
from sagatools.emulator.endpoint import USAGE_LOG


def report_for(state_dirs: list[Path]) -> least_privilege.Report:
    deployment = local_workspace.terraform(state_dirs[0], {"endpoint_url": "http://127.0.0.1:9", "api_url": "http://127.0.0.1:9"})
    state = json.loads(deployment.run("show", "-json", "-no-color").stdout)
    uses = least_privilege.read_uses(directory / USAGE_LOG for directory in state_dirs)
    return least_privilege.measure(state, deployment.configuration, uses)


def print_report(report: least_privilege.Report, write: Path | None = None) -> int:
    table = report.table()
    print(table)
    for use in report.refused:  # the suite's own refusals (tests/integration/test_permissions.py), or its failures
        print(f"refused   {use.role}: {use.action} on {use.resource}")
    for statement in report.stale:
        print(f"STALE     least-privilege:unused-here on {statement.name}: every grant of it was used")
    unjustified = len(report.unjustified)
    print(f"{len(report.statements)} statements, {unjustified} with an unjustified unused grant, {len(report.refused)} refused requests")
    if write:
        write.parent.mkdir(parents=True, exist_ok=True)
        write.write_text(table + "\n")
    return 0 if report.ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("state_dirs", nargs="+", type=Path, help="local workspace state directories (the first's state is read)")
    parser.add_argument("--write", type=Path, help="also write the table (Markdown) here")
    args = parser.parse_args(argv)
    return print_report(report_for(args.state_dirs), args.write)


if __name__ == "__main__":
    sys.exit(main())
