# mypy: disable-error-code="attr-defined,typeddict-item,typeddict-unknown-key,misc,arg-type,no-untyped-call"
# (this module adds attributes and events to moto interpreter classes that do not declare them)
"""Step Functions as AWS documents it, where moto's interpreter differs (both engines install it):

- StopExecution ends an execution ABORTED at once, with its ExecutionAborted event; a task already
  running still finishes (its write lands) but the history ends at the abort
  (https://docs.aws.amazon.com/step-functions/latest/apireference/API_StopExecution.html).
- RedriveExecution: a Standard execution that ended FAILED, ABORTED or TIMED_OUT within the last
  14 days resumes, under the same ARN, at the state that did not finish, with that state's input; its
  history goes on after an ExecutionRedriven event, and `$$.Execution.RedriveCount` counts redrives
  (https://docs.aws.amazon.com/step-functions/latest/dg/redrive-executions.html,
  https://docs.aws.amazon.com/step-functions/latest/dg/input-output-contextobject.html).
  Not modelled: a Map or Parallel state is re-run whole (AWS re-runs only its failed iterations);
  the execution's TimeoutSeconds restarts with the redrive.
- Status-change events ("Step Functions Execution Status Change", source aws.states) reach the default
  bus's matching rules' targets; under a customer managed key they carry no input, output, error or
  cause (https://docs.aws.amazon.com/step-functions/latest/dg/cw-events.html,
  https://docs.aws.amazon.com/step-functions/latest/dg/encryption-at-rest.html). A Step Functions
  target is started as StartExecution with the event as its input, by `deliver` (the endpoint signs it
  with the target's role); other targets go to moto's own delivery (SQS, CloudWatch Logs).
- An AWS SDK integration (`arn:aws:states:::aws-sdk:<service>:<action>`) takes its parameters and
  answers its result in PascalCase, as the service's API reference names them
  (https://docs.aws.amazon.com/step-functions/latest/dg/supported-services-awssdk.html): moto's
  interpreter left that normalisation out (it passes `ExecutionArn` to boto3 as is).
- DescribeExecution answers stopDate for TIMED_OUT too, and redriveCount / redriveDate / redriveStatus.
"""

from __future__ import annotations

import copy
import datetime
import functools
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import botocore.session
from botocore import xform_name
from moto.core.exceptions import JsonRESTError
from moto.core.responses import ActionResult
from moto.events.models import events_backends
from moto.stepfunctions.exceptions import ExecutionDoesNotExist
from moto.stepfunctions.parser.api import ExecutionStatus, HistoryEventType
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_aws_sdk import StateTaskServiceAwsSdk
from moto.stepfunctions.parser.asl.eval.evaluation_details import EvaluationDetails
from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails
from moto.stepfunctions.parser.asl.eval.event.event_manager import EventHistoryContext, EventManager
from moto.stepfunctions.parser.backend import execution as parser_execution
from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker
from moto.stepfunctions.responses import StepFunctionResponse

LOG = logging.getLogger(__name__)
REDRIVE_WINDOW = datetime.timedelta(days=14)  # "within 14 days of the execution's end" (redrive-executions.html)
REDRIVE_MAX = 1000  # "You can redrive an execution up to 1000 times" (redrive-executions.html)
ENDED = {ExecutionStatus.FAILED, ExecutionStatus.ABORTED, ExecutionStatus.TIMED_OUT}
DETAIL_TYPE = "Step Functions Execution Status Change"

# deliver(target, event, rule_arn): start the target for one matched event (replaced by the endpoint)
Deliver = Callable[[dict[str, Any], dict[str, Any], str], None]
_delivery: dict[str, Deliver] = {}
_installed = threading.Lock()
_done: list[bool] = []


class ExecutionNotRedrivable(JsonRESTError):
    def __init__(self, message: str) -> None:
        super().__init__("ExecutionNotRedrivable", message)


def _now() -> datetime.datetime:
    return datetime.datetime.now(tz=datetime.UTC)


def _millis(moment: datetime.datetime | None) -> int | None:
    return None if moment is None else int(moment.timestamp() * 1000)


# -- status-change events ---------------------------------------------------------------------------
def _encrypted_with_customer_key(execution: Any) -> bool:
    config = getattr(execution.state_machine, "encryptionConfiguration", None) or {}
    return config.get("type") == "CUSTOMER_MANAGED_KMS_KEY"


