"""The authorizer's Step Functions rules, on moto in-process: what the caller and the state machine's
own role need of a customer managed key (https://docs.aws.amazon.com/step-functions/latest/dg/encryption-at-rest.html)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from sagatools.emulator.authorizer import ACCOUNT, Authorizer, Refused, RequestCheck

pytestmark = pytest.mark.moto

REGION = "us-east-1"
MACHINE = "booking"
MACHINE_ARN = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{MACHINE}"


def role_policy(key_arn: str, *, history_key: bool) -> str:
    statements = [{"Sid": "Invoke", "Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": "*"}]
    if history_key:
        statements.append(
            {
                "Sid": "ExecutionHistoryKey",
                "Effect": "Allow",
                "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                "Resource": key_arn,
                "Condition": {"StringEquals": {"kms:EncryptionContext:aws:states:stateMachineArn": MACHINE_ARN}},
            }
        )
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


@pytest.fixture
def machine() -> Iterator[dict[str, Any]]:
    """A state machine encrypted with a key whose policy delegates to IAM, its role trusting Step Functions."""
    with mock_aws():
        root = {"Sid": "Root", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "kms:*", "Resource": "*"}
        key = boto3.client("kms", region_name=REGION).create_key(Policy=json.dumps({"Version": "2012-10-17", "Statement": [root]}))
        key_arn = key["KeyMetadata"]["Arn"]
        trust = {"Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"}, "Action": "sts:AssumeRole"}
        iam = boto3.client("iam", region_name=REGION)
        role = iam.create_role(RoleName=MACHINE, AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [trust]}))
        boto3.client("stepfunctions", region_name=REGION).create_state_machine(
            name=MACHINE,
            definition=json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}),
            roleArn=role["Role"]["Arn"],
            encryptionConfiguration={"type": "CUSTOMER_MANAGED_KMS_KEY", "kmsKeyId": key_arn, "kmsDataKeyReusePeriodSeconds": 300},
        )
        yield {"iam": iam, "key_arn": key_arn}


def start_execution(check: RequestCheck) -> None:
    """StartExecution by the administrator (an unsigned request)."""
    environ = {"HTTP_X_AMZ_TARGET": "AWSStepFunctions.StartExecution"}
    check.check(environ, json.dumps({"stateMachineArn": MACHINE_ARN, "name": "b-1", "input": "{}"}).encode())


def test_starting_an_execution_needs_the_state_machine_role_to_use_the_history_key(machine: dict[str, Any]) -> None:
    check = RequestCheck(Authorizer(REGION))
    machine["iam"].put_role_policy(RoleName=MACHINE, PolicyName="p", PolicyDocument=role_policy(machine["key_arn"], history_key=False))
    with pytest.raises(Refused) as refused:
        start_execution(check)
    assert refused.value.code == "KmsAccessDeniedException"
    assert f"assumed-role/{MACHINE}/{MACHINE} is not authorized to perform: kms:GenerateDataKey on resource: {machine['key_arn']}" in str(
        refused.value.message
    )

    machine["iam"].put_role_policy(RoleName=MACHINE, PolicyName="p", PolicyDocument=role_policy(machine["key_arn"], history_key=True))
    start_execution(check)  # the administrator needs nothing of the key; the role now has what it needs
