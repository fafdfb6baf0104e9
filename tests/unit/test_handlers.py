"""Each handler on its own, invoked as Lambda clients invoke it (boto3 -> Lambda wire format)."""

from __future__ import annotations

from typing import Any

import pytest

from sagakit import catalog
from sagakit.engine import LocalEngine
from tests.conftest import task_event

RESERVE = {"flight": "reserve-flight", "hotel": "reserve-hotel", "payment": "process-payment"}
COMPENSATE = {"flight": "cancel-flight", "hotel": "cancel-hotel", "payment": "refund-payment"}
OPEN = {"flight": "RESERVED", "hotel": "RESERVED", "payment": "CHARGED"}
CLOSED = {"flight": "CANCELLED", "hotel": "CANCELLED", "payment": "REFUNDED"}
SERVICES = list(RESERVE)


def item(engine: LocalEngine, service: str, booking_id: str) -> dict[str, Any] | None:
    return engine.items(booking_id)[service]


def items_of(engine: LocalEngine, booking_id: str) -> list[dict[str, Any]]:
    return [i for items in engine.all_items().values() for i in items if i["booking_id"] == booking_id]


@pytest.mark.parametrize("service", SERVICES)
def test_reserve_twice_gives_one_item_and_the_same_answer(engine: LocalEngine, request_for: Any, service: str) -> None:
    request = request_for()
    first = engine.invoke(RESERVE[service], task_event(request))
    stored = item(engine, service, request["booking_id"])
    second = engine.invoke(RESERVE[service], task_event(request))

    assert first["function_error"] is None and second["function_error"] is None
    assert first["payload"] == {**second["payload"], "changed": True}
    assert second["payload"]["changed"] is False
    assert first["payload"]["status"] == OPEN[service]
    assert item(engine, service, request["booking_id"]) == stored  # the retry wrote nothing
    assert len(items_of(engine, request["booking_id"])) == 1


@pytest.mark.parametrize("service", SERVICES)
def test_compensating_what_was_never_done_writes_a_tombstone(engine: LocalEngine, request_for: Any, service: str) -> None:
    request = request_for()
    answer = engine.invoke(COMPENSATE[service], task_event(request))

    assert answer["function_error"] is None
    assert answer["payload"] == {
        "booking_id": request["booking_id"],
        "service": service,
        "status": CLOSED[service],
        "reference": None,
        "changed": True,
    }
    tombstone = item(engine, service, request["booking_id"])
    assert tombstone is not None
    assert tombstone["status"] == CLOSED[service]
    assert tombstone["tombstone"] is True
    assert "details" not in tombstone  # nothing was reserved or charged, so nothing is undone


@pytest.mark.parametrize("service", SERVICES)
def test_reserve_after_a_tombstone_is_refused_by_name(engine: LocalEngine, request_for: Any, service: str) -> None:
    request = request_for()
    engine.invoke(COMPENSATE[service], task_event(request))
    tombstone = item(engine, service, request["booking_id"])

    late = engine.invoke(RESERVE[service], task_event(request))

    assert late["function_error"] == "Unhandled"
    assert late["payload"]["errorType"] == "BookingAlreadyCompensated"
    assert item(engine, service, request["booking_id"]) == tombstone


@pytest.mark.parametrize("service", SERVICES)
def test_compensate_closes_the_reservation_once(engine: LocalEngine, request_for: Any, service: str) -> None:
    request = request_for()
    engine.invoke(RESERVE[service], task_event(request))
    first = engine.invoke(COMPENSATE[service], task_event(request))
    closed = item(engine, service, request["booking_id"])
    second = engine.invoke(COMPENSATE[service], task_event(request))

    assert first["payload"]["changed"] is True and second["payload"]["changed"] is False
    assert closed is not None and closed["status"] == CLOSED[service] and closed["tombstone"] is False
    assert closed["details"]  # the reservation keeps what was booked: nothing is deleted
    assert item(engine, service, request["booking_id"]) == closed  # the second call wrote nothing


def test_same_booking_id_with_other_details_is_a_conflict(engine: LocalEngine, request_for: Any) -> None:
    request = request_for()
    engine.invoke("reserve-flight", task_event(request))
    stored = item(engine, "flight", request["booking_id"])
    other = {**request, "flight": {**request["flight"], "flight_number": "TP999"}}

    answer = engine.invoke("reserve-flight", task_event(other))

    assert answer["payload"]["errorType"] == "BookingConflict"
    assert item(engine, "flight", request["booking_id"]) == stored


@pytest.mark.parametrize("function", [f.key for f in catalog.load().functions])
def test_invalid_input_is_refused_by_name_before_any_write(engine: LocalEngine, request_for: Any, function: str) -> None:
    request = request_for()
    request["payment"]["amount"] = "-1"

    answer = engine.invoke(function, task_event(request))

    assert answer["function_error"] == "Unhandled"
    assert answer["payload"]["errorType"] == "InvalidBookingRequest"
    assert "request.payment.amount" in answer["payload"]["errorMessage"]
    assert items_of(engine, request["booking_id"]) == []


@pytest.mark.parametrize(
    ("function", "fault_key", "error"),
    [
        ("reserve-flight", "flight", "FlightReservationFailed"),
        ("reserve-hotel", "hotel", "HotelReservationFailed"),
        ("process-payment", "payment", "PaymentDeclined"),
        ("refund-payment", "refund", "RefundFailed"),
        ("cancel-hotel", "cancel_hotel", "HotelCancellationFailed"),
        ("cancel-flight", "cancel_flight", "FlightCancellationFailed"),
    ],
)
def test_injected_fault_raises_its_named_error_and_writes_nothing(
    engine: LocalEngine, request_for: Any, function: str, fault_key: str, error: str
) -> None:
    request = request_for(**{fault_key: "fail"})
    answer = engine.invoke(function, task_event(request))
    assert answer["payload"]["errorType"] == error
    assert items_of(engine, request["booking_id"]) == []


def test_faults_are_ignored_where_fault_injection_is_off(request_for: Any) -> None:
    request = request_for(payment="fail")
    with LocalEngine(prefix="trip-saga-prodlike", fault_injection=False) as production_like:
        answer = production_like.invoke("process-payment", task_event(request))
        assert production_like.items(request["booking_id"])["payment"]["status"] == "CHARGED"
        assert answer["function_error"] is None
        assert answer["payload"]["status"] == "CHARGED"


def test_handler_logs_carry_booking_id_and_emit_a_step_metric(engine: LocalEngine, request_for: Any) -> None:
    request = request_for()
    engine.invoke("reserve-hotel", task_event(request, execution_arn="arn:aws:states:us-east-1:123456789012:execution:sm:x"))
    lines = engine.logs["trip-saga-local-reserve-hotel"]
    logs = [line for line in lines if request["booking_id"] in line and '"message":"step done"' in line]
    assert logs and '"execution_arn":"arn:aws:states:us-east-1:123456789012:execution:sm:x"' in logs[-1]
    assert any('"Name":"StepSucceeded"' in line and '"step":"ReserveHotel"' in line for line in lines)
