"""Random bookings and fault schedules (hypothesis strategies), run through the local engine against the
invariant. Shared by the property test and `make soak`.

A batch is one to three bookings that share a flight and a hotel (with capacities that sometimes cannot
cover them all), each with handler faults and AWS-level faults, sometimes joined by a rival: another
execution of the first booking's id under another execution name, with other details or faults. All
of a batch's executions run at once, so they race for the inventory inside DynamoDB. A single booking
without a rival is held to the exact oracle; in a contested or shared batch each execution is held to
what may happen to it (chaos.possible) and to the invariant over what it owns.

A booking's life goes on after its execution: some are stopped while a task runs (StopExecution), some
are cancelled by their customer once confirmed, twice at once, or while the saga still confirms; a
compensation or confirmation that fails `until-redrive` is redriven. Every execution that ended off the
saga's own paths is reconciled (the engine delivers its status-change event to the reconciliation's
rule), and then: nothing of any booking is left PENDING, a CONFIRMED item was closed only by its
customer's cancellation, each cancellation took effect exactly once, capacity is conserved. Each
execution's history is held to the invocations the engine saw it make (its own, not a batch mate's)."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sagatools.client import inventory, recovery, samples
from sagatools.client.saga_client import ExecutionReport
from sagatools.emulator.engine import LocalEngine
from tests.support import chaos
from trip_saga.models import CURRENCY_PLACES

# until-redrive twice: a redrive needs one on a compensation and none there that never clears; at even odds a
# 250-execution shard of the property test drew no redrive once (about 1 in 100 shards).
FAULTS = st.sampled_from(["fail", "timeout", "permanent", "until-redrive", "until-redrive"]) | st.integers(1, 9).map(
    lambda n: f"transient:{n}"
)
# Past the pivot, a confirmation's fault must clear for the trip to be rolled forward: `fail` and
# `permanent` only at ConfirmPayment (then reconciliation rolls back); elsewhere what retries or a redrive clear.
CLEARING_FAULTS = st.sampled_from(["timeout", "until-redrive"]) | st.integers(1, 9).map(lambda n: f"transient:{n}")
CONFIRM_FAULTS = {"confirm_payment": FAULTS, "confirm_flight": CLEARING_FAULTS, "confirm_hotel": CLEARING_FAULTS}
FORWARD_AND_COMPENSATION_KEYS = ("flight", "hotel", "payment", "refund", "cancel_hotel", "cancel_flight")
CANCELLATION_KEYS = ("cancel_hotel_booking", "cancel_flight_booking", "refund_charge")
# What happens to a booking besides its faults: left alone mostly; stopped while one of its tasks runs;
# cancelled once confirmed, twice at once, or at once (racing its confirmations).
ACTIONS = st.sampled_from([None, None, None, "stop", "stop", "cancel", "cancel", "cancel-twice", "cancel-early"])
# Weighted past the pivot, where a stopped booking must be rolled forward: rarer there, the property test
# drew no roll-forward in one 500-execution shard at even odds.
PAST_THE_PIVOT = ["confirm-payment", "confirm-flight", "confirm-hotel"]
STOP_AT = st.sampled_from(["reserve-flight", "reserve-hotel", "process-payment", *PAST_THE_PIVOT * 2])
# At most two: absorbed by the SDK's three attempts (or the handler's conflict retries), so the oracle holds.
AWS_FAULTS = st.builds(
    lambda kind, n: f"{kind}:{n}", st.sampled_from(["conflict", "throttle", "throughput", "internal", "slow", "lost"]), st.integers(1, 2)
)
_serial = itertools.count()
SHARD_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@dataclass(frozen=True)
class Schedule:
    request: dict[str, Any]
    faults: dict[str, str]  # handler faults
    aws_faults: dict[str, str]
    name: str  # the execution's name: the booking id, or another for a rival
    action: str | None = None  # stop, cancel, cancel-twice, cancel-early
    stop_at: str | None = None  # the function whose invocation the execution is stopped during


@dataclass(frozen=True)
class Batch:
    schedules: list[Schedule]
    seats: int  # the shared flight's capacity
    rooms: int  # the shared hotel's rooms per night
    contested: str | None = None  # the booking id a rival also uses


@st.composite
def batches(draw: st.DrawFn, shard: int = 0) -> Batch:
    n = next(_serial)
    size = draw(st.integers(1, 3))
    check_in = dt.date(2027, 6, 1) + dt.timedelta(days=draw(st.integers(0, 60)))
    nights = draw(st.integers(1, 4))
    flight = {"flight_number": f"Z{SHARD_LETTERS[shard % 26]}{n % 10000}", "origin": "FRA", "destination": "LIS"}
    flight["departure_date"] = check_in.isoformat()
    hotel = {"hotel_id": f"chaos-hotel-{shard}-{n}", "check_in": check_in.isoformat()}
    hotel["check_out"] = (check_in + dt.timedelta(days=nights)).isoformat()
    schedules = []
    for member in range(size):
        booking_id = f"chaos-{shard}-{n}-{member}"
        schedules.append(_schedule(draw, booking_id, booking_id, flight, hotel))
    contested = None
    if draw(st.booleans()) and draw(st.booleans()):  # a quarter of the batches: a rival for the first booking
        first = schedules[0]
        rival = _schedule(draw, first.request["booking_id"], f"{first.request['booking_id']}-rival", flight, hotel)
        if draw(st.booleans()):  # the same details, other faults; or other details altogether
            rival = Schedule({**first.request, "faults": rival.request.get("faults", {})}, rival.faults, rival.aws_faults, rival.name)
        # Rivals race for one booking id: their lives after the race are not the point here.
        schedules[0] = Schedule(first.request, first.faults, first.aws_faults, first.name)
        schedules.append(Schedule(rival.request, rival.faults, rival.aws_faults, rival.name))
        contested = first.request["booking_id"]
    passengers = sum(s.request["flight"]["passengers"] for s in schedules)
    rooms = sum(s.request["hotel"]["rooms"] for s in schedules)
    return Batch(
        schedules,
        seats=draw(st.integers(max(0, passengers - 2), passengers + 1)),
        rooms=draw(st.integers(max(0, rooms - 2), rooms + 1)),
        contested=contested,
    )


def _schedule(draw: st.DrawFn, booking_id: str, name: str, flight: dict[str, Any], hotel: dict[str, Any]) -> Schedule:
    faults = draw(st.dictionaries(st.sampled_from(FORWARD_AND_COMPENSATION_KEYS), FAULTS, max_size=4))
    confirm = draw(st.sampled_from([None, None, *sorted(CONFIRM_FAULTS)]))
    if confirm:  # one confirmation fault at most, drawn from what that step admits
        faults[confirm] = draw(CONFIRM_FAULTS[confirm])
    if any(chaos.confirmation_fails(faults.get(key)) for key in CONFIRM_FAULTS):
        # The reconciliation closes such a booking with the compensations: their faults would stop it too.
        faults = {key: fault for key, fault in faults.items() if key not in ("refund", "cancel_hotel", "cancel_flight")}
    action = draw(ACTIONS)
    stop_at = draw(STOP_AT) if action == "stop" else None
    if stop_at in PAST_THE_PIVOT:
        # Rolled forward, its reconciliation first asks for a refund unless the payment is confirmed: a refund that
        # never succeeds stops that too, and past the pivot neither a redrive nor the runbook's script may roll back.
        faults = {key: fault for key, fault in faults.items() if not (key == "refund" and fault in ("fail", "permanent"))}
    if action in ("cancel", "cancel-twice", "cancel-early"):
        faults |= draw(st.dictionaries(st.sampled_from(CANCELLATION_KEYS), CLEARING_FAULTS, max_size=1))
    aws_faults = draw(st.dictionaries(st.sampled_from(samples.STEP_FAULT_KEYS), AWS_FAULTS, max_size=3))
    currency = draw(st.sampled_from(["EUR", "USD", "GBP", "JPY", "CHF"]))
    places = CURRENCY_PLACES[currency]
    amount = draw(st.decimals(Decimal(1).scaleb(-places), Decimal("50000"), places=places))
    request: dict[str, Any] = {
        "booking_id": booking_id,
        "customer": {
            "customer_id": f"cust-{booking_id}",
            "name": draw(st.sampled_from(["Ada Lovelace", "Zoë Ñandú", "李小龍"])),
            "email": "c@example.com",
        },
        "flight": {**flight, "passengers": draw(st.integers(1, 4))},
        "hotel": {**hotel, "rooms": draw(st.integers(1, 3))},
        "payment": {
            "amount": str(amount),
            "currency": currency,
            "method_token": "tok_" + draw(st.text("abcdefXYZ0123456789", min_size=6, max_size=12)),
        },
    }
    if faults or aws_faults:
        request["faults"] = {**faults, **({"aws": aws_faults} if aws_faults else {})}
    return Schedule(request, faults, aws_faults, name, action, stop_at)


@dataclass
class Tally:
    """What a run did: executions per fault kind and per outcome, concurrent and contested ones, and every violation."""

    by_fault: Counter[str] = field(default_factory=Counter)
    by_outcome: Counter[str] = field(default_factory=Counter)
    violations: list[str] = field(default_factory=list)
    runs: int = 0
    concurrent: int = 0  # executions that ran beside others on shared inventory
    contested: int = 0  # executions whose booking id another execution also used

    def add(self, schedule: Schedule, outcome: str, problems: list[str], *, concurrent: bool, contested: bool) -> None:
        self.runs += 1
        self.concurrent += concurrent
        self.contested += contested
        for fault in [*schedule.faults.values(), *(f"aws-{f}" for f in schedule.aws_faults.values())] or ["none"]:
            self.by_fault[chaos.kind(fault)] += 1
        self.by_outcome[outcome] += 1
        self.violations += [f"{schedule.name} {schedule.request.get('faults')}: {problem}" for problem in problems]

    def merge(self, other: Tally) -> None:
        self.by_fault.update(other.by_fault)
        self.by_outcome.update(other.by_outcome)
        self.violations += other.violations
        self.runs += other.runs
        self.concurrent += other.concurrent
        self.contested += other.contested


def run_batch(engine: LocalEngine, batch: Batch, tally: Tally) -> list[str]:
    """Run a batch's executions at once, then each booking's life after them; record each execution's
    outcome and every invariant violation."""
    first = batch.schedules[0].request
    flight, hotel = first["flight"], first["hotel"]
    nights = (dt.date.fromisoformat(hotel["check_out"]) - dt.date.fromisoformat(hotel["check_in"])).days
    own = inventory.inventory_items(
        [inventory.Flight(flight["flight_number"], flight["departure_date"], batch.seats)],
        [inventory.Hotel(hotel["hotel_id"], hotel["check_in"], nights, batch.rooms)],
    )
    inventory.seed(engine.saga.dynamodb, engine.saga.table_names, own)
    arns = []
    for schedule in batch.schedules:  # all at once
        if schedule.stop_at:
            engine.stop_when_invoked(engine.saga.execution_arn(schedule.name), schedule.stop_at)
        arns.append(engine.start(schedule.request, name=schedule.name))
        if schedule.action == "cancel-early":  # racing its own confirmations
            engine.saga.cancel(arns[-1])
    reports = [_report(engine, schedule, arn) for schedule, arn in zip(batch.schedules, arns, strict=True)]
    alerts = engine.alerts(of=arns)  # a racing cancellation's alert is held to its own outcome below
    shared = len(batch.schedules) > 1
    problems: list[str] = []
    for schedule, report in zip(batch.schedules, reports, strict=True):
        contested = schedule.request["booking_id"] == batch.contested
        mine = _check(schedule, report, shared=shared, contested=contested, seats=batch.seats, rooms=batch.rooms)
        mine += history_violations(engine, report.execution_arn)
        tally.add(schedule, report.error or report.status, mine, concurrent=shared, contested=contested)
        problems += mine
    failed = [r for r in reports if r.error == "CompensationFailed"]
    unfinished = sorted(str(a.get("unfinished")) for a in alerts if a.get("original_error"))
    if len(alerts) != len(failed) or len(unfinished) != len(failed):
        problems.append(f"{len(failed)} CompensationFailed, but alerts {alerts}")
    problems += inventory.conservation_violations(_touched(engine, batch, own))
    for schedule, report in zip(batch.schedules, reports, strict=True):
        problems += _afterwards(engine, schedule, report, tally)
    engine.alerts()  # a cancellation's alerts: its own outcome says what happened
    problems += inventory.conservation_violations(_touched(engine, batch, own))
    problems += _nothing_left_pending(engine, batch)
    if problems:
        tally.violations += [p for p in problems if not any(p in v for v in tally.violations)]
    return problems


def _afterwards(engine: LocalEngine, schedule: Schedule, report: ExecutionReport, tally: Tally) -> list[str]:
    """The booking's life after its execution ended: a redrive or the runbook, its cancellation, its
    reconciliation; each held to what must happen."""
    problems: list[str] = []
    arn, status, error = report.execution_arn, report.status, report.error
    events = 1 if status != "SUCCEEDED" else 0  # each unsuccessful ending sends one status-change event
    if error == "CompensationFailed":
        unfinished = [key for key, fault in schedule.faults.items() if fault == "until-redrive"]
        if unfinished and not _fails_for_good(schedule):  # the cause is fixed: redrive it, and the compensations finish
            engine.sfn.redrive_execution(executionArn=arn)
            after = engine.wait(arn)
            tally.by_outcome["redriven"] += 1
            events += 1
            if (after["status"], after.get("error")) != ("FAILED", "SagaFailed"):
                problems.append(
                    f"redriven, ended {after['status']}/{after.get('error')}, not SagaFailed (faults {schedule.request.get('faults')},"
                    f" {schedule.action}; path after the redrive {engine.saga.path(arn)}; cause {(after.get('cause') or '')[:400]})"
                )
        else:  # what redrive cannot do (the input's own fault): the runbook's script finishes them
            recovery.finish_compensations(engine.saga, engine.lambda_client, engine.function_names, report.booking_id, arn)
    if status == "SUCCEEDED" and schedule.action in ("cancel", "cancel-twice"):
        names = [schedule.name] + ([f"{schedule.name}-again"] if schedule.action == "cancel-twice" else [])
        cancellations = [engine.saga.cancel(arn, name=name) for name in names]  # at once
        outcomes = [_cancellation_ended(engine, c, tally) for c in cancellations]
        problems += _cancellation_violations(engine, report, cancellations, outcomes, tally)
    if schedule.action == "cancel-early":
        early = f"{engine.cancellation_arn.replace(':stateMachine:', ':execution:')}:{schedule.name}"
        problems += _cancellation_violations(engine, report, [early], [_cancellation_ended(engine, early, tally)], tally, early=True)
    if events:
        reconciliations = engine.saga.reconciliations(arn, ended=events, timeout=60)
        for reconciliation in reconciliations:
            if reconciliation["status"] == "FAILED":  # a step failing until redriven: redrive it
                engine.sfn.redrive_execution(executionArn=reconciliation["executionArn"])
                tally.by_outcome["reconciliation redriven"] += 1
                if engine.wait(reconciliation["executionArn"])["status"] == "FAILED" and _fails_for_good(schedule):
                    # the input's own fault, which a redrive meets again: the runbook's script finishes it
                    recovery.finish_compensations(engine.saga, engine.lambda_client, engine.function_names, report.booking_id, arn)
                    tally.by_outcome["reconciliation finished by the runbook"] += 1
        problems += _reconciliation_violations(engine, schedule, report, engine.saga.reconciliations(arn, ended=events, timeout=60), tally)
    return [f"{schedule.name}: {problem}" for problem in problems]


def _cancellation_ended(engine: LocalEngine, cancellation: str, tally: Tally) -> dict[str, Any]:
    """A cancellation's end; one whose step failed until redriven (CompensationFailed) is redriven."""
    outcome = engine.wait(cancellation)
    if outcome.get("error") == "CompensationFailed":
        engine.sfn.redrive_execution(executionArn=cancellation)
        outcome = engine.wait(cancellation)
        tally.by_outcome["cancellation redriven"] += 1
    return outcome


