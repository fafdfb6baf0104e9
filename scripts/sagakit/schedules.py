"""Random bookings and fault schedules (hypothesis strategies), and running one through the local
engine against the invariant. Shared by the property test and `make soak`."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from sagakit import chaos, inventory, recovery, samples
from sagakit.engine import LocalEngine

NAMES = st.sampled_from(["Ada Lovelace", "Zoë Ñandú", "李小龍"])
FAULTS = st.sampled_from(["fail", "timeout", "permanent"]) | st.integers(1, 9).map(lambda n: f"transient:{n}")
_serial = itertools.count()
SHARD_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@dataclass(frozen=True)
class Schedule:
    request: dict[str, Any]
    faults: dict[str, str]
    seats: int  # the flight's capacity (this booking's own flight)
    rooms: int  # the hotel's rooms per night (its own hotel)


@st.composite
def schedules(draw: st.DrawFn, shard: int = 0) -> Schedule:
    """A valid booking on a flight and hotel of its own (so capacity checks need no table scan),
    with capacities that sometimes cannot cover it, and faults on up to four steps."""
    n = next(_serial)
    passengers, rooms = draw(st.integers(1, 4)), draw(st.integers(1, 3))
    check_in = dt.date(2027, 6, 1) + dt.timedelta(days=draw(st.integers(0, 60)))
    nights = draw(st.integers(1, 4))
    faults = draw(st.dictionaries(st.sampled_from(samples.STEP_FAULT_KEYS), FAULTS, max_size=4))
    request: dict[str, Any] = {
        "booking_id": f"chaos-{shard}-{n}",
        "customer": {
            "customer_id": f"cust-{n}",
            "name": draw(st.sampled_from(["Ada Lovelace", "Zoë Ñandú", "李小龍"])),
            "email": "c@example.com",
        },
        "flight": {
            "flight_number": f"Z{SHARD_LETTERS[shard % 26]}{n % 10000}",  # two characters, then up to four digits
            "origin": "FRA",
            "destination": "LIS",
            "departure_date": check_in.isoformat(),
            "passengers": passengers,
        },
        "hotel": {
            "hotel_id": f"chaos-hotel-{shard}-{n}",
            "check_in": check_in.isoformat(),
            "check_out": (check_in + dt.timedelta(days=nights)).isoformat(),
            "rooms": rooms,
        },
        "payment": {
            "amount": str(draw(st.decimals(Decimal("0.01"), Decimal("50000"), places=2))),
            "currency": draw(st.sampled_from(["EUR", "USD", "GBP", "JPY", "CHF"])),
            "method_token": "tok_" + draw(st.text("abcdefXYZ0123456789", min_size=6, max_size=12)),
        },
    }
    if faults:
        request["faults"] = faults
    return Schedule(request, faults, seats=draw(st.integers(passengers - 1, passengers + 2)), rooms=draw(st.integers(rooms - 1, rooms + 2)))


@dataclass
class Tally:
    """What a run of schedules did: counts per fault kind and per outcome, and every violation."""

    by_fault: dict[str, int] = field(default_factory=dict)
    by_outcome: dict[str, int] = field(default_factory=dict)
    violations: list[str] = field(default_factory=list)
    runs: int = 0

    def add(self, schedule: Schedule, outcome: str, problems: list[str]) -> None:
        self.runs += 1
        for fault in schedule.faults.values() or ["none"]:
            self.by_fault[chaos.kind(fault)] = self.by_fault.get(chaos.kind(fault), 0) + 1
        self.by_outcome[outcome] = self.by_outcome.get(outcome, 0) + 1
        self.violations += [f"{schedule.request['booking_id']} {schedule.faults}: {problem}" for problem in problems]


def run_schedule(engine: LocalEngine, schedule: Schedule) -> tuple[str, list[str]]:
    """Run one booking; return its outcome and every invariant violation, including after recovery."""
    request = schedule.request
    flight, hotel = request["flight"], request["hotel"]
    nights = (dt.date.fromisoformat(hotel["check_out"]) - dt.date.fromisoformat(hotel["check_in"])).days
    own = inventory.inventory_items(
        [inventory.Flight(flight["flight_number"], flight["departure_date"], schedule.seats)],
        [inventory.Hotel(hotel["hotel_id"], hotel["check_in"], nights, schedule.rooms)],
    )
    inventory.seed(engine.saga.dynamodb, engine.saga.table_names, own)
    sold_out = frozenset(
        key for key, short in (("flight", schedule.seats < flight["passengers"]), ("hotel", schedule.rooms < hotel["rooms"])) if short
    )
    want = chaos.expected(schedule.faults, sold_out)
    report = engine.run(request)
    problems = chaos.violations(report, want, _touched(engine, request, own), engine.alerts())
    outcome = report.error or report.status
    if report.error == "CompensationFailed" and not problems:
        # The runbook: once the cause is fixed, finishing the compensations restores invariant 2.
        recovery.finish_compensations(engine.saga, engine.lambda_client, engine.function_names, request["booking_id"])
        items = engine.items(request["booking_id"])
        active = [s for s, item in items.items() if item and item["status"] in chaos.ACTIVE]
        problems += [f"still active after recovery: {active}"] if active else []
        problems += inventory.conservation_violations(_touched(engine, request, own))
    return outcome, problems


def _touched(engine: LocalEngine, request: dict[str, Any], own: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """This booking's reservations and the current state of its own inventory."""
    items: dict[str, list[dict[str, Any]]] = {}
    reservations = engine.items(request["booking_id"])
    for service, table_name in engine.saga.table_names.items():
        table = engine.saga.dynamodb.Table(table_name)
        current = [table.get_item(Key={"pk": i["pk"], "sk": i["sk"]}, ConsistentRead=True)["Item"] for i in own.get(service, [])]
        items[service] = current + ([reservations[service]] if reservations[service] else [])
    return items
