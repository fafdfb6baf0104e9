"""One Logger and Tracer for every function, and the step metrics; configured by POWERTOOLS_* env vars.

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

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.metrics import MetricUnit, single_metric

from trip_saga.errors import DependencyUnavailable, SagaError

logger = Logger()
tracer = Tracer()


def outcome(*, compensates: bool, error: BaseException | None) -> str:
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
