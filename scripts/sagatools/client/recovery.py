"""Finishing a saga that ended in CompensationFailed, once the cause is fixed (the runbook's step).

Every compensation is idempotent, so the safe way to finish is to run all three again, newest first,
with the booking's original request: whatever already happened is a no-op, whatever did not happens
now. `faults` are dropped from the request: they are test-only, and a drill's fault is "fixed" too."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sagatools.client.saga_client import SagaClient
from sagatools.contract import catalog


class RecoveryError(RuntimeError):
    pass


@dataclass(frozen=True)
class Finished:
    booking_id: str
    execution_arn: str
    results: dict[str, dict[str, Any]]  # function key -> its answer


def finish_compensations(
    saga: SagaClient, lambda_client: Any, function_names: dict[str, str], booking_id: str, execution_arn: str | None = None
) -> Finished:
    """Re-run the compensations as the failed execution (its ARN proves what it owns: the booking's
    execution by default, the one named after the booking id)."""
    execution_arn = execution_arn or saga.execution_arn(booking_id)
    description = saga.sfn.describe_execution(executionArn=execution_arn)
    if (description["status"], description.get("error")) != ("FAILED", "CompensationFailed"):
        raise RecoveryError(f"{booking_id}: execution is {description['status']} ({description.get('error')}), not CompensationFailed")
    request = json.loads(description["input"])
    request.pop("faults", None)
    results = {}
    for key in (function.key for function in catalog.load().compensations):  # newest first, as the chain runs them
        response = lambda_client.invoke(
            FunctionName=function_names[key],
            Payload=json.dumps({"request": request, "execution_arn": execution_arn}).encode(),
        )
        answer = json.loads(response["Payload"].read())
        if response.get("FunctionError"):
            raise RecoveryError(f"{key} still fails: {answer.get('errorType')}: {answer.get('errorMessage')}")
        results[key] = answer
    return Finished(booking_id, execution_arn, results)
