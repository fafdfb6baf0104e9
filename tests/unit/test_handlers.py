"""Each handler on its own, invoked as Lambda clients invoke it (boto3 -> Lambda wire format)."""

from __future__ import annotations

from typing import Any

import pytest

from sagatools.contract import catalog
from sagatools.emulator.engine import LocalEngine
from tests.conftest import task_event

pytestmark = pytest.mark.moto

RESERVE = {"flight": "reserve-flight", "hotel": "reserve-hotel", "payment": "process-payment"}
COMPENSATE = {"flight": "cancel-flight", "hotel": "cancel-hotel", "payment": "refund-payment"}
CONFIRM = {"flight": "confirm-flight", "hotel": "confirm-hotel", "payment": "confirm-payment"}
CANCEL = {"flight": "cancel-flight-booking", "hotel": "cancel-hotel-booking", "payment": "refund-charge"}
OPEN = dict.fromkeys(("flight", "hotel", "payment"), "PENDING")
CANCELLATION = "arn:aws:states:us-east-1:123456789012:execution:trip-saga-local-cancellation:b"
CLOSED = {"flight": "CANCELLED", "hotel": "CANCELLED", "payment": "REFUNDED"}
SERVICES = list(RESERVE)


def item(engine: LocalEngine, service: str, booking_id: str) -> dict[str, Any] | None:
    return engine.items(booking_id)[service]


def items_of(engine: LocalEngine, booking_id: str) -> list[dict[str, Any]]:
    return [i for items in engine.all_items().values() for i in items if i.get("booking_id") == booking_id]


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
        assert production_like.items(request["booking_id"])["payment"]["status"] == "PENDING"
        assert answer["function_error"] is None
        assert answer["payload"]["status"] == "PENDING"


def test_handler_logs_carry_booking_id_and_emit_a_step_metric(engine: LocalEngine, request_for: Any) -> None:
    request = request_for()
    engine.invoke("reserve-hotel", task_event(request, execution_arn="arn:aws:states:us-east-1:123456789012:execution:sm:x"))
    lines = engine.logs["trip-saga-local-reserve-hotel"]
    logs = [line for line in lines if request["booking_id"] in line and '"message":"step done"' in line]
    assert logs and '"execution_arn":"arn:aws:states:us-east-1:123456789012:execution:sm:x"' in logs[-1]
    assert any('"Name":"StepSucceeded"' in line and '"step":"ReserveHotel"' in line for line in lines)


def table_state(engine: LocalEngine, service: str) -> dict[tuple[str, str], dict[str, Any]]:
    """Every item of a service's table, reservations and inventory alike."""
    return {(i["pk"], i["sk"]): i for i in engine.all_items()[service]}


def available(engine: LocalEngine, service: str, pk: str) -> int:
    return int(table_state(engine, service)[(pk, "INVENTORY")]["available"])


FLIGHT_SEATS = "FLIGHT#LH1234#2027-05-14"
FIRST_NIGHT = "HOTEL#lisbon-alfama-01#2027-05-14"


@pytest.mark.parametrize("function", [f.key for f in catalog.load().functions])
def test_every_handler_invoked_twice_gives_the_same_result_and_one_write(engine: LocalEngine, request_for: Any, function: str) -> None:
    spec = catalog.load().functions[[f.key for f in catalog.load().functions].index(function)]
    request = request_for()
    if spec.kind != "reserve":  # something to confirm, compensate or cancel
        engine.invoke(RESERVE[spec.service], task_event(request))
    if spec.kind == "cancel":  # a cancellation closes a confirmed item
        engine.invoke(CONFIRM[spec.service], task_event(request))
    event = task_event(request, cancellation_arn=CANCELLATION if spec.kind == "cancel" else None)
    first = engine.invoke(function, event)
    after_first = table_state(engine, spec.service)
    second = engine.invoke(function, event)

    assert first["function_error"] is None and second["function_error"] is None
    assert (first["payload"]["changed"], second["payload"]["changed"]) == (True, False)
    assert {**first["payload"], "changed": False} == second["payload"]
    assert table_state(engine, spec.service) == after_first  # the duplicate wrote nothing, inventory included


@pytest.mark.parametrize(("service", "pk", "units"), [("flight", FLIGHT_SEATS, 2), ("hotel", FIRST_NIGHT, 1)])
def test_inventory_is_taken_by_reserve_and_given_back_exactly_once(
    engine: LocalEngine, request_for: Any, service: str, pk: str, units: int
) -> None:
    request = request_for()
    before = available(engine, service, pk)
    engine.invoke(RESERVE[service], task_event(request))
    assert available(engine, service, pk) == before - units
    engine.invoke(RESERVE[service], task_event(request))  # a retry takes nothing more
    assert available(engine, service, pk) == before - units
    engine.invoke(COMPENSATE[service], task_event(request))
    engine.invoke(COMPENSATE[service], task_event(request))  # a retried compensation gives nothing more back
    assert available(engine, service, pk) == before


def test_a_tombstone_gives_back_nothing(engine: LocalEngine, request_for: Any) -> None:
    request = request_for()
    before = table_state(engine, "hotel")
    engine.invoke("cancel-hotel", task_event(request))
    after = table_state(engine, "hotel")
    assert set(after) - set(before) == {(f"BOOKING#{request['booking_id']}", "RESERVATION")}
    assert {key: value for key, value in after.items() if key in before} == before


