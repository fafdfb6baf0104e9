"""The six saga steps as one table of data over two operations: reserve (open) and compensate (close)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import BaseModel

from trip_saga import catalog, errors, faults
from trip_saga.models import BookingRequest, StepResult
from trip_saga.repository import Hold, Owner, ReservationRepository, inventory_key, reference_for, reservation_key, utc_now

# A compensation's status when the item belongs to another request: it is left untouched.
NOT_OWNED = "NOT_OWNED"


class Service(StrEnum):
    FLIGHT = "flight"
    HOTEL = "hotel"
    PAYMENT = "payment"


def _flight_seats(request: BookingRequest) -> list[Hold]:
    flight = request.flight
    return [Hold(inventory_key("FLIGHT", flight.flight_number, flight.departure_date.isoformat()), flight.passengers)]


def _hotel_nights(request: BookingRequest) -> list[Hold]:
    hotel = request.hotel
    nights = (hotel.check_out - hotel.check_in).days
    return [
        Hold(inventory_key("HOTEL", hotel.hotel_id, (hotel.check_in + dt.timedelta(days=night)).isoformat()), hotel.rooms)
        for night in range(nights)
    ]


@dataclass(frozen=True)
class ServiceSpec:
    open_status: str
    closed_status: str
    reference_prefix: str
    details: Callable[[BookingRequest], BaseModel]
    holds: Callable[[BookingRequest], list[Hold]]  # the inventory a reservation takes


SERVICES: dict[Service, ServiceSpec] = {
    Service.FLIGHT: ServiceSpec("RESERVED", "CANCELLED", "FL", lambda request: request.flight, _flight_seats),
    Service.HOTEL: ServiceSpec("RESERVED", "CANCELLED", "HT", lambda request: request.hotel, _hotel_nights),
    Service.PAYMENT: ServiceSpec("CHARGED", "REFUNDED", "PY", lambda request: request.payment, lambda request: []),
}


@dataclass(frozen=True)
class Step:
    state: str  # the Task state's name in the ASL
    service: Service
    compensates: bool
    fault_key: str  # the key in the request's `faults`
    fault: type[errors.InjectedFault]


STEPS: dict[str, Step] = {
    function.state: Step(
        function.state,
        Service(function.service),
        function.compensates is not None,
        function.fault_key,
        getattr(errors, function.fault_error),
    )
    for function in catalog.load().functions
}


@dataclass(frozen=True)
class Attempt:
    """Where a step runs: its request, the execution, the retry count, the Lambda context."""

    request: BookingRequest
    execution_arn: str
    retry_count: int
    context: faults.RemainingTime


def run_step(step: Step, attempt: Attempt, repository: ReservationRepository, *, faults_enabled: bool) -> StepResult:
    request = attempt.request
    fault = getattr(request.faults, step.fault_key) if faults_enabled else None
    faults.before_write(fault, step=step.state, business_error=step.fault, attempt=attempt.retry_count)
    spec = SERVICES[step.service]
    owner = Owner(request.fingerprint(), attempt.execution_arn)
    if step.compensates:
        outcome = repository.close(
            request.booking_id, owner, service=step.service, open_status=spec.open_status, closed_status=spec.closed_status
        )
    else:
        now = utc_now()
        holds = spec.holds(request)
        item = {
            **reservation_key(request.booking_id),
            "kind": "reservation",
            "booking_id": request.booking_id,
            "service": str(step.service),
            "status": spec.open_status,
            "reference": reference_for(spec.reference_prefix, step.service, request.booking_id),
            "customer_id": request.customer.customer_id,
            "details": _attribute(spec.details(request).model_dump(mode="json")),
            "units": [{"pk": hold.key["pk"], "units": hold.units} for hold in holds],
            "tombstone": False,
            "created_at": now,
            "updated_at": now,
            **owner.attributes(),
        }
        outcome = repository.open(item, holds)
        _check_is_ours(outcome.item, spec, request, owner)
    faults.after_write(fault, context=attempt.context, attempt=attempt.retry_count)
    if not outcome.owned:
        return StepResult(booking_id=request.booking_id, service=step.service, status=NOT_OWNED, reference=None, changed=False)
    return StepResult(
        booking_id=request.booking_id,
        service=step.service,
        status=outcome.item["status"],
        reference=outcome.item.get("reference") if not outcome.item.get("tombstone") else None,
        changed=outcome.changed,
    )


def _check_is_ours(item: dict[str, Any], spec: ServiceSpec, request: BookingRequest, owner: Owner) -> None:
    """A reserve that found an item: the same request of the same execution retried is fine, anything
    else is refused (without saying what the other request holds)."""
    if not owner.owns(item):
        raise errors.BookingConflict(f"booking {request.booking_id} already has a {item['service']} item that belongs to another request")
    if item["status"] == spec.closed_status:
        raise errors.BookingAlreadyCompensated(
            f"booking {request.booking_id} was already {spec.closed_status.lower()} at {item.get('closed_at')}"
        )


def _attribute(value: Any) -> Any:
    """Model data as DynamoDB attribute values: no nulls (amounts are strings with two places)."""
    if isinstance(value, dict):
        return {key: _attribute(inner) for key, inner in value.items() if inner is not None}
    return value
