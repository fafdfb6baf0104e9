"""The saga's invariant, and an oracle for it: given a fault schedule, what must happen.

After any execution ends, exactly one of these holds:
1. SUCCEEDED, and flight RESERVED, hotel RESERVED, payment CHARGED;
2. FAILED with SagaFailed, and nothing left RESERVED or CHARGED;
3. FAILED with CompensationFailed (only when a compensation cannot complete): the other compensations
   still ran, an alert names the unfinished one, and only its service may still hold something.
And capacity is conserved for every flight and hotel night."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sagatools.client.inventory import conservation_violations
from sagatools.client.saga_client import ExecutionReport
from sagatools.contract.settings import DEPLOY_DEFAULTS

FORWARD = (("ReserveFlight", "flight"), ("ReserveHotel", "hotel"), ("ProcessPayment", "payment"))
CHAIN = (("RefundPayment", "refund", "payment"), ("CancelHotel", "cancel_hotel", "hotel"), ("CancelFlight", "cancel_flight", "flight"))
ENTRY = {"ReserveFlight": 2, "ReserveHotel": 1, "ProcessPayment": 0}  # where in CHAIN each forward failure enters
FORWARD_RETRIES = 3  # MaxAttempts of the forward tasks' retrier (statemachine template)
ACTIVE = {"RESERVED", "CHARGED"}
FAULT_KINDS = ("fail", "timeout", "permanent", "transient")


# The path of a failure at each forward step, written out: the oracle's own statement of the chain.
HAPPY_PATH = ["ReserveFlight", "ReserveHotel", "ProcessPayment", "BookingSucceeded"]
COMPENSATION_PATHS = {
    "flight": ["ReserveFlight", "CancelFlight", "SagaFailed"],
    "hotel": ["ReserveFlight", "ReserveHotel", "CancelHotel", "CancelFlight", "SagaFailed"],
    "payment": ["ReserveFlight", "ReserveHotel", "ProcessPayment", "RefundPayment", "CancelHotel", "CancelFlight", "SagaFailed"],
}


def kind(fault: str | None) -> str:
    return "none" if fault is None else fault.split(":")[0]


def _fails(fault: str | None, retries: int) -> bool:
    if fault in ("fail", "permanent"):
        return True
    return bool(fault and fault.startswith("transient:") and int(fault.split(":")[1]) > retries)


def forward_fails(fault: str | None) -> bool:
    """A forward step fails for a business error, a timeout (not retried), or a fault outlasting its retries."""
    return fault == "timeout" or _fails(fault, FORWARD_RETRIES)


def compensation_fails(fault: str | None) -> bool:
    """A compensation retries every error, so only a fault that outlasts all its retries stops it."""
    return _fails(fault, int(DEPLOY_DEFAULTS["compensation_max_attempts"]))


@dataclass(frozen=True)
class Expected:
    status: str
    error: str | None
    path: list[str]
    unfinished: str | None = None  # the compensation that could not complete
    abandoned: tuple[str, ...] = ()  # services whose compensation did not complete


def expected(faults: Mapping[str, str], sold_out: frozenset[str] = frozenset()) -> Expected:
    """The outcome and exact path for a fault schedule; `sold_out` names forward steps (flight, hotel)
    whose inventory cannot cover the booking."""
    path: list[str] = []
    for state, key in FORWARD:
        path.append(state)
        if not forward_fails(faults.get(key)) and key not in sold_out:
            continue
        chain = CHAIN[ENTRY[state] :]
        for position, (compensation, fault_key, service) in enumerate(chain):
            path.append(compensation)
            if compensation_fails(faults.get(fault_key)):
                path += [f"{compensation}Unfinished", "FinishCompensations"]
                abandoned = [service]
                for _, later_key, later_service in chain[position + 1 :]:
                    path.append("CompensateRemaining")
                    if compensation_fails(faults.get(later_key)):
                        path.append("CompensationAbandoned")
                        abandoned.append(later_service)
                path += ["AlertOperator", "CountCompensationFailed", "CompensationFailed"]
                return Expected("FAILED", "CompensationFailed", path, compensation, tuple(abandoned))
        return Expected("FAILED", "SagaFailed", [*path, "SagaFailed"])
    return Expected("SUCCEEDED", None, [*path, "BookingSucceeded"])


REJECTED = Expected("FAILED", "BookingConflict", ["ReserveFlight", "BookingRejected"])


def possible(faults: Mapping[str, str], *, contested: bool) -> list[Expected]:
    """What may happen to one of several executions sharing inventory: any step may find it sold out,
    and an execution whose booking id another execution also uses may be the one refused."""
    subsets: tuple[frozenset[str], ...] = (frozenset(), frozenset({"flight"}), frozenset({"hotel"}), frozenset({"flight", "hotel"}))
    return [expected(faults, sold_out) for sold_out in subsets] + ([REJECTED] if contested else [])


def ownership_violations(report: ExecutionReport, want: Expected) -> list[str]:
    """The invariant for what this execution owns (its items carry its ARN): whatever another execution
    of the same booking id owns is not this one's to confirm or undo."""
    mine = {s: item for s, item in report.items.items() if item and item.get("execution_arn") == report.execution_arn}
    active = {service for service, item in mine.items() if item["status"] in ACTIVE}
    problems = []
    if report.status == "SUCCEEDED" and active != {"flight", "hotel", "payment"}:
        problems.append(f"succeeded owning only {sorted(active)} active")
    if report.error == "SagaFailed" and active:
        problems.append(f"SagaFailed but its {sorted(active)} still active")
    if report.error == "CompensationFailed" and not active <= set(want.abandoned):
        problems.append(f"CompensationFailed left its {sorted(active - set(want.abandoned))} active beyond {want.abandoned}")
    if want is REJECTED and mine:
        problems.append(f"rejected, yet owns {sorted(mine)}")
    return problems


def violations(
    report: ExecutionReport,
    want: Expected,
    items: Mapping[str, list[dict[str, Any]]],
    alerts: list[dict[str, Any]],
) -> list[str]:
    """Every way this execution breaks the invariant (an empty list when it holds). `items` must hold
    every reservation on the inventory it holds (all items, or one booking's on inventory of its own)."""
    problems = []
    if (report.status, report.error) != (want.status, want.error):
        problems.append(f"outcome {report.status}/{report.error}, expected {want.status}/{want.error}")
    if report.path != want.path:
        problems.append(f"path {report.path}, expected {want.path}")
    active = {service for service, item in report.items.items() if item and item["status"] in ACTIVE}
    if report.status == "SUCCEEDED" and active != {"flight", "hotel", "payment"}:
        problems.append(f"succeeded with only {sorted(active)} active")
    if report.error == "SagaFailed" and active:
        problems.append(f"SagaFailed but {sorted(active)} still active")
    if report.error == "CompensationFailed":
        if not active <= set(want.abandoned):
            problems.append(f"CompensationFailed left {sorted(active - set(want.abandoned))} active beyond {want.abandoned}")
        mine = [a for a in alerts if a.get("unfinished") == want.unfinished and a.get("original_error")]
        if len(mine) != 1:
            problems.append(f"expected one alert for unfinished {want.unfinished}, got {alerts}")
    elif alerts:
        problems.append(f"unexpected alerts {alerts}")
    problems += conservation_violations(items)
    return problems
