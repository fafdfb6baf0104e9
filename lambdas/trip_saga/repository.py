"""One reservation repository for all three services (each service has its own table).

Key design: a generic `pk` / `sk` pair, so inventory lives beside reservations and is written in one
transaction with them. A booking's reservation is `BOOKING#<booking_id>` / `RESERVATION`; a unit of
inventory (a flight's seats on a date, a hotel's rooms for a night) is `<KIND>#<id>#<date>` /
`INVENTORY` with `capacity` and `available`. Items are never deleted: a compensated booking keeps its
item with a closed status, and compensating a booking that was never reserved writes a tombstone.

Reserve is one request (PutItem, or TransactWriteItems with the inventory it takes). Compensate is
one request too (UpdateItem, or TransactWriteItems giving the inventory back), plus one UpdateItem
for the tombstone when there was nothing to compensate."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from typing import Any

import boto3
from boto3.dynamodb.types import TypeDeserializer
from botocore.exceptions import ClientError

from trip_saga.errors import InventoryNotFound, ReservationChanged, SoldOut

RESERVATION_SK = "RESERVATION"
INVENTORY_SK = "INVENTORY"
_deserializer = TypeDeserializer()


def reservation_key(booking_id: str) -> dict[str, str]:
    return {"pk": f"BOOKING#{booking_id}", "sk": RESERVATION_SK}


def inventory_key(kind: str, resource: str, date: str) -> dict[str, str]:
    return {"pk": f"{kind}#{resource}#{date}", "sk": INVENTORY_SK}


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Hold:
    """Units of one inventory item a reservation takes (and gives back when cancelled)."""

    key: dict[str, str]
    units: int


@dataclass(frozen=True)
class Outcome:
    item: dict[str, Any]
    changed: bool  # False when the request found its work already done


@cache
def table_resource(table_name: str) -> Any:
    # Cached per table: a warm Lambda reuses its connection pool across invocations.
    return boto3.resource("dynamodb").Table(table_name)


class ReservationRepository:
    def __init__(self, table_name: str) -> None:
        self.table = table_resource(table_name)
        self.table_name = table_name

    def open(self, item: dict[str, Any], holds: list[Hold]) -> Outcome:
        """Write a new reservation and take its inventory, or find the existing reservation (a retry)."""
        if not holds:
            try:
                self.table.put_item(
                    Item=item,
                    ConditionExpression="attribute_not_exists(pk)",
                    ReturnValuesOnConditionCheckFailure="ALL_OLD",
                )
            except ClientError as error:
                return Outcome(_existing_item(error), changed=False)
            return Outcome(item, changed=True)
        reservation = {
            "Put": {
                "TableName": self.table_name,
                "Item": item,
                "ConditionExpression": "attribute_not_exists(pk)",
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
        }
        takes = [
            {
                "Update": {
                    "TableName": self.table_name,
                    "Key": hold.key,
                    # ADD, not SET a = a - n: valid even when the item is missing, so the condition decides.
                    "UpdateExpression": "ADD available :taken SET updated_at = :now",
                    "ConditionExpression": "attribute_exists(pk) AND available >= :units",
                    "ExpressionAttributeValues": {":units": hold.units, ":taken": -hold.units, ":now": item["updated_at"]},
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                }
            }
            for hold in holds
        ]
        try:
            self.table.meta.client.transact_write_items(TransactItems=[reservation, *takes])
        except ClientError as error:
            reasons = _cancellation_reasons(error)
            if reasons[0].get("Code") == "ConditionalCheckFailed":
                return Outcome(_deserialise(reasons[0]["Item"]), changed=False)
            for reason, hold in zip(reasons[1:], holds, strict=True):
                if reason.get("Code") == "ConditionalCheckFailed":
                    if "Item" not in reason:
                        raise InventoryNotFound(f"{hold.key['pk']} is not on sale") from None
                    left = _deserialise(reason["Item"])["available"]
                    raise SoldOut(f"{hold.key['pk']}: {hold.units} wanted, {left} left") from None
            raise
        return Outcome(item, changed=True)

    def close(self, booking_id: str, holds: list[Hold], *, service: str, reference: str, open_status: str, closed_status: str) -> Outcome:
        """Close an open reservation and give its inventory back, exactly once; with no reservation,
        write a closed tombstone; with a closed one, do nothing. Safe to retry at any point."""
        now = utc_now()
        closed = {"status": closed_status, "updated_at": now, "closed_at": now}
        if holds:
            try:
                self.table.meta.client.transact_write_items(
                    TransactItems=[
                        {
                            "Update": {
                                "TableName": self.table_name,
                                "Key": reservation_key(booking_id),
                                "UpdateExpression": "SET #status = :closed, updated_at = :now, closed_at = :now",
                                "ConditionExpression": "#status = :open",
                                "ExpressionAttributeNames": {"#status": "status"},
                                "ExpressionAttributeValues": {":closed": closed_status, ":open": open_status, ":now": now},
                            }
                        },
                        *(
                            {
                                "Update": {
                                    "TableName": self.table_name,
                                    "Key": hold.key,
                                    "UpdateExpression": "ADD available :units SET updated_at = :now",
                                    "ConditionExpression": "attribute_exists(pk)",
                                    "ExpressionAttributeValues": {":units": hold.units, ":now": now},
                                }
                            }
                            for hold in holds
                        ),
                    ]
                )
            except ClientError as error:
                if _cancellation_reasons(error)[0].get("Code") != "ConditionalCheckFailed":
                    raise
            else:  # the transaction cannot return the item; everything in it is known
                return Outcome({"booking_id": booking_id, "service": service, "reference": reference, **closed}, changed=True)
        return self._close_or_tombstone(booking_id, service=service, open_status=open_status if not holds else None, closed=closed)

    def _close_or_tombstone(self, booking_id: str, *, service: str, open_status: str | None, closed: dict[str, str]) -> Outcome:
        # With inventory, an open reservation must close through the transaction above, never here.
        condition = "attribute_not_exists(pk)" + (" OR #status = :open" if open_status else "")
        values: dict[str, Any] = {
            ":closed": closed["status"],
            ":now": closed["updated_at"],
            ":booking_id": booking_id,
            ":service": service,
            ":kind": "reservation",
            ":true": True,
        }
        if open_status:
            values[":open"] = open_status
        try:
            response = self.table.update_item(
                Key=reservation_key(booking_id),
                UpdateExpression=(
                    "SET #status = :closed, updated_at = :now, closed_at = :now, booking_id = :booking_id,"
                    " service = :service, kind = :kind, created_at = if_not_exists(created_at, :now),"
                    " tombstone = if_not_exists(tombstone, :true)"
                ),
                ConditionExpression=condition,
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues=values,
                ReturnValues="ALL_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            existing = _existing_item(error)
            if existing["status"] != closed["status"]:
                # Opened between our transaction and this write (a reserve racing its compensation):
                # the caller's retry will close it through the transaction.
                raise ReservationChanged(f"booking {booking_id} was reserved while being compensated; retry") from None
            return Outcome(existing, changed=False)
        return Outcome(response["Attributes"], changed=True)


def _cancellation_reasons(error: ClientError) -> list[dict[str, Any]]:
    if error.response.get("Error", {}).get("Code") != "TransactionCanceledException":
        raise error
    reasons: list[dict[str, Any]] = error.response.get("CancellationReasons", [])
    return reasons


def _deserialise(raw: dict[str, Any]) -> dict[str, Any]:
    return {name: _deserializer.deserialize(value) for name, value in raw.items()}


def _existing_item(error: ClientError) -> dict[str, Any]:
    """The item that made a conditional write fail; anything else is not ours to handle."""
    if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException" or "Item" not in error.response:
        raise error
    return _deserialise(error.response["Item"])
