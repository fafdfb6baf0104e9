#!/usr/bin/env python3
"""The README's failure semantics table, produced by running each fault through the local engine
(so the table is what the saga does, not what we think it does). A test keeps the README in step.

    python scripts/failure_table.py           # rewrite the table in README.md
    python scripts/failure_table.py --check   # exit 1 if README.md's table is out of date
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sagakit import markers, samples
from sagakit.engine import LocalEngine
from sagakit.paths import ROOT

BEGIN, END = "<!-- BEGIN_FAILURE_TABLE -->", "<!-- END_FAILURE_TABLE -->"
FORWARD_FAULTS = ("fail", "transient:2", "transient:4", "timeout", "permanent")
COMPENSATION_FAULTS = ("fail", "transient:9", "timeout", "permanent")
# A compensation only runs after a forward failure: payment fails, so all three run.
TRIGGER = {"payment": "fail"}


def scenarios() -> list[dict[str, str]]:
    rows = [{key: fault} for key in ("flight", "hotel", "payment") for fault in FORWARD_FAULTS]
    rows += [{**TRIGGER, key: fault} for key in ("refund", "cancel_hotel", "cancel_flight") for fault in COMPENSATION_FAULTS]
    return rows


def _state(item: dict[str, Any] | None) -> str:
    if item is None:
        return "—"
    return item["status"] + ("†" if item.get("tombstone") else "")


def table() -> str:
    lines = [
        "| faults | path after ReserveFlight | outcome | flight | hotel | payment |",
        "|---|---|---|---|---|---|",
    ]
    with LocalEngine(prefix="failure-table") as engine:
        for index, faults in enumerate(scenarios()):
            report = engine.run(samples.booking_request(f"table-{index}", faults=faults))
            path = " → ".join(report.path[1:])
            outcome = report.status if report.status == "SUCCEEDED" else f"FAILED `{report.error}`"
            shown = ", ".join(f"`{key}={fault}`" for key, fault in faults.items())
            states = " | ".join(_state(report.items[service]) for service in ("flight", "hotel", "payment"))
            lines.append(f"| {shown} | {path} | {outcome} | {states} |")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    current = markers.update(ROOT / "README.md", BEGIN, END, table(), check="--check" in argv)
    if "--check" in argv and not current:
        print("README.md's failure table is out of date (run: python scripts/failure_table.py)")
        return 1
    print("README.md's failure table is current" if current else "README.md's failure table rewritten")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
