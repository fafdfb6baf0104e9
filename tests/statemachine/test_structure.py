"""The rendered ASL's shape: retries, catches, one compensation chain, the confirmations after the
pivot, the cancellation and the reconciliation, and the renderer's guarantees."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sagatools.contract import asl, catalog
from sagatools.contract.paths import TEMPLATES
from sagatools.contract.settings import DEPLOY_DEFAULTS, state_machine_settings
from tests.support import chaos

pytestmark = pytest.mark.pure

LAMBDA_TRANSIENT = {
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
    "Lambda.ClientExecutionTimeoutException",
}
PAYLOAD = {
    "request.$": "$$.Execution.Input",
    "execution_arn.$": "$$.Execution.Id",
    "retry_count.$": "$$.State.RetryCount",
    "redrive_count.$": "$$.Execution.RedriveCount",
}
ALERT_TOPIC = "arn:aws:sns:eu-west-1:111122223333:alerts"
FORWARD = ["ReserveFlight", "ReserveHotel", "ProcessPayment"]
CONFIRMS = ["ConfirmPayment", "ConfirmFlight", "ConfirmHotel"]
CHAIN = ["RefundPayment", "CancelHotel", "CancelFlight"]
ENTRY = {"ReserveFlight": "CancelFlight", "ReserveHotel": "CancelHotel", "ProcessPayment": "RefundPayment"}
RESULT_PATH = {
    "ReserveFlight": "$.results.flight",
    "ReserveHotel": "$.results.hotel",
    "ProcessPayment": "$.results.payment",
    "ConfirmPayment": "$.results.payment",
    "ConfirmFlight": "$.results.flight",
    "ConfirmHotel": "$.results.hotel",
    "RefundPayment": "$.results.refund",
    "CancelHotel": "$.results.hotel_cancel",
    "CancelFlight": "$.results.flight_cancel",
}


def values(workflow: str = "booking") -> dict[str, Any]:
    """What the root module gives each template: its functions' ARNs (the catalog's workflows), the settings, the alerting."""
    functions = catalog.load().invoked_by(workflow)
    arns = {f.arn_placeholder: f"arn:aws:lambda:eu-west-1:111122223333:function:x-{f.key}" for f in functions}
    alerting = {"alert_topic_arn": ALERT_TOPIC, "metrics_namespace": catalog.METRICS_NAMESPACE} if workflow != "reconciliation" else {}
    return {**state_machine_settings(workflow), **arns, **alerting}


def definition(workflow: str) -> dict[str, Any]:
    rendered: dict[str, Any] = asl.render_definition(values(workflow), TEMPLATES[workflow])
    return rendered


@pytest.fixture(scope="module")
def states() -> dict[str, Any]:
    booking = definition("booking")
    assert booking["StartAt"] == "ReserveFlight"
    states: dict[str, Any] = booking["States"]
    return states


@pytest.mark.parametrize("name", FORWARD + CONFIRMS + CHAIN)
def test_every_task_invokes_its_function_through_lambda_invoke(states: dict[str, Any], name: str) -> None:
    state = states[name]
    function = catalog.load().by_state(name)
    assert state["Resource"] == "arn:aws:states:::lambda:invoke"
    assert state["Parameters"]["FunctionName"] == values()[function.arn_placeholder]
    assert state["Parameters"]["Payload"] == PAYLOAD
    assert set(state["ResultSelector"].values()) <= {"$.Payload.status", "$.Payload.reference"}
    assert state["ResultPath"] == RESULT_PATH[name]
    assert state["TimeoutSeconds"] == DEPLOY_DEFAULTS["task_timeout_seconds"]


@pytest.mark.parametrize("name", FORWARD)
def test_forward_tasks_retry_only_transient_faults_and_catch_into_the_chain(states: dict[str, Any], name: str) -> None:
    state = states[name]
    throttled, transient = state["Retry"]
    # A throttled invocation never ran: it is retried longer, so a burst of bookings is not rolled back for it.
    assert throttled["ErrorEquals"] == ["Lambda.TooManyRequestsException"] and throttled["MaxAttempts"] > chaos.FORWARD_RETRIES
    assert set(transient["ErrorEquals"]) == LAMBDA_TRANSIENT - {"Lambda.TooManyRequestsException"} | {"DependencyUnavailable"}
    assert transient["MaxAttempts"] == chaos.FORWARD_RETRIES  # business errors are never retried
    for retry in (throttled, transient):
        assert retry["BackoffRate"] > 1 and retry["JitterStrategy"] == "FULL" and retry["MaxDelaySeconds"] > 0
    catch_all = state["Catch"][-1]
    assert catch_all == {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error_info", "Next": ENTRY[name]}


def test_invalid_requests_are_rejected_without_compensation(states: dict[str, Any]) -> None:
    first = states["ReserveFlight"]["Catch"][0]
    # Runtime.UnmarshalError: Lambda's runtime could not even read the request (a number out of range).
    assert first == {
        "ErrorEquals": ["InvalidBookingRequest", "BookingConflict", "Runtime.UnmarshalError"],
        "ResultPath": "$",  # the error replaces the input: a rejected input need not be a JSON object
        "Next": "BookingRejected",
    }
    assert states["BookingRejected"] == {
        "Type": "Fail",
        "Comment": states["BookingRejected"]["Comment"],
        "ErrorPath": "$.Error",
        "CausePath": "$.Cause",
    }


def test_one_compensation_chain_newest_first(states: dict[str, Any]) -> None:
    assert [states[name]["Next"] for name in CHAIN] == ["CancelHotel", "CancelFlight", "SagaFailed"]
    tasks = [name for name, state in states.items() if state["Type"] == "Task"]
    assert sorted(tasks) == sorted(
        [*FORWARD, *CONFIRMS, *CHAIN, "AlertOperator", "CountCompensationFailed"]
    )  # no copies of compensation tasks
    assert states["SagaFailed"]["Error"] == "SagaFailed"
    assert states["SagaFailed"]["CausePath"] == "States.JsonToString($.error_info)"


@pytest.mark.parametrize("name", CHAIN)
def test_compensations_retry_every_error_with_capped_jittered_backoff(states: dict[str, Any], name: str) -> None:
    (retry,) = states[name]["Retry"]
    assert retry["ErrorEquals"] == ["States.ALL"]
    assert retry["MaxAttempts"] == DEPLOY_DEFAULTS["compensation_max_attempts"]
    assert retry["JitterStrategy"] == "FULL" and retry["MaxDelaySeconds"] <= 300


@pytest.mark.parametrize("name", CHAIN)
def test_a_compensation_that_still_fails_hands_the_rest_to_finish_compensations(states: dict[str, Any], name: str) -> None:
    """The chain goes on: the unfinished step is recorded and the remaining compensations run anyway."""
    (catch,) = states[name]["Catch"]
    assert catch == {"ErrorEquals": ["States.ALL"], "ResultPath": "$.compensation_error", "Next": f"{name}Unfinished"}
    record = states[f"{name}Unfinished"]
    later = CHAIN[CHAIN.index(name) + 1 :]
    assert record["Parameters"]["unfinished"] == name and record["Parameters"]["original_error.$"] == "$.error_info"
    assert record["Parameters"]["remaining"] == [
        {"step": step, "function": values()[catalog.load().by_state(step).arn_placeholder]} for step in later
    ]
    assert record["Next"] == "FinishCompensations"


def test_finish_compensations_runs_the_rest_one_at_a_time_then_alerts(states: dict[str, Any]) -> None:
    finish = states["FinishCompensations"]
    assert finish["Type"] == "Map" and finish["MaxConcurrency"] == 1 and finish["ItemsPath"] == "$.compensation.remaining"
    inner = finish["ItemProcessor"]["States"]["CompensateRemaining"]
    assert inner["Parameters"] == {"FunctionName.$": "$.function", "Payload": PAYLOAD}
    assert inner["Retry"] == states["CancelFlight"]["Retry"]  # the same patience as the chain itself
    assert inner["Catch"][0]["Next"] == "CompensationAbandoned"  # one failing never stops the others
    assert finish["Next"] == "AlertOperator"
    alert = states["AlertOperator"]
    assert alert["Resource"] == "arn:aws:states:::sns:publish" and alert["Parameters"]["TopicArn"] == ALERT_TOPIC
    assert alert["Next"] == alert["Catch"][0]["Next"] == "CountCompensationFailed"  # even an alert outage is counted
    count = states["CountCompensationFailed"]
    assert count["Resource"] == "arn:aws:states:::aws-sdk:cloudwatch:putMetricData"
    assert count["Parameters"] == {
        "Namespace": catalog.METRICS_NAMESPACE,
        "MetricData": [
            {
                "MetricName": "CompensationFailed",
                "Unit": "Count",
                "Value": 1,
                "Dimensions": [{"Name": "StateMachine", "Value.$": "$$.StateMachine.Name"}],
            }
        ],
    }
    assert count["Next"] == count["Catch"][0]["Next"] == "CompensationFailed"  # and a metrics outage still ends there


@pytest.mark.parametrize(("workflow", "then"), [("booking", "SagaFailed"), ("cancellation", "BookingCancelled")])
def test_a_step_that_cannot_complete_fails_the_execution_at_a_task_redrive_resumes(workflow: str, then: str) -> None:
    """Not at a Fail state ("a Fail state ... reenters the Fail state and fails again", redrive-executions.html):
    at a Map over each step once more, the unfinished first, told it is the last attempt (so the function
    raises CompensationFailed); once the cause is fixed a redrive finishes them and the execution ends."""
    states = definition(workflow)["States"]
    last = states["CompensationFailed"]
    assert last["Type"] == "Map" and last["MaxConcurrency"] == 1 and last["ItemsPath"] == "$.compensation.last_attempts"
    assert last["Next"] == then
    # Only a cancellation that learns on its last attempt that the booking is not confirmed (rolled back
    # while its hotel failed) ends otherwise: not cancellable, nothing changed. Any other error fails here.
    refusal = [{"ErrorEquals": ["BookingNotCancellable"], "ResultPath": "$.error_info", "Next": "NotCancellable"}]
    assert last.get("Catch") == (refusal if workflow == "cancellation" else None)
    (inner,) = last["ItemProcessor"]["States"].values()
    assert inner["Type"] == "Task" and inner["Parameters"]["Payload"]["last_attempt"] is True and "Catch" not in inner
    for name, state in states.items():
        if name.endswith("Unfinished"):
            assert state["Parameters"]["last_attempts"][0]["step"] == state["Parameters"]["unfinished"]
            if name == "CancelHotelBookingUnfinished":  # the cancellation's gate: nothing past it runs before it passes
                assert state["Parameters"]["remaining"] == [] and len(state["Parameters"]["last_attempts"]) == 3
            else:
                assert state["Parameters"]["last_attempts"][1:] == state["Parameters"]["remaining"]
    assert not [name for name, state in states.items() if state["Type"] == "Fail" and name == "CompensationFailed"]


def test_the_happy_path_reserves_then_confirms_past_the_pivot(states: dict[str, Any]) -> None:
    assert [states[name]["Next"] for name in [*FORWARD, *CONFIRMS]] == [
        "ReserveHotel", "ProcessPayment", "ConfirmPayment", "ConfirmFlight", "ConfirmHotel", "BookingSucceeded",
    ]  # fmt: skip
    assert states["BookingSucceeded"] == {"Type": "Succeed"}


@pytest.mark.parametrize("name", CONFIRMS)
def test_confirmations_are_retried_for_minutes_and_never_compensated(states: dict[str, Any], name: str) -> None:
    never, persistent = states[name]["Retry"]
    assert never == {"ErrorEquals": ["ConfirmationRefused", chaos.CONFIRM_ERRORS[name]], "MaxAttempts": 0}  # retrying cannot help
    assert persistent["ErrorEquals"] == ["States.ALL"] and persistent["MaxAttempts"] == DEPLOY_DEFAULTS["compensation_max_attempts"]
    assert "Catch" not in states[name]  # past the pivot: the execution fails here and reconciliation decides


def test_the_cancellation_starts_at_the_hotel_confirmed_last_and_changes_nothing_until_it_is() -> None:
    states = definition("cancellation")["States"]
    assert definition("cancellation")["StartAt"] == "CancelHotelBooking"
    assert [states[name]["Next"] for name in ("CancelHotelBooking", "CancelFlightBooking", "RefundCharge")] == [
        "CancelFlightBooking", "RefundCharge", "BookingCancelled",
    ]  # fmt: skip
    refused, other = states["CancelHotelBooking"]["Catch"]
    assert refused == {
        "ErrorEquals": ["BookingNotCancellable", "InvalidBookingRequest"],
        "ResultPath": "$.error_info",
        "Next": "NotCancellable",
    }
    assert other["Next"] == "CancelHotelBookingUnfinished"
    assert states["NotCancellable"]["Error"] == "BookingNotCancellable"
    payload = states["RefundCharge"]["Parameters"]["Payload"]
    assert payload["execution_arn.$"] == "$$.Execution.Input.booking_execution_arn" and payload["cancellation_arn.$"] == "$$.Execution.Id"


def test_the_reconciliation_leaves_the_saga_s_own_endings_and_decides_by_the_payment() -> None:
    reconciliation = definition("reconciliation")
    states = reconciliation["States"]
    assert reconciliation["StartAt"] == "ReadExecution"
    assert states["ReadExecution"]["Resource"] == "arn:aws:states:::aws-sdk:sfn:describeExecution"
    assert states["ReadExecution"]["Parameters"] == {"ExecutionArn.$": "$.detail.executionArn"}  # the event carries no input
    own = states["EndedOnItsOwnPath"]["Choices"][1]["And"][1]["Or"]
    assert {choice["StringEquals"] for choice in own} == {
        "SagaFailed",
        "CompensationFailed",
        "InvalidBookingRequest",
        "BookingConflict",
        "Runtime.UnmarshalError",
    }
    decide = states["CommittedByThePayment"]
    assert decide["Choices"] == [{"Variable": "$.payment.status", "StringEquals": "CONFIRMED", "Next": "ConfirmFlight"}]
    assert decide["Default"] == "CancelHotel"
    assert [states[name]["Next"] for name in ("ConfirmFlight", "ConfirmHotel", "CancelHotel", "CancelFlight")] == [
        "ConfirmHotel", "RolledForward", "CancelFlight", "RolledBack",
    ]  # fmt: skip
    invoked = {
        state["Parameters"]["FunctionName"] for state in states.values() if state.get("Resource") == "arn:aws:states:::lambda:invoke"
    }
    assert invoked == set(values("reconciliation").values()) - set(state_machine_settings("reconciliation").values())
    assert all("Catch" not in state or state["Catch"][0]["ErrorEquals"] == ["InvalidBookingRequest"] for state in states.values())


# -- the renderer ---------------------------------------------------------------------------------


def test_renderer_refuses_a_missing_value() -> None:
    partial = values()
    del partial["cancel_hotel_arn"]
    with pytest.raises(asl.TemplateError, match=r"no value given for placeholder.*cancel_hotel_arn"):
        asl.render(partial)


def test_renderer_refuses_an_unused_value() -> None:
    with pytest.raises(asl.TemplateError, match="does not use: region"):
        asl.render({**values(), "region": "eu-west-1"})


@pytest.mark.parametrize(
    "text",
    ['{"a": "${upper(x)}"}', '{"a": "%{ if x }y%{ endif }"}', '{"a": "$${x}"}', '{"a": "${x.y}"}', '{"a": "${ x }"}'],
)
def test_renderer_refuses_template_syntax_beyond_placeholders(tmp_path: Path, text: str) -> None:
    template = tmp_path / "t.tftpl"
    template.write_text(text)
    with pytest.raises(asl.TemplateError, match="unsupported template syntax"):
        asl.render({"x": 1}, template)


def test_renderer_substitutes_numbers_bare_and_strings_verbatim(tmp_path: Path) -> None:
    template = tmp_path / "t.tftpl"
    template.write_text('{"arn": "${arn}", "timeout": ${timeout}, "jsonpath": "$.results", "context": "$$.Execution.Id"}')
    assert asl.render_definition({"arn": "arn:x", "timeout": 7}, template) == {
        "arn": "arn:x",
        "timeout": 7,
        "jsonpath": "$.results",
        "context": "$$.Execution.Id",
    }


def test_the_documented_diagram_is_the_template() -> None:
    from sagatools.cli.diagram import main as diagram

    assert diagram(["--check"]) == 0, "run: python scripts/diagram.py --write"
