"""Seat and room inventory: what the demo, the tests and a fresh workspace are seeded with, and the
capacity conservation check (free + held by active reservations = capacity, never below zero)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

HOLDING = ("PENDING", "CONFIRMED")  # a reservation holds its units until it is cancelled


@dataclass(frozen=True)
class Flight:
    number: str
    date: str
    seats: int


@dataclass(frozen=True)
class Hotel:
    hotel_id: str
    first_night: str
    nights: int
    rooms: int


FLIGHTS = (Flight("LH1234", "2027-05-14", 180), Flight("TP1351", "2027-05-14", 160), Flight("BA500", "2027-05-15", 200))
HOTELS = (Hotel("lisbon-alfama-01", "2027-05-10", 14, 40), Hotel("lisbon-chiado-02", "2027-05-10", 14, 25))


def inventory_items(flights: Iterable[Flight] = FLIGHTS, hotels: Iterable[Hotel] = HOTELS) -> dict[str, list[dict[str, Any]]]:
    """Inventory items by service."""
    items: dict[str, list[dict[str, Any]]] = {"flight": [], "hotel": []}
    for flight in flights:
        items["flight"].append(_item(f"FLIGHT#{flight.number}#{flight.date}", flight.seats))
    for hotel in hotels:
        start = dt.date.fromisoformat(hotel.first_night)
        for night in range(hotel.nights):
            items["hotel"].append(_item(f"HOTEL#{hotel.hotel_id}#{(start + dt.timedelta(days=night)).isoformat()}", hotel.rooms))
    return items


def _item(pk: str, capacity: int) -> dict[str, Any]:
    return {"pk": pk, "sk": "INVENTORY", "kind": "inventory", "capacity": capacity, "available": capacity}


def seed(dynamodb: Any, table_names: Mapping[str, str], items: Mapping[str, list[dict[str, Any]]] | None = None) -> int:
    """Create inventory that does not exist yet (re-seeding never resets what is sold). Returns the count created."""
    created = 0
    for service, service_items in (items or inventory_items()).items():
        table = dynamodb.Table(table_names[service])
        for item in service_items:
            try:
                table.put_item(Item=item, ConditionExpression="attribute_not_exists(pk)")
                created += 1
            except ClientError as error:
                if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                    raise
    return created


def conservation_violations(all_items: Mapping[str, list[dict[str, Any]]]) -> list[str]:
    """For every inventory item: available >= 0 and available + units held by active reservations = capacity."""
    held: dict[tuple[str, str], int] = defaultdict(int)
    for service, items in all_items.items():
        for item in items:
            if item.get("kind") == "reservation" and item.get("status") in HOLDING:
                for hold in item.get("units", []):
                    held[(service, hold["pk"])] += int(hold["units"])
    violations = []
    for service, items in all_items.items():
        for item in items:
            if item.get("kind") != "inventory":
                continue
            available, capacity = int(item["available"]), int(item["capacity"])
            taken = held.pop((service, item["pk"]), 0)
            if available < 0 or available + taken != capacity:
                violations.append(f"{item['pk']}: available {available} + held {taken} != capacity {capacity}")
    violations += [f"{pk}: {units} units held on inventory that does not exist" for (_, pk), units in held.items()]
    return violations
