"""A valid example booking request, for the CLI, the demo and the tests."""

from __future__ import annotations

import re
import uuid
from typing import Any

from trip_saga.faults import AWS_FAULT_PATTERN
from trip_saga.models import AwsFaults

SAMPLE_CUSTOMER_ID = "cust-0042"
STEP_FAULT_KEYS = tuple(AwsFaults.model_fields)  # every step's fault key: flight, hotel, payment, confirm_payment, ..., refund_charge


def booking_request(booking_id: str | None = None, *, faults: dict[str, str] | None = None) -> dict[str, Any]:
    request: dict[str, Any] = {
        "booking_id": booking_id or f"trip-{uuid.uuid4().hex[:12]}",
        "customer": {"customer_id": SAMPLE_CUSTOMER_ID, "name": "Ada Lovelace", "email": "ada@example.com"},
        "flight": {"flight_number": "LH1234", "origin": "FRA", "destination": "LIS", "departure_date": "2027-05-14", "passengers": 2},
        "hotel": {"hotel_id": "lisbon-alfama-01", "check_in": "2027-05-14", "check_out": "2027-05-18", "rooms": 1},
        "payment": {"amount": "1249.90", "currency": "EUR", "method_token": "tok_4f9a2c7e1b"},
    }
    if faults:
        request["faults"] = faults
    return request


def with_faults(request: dict[str, Any], injections: list[tuple[str, str]]) -> dict[str, Any]:
    """(step, fault) pairs into the request: handler faults in `faults`, AWS-level ones in `faults.aws`."""
    faults = dict(request.get("faults") or {})
    for step, fault in injections:
        if re.fullmatch(AWS_FAULT_PATTERN, fault):
            faults["aws"] = {**faults.get("aws", {}), step: fault}
        else:
            faults[step] = fault
    return {**request, "faults": faults} if faults else request
