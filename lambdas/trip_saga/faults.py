"""Fault injection for tests and chaos drills, honoured only where FAULT_INJECTION_ENABLED is true.

A request's `faults` maps a step key (its `fault_key` in functions.json: flight, hotel, payment,
confirm_payment, ..., refund_charge) to:

| fault         | what the step does                                                       |
|---------------|--------------------------------------------------------------------------|
| `fail`        | raises its named business error before writing (e.g. PaymentDeclined)    |
| `transient:N` | raises DependencyUnavailable on its first N attempts, then works         |
|               | (the step's attempts in the execution: a last attempt follows them all)  |
| `permanent`   | raises DependencyUnavailable on every attempt                            |
| `until-redrive` | raises DependencyUnavailable on every attempt until the execution is   |
|               | redriven ($$.Execution.RedriveCount > 0): the cause fixed, then redrive  |
| `timeout`     | writes, then outlives the function timeout (first attempt only), so the |
|               | task fails although its write landed                                     |
"""

from __future__ import annotations

from typing import Protocol

from trip_saga import clock
from trip_saga.errors import DependencyUnavailable, InjectedFault

FAULT_PATTERN = r"^(fail|timeout|permanent|until-redrive|transient:[1-9])$"
# AWS's own failures (faults.aws): applied at the SDK boundary by the local engines, never by the handlers.
AWS_FAULT_PATTERN = r"^(conflict|throttle|throughput|internal|slow|lost):[1-9]$"


class RemainingTime(Protocol):
    """What a step needs of the Lambda context: how long it has left."""

    def get_remaining_time_in_millis(self) -> int: ...


def before_write(
    fault: str | None, *, step: str, business_error: type[InjectedFault], attempt: int, redrive_count: int = 0, last_attempt: bool = False
) -> None:
    """`attempt` is the state's retry count; a last attempt (the CompensationFailed Map's) comes after the
    step's full retries earlier in the execution, so what clears with attempts has cleared by then."""
    if fault == "until-redrive" and redrive_count == 0:
        raise DependencyUnavailable(f"{step}: dependency unavailable until the execution is redriven (injected fault 'until-redrive')")
    if fault == "fail":
        raise business_error(f"{step} failed (injected fault 'fail')")
    if fault == "permanent":
        raise DependencyUnavailable(f"{step}: dependency unavailable (injected fault 'permanent', attempt {attempt + 1})")
    if fault and fault.startswith("transient:") and not last_attempt and attempt < int(fault.split(":")[1]):
        raise DependencyUnavailable(f"{step}: dependency unavailable (injected fault '{fault}', attempt {attempt + 1})")


def after_write(fault: str | None, *, context: RemainingTime, attempt: int, last_attempt: bool = False) -> None:
    if fault == "timeout" and attempt == 0 and not last_attempt:
        # Outlive the deadline: Lambda stops the function and reports Sandbox.Timedout.
        clock.sleep(context.get_remaining_time_in_millis() / 1000 + 1)
