"""The authorizer's Step Functions rules, on moto in-process: what the caller and the state machine's
own role need of a customer managed key (https://docs.aws.amazon.com/step-functions/latest/dg/encryption-at-rest.html)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
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


def signed(
    service: str, body: bytes, *, target: str | None = None, key: str = "local", secret: str = "local", token: str | None = None
) -> dict[str, str]:
    """The WSGI environ of a request botocore signed (SigV4) as a client of the endpoint does."""
    headers = {"X-Amz-Target": target} if target else {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
    request = AWSRequest(method="POST", url="http://127.0.0.1:4566/", data=body, headers=headers)
    SigV4Auth(Credentials(key, secret, token), service, REGION).add_auth(request)
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/", "RAW_URI": "/", "HTTP_HOST": "127.0.0.1:4566", "CONTENT_LENGTH": str(len(body))}
    for name, value in request.headers.items():
        variable = "CONTENT_TYPE" if name.lower() == "content-type" else "HTTP_" + name.upper().replace("-", "_")
        environ[variable] = value.decode() if isinstance(value, bytes) else value
    return environ


def start_execution(check: RequestCheck) -> None:
    """StartExecution by the administrator (the local credentials)."""
    body = json.dumps({"stateMachineArn": MACHINE_ARN, "name": "b-1", "input": "{}"}).encode()
    check.check(signed("states", body, target="AWSStepFunctions.StartExecution"), body)


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


FORGED = "AWS4-HMAC-SHA256 Credential=anything/20261205/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=0000"


@pytest.mark.parametrize(
    ("environ", "body", "answer"),
    [
        (
            {"HTTP_X_AMZ_TARGET": "DynamoDB_20120810.ListTables", "HTTP_AUTHORIZATION": FORGED.format(service="dynamodb")},
            b"{}",
            (400, "UnrecognizedClientException", "json"),
        ),
        (
            {"CONTENT_TYPE": "application/x-www-form-urlencoded", "HTTP_AUTHORIZATION": FORGED.format(service="sts")},
            b"Action=GetCallerIdentity&Version=2011-06-15",
            (403, "InvalidClientTokenId", "query"),
        ),
        (
            {"PATH_INFO": "/2015-03-31/functions", "REQUEST_METHOD": "GET", "HTTP_AUTHORIZATION": FORGED.format(service="lambda")},
            b"",
            (403, "UnrecognizedClientException", "rest-json"),
        ),
        (
            {"PATH_INFO": "/bucket/key", "REQUEST_METHOD": "GET", "HTTP_AUTHORIZATION": FORGED.format(service="s3")},
            b"",
            (403, "InvalidAccessKeyId", "s3"),
        ),
    ],
    ids=["dynamodb", "sts", "lambda", "s3"],
)
def test_an_access_key_this_account_never_issued_is_refused_as_aws_refuses_it(
    environ: dict[str, str], body: bytes, answer: tuple[int, str, str]
) -> None:
    with mock_aws():
        with pytest.raises(Refused) as refused:
            RequestCheck(Authorizer(REGION)).check({"REQUEST_METHOD": "POST", **environ}, body)
        assert (refused.value.status, refused.value.code, refused.value.protocol) == answer


def test_a_malformed_authorization_header_is_an_incomplete_signature() -> None:
    with mock_aws():
        environ = {"REQUEST_METHOD": "POST", "HTTP_X_AMZ_TARGET": "DynamoDB_20120810.ListTables", "HTTP_AUTHORIZATION": "x"}
        with pytest.raises(Refused) as refused:
            RequestCheck(Authorizer(REGION)).check(environ, b"{}")
        assert (refused.value.status, refused.value.code) == (400, "IncompleteSignatureException")
        assert "Authorization header requires 'Credential' parameter." in refused.value.message


def test_the_signature_and_session_token_must_be_the_key_s() -> None:
    """The administrator's key and STS's temporary keys are known; a signature their secret did not make, or a
    temporary key without its own session token, is refused (JSON: InvalidSignatureException; query: SignatureDoesNotMatch)."""
    with mock_aws():
        check = RequestCheck(Authorizer(REGION))
        body = b"{}"
        check.check(signed("dynamodb", body, target="DynamoDB_20120810.ListTables"), body)  # the administrator
        with pytest.raises(Refused) as refused:
            check.check(signed("dynamodb", body, target="DynamoDB_20120810.ListTables", secret="guessed"), body)
        assert (refused.value.status, refused.value.code) == (400, "InvalidSignatureException")
        with pytest.raises(Refused) as refused:
            check.check(signed("dynamodb", body, target="DynamoDB_20120810.ListTables"), b'{"Limit": 1}')  # another body
        assert refused.value.code == "InvalidSignatureException"
        query = b"Action=GetCallerIdentity&Version=2011-06-15"
        with pytest.raises(Refused) as refused:
            check.check(signed("sts", query, secret="guessed"), query)
        assert (refused.value.status, refused.value.code) == (403, "SignatureDoesNotMatch")

        trust = {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "sts:AssumeRole"}
        role = boto3.client("iam", region_name=REGION).create_role(
            RoleName="caller", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [trust]})
        )
        issued = boto3.client("sts", region_name=REGION).assume_role(RoleArn=role["Role"]["Arn"], RoleSessionName="session")["Credentials"]
        key, secret, token = issued["AccessKeyId"], issued["SecretAccessKey"], issued["SessionToken"]
        check.check(signed("sts", query, key=key, secret=secret, token=token), query)  # GetCallerIdentity: any role may
        for wrong in (None, "another"):
            with pytest.raises(Refused) as refused:
                check.check(signed("sts", query, key=key, secret=secret, token=wrong), query)
            assert (refused.value.status, refused.value.code) == (403, "InvalidClientTokenId")
