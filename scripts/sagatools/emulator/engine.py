"""The local engine: the saga's real ASL on moto's Step Functions interpreter, moto's DynamoDB, and
Lambda invocations answered in-process by the real handler functions.

Lambda is stood in for by a botocore `before-send` hook on `lambda.Invoke`, registered ahead of
moto's own stubber, so the interpreter's `arn:aws:states:::lambda:invoke` calls reach our handlers
and get exactly what Lambda's Python runtime sends back (status 200, `x-amzn-RequestId`, and for an
exception `X-Amz-Function-Error: Unhandled` with `{errorType, errorMessage, requestId, stackTrace}`)."""

from __future__ import annotations

import importlib
import io
import json
import logging
import os
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Collection, Iterator, Mapping, MutableMapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any
from unittest import mock
from urllib.parse import unquote

import boto3
from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from botocore.exceptions import ConnectionClosedError, ReadTimeoutError
from moto import mock_aws
from moto.core.botocore_stubber import MockRawResponse
from moto.core.models import botocore_stubber

from sagatools.client import inventory
from sagatools.client.saga_client import ExecutionReport, SagaClient
from sagatools.contract import asl, catalog
from sagatools.contract.paths import TEMPLATES
from sagatools.contract.settings import DEPLOY_DEFAULTS, state_machine_settings
from sagatools.emulator import moto_fidelity, sfn_fidelity
from sagatools.emulator.aws_faults import FaultPlan, error_response

REGION = "us-east-1"
ACCOUNT = "123456789012"
_RETRIER = "moto.stepfunctions.parser.asl.component.common.retry.retrier_decl.time"
_TASK_CLIENTS = "moto.stepfunctions.parser.asl.component.state.exec.state_task.lambda_eval_utils.boto_client_for"


_TRANSACT_ACTIONS = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem", "ConditionCheck": "ConditionCheckItem"}


class ThreadEnviron(MutableMapping[str, str]):
    """os.environ as each thread sees it: the process environment, plus, on the thread running a
    handler, that function's environment. Each handler gets its own environment and no other thread
    ever sees the process environment change (mutating os.environ per call races with every thread
    that reads it, such as the interpreter's own boto3 clients)."""

    def __init__(self, base: MutableMapping[str, str]) -> None:
        self._base = base
        self._local = threading.local()

    def _overlay(self) -> Mapping[str, str]:
        overlay: Mapping[str, str] = getattr(self._local, "overlay", None) or {}
        return overlay

    def __getitem__(self, key: str) -> str:
        overlay = self._overlay()
        return overlay[key] if key in overlay else self._base[key]

    def __setitem__(self, key: str, value: str) -> None:
        self._base[key] = value

    def __delitem__(self, key: str) -> None:
        del self._base[key]

    def __iter__(self) -> Iterator[str]:
        return iter({**self._base, **self._overlay()})

    def __len__(self) -> int:
        return len({**self._base, **self._overlay()})

    def copy(self) -> dict[str, str]:
        return dict(self)

    @contextmanager
    def overlay(self, environment: Mapping[str, str]) -> Iterator[None]:
        self._local.overlay = dict(environment)
        try:
            yield
        finally:
            self._local.overlay = None