def _cancellation_violations(
    engine: LocalEngine,
    report: ExecutionReport,
    cancellations: list[str],
    outcomes: list[dict[str, Any]],
    tally: Tally,
    *,
    early: bool = False,
) -> list[str]:
    """Exactly one cancellation of a confirmed booking closes all three of its items; any other one
    (the second of two, or one before the hotel was confirmed) changes nothing."""
    problems = []
    items = engine.items(report.booking_id)
    done = [c for c, o in zip(cancellations, outcomes, strict=True) if o["status"] == "SUCCEEDED"]
    for cancellation, outcome in zip(cancellations, outcomes, strict=True):
        path = engine.saga.path(cancellation)
        tally.by_outcome[f"cancellation {outcome['status'].lower()}"] += 1
        redriven = "ExecutionRedriven" in {event["type"] for event in engine.saga.history(cancellation)}
        if outcome["status"] == "FAILED" and outcome.get("error") != "BookingNotCancellable":
            problems.append(f"cancellation {cancellation} ended {outcome.get('error')}: {(outcome.get('cause') or '')[:300]}")
        elif outcome["status"] == "FAILED" and not redriven and path != chaos.NOT_CANCELLABLE_PATH:
            problems.append(f"cancellation path {path}, expected {chaos.NOT_CANCELLABLE_PATH}")
        elif outcome["status"] == "FAILED" and redriven and path[-2:] != ["LastAttempt", "NotCancellable"]:
            # its hotel failed until redriven, while the booking was rolled back: nothing to cancel
            problems.append(f"redriven cancellation path {path}, expected its end not cancellable")
        elif outcome["status"] == "SUCCEEDED" and not redriven and path != chaos.CANCELLED_PATH:
            problems.append(f"cancellation path {path}, expected {chaos.CANCELLED_PATH}")
        elif (
            outcome["status"] == "SUCCEEDED"
            and redriven
            and (path[0], path[-2:]) != ("CancelHotelBooking", ["LastAttempt", "BookingCancelled"])
        ):
            problems.append(f"redriven cancellation path {path}")
        problems += history_violations(engine, cancellation)
    if not early and report.status == "SUCCEEDED" and len(done) != 1:
        problems.append(f"{len(done)} of {len(cancellations)} cancellations of a confirmed booking took effect")
    statuses = {s: (i or {}).get("status") for s, i in items.items()}
    if done and (
        statuses != {"flight": "CANCELLED", "hotel": "CANCELLED", "payment": "REFUNDED"}
        or {(i or {}).get("closed_by") for i in items.values()} != {done[0]}
    ):
        problems.append(f"cancelled, yet items {statuses} closed by { ({s: (i or {}).get('closed_by') for s, i in items.items()}) }")
    if not done and any(
        (i or {}).get("closed_by", "").startswith(engine.cancellation_arn.replace(":stateMachine:", ":execution:")) for i in items.values()
    ):
        problems.append(f"no cancellation took effect, yet one closed {statuses}")
    return problems


