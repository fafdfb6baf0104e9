#!/usr/bin/env python3
"""Finish the compensations of a booking whose saga ended in CompensationFailed (see the runbook,
docs/failure-semantics.md#runbook-compensationfailed). Run it once the cause is fixed; it is safe to run
more than once.

    python scripts/finish_compensation.py --workspace dev --booking-id trip-0001
"""

from __future__ import annotations

import argparse
import json
import sys

from sagatools.client import recovery, workspaces


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workspace", required=True, metavar="local|NAME")
    parser.add_argument("--booking-id", required=True)
    parser.add_argument("--execution-arn", help="the failed execution, if it was not named after the booking id")
    args = parser.parse_args(argv)
    try:
        target = workspaces.load(args.workspace)
        saga = target.saga()
        finished = recovery.finish_compensations(
            saga, target.client("lambda"), target.outputs["function_names"], args.booking_id, args.execution_arn
        )
    except (workspaces.WorkspaceError, recovery.RecoveryError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for key, answer in finished.results.items():
        print(f"{key:<16} {answer['status']:<10} {'done now' if answer['changed'] else 'already done'}")
    items = saga.items(args.booking_id)
    print(json.dumps({service: item and item["status"] for service, item in items.items()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
