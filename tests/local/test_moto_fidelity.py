"""moto made to behave as DynamoDB and Step Functions do where the saga depends on it (sagatools.emulator.moto_fidelity)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from sagatools.contract import catalog
from sagatools.emulator import moto_fidelity

pytestmark = pytest.mark.moto

SEATS, BOOKINGS = 10, 60
SEAT_KEY = {"pk": {"S": "FLIGHT#ZZ1#2027-01-01"}, "sk": {"S": "INVENTORY"}}


@pytest.fixture
def dynamodb() -> Iterator[Any]:
    with mock_aws():
        moto_fidelity.install(conflicts=True)
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(TableName="flights", **catalog.TABLE_SCHEMA)
        client.put_item(TableName="flights", Item={**SEAT_KEY, "available": {"N": str(SEATS)}})
        yield client


def reserve(client: Any, booking: int) -> dict[str, Any]:
    return client.transact_write_items(  # type: ignore[no-any-return]
        TransactItems=[
            {
                "Put": {
                    "TableName": "flights",
                    "Item": {"pk": {"S": f"BOOKING#{booking}"}, "sk": {"S": "RESERVATION"}},
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
            {
                "Update": {
                    "TableName": "flights",
                    "Key": SEAT_KEY,
                    "UpdateExpression": "ADD available :taken",
                    "ConditionExpression": "available >= :one",
                    "ExpressionAttributeValues": {":taken": {"N": "-1"}, ":one": {"N": "1"}},
                }
            },
        ]
    )


def reasons(error: ClientError) -> list[str]:
    return [reason["Code"] for reason in error.response.get("CancellationReasons", [])]


def test_concurrent_transactions_sell_each_seat_once(dynamodb: Any) -> None:
    """Without isolation, moto confirmed 13 of 60 concurrent bookings for 10 seats: a cancelled
    transaction restored a copy of the table taken when it began, undoing the others' writes."""
    outcomes: list[str] = []
    start = threading.Barrier(BOOKINGS)

    def book(booking: int) -> None:
        start.wait()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                reserve(dynamodb, booking)
                outcomes.append("confirmed")
                return
            except ClientError as error:
                if "TransactionConflict" in reasons(error):
                    continue  # another transaction held the seats: try again, as the handlers do
                outcomes.append("sold out" if reasons(error)[1] == "ConditionalCheckFailed" else str(error))
                return
        outcomes.append("still in conflict after 60 s")

    threads = [threading.Thread(target=book, args=(n,)) for n in range(BOOKINGS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    items = dynamodb.scan(TableName="flights", ConsistentRead=True)["Items"]
    seats = next(item for item in items if item["sk"]["S"] == "INVENTORY")
    assert sorted(outcomes) == ["confirmed"] * SEATS + ["sold out"] * (BOOKINGS - SEATS)
    assert seats["available"] == {"N": "0"}
    assert len([item for item in items if item["sk"]["S"] == "RESERVATION"]) == SEATS


def test_a_write_during_another_transactions_commit_gets_dynamodbs_conflict_errors(dynamodb: Any) -> None:
    moto_fidelity.install(conflicts=True, commit_window=5.0)  # wide enough for the next calls on a busy machine
    reserve(dynamodb, 1)  # its items stay in progress for the commit window

    with pytest.raises(ClientError) as cancelled:
        reserve(dynamodb, 2)
    with pytest.raises(ClientError) as rejected:
        dynamodb.update_item(
            TableName="flights", Key=SEAT_KEY, UpdateExpression="SET note = :n", ExpressionAttributeValues={":n": {"S": "x"}}
        )

    assert cancelled.value.response["Error"]["Code"] == "TransactionCanceledException"
    assert reasons(cancelled.value) == ["None", "TransactionConflict"]  # the new reservation was free; the seats were not
    assert rejected.value.response["Error"]["Code"] == "TransactionConflictException"
    assert dynamodb.get_item(TableName="flights", Key=SEAT_KEY, ConsistentRead=True)["Item"]["available"] == {"N": str(SEATS - 1)}


def test_an_execution_input_over_256_kib_is_refused() -> None:
    with mock_aws():
        moto_fidelity.install()
        sfn = boto3.client("stepfunctions", region_name="us-east-1")
        definition = '{"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}'
        machine = sfn.create_state_machine(name="m", definition=definition, roleArn="arn:aws:iam::123456789012:role/r")
        with pytest.raises(ClientError) as refused:
            sfn.start_execution(stateMachineArn=machine["stateMachineArn"], name="big", input='{"a": "' + "x" * 262144 + '"}')
        assert refused.value.response["Error"]["Code"] == "ValidationException"
        assert sfn.list_executions(stateMachineArn=machine["stateMachineArn"])["executions"] == []
