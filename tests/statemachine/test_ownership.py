"""A request never changes what another request owns: a second execution of a booking (under another
execution name, as the console's "New execution" starts one), a compensation whose request differs
from what was stored, and a compensation from another execution all leave the owner's items alone."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from sagatools.client import inventory
from sagatools.emulator.engine import LocalEngine
from tests.conftest import task_event

pytestmark = pytest.mark.moto

HOTEL_NIGHT = "HOTEL#lisbon-alfama-01#2027-05-14"
FLIGHT = "FLIGHT#LH1234#2027-05-14"


def inventory_item(engine: LocalEngine, service: str, pk: str) -> dict[str, Any]:
    table = engine.saga.dynamodb.Table(engine.table_name(service))
    item: dict[str, Any] = table.get_item(Key={"pk": pk, "sk": "INVENTORY"}, ConsistentRead=True)["Item"]
    return item


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"hotel": {"rooms": 3}}, id="other-hotel-details"),
        pytest.param({"payment": {"amount": "99.00"}}, id="other-amount"),
        pytest.param({"faults": {"payment": "fail"}}, id="same-details-but-payment-fails"),
        pytest.param({"faults": {"hotel": "fail"}}, id="same-details-but-hotel-fails"),
        pytest.param({}, id="identical-request"),
    ],
)
def test_another_execution_of_a_confirmed_booking_changes_nothing(engine: LocalEngine, request_for: Any, change: dict[str, Any]) -> None:
    first = engine.run(request_for())
    assert first.status == "SUCCEEDED"
    before = engine.items(first.booking_id)
    seats, rooms = inventory_item(engine, "flight", FLIGHT), inventory_item(engine, "hotel", HOTEL_NIGHT)

    other = copy.deepcopy(request_for())
    for part, values in change.items():
        other[part] = {**other.get(part, {}), **values}
    second = engine.run(other, name=f"{first.booking_id}-again")

    assert second.path == ["ReserveFlight", "BookingRejected"]
    assert (second.status, second.error) == ("FAILED", "BookingConflict")
    assert engine.items(first.booking_id) == before  # still confirmed, still the first execution's
    assert all(item and item["execution_arn"] == first.execution_arn for item in before.values())
    assert inventory_item(engine, "flight", FLIGHT)["available"] == seats["available"]
    assert inventory_item(engine, "hotel", HOTEL_NIGHT)["available"] == rooms["available"]


def test_a_compensation_for_other_details_than_stored_gives_back_nothing(engine: LocalEngine, request_for: Any) -> None:
    request = request_for()
    owner = "arn:aws:states:us-east-1:123456789012:execution:test:owner"
    engine.invoke("reserve-hotel", task_event(request, owner))
    held = engine.items(request["booking_id"])["hotel"]
    rooms = inventory_item(engine, "hotel", HOTEL_NIGHT)

    inflated = copy.deepcopy(request)
    inflated["hotel"]["rooms"] = 3  # 1 was held
    answer = engine.invoke("cancel-hotel", task_event(inflated, owner))

    assert answer["function_error"] is None
    assert answer["payload"]["status"] == "NOT_OWNED" and answer["payload"]["changed"] is False
    assert engine.items(request["booking_id"])["hotel"] == held
    assert inventory_item(engine, "hotel", HOTEL_NIGHT) == rooms

    closed = engine.invoke("cancel-hotel", task_event(request, owner))  # its own request: the stored room comes back
    assert closed["payload"]["status"] == "CANCELLED"
    assert inventory_item(engine, "hotel", HOTEL_NIGHT)["available"] == rooms["available"] + 1
    assert inventory.conservation_violations(engine.all_items()) == []


@pytest.mark.parametrize(("reserve", "compensate"), [("reserve-flight", "cancel-flight"), ("process-payment", "refund-payment")])
def test_a_compensation_from_another_execution_leaves_the_owners_item_alone(
    engine: LocalEngine, request_for: Any, reserve: str, compensate: str
) -> None:
    request = request_for()
    engine.invoke(reserve, task_event(request, "arn:aws:states:us-east-1:123456789012:execution:test:owner"))
    stored = engine.items(request["booking_id"])

    answer = engine.invoke(compensate, task_event(request, "arn:aws:states:us-east-1:123456789012:execution:test:intruder"))

    assert answer["payload"]["status"] == "NOT_OWNED"
    assert engine.items(request["booking_id"]) == stored


def test_references_are_unique_per_booking_and_stable_per_retry(engine: LocalEngine, request_for: Any) -> None:
    first = engine.run(request_for())
    twin = {**copy.deepcopy(request_for()), "booking_id": f"{first.booking_id}-twin"}  # same flight, hotel and payment
    second = engine.run(twin)
    again = engine.invoke("reserve-flight", task_event(request_for(), first.execution_arn))

    references = {report.booking_id: {s: i["reference"] for s, i in report.items.items() if i} for report in (first, second)}
    assert len({ref for refs in references.values() for ref in refs.values()}) == 6
    assert again["payload"]["reference"] == references[first.booking_id]["flight"]


@pytest.mark.parametrize("text", ["[1, 2]", "42", '"a string"', "null", "true"])
def test_an_input_that_is_not_a_json_object_is_rejected_by_name(engine: LocalEngine, text: str) -> None:
    name = f"not-an-object-{abs(hash(text))}"
    arn = engine.sfn.start_execution(stateMachineArn=engine.state_machine_arn, name=name, input=text)["executionArn"]
    outcome = engine.wait(arn)

    assert (outcome["status"], outcome["error"]) == ("FAILED", "InvalidBookingRequest")
    assert "request: must be a JSON object" in json.loads(outcome["cause"])["errorMessage"]
    assert engine.saga.path(arn) == ["ReserveFlight", "BookingRejected"]


@pytest.mark.parametrize("amount", ["1e400", "-1e400", "1249.999", "1e16", "1249.901"])
def test_an_amount_as_a_json_number_out_of_range_or_form_is_rejected_not_compensated(
    engine: LocalEngine, request_for: Any, amount: str
) -> None:
    request = request_for()
    text = json.dumps(request).replace('"1249.90"', amount)  # the number as a client writes it
    arn = engine.sfn.start_execution(stateMachineArn=engine.state_machine_arn, name=request["booking_id"], input=text)["executionArn"]
    outcome = engine.wait(arn)

    assert (outcome["status"], outcome["error"]) == ("FAILED", "InvalidBookingRequest")
    assert "payment.amount" in json.loads(outcome["cause"])["errorMessage"]
    assert engine.saga.path(arn) == ["ReserveFlight", "BookingRejected"]
    assert engine.items(request["booking_id"]) == {"flight": None, "hotel": None, "payment": None}


def test_an_input_over_256_kib_is_refused_at_start_as_step_functions_does(engine: LocalEngine, request_for: Any) -> None:
    request = request_for()
    padded = json.dumps(request, indent=300_000)  # valid JSON, only whitespace added
    assert len(padded.encode()) > 262144

    with pytest.raises(engine.sfn.exceptions.ClientError, match="ValidationException"):
        engine.sfn.start_execution(stateMachineArn=engine.state_machine_arn, name=request["booking_id"], input=padded)
    assert engine.items(request["booking_id"]) == {"flight": None, "hotel": None, "payment": None}


@pytest.mark.parametrize("text", ['"Ada \\ud800"', '"\\udc00"'])
def test_a_lone_surrogate_is_rejected_by_name_not_compensated_forever(engine: LocalEngine, request_for: Any, text: str) -> None:
    request = request_for()
    raw = json.dumps(request).replace('"Ada Lovelace"', text)  # as a client may send it: valid JSON, not valid Unicode
    arn = engine.sfn.start_execution(stateMachineArn=engine.state_machine_arn, name=request["booking_id"], input=raw)["executionArn"]
    outcome = engine.wait(arn)

    assert (outcome["status"], outcome["error"]) == ("FAILED", "InvalidBookingRequest")
    assert engine.saga.path(arn) == ["ReserveFlight", "BookingRejected"]
    assert engine.items(request["booking_id"]) == {"flight": None, "hotel": None, "payment": None}


def test_an_event_that_is_a_json_string_is_refused(engine: LocalEngine, request_for: Any) -> None:
    answer = engine.invoke("reserve-flight", json.dumps(task_event(request_for())))  # type: ignore[arg-type]

    assert answer["payload"]["errorType"] == "InvalidBookingRequest"
    assert engine.items(request_for()["booking_id"])["flight"] is None
