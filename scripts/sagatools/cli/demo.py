#!/usr/bin/env python3
"""`make demo`: four trip bookings through the real state machine and handlers on the local engine:
one confirmed, and one rolled back for a failure at each forward step."""

from __future__ import annotations

import sys

from rich.console import Console
from rich.table import Table

from sagatools.cli.book import original_error
from sagatools.client import samples
from sagatools.emulator.engine import LocalEngine

SCENARIOS = [
    ("success", {}),
    ("flight fails", {"flight": "fail"}),
    ("hotel fails", {"hotel": "fail"}),
    ("payment fails", {"payment": "fail"}),
]


def main() -> int:
    console = Console(width=None if sys.stdout.isatty() else 190)
    table = Table("scenario", "path", "final status", "flight", "hotel", "payment", title="Trip booking saga on the local engine")
    expected_ok = True
    with LocalEngine() as engine:
        for index, (scenario, faults) in enumerate(SCENARIOS, start=1):
            report = engine.run(samples.booking_request(f"demo-{index}", faults=faults))
            status = report.status if not report.error else f"{report.status} ({report.error})"
            items = [
                (item or {}).get("status", "—") + (" (tombstone)" if (item or {}).get("tombstone") else "")
                for item in report.items.values()
            ]
            table.add_row(scenario, " → ".join(report.path), status, *items)
            expected_ok &= (report.status == "SUCCEEDED") == (not faults)
            if faults:
                console.print(f"[dim]{scenario}: {original_error(report.cause)}[/]", highlight=False)
    console.print(table)
    return 0 if expected_ok else 1


if __name__ == "__main__":
    sys.exit(main())
