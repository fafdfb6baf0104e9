"""The bookings API's decisions, as the pure functions that make them, and its committed OpenAPI document."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from sagatools.client import samples
from trip_saga import api

pytestmark = pytest.mark.pure


@pytest.mark.parametrize(
    ("status", "error", "shown"),
    [
        ("RUNNING", None, "pending"),
        ("SUCCEEDED", None, "confirmed"),
        ("FAILED", "InvalidBookingRequest", "rejected"),
        ("FAILED", "BookingConflict", "rejected"),
        ("FAILED", "Runtime.UnmarshalError", "rejected"),
        ("FAILED", "SagaFailed", "rolled back"),
        ("FAILED", "CompensationFailed", "needs attention"),
        ("TIMED_OUT", None, "needs attention"),
        ("ABORTED", None, "needs attention"),
    ],
)
def test_customer_status(status: str, error: str | None, shown: str) -> None:
    assert api.customer_status(status, error) == shown


def test_the_customer_is_the_tokens_subject() -> None:
    assert api.customer_of({"requestContext": {"authorizer": {"jwt": {"claims": {"sub": "cust-1"}}}}}) == "cust-1"
    for event in ({}, {"requestContext": {}}, {"requestContext": {"authorizer": {"jwt": {"claims": {"sub": ""}}}}}):
        with pytest.raises(api.ProblemError) as refused:
            api.customer_of(event)
        assert refused.value.problem.status == 401


def test_the_body_gets_the_tokens_customer_or_is_refused() -> None:
    request = samples.booking_request("b-1")
    del request["customer"]["customer_id"]

    assert api.with_customer(request, "cust-9")["customer"]["customer_id"] == "cust-9"
    assert (
        api.with_customer({**request, "customer": {**request["customer"], "customer_id": "cust-9"}}, "cust-9")["customer"]["customer_id"]
        == "cust-9"
    )
    with pytest.raises(api.ProblemError) as refused:
        api.with_customer({**request, "customer": {**request["customer"], "customer_id": "cust-8"}}, "cust-9")
    assert refused.value.problem.status == 403
    assert api.with_customer([1, 2], "cust-9") == [1, 2]  # left for validation to name


def test_a_base64_body_is_read_and_measured_decoded() -> None:
    body = json.dumps({"booking_id": "b-1"})
    assert api.body_of(base64.b64encode(body.encode()).decode(), base64_encoded=True) == {"booking_id": "b-1"}
    with pytest.raises(api.ProblemError) as refused:
        api.body_of(base64.b64encode(b" " * (api.MAX_REQUEST_BYTES + 1)).decode(), base64_encoded=True)
    assert refused.value.problem.status == 413


def test_the_execution_input_is_canonical() -> None:
    request = samples.booking_request("b-1")
    reordered: dict[str, Any] = dict(reversed(list({**request, "payment": {**request["payment"], "amount": "1249.9"}}.items())))

    first = api.execution_input(api.validated(request))
    assert first == api.execution_input(api.validated(reordered))
    assert api.fingerprint_of(first) == api.validated(request).fingerprint()
    assert api.fingerprint_of("[]") is None and api.owner_of("not json") is None


def test_a_part_is_shown_only_to_its_own_request() -> None:
    item = {"status": "CONFIRMED", "reference": "FL-1", "request_fingerprint": "f1"}
    assert api.part_of(item, "f1") == api.Part(status="CONFIRMED", reference="FL-1")
    assert api.part_of(item, "f2") is None
    assert api.part_of(None, "f1") is None
    assert api.part_of({"status": "REFUNDED", "request_fingerprint": "f1"}, "f1") == api.Part(status="REFUNDED", reference=None)
