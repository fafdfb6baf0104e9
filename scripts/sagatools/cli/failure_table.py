#!/usr/bin/env python3
"""The failure semantics table in docs/failure-semantics.md, produced by running each fault through the
local engine (so the table is what the saga does, not what we think it does). A test keeps the doc in step.

    python scripts/failure_table.py           # rewrite the table in docs/failure-semantics.md
    python scripts/failure_table.py --check   # exit 1 if docs/failure-semantics.md's table is out of date
"""

from __future__ import annotations

import sys
from typing import Any

from sagatools.client import samples
from sagatools.client.saga_client import ExecutionReport
from sagatools.contract import catalog, markers
from sagatools.contract.paths import ROOT
from sagatools.emulator.engine import LocalEngine

BEGIN, END = "<!-- BEGIN_FAILURE_TABLE -->", "<!-- END_FAILURE_TABLE -->"
FORWARD_FAULTS = ("fail", "transient:2", "transient:4", "timeout", "permanent")
COMPENSATION_FAULTS = ("fail", "transient:9", "timeout", "permanent")
# A compensation only runs after a forward failure: the last forward step fails, so all of them run.
TRIGGER = [(catalog.load().forward[-1].fault_key, "fail")]
# AWS-level faults (sagatools.emulator.aws_faults), each beyond the SDK's three attempts, at a forward step and a
# compensation; and one that outlasts every retry of its step.
AWS_FAULTS = ("conflict:5", "throttle:5", "throughput:5", "internal:5", "slow:3", "lost:3")
Faults = list[tuple[str, str]]


def scenarios() -> list[Faults]:
    steps = catalog.load()
    first, middle = steps.forward[0].fault_key, steps.compensations[len(steps.compensations) // 2].fault_key
    rows: list[Faults] = [[(step.fault_key, fault)] for step in steps.forward for fault in FORWARD_FAULTS]
    rows += [[*TRIGGER, (step.fault_key, fault)] for step in steps.compensations for fault in COMPENSATION_FAULTS]
    rows += [[(first, fault)] for fault in AWS_FAULTS]
    rows += [[*TRIGGER, (middle, fault)] for fault in AWS_FAULTS]
    rows += [[(first, "transient:2"), (first, "internal:9")]]
    return rows


def _state(item: dict[str, Any] | None) -> str:
    if item is None:
        return "—"
    return str(item["status"]) + ("†" if item.get("tombstone") else "")


def _row(shown: str, report: ExecutionReport, items: dict[str, Any]) -> str:
    path = " → ".join(report.path[1:])
    outcome = report.status if report.status == "SUCCEEDED" else f"FAILED `{report.error}`"
    states = " | ".join(_state(items[service]) for service in ("flight", "hotel", "payment"))
    return f"| {shown} | {path} | {outcome} | {states} |"


def table() -> str:
    lines = [
        "| faults | path after ReserveFlight | outcome | flight | hotel | payment |",
        "|---|---|---|---|---|---|",
    ]
    with LocalEngine(prefix="failure-table") as engine:
        for index, faults in enumerate(scenarios()):
            report = engine.run(samples.with_faults(samples.booking_request(f"table-{index}"), faults))
            lines.append(_row(", ".join(f"`{key}={fault}`" for key, fault in faults), report, report.items))
        # A conflicting request: another execution (another name) of a confirmed booking id, other details.
        confirmed = engine.run(samples.booking_request("table-conflict"))
        other = {**samples.booking_request("table-conflict"), "hotel": {**samples.booking_request()["hotel"], "rooms": 3}}
        second = engine.run(other, name="table-conflict-again")
        assert engine.items("table-conflict") == confirmed.items
        lines.append(_row("the same booking id, other details, another execution (items: the first's)", second, confirmed.items))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    current = markers.update(ROOT / "docs" / "failure-semantics.md", BEGIN, END, table(), check="--check" in argv)
    if "--check" in argv and not current:
        print("docs/failure-semantics.md's failure table is out of date (run: python scripts/failure_table.py)")
        return 1
    print("docs/failure-semantics.md's failure table is current" if current else "docs/failure-semantics.md's failure table rewritten")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
