"""Builds the Lambda handler for a saga step: parse, run the step, log and measure. Nothing else."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from trip_saga.errors import BookingNotCancellable, CompensationFailed, InvalidBookingRequest, SagaError
from trip_saga.models import TaskEvent, parse_model
from trip_saga.observability import count_step, invocation_keys, logger, step_metric
from trip_saga.repository import ReservationRepository
from trip_saga.steps import STEPS, Attempt, run_step

# The environment contract (Terraform and the local engine set exactly these).
TABLE_NAME_ENV = "TABLE_NAME"
FAULT_INJECTION_ENV = "FAULT_INJECTION_ENABLED"

Handler = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]


def faults_enabled() -> bool:
    value = os.environ.get(FAULT_INJECTION_ENV, "false")
    if value not in ("true", "false"):
        raise RuntimeError(f"{FAULT_INJECTION_ENV} must be 'true' or 'false', not {value!r}")
    return value == "true"


def handler_for(state: str) -> Handler:
    step = STEPS[state]

    def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        request = event.get("request") if isinstance(event, dict) else None
        booking_id = request.get("booking_id") if isinstance(request, dict) else None
        with invocation_keys(context, correlation_id=booking_id if isinstance(booking_id, str) else None, step=state):
            return run(event, context)

    def run(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        try:
            task = parse_model(event, TaskEvent)
            logger.thread_safe_append_keys(execution_arn=task.execution_arn, retry_count=task.retry_count)
            # Read per invocation, not at import: cheap, and keeps handlers free of import-time config.
            repository = ReservationRepository(os.environ[TABLE_NAME_ENV], context)
            attempt = Attempt(
                task.request,
                task.execution_arn,
                task.retry_count,
                context,
                task.redrive_count,
                task.cancellation_arn,
                task.reconciliation_arn,
                _last_attempt(event),
            )
            result = run_step(step, attempt, repository, faults_enabled=faults_enabled())
        except Exception as error:
            count_step(state, step_metric(compensates=step.compensates, error=error))
            if isinstance(error, SagaError):
                logger.warning("step refused", extra={"error": type(error).__name__, "reason": str(error)})
            else:
                logger.exception("step errored")
            if _last_attempt(event) and not isinstance(error, InvalidBookingRequest | BookingNotCancellable):
                # The execution fails here, with the error its alarm and runbook name, at a Task state
                # RedriveExecution resumes (a Fail state would only fail again). A cancellation that
                # learns only now that its booking is not confirmed (rolled back while its gate failed)
                # changed nothing and has nothing to finish: that refusal stays itself.
                raise CompensationFailed(f"{state}: {type(error).__name__}: {error}") from error
            raise
        count_step(state, step_metric(compensates=step.compensates, error=None))
        logger.info("step done", extra={"status": result.status, "changed": result.changed})
        return result.model_dump(mode="json")

    handler.__name__ = handler.__qualname__ = state
    return handler


def _last_attempt(event: Any) -> bool:
    return isinstance(event, dict) and event.get("last_attempt") is True