def status_change_event(execution: Any) -> dict[str, Any]:
    """The event EventBridge gets, as cw-events.html shows it."""
    hidden = _encrypted_with_customer_key(execution)
    status = execution.exec_status.value
    output = execution.output if status == "SUCCEEDED" else None
    detail = {
        "executionArn": execution.exec_arn,
        "stateMachineArn": execution.state_machine_arn,
        "name": execution.name,
        "status": status,
        "startDate": _millis(execution.start_date),
        "stopDate": _millis(execution.stop_date) if status != "RUNNING" else None,
        "input": None if hidden else json.dumps(execution.input_data),
        "output": None if hidden or output is None else json.dumps(output),
        "inputDetails": {"included": not hidden},
        "outputDetails": {"included": not hidden} if output is not None else None,
        "error": None if hidden else execution.error,
        "cause": None if hidden else execution.cause,
        "redriveCount": getattr(execution, "redrive_count", 0),
        "redriveDate": _millis(getattr(execution, "redrive_date", None)),
        "redriveStatus": _redrive_status(execution),
    }
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": DETAIL_TYPE,
        "source": "aws.states",
        "account": execution.account_id,
        "time": _now().strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": execution.region_name,
        "resources": [execution.exec_arn],
        "detail": detail,
    }


def _publish(execution: Any) -> None:
    """Deliver the execution's current status to the default bus's matching rules, off the interpreter's thread."""
    event = status_change_event(execution)
    threading.Thread(target=_route, args=(event,), daemon=True, name="sfn-status-event").start()


def _route(event: dict[str, Any]) -> None:
    bus = events_backends[event["account"]][event["region"]].event_buses["default"]
    for rule in list(bus.rules.values()):
        if rule.state != "ENABLED" or not rule.event_pattern.matches_event(event):
            continue
        others = [target for target in rule.targets if ":states:" not in target["Arn"]]
        for target in rule.targets:
            if ":states:" in target["Arn"]:
                try:
                    _delivery.get("deliver", _start_directly)(target, event, rule.arn)
                except Exception as error:  # noqa: BLE001 - a failed delivery is dropped (no DLQ here), as EventBridge does after its retries
                    LOG.warning("status-change event for %s not delivered to %s: %s", event["resources"], target["Arn"], error)
        if others:
            moto_rule = copy.copy(rule)
            moto_rule.targets = others
            # moto's delivery wants its own message shape (times as epoch seconds), and templates only with a transformer
            message = {**copy.deepcopy(event), "time": time.time(), "ingestion-time": time.time()}
            moto_rule.send_to_targets(message, transform_input=any("InputTransformer" in t for t in others))


_clients: dict[str, Any] = {}


def _start_directly(target: dict[str, Any], event: dict[str, Any], rule_arn: str) -> None:
    """In-process (the local engine): moto's own StartExecution, no identity to check."""
    import boto3

    region = event["region"]
    if region not in _clients:
        _clients[region] = boto3.client("stepfunctions", region_name=region)
    _clients[region].start_execution(stateMachineArn=target["Arn"], name=str(uuid.uuid4()), input=json.dumps(event))


# -- stop, and the status the interpreter reflects ----------------------------------------------------
def _stop(self: Any, stop_date: datetime.datetime, error: str | None, cause: str | None) -> None:
    stop_date = stop_date if stop_date.tzinfo else stop_date.replace(tzinfo=datetime.UTC)
    worker = self.exec_worker
    if worker is None or worker.env is None or self.exec_status != ExecutionStatus.RUNNING:
        return
    env = worker.env
    history = env.event_manager
    env.set_stop(stop_date=stop_date, cause=cause, error=error)
    last = len(history.get_event_history())
    history.add_event(
        context=EventHistoryContext(previous_event_id=last),
        event_type=HistoryEventType.ExecutionAborted,
        event_details=EventDetails(executionAbortedEventDetails={"error": error or "", "cause": cause or ""}),
    )
    env.event_manager = EventManager()  # what the stopped program still does is not this execution's history
    self.history = history
    self.exec_status = ExecutionStatus.ABORTED
    self.stop_date = stop_date
    worker.ended = True
    _publish(self)


def _reflect(original: Callable[[Any], None]) -> Callable[[Any], None]:
    def reflect_execution_status(comm: Any) -> None:
        execution = comm.execution
        worker = getattr(comm, "worker", None)
        if getattr(worker, "ended", False) or (worker is not None and execution.exec_worker is not worker):
            return  # stopped (already ABORTED), or superseded by a redrive
        original(comm)
        if worker is not None:
            worker.ended = True
        _publish(execution)

    return reflect_execution_status


