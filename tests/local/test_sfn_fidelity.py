"""moto's Step Functions made to stop, redrive and publish status changes as AWS documents (sagatools.emulator.sfn_fidelity)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from sagatools.contract import catalog
from sagatools.emulator import moto_fidelity, sfn_fidelity

pytestmark = pytest.mark.moto

REGION, ROLE = "us-east-1", "arn:aws:iam::123456789012:role/machine"
# Fails at Read until its table exists: "fix the cause, then redrive".
FIX_THEN_REDRIVE = {
    "StartAt": "Before",
    "States": {
        "Before": {"Type": "Pass", "Result": {"step": "before"}, "ResultPath": "$.before", "Next": "Read"},
        "Read": {
            "Type": "Task",
            "Resource": "arn:aws:states:::dynamodb:getItem",
            "Parameters": {"TableName": "fixed-later", "Key": {"pk": {"S": "A"}, "sk": {"S": "B"}}},
            "ResultPath": "$.read",
            "Next": "After",
        },
        "After": {"Type": "Pass", "Parameters": {"redrives.$": "$$.Execution.RedriveCount", "before.$": "$.before"}, "End": True},
    },
}
SLOW = {"StartAt": "Hold", "TimeoutSeconds": 1, "States": {"Hold": {"Type": "Wait", "Seconds": 3, "End": True}}}


@pytest.fixture
def aws() -> Iterator[dict[str, Any]]:
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        moto_fidelity.install(conflicts=True)  # as the engines install both (it parses each definition once)
        sfn_fidelity.install()
        yield {name: boto3.client(name, region_name=REGION) for name in ("stepfunctions", "dynamodb", "events", "sqs", "kms")}


def machine(sfn: Any, name: str, definition: dict[str, Any], **options: Any) -> str:
    return str(sfn.create_state_machine(name=name, definition=json.dumps(definition), roleArn=ROLE, **options)["stateMachineArn"])


def ended(sfn: Any, arn: str, timeout: float = 15) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while (described := sfn.describe_execution(executionArn=arn))["status"] == "RUNNING":
        assert time.monotonic() < deadline, f"{arn} still RUNNING"
        time.sleep(0.05)
    return described  # type: ignore[no-any-return]


def history(sfn: Any, arn: str) -> list[dict[str, Any]]:
    return sfn.get_execution_history(executionArn=arn)["events"]  # type: ignore[no-any-return]


def entered(events: list[dict[str, Any]]) -> list[str]:
    return [e["stateEnteredEventDetails"]["name"] for e in events if e["type"].endswith("StateEntered")]


def test_a_failed_execution_fixed_then_redriven_resumes_at_its_failed_state_under_the_same_arn(aws: dict[str, Any]) -> None:
    sfn = aws["stepfunctions"]
    arn = sfn.start_execution(stateMachineArn=machine(sfn, "fix", FIX_THEN_REDRIVE), name="one", input='{"booking": 1}')["executionArn"]
    failed = ended(sfn, arn)
    assert (failed["status"], failed["redriveCount"], failed["redriveStatus"]) == ("FAILED", 0, "REDRIVABLE")

    aws["dynamodb"].create_table(TableName="fixed-later", **catalog.TABLE_SCHEMA)
    assert "redriveDate" in sfn.redrive_execution(executionArn=arn)
    succeeded = ended(sfn, arn)

    assert succeeded["status"] == "SUCCEEDED" and succeeded["redriveCount"] == 1 and "redriveDate" in succeeded
    assert json.loads(succeeded["output"]) == {"redrives": 1, "before": {"step": "before"}}  # Read got Before's output again
    events = history(sfn, arn)
    assert entered(events) == ["Before", "Read", "Read", "After"]  # Before is not run again
    kinds = [e["type"] for e in events]
    assert kinds.count("ExecutionStarted") == 1 and kinds.index("ExecutionFailed") < kinds.index("ExecutionRedriven")
    assert next(e for e in events if e["type"] == "ExecutionRedriven")["executionRedrivenEventDetails"] == {"redriveCount": 1}
    assert kinds[-1] == "ExecutionSucceeded" and [e["id"] for e in events] == list(range(1, len(events) + 1))

    again = sfn.start_execution(stateMachineArn=succeeded["stateMachineArn"], name="two", input="{}")["executionArn"]
    assert ended(sfn, again)["status"] == "SUCCEEDED" and entered(history(sfn, again)) == ["Before", "Read", "After"]  # from StartAt


def test_only_an_ended_unsucceeded_execution_is_redrivable(aws: dict[str, Any]) -> None:
    sfn = aws["stepfunctions"]
    slow = machine(sfn, "slow", {"StartAt": "Hold", "States": {"Hold": {"Type": "Wait", "Seconds": 2, "End": True}}})
    running = sfn.start_execution(stateMachineArn=slow, name="running")["executionArn"]
    with pytest.raises(ClientError) as refused:
        sfn.redrive_execution(executionArn=running)
    assert refused.value.response["Error"]["Code"] == "ExecutionNotRedrivable"
    assert ended(sfn, running)["redriveStatus"] == "NOT_REDRIVABLE"  # SUCCEEDED
    with pytest.raises(ClientError) as refused:
        sfn.redrive_execution(executionArn=running)
    assert refused.value.response["Error"]["Code"] == "ExecutionNotRedrivable"


def test_stop_execution_ends_it_aborted_at_once_and_its_history_ends_there(aws: dict[str, Any]) -> None:
    sfn = aws["stepfunctions"]
    hold = machine(
        sfn,
        "hold",
        {"StartAt": "Hold", "States": {"Hold": {"Type": "Wait", "Seconds": 2, "Next": "Done"}, "Done": {"Type": "Pass", "End": True}}},
    )
    arn = sfn.start_execution(stateMachineArn=hold, name="stopped")["executionArn"]
    time.sleep(0.2)
    sfn.stop_execution(executionArn=arn, error="Operator", cause="pressed Stop")
    described = sfn.describe_execution(executionArn=arn)  # at once, not when the running state returns
    assert described["status"] == "ABORTED" and "stopDate" in described and described["redriveStatus"] == "REDRIVABLE"
    time.sleep(2.3)
    events = history(sfn, arn)
    assert events[-1]["type"] == "ExecutionAborted" and events[-1]["executionAbortedEventDetails"] == {
        "error": "Operator",
        "cause": "pressed Stop",
    }
    assert "Done" not in entered(events) and sfn.describe_execution(executionArn=arn)["status"] == "ABORTED"

    sfn.redrive_execution(executionArn=arn)  # an aborted execution resumes at the state it was stopped in
    assert ended(sfn, arn)["status"] == "SUCCEEDED"
    assert entered(history(sfn, arn)) == ["Hold", "Hold", "Done"]


def test_a_timed_out_execution_answers_its_stop_date(aws: dict[str, Any]) -> None:
    sfn = aws["stepfunctions"]
    arn = sfn.start_execution(stateMachineArn=machine(sfn, "timeout", SLOW), name="late")["executionArn"]
    described = ended(sfn, arn)
    assert described["status"] == "TIMED_OUT" and "stopDate" in described and described["redriveStatus"] == "REDRIVABLE"


def status_events(aws: dict[str, Any], machine_arn: str) -> str:
    """A rule for the machine's ended executions, delivering to an SQS queue; returns the queue's URL."""
    queue = aws["sqs"].create_queue(QueueName="status")["QueueUrl"]
    queue_arn = aws["sqs"].get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    pattern = {
        "source": ["aws.states"],
        "detail-type": ["Step Functions Execution Status Change"],
        "detail": {"stateMachineArn": [machine_arn], "status": ["FAILED", "ABORTED", "TIMED_OUT"]},
    }
    aws["events"].put_rule(Name="ended", EventPattern=json.dumps(pattern))
    aws["events"].put_targets(Rule="ended", Targets=[{"Id": "queue", "Arn": queue_arn}])
    return str(queue)


def received(sqs: Any, queue: str, count: int) -> list[dict[str, Any]]:
    bodies: list[dict[str, Any]] = []
    deadline = time.monotonic() + 10
    while len(bodies) < count and time.monotonic() < deadline:
        for message in sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", []):
            bodies.append(json.loads(message["Body"]))
        time.sleep(0.05)
    return bodies


def test_status_change_events_reach_matching_rules_and_carry_no_data_under_a_customer_managed_key(aws: dict[str, Any]) -> None:
    sfn = aws["stepfunctions"]
    key = aws["kms"].create_key()["KeyMetadata"]["Arn"]
    encrypted = machine(sfn, "encrypted", FIX_THEN_REDRIVE, encryptionConfiguration={"type": "CUSTOMER_MANAGED_KMS_KEY", "kmsKeyId": key})
    plain = machine(sfn, "plain", FIX_THEN_REDRIVE)
    queue = status_events(aws, encrypted)
    arn = sfn.start_execution(stateMachineArn=encrypted, name="e", input='{"secret": 1}')["executionArn"]
    sfn.start_execution(stateMachineArn=plain, name="p")  # another machine: not matched
    ended(sfn, arn)
    (event,) = received(aws["sqs"], queue, 1)  # RUNNING did not match; FAILED did, once
    detail = event["detail"]
    assert (event["source"], event["detail-type"], event["resources"]) == ("aws.states", "Step Functions Execution Status Change", [arn])
    assert (detail["executionArn"], detail["stateMachineArn"], detail["status"]) == (arn, encrypted, "FAILED")
    assert detail["input"] is None and detail["error"] is None and detail["cause"] is None  # encryption-at-rest.html
    assert isinstance(detail["startDate"], int) and isinstance(detail["stopDate"], int)

    sfn.stop_execution(executionArn=arn)  # already ended: no second event
    assert received(aws["sqs"], queue, 1) == []


def test_a_state_machine_target_is_started_with_the_event_as_its_input(aws: dict[str, Any]) -> None:
    sfn = aws["stepfunctions"]
    failing = machine(sfn, "failing", FIX_THEN_REDRIVE)
    reader = machine(sfn, "reader", {"StartAt": "Echo", "States": {"Echo": {"Type": "Pass", "End": True}}})
    pattern = {"source": ["aws.states"], "detail": {"stateMachineArn": [failing], "status": ["FAILED"]}}
    aws["events"].put_rule(Name="reconcile", EventPattern=json.dumps(pattern))
    aws["events"].put_targets(Rule="reconcile", Targets=[{"Id": "reader", "Arn": reader, "RoleArn": ROLE}])
    arn = sfn.start_execution(stateMachineArn=failing, name="f", input='{"booking": 7}')["executionArn"]
    ended(sfn, arn)
    deadline = time.monotonic() + 10
    while not (started := sfn.list_executions(stateMachineArn=reader)["executions"]):
        assert time.monotonic() < deadline, "the rule's target was never started"
        time.sleep(0.05)
    output = json.loads(ended(sfn, started[0]["executionArn"])["output"])
    assert output["detail"]["executionArn"] == arn and json.loads(output["detail"]["input"]) == {"booking": 7}


def test_an_aws_sdk_task_takes_and_answers_pascal_case(aws: dict[str, Any]) -> None:
    sfn = aws["stepfunctions"]
    target = sfn.start_execution(stateMachineArn=machine(sfn, "target", FIX_THEN_REDRIVE), name="t", input='{"a": 1}')["executionArn"]
    ended(sfn, target)
    describe = {
        "Type": "Task",
        "Resource": "arn:aws:states:::aws-sdk:sfn:describeExecution",
        "Parameters": {"ExecutionArn.$": "$.arn"},
        "End": True,
    }
    reader = machine(sfn, "sdk", {"StartAt": "Read", "States": {"Read": describe}})
    read = json.loads(
        ended(sfn, sfn.start_execution(stateMachineArn=reader, name="r", input=json.dumps({"arn": target}))["executionArn"])["output"]
    )
    assert (read["ExecutionArn"], read["Status"], json.loads(read["Input"])) == (target, "FAILED", {"a": 1})
    assert read["Error"] == "DynamoDB.ResourceNotFoundException" and read["RedriveStatus"] == "REDRIVABLE"
