"""Finishing what redrive cannot (the runbook's script): the compensations of a saga that ended in
CompensationFailed, or of one that ended off the saga's paths (stopped, timed out, failed elsewhere)
whose reconciliation could not roll it back, when the cause is in the execution's input or its end is
more than 14 days ago.

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


# The saga's own endings besides CompensationFailed: every compensation ran, or nothing was written.
OWN_ENDINGS = frozenset({"SagaFailed", "InvalidBookingRequest", "BookingConflict", "Runtime.UnmarshalError"})


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
    status, error = description["status"], description.get("error")
    ended_off_its_paths = status in ("ABORTED", "TIMED_OUT") or (status == "FAILED" and error not in OWN_ENDINGS)
    if (status, error) != ("FAILED", "CompensationFailed") and not ended_off_its_paths:
        raise RecoveryError(f"{booking_id}: execution is {status} ({error}): neither CompensationFailed nor ended off the saga's paths")
    payment = saga.items(booking_id).get("payment") or {}
    if ended_off_its_paths and payment.get("status") == "CONFIRMED" and payment.get("execution_arn") == execution_arn:
        raise RecoveryError(f"{booking_id}: its payment is CONFIRMED: the trip is booked; redrive its reconciliation to confirm the rest")
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
