"""Bookings racing for the last seats of one flight, all at once, on a deployed saga (the local
workspace or AWS): each seat must be sold once, every other booking refused with SoldOut and rolled
back, and the inventory must add up afterwards. `make race` prints its one-line verdict."""

from __future__ import annotations

import datetime as dt
import json
import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from sagatools.client import inventory, samples
from sagatools.client.saga_client import SagaClient


@dataclass(frozen=True)
class RaceResult:
    bookings: int
    seats: int
    confirmed: int
    sold_out: int
    other: list[str] = field(default_factory=list)  # "booking: status error (original error)" for anything else
    capacity_violations: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def capacity_ok(self) -> bool:
        return not self.capacity_violations

    def line(self) -> str:
        return (
            f"race: confirmed={self.confirmed} sold_out={self.sold_out} other={len(self.other)} capacity_ok={str(self.capacity_ok).lower()}"
        )


def run_race(saga: SagaClient, *, bookings: int, seats: int, timeout: float = 600) -> RaceResult:
    """Seed a flight of its own with `seats` seats (and a hotel with room for everyone), start `bookings`
    one-passenger bookings for it at once, wait for all, and read the outcome and the tables."""
    run = secrets.token_hex(3)
    day = (dt.date(2028, 1, 1) + dt.timedelta(days=secrets.randbelow(700))).isoformat()
    flight = inventory.Flight(f"RC{secrets.randbelow(10000)}", day, seats)
    hotel = inventory.Hotel(f"race-hotel-{run}", day, 1, bookings)
    inventory.seed(saga.dynamodb, saga.table_names, inventory.inventory_items([flight], [hotel]))
    requests = []
    for n in range(bookings):
        request = samples.booking_request(f"race-{run}-{n:04d}")
        request["flight"] = {**request["flight"], "flight_number": flight.number, "departure_date": day, "passengers": 1}
        request["hotel"] = {**request["hotel"], "hotel_id": hotel.hotel_id, "check_in": day, "rooms": 1}
        request["hotel"]["check_out"] = (dt.date.fromisoformat(day) + dt.timedelta(days=1)).isoformat()
        requests.append(request)

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=min(bookings, 32)) as pool:
        arns = list(pool.map(saga.start, requests))  # all running at once
        outcomes = list(pool.map(lambda arn: saga.wait(arn, timeout=timeout), arns))
    seconds = time.monotonic() - started

    confirmed = sold_out = 0
    other = []
    for request, outcome in zip(requests, outcomes, strict=True):
        original = json.loads(outcome.get("cause") or "{}").get("Error") if outcome["status"] == "FAILED" else None
        if outcome["status"] == "SUCCEEDED":
            confirmed += 1
        elif (outcome.get("error"), original) == ("SagaFailed", "SoldOut"):
            sold_out += 1
        else:
            other.append(f"{request['booking_id']}: {outcome['status']} {outcome.get('error')} ({original})")

    # Capacity, from the tables: this race's inventory and every reservation of its bookings.
    tables = saga.all_items()
    ours = {f"BOOKING#{request['booking_id']}" for request in requests}
    pks = {f"FLIGHT#{flight.number}#{day}", f"HOTEL#{hotel.hotel_id}#{day}"}
    items = {service: [item for item in found if item["pk"] in ours | pks] for service, found in tables.items()}
    return RaceResult(bookings, seats, confirmed, sold_out, other, inventory.conservation_violations(items), seconds)