def _fails_for_good(schedule: Schedule) -> bool:
    """A compensation whose fault no retry or redrive clears (`fail`, `permanent`): the reconciliation
    of an execution that ended off its paths cannot roll it back."""
    return any(schedule.faults.get(key) in ("fail", "permanent") for key in ("refund", "cancel_hotel", "cancel_flight"))


def _reconciliation_violations(
    engine: LocalEngine, schedule: Schedule, report: ExecutionReport, reconciliations: list[dict[str, Any]], tally: Tally
) -> list[str]:
    """A reconciliation leaves the saga's own endings alone and otherwise rolls the booking forward exactly
    when its payment was confirmed, back otherwise."""
    problems = []
    items = engine.items(report.booking_id)
    mine = {s: i for s, i in items.items() if i and i.get("execution_arn") == report.execution_arn}
    for reconciliation in reconciliations:
        # a redrive enters the failed state again, right after it failed: the path as one run
        path = [state for n, state in enumerate(reconciliation["path"]) if n == 0 or reconciliation["path"][n - 1] != state]
        tally.by_outcome[f"reconciliation {path[-1]}"] += 1
        problems += history_violations(engine, reconciliation["executionArn"])
        if reconciliation["status"] == "FAILED" and _fails_for_good(schedule):
            continue  # finished by the runbook's script: _nothing_left_pending holds it
        if reconciliation["status"] != "SUCCEEDED":
            problems.append(
                f"reconciliation {reconciliation['executionArn']} {reconciliation['status']}: {reconciliation.get('cause', '')[:300]}"
            )
            continue
        ended_on_its_own_path = report.error in ("SagaFailed", "CompensationFailed", "BookingConflict", "InvalidBookingRequest")
        if ended_on_its_own_path and path != chaos.NOTHING_TO_RECONCILE:
            problems.append(f"reconciled {path} an execution that ended {report.error}")
        rolled_forward = {s: i["status"] for s, i in mine.items()} == dict.fromkeys(("flight", "hotel", "payment"), "CONFIRMED")
        cancelled_since = bool(schedule.action and "cancel" in schedule.action)
        if path == chaos.RECONCILED_FORWARD and not rolled_forward and not cancelled_since:
            problems.append(f"rolled forward, yet its items are { ({s: i['status'] for s, i in mine.items()}) }")
        if path not in (chaos.NOTHING_TO_RECONCILE, chaos.RECONCILED_FORWARD, chaos.RECONCILED_BACK):
            problems.append(f"reconciliation path {path}")
    return problems


