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
        for faults in ({}, {"flight": "fail"}, {"hotel": "fail"}, {"payment": "fail"}, {"payment": "timeout"}):
            engine.run(samples.booking_request(faults=faults or None))
        called: dict[str, set[str]] = {}
        for function, operation in engine.dynamodb_calls:
            called.setdefault(function.removeprefix("trip-saga-iam-"), set()).add(operation)
    assert called == {function.key: set(function.dynamodb_actions) for function in catalog.load().functions}
