"""A cold start loads what the hot path needs and nothing else (docs/benchmarks.md, figure c): each
function's module, imported in a fresh interpreter and sent a request, never loads the X-Ray SDK,
Powertools' parser or Powertools' OpenAPI models."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from sagatools.contract import catalog

pytestmark = pytest.mark.subprocess

# Not needed to serve a request; each was once loaded by importing a handler.
NOT_ON_THE_HOT_PATH = (
    "aws_xray_sdk",  # Powertools' Tracer: tracing is Lambda's active tracing
    "wrapt",  # the X-Ray SDK's patching
    "aws_lambda_powertools.utilities.parser",  # parse(): the models validate themselves
    "aws_lambda_powertools.event_handler.openapi.models",  # only docs/openapi.json needs them
)

# A fresh interpreter imports the handler and sends it one request refused before any AWS call (no
# endpoint is needed): the saga step an event without a request, the API a POST with an invalid body.
PROBE = """
import json, sys
handler_path, event = sys.argv[1], json.loads(sys.argv[2])
module_name, function_name = handler_path.rsplit(".", 1)
module = __import__(module_name, fromlist=[function_name])

class Context:
    function_name, memory_limit_in_mb, aws_request_id = "probe", 256, "probe-request"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:probe"
    def get_remaining_time_in_millis(self):
        return 10_000

try:
    answer = getattr(module, function_name)(event, Context())
except Exception as error:
    answer = {"error": type(error).__name__}
print(json.dumps({"answer": answer, "modules": sorted(sys.modules)}))
"""

API_EVENT = {
    "version": "2.0",
    "routeKey": "POST /bookings",
    "rawPath": "/bookings",
    "rawQueryString": "",
    "headers": {"content-type": "application/json"},
    "requestContext": {
        "http": {"method": "POST", "path": "/bookings"},
        "requestId": "probe-request",
        "routeKey": "POST /bookings",
        "stage": "$default",
        "authorizer": {"jwt": {"claims": {"sub": "cust-0042"}}},
    },
    "body": json.dumps({"booking_id": "b-1"}),
    "isBase64Encoded": False,
}


def probe(handler: str, event: dict[str, object]) -> tuple[object, set[str]]:
    environment = {
        **os.environ,
        "AWS_DEFAULT_REGION": "us-east-1",
        "TABLE_NAME": "probe",
        "FAULT_INJECTION_ENABLED": "false",
        "STATE_MACHINE_ARN": "arn:aws:states:us-east-1:123456789012:stateMachine:probe",
        "TABLE_NAMES": "{}",
        "POWERTOOLS_LOG_LEVEL": "CRITICAL",
        "POWERTOOLS_METRICS_NAMESPACE": "Probe",
    }
    command = [sys.executable, "-c", PROBE, handler, json.dumps(event)]
    done = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.splitlines()[-1])
    return result["answer"], set(result["modules"])


def loaded(modules: set[str]) -> list[str]:
    return [name for name in NOT_ON_THE_HOT_PATH if name in modules]


@pytest.mark.parametrize("handler", sorted({function.handler for function in catalog.load().functions}))
def test_a_saga_step_loads_no_tracer_and_no_parser_package(handler: str) -> None:
    answer, modules = probe(handler, {"execution_arn": "probe"})

    assert answer == {"error": "InvalidBookingRequest"}  # validated: pydantic did run
    assert "pydantic" in modules and "boto3" in modules
    assert loaded(modules) == []


def test_the_api_loads_no_tracer_and_no_openapi_models() -> None:
    answer, modules = probe(catalog.load().api.handler, API_EVENT)

    assert isinstance(answer, dict) and answer["statusCode"] == 400  # routed and validated
    assert "aws_lambda_powertools.event_handler.middlewares.openapi_validation" in modules  # validation stays on
    assert loaded(modules) == []