def _nothing_left_pending(engine: LocalEngine, batch: Batch) -> list[str]:
    """Once every execution ended and was reconciled, redriven or finished by the runbook: no booking of the
    batch holds a PENDING item, and a CONFIRMED one was closed only by a cancellation."""
    problems = []
    # a cancellation of the booking: the API's, named by the booking id, or a rival one started beside it
    cancellations = engine.cancellation_arn.replace(":stateMachine:", ":execution:") + ":"
    for booking_id in {schedule.request["booking_id"] for schedule in batch.schedules}:
        for service, item in engine.items(booking_id).items():
            if item and item["status"] == "PENDING":
                problems.append(f"{booking_id}: {service} still PENDING after everything ended (execution {item['execution_arn']})")
            if (
                item
                and item.get("confirmed_at")
                and item["status"] not in chaos.ACTIVE
                and item.get("closed_by") not in (f"{cancellations}{booking_id}", f"{cancellations}{booking_id}-again")
            ):
                problems.append(
                    f"{booking_id}: {service} was CONFIRMED, then {item['status']} by {item.get('closed_by')}, not a cancellation"
                )
    return problems


def history_violations(engine: LocalEngine, execution_arn: str) -> list[str]:
    """The functions an execution's history says it invoked (TaskScheduled, in order) against those the
    engine saw it invoke: a history mixed up with another execution's cannot pass."""
    scheduled = [
        json.loads(event["taskScheduledEventDetails"]["parameters"])["FunctionName"].rsplit(":", 1)[-1]
        for event in engine.saga.history(execution_arn)
        if event["type"] == "TaskScheduled" and event["taskScheduledEventDetails"]["resourceType"] == "lambda"
    ]
    invoked = engine.invoked_by.get(execution_arn, [])
    if scheduled != invoked:
        return [f"history of {execution_arn} schedules {scheduled}, but it invoked {invoked}"]
    return []


