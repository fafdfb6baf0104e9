"""AWS's own failures, injected at the SDK boundary by the local engines (never by handler code).

A request asks for them per step in `faults.aws`: `{"flight": "conflict:2", "payment": "throttle:5"}`.
`KIND:N` makes the step's first N DynamoDB requests of that kind fail, counted per booking and step
over every attempt (the SDK's retries, the handler's, the state machine's):

| kind         | what DynamoDB (or the network) does                                             | applies to |
|--------------|---------------------------------------------------------------------------------|------------|
| `conflict`   | another transaction holds the item: TransactionCanceledException (TransactionConflict),  | writes     |
|              | or TransactionConflictException for a single write                               |            |
| `throttle`   | ThrottlingException (HTTP 400)                                                  | any request |
| `throughput` | ProvisionedThroughputExceededException (HTTP 400)                                | any request |
| `internal`   | InternalServerError (HTTP 500)                                                   | any request |
| `slow`       | the write lands, the response comes after the SDK's read timeout                | writes |
| `lost`       | the write lands, the connection drops before the response                       | writes |

The SDK retries what it can (standard mode: three attempts); what it cannot absorb reaches the
handler, which turns it into the retryable DependencyUnavailable (or, for a conflict, retries itself).
The in-process engine applies these in a botocore `before-send` hook; the local workspace's endpoint
applies them to requests that carry the invoking function's fault context (a header its runtime adds)."""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Mapping
from typing import Any

from trip_saga.faults import AWS_FAULT_PATTERN

WRITES = frozenset({"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem"})
WRITE_ONLY = frozenset({"conflict", "slow", "lost"})
HEADER = "x-saga-fault-context"  # {"function_key", "booking_id", "aws"} as JSON, from the workspace's runtime
_ERRORS = {
    "throttle": (400, "ThrottlingException", "Rate of requests exceeds the allowed throughput."),
    "throughput": (
        400,
        "ProvisionedThroughputExceededException",
        "The level of configured provisioned throughput for the table was exceeded.",
    ),
    "internal": (500, "InternalServerError", "Internal server error"),
}
__all__ = ["AWS_FAULT_PATTERN", "FaultPlan", "conflict_response", "error_response"]


class FaultPlan:
    """Counts each booking's DynamoDB requests per step and says which one fails, and how."""

    def __init__(self) -> None:
        self._counts: Counter[tuple[str, str, str]] = Counter()
        self._limits: dict[tuple[str, str, str], int] = {}
        self._lock = threading.Lock()

    def injected(self, *, booking_id: str, step: str, kind: str) -> int:
        """How many requests of the booking's step this plan has failed with `kind` so far."""
        with self._lock:
            return min(self._counts[(booking_id, step, kind)], self._limits.get((booking_id, step, kind), 0))

    def fault_for(self, *, step: str, booking_id: str, aws: Mapping[str, str] | None, operation: str) -> str | None:
        spec = (aws or {}).get(step)
        if not spec:
            return None
        kind, _, count = spec.partition(":")
        if kind in WRITE_ONLY and operation not in WRITES:
            return None
        with self._lock:
            self._limits[(booking_id, step, kind)] = int(count)
            self._counts[(booking_id, step, kind)] += 1
            return kind if self._counts[(booking_id, step, kind)] <= int(count) else None


Response = tuple[int, dict[str, str], bytes]


def _response(status: int, code: str, payload: dict[str, Any]) -> Response:
    payload = {"__type": f"com.amazonaws.dynamodb.v20120810#{code}", **payload}
    return status, {"Content-Type": "application/x-amz-json-1.0", "x-amzn-ErrorType": code}, json.dumps(payload).encode()


def conflict_response(operation: str, conflicted: list[bool]) -> Response:
    """DynamoDB's answer to a write that meets a transaction in progress on one of its items."""
    if operation != "TransactWriteItems":
        return _response(400, "TransactionConflictException", {"message": "Transaction is ongoing for the item"})
    codes = ["TransactionConflict" if hit else "None" for hit in conflicted]
    reasons = [{"Code": code, **({"Message": "Transaction is ongoing for the item"} if code != "None" else {})} for code in codes]
    message = f"Transaction cancelled, please refer cancellation reasons for specific reasons [{', '.join(codes)}]"
    return _response(400, "TransactionCanceledException", {"Message": message, "CancellationReasons": reasons})


def error_response(kind: str, operation: str, body: Mapping[str, Any]) -> Response:
    """DynamoDB's answer for an error fault, as it sends it over HTTP."""
    if kind == "conflict":
        return conflict_response(operation, [True] * max(1, len(body.get("TransactItems", []))))
    status, code, message = _ERRORS[kind]
    return _response(status, code, {"message": message})
