"""The saga's invariant, and an oracle for it: given a fault schedule, what must happen.

After any execution ends, exactly one of these holds:
1. SUCCEEDED, and flight, hotel and payment CONFIRMED;
2. FAILED with SagaFailed, and nothing left PENDING or CONFIRMED;
3. FAILED with CompensationFailed (only when a compensation cannot complete): the other compensations
   still ran, an alert names the unfinished one, and only its service may still hold something (PENDING);
4. FAILED at a confirmation (past the pivot; it cannot be compensated): once the reconciliation ran,
   all three CONFIRMED if the payment was (rolled forward), else nothing left PENDING (rolled back).
The same for an execution that was stopped or timed out: once reconciled, forward or back, never between.
A CONFIRMED item changes only by its customer's cancellation, which closes all three, exactly once.
And capacity is conserved for every flight and hotel night."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sagatools.client.inventory import conservation_violations
from sagatools.client.saga_client import ExecutionReport
from sagatools.contract.settings import DEPLOY_DEFAULTS

FORWARD = (("ReserveFlight", "flight"), ("ReserveHotel", "hotel"), ("ProcessPayment", "payment"))
CONFIRMS = (
    ("ConfirmPayment", "confirm_payment", "payment"),
    ("ConfirmFlight", "confirm_flight", "flight"),
    ("ConfirmHotel", "confirm_hotel", "hotel"),
)
CHAIN = (("RefundPayment", "refund", "payment"), ("CancelHotel", "cancel_hotel", "hotel"), ("CancelFlight", "cancel_flight", "flight"))
ENTRY = {"ReserveFlight": 2, "ReserveHotel": 1, "ProcessPayment": 0}  # where in CHAIN each forward failure enters
FORWARD_RETRIES = 3  # MaxAttempts of the forward tasks' retrier (statemachine template)
ACTIVE = {"PENDING", "CONFIRMED"}
FAULT_KINDS = ("fail", "timeout", "permanent", "until-redrive", "transient")
# The error a confirmation fails the execution with, per fault (a `fail` raises the step's own error).
CONFIRM_ERRORS = {
    "ConfirmPayment": "PaymentConfirmationFailed",
    "ConfirmFlight": "FlightConfirmationFailed",
    "ConfirmHotel": "HotelConfirmationFailed",
}
RECONCILED_FORWARD = [
    "ReadExecution",
    "EndedOnItsOwnPath",
    "ReadRequest",
    "RefundPaymentUnlessConfirmed",
    "CommittedByThePayment",
    "ConfirmFlight",
    "ConfirmHotel",
    "RolledForward",
]
RECONCILED_BACK = [
    "ReadExecution",
    "EndedOnItsOwnPath",
    "ReadRequest",
    "RefundPaymentUnlessConfirmed",
    "CommittedByThePayment",
    "CancelHotel",
    "CancelFlight",
    "RolledBack",
]
NOTHING_TO_RECONCILE = ["ReadExecution", "EndedOnItsOwnPath", "NothingToReconcile"]
CANCELLED_PATH = ["CancelHotelBooking", "CancelFlightBooking", "RefundCharge", "BookingCancelled"]
NOT_CANCELLABLE_PATH = ["CancelHotelBooking", "NotCancellable"]


# The path of a failure at each forward step, written out: the oracle's own statement of the chain.
HAPPY_PATH = ["ReserveFlight", "ReserveHotel", "ProcessPayment", "ConfirmPayment", "ConfirmFlight", "ConfirmHotel", "BookingSucceeded"]
COMPENSATION_PATHS = {
    "flight": ["ReserveFlight", "CancelFlight", "SagaFailed"],
    "hotel": ["ReserveFlight", "ReserveHotel", "CancelHotel", "CancelFlight", "SagaFailed"],
    "payment": ["ReserveFlight", "ReserveHotel", "ProcessPayment", "RefundPayment", "CancelHotel", "CancelFlight", "SagaFailed"],
}


def kind(fault: str | None) -> str:
    return "none" if fault is None else fault.split(":")[0]


def _fails(fault: str | None, retries: int) -> bool:
    if fault in ("fail", "permanent", "until-redrive"):  # no redrive in a schedule: until-redrive never clears
        return True
    return bool(fault and fault.startswith("transient:") and int(fault.split(":")[1]) > retries)


def forward_fails(fault: str | None) -> bool:
    """A forward step fails for a business error, a timeout (not retried), or a fault outlasting its retries."""
    return fault == "timeout" or _fails(fault, FORWARD_RETRIES)


def compensation_fails(fault: str | None) -> bool:
    """A compensation retries every error, so only a fault that outlasts all its retries stops it."""
    return _fails(fault, int(DEPLOY_DEFAULTS["compensation_max_attempts"]))


def confirmation_fails(fault: str | None) -> bool:
    """A confirmation is retried like a compensation, except its business error (`fail`), never retried."""
    return fault == "fail" or compensation_fails(fault)


@dataclass(frozen=True)
class Expected:
    status: str
    error: str | None
    path: list[str]
    unfinished: str | None = None  # the compensation that could not complete
    abandoned: tuple[str, ...] = ()  # services whose compensation did not complete
    reconciled: str | None = None  # "forward" or "back": how the reconciliation must end an execution that failed past the pivot


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
                # The last attempt at each, the unfinished one first: it fails again, and the execution with it.
                path += ["AlertOperator", "CountCompensationFailed", "CompensationFailed", "LastAttempt"]
                return Expected("FAILED", "CompensationFailed", path, compensation, tuple(abandoned))
        return Expected("FAILED", "SagaFailed", [*path, "SagaFailed"])
    for state, key, _ in CONFIRMS:
        path.append(state)
        fault = faults.get(key)
        if confirmation_fails(fault):
            error = CONFIRM_ERRORS[state] if fault == "fail" else "DependencyUnavailable"
            return Expected("FAILED", error, path, reconciled="back" if state == "ConfirmPayment" else "forward")
    return Expected("SUCCEEDED", None, [*path, "BookingSucceeded"])


REJECTED = Expected("FAILED", "BookingConflict", ["ReserveFlight", "BookingRejected"])


def possible(faults: Mapping[str, str], *, contested: bool) -> list[Expected]:
    """What may happen to one of several executions sharing inventory: any step may find it sold out,
    and an execution whose booking id another execution also uses may be the one refused."""
    subsets: tuple[frozenset[str], ...] = (frozenset(), frozenset({"flight"}), frozenset({"hotel"}), frozenset({"flight", "hotel"}))
    return [expected(faults, sold_out) for sold_out in subsets] + ([REJECTED] if contested else [])


def _state_violations(
    items: Mapping[str, Mapping[str, Any] | None], want: Expected, *, status: str, error: str | None, whose: str
) -> list[str]:
    """The invariant over one execution's items (read after its reconciliation, if it had one)."""
    statuses = {service: item["status"] for service, item in items.items() if item and item["status"] in ACTIVE}
    confirmed = {service for service, found in statuses.items() if found == "CONFIRMED"}
    problems = []
    if status == "SUCCEEDED" and confirmed != {"flight", "hotel", "payment"}:
        problems.append(f"succeeded with only {sorted(confirmed)} of {whose} confirmed")
    if error == "SagaFailed" and statuses:
        problems.append(f"SagaFailed but {whose} {statuses} still held")
    if error == "CompensationFailed" and (not set(statuses) <= set(want.abandoned) or confirmed):
        problems.append(f"CompensationFailed left {whose} {statuses} beyond {want.abandoned} PENDING")
    if want.reconciled == "forward" and confirmed != {"flight", "hotel", "payment"}:
        problems.append(f"rolled forward, yet {whose} {statuses} (all three CONFIRMED expected)")
    if want.reconciled == "back" and statuses:
        problems.append(f"rolled back, yet {whose} {statuses} still held")
    return problems


def ownership_violations(report: ExecutionReport, want: Expected) -> list[str]:
    """The invariant for what this execution owns (its items carry its ARN): whatever another execution
    of the same booking id owns is not this one's to confirm or undo."""
    mine = {s: item for s, item in report.items.items() if item and item.get("execution_arn") == report.execution_arn}
    problems = _state_violations(mine, want, status=report.status, error=report.error, whose="its")
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
    problems += _state_violations(report.items, want, status=report.status, error=report.error, whose="the booking's")
    if report.error == "CompensationFailed":
        mine = [a for a in alerts if a.get("unfinished") == want.unfinished]
        if len(mine) != 1:
            problems.append(f"expected one alert for unfinished {want.unfinished}, got {alerts}")
    elif alerts:
        problems.append(f"unexpected alerts {alerts}")
    problems += conservation_violations(items)
    return problems
