"""Least privilege, measured: every path through the local engine, each function's DynamoDB calls
recorded as IAM actions, compared with what the catalog (and so Terraform) grants it."""

from __future__ import annotations

import pytest

from sagatools.client import samples
from sagatools.contract import catalog
from sagatools.emulator.engine import LocalEngine

pytestmark = pytest.mark.moto


def test_catalog_actions_are_exactly_what_each_handler_calls() -> None:
    """Least privilege, measured: run every path and record each function's DynamoDB calls."""
    with LocalEngine(prefix="trip-saga-iam") as engine:
        # success; tombstones at every compensation; every compensation closing a real reservation or charge
        for faults in ({"flight": "fail"}, {"hotel": "fail"}, {"payment": "fail"}, {"payment": "timeout"}):
            engine.run(samples.booking_request(faults=faults))
        # a confirmed booking, then its cancellation (the cancel steps)
        confirmed = engine.run(samples.booking_request())
        assert engine.wait(engine.saga.cancel(confirmed.execution_arn))["status"] == "SUCCEEDED"
        # a booking stopped while it confirms: the reconciliation rolls it forward (the confirm steps it invokes)
        stopped = samples.booking_request()
        engine.stop_when_invoked(engine.saga.execution_arn(stopped["booking_id"]), "confirm-flight")
        engine.wait(engine.start(stopped))
        (reconciliation,) = engine.saga.reconciliations(engine.saga.execution_arn(stopped["booking_id"]), timeout=60)
        assert reconciliation["status"] == "SUCCEEDED"
        called: dict[str, set[str]] = {}
        for function, operation in engine.dynamodb_calls:
            called.setdefault(function.removeprefix("trip-saga-iam-"), set()).add(operation)
    assert called == {function.key: set(function.dynamodb_actions) for function in catalog.load().functions}
