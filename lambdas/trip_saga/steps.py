"""The six saga steps as one table of data over two operations: reserve (open) and compensate (close)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import BaseModel

from trip_saga import errors
from trip_saga.models import BookingRequest, StepResult
from trip_saga.repository import ReservationRepository, reservation_key, utc_now


class Service(StrEnum):
    FLIGHT = "flight"
    HOTEL = "hotel"
    PAYMENT = "payment"


@dataclass(frozen=True)
class ServiceSpec:
    open_status: str
    closed_status: str
    reference_prefix: str
    details: Callable[[BookingRequest], BaseModel]


SERVICES: dict[Service, ServiceSpec] = {
    Service.FLIGHT: ServiceSpec("RESERVED", "CANCELLED", "FL", lambda request: request.flight),
    Service.HOTEL: ServiceSpec("RESERVED", "CANCELLED", "HT", lambda request: request.hotel),
    Service.PAYMENT: ServiceSpec("CHARGED", "REFUNDED", "PY", lambda request: request.payment),
}


@dataclass(frozen=True)
class Step:
    state: str  # the Task state's name in the ASL
    service: Service
    compensates: bool
    fault_key: str  # the key in the request's `faults`
    fault: type[errors.InjectedFault]


STEPS: dict[str, Step] = {
    step.state: step
    for step in (
        Step("ReserveFlight", Service.FLIGHT, False, "flight", errors.FlightReservationFailed),
        Step("ReserveHotel", Service.HOTEL, False, "hotel", errors.HotelReservationFailed),
        Step("ProcessPayment", Service.PAYMENT, False, "payment", errors.PaymentDeclined),
        Step("RefundPayment", Service.PAYMENT, True, "refund", errors.RefundFailed),
        Step("CancelHotel", Service.HOTEL, True, "cancel_hotel", errors.HotelCancellationFailed),
        Step("CancelFlight", Service.FLIGHT, True, "cancel_flight", errors.FlightCancellationFailed),
    )
}


def run_step(
    step: Step,
    request: BookingRequest,
    repository: ReservationRepository,
    *,
    faults_enabled: bool,
    execution_arn: str | None,
) -> StepResult:
    if faults_enabled and getattr(request.faults, step.fault_key) == "fail":
        raise step.fault(f"{step.state} failed for booking {request.booking_id} (injected fault '{step.fault_key}=fail')")
    spec = SERVICES[step.service]
    if step.compensates:
        outcome = repository.close(request.booking_id, service=step.service, open_status=spec.open_status, closed_status=spec.closed_status)
    else:
        outcome = repository.open(_new_reservation(step.service, spec, request, execution_arn))
        _check_is_ours(outcome.item, spec, request)
    return StepResult(
        booking_id=request.booking_id,
        service=step.service,
        status=outcome.item["status"],
        reference=outcome.item.get("reference"),
        changed=outcome.changed,
    )


def _new_reservation(service: Service, spec: ServiceSpec, request: BookingRequest, execution_arn: str | None) -> dict[str, Any]:
    details = _attribute(spec.details(request).model_dump())
    fingerprint = _fingerprint(details)
    now = utc_now()
    item = {
        **reservation_key(request.booking_id),
        "kind": "reservation",
        "booking_id": request.booking_id,
        "service": str(service),
        "status": spec.open_status,
        "reference": f"{spec.reference_prefix}-{fingerprint[:12].upper()}",
        "customer_id": request.customer.customer_id,
        "details": details,
        "request_fingerprint": fingerprint,
        "tombstone": False,
        "created_at": now,
        "updated_at": now,
    }
    if execution_arn:
        item["execution_arn"] = execution_arn
    return item


def _check_is_ours(item: dict[str, Any], spec: ServiceSpec, request: BookingRequest) -> None:
    """A reserve that found an item: the same request retried is fine, anything else is refused."""
    if item["status"] == spec.closed_status:
        raise errors.BookingAlreadyCompensated(
            f"booking {request.booking_id} was already {spec.closed_status.lower()} at {item.get('closed_at')}"
        )
    expected = _fingerprint(_attribute(spec.details(request).model_dump()))
    if item.get("request_fingerprint") != expected:
        raise errors.BookingConflict(f"booking {request.booking_id} already holds a {item['service']} reservation with other details")


def _attribute(value: Any) -> Any:
    """Model data as DynamoDB attribute values: dates as ISO strings, amounts as exact numbers."""
    if isinstance(value, dict):
        return {key: _attribute(inner) for key, inner in value.items() if inner is not None}
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _fingerprint(details: dict[str, Any]) -> str:
    # Decimal('120.50') and the stored Decimal('120.5') must agree: normalise before hashing.
    canonical = json.dumps(details, sort_keys=True, default=lambda number: str(Decimal(number).normalize()))
    return hashlib.sha256(canonical.encode()).hexdigest()
