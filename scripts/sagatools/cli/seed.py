#!/usr/bin/env python3
"""Seed flight seats and hotel rooms (sagatools.client.inventory) into a workspace's tables.
Existing inventory is left alone, so seeding twice never resets what was sold.

    python scripts/seed.py --workspace local
    python scripts/seed.py --workspace dev        # a Terraform workspace, default AWS credentials
"""

from __future__ import annotations

import argparse
import sys

from sagatools.client import inventory, workspaces


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workspace", required=True, metavar="local|NAME")
    args = parser.parse_args(argv)
    try:
        target = workspaces.load(args.workspace)
    except workspaces.WorkspaceError as error:
        parser.error(str(error))
    saga = target.saga()
    created = inventory.seed(saga.dynamodb, {s: t for s, t in saga.table_names.items() if s in ("flight", "hotel")})
    total = sum(len(items) for items in inventory.inventory_items().values())
    print(f"{created} inventory items created, {total - created} already there ({args.workspace})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
