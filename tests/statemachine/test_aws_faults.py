"""AWS's own failures, injected at the SDK boundary (sagatools.emulator.aws_faults): the handlers survive every
kind, at a forward step and at a compensation, and a fault that outlasts every retry is compensated."""

from __future__ import annotations

import json
from typing import Any

import pytest

from sagatools.emulator.engine import LocalEngine
from tests.support.chaos import COMPENSATION_PATHS, HAPPY_PATH

pytestmark = pytest.mark.moto

KINDS = ["conflict", "throttle", "throughput", "internal", "slow", "lost"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("step", "faults", "path"),
    [
        pytest.param("flight", {}, HAPPY_PATH, id="reserve-flight"),
        pytest.param("payment", {}, HAPPY_PATH, id="process-payment"),
        pytest.param("cancel_hotel", {"payment": "timeout"}, COMPENSATION_PATHS["payment"], id="cancel-hotel"),
        pytest.param("refund", {"payment": "timeout"}, COMPENSATION_PATHS["payment"], id="refund-payment"),
    ],
)
def test_every_aws_fault_is_survived_without_changing_the_outcome(
    engine: LocalEngine, request_for: Any, kind: str, step: str, faults: dict[str, str], path: list[str]
) -> None:
    request = request_for(**faults)
    request["faults"] = {**request.get("faults", {}), "aws": {step: f"{kind}:5"}}  # more than the SDK's three attempts

    report = engine.run(request)

    assert report.path == path
    injected = engine.aws_faults.injected(booking_id=report.booking_id, step=step, kind=kind)
    if kind in ("slow", "lost") and step in ("cancel_hotel", "refund"):
        assert 3 <= injected < 5  # its write landed, the answers were lost: a later attempt finds the work done
    else:
        assert injected == 5
    expected = dict.fromkeys(("flight", "hotel", "payment"), "CONFIRMED") if path == HAPPY_PATH else None
    closed = {"flight": "CANCELLED", "hotel": "CANCELLED", "payment": "REFUNDED"}
    assert {service: item["status"] for service, item in report.items.items() if item} == (expected or closed)
    assert all(item["tombstone"] is False for item in report.items.values() if item)  # each write landed once: no tombstones


def test_an_aws_fault_that_outlasts_every_retry_is_compensated(engine: LocalEngine, request_for: Any) -> None:
    request = request_for(flight="transient:2")  # two of the four attempts spent before DynamoDB is reached
    request["faults"]["aws"] = {"flight": "internal:9"}  # then 2 x 3 SDK attempts, all failing

    report = engine.run(request)

    assert report.path == COMPENSATION_PATHS["flight"]
    assert json.loads(report.cause or "{}")["Error"] == "DependencyUnavailable"
    assert report.items["flight"] is not None and report.items["flight"]["status"] == "CANCELLED"
