"""One reservation repository for all three services (each service has its own table).

Key design: a generic `pk` / `sk` pair so that other item kinds (seat or room inventory) can live in
the same table and be written in one transaction with a reservation. A booking's reservation is
`pk = BOOKING#<booking_id>`, `sk = RESERVATION`. Items are never deleted: a compensated booking keeps
its item with a closed status, and compensating a booking that was never reserved writes a tombstone.
Each operation is a single conditional DynamoDB request."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from typing import Any

import boto3
from boto3.dynamodb.types import TypeDeserializer
from botocore.exceptions import ClientError

RESERVATION_SK = "RESERVATION"
_deserializer = TypeDeserializer()


def reservation_key(booking_id: str) -> dict[str, str]:
    return {"pk": f"BOOKING#{booking_id}", "sk": RESERVATION_SK}


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


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

    def open(self, item: dict[str, Any]) -> Outcome:
        """Write a new reservation unless one exists; a retry finds and returns the existing item."""
        try:
            self.table.put_item(
                Item=item,
                ConditionExpression="attribute_not_exists(pk)",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            return Outcome(_existing_item(error), changed=False)
        return Outcome(item, changed=True)

    def close(self, booking_id: str, *, service: str, open_status: str, closed_status: str) -> Outcome:
        """Move an open reservation to its closed status, or write a closed tombstone if there is none.

        Closing an already closed item is a no-op, so compensations can be retried freely."""
        now = utc_now()
        try:
            response = self.table.update_item(
                Key=reservation_key(booking_id),
                UpdateExpression=(
                    "SET #status = :closed, updated_at = :now, closed_at = :now, booking_id = :booking_id,"
                    " service = :service, kind = :kind, created_at = if_not_exists(created_at, :now),"
                    " tombstone = if_not_exists(tombstone, :true)"
                ),
                ConditionExpression="attribute_not_exists(pk) OR #status = :open",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={
                    ":closed": closed_status,
                    ":open": open_status,
                    ":now": now,
                    ":booking_id": booking_id,
                    ":service": service,
                    ":kind": "reservation",
                    ":true": True,
                },
                ReturnValues="ALL_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            return Outcome(_existing_item(error), changed=False)
        return Outcome(response["Attributes"], changed=True)


def _existing_item(error: ClientError) -> dict[str, Any]:
    """The item that made a conditional write fail; anything else is not ours to handle."""
    if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
        raise error
    raw = error.response.get("Item")
    if raw is None:  # pragma: no cover - DynamoDB always returns it when asked with ALL_OLD
        raise error
    return {name: _deserializer.deserialize(value) for name, value in raw.items()}
