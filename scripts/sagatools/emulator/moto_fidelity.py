"""Where moto differs from AWS in ways the saga depends on, make it behave as AWS does (both local
engines install this): DynamoDB's isolation and transaction conflicts, and Step Functions' input limit.

moto runs concurrent requests on one shared table object: a cancelled transaction restores a copy of
the whole table taken when it began (undoing other requests' writes), and a scan can fail mid-way.
DynamoDB instead makes every single-item write and every transaction atomic and isolated, and cancels
a transaction that touches an item another transaction is writing (TransactionCanceledException,
reason TransactionConflict), or rejects a single write to such an item (TransactionConflictException).

`install()` gives moto that behaviour, makes StartExecution refuse an input over 256 KiB
(ValidationException), as Step Functions does, where moto would run it, adds API Gateway's
UpdateStage, which moto lacks (Terraform updates a stage's throttling or access logs in place), and
Lambda's default quotas to Service Quotas (moto knows only VPC's), and Cognito's sign-in as AWS checks
it (sagatools.emulator.cognito_fidelity: SRP verifies the password). Every request runs alone on the
backend (one lock). A transaction's items stay in progress for a short commit window after it
ran (DynamoDB's commit takes milliseconds; moto's is instant), and a write that arrives for one of
them meanwhile gets DynamoDB's conflict error (with `conflicts=True`). Waiting in line for the lock
does not count as in progress: that queue is moto's, not DynamoDB's.

One change is for speed, not fidelity: moto parses a state machine's ASL again for every execution
(ANTLR, about a sixth of a busy engine's time); each definition is parsed once. Sharing the parsed
program is safe because an execution keeps its state in its own environment's heap, keyed per
component: the key is made the component's id, so two executions cannot race to create it."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Callable
from functools import lru_cache
from typing import Any
from urllib.parse import unquote

from moto.apigatewayv2.responses import ApiGatewayV2Response
from moto.core.botocore_stubber import BotocoreStubber
from moto.dynamodb.responses import DynamoHandler
from moto.servicequotas.exceptions import NoSuchResource
from moto.servicequotas.models import ServiceQuotasBackend
from moto.servicequotas.responses import ServiceQuotasResponse
from moto.stepfunctions.exceptions import ValidationException
from moto.stepfunctions.parser.asl.component.eval_component import EvalComponent
from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser
from moto.stepfunctions.responses import StepFunctionResponse

from sagatools.emulator import cognito_fidelity
from sagatools.emulator.aws_faults import WRITES, conflict_response

_backend = threading.RLock()
_registry = threading.Lock()
_in_progress: dict[tuple[str, str], float] = {}  # (table, key as JSON) -> end of its transaction's commit window
_settings: dict[str, Any] = {"conflicts": True, "window": 0.02}
conflicts_returned = Counter[str]()  # operation -> conflict errors answered, since the process started
_original: Callable[..., Any] | None = None
_start_execution: Callable[..., Any] | None = None
_stub: Callable[..., Any] | None = None
_parse: Callable[[str], Any] | None = None
ANSWERED = "saga_answered"  # set on a request that a hook ahead of moto's stub has answered
MAX_EXECUTION_INPUT = 262144  # bytes of UTF-8, Step Functions' limit


# UpdateStage's fields (the request's names) and the attributes moto's Stage keeps them in.
_STAGE_FIELDS = {
    "accessLogSettings": "access_log_settings",
    "autoDeploy": "auto_deploy",
    "defaultRouteSettings": "default_route_settings",
    "description": "description",
    "routeSettings": "route_settings",
    "stageVariables": "stage_variables",
}


def _update_stage(response: ApiGatewayV2Response) -> tuple[int, dict[str, str], str]:
    api_id, stage_name = response.path.split("/")[-3], unquote(response.path.split("/")[-1])
    stage = response.apigatewayv2_backend.get_stage(api_id, stage_name)
    for field, attribute in _STAGE_FIELDS.items():
        if field in (changes := json.loads(response.body or "{}")):
            setattr(stage, attribute, changes[field])
    return 200, {}, json.dumps(stage.to_json())


# Lambda's default quotas as Service Quotas lists them (moto knows only VPC's). "Concurrent executions":
# 1,000 by default (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html).
LAMBDA_DEFAULT_QUOTAS: list[dict[str, Any]] = [
    {
        "Adjustable": True,
        "GlobalQuota": False,
        "QuotaArn": "arn:aws:servicequotas:{region}::lambda/L-B99A9384",
        "QuotaCode": "L-B99A9384",
        "QuotaName": "Concurrent executions",
        "ServiceCode": "lambda",
        "ServiceName": "AWS Lambda",
        "Unit": "None",
        "Value": 1000.0,
    }
]


def _lambda_quotas(backend: ServiceQuotasBackend) -> list[dict[str, Any]]:
    return [{**quota, "QuotaArn": str(quota["QuotaArn"]).format(region=backend.region_name)} for quota in LAMBDA_DEFAULT_QUOTAS]


def _default_quota(backend: ServiceQuotasBackend, service_code: str, quota_code: str) -> dict[str, Any]:
    listed = _lambda_quotas(backend) if service_code == "lambda" else _original_quotas["list"](backend, service_code)
    for quota in listed:
        if quota["QuotaCode"] == quota_code:
            return quota
    raise NoSuchResource


def _get_aws_default_service_quota(response: ServiceQuotasResponse) -> str:
    params = json.loads(response.body)
    return json.dumps({"Quota": _default_quota(response.backend, str(params.get("ServiceCode")), str(params.get("QuotaCode")))})


_original_quotas: dict[str, Callable[..., Any]] = {}


def _install_quotas() -> None:
    """Lambda's quotas in Service Quotas; an account that never changed a quota has no applied value, so
    GetServiceQuota answers the default (as the Terraform data source reads it: default, then applied)."""
    if _original_quotas:
        return
    _original_quotas["list"] = ServiceQuotasBackend.list_aws_default_service_quotas
    _original_quotas["get"] = ServiceQuotasBackend.get_service_quota

    def list_defaults(backend: ServiceQuotasBackend, service_code: str) -> list[dict[str, Any]]:
        return _lambda_quotas(backend) if service_code == "lambda" else _original_quotas["list"](backend, service_code)

    def get_applied(backend: ServiceQuotasBackend, service_code: str, quota_code: str) -> dict[str, Any]:
        return _default_quota(backend, service_code, quota_code)

    ServiceQuotasBackend.list_aws_default_service_quotas = list_defaults  # type: ignore[method-assign,assignment]
    ServiceQuotasBackend.get_service_quota = get_applied  # type: ignore[method-assign,assignment]
    ServiceQuotasResponse.get_aws_default_service_quota = _get_aws_default_service_quota  # type: ignore[attr-defined]


@lru_cache(maxsize=32)
def _parse_once(definition: str) -> Any:
    assert _parse is not None
    return _parse(definition)


def install(*, conflicts: bool = True, commit_window: float = 0.02) -> None:
    """Idempotent; process-wide (moto's backends are process-wide too). Forgets earlier commit windows."""
    global _original, _start_execution, _stub, _parse
    _settings.update(conflicts=conflicts, window=commit_window)
    _in_progress.clear()
    if _original is None:
        _original = DynamoHandler.call_action
        DynamoHandler.call_action = _isolated  # type: ignore[method-assign]
    if _start_execution is None:
        _start_execution = StepFunctionResponse.start_execution
        StepFunctionResponse.start_execution = _limited_start_execution  # type: ignore[method-assign,assignment]
    _install_quotas()
    cognito_fidelity.install()
    if not hasattr(ApiGatewayV2Response, "update_stage"):
        ApiGatewayV2Response.update_stage = _update_stage  # type: ignore[attr-defined]
    if _parse is None:
        _parse = AmazonStateLanguageParser.parse
        EvalComponent.heap_key = property(lambda component: f"{type(component).__name__}-{id(component)}")  # type: ignore[method-assign,assignment]
        AmazonStateLanguageParser.parse = staticmethod(_parse_once)  # type: ignore[method-assign]
    if _stub is None:
        # botocore runs every before-send hook and keeps the first answer: without this, moto would still
        # perform a request that an earlier hook (a Lambda stand-in, an injected fault) already answered.
        _stub = BotocoreStubber.__call__
        BotocoreStubber.__call__ = _unless_answered  # type: ignore[method-assign,assignment]


def answered(request: Any) -> None:
    """Mark a request as answered by a hook ahead of moto's stub, so that moto leaves it alone."""
    setattr(request, ANSWERED, True)


def _unless_answered(stubber: BotocoreStubber, event_name: str, request: Any, **kwargs: Any) -> Any:
    assert _stub is not None
    return None if getattr(request, ANSWERED, False) else _stub(stubber, event_name, request, **kwargs)


def _limited_start_execution(response: StepFunctionResponse) -> Any:
    assert _start_execution is not None
    size = len((response._get_param("input") or "").encode())
    if size > MAX_EXECUTION_INPUT:
        constraint = f"Member must have length less than or equal to {MAX_EXECUTION_INPUT}"
        raise ValidationException(f"1 validation error detected: Value at 'input' failed to satisfy constraint: {constraint}")
    return _start_execution(response)


def _item_keys(handler: DynamoHandler, operation: str, body: dict[str, Any]) -> list[tuple[str, str]]:
    """The items a write touches, as (table, key)."""
    if operation == "TransactWriteItems":
        targets = [next(iter(action.values())) for action in body.get("TransactItems", [])]
    elif operation in WRITES:
        targets = [body]
    else:
        return []
    keys = []
    for target in targets:
        table_name = target.get("TableName", "")
        attributes = target.get("Key") or target.get("Item") or {}
        try:
            table = handler.dynamodb_backend.get_table(table_name)
            names = [name for name in (table.hash_key_attr, table.range_key_attr) if name]
        except Exception:  # noqa: BLE001 - an unknown table: moto answers that itself
            names = sorted(attributes)
        keys.append((table_name, json.dumps({name: attributes.get(name) for name in names}, sort_keys=True)))
    return keys


def _isolated(handler: DynamoHandler) -> Any:
    assert _original is not None
    operation = handler.get_endpoint_name(handler.headers) or ""
    raw = handler.body
    body = json.loads(raw) if isinstance(raw, str | bytes) and raw else {}
    keys = _item_keys(handler, operation, body)
    if _settings["conflicts"] and keys:
        with _registry:
            now = time.monotonic()
            busy = [_in_progress.get(key, 0.0) > now for key in keys]
        if any(busy):
            conflicts_returned[operation] += 1
            return conflict_response(operation, busy)
    with _backend:
        try:
            return _original(handler)
        finally:
            if operation == "TransactWriteItems":
                with _registry:
                    now = time.monotonic()
                    for stale in [key for key, until in _in_progress.items() if until <= now]:
                        del _in_progress[stale]
                    _in_progress.update(dict.fromkeys(keys, now + float(_settings["window"])))
