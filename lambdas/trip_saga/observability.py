"""One Logger for every function, and the step metrics; configured by POWERTOOLS_* env vars.

Tracing is Lambda's own: every function runs with X-Ray active tracing (Terraform's tracing_config), so
each invocation is a segment (initialisation, invocation, overhead) in the execution's trace without
the X-Ray SDK in the function. Powertools' Tracer would add a subsegment per AWS call, but it imports
the SDK (aws_xray_sdk, wrapt, asyncio) and patches botocore: about as much again as boto3 itself on a
cold start, which a customer waits for (docs/benchmarks.md, figure c). So no Tracer is created here.

Metrics (EMF, namespace POWERTOOLS_METRICS_NAMESPACE, dimensions `service` and `step` — six steps,
so cardinality stays at six per metric):

| metric               | when                                                                |
|----------------------|---------------------------------------------------------------------|
| `StepSucceeded`      | a forward step reserved or charged (or found it already done)        |
| `BusinessFailure`    | a forward step was refused: sold out, declined, invalid, conflict…   |
| `TransientFailure`   | a forward step hit DependencyUnavailable (the state machine retries) |
| `StepErrored`        | a forward step raised anything else: a bug                          |
| `CompensationRan`    | a compensation completed (or found it already done)                  |
| `CompensationFailed` | a compensation attempt failed (retried; alarmed on in Terraform)     |
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from aws_lambda_powertools.logging import Logger
from aws_lambda_powertools.logging.lambda_context import build_lambda_context_model
from aws_lambda_powertools.metrics import MetricUnit, single_metric

from trip_saga.errors import DependencyUnavailable, SagaError

logger = Logger()
_cold_start = [True]


@contextmanager
def invocation_keys(context: Any, *, correlation_id: str | None, **keys: object) -> Iterator[None]:
    """What Powertools' inject_lambda_context adds to every log line (the Lambda context, cold start,
    correlation id), plus our own keys, kept per thread: on Lambda one invocation runs at a time, but the
    local engine runs many in one process and no invocation's keys may appear on another's lines."""
    cold_start, _cold_start[0] = _cold_start[0], False
    logger.thread_safe_clear_keys()
    logger.thread_safe_append_keys(
        cold_start=cold_start, correlation_id=correlation_id, **build_lambda_context_model(context).__dict__, **keys
    )
    try:
        yield
    finally:
        logger.thread_safe_clear_keys()


def step_metric(*, compensates: bool, error: BaseException | None) -> str:
    """The name of the metric an invocation counts (see the table above)."""
    if compensates:
        return "CompensationRan" if error is None else "CompensationFailed"
    if error is None:
        return "StepSucceeded"
    if isinstance(error, DependencyUnavailable):
        return "TransientFailure"
    return "BusinessFailure" if isinstance(error, SagaError) else "StepErrored"


def count_step(state: str, name: str) -> None:
    """One metric per invocation. single_metric flushes at once: nothing carries over between invocations."""
    with single_metric(name=name, unit=MetricUnit.Count, value=1) as metric:
        metric.add_dimension(name="step", value=state)
