"""The rendered ASL's shape: retries, catches, one compensation chain, and the renderer's guarantees."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sagatools.contract import asl, catalog
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
PAYLOAD = {"request.$": "$$.Execution.Input", "execution_arn.$": "$$.Execution.Id", "retry_count.$": "$$.State.RetryCount"}
ALERT_TOPIC = "arn:aws:sns:eu-west-1:111122223333:alerts"
FORWARD = ["ReserveFlight", "ReserveHotel", "ProcessPayment"]
CHAIN = ["RefundPayment", "CancelHotel", "CancelFlight"]
ENTRY = {"ReserveFlight": "CancelFlight", "ReserveHotel": "CancelHotel", "ProcessPayment": "RefundPayment"}
RESULT_PATH = {
    "ReserveFlight": "$.results.flight",
    "ReserveHotel": "$.results.hotel",
    "ProcessPayment": "$.results.payment",
    "RefundPayment": "$.results.refund",
    "CancelHotel": "$.results.hotel_cancel",
    "CancelFlight": "$.results.flight_cancel",
}


def values() -> dict[str, Any]:
    functions = catalog.load().functions
    arns = {f.arn_placeholder: f"arn:aws:lambda:eu-west-1:111122223333:function:x-{f.key}" for f in functions}
    return {**state_machine_settings(), **arns, "alert_topic_arn": ALERT_TOPIC, "metrics_namespace": catalog.METRICS_NAMESPACE}


@pytest.fixture(scope="module")
def states() -> dict[str, Any]:
    definition = asl.render_definition(values())
    assert definition["StartAt"] == "ReserveFlight"
    states: dict[str, Any] = definition["States"]
    return states


@pytest.mark.parametrize("name", FORWARD + CHAIN)
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
    assert sorted(tasks) == sorted([*FORWARD, *CHAIN, "AlertOperator", "CountCompensationFailed"])  # no copies of compensation tasks
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
    assert states["CompensationFailed"] == {
        "Type": "Fail",
        "Comment": states["CompensationFailed"]["Comment"],
        "Error": "CompensationFailed",
        "CausePath": "States.JsonToString($.compensation)",
    }


def test_the_happy_path_ends_in_success(states: dict[str, Any]) -> None:
    assert [states[name]["Next"] for name in FORWARD] == ["ReserveHotel", "ProcessPayment", "BookingSucceeded"]
    assert states["BookingSucceeded"] == {"Type": "Succeed"}


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