def _worker_factory(original: Callable[[Any], ExecutionWorker]) -> Callable[[Any], ExecutionWorker]:
    def start_execution_worker(execution: Any) -> ExecutionWorker:
        worker = original(execution)
        worker._execution_communication.worker = worker
        worker.redrive_count = getattr(execution, "redrive_count", 0)
        worker.redrive_date = getattr(execution, "redrive_date", None)
        return worker

    return start_execution_worker


def _evaluation_environment(original: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def evaluation_environment(worker: Any) -> Any:
        env = original(worker)
        execution = env.states.context_object.context_object_data["Execution"]
        execution["RedriveCount"] = getattr(worker, "redrive_count", 0)
        if getattr(worker, "redrive_date", None) is not None:
            execution["RedriveTime"] = worker.redrive_date.isoformat()
        return env

    return evaluation_environment


def _started(original: Callable[[Any], None]) -> Callable[[Any], None]:
    def start(execution: Any) -> None:
        original(execution)
        _publish(execution)

    return start


def _history_output(original: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def to_history_output(execution: Any) -> Any:
        history = getattr(execution, "history", None)
        if history is None:
            return original(execution)
        return {"events": history.get_event_history()}

    return to_history_output


# -- redrive ------------------------------------------------------------------------------------------
def _resume_point(events: list[dict[str, Any]], top_level: set[str]) -> tuple[str, Any]:
    """The top-level state that was entered and never exited, and the input it was entered with."""
    open_states: dict[str, Any] = {}
    for event in events:
        if event["type"].endswith("StateEntered"):
            details = event["stateEnteredEventDetails"]
            if details["name"] in top_level:
                open_states[details["name"]] = json.loads(details.get("input") or "{}")
        elif event["type"].endswith("StateExited") and event["stateExitedEventDetails"]["name"] in top_level:
            open_states.pop(event["stateExitedEventDetails"]["name"], None)
    if not open_states:
        raise ExecutionNotRedrivable("Execution has no state to resume from")
    name = list(open_states)[-1]
    return name, open_states[name]


class _RedriveWorker(ExecutionWorker):
    """The interpreter again, on the same history, from the state that did not finish."""

    def __init__(self, *args: Any, history: EventManager, resume_at: str, resume_input: Any, redrive_count: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.history, self.resume_at, self.resume_input = history, resume_at, resume_input
        self.redrive_count, self.redrive_date = redrive_count, _now()

    def _execution_logic(self) -> None:
        program = copy.copy(self._get_evaluation_entrypoint())  # a copy: the parse is shared (moto_fidelity parses once)
        program.start_at = SimpleNamespace(start_at_name=self.resume_at)
        env = self._get_evaluation_environment()
        env.event_manager = self.history
        last = len(self.history.get_event_history())
        env.event_history_context = EventHistoryContext(previous_event_id=last)
        env.states.reset(input_value=self.resume_input)
        self.env = env
        self.history.add_event(
            context=env.event_history_context,
            event_type=HistoryEventType.ExecutionRedriven,
            event_details=EventDetails(executionRedrivenEventDetails={"redriveCount": self.redrive_count}),
        )
        program.eval(env)
        self._execution_communication.terminated()


def redrive(execution: Any) -> datetime.datetime:
    if execution.sm_type != "STANDARD":
        raise ExecutionNotRedrivable("Only Standard workflows' executions can be redriven")
    if execution.exec_status not in ENDED:
        raise ExecutionNotRedrivable(f"Execution is {execution.exec_status.value} and cannot be redriven")
    if execution.stop_date is None or _now() - execution.stop_date > REDRIVE_WINDOW:
        raise ExecutionNotRedrivable("Execution ended more than 14 days ago and cannot be redriven")
    if getattr(execution, "redrive_count", 0) >= REDRIVE_MAX:
        raise ExecutionNotRedrivable(f"Execution has been redriven {REDRIVE_MAX} times")
    history: EventManager = getattr(execution, "history", None) or execution.exec_worker.env.event_manager
    definition = json.loads(execution.state_machine.definition)
    resume_at, resume_input = _resume_point(history.get_event_history(), set(definition["States"]))
    execution.redrive_count = getattr(execution, "redrive_count", 0) + 1
    comm = execution._get_start_execution_worker_comm()
    worker = _RedriveWorker(
        evaluation_details=EvaluationDetails(
            aws_execution_details=execution._get_start_aws_execution_details(),
            execution_details=execution.get_start_execution_details(),
            state_machine_details=execution.get_start_state_machine_details(),
        ),
        exec_comm=comm,
        cloud_watch_logging_session=None,
        activity_store={},
        history=history,
        resume_at=resume_at,
        resume_input=resume_input,
        redrive_count=execution.redrive_count,
    )
    comm.worker = worker
    execution.redrive_date = worker.redrive_date
    execution.history = history
    execution.exec_worker = worker
    execution.exec_status, execution.stop_date, execution.error, execution.cause = ExecutionStatus.RUNNING, None, None, None
    execution.output = None
    worker.start()
    _publish(execution)
    return worker.redrive_date


def _redrive_status(execution: Any) -> str:
    if execution.exec_status not in ENDED:
        return "NOT_REDRIVABLE"
    if execution.stop_date is None or _now() - execution.stop_date > REDRIVE_WINDOW:
        return "NOT_REDRIVABLE"
    return "REDRIVABLE"


def _redrive_execution(response: StepFunctionResponse) -> ActionResult:
    arn = response._get_param("executionArn")
    execution = response.stepfunction_backend.describe_execution(arn)
    if execution is None:
        raise ExecutionDoesNotExist(f"Execution Does Not Exist: '{arn}'")
    return ActionResult({"redriveDate": redrive(execution)})


def _stop_execution(response: StepFunctionResponse) -> ActionResult:
    """StopExecution with the error and cause the caller gave (moto passes empty ones)."""
    execution = response.stepfunction_backend.describe_execution(response._get_param("executionArn"))
    execution.stop(stop_date=_now(), error=response._get_param("error"), cause=response._get_param("cause"))
    return ActionResult({"stopDate": execution.stop_date or _now()})


def _describe_execution(original: Callable[[StepFunctionResponse], ActionResult]) -> Callable[[StepFunctionResponse], ActionResult]:
    def describe_execution(response: StepFunctionResponse) -> ActionResult:
        result = original(response)
        execution = response.stepfunction_backend.describe_execution(response._get_param("executionArn"))
        body: Any = result.result
        if execution.status == "TIMED_OUT":
            body["stopDate"] = execution.stop_date
        body["redriveCount"] = getattr(execution, "redrive_count", 0)
        if getattr(execution, "redrive_date", None) is not None:
            body["redriveDate"] = execution.redrive_date
        body["redriveStatus"] = _redrive_status(execution)
        return result

    return describe_execution


# -- AWS SDK integrations' casing ----------------------------------------------------------------------
@functools.cache
def _operation(service: str, action: str) -> Any:
    model = botocore.session.get_session().get_service_model(service)
    return next(model.operation_model(name) for name in model.operation_names if xform_name(name) == action)


def _sdk_parameters(task: Any, parameters: dict[str, Any], *_: Any) -> None:
    operation = _operation(task._get_boto_service_name(), task._get_boto_service_action())
    task._to_boto_request(parameters, operation.input_shape)


def _sdk_response(task: Any, response: Any, *_: Any) -> None:
    operation = _operation(task._get_boto_service_name(), task._get_boto_service_action())
    if isinstance(response, dict):
        for key, value in response.items():  # timestamps as the JSON the service sent
            if isinstance(value, datetime.datetime):
                response[key] = value.isoformat()
    task._from_boto_response(response, operation.output_shape)


def _patch(owner: Any, name: str, value: Any) -> None:
    setattr(owner, name, value)


def install(deliver: Deliver | None = None) -> None:
    """Patch moto's Step Functions once per process; `deliver` starts a rule's Step Functions target."""
    if deliver is not None:
        _delivery["deliver"] = deliver
    with _installed:
        if _done:
            return
        _done.append(True)
        execution_class = parser_execution.Execution
        _patch(execution_class, "stop", _stop)
        _patch(execution_class, "start", _started(execution_class.start))
        _patch(execution_class, "to_history_output", _history_output(execution_class.to_history_output))
        _patch(execution_class, "_get_start_execution_worker", _worker_factory(execution_class._get_start_execution_worker))
        comm_class = parser_execution.BaseExecutionWorkerCommunication
        _patch(comm_class, "_reflect_execution_status", _reflect(comm_class._reflect_execution_status))
        _patch(ExecutionWorker, "_get_evaluation_environment", _evaluation_environment(ExecutionWorker._get_evaluation_environment))
        _patch(StateTaskServiceAwsSdk, "_normalise_parameters", _sdk_parameters)
        _patch(StateTaskServiceAwsSdk, "_normalise_response", _sdk_response)
        _patch(StepFunctionResponse, "stop_execution", _stop_execution)
        _patch(StepFunctionResponse, "redrive_execution", _redrive_execution)
        _patch(StepFunctionResponse, "describe_execution", _describe_execution(StepFunctionResponse.describe_execution))
