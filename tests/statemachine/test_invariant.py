"""The saga never loses a booking: random valid bookings and random fault schedules over every step
and fault kind, through the local engine, checked against the invariant and an exact oracle (outcome
and path), with capacity conservation after every execution and recovery after every
CompensationFailed. CI runs SAGA_SCHEDULES (default 500) schedules in two shards; `make soak` more."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings

from sagakit import inventory
from sagakit.engine import LocalEngine
from sagakit.schedules import Schedule, Tally, run_schedule, schedules

SHARDS = 2
PER_SHARD = int(os.environ.get("SAGA_SCHEDULES", "500")) // SHARDS


@pytest.mark.parametrize("shard", [pytest.param(n, marks=pytest.mark.xdist_group(f"invariant-{n}")) for n in range(SHARDS)])
def test_every_fault_schedule_keeps_the_invariant(shard: int) -> None:
    tally = Tally()
    with LocalEngine(prefix=f"invariant-{shard}", inventory_items={}) as engine:

        @settings(max_examples=PER_SHARD, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
        @given(schedules(shard))
        def keeps_the_invariant(schedule: Schedule) -> None:
            outcome, problems = run_schedule(engine, schedule)
            tally.add(schedule, outcome, problems)
            assert problems == []

        keeps_the_invariant()
        whole_tables = inventory.conservation_violations(engine.all_items())

    assert whole_tables == []
    assert tally.runs >= PER_SHARD
    # The run explored what it should: every outcome and every fault kind.
    assert set(tally.by_outcome) == {"SUCCEEDED", "SagaFailed", "CompensationFailed"}
    assert set(tally.by_fault) == {"none", "fail", "timeout", "permanent", "transient"}
