"""Every path of the saga through the local engine: states entered in order, outcome, final items."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import boto3
import pytest

from sagatools.client import inventory, recovery
from sagatools.client.saga_client import ResubmissionConflict
from sagatools.contract import catalog
from sagatools.contract.settings import DEPLOY_DEFAULTS
from sagatools.emulator.engine import REGION, LocalEngine
from tests.support.chaos import COMPENSATION_PATHS, HAPPY_PATH

pytestmark = pytest.mark.moto

ORIGINAL_ERROR = {"flight": "FlightReservationFailed", "hotel": "HotelReservationFailed", "payment": "PaymentDeclined"}


def statuses(items: dict[str, dict[str, Any] | None]) -> dict[str, tuple[str, bool] | None]:
    return {service: None if item is None else (item["status"], item["tombstone"]) for service, item in items.items()}


def test_happy_path_reserves_everything_then_confirms_it(engine: LocalEngine, request_for: Any) -> None:
    report = engine.run(request_for())

    assert report.path == HAPPY_PATH
    assert (report.status, report.error) == ("SUCCEEDED", None)
    assert statuses(report.items) == {"flight": ("CONFIRMED", False), "hotel": ("CONFIRMED", False), "payment": ("CONFIRMED", False)}
    payment = report.items["payment"]
    assert payment is not None and payment["details"]["amount"] == "1249.90" and payment["details"]["currency"] == "EUR"
    assert all(item and item["execution_arn"] == report.execution_arn for item in report.items.values())
    output = json.loads(engine.sfn.describe_execution(executionArn=report.execution_arn)["output"])
    assert output["results"] == {
        service: {"status": item["status"], "reference": item["reference"]} for service, item in report.items.items() if item
    }


@pytest.mark.parametrize("failing", ["flight", "hotel", "payment"])
def test_a_failure_compensates_newest_first_and_fails_with_saga_failed(engine: LocalEngine, request_for: Any, failing: str) -> None:
    report = engine.run(request_for(**{failing: "fail"}))

    assert report.path == COMPENSATION_PATHS[failing]
    assert (report.status, report.error) == ("FAILED", "SagaFailed")
    cause = json.loads(report.cause or "")
    assert cause["Error"] == ORIGINAL_ERROR[failing]
    assert json.loads(cause["Cause"])["errorType"] == ORIGINAL_ERROR[failing]
    expected = {
        "flight": {"flight": ("CANCELLED", True), "hotel": None, "payment": None},
        "hotel": {"flight": ("CANCELLED", False), "hotel": ("CANCELLED", True), "payment": None},
        "payment": {"flight": ("CANCELLED", False), "hotel": ("CANCELLED", False), "payment": ("REFUNDED", True)},
    }[failing]
    assert statuses(report.items) == expected
    assert engine.retry_sleeps == []  # business errors are never retried


def test_invalid_request_is_rejected_before_anything_is_written(engine: LocalEngine, request_for: Any) -> None:
    request = request_for()
    request["hotel"]["rooms"] = 0
    report = engine.run(request)

    assert report.path == ["ReserveFlight", "BookingRejected"]
    assert (report.status, report.error) == ("FAILED", "InvalidBookingRequest")
    assert "request.hotel.rooms" in json.loads(report.cause or "")["errorMessage"]
    assert report.items == {"flight": None, "hotel": None, "payment": None}


def test_a_compensation_that_cannot_complete_ends_in_compensation_failed_and_can_be_finished(request_for: Any) -> None:
    with LocalEngine(prefix="trip-saga-retry") as engine:
        request = request_for(payment="fail", cancel_hotel="permanent")
        report = engine.run(request)
        attempts = [name for name, _ in engine.invocations if name.endswith("cancel-hotel")]
        sleeps = list(engine.retry_sleeps)
        alerts = engine.alerts()
        counted = compensation_failures_counted(engine)
        finished = recovery.finish_compensations(engine.saga, engine.lambda_client, engine.function_names, request["booking_id"])
        after = engine.items(request["booking_id"])
        conservation = inventory.conservation_violations(engine.all_items())

    # CancelHotel was retried to exhaustion; CancelFlight still ran; operators were told; then each
    # compensation of the chain from there once more, CancelHotel first, which fails the execution there.
    assert report.path == [
        "ReserveFlight", "ReserveHotel", "ProcessPayment", "RefundPayment", "CancelHotel",
        "CancelHotelUnfinished", "FinishCompensations", "CompensateRemaining", "AlertOperator", "CountCompensationFailed",
        "CompensationFailed", "LastAttempt",
    ]  # fmt: skip
    assert (report.status, report.error) == ("FAILED", "CompensationFailed")
    last_attempts = 3  # the last attempt's own retrier: MaxAttempts 2
    assert len(attempts) == DEPLOY_DEFAULTS["compensation_max_attempts"] + 1 + last_attempts
    assert len(sleeps) == DEPLOY_DEFAULTS["compensation_max_attempts"] + last_attempts - 1
    assert all(0 <= delay <= 60 for delay in sleeps)  # full jitter, capped by MaxDelaySeconds
    assert statuses(report.items) == {"flight": ("CANCELLED", False), "hotel": ("PENDING", False), "payment": ("REFUNDED", True)}
    cause = json.loads(report.cause or "")
    assert cause["errorType"] == "CompensationFailed"
    assert cause["errorMessage"].startswith("CancelHotel: DependencyUnavailable: ")
    (alert,) = alerts
    assert alert["unfinished"] == "CancelHotel" and alert["error"]["Error"] == "DependencyUnavailable"
    assert alert["original_error"]["Error"] == "PaymentDeclined"
    assert alert["finished"] == [{"step": "CancelFlight", "function": alert["remaining"][0]["function"], "result": {"status": "CANCELLED"}}]
    # ... and counted once, where the CompensationFailed alarm looks (test_plan.py: the alarm's metric)
    assert counted == [({"StateMachine": "trip-saga-retry-booking-saga"}, 1.0)]
    # The runbook's step: once the cause is fixed, finishing the compensations closes what was left.
    assert {key: answer["changed"] for key, answer in finished.results.items()} == {
        "refund-payment": False,
        "cancel-hotel": True,
        "cancel-flight": False,
    }
    assert statuses(after) == {"flight": ("CANCELLED", False), "hotel": ("CANCELLED", False), "payment": ("REFUNDED", True)}
    assert conservation == []


def test_a_redrive_is_not_failed_again_by_a_transient_fault_that_had_cleared(request_for: Any) -> None:
    """CancelFlight's transient fault clears within its retries in the chain; the last attempts after them
    (the CompensationFailed Map's) must not meet it again, or the redrive of the hotel's fixed cause
    would end CompensationFailed once more (make soak found it)."""
    with LocalEngine(prefix="trip-saga-redrive") as engine:
        request = request_for(payment="fail", cancel_hotel="until-redrive", cancel_flight="transient:5")
        first = engine.run(request)
        engine.sfn.redrive_execution(executionArn=first.execution_arn)
        redriven = engine.wait(first.execution_arn)
        path = engine.saga.path(first.execution_arn)
        after = engine.items(request["booking_id"])

    assert (first.status, first.error) == ("FAILED", "CompensationFailed")
    assert (redriven["status"], redriven.get("error")) == ("FAILED", "SagaFailed")
    assert path[len(first.path) :] == ["CompensationFailed", "LastAttempt", "LastAttempt", "SagaFailed"]
    assert statuses(after) == {"flight": ("CANCELLED", False), "hotel": ("CANCELLED", False), "payment": ("REFUNDED", True)}


def test_the_documented_failure_table_is_what_the_engine_does() -> None:
    from sagatools.cli.failure_table import main as failure_table

    assert failure_table(["--check"]) == 0, "run: python scripts/failure_table.py"


def compensation_failures_counted(engine: LocalEngine) -> list[tuple[dict[str, str], float]]:
    """The CompensationFailed data points the state machine put into CloudWatch: (dimensions, sum)."""
    cloudwatch = boto3.client("cloudwatch", region_name=REGION)
    counted = []
    for metric in cloudwatch.list_metrics(Namespace=catalog.METRICS_NAMESPACE, MetricName="CompensationFailed")["Metrics"]:
        dimensions = {d["Name"]: d["Value"] for d in metric["Dimensions"]}
        if set(dimensions) == {"StateMachine"}:  # not the functions' own per-step metric
            now = dt.datetime.now(dt.UTC)
            points = cloudwatch.get_metric_statistics(
                Namespace=catalog.METRICS_NAMESPACE,
                MetricName="CompensationFailed",
                Dimensions=metric["Dimensions"],
                StartTime=now - dt.timedelta(hours=1),
                EndTime=now + dt.timedelta(minutes=1),
                Period=3600,
                Statistics=["Sum"],
            )["Datapoints"]
            counted.append((dimensions, sum(point["Sum"] for point in points)))
    return counted


def emitted_metrics(engine: LocalEngine) -> list[tuple[str, str]]:
    """(metric, step) of every EMF record the functions printed, in order."""
    found = []
    for lines in engine.logs.values():
        for line in lines:
            if line.startswith('{"_aws"'):
                record = json.loads(line)
                for metric in record["_aws"]["CloudWatchMetrics"][0]["Metrics"]:
                    assert record["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["step", "service"]]
                    found.append((metric["Name"], record["step"]))
    return found


def test_every_step_reports_its_outcome_as_a_metric(request_for: Any) -> None:
    with LocalEngine(prefix="trip-saga-metrics") as engine:
        engine.run(request_for(hotel="transient:1", payment="fail", cancel_flight="permanent"))
        metrics = emitted_metrics(engine)
    attempts = DEPLOY_DEFAULTS["compensation_max_attempts"] + 1 + 3  # and the last attempt's three
    assert sorted(set(metrics)) == sorted(
        {
            ("StepSucceeded", "ReserveFlight"),
            ("TransientFailure", "ReserveHotel"),
            ("StepSucceeded", "ReserveHotel"),
            ("BusinessFailure", "ProcessPayment"),
            ("CompensationRan", "RefundPayment"),
            ("CompensationRan", "CancelHotel"),
            ("CompensationFailed", "CancelFlight"),
        }
    )
    assert metrics.count(("CompensationFailed", "CancelFlight")) == attempts  # one per attempt


def test_submitting_a_booking_again_reports_its_existing_execution(engine: LocalEngine, request_for: Any) -> None:
    request = request_for()
    first = engine.run(request)
    again = engine.run(request)
    same_booking = engine.run({**request, "payment": {**request["payment"], "amount": "1249.9"}})  # the same amount, other digits
    with pytest.raises(ResubmissionConflict, match="submitted before with other details"):
        engine.run({**request, "payment": {**request["payment"], "amount": "5.00"}})

    assert (first.resubmitted, again.resubmitted, same_booking.resubmitted) == (False, True, True)
    assert first.execution_arn == again.execution_arn == same_booking.execution_arn
    assert again.path == first.path and again.items == first.items  # the same saga, not a second one
    assert engine.items(request["booking_id"]) == first.items  # the conflicting request changed nothing
    names = [e["name"] for e in engine.sfn.list_executions(stateMachineArn=engine.state_machine_arn)["executions"]]
    assert names.count(request["booking_id"]) == 1


@pytest.mark.parametrize("rolled_back", [False, True], ids=["confirmed", "rolled-back"])
def test_a_cancellation_whose_hotel_fails_changes_nothing_until_redriven(request_for: Any, rolled_back: bool) -> None:
    """The hotel (confirmed last) is the cancellation's gate: while it fails, neither the flight nor the
    charge is touched, so no second cancellation can share the booking. Redriven: a confirmed booking is
    cancelled; one that was rolled back meanwhile ends not cancellable, still untouched."""
    # A prefix per case: where the module's engine is still open, moto does not reset between the two cases.
    with LocalEngine(prefix=f"trip-saga-gate-{'back' if rolled_back else 'ok'}") as engine:
        request = request_for(cancel_hotel_booking="until-redrive", **({"payment": "fail"} if rolled_back else {}))
        booking = engine.run(request)
        before = engine.items(request["booking_id"])
        cancellation = engine.saga.cancel(booking.execution_arn)
        failed = engine.wait(cancellation)
        untouched = engine.items(request["booking_id"])
        alerts = engine.alerts(of=[cancellation])  # by its publisher's ARN, as the property test tells them apart
        engine.sfn.redrive_execution(executionArn=cancellation)
        redriven = engine.wait(cancellation)
        path, after = engine.saga.path(cancellation), engine.items(request["booking_id"])
        conservation = inventory.conservation_violations(engine.all_items())

    assert (failed["status"], failed["error"]) == ("FAILED", "CompensationFailed")
    assert untouched == before  # not a write past the gate
    (alert,) = alerts
    assert alert["unfinished"] == "CancelHotelBooking" and alert["remaining"] == [] and alert["finished"] == []
    first_run = [
        "CancelHotelBooking", "CancelHotelBookingUnfinished", "FinishCancellation", "AlertOperator", "CountCompensationFailed",
        "CompensationFailed", "LastAttempt",
    ]  # fmt: skip
    if rolled_back:
        assert (redriven["status"], redriven["error"]) == ("FAILED", "BookingNotCancellable")
        assert path == [*first_run, "CompensationFailed", "LastAttempt", "NotCancellable"]
        assert after == before
    else:
        assert redriven["status"] == "SUCCEEDED" and path[-1] == "BookingCancelled"
        assert statuses(after) == {"flight": ("CANCELLED", False), "hotel": ("CANCELLED", False), "payment": ("REFUNDED", False)}
        assert {item["closed_by"] for item in after.values() if item} == {cancellation}
    assert conservation == []
