"""One Logger and Tracer for every function, and the step metric; configured by POWERTOOLS_* env vars."""

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.metrics import MetricUnit, single_metric

logger = Logger()
tracer = Tracer()


def count_step(state: str, outcome: str) -> None:
    """One EMF metric per invocation: `Step<Outcome>` by step name (low cardinality: six values).

    single_metric flushes at once, so nothing is carried over between invocations of a warm function."""
    with single_metric(name=f"Step{outcome}", unit=MetricUnit.Count, value=1) as metric:
        metric.add_dimension(name="step", value=state)
