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


ADMIN_SIGNATURE = "AWS4-HMAC-SHA256 Credential=local/20261205/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=0"


def start_execution(check: RequestCheck) -> None:
    """StartExecution by the administrator (the local credentials)."""
    environ = {"HTTP_X_AMZ_TARGET": "AWSStepFunctions.StartExecution", "HTTP_AUTHORIZATION": ADMIN_SIGNATURE.format(service="states")}
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


@pytest.mark.parametrize(
    ("environ", "body"),
    [
        ({"HTTP_X_AMZ_TARGET": "DynamoDB_20120810.Scan"}, b'{"TableName": "bookings"}'),
        ({"HTTP_X_AMZ_TARGET": "AWSStepFunctions.StartExecution"}, b'{"stateMachineArn": "' + MACHINE_ARN.encode() + b'"}'),
        ({"HTTP_X_AMZ_TARGET": "AWSCognitoIdentityProviderService.AdminCreateUser"}, b'{"UserPoolId": "p", "Username": "u"}'),
        ({"PATH_INFO": "/bucket/key", "REQUEST_METHOD": "GET"}, b""),
    ],
    ids=["dynamodb", "step-functions", "cognito-admin", "s3"],
)
def test_an_unsigned_request_is_refused_unless_aws_answers_that_operation_unsigned(environ: dict[str, str], body: bytes) -> None:
    with mock_aws():
        check = RequestCheck(Authorizer(REGION))
        with pytest.raises(Refused) as refused:
            check.check({"REQUEST_METHOD": "POST", **environ}, body)
        assert (refused.value.status, refused.value.code) == (403, "MissingAuthenticationTokenException")


@pytest.mark.parametrize("operation", ["InitiateAuth", "RespondToAuthChallenge", "GetUser", "RevokeToken"])
def test_cognito_s_public_sign_in_is_answered_unsigned_as_a_browser_sends_it(operation: str) -> None:
    with mock_aws():
        check = RequestCheck(Authorizer(REGION))
        check.check({"REQUEST_METHOD": "POST", "HTTP_X_AMZ_TARGET": f"AWSCognitoIdentityProviderService.{operation}"}, b"{}")
        check.check({"REQUEST_METHOD": "OPTIONS"}, b"")  # the browser's CORS preflight
