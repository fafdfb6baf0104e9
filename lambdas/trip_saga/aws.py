"""The SDK as a Lambda function should use it, and AWS's own failures as one named retryable error.

Timeouts are far below the function timeout (10 s by default), so a stalled connection is retried by
the SDK instead of outliving the function; standard retry mode retries throttling, 5xx and connection
errors with backoff and jitter. What the SDK's retries do not absorb becomes DependencyUnavailable,
which every forward step's Retry lists and every compensation retries."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionError, HTTPClientError

from trip_saga.errors import DependencyUnavailable

CLIENT_CONFIG = Config(connect_timeout=1, read_timeout=2, retries={"mode": "standard", "max_attempts": 3})

# DynamoDB's answers that a later attempt may not get (the SDK has already retried the throttles).
RETRYABLE_CODES = frozenset(
    {
        "ThrottlingException",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
        "TransactionConflictException",
        "TransactionInProgressException",
    }
)


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


@contextmanager
def retryable_as_dependency_unavailable(operation: str) -> Iterator[None]:
    try:
        yield
    except ClientError as error:
        if error_code(error) in RETRYABLE_CODES:
            raise DependencyUnavailable(f"{operation}: {error_code(error)} after the SDK's retries") from error
        raise
    except (ConnectionError, HTTPClientError) as error:  # connect or read timeout, connection lost
        raise DependencyUnavailable(f"{operation}: {type(error).__name__} after the SDK's retries") from error
