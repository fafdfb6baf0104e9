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
# After the pivot a confirmation is retried, never compensated: what outlasts its retries ends the
# execution FAILED outside the saga's paths, and reconciliation (started by its status-change event) decides.
CONFIRMATION_FAULTS = {
    "confirm_payment": ("fail", "permanent", "until-redrive", "transient:4"),
    "default": ("timeout", "until-redrive", "transient:4"),
}
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
    for step in steps.confirmations:
        rows += [[(step.fault_key, fault)] for fault in CONFIRMATION_FAULTS.get(step.fault_key, CONFIRMATION_FAULTS["default"])]
    rows += [[(first, fault)] for fault in AWS_FAULTS]
    rows += [[*TRIGGER, (middle, fault)] for fault in AWS_FAULTS]
    rows += [[(first, "transient:2"), (first, "internal:9")]]
    return rows


def _state(item: dict[str, Any] | None) -> str:
    if item is None:
        return "—"
    return str(item["status"]) + ("†" if item.get("tombstone") else "")


def _row(shown: str, report: ExecutionReport, items: dict[str, Any], reconciled: tuple[str, dict[str, Any]] | None = None) -> str:
    """One fault's row: the path, the outcome, what reconciliation did, and each part as everything left it
    (reconciliation runs while the execution's end is read: only its final state is deterministic)."""
    path = " → ".join(report.path[1:])
    outcome = report.status if report.status == "SUCCEEDED" else f"FAILED `{report.error}`"
    after = reconciled[1] if reconciled else items
    states = " | ".join(_state(after[service]) for service in ("flight", "hotel", "payment"))
    return f"| {shown} | {path} | {outcome} | {reconciled[0] if reconciled else '—'} | {states} |"


def _reconciliation(engine: LocalEngine, report: ExecutionReport) -> tuple[str, dict[str, Any]] | None:
    """What the reconciliation of an unsucceeded execution did: its last state (or how it failed), and the items after."""
    if report.status == "SUCCEEDED":
        return None
    (done,) = engine.saga.reconciliations(report.execution_arn)
    ending = done["path"][-1] if done["status"] == "SUCCEEDED" else f"FAILED at {done['path'][-1]}"
    return ending, engine.items(report.booking_id)


def table() -> str:
    lines = [
        "| faults | path after ReserveFlight | outcome | reconciliation | flight | hotel | payment |",
        "|---|---|---|---|---|---|---|",
    ]
    with LocalEngine(prefix="failure-table") as engine:
        for index, faults in enumerate(scenarios()):
            report = engine.run(samples.with_faults(samples.booking_request(f"table-{index}"), faults))
            lines.append(
                _row(", ".join(f"`{key}={fault}`" for key, fault in faults), report, report.items, _reconciliation(engine, report))
            )
        # A conflicting request: another execution (another name) of a confirmed booking id, other details.
        confirmed = engine.run(samples.booking_request("table-conflict"))
        other = {**samples.booking_request("table-conflict"), "hotel": {**samples.booking_request()["hotel"], "rooms": 3}}
        second = engine.run(other, name="table-conflict-again")
        assert engine.items("table-conflict") == confirmed.items
        shown = "the same booking id, other details, another execution (items: the first's)"
        lines.append(_row(shown, second, confirmed.items, _reconciliation(engine, second)))
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