def test_sold_out_and_not_on_sale_are_refused_by_name_without_writing(request_for: Any) -> None:
    request = request_for()
    small = {"flight": [{"pk": FLIGHT_SEATS, "sk": "INVENTORY", "kind": "inventory", "capacity": 1, "available": 1}], "hotel": []}
    with LocalEngine(prefix="trip-saga-small", inventory_items=small) as limited:
        sold_out = limited.invoke("reserve-flight", task_event(request))  # two passengers, one seat
        not_on_sale = limited.invoke("reserve-hotel", task_event(request))
        items = limited.all_items()
    assert sold_out["payload"]["errorType"] == "SoldOut"
    assert "2 wanted, 1 left" in sold_out["payload"]["errorMessage"]
    assert not_on_sale["payload"]["errorType"] == "InventoryNotFound"
    assert items == {"flight": small["flight"], "hotel": [], "payment": []}


def test_a_transient_fault_clears_after_its_attempts(engine: LocalEngine, request_for: Any) -> None:
    request = request_for(hotel="transient:2")
    errors = [engine.invoke("reserve-hotel", task_event(request) | {"retry_count": n})["payload"].get("errorType") for n in range(3)]
    assert errors == ["DependencyUnavailable", "DependencyUnavailable", None]
    assert item(engine, "hotel", request["booking_id"])["status"] == "PENDING"  # type: ignore[index]


def test_a_permanent_fault_never_clears(engine: LocalEngine, request_for: Any) -> None:
    request = request_for(refund="permanent")
    answers = [engine.invoke("refund-payment", task_event(request) | {"retry_count": n}) for n in (0, 5, 50)]
    assert [a["payload"]["errorType"] for a in answers] == ["DependencyUnavailable"] * 3
    assert item(engine, "payment", request["booking_id"]) is None


def test_a_timeout_lands_the_write_then_times_out_like_lambda(engine: LocalEngine, request_for: Any) -> None:
    request = request_for(flight="timeout")
    timed_out = engine.invoke("reserve-flight", task_event(request))
    landed = item(engine, "flight", request["booking_id"])
    retried = engine.invoke("reserve-flight", task_event(request) | {"retry_count": 1})

    assert timed_out["function_error"] == "Unhandled"
    assert timed_out["payload"]["errorType"] == "Sandbox.Timedout"
    assert "Task timed out after 10.00 seconds" in timed_out["payload"]["errorMessage"]
    assert landed is not None and landed["status"] == "PENDING"  # the write happened before the timeout
    assert retried["payload"]["changed"] is False  # and a retry finds it


@pytest.mark.parametrize("service", SERVICES)
def test_a_confirmation_closes_the_semantic_lock_and_refuses_what_is_not_its_own_pending_item(
    engine: LocalEngine, request_for: Any, service: str
) -> None:
    request = request_for()
    nothing = engine.invoke(CONFIRM[service], task_event(request))
    engine.invoke(RESERVE[service], task_event(request))
    others = engine.invoke(CONFIRM[service], task_event(request, "arn:aws:states:us-east-1:123456789012:execution:m:other"))
    confirmed = engine.invoke(CONFIRM[service], task_event(request))
    compensated = engine.invoke(COMPENSATE[service], task_event(request))  # a compensation closes only PENDING

    assert nothing["payload"]["errorType"] == "ConfirmationRefused" and "no item" in nothing["payload"]["errorMessage"]
    assert others["payload"]["errorType"] == "ConfirmationRefused"
    assert confirmed["function_error"] is None and confirmed["payload"]["status"] == "CONFIRMED"
    assert compensated["function_error"] is None and compensated["payload"] == {
        **compensated["payload"],
        "status": "CONFIRMED",
        "changed": False,
    }
    stored = item(engine, service, request["booking_id"])
    assert stored is not None and stored["status"] == "CONFIRMED" and stored["confirmed_at"]


@pytest.mark.parametrize("service", SERVICES)
def test_a_cancellation_step_closes_only_a_confirmed_item_and_gives_its_units_back(
    engine: LocalEngine, request_for: Any, service: str
) -> None:
    request = request_for()
    before = table_state(engine, service)
    engine.invoke(RESERVE[service], task_event(request))
    pending = engine.invoke(CANCEL[service], task_event(request, cancellation_arn=CANCELLATION))
    engine.invoke(CONFIRM[service], task_event(request))
    cancelled = engine.invoke(CANCEL[service], task_event(request, cancellation_arn=CANCELLATION))
    another = engine.invoke(CANCEL[service], task_event(request, cancellation_arn=f"{CANCELLATION}-2"))

    assert pending["payload"]["errorType"] == "BookingNotCancellable" and "is PENDING" in pending["payload"]["errorMessage"]
    assert cancelled["payload"]["status"] == CLOSED[service] and cancelled["payload"]["changed"] is True
    assert another["payload"]["errorType"] == "BookingNotCancellable"  # closed once, by the first
    stored = item(engine, service, request["booking_id"])
    assert stored is not None and stored["closed_by"] == CANCELLATION and stored["tombstone"] is False
    after = table_state(engine, service)
    assert {key: value["available"] for key, value in after.items() if key[1] == "INVENTORY"} == {
        key: value["available"] for key, value in before.items() if key[1] == "INVENTORY"
    }