class ThreadStdout(io.TextIOBase):
    """sys.stdout as each thread sees it: a thread running a handler writes to that invocation's log
    buffer (its function's log stream), every other thread to the real stdout."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self._local = threading.local()

    def write(self, text: str) -> int:
        buffer = getattr(self._local, "buffer", None)
        return int((buffer or self.real).write(text))

    def flush(self) -> None:
        (getattr(self._local, "buffer", None) or self.real).flush()

    @contextmanager
    def capture(self) -> Iterator[io.StringIO]:
        self._local.buffer = io.StringIO()
        try:
            yield self._local.buffer
        finally:
            self._local.buffer = None


@dataclass
class _Invocation:
    """The handler invocation a thread is running: what the SDK-boundary hooks need to know."""

    function: str  # deployed name
    step: str  # the fault key of its step
    booking_id: str
    aws_faults: dict[str, str] | None
    clock: VirtualClock


class _Timedout(Exception):
    error_type = "Sandbox.Timedout"


def _stub(state: str) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    """A handler that does nothing but fail where the request's `faults` says `fail`, so it follows
    the same path through the state machine as the real one."""
    from trip_saga.steps import STEPS

    fault_key = STEPS[state].fault_key

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        if (event.get("request", {}).get("faults") or {}).get(fault_key) == "fail":
            raise RuntimeError(f"{state} failed (stub)")
        return {"status": "DONE", "reference": None}

    return handler


def _fault_key(state: str) -> str:
    from trip_saga.steps import STEPS

    return STEPS[state].fault_key


class VirtualClock:
    """What a handler slept. A long sleep is instant, so a handler that hangs past its timeout costs
    nothing here, yet is stopped as Lambda would stop it; short ones (backoff) really wait."""

    def __init__(self) -> None:
        self.slept = 0.0

    def sleep(self, seconds: float) -> None:
        self.slept += seconds


@dataclass(frozen=True)
class LocalContext:
    """What Lambda passes as `context`: the attributes Powertools reads."""

    function_name: str
    invoked_function_arn: str
    aws_request_id: str
    timeout: float
    clock: VirtualClock = field(default_factory=VirtualClock)
    # The function's own time: its thread's CPU time plus what it slept. Wall time would count the other
    # handlers sharing this process's GIL, which on Lambda run on CPUs of their own.
    started: float = field(default_factory=time.thread_time)
    memory_limit_in_mb: int = 256
    function_version: str = "$LATEST"
    log_group_name: str = ""
    log_stream_name: str = ""

    def elapsed(self) -> float:
        return time.thread_time() - self.started + self.clock.slept

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.timeout - self.elapsed()) * 1000))


class LocalEngine:
    """Use as a context manager; everything lives in memory and is gone on exit."""

    def __init__(
        self,
        *,
        prefix: str = "trip-saga-local",
        fault_injection: bool = True,
        settings: Mapping[str, Any] | None = None,
        inventory_items: Mapping[str, list[dict[str, Any]]] | None = None,
        stub_handlers: bool = False,
        transaction_conflicts: bool = True,
    ) -> None:
        self.prefix = prefix
        self.fault_injection = fault_injection
        self.settings = {**state_machine_settings(), **(settings or {})}
        self.inventory_items = inventory_items if inventory_items is not None else inventory.inventory_items()
        self.function_timeout = float(DEPLOY_DEFAULTS["lambda_timeout_seconds"])
        self.retry_sleeps: list[float] = []  # every retry interval the interpreter asked for, not slept
        self.invocations: list[tuple[str, str]] = []  # (function name, errorType or "") in call order
        # Each execution's invocations (function names, in call order), by the execution that made them:
        # what its history must show (TaskScheduled), checked by the property test.
        self.invoked_by: dict[str, list[str]] = {}
        self._stop_on_invoke: set[tuple[str, str]] = set()  # (execution ARN, function name): stop it then
        self.logs: dict[str, list[str]] = {}  # function name -> its stdout lines (logs and EMF metrics)
        self.dynamodb_calls: list[tuple[str, str]] = []  # (function, IAM action) per item a handler writes or reads
        self.dynamodb_requests: list[tuple[str, str, int]] = []  # (function, API operation, items) per request a handler makes
        self.durations: list[float] = []  # seconds each handler invocation took
        self.dynamodb_seconds = 0.0  # of which spent in DynamoDB (moto) requests
        self._request_started = threading.local()
        self.stub_handlers = stub_handlers  # handlers that do nothing (but fail where asked): the benchmark's floor
        # Handlers run concurrently, as on Lambda; moto_fidelity gives moto DynamoDB's isolation and conflicts.
        self.transaction_conflicts = transaction_conflicts
        self.aws_faults = FaultPlan()  # AWS-level faults requested in `faults.aws`, injected at the SDK boundary
        self._invocation = threading.local()
        self._counters = threading.Lock()
        self._running = 0
        self.peak_concurrency = 0  # the most handler invocations that ran at once
        self._stack = ExitStack()
        self._functions: dict[str, tuple[catalog.Function, Callable[..., Any], dict[str, str]]] = {}

    # -- lifecycle -----------------------------------------------------------------------------------
    def __enter__(self) -> LocalEngine:
        # A setup that fails closes what it opened: a mock_aws left open would keep moto from resetting
        # for every later engine of the process (moto resets only when its outermost mock starts).
        try:
            return self._start()
        except BaseException:
            self._stack.close()
            raise

    def _start(self) -> LocalEngine:
        stack = self._stack
        stack.enter_context(
            mock.patch.dict(
                os.environ,
                {
                    "AWS_ACCESS_KEY_ID": "testing",
                    "AWS_SECRET_ACCESS_KEY": "testing",
                    "AWS_SESSION_TOKEN": "testing",
                    "AWS_DEFAULT_REGION": REGION,
                    "POWERTOOLS_TRACE_DISABLED": "true",
                },
            )
        )
        self._environ = ThreadEnviron(os.environ)
        stack.enter_context(mock.patch("os.environ", self._environ))
        stack.enter_context(mock_aws(config={"stepfunctions": {"execute_state_machine": True}}))
        moto_fidelity.install(conflicts=self.transaction_conflicts)
        sfn_fidelity.install()  # StopExecution, RedriveExecution, status-change events to rules' targets
        stack.enter_context(mock.patch(_RETRIER, SimpleNamespace(sleep=self.retry_sleeps.append)))
        stack.enter_context(mock.patch("trip_saga.clock.sleep", self._sleep))
        # The SDK's own retry backoff, in a handler, passes on its virtual clock (as the interpreter's Retry does).
        stack.enter_context(mock.patch("botocore.endpoint.time", SimpleNamespace(sleep=self._sdk_sleep)))
        self._stdout = ThreadStdout(sys.stdout)
        stack.enter_context(mock.patch("sys.stdout", self._stdout))
        from trip_saga.observability import logger

        previous_stream = logger.registered_handler.setStream(self._stdout)  # type: ignore[attr-defined]
        stack.callback(logger.registered_handler.setStream, previous_stream)  # type: ignore[attr-defined]
        logging.getLogger("moto.stepfunctions.parser").setLevel(logging.CRITICAL)
        events = boto3._get_default_session().events
        hook_id = f"trip-saga-local-{id(self)}"
        events.register_first("before-send.lambda.Invoke", self._answer_invoke, unique_id=hook_id)
        stack.callback(events.unregister, "before-send.lambda.Invoke", unique_id=hook_id)
        events.register_first("before-send.dynamodb", self._inject_aws_fault, unique_id=f"{hook_id}-aws-faults")
        stack.callback(events.unregister, "before-send.dynamodb", unique_id=f"{hook_id}-aws-faults")
        events.register("before-parameter-build.dynamodb", self._record_dynamodb_call, unique_id=f"{hook_id}-dynamodb")
        stack.callback(events.unregister, "before-parameter-build.dynamodb", unique_id=f"{hook_id}-dynamodb")
        for event, timer in (("before-call.dynamodb", self._start_request), ("after-call.dynamodb", self._end_request)):
            events.register(event, timer, unique_id=f"{hook_id}-{event}")
            stack.callback(events.unregister, event, unique_id=f"{hook_id}-{event}")
        # The interpreter creates a Lambda client for every task (a tenth of its time); clients are
        # thread-safe, so one per region serves this engine (created after its hooks, which clients copy).
        task_clients: dict[tuple[Any, ...], Any] = {}
        create_task_client = importlib.import_module(_TASK_CLIENTS.rsplit(".", 1)[0]).boto_client_for
        task_clients_lock = threading.Lock()

        def task_client(region: str, service: str, state_credentials: Any = None) -> Any:
            with task_clients_lock:
                key = (region, service, repr(state_credentials))
                if key not in task_clients:
                    task_clients[key] = create_task_client(region, service, state_credentials)
                return task_clients[key]

        stack.enter_context(mock.patch(_TASK_CLIENTS, task_client))
        self.dynamodb = boto3.client("dynamodb", region_name=REGION)
        self._lambda_client = boto3.client("lambda", region_name=REGION)
        self.sfn = boto3.client("stepfunctions", region_name=REGION)
        self._create_tables()
        self._create_functions()
        self.alert_topic_arn = self._create_alert_topic()
        self._create_state_machines()
        self.saga = SagaClient(
            state_machine_arn=self.state_machine_arn,
            table_names={service: self.table_name(service) for service in catalog.load().tables},
            session=boto3.Session(region_name=REGION),
            poll_seconds=0.01,
            cancellation_arn=self.cancellation_arn,
            reconciliation_arn=self.reconciliation_arn,
        )
        inventory.seed(self.saga.dynamodb, self.saga.table_names, self.inventory_items)
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self._wait_for_running()
        finally:
            self._stack.close()

    # -- resources -------------------------------------------------------------------------------------
    def table_name(self, service: str) -> str:
        return f"{self.prefix}-{catalog.load().tables[service]}"

    @property
    def bookings_table_name(self) -> str:
        """The bookings API's own table (modules/api)."""
        return f"{self.prefix}-bookings"

    def _create_tables(self) -> None:
        for service in catalog.load().tables:
            self.dynamodb.create_table(TableName=self.table_name(service), **catalog.TABLE_SCHEMA)
        self.dynamodb.create_table(TableName=self.bookings_table_name, **catalog.TABLE_SCHEMA)

    def _create_alert_topic(self) -> str:
        """The alert topic, with a queue subscribed so tests can read what operators would be sent."""
        sns, sqs = boto3.client("sns", region_name=REGION), boto3.client("sqs", region_name=REGION)
        topic_arn: str = sns.create_topic(Name=f"{self.prefix}-saga-alerts")["TopicArn"]
        self._inbox = sqs.create_queue(QueueName=f"{self.prefix}-alert-inbox")["QueueUrl"]
        inbox_arn = sqs.get_queue_attributes(QueueUrl=self._inbox, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=inbox_arn, Attributes={"RawMessageDelivery": "true"})
        return topic_arn

    def alerts(self, of: Collection[str] | None = None) -> list[dict[str, Any]]:
        """Alerts published since the last call (each the JSON message AlertOperator sends); with `of`,
        only those published by these executions (the `execution_arn` attribute AlertOperator sets)."""
        sqs = boto3.client("sqs", region_name=REGION)
        received: list[dict[str, Any]] = []
        while messages := sqs.receive_message(QueueUrl=self._inbox, MaxNumberOfMessages=10, MessageAttributeNames=["execution_arn"]).get(
            "Messages", []
        ):
            for message in messages:
                publisher = message.get("MessageAttributes", {}).get("execution_arn", {}).get("StringValue")
                if of is None or publisher in of:
                    received.append(json.loads(message["Body"]))
                sqs.delete_message(QueueUrl=self._inbox, ReceiptHandle=message["ReceiptHandle"])
        return received

    @property
    def lambda_client(self) -> Any:
        """A Lambda client for this engine (its invocations are answered by the handlers)."""
        return self._lambda_client

    @property
    def function_names(self) -> dict[str, str]:
        return {function.key: f"{self.prefix}-{function.key}" for function in catalog.load().functions}

    def function_arn(self, function: catalog.Function) -> str:
        return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{self.prefix}-{function.key}"

    def _create_functions(self) -> None:
        for function in catalog.load().functions:
            module_name, attribute = function.handler.rsplit(".", 1)
            handler = _stub(function.state) if self.stub_handlers else getattr(importlib.import_module(module_name), attribute)
            environment = catalog.function_environment(function, prefix=self.prefix, fault_injection=self.fault_injection)
            self._functions[f"{self.prefix}-{function.key}"] = (function, handler, environment)
        # A new engine is a cold start: no DynamoDB client built under another engine's hooks survives.
        from trip_saga.repository import table_resource

        table_resource.cache_clear()

    def template_values(self, workflow: str) -> dict[str, Any]:
        """What Terraform's templatefile() gets for a workflow's template (the root module's wiring)."""
        settings = {name: value for name, value in self.settings.items() if name in state_machine_settings(workflow)}
        values: dict[str, Any] = {**settings, **{f.arn_placeholder: self.function_arn(f) for f in catalog.load().invoked_by(workflow)}}
        if workflow != "reconciliation":  # the machines that alert
            values |= {"alert_topic_arn": self.alert_topic_arn, "metrics_namespace": catalog.METRICS_NAMESPACE}
        return values

    def _create_state_machine(self, workflow: str, name: str) -> str:
        response = self.sfn.create_state_machine(
            name=f"{self.prefix}-{name}",
            definition=asl.render(self.template_values(workflow), TEMPLATES[workflow]),
            roleArn=f"arn:aws:iam::{ACCOUNT}:role/{self.prefix}-{name}",
            type="STANDARD",
        )
        arn: str = response["stateMachineArn"]
        return arn

    def _create_state_machines(self) -> None:
        """The three machines, and the rule that starts a reconciliation for each booking saga execution
        that ends stopped, timed out or failed (modules/state_machine's started_by_status_of)."""
        self.state_machine_arn = self._create_state_machine("booking", "booking-saga")
        self.cancellation_arn = self._create_state_machine("cancellation", "cancellation")
        self.reconciliation_arn = self._create_state_machine("reconciliation", "reconciliation")
        events = boto3.client("events", region_name=REGION)
        pattern = {
            "source": ["aws.states"],
            "detail-type": ["Step Functions Execution Status Change"],
            "detail": {"stateMachineArn": [self.state_machine_arn], "status": ["ABORTED", "TIMED_OUT", "FAILED"]},
        }
        events.put_rule(Name=f"{self.prefix}-reconciliation", EventPattern=json.dumps(pattern))
        role = f"arn:aws:iam::{ACCOUNT}:role/{self.prefix}-reconciliation-events"
        events.put_targets(
            Rule=f"{self.prefix}-reconciliation", Targets=[{"Id": "reconciliation", "Arn": self.reconciliation_arn, "RoleArn": role}]
        )

    # -- Lambda stand-in -------------------------------------------------------------------------------
    def _answer_invoke(self, request: AWSPreparedRequest, **_: Any) -> AWSResponse | None:
        name = unquote(request.url.split("/functions/", 1)[1].split("/", 1)[0]).rsplit(":function:", 1)[-1]
        if name not in self._functions:
            return None  # another engine's function (or moto's own Lambda): not ours to answer
        function, handler, environment = self._functions[name]
        moto_fidelity.answered(request)
        event = json.loads(request.body or b"{}")
        request_id = str(uuid.uuid4())
        headers = {"x-amzn-RequestId": request_id, "X-Amz-Executed-Version": "$LATEST", "Content-Type": "application/json"}
        request_body = event.get("request") if isinstance(event, dict) else None
        request_body = request_body if isinstance(request_body, dict) else {}
        faults = request_body.get("faults")
        faults = faults if isinstance(faults, dict) else {}
        invocation = _Invocation(name, _fault_key(function.state), str(request_body.get("booking_id")), faults.get("aws"), VirtualClock())
        invoker = next(
            (
                event.get(key)
                for key in ("cancellation_arn", "reconciliation_arn", "execution_arn")
                if isinstance(event, dict) and event.get(key)
            ),
            None,
        )
        with self._counters:
            self.invoked_by.setdefault(str(invoker or "direct"), []).append(name)
            stop = (str(invoker), name) in self._stop_on_invoke
            self._stop_on_invoke.discard((str(invoker), name))
            if sys.stdout is not self._stdout:  # someone (pytest's capture) replaced it since: wrap theirs
                self._stdout.real, sys.stdout = sys.stdout, self._stdout
            self._running += 1
            self.peak_concurrency = max(self.peak_concurrency, self._running)
        if stop:  # as the console's Stop, while this task runs (which still finishes, and lands its write). Before
            # the handler, not beside it: a fast task could otherwise end the execution before the stop lands.
            self.sfn.stop_execution(executionArn=str(invoker))
        with self._environ.overlay(environment), self._stdout.capture() as log:
            self._invocation.current = invocation
            context = LocalContext(name, self.function_arn(function), request_id, self.function_timeout, invocation.clock)
            try:
                started = time.perf_counter()
                try:
                    payload: Any = handler(event, context)
                finally:
                    self.durations.append(time.perf_counter() - started)
                if context.elapsed() > self.function_timeout:  # what Lambda answers for a function it stopped
                    raise _Timedout(f"RequestId: {request_id} Error: Task timed out after {self.function_timeout:.2f} seconds")
                self.invocations.append((name, ""))
            except Exception as error:  # noqa: BLE001 - any exception is the function's error, as on Lambda
                error_type = _Timedout.error_type if isinstance(error, _Timedout) else type(error).__name__
                self.invocations.append((name, error_type))
                headers["X-Amz-Function-Error"] = "Unhandled"
                payload = {"errorMessage": str(error), "errorType": error_type}
                if not isinstance(error, _Timedout):
                    payload["requestId"] = request_id
                    payload["stackTrace"] = traceback.format_list(traceback.extract_tb(error.__traceback__))
            finally:
                self._invocation.current = None
                with self._counters:
                    self._running -= 1
                    self.logs.setdefault(name, []).extend(log.getvalue().splitlines())
        return AWSResponse(request.url, 200, headers, MockRawResponse(json.dumps(payload)))

    def _current(self) -> _Invocation | None:
        """The invocation this thread runs (None on the engine's and the interpreter's own threads)."""
        current: _Invocation | None = getattr(self._invocation, "current", None)
        return current

    def _sleep(self, seconds: float) -> None:
        """trip_saga.clock.sleep in a handler: short waits (backoff, while other transactions finish) are
        real; a long one (a handler hanging past its timeout) passes on the invocation's virtual clock."""
        invocation = self._current()
        if invocation is not None:
            invocation.clock.sleep(seconds)
        if invocation is None or seconds <= 1:
            time.sleep(seconds)

    def _sdk_sleep(self, seconds: float) -> None:
        invocation = self._current()
        if invocation is None:
            time.sleep(seconds)
        else:
            invocation.clock.sleep(seconds)

    def _inject_aws_fault(self, request: AWSPreparedRequest, event_name: str, **_: Any) -> AWSResponse | None:
        """AWS-level faults (faults.aws) at the SDK boundary: DynamoDB's error responses, or a write that
        lands while its response is slow or lost; the SDK then retries as it would on AWS."""
        invocation = self._current()
        if invocation is None or not invocation.aws_faults:
            return None
        operation = event_name.rsplit(".", 1)[-1]
        kind = self.aws_faults.fault_for(
            step=invocation.step, booking_id=invocation.booking_id, aws=invocation.aws_faults, operation=operation
        )
        if kind is None:
            return None
        if kind in ("slow", "lost"):
            botocore_stubber(event_name=event_name, request=request)  # the write lands
            moto_fidelity.answered(request)
            if kind == "slow":
                from trip_saga.aws import CLIENT_CONFIG

                invocation.clock.sleep(float(CLIENT_CONFIG.read_timeout))
                raise ReadTimeoutError(endpoint_url=request.url)
            raise ConnectionClosedError(endpoint_url=request.url)
        status, headers, body = error_response(kind, operation, json.loads(request.body or b"{}"))
        moto_fidelity.answered(request)
        return AWSResponse(request.url, status, headers, MockRawResponse(body))

    def _record_dynamodb_call(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        """Each DynamoDB request a handler makes, as the IAM actions it needs (a transaction needs its items')."""
        invocation = self._current()
        if invocation is None:  # the engine's own reads
            return
        with self._counters:
            self.dynamodb_requests.append((invocation.function, model.name, len(params.get("TransactItems", [None]))))
            if model.name == "TransactWriteItems":
                for item in params["TransactItems"]:
                    for kind in item:
                        self.dynamodb_calls.append((invocation.function, f"dynamodb:{_TRANSACT_ACTIONS[kind]}"))
            else:
                self.dynamodb_calls.append((invocation.function, f"dynamodb:{model.name}"))

    def _start_request(self, **_: Any) -> None:
        self._request_started.at = time.perf_counter()

    def _end_request(self, **_: Any) -> None:
        started = getattr(self._request_started, "at", None)
        if self._current() is not None and started is not None:
            with self._counters:
                self.dynamodb_seconds += time.perf_counter() - started

    def stop_when_invoked(self, execution_arn: str, function_key: str) -> None:
        """Stop the execution (StopExecution) the first time it invokes this function, while that task runs."""
        with self._counters:
            self._stop_on_invoke.add((execution_arn, f"{self.prefix}-{function_key}"))

    def invoke(self, function_key: str, event: Mapping[str, Any]) -> dict[str, Any]:
        """Invoke one function the way any client would (through boto3's Lambda client)."""
        response = self._lambda_client.invoke(FunctionName=f"{self.prefix}-{function_key}", Payload=json.dumps(event).encode())
        return {"function_error": response.get("FunctionError"), "payload": json.loads(response["Payload"].read())}

    # -- executions (see SagaClient) ---------------------------------------------------------------------
    def start(self, request: Mapping[str, Any], *, name: str | None = None) -> str:
        return self.saga.start(request, name=name)

    def wait(self, execution_arn: str, *, timeout: float = 60) -> dict[str, Any]:
        return self.saga.wait(execution_arn, timeout=timeout)

    def items(self, booking_id: str) -> dict[str, dict[str, Any] | None]:
        return self.saga.items(booking_id)

    def all_items(self) -> dict[str, list[dict[str, Any]]]:
        return self.saga.all_items()

    def run(self, request: Mapping[str, Any], *, name: str | None = None, timeout: float = 60) -> ExecutionReport:
        return self.saga.run(request, name=name, timeout=timeout)

    def _wait_for_running(self) -> None:
        # Executions run on moto's background threads: let them end before the mock goes away.
        for machine in (self.state_machine_arn, self.cancellation_arn, self.reconciliation_arn):
            for execution in self.sfn.list_executions(stateMachineArn=machine)["executions"]:
                if execution["status"] == "RUNNING":
                    self.saga.wait(execution["executionArn"], timeout=30)
