"""The steps as one table of data over four operations: reserve (open, PENDING), confirm (PENDING to
CONFIRMED, after the pivot), compensate (close the execution's own PENDING item) and cancel (close a
CONFIRMED booking, for its customer's cancellation).

The semantic lock (Richardson, Microservices Patterns, 4.3): an item is PENDING while its saga runs;
readers see a booking in flight. ProcessPayment is the pivot: before it, any failure rolls back;
after it, the confirmations only go forward. ConfirmPayment is the commit record: an execution that
ended without finishing is rolled forward if its payment is CONFIRMED, back otherwise."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import BaseModel

from trip_saga import catalog, errors, faults
from trip_saga.models import BookingRequest, StepResult
from trip_saga.repository import Hold, Outcome, Owner, ReservationRepository, inventory_key, reference_for, reservation_key, utc_now

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


PENDING, CONFIRMED = "PENDING", "CONFIRMED"


@dataclass(frozen=True)
class ServiceSpec:
    closed_status: str
    reference_prefix: str
    details: Callable[[BookingRequest], BaseModel]
    holds: Callable[[BookingRequest], list[Hold]]  # the inventory a reservation takes


SERVICES: dict[Service, ServiceSpec] = {
    Service.FLIGHT: ServiceSpec("CANCELLED", "FL", lambda request: request.flight, _flight_seats),
    Service.HOTEL: ServiceSpec("CANCELLED", "HT", lambda request: request.hotel, _hotel_nights),
    Service.PAYMENT: ServiceSpec("REFUNDED", "PY", lambda request: request.payment, lambda request: []),
}


@dataclass(frozen=True)
class Step:
    state: str  # the Task state's name in the ASL
    service: Service
    kind: catalog.Kind
    fault_key: str  # the key in the request's `faults`
    fault: type[errors.InjectedFault]

    @property
    def compensates(self) -> bool:
        """Closes something (a compensation or a cancellation step): its metrics count as compensations."""
        return self.kind in ("compensate", "cancel")


STEPS: dict[str, Step] = {
    function.state: Step(
        function.state, Service(function.service), function.kind, function.fault_key, getattr(errors, function.fault_error)
    )
    for function in catalog.load().functions
}


@dataclass(frozen=True)
class Attempt:
    """Where a step runs: its request, the execution, the retry count, the Lambda context."""

    request: BookingRequest
    execution_arn: str  # the booking's execution: the owner of what the step writes or closes
    retry_count: int
    context: faults.RemainingTime
    redrive_count: int = 0
    cancellation_arn: str | None = None  # a cancellation step's own execution
    reconciliation_arn: str | None = None  # the reconciliation acting for the (ended) booking execution
    last_attempt: bool = False  # the CompensationFailed Map's: after the step's full retries in this execution


def run_step(step: Step, attempt: Attempt, repository: ReservationRepository, *, faults_enabled: bool) -> StepResult:
    request = attempt.request
    fault = getattr(request.faults, step.fault_key) if faults_enabled else None
    faults.before_write(
        fault,
        step=step.state,
        business_error=step.fault,
        attempt=attempt.retry_count,
        redrive_count=attempt.redrive_count,
        last_attempt=attempt.last_attempt,
    )
    spec = SERVICES[step.service]
    owner = Owner(request.fingerprint(), attempt.execution_arn)
    if step.kind == "reserve":
        outcome = repository.open(_reservation(request, step.service, spec, owner), spec.holds(request))
        _check_is_ours(outcome.item, spec, request, owner)
    elif step.kind == "confirm":
        outcome = repository.confirm(request.booking_id, owner, open_status=PENDING, confirmed_status=CONFIRMED)
        if not outcome.owned:
            found = outcome.item.get("status", "no item")
            raise errors.ConfirmationRefused(
                f"booking {request.booking_id}'s {step.service} is {found}, not this execution's {PENDING} one"
            )
    elif step.kind == "compensate":
        outcome = repository.close(
            request.booking_id,
            owner,
            service=step.service,
            open_status=PENDING,
            closed_status=spec.closed_status,
            closed_by=attempt.reconciliation_arn,
        )
    else:
        outcome = _cancel(step, attempt, repository, spec, owner)
    faults.after_write(fault, context=attempt.context, attempt=attempt.retry_count, last_attempt=attempt.last_attempt)
    if not outcome.owned:
        return StepResult(booking_id=request.booking_id, service=step.service, status=NOT_OWNED, reference=None, changed=False)
    return StepResult(
        booking_id=request.booking_id,
        service=step.service,
        status=outcome.item["status"],
        reference=outcome.item.get("reference") if not outcome.item.get("tombstone") else None,
        changed=outcome.changed,
    )


def _reservation(request: BookingRequest, service: Service, spec: ServiceSpec, owner: Owner) -> dict[str, Any]:
    now = utc_now()
    return {
        **reservation_key(request.booking_id),
        "kind": "reservation",
        "booking_id": request.booking_id,
        "service": str(service),
        "status": PENDING,
        "reference": reference_for(spec.reference_prefix, service, request.booking_id),
        "customer_id": request.customer.customer_id,
        "details": _attribute(spec.details(request).model_dump(mode="json")),
        "units": [{"pk": hold.key["pk"], "units": hold.units} for hold in spec.holds(request)],
        "tombstone": False,
        "created_at": now,
        "updated_at": now,
        **owner.attributes(),
    }


def _cancel(step: Step, attempt: Attempt, repository: ReservationRepository, spec: ServiceSpec, owner: Owner) -> Outcome:
    """Close the booking's CONFIRMED item for its cancellation: only the booking's own (its request, so its
    customer, and its execution), exactly once (a retry, or the same cancellation again, changes nothing)."""
    request = attempt.request
    if attempt.cancellation_arn is None:
        raise errors.InvalidBookingRequest("cancellation_arn: a cancellation step needs its cancellation's execution")
    outcome = repository.close(
        request.booking_id,
        owner,
        service=step.service,
        open_status=CONFIRMED,
        closed_status=spec.closed_status,
        tombstone=False,
        closed_by=attempt.cancellation_arn,
    )
    mine = outcome.owned and (outcome.changed or outcome.item.get("closed_by") == attempt.cancellation_arn)
    if not mine:
        found = outcome.item.get("status", "not booked") if outcome.owned else "not this booking's"
        raise errors.BookingNotCancellable(
            f"booking {request.booking_id}'s {step.service} is {found}: only a confirmed booking is cancelled"
        )
    return outcome


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
    """Model data as DynamoDB attribute values: no nulls (amounts are decimal strings)."""
    if isinstance(value, dict):
        return {key: _attribute(inner) for key, inner in value.items() if inner is not None}
    return value