def _report(engine: LocalEngine, schedule: Schedule, arn: str) -> ExecutionReport:
    description = engine.wait(arn)
    return ExecutionReport(
        booking_id=schedule.request["booking_id"],
        execution_arn=arn,
        status=description["status"],
        error=description.get("error"),
        cause=description.get("cause"),
        path=engine.saga.path(arn),
        items=engine.items(schedule.request["booking_id"]),
    )


def _check(schedule: Schedule, report: ExecutionReport, *, shared: bool, contested: bool, seats: int, rooms: int) -> list[str]:
    if not shared:  # alone on its inventory: the exact oracle
        request = schedule.request
        sold_out = frozenset(
            key
            for key, short in (("flight", seats < request["flight"]["passengers"]), ("hotel", rooms < request["hotel"]["rooms"]))
            if short
        )
        candidates = [chaos.expected(schedule.faults, sold_out)]
    else:
        candidates = chaos.possible(schedule.faults, contested=contested)
    if report.status == "ABORTED":  # stopped while a task ran: a prefix of what would have happened
        if any(report.path == c.path[: len(report.path)] for c in candidates):
            return []
        return [f"stopped after {report.path}: not a prefix of what may happen ({[c.path for c in candidates]})"]
    want = next((c for c in candidates if (c.status, c.error, c.path) == (report.status, report.error, report.path)), None)
    if want is None:
        return [f"{report.status}/{report.error} by {report.path}: not what may happen ({[c.path for c in candidates]})"]
    if want.reconciled or (schedule.action and "cancel" in schedule.action):
        return []  # its items are for the reconciliation, or its cancellation, to settle: checked afterwards
    return chaos.ownership_violations(report, want)


