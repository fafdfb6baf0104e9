"""Bookings racing for the last seats: the conditional transaction sells each seat once.

The hundred executions run at once and so do their handlers; the races happen inside DynamoDB (moto
with sagatools.emulator.moto_fidelity: isolated requests, TransactionConflict while another transaction commits),
and the handlers retry conflicts until they resolve into a seat or SoldOut."""

from __future__ import annotations

import json

import pytest

from sagatools.client import inventory, samples
from sagatools.emulator.engine import LocalEngine

pytestmark = pytest.mark.moto

SEATS, BOOKINGS = 10, 100


@pytest.mark.xdist_group("race")
def test_a_hundred_bookings_race_for_ten_seats() -> None:
    items = inventory.inventory_items([inventory.Flight("ZZ1010", "2027-05-14", SEATS)], inventory.HOTELS)
    # Task timeouts raised: a hundred sagas on two cores make the interpreter's wall clock slow, not the functions.
    with LocalEngine(prefix="race", inventory_items=items, settings={"task_timeout_seconds": 900}) as engine:
        requests = []
        for n in range(BOOKINGS):
            request = samples.booking_request(f"race-{n:03d}")
            request["flight"] = {**request["flight"], "flight_number": "ZZ1010", "passengers": 1}
            requests.append(request)
        arns = [engine.start(request) for request in requests]  # all running at once
        outcomes = [engine.wait(arn, timeout=300) for arn in arns]
        seats = engine.saga.dynamodb.Table(engine.table_name("flight")).get_item(Key={"pk": "FLIGHT#ZZ1010#2027-05-14", "sk": "INVENTORY"})
        conservation = inventory.conservation_violations(engine.all_items())
        reserved = [r for r in engine.all_items()["flight"] if r.get("status") == "CONFIRMED"]
        peak = engine.peak_concurrency

    succeeded = [o for o in outcomes if o["status"] == "SUCCEEDED"]
    failed = [o for o in outcomes if o["status"] == "FAILED"]
    others = [o["cause"][:400] for o in failed if "SoldOut" not in (o.get("cause") or "")]
    assert peak > 1  # handlers really ran concurrently
    assert len(succeeded) == SEATS, others
    assert len(failed) == BOOKINGS - SEATS
    causes = [(o["error"], json.loads(o["cause"])["Error"]) for o in failed]
    assert causes == [("SagaFailed", "SoldOut")] * len(failed), [o["cause"][:300] for o in failed if "SoldOut" not in o["cause"]]
    assert seats["Item"]["available"] == 0  # never below zero: the condition refuses the eleventh
    assert len(reserved) == SEATS
    assert conservation == []
