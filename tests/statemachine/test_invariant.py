"""The saga never loses a booking: random valid bookings with random handler faults and AWS-level faults
over every step, alone or several at once on shared inventory, sometimes with a rival execution of the
same booking id, some stopped while a task runs, some cancelled (once, twice at once, or racing their
confirmations), through the local engine. Each execution is checked against the oracle (outcome and
path) and the invariant over what it owns, its history against the invocations it made, capacity is
conserved after every batch, every CompensationFailed is finished (redriven, or the runbook's script),
every execution that ended off the saga's own paths is reconciled, and then nothing is left PENDING.
CI runs SAGA_SCHEDULES (default 500) executions in two shards; `make soak` more."""

from __future__ import annotations

import os

import pytest

from sagatools.client import inventory
from sagatools.emulator.engine import LocalEngine
from tests.support.schedules import Tally, run_batches

pytestmark = pytest.mark.moto

SHARDS = 2
PER_SHARD = int(os.environ.get("SAGA_SCHEDULES", "500")) // SHARDS


@pytest.mark.parametrize("shard", [pytest.param(n, marks=pytest.mark.xdist_group(f"invariant-{n}")) for n in range(SHARDS)])
def test_every_fault_schedule_keeps_the_invariant(shard: int) -> None:
    tally = Tally()
    with LocalEngine(prefix=f"invariant-{shard}", inventory_items={}) as engine:
        run_batches(engine, PER_SHARD, shard, tally, stop_at_violation=True)
        whole_tables = inventory.conservation_violations(engine.all_items())

    assert whole_tables == []
    # The run explored what it should: every outcome, every fault kind of both families, races and rivals.
    explored = {"SUCCEEDED", "SagaFailed", "CompensationFailed", "BookingConflict", "ABORTED", "redriven"}
    explored |= {"cancellation succeeded", "cancellation failed", "reconciliation RolledForward", "reconciliation RolledBack"}
    assert explored <= set(tally.by_outcome), tally.by_outcome
    assert {"none", "fail", "timeout", "permanent", "until-redrive", "transient"} <= set(tally.by_fault)
    assert {f"aws-{kind}" for kind in ("conflict", "throttle", "throughput", "internal", "slow", "lost")} <= set(tally.by_fault)
    assert tally.concurrent > 0 and tally.contested > 0
