"""One reservation repository for all three services (each service has its own table).

Key design: a generic `pk` / `sk` pair, so inventory lives beside reservations and is written in one
transaction with them. A booking's reservation is `BOOKING#<booking_id>` / `RESERVATION`; a unit of
inventory (a flight's seats on a date, a hotel's rooms for a night) is `<KIND>#<id>#<date>` /
`INVENTORY` with `capacity` and `available`. Items are never deleted: a compensated booking keeps its
item with a closed status, and compensating a booking that was never reserved writes a tombstone.

Every reservation, charge and tombstone records its owner: the request's fingerprint and the execution
that wrote it. A compensation closes only what its own request owns, and gives back the units stored
with the reservation, never what its input says.

Reserve is one request (PutItem, or TransactWriteItems with the inventory it takes); confirm is one
UpdateItem conditioned on the item being the owner's and still open. Compensate and cancel read the
reservation (GetItem, strongly consistent), then close it in one request (UpdateItem, or
TransactWriteItems giving the stored units back); with none, a compensation writes the tombstone.
DynamoDB's TransactionConflict (another transaction on the same item in progress) is retried here
with backoff until it resolves into a reservation or SoldOut, while the function has time left."""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Any

import boto3
from boto3.dynamodb.types import TypeDeserializer
from botocore.exceptions import ClientError

from trip_saga import clock
from trip_saga.aws import CLIENT_CONFIG, error_code, retryable_as_dependency_unavailable
from trip_saga.errors import DependencyUnavailable, InventoryNotFound, SoldOut
from trip_saga.faults import RemainingTime

RESERVATION_SK = "RESERVATION"
INVENTORY_SK = "INVENTORY"
MAX_BACKOFF_SECONDS = 0.5
SDK_TIME_RESERVE_MS = 3000  # keep room for one more request with the SDK's own timeouts and retries
_deserializer = TypeDeserializer()


def reservation_key(booking_id: str) -> dict[str, str]:
    return {"pk": f"BOOKING#{booking_id}", "sk": RESERVATION_SK}


def inventory_key(kind: str, resource: str, date: str) -> dict[str, str]:
    return {"pk": f"{kind}#{resource}#{date}", "sk": INVENTORY_SK}


def reference_for(prefix: str, service: str, booking_id: str) -> str:
    """Unique per booking and service, and the same on every retry."""
    return f"{prefix}-{hashlib.sha256(f'{service}#{booking_id}'.encode()).hexdigest()[:12].upper()}"


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Hold:
    """Units of one inventory item a reservation takes (and gives back when cancelled)."""

    key: dict[str, str]
    units: int


@dataclass(frozen=True)
class Owner:
    """The request a reservation, charge or tombstone belongs to."""

    request_fingerprint: str
    execution_arn: str

    def owns(self, item: dict[str, Any]) -> bool:
        return (item.get("request_fingerprint"), item.get("execution_arn")) == (self.request_fingerprint, self.execution_arn)

    def attributes(self) -> dict[str, str]:
        return {"request_fingerprint": self.request_fingerprint, "execution_arn": self.execution_arn}


@dataclass(frozen=True)
class Outcome:
    item: dict[str, Any]
    changed: bool  # False when the request found its work already done (or not its own)
    owned: bool = True  # False when the item belongs to another request: left untouched


class _Conflict(Exception):
    """Another transaction on one of the items was in progress (TransactionConflict)."""


class _Changed(Exception):
    """The reservation changed between the read and the write: look again."""


@cache
def table_resource(table_name: str) -> Any:
    # Cached per table: a warm Lambda reuses its connection pool across invocations.
    return boto3.resource("dynamodb", config=CLIENT_CONFIG).Table(table_name)


