"""A call outside a role's policy is refused, here as on AWS: a probe function runs as a role Terraform
deployed (created with that role, as any deployer allowed to pass it could) and makes one call, and the
answer is AWS's refusal naming the action and the resource. The same role's own calls go through."""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from sagatools.client import workspaces

PROBE = '''
import boto3


def handler(event, context):
    """Make one call as this function's role: its error code and message, or none."""
    try:
        getattr(boto3.client(event["service"]), event["operation"])(**event["parameters"])
    except Exception as error:  # the refusal is the answer
        return {"code": getattr(error, "response", {}).get("Error", {}).get("Code"), "message": str(error)}
    return {"code": None}
'''

Probe = Callable[..., dict[str, Any]]


@pytest.fixture(scope="module")
def probe(deployed: workspaces.Workspace) -> Iterator[Probe]:
    lambda_, prefix = deployed.client("lambda"), deployed.outputs["name_prefix"]
    account = deployed.client("sts").get_caller_identity()["Account"]
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as code:
        code.writestr("probe.py", PROBE)
    created: dict[str, str] = {}

    def run(role_key: str, service: str, operation: str, **parameters: Any) -> dict[str, Any]:
        if role_key not in created:
            name = created[role_key] = f"{prefix}-probe-{uuid.uuid4().hex[:6]}"
            lambda_.create_function(
                FunctionName=name,
                Role=f"arn:aws:iam::{account}:role/{prefix}-{role_key}",
                Runtime="python3.12",
                Handler="probe.handler",
                Code={"ZipFile": archive.getvalue()},
                Timeout=10,
            )
            lambda_.get_waiter("function_active_v2").wait(FunctionName=name)
        event = {"service": service, "operation": operation, "parameters": parameters}
        answer = lambda_.invoke(FunctionName=created[role_key], Payload=json.dumps(event).encode())
        result: dict[str, Any] = json.loads(answer["Payload"].read())
        return result

    yield run
    for name in created.values():
        lambda_.delete_function(FunctionName=name)


def key(deployed: workspaces.Workspace, table: str) -> dict[str, Any]:
    return {"TableName": deployed.outputs["table_names"][table], "Key": {"pk": {"S": "BOOKING#nobody"}, "sk": {"S": "RESERVATION"}}}


def refused(answer: dict[str, Any], action: str, resource: str) -> bool:
    return (
        answer["code"] == "AccessDeniedException" and f"is not authorized to perform: {action} on resource: {resource}" in answer["message"]
    )


def table_arn(deployed: workspaces.Workspace, table: str) -> str:
    region, account = deployed.outputs["region"], deployed.client("sts").get_caller_identity()["Account"]
    return f"arn:aws:dynamodb:{region}:{account}:table/{deployed.outputs['table_names'][table]}"


def test_the_api_function_s_role_reads_a_table_but_cannot_delete_from_it(deployed: workspaces.Workspace, probe: Probe) -> None:
    assert probe("api", "dynamodb", "get_item", **key(deployed, "flight"), ConsistentRead=True) == {"code": None}
    answer = probe("api", "dynamodb", "delete_item", **key(deployed, "flight"))
    assert refused(answer, "dynamodb:DeleteItem", table_arn(deployed, "flight")), answer


def test_a_step_function_s_role_cannot_write_another_service_s_table(deployed: workspaces.Workspace, probe: Probe) -> None:
    item = {"pk": {"S": "BOOKING#nobody"}, "sk": {"S": "RESERVATION"}, "status": {"S": "RESERVED"}}
    answer = probe("reserve-flight", "dynamodb", "put_item", TableName=deployed.outputs["table_names"]["hotel"], Item=item)
    assert refused(answer, "dynamodb:PutItem", table_arn(deployed, "hotel")), answer


def test_a_function_cannot_use_another_workspace_s_key_nor_its_own_outside_dynamodb(deployed: workspaces.Workspace, probe: Probe) -> None:
    kms = deployed.client("kms")
    created = kms.create_key(
        Description="another workspace's key (test_permissions)",
        Tags=[{"TagKey": "Project", "TagValue": "trip-saga"}, {"TagKey": "Workspace", "TagValue": "another"}],
    )["KeyMetadata"]
    other = created["Arn"]
    try:
        answer = probe("reserve-flight", "kms", "generate_data_key", KeyId=other, KeySpec="AES_256")
        assert refused(answer, "kms:GenerateDataKey", other), answer
        own = deployed.outputs["kms_key_arn"]  # its own key, but not through DynamoDB (kms:ViaService)
        answer = probe("reserve-flight", "kms", "generate_data_key", KeyId=own, KeySpec="AES_256")
        assert refused(answer, "kms:GenerateDataKey", own), answer
    finally:
        kms.schedule_key_deletion(KeyId=created["KeyId"], PendingWindowInDays=7)
