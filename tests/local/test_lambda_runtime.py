"""The local Lambda service behind the workspace endpoint: handlers run by AWS's runtime interface
client in warm worker processes, with Lambda's answers for errors, crashes, timeouts and throttling."""

from __future__ import annotations

import io
import json
import os
import time
import zipfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest
from botocore.config import Config

from sagatools.client import workspaces
from sagatools.contract.outputs import terraform_output_json
from sagatools.contract.paths import ROOT
from sagatools.emulator import local_workspace
from sagatools.processes import group_alive

pytestmark = pytest.mark.network

HANDLERS = """
import os, time

def ok(event, context):
    return {"pid": os.getpid(), "event": event, "function": context.function_name,
            "remaining_ms": context.get_remaining_time_in_millis(), "table": os.environ.get("TABLE_NAME"),
            "endpoint": os.environ.get("AWS_ENDPOINT_URL"), "access_key": os.environ.get("AWS_ACCESS_KEY_ID"),
            "caller": __import__("boto3").client("sts").get_caller_identity()["Arn"]}

def fails(event, context):
    raise KeyError("no such seat")

def crashes(event, context):
    os._exit(3)

def hangs(event, context):
    time.sleep(30)

def naps(event, context):
    time.sleep(1.5)
    return "rested"
"""


@pytest.fixture(scope="module")
def lambda_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    state_dir = tmp_path_factory.mktemp("runtime")
    runtime = ROOT / "build" / "local" / "runtime"
    assert runtime.is_dir(), "run `make package-local` first (make test does)"
    process, ready = local_workspace.start_endpoint(state_dir=state_dir, ttl=600, parent_pid=os.getpid())
    endpoint = ready["endpoint_url"]
    assert endpoint.startswith("http://127.0.0.1:")
    session = boto3.Session(region_name="us-east-1", **workspaces.LOCAL_CREDENTIALS)
    client = session.client("lambda", endpoint_url=endpoint)
    trust = {"Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    iam = session.client("iam", endpoint_url=endpoint)
    role = iam.create_role(RoleName="runtime-test", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    untrusted = iam.create_role(RoleName="runtime-test-untrusted", AssumeRolePolicyDocument=json.dumps({"Statement": []}))["Role"]["Arn"]
    with pytest.raises(client.exceptions.InvalidParameterValueException, match="cannot be assumed by Lambda"):
        client.create_function(FunctionName="untrusted", Runtime="python3.12", Role=untrusted, Handler="fn.ok", Code={"ZipFile": b"x"})
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as code:
        code.writestr("fn.py", HANDLERS)
    for name in ("ok", "fails", "crashes", "hangs", "naps"):
        client.create_function(
            FunctionName=name,
            Runtime="python3.12",
            Role=role,
            Handler=f"fn.{name}",
            Code={"ZipFile": archive.getvalue()},
            Timeout=2,
            Environment={"Variables": {"TABLE_NAME": "seats"}},
        )
    client.create_function(
        FunctionName="missing", Runtime="python3.12", Role=role, Handler="nowhere.handler", Code={"ZipFile": archive.getvalue()}
    )
    client.put_function_concurrency(FunctionName="naps", ReservedConcurrentExecutions=1)
    yield client
    os.killpg(process.pid, 15)
    process.wait(timeout=15)
    deadline = time.monotonic() + 5
    while group_alive(process.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not group_alive(process.pid), "a worker outlived the workspace"


def invoke(client: Any, name: str, payload: Any = None) -> tuple[str | None, Any]:
    response = client.invoke(FunctionName=name, Payload=json.dumps(payload or {}).encode())
    return response.get("FunctionError"), json.loads(response["Payload"].read())


def test_handler_runs_with_its_environment_and_stays_warm(lambda_client: Any) -> None:
    error, first = invoke(lambda_client, "ok", {"seat": "12A"})
    _, second = invoke(lambda_client, "ok")

    assert error is None
    assert first["event"] == {"seat": "12A"} and first["function"] == "ok" and first["table"] == "seats"
    assert 0 < first["remaining_ms"] <= 2000
    assert first["endpoint"].startswith("http://127.0.0.1:")  # the function's own AWS calls come back here
    # ... signed with its role's temporary credentials, as Lambda hands them to a function
    assert first["access_key"].startswith("ASIA") and first["caller"] == "arn:aws:sts::123456789012:assumed-role/runtime-test/ok"
    assert second["pid"] == first["pid"]  # a warm execution environment


def test_an_exception_is_reported_as_lambda_reports_it(lambda_client: Any) -> None:
    error, payload = invoke(lambda_client, "fails")
    assert error == "Unhandled"
    assert payload["errorType"] == "KeyError" and "no such seat" in payload["errorMessage"]
    assert payload["requestId"] and any("fn.py" in frame for frame in payload["stackTrace"])


def test_a_crash_is_a_runtime_exit_error_and_the_next_call_gets_a_new_environment(lambda_client: Any) -> None:
    error, payload = invoke(lambda_client, "crashes")
    assert (error, payload["errorType"]) == ("Unhandled", "Runtime.ExitError")
    assert "exit status 3" in payload["errorMessage"]
    assert invoke(lambda_client, "ok")[0] is None  # the workspace stays up


def test_a_handler_past_its_timeout_is_stopped(lambda_client: Any) -> None:
    error, payload = invoke(lambda_client, "hangs")
    assert (error, payload["errorType"]) == ("Unhandled", "Sandbox.Timedout")
    assert "Task timed out after 2.00 seconds" in payload["errorMessage"]
    assert invoke(lambda_client, "ok")[0] is None


def test_a_handler_that_cannot_be_imported_reports_the_init_error(lambda_client: Any) -> None:
    error, payload = invoke(lambda_client, "missing")
    assert error == "Unhandled"
    assert payload["errorType"] == "Runtime.ImportModuleError"


def test_invocations_past_reserved_concurrency_are_throttled(lambda_client: Any) -> None:
    impatient = boto3.client(
        "lambda",
        endpoint_url=lambda_client.meta.endpoint_url,
        region_name="us-east-1",
        config=Config(retries={"total_max_attempts": 1}),  # see the throttle, not boto3's retry of it
        **workspaces.LOCAL_CREDENTIALS,
    )
    with ThreadPoolExecutor(2) as pool:
        outcomes = list(pool.map(lambda _: _try_invoke(impatient, "naps"), range(2)))
    assert sorted(outcomes) == ["TooManyRequestsException", "rested"]


def _try_invoke(client: Any, name: str) -> str:
    try:
        return str(invoke(client, name)[1])
    except client.exceptions.TooManyRequestsException:
        return "TooManyRequestsException"


def test_an_unknown_function_is_not_found(lambda_client: Any) -> None:
    with pytest.raises(lambda_client.exceptions.ResourceNotFoundException):
        lambda_client.invoke(FunctionName="nobody", Payload=b"{}")


def test_local_outputs_have_the_shape_of_terraform_output_json() -> None:
    outputs = terraform_output_json({"region": "r", "fault_injection_enabled": True, "table_names": {"flight": "t"}})
    assert outputs == {
        "region": {"sensitive": False, "type": "string", "value": "r"},
        "fault_injection_enabled": {"sensitive": False, "type": "bool", "value": True},
        "table_names": {"sensitive": False, "type": ["object", {"flight": "string"}], "value": {"flight": "t"}},
    }
