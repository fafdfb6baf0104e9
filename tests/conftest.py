from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from sagatools.client import samples
from sagatools.emulator.engine import LocalEngine

_ids = itertools.count()


@pytest.fixture(scope="module")
def engine() -> Iterator[LocalEngine]:
    """One local engine per test module; tests keep apart by using fresh booking ids."""
    with LocalEngine() as local:
        yield local


@pytest.fixture
def booking_id() -> str:
    return f"t{next(_ids)}-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def request_for(booking_id: str) -> Any:
    def make(**faults: str) -> dict[str, Any]:
        return samples.booking_request(booking_id, faults=faults or None)

    return make


def task_event(request: dict[str, Any], execution_arn: str | None = None, *, cancellation_arn: str | None = None) -> dict[str, Any]:
    """The Payload the state machine sends every task (without an execution: a client's direct invocation;
    a cancellation step's names its cancellation too)."""
    return {
        "request": request,
        **({"execution_arn": execution_arn} if execution_arn else {}),
        **({"cancellation_arn": cancellation_arn} if cancellation_arn else {}),
    }