def _touched(engine: LocalEngine, batch: Batch, own: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """The batch's inventory and its bookings' reservations, as one snapshot: a reconciliation or a stopped
    execution's last task may still be writing, and item-by-item reads would see one transaction's
    reservation before and its inventory after it. TransactGetItems is the atomic snapshot that AWS's
    transactions page names for that (docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html);
    a conflict with a running transaction cancels it, so it is asked again."""
    bookings = sorted({schedule.request["booking_id"] for schedule in batch.schedules})
    wanted = [
        (service, table_name, key)
        for service, table_name in engine.saga.table_names.items()
        for key in [{"pk": i["pk"], "sk": i["sk"]} for i in own.get(service, [])]
        + [{"pk": f"BOOKING#{booking_id}", "sk": "RESERVATION"} for booking_id in bookings]
    ]
    client = engine.saga.dynamodb.meta.client
    for _ in range(20):
        try:
            response = client.transact_get_items(TransactItems=[{"Get": {"TableName": t, "Key": k}} for _, t, k in wanted])
            break
        except client.exceptions.TransactionCanceledException:
            time.sleep(0.05)
    else:
        raise AssertionError("no consistent snapshot of the batch's items in 20 attempts")
    items: dict[str, list[dict[str, Any]]] = {service: [] for service in engine.saga.table_names}
    for (service, _, _), got in zip(wanted, response["Responses"], strict=True):
        if got.get("Item"):
            items[service].append(got["Item"])
    return items


def run_batches(engine: LocalEngine, executions: int, shard: int, tally: Tally, *, stop_at_violation: bool) -> None:
    """Random batches through one engine until `executions` more executions ran (a batch holds one to
    four). With stop_at_violation, hypothesis stops at the first violation and shrinks it (the property test)."""
    target = tally.runs + executions

    @settings(max_examples=max(1, executions // 2), deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(batches(shard))
    def keeps_the_invariant(batch: Batch) -> None:
        if tally.runs < target or stop_at_violation:
            problems = run_batch(engine, batch, tally)
            assert not (stop_at_violation and problems), problems

    while tally.runs < target:
        keeps_the_invariant()