class ReservationRepository:
    def __init__(self, table_name: str, deadline: RemainingTime) -> None:
        self.table = table_resource(table_name)
        self.table_name = table_name
        self.deadline = deadline

    def open(self, item: dict[str, Any], holds: list[Hold]) -> Outcome:
        """Write a new reservation and take its inventory, or find the existing item (a retry, or
        someone else's: the caller decides)."""
        for _ in self._attempts("reserve"):
            try:
                with retryable_as_dependency_unavailable("reserve"), _conflicts():
                    if holds:
                        self.table.meta.client.transact_write_items(
                            TransactItems=[_put_new(self.table_name, item), *_takes(self.table_name, holds, item)]
                        )
                    else:
                        self.table.put_item(**_put_new(self.table_name, item)["Put"])
            except _Conflict:
                continue
            except ClientError as error:
                if existing := _failed_condition_item(error, 0):
                    return Outcome(existing, changed=False)
                for position, hold in enumerate(holds, start=1):
                    if error_code(error) == "TransactionCanceledException" and _reason(error, position) == "ConditionalCheckFailed":
                        left = _failed_condition_item(error, position)
                        if left is None:
                            raise InventoryNotFound(f"{hold.key['pk']} is not on sale") from None
                        raise SoldOut(f"{hold.key['pk']}: {hold.units} wanted, {left['available']} left") from None
                raise
            return Outcome(item, changed=True)
        raise AssertionError("unreachable: _attempts raises when time runs out")

    def confirm(self, booking_id: str, owner: Owner, *, open_status: str, confirmed_status: str) -> Outcome:
        """Confirm the owner's open reservation (one conditional UpdateItem). Found already confirmed by
        the owner: unchanged. Anything else (closed, another's, none): unchanged and not owned, with the
        item as found ({} for none)."""
        key = reservation_key(booking_id)
        now = utc_now()
        for _ in self._attempts("confirm"):
            try:
                with retryable_as_dependency_unavailable("confirm"), _conflicts():
                    confirmed = self.table.update_item(
                        Key=key,
                        UpdateExpression="SET #status = :confirmed, updated_at = :now, confirmed_at = :now",
                        ConditionExpression=_OWN_AND_OPEN,
                        ExpressionAttributeNames={"#status": "status"},
                        ExpressionAttributeValues={":confirmed": confirmed_status, ":now": now, **_own_and_open(owner, open_status)},
                        ReturnValues="ALL_NEW",
                        ReturnValuesOnConditionCheckFailure="ALL_OLD",
                    )
            except _Conflict:
                continue
            except ClientError as error:
                if error_code(error) != "ConditionalCheckFailedException":
                    raise
                found = _failed_condition_item(error, 0) or {}
                done = owner.owns(found) and found.get("status") == confirmed_status
                return Outcome(found, changed=False, owned=done)
            return Outcome(confirmed["Attributes"], changed=True)
        raise AssertionError("unreachable: _attempts raises when time runs out")

    def close(
        self,
        booking_id: str,
        owner: Owner,
        *,
        service: str,
        open_status: str,
        closed_status: str,
        tombstone: bool = True,
        closed_by: str | None = None,
    ) -> Outcome:
        """Close the owner's open reservation and give back the units stored with it, exactly once; with
        no reservation, write the owner's closed tombstone (unless `tombstone` is False: then nothing,
        not owned); with a closed one or another request's, change nothing. `closed_by`: the execution
        that closes it, recorded (a cancellation's). Safe to retry at any point."""
        key = reservation_key(booking_id)
        for _ in self._attempts("compensate"):
            try:
                with retryable_as_dependency_unavailable("compensate"), _conflicts():
                    stored = self.table.get_item(Key=key, ConsistentRead=True).get("Item")
                    now = utc_now()
                    closed = {
                        "status": closed_status,
                        "updated_at": now,
                        "closed_at": now,
                        **({"closed_by": closed_by} if closed_by else {}),
                    }
                    if stored is None and not tombstone:
                        return Outcome({}, changed=False, owned=False)
                    if stored is None:
                        written = {
                            **key,
                            "kind": "reservation",
                            "booking_id": booking_id,
                            "service": service,
                            **closed,
                            "created_at": now,
                            "tombstone": True,
                            **owner.attributes(),
                        }
                        _changed_if_condition_fails(self.table.put_item, **_put_new(self.table_name, written)["Put"])
                        return Outcome(written, changed=True)
                    if not owner.owns(stored):
                        return Outcome(stored, changed=False, owned=False)
                    if stored["status"] != open_status:
                        return Outcome(stored, changed=False)
                    close = _close_own(self.table_name, key, owner, open_status, closed)
                    gives_back = [Hold({"pk": hold["pk"], "sk": INVENTORY_SK}, int(hold["units"])) for hold in stored.get("units", [])]
                    if gives_back:
                        _changed_if_condition_fails(
                            self.table.meta.client.transact_write_items, TransactItems=[close, *_gives(self.table_name, gives_back, now)]
                        )
                    else:
                        _changed_if_condition_fails(self.table.update_item, **close["Update"])
                    return Outcome({**stored, **closed}, changed=True)
            except (_Conflict, _Changed):
                continue
        raise AssertionError("unreachable: _attempts raises when time runs out")

    def _attempts(self, operation: str) -> Iterator[int]:
        """Attempts with full-jitter backoff (capped) for as long as the function has time for one more;
        then the named retryable error, so the state machine retries the step."""
        attempt = 0
        while True:
            yield attempt
            attempt += 1
            delay = random.uniform(0, min(MAX_BACKOFF_SECONDS, 0.02 * 2 ** min(attempt, 10)))
            if self.deadline.get_remaining_time_in_millis() < delay * 1000 + SDK_TIME_RESERVE_MS:
                raise DependencyUnavailable(f"{operation}: still in conflict with other transactions after {attempt} attempts; retry later")
            clock.sleep(delay)


