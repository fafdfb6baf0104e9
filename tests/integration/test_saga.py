"""The saga on a deployed workspace: every path, the final items in every table, invalid input and
duplicate starts. The same assertions hold locally and on AWS."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from sagatools.client import workspaces
from sagatools.client.race import run_race
from sagatools.client.saga_client import ResubmissionConflict, SagaClient
from tests.support import chaos
from tests.support.chaos import COMPENSATION_PATHS, HAPPY_PATH

pytestmark = pytest.mark.network

Request = Callable[..., dict[str, Any]]
FINAL = {  # service -> (status, tombstone) after a failure at each step
    "flight": {"flight": ("CANCELLED", True), "hotel": None, "payment": None},
    "hotel": {"flight": ("CANCELLED", False), "hotel": ("CANCELLED", True), "payment": None},
    "payment": {"flight": ("CANCELLED", False), "hotel": ("CANCELLED", False), "payment": ("REFUNDED", True)},
}
BOOKED = {"flight": ("CONFIRMED", False), "hotel": ("CONFIRMED", False), "payment": ("CONFIRMED", False)}
ORIGINAL_ERROR = {"flight": "FlightReservationFailed", "hotel": "HotelReservationFailed", "payment": "PaymentDeclined"}


def state(items: dict[str, dict[str, Any] | None]) -> dict[str, tuple[str, bool] | None]:
    return {service: None if item is None else (item["status"], item["tombstone"]) for service, item in items.items()}


def test_a_booking_reserves_flight_and_hotel_and_charges_payment(saga: SagaClient, new_request: Request) -> None:
    request = new_request()
    report = saga.run(request, timeout=300)

    assert (report.status, report.error) == ("SUCCEEDED", None), f"{report.error}: {report.cause}"  # the cause names a refusal
    assert report.path == HAPPY_PATH
    assert state(report.items) == BOOKED
    flight, hotel, payment = (report.items[s] for s in ("flight", "hotel", "payment"))
    assert flight and flight["details"]["flight_number"] == request["flight"]["flight_number"]
    assert hotel and hotel["details"]["check_out"] == request["hotel"]["check_out"]
    assert payment and payment["details"]["amount"] == request["payment"]["amount"]  # as sent: "1249.90"
    assert all(item and item["execution_arn"] == report.execution_arn for item in report.items.values())


@pytest.mark.usefixtures("faults_enabled")
@pytest.mark.parametrize("failing", ["flight", "hotel", "payment"])
def test_a_failure_runs_the_compensation_chain(saga: SagaClient, new_request: Request, failing: str) -> None:
    report = saga.run(new_request(**{failing: "fail"}), timeout=300)

    assert report.path == COMPENSATION_PATHS[failing]
    assert (report.status, report.error) == ("FAILED", "SagaFailed")
    assert json.loads(report.cause or "{}")["Error"] == ORIGINAL_ERROR[failing]
    assert state(report.items) == FINAL[failing]


@pytest.mark.usefixtures("faults_enabled")
def test_a_charge_that_landed_before_its_step_timed_out_is_refunded(saga: SagaClient, new_request: Request) -> None:
    """The payment is written, then the function outlives its timeout: the task fails, and the refund
    closes the real charge (not a tombstone)."""
    report = saga.run(new_request(payment="timeout"), timeout=300)

    assert report.path == COMPENSATION_PATHS["payment"]
    assert (report.status, report.error) == ("FAILED", "SagaFailed")
    assert json.loads(report.cause or "{}")["Error"] == "Sandbox.Timedout"  # Lambda stopped the function
    assert state(report.items) == {**FINAL["payment"], "payment": ("REFUNDED", False)}


def test_an_invalid_request_is_rejected_and_writes_nothing(saga: SagaClient, new_request: Request) -> None:
    request = new_request()
    request["payment"]["currency"] = "DOGE"
    report = saga.run(request, timeout=300)

    assert report.path == ["ReserveFlight", "BookingRejected"]
    assert (report.status, report.error) == ("FAILED", "InvalidBookingRequest")
    assert "request.payment.currency" in json.loads(report.cause or "{}")["errorMessage"]
    assert report.items == {"flight": None, "hotel": None, "payment": None}


def start_again(saga: SagaClient, request: dict[str, Any]) -> str:
    """The execution ARN StartExecution answers, or the error code it refuses with."""
    try:
        return saga.start(request)
    except ClientError as error:
        return str(error.response["Error"]["Code"])


def test_starting_the_same_booking_twice_runs_one_saga(saga: SagaClient, new_request: Request) -> None:
    request = new_request()
    first = saga.start(request)
    # Standard workflows: the same name and input while running gives the same execution; after it, refused.
    assert start_again(saga, request) in (first, "ExecutionAlreadyExists")
    saga.wait(first, timeout=300)
    other_details = {**request, "payment": {**request["payment"], "amount": "1.00"}}
    assert start_again(saga, other_details) == "ExecutionAlreadyExists"
    executions = saga.sfn.list_executions(stateMachineArn=saga.state_machine_arn)["executions"]
    assert [e["name"] for e in executions].count(request["booking_id"]) == 1
    assert state(saga.items(request["booking_id"])) == BOOKED


def test_any_client_can_invoke_a_function_and_read_its_table(deployed: workspaces.Workspace, new_request: Request) -> None:
    request = new_request()
    response = deployed.client("lambda").invoke(
        FunctionName=deployed.outputs["function_names"]["cancel-hotel"],
        Payload=json.dumps({"request": request, "execution_arn": None}).encode(),
    )
    payload = json.loads(response["Payload"].read())

    assert response.get("FunctionError") is None, payload
    assert payload == {"booking_id": request["booking_id"], "service": "hotel", "status": "CANCELLED", "reference": None, "changed": True}
    item = deployed.client("dynamodb").get_item(
        TableName=deployed.outputs["table_names"]["hotel"],
        Key={"pk": {"S": f"BOOKING#{request['booking_id']}"}, "sk": {"S": "RESERVATION"}},
        ConsistentRead=True,
    )["Item"]
    assert item["status"] == {"S": "CANCELLED"} and item["tombstone"] == {"BOOL": True}


def test_the_workspace_has_every_terraform_output(deployed: workspaces.Workspace) -> None:
    from sagatools.contract import hcl

    assert set(deployed.outputs) == set(hcl.load(hcl.TERRAFORM).named("output"))


def test_another_execution_of_a_confirmed_booking_changes_nothing(saga: SagaClient, new_request: Request) -> None:
    request = new_request()
    first = saga.run(request, timeout=300)
    other = {**request, "hotel": {**request["hotel"], "rooms": 3}}

    second = saga.run(other, name=f"{request['booking_id']}-again", timeout=300)  # as the console's "New execution"
    with pytest.raises(ResubmissionConflict):
        saga.run(other, timeout=300)  # and under the booking's own name

    assert second.path == ["ReserveFlight", "BookingRejected"]
    assert (second.status, second.error) == ("FAILED", "BookingConflict")
    assert saga.items(request["booking_id"]) == first.items
    assert state(first.items) == BOOKED


def test_aws_faults_within_the_retries_change_nothing(saga: SagaClient, new_request: Request) -> None:
    """Injected by the local workspace's endpoint; on AWS, DynamoDB's own faults are what there is."""
    request = new_request()
    request["faults"] = {"aws": {"flight": "conflict:4", "hotel": "lost:2", "payment": "throttle:4"}}
    report = saga.run(request, timeout=300)

    assert report.path == HAPPY_PATH
    assert state(report.items) == BOOKED


def test_bookings_racing_for_the_last_seats_sell_each_seat_once(saga: SagaClient) -> None:
    result = run_race(saga, bookings=16, seats=4)

    assert result.other == [] and result.capacity_violations == []
    assert (result.confirmed, result.sold_out) == (4, 12)


@pytest.mark.usefixtures("faults_enabled")
def test_a_compensation_that_fails_until_redriven_alerts_counts_and_is_finished_by_a_redrive(
    saga: SagaClient, new_request: Request
) -> None:
    """The refund fails on every attempt: the other compensations still run, the operators are alerted
    (SNS, through its KMS key), the CompensationFailed alarm's metric is put, and the execution fails at
    the refund's last attempt. The cause fixed (the fault clears once redriven), RedriveExecution resumes
    there, on the same execution: the refund completes and the saga ends rolled back
    (compensation_max_attempts is 3 here and on dev: seconds, not minutes)."""
    request = new_request(payment="fail", refund="until-redrive")
    report = saga.run(request, timeout=600)

    assert (report.status, report.error) == ("FAILED", "CompensationFailed"), report.cause
    assert report.path == [
        *COMPENSATION_PATHS["payment"][:4],
        *("RefundPaymentUnfinished", "FinishCompensations", "CompensateRemaining", "CompensateRemaining"),
        *("AlertOperator", "CountCompensationFailed", "CompensationFailed", "LastAttempt"),
    ]
    assert state(report.items) == {"flight": ("CANCELLED", False), "hotel": ("CANCELLED", False), "payment": None}
    assert json.loads(report.cause or "{}")["errorMessage"].startswith("RefundPayment: DependencyUnavailable")
    succeeded = [
        (event["taskSucceededEventDetails"]["resourceType"], event["taskSucceededEventDetails"]["resource"])
        for event in saga.history(report.execution_arn)
        if event["type"] == "TaskSucceeded"
    ]
    assert ("sns", "publish") in succeeded and ("aws-sdk:cloudwatch", "putMetricData") in succeeded, succeeded

    saga.sfn.redrive_execution(executionArn=report.execution_arn)
    redriven = saga.wait(report.execution_arn, timeout=600)
    assert (redriven["status"], redriven.get("error"), redriven["redriveCount"]) == ("FAILED", "SagaFailed", 1)
    events = saga.history(report.execution_arn)
    assert [e["type"] for e in events].count("ExecutionRedriven") == 1
    assert saga.path(report.execution_arn)[len(report.path) :] == [
        "CompensationFailed",
        "LastAttempt",
        "LastAttempt",
        "LastAttempt",
        "SagaFailed",
    ]
    assert state(saga.items(request["booking_id"]))["payment"] == ("REFUNDED", True)


@pytest.mark.usefixtures("faults_enabled")
def test_a_booking_stopped_while_its_payment_is_retried_is_reconciled_within_two_minutes(
    deployed: workspaces.Workspace, saga: SagaClient, new_request: Request
) -> None:
    """StopExecution (the console's Stop) runs no Catch: the reconciliation, started by the execution's
    status-change event, rolls it back (its payment never confirmed) and the seats and rooms are back."""
    request = new_request(payment="transient:3")  # ProcessPayment retries for seconds: time to stop it
    arn = started_until(saga, request, "ProcessPayment")
    before = held_units(deployed, request)
    stopped = time.monotonic()
    saga.sfn.stop_execution(executionArn=arn, error="Operator.Stopped", cause="the integration suite")
    assert saga.sfn.describe_execution(executionArn=arn)["status"] == "ABORTED"  # at once, as AWS answers

    (reconciliation,) = saga.reconciliations(arn, timeout=120)
    reconciled_in = time.monotonic() - stopped
    assert reconciliation["status"] == "SUCCEEDED", reconciliation.get("cause")
    assert reconciliation["path"] == chaos.RECONCILED_BACK
    items = saga.items(request["booking_id"])
    assert {service: item and item["status"] for service, item in items.items()} == {
        "flight": "CANCELLED",
        "hotel": "CANCELLED",
        "payment": "REFUNDED",
    }
    assert all(item and item.get("closed_by") == reconciliation["executionArn"] for item in items.values())
    assert held_units(deployed, request) == dict.fromkeys(before, 0) and all(before.values())
    assert reconciled_in < 120


@pytest.mark.usefixtures("faults_enabled")
def test_a_booking_whose_payment_cannot_be_confirmed_is_rolled_back_by_the_reconciliation(saga: SagaClient, new_request: Request) -> None:
    """Past the pivot nothing is compensated: the execution fails at ConfirmPayment, and the reconciliation
    (FAILED off the saga's own paths) finds the payment unconfirmed and closes the PENDING parts."""
    report = saga.run(new_request(confirm_payment="fail"), timeout=300)

    assert report.path == HAPPY_PATH[:4]
    assert (report.status, report.error) == ("FAILED", "PaymentConfirmationFailed")
    (reconciliation,) = saga.reconciliations(report.execution_arn, timeout=120)
    assert reconciliation["path"] == chaos.RECONCILED_BACK
    assert state(saga.items(report.booking_id)) == {
        "flight": ("CANCELLED", False),
        "hotel": ("CANCELLED", False),
        "payment": ("REFUNDED", False),
    }


def started_until(saga: SagaClient, request: dict[str, Any], state: str) -> str:
    """Start the booking and return its execution once it has entered `state` (within a minute)."""
    arn = saga.start(request)
    deadline = time.monotonic() + 60
    while state not in saga.path(arn):
        assert time.monotonic() < deadline, f"{arn} never entered {state}"
        time.sleep(0.1)
    return arn


def held_units(deployed: workspaces.Workspace, request: dict[str, Any]) -> dict[str, int]:
    """What the booking's reservations hold of each inventory item (from the units stored with them)."""
    saga = deployed.saga()
    held: dict[str, int] = {}
    for item in saga.items(request["booking_id"]).values():
        if item and item["status"] in chaos.ACTIVE:
            for hold in item.get("units", []):
                held[hold["pk"]] = held.get(hold["pk"], 0) + int(hold["units"])
        elif item:
            for hold in item.get("units", []):
                held.setdefault(hold["pk"], 0)
    return held


@pytest.mark.usefixtures("faults_enabled")
def test_a_booking_stopped_after_its_payment_was_confirmed_is_rolled_forward(saga: SagaClient, new_request: Request) -> None:
    """Past the pivot the trip is booked: a stop while the flight is confirmed is reconciled forward."""
    request = new_request(confirm_flight="transient:3")  # ConfirmFlight retries for seconds: time to stop it
    arn = started_until(saga, request, "ConfirmFlight")
    saga.sfn.stop_execution(executionArn=arn)

    (reconciliation,) = saga.reconciliations(arn, timeout=120)
    assert (reconciliation["status"], reconciliation["path"]) == ("SUCCEEDED", chaos.RECONCILED_FORWARD), reconciliation.get("cause")
    items = saga.items(request["booking_id"])
    assert {service: item and item["status"] for service, item in items.items()} == dict.fromkeys(
        ("flight", "hotel", "payment"), "CONFIRMED"
    )


@pytest.mark.usefixtures("faults_enabled")
def test_a_cancellation_whose_step_fails_until_redriven_alerts_and_completes_on_redrive(saga: SagaClient, new_request: Request) -> None:
    """A cancellation step that still fails alerts as CompensationFailed does; the cause fixed, a redrive
    finishes the cancellation at the failed step."""
    request = new_request(cancel_flight_booking="until-redrive")
    report = saga.run(request, timeout=120)
    assert report.status == "SUCCEEDED"
    cancellation = saga.cancel(report.execution_arn)
    failed = saga.wait(cancellation, timeout=600)
    assert (failed["status"], failed.get("error")) == ("FAILED", "CompensationFailed")

    saga.sfn.redrive_execution(executionArn=cancellation)
    redriven = saga.wait(cancellation, timeout=600)
    assert (redriven["status"], redriven["redriveCount"]) == ("SUCCEEDED", 1)
    items = saga.items(request["booking_id"])
    assert {service: item and item["status"] for service, item in items.items()} == {
        "flight": "CANCELLED",
        "hotel": "CANCELLED",
        "payment": "REFUNDED",
    }