@contextmanager
def _conflicts() -> Iterator[None]:
    """TransactionConflict, from a transaction (a cancellation reason) or a single write, as _Conflict."""
    try:
        yield
    except ClientError as error:
        code = error_code(error)
        if code == "TransactionConflictException":
            raise _Conflict from None
        if code == "TransactionCanceledException" and any(r.get("Code") == "TransactionConflict" for r in _reasons(error)):
            raise _Conflict from None
        raise


def _changed_if_condition_fails(request: Any, **parameters: Any) -> None:
    """A write conditioned on what was read: if its condition fails, the item changed meanwhile."""
    try:
        request(**parameters)
    except ClientError as error:
        if error_code(error) == "ConditionalCheckFailedException" or _reason(error, 0) == "ConditionalCheckFailed":
            raise _Changed from None
        raise


def _put_new(table_name: str, item: dict[str, Any]) -> dict[str, Any]:
    return {
        "Put": {
            "TableName": table_name,
            "Item": item,
            "ConditionExpression": "attribute_not_exists(pk)",
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
    }


def _takes(table_name: str, holds: list[Hold], item: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "Update": {
                "TableName": table_name,
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


def _gives(table_name: str, holds: list[Hold], now: str) -> list[dict[str, Any]]:
    return [
        {
            "Update": {
                "TableName": table_name,
                "Key": hold.key,
                "UpdateExpression": "ADD available :units SET updated_at = :now",
                "ConditionExpression": "attribute_exists(pk)",
                "ExpressionAttributeValues": {":units": hold.units, ":now": now},
            }
        }
        for hold in holds
    ]


_OWN_AND_OPEN = "#status = :open AND request_fingerprint = :fingerprint AND execution_arn = :execution"


def _own_and_open(owner: Owner, open_status: str) -> dict[str, str]:
    return {":open": open_status, ":fingerprint": owner.request_fingerprint, ":execution": owner.execution_arn}


def _close_own(table_name: str, key: dict[str, str], owner: Owner, open_status: str, closed: dict[str, str]) -> dict[str, Any]:
    """Close the reservation only if it is still open and still the owner's (as read)."""
    closed_by = ", closed_by = :closed_by" if "closed_by" in closed else ""
    return {
        "Update": {
            "TableName": table_name,
            "Key": key,
            "UpdateExpression": f"SET #status = :closed, updated_at = :now, closed_at = :now{closed_by}",
            "ConditionExpression": _OWN_AND_OPEN,
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": {
                ":closed": closed["status"],
                ":now": closed["updated_at"],
                **({":closed_by": closed["closed_by"]} if closed_by else {}),
                **_own_and_open(owner, open_status),
            },
        }
    }


def _reasons(error: ClientError) -> list[dict[str, Any]]:
    reasons: list[dict[str, Any]] = error.response.get("CancellationReasons", [])
    return reasons


def _reason(error: ClientError, position: int) -> str | None:
    reasons = _reasons(error)
    return reasons[position].get("Code") if len(reasons) > position else None


def _failed_condition_item(error: ClientError, position: int) -> dict[str, Any] | None:
    """The item whose condition failed: of a single write (position 0), or of a transaction's item."""
    if error_code(error) == "ConditionalCheckFailedException" and position == 0:
        raw = error.response.get("Item")
    elif error_code(error) == "TransactionCanceledException" and _reason(error, position) == "ConditionalCheckFailed":
        raw = _reasons(error)[position].get("Item")
    else:
        return None
    return {name: _deserializer.deserialize(value) for name, value in raw.items()} if raw else None
