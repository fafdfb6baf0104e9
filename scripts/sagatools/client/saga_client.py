"""Runs bookings on a deployed saga and reads back what happened: the same code for AWS, the local
workspace and the in-process local engine, so tests and the CLI see all three alike."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import boto3

TERMINAL = {"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"}


class ResubmissionConflict(Exception):
    """The booking id was submitted before with other details: this request was not booked."""

    def __init__(self, booking_id: str, execution_arn: str) -> None:
        super().__init__(f"booking {booking_id} was submitted before with other details; this request was not booked ({execution_arn})")
        self.booking_id, self.execution_arn = booking_id, execution_arn


def _fingerprint(request: Any) -> str:
    """What identifies a booking (the domain's fingerprint), or the raw JSON of a request it refuses."""
    from trip_saga.errors import InvalidBookingRequest
    from trip_saga.models import BookingRequest, parse_model

    try:
        return parse_model(request, BookingRequest).fingerprint()
    except InvalidBookingRequest:
        return json.dumps(request, sort_keys=True)


@dataclass(frozen=True)
class ExecutionReport:
    booking_id: str
    execution_arn: str
    status: str
    error: str | None
    cause: str | None
    path: list[str]
    items: dict[str, dict[str, Any] | None]
    resubmitted: bool = False  # the booking had been submitted before: this is that execution

    def as_json(self) -> dict[str, Any]:
        return {
            "booking_id": self.booking_id,
            "status": self.status,
            "error": self.error,
            "path": self.path,
            "items": self.items,
            "resubmitted": self.resubmitted,
        }


class SagaClient:
    def __init__(
        self,
        *,
        state_machine_arn: str,
        table_names: Mapping[str, str],
        session: boto3.Session | None = None,
        endpoint_url: str | None = None,
        poll_seconds: float = 0.05,
        cancellation_arn: str | None = None,
        reconciliation_arn: str | None = None,
    ) -> None:
        session = session or boto3.Session()
        self.state_machine_arn = state_machine_arn
        self.cancellation_arn = cancellation_arn  # the cancellation state machine
        self.reconciliation_arn = reconciliation_arn  # the reconciliation state machine
        self.table_names = dict(table_names)
        self.sfn = session.client("stepfunctions", endpoint_url=endpoint_url)
        self.dynamodb = session.resource("dynamodb", endpoint_url=endpoint_url)
        self.poll_seconds = poll_seconds
        # The booking execution each reconciliation was started for (its input never changes): only a
        # new one is described to learn it, not all of them on every poll (a long run holds thousands).
        self._reconciled: dict[str, str | None] = {}

    def start(self, request: Mapping[str, Any], *, name: str | None = None) -> str:
        """Start the saga. The execution is named after the booking, so a booking runs at most once:
        Step Functions refuses a second execution of that name (ExecutionAlreadyExists)."""
        booking_id = str(request.get("booking_id") or uuid.uuid4())
        response = self.sfn.start_execution(stateMachineArn=self.state_machine_arn, name=name or booking_id, input=json.dumps(request))
        arn: str = response["executionArn"]
        return arn

    def submit(self, request: Mapping[str, Any]) -> tuple[str, bool]:
        """Start the booking's saga, or find the one it already has: (execution ARN, already submitted).
        A booking id already submitted with other details is a ResubmissionConflict: never booked."""
        try:
            return self.start(request), False
        except self.sfn.exceptions.ExecutionAlreadyExists:
            arn = self.execution_arn(str(request["booking_id"]))
            existing = json.loads(self.sfn.describe_execution(executionArn=arn)["input"])
            if _fingerprint(existing) != _fingerprint(request):
                raise ResubmissionConflict(str(request["booking_id"]), arn) from None
            return arn, True

    def execution_arn(self, name: str) -> str:
        return f"{self.state_machine_arn.replace(':stateMachine:', ':execution:')}:{name}"

    def describe(self, booking_id: str) -> dict[str, Any] | None:
        """The booking's execution, or None if it was never started."""
        try:
            description: dict[str, Any] = self.sfn.describe_execution(executionArn=self.execution_arn(booking_id))
        except self.sfn.exceptions.ExecutionDoesNotExist:
            return None
        return description

    def wait(self, execution_arn: str, *, timeout: float = 60) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            description: dict[str, Any] = self.sfn.describe_execution(executionArn=execution_arn)
            if description["status"] in TERMINAL:
                return description
            if time.monotonic() > deadline:
                raise TimeoutError(f"{execution_arn} still {description['status']} after {timeout}s")
            time.sleep(self.poll_seconds)

    def cancel(self, booking_execution_arn: str, *, name: str | None = None) -> str:
        """Start the booking's cancellation as the API does: named after the booking (or `name`), its
        input the booking's request and the execution that owns its items, in canonical form."""
        description = self.sfn.describe_execution(executionArn=booking_execution_arn)
        payload = {"booking_execution_arn": booking_execution_arn, "request": json.loads(description["input"])}
        response = self.sfn.start_execution(
            stateMachineArn=str(self.cancellation_arn),
            name=name or description["name"],
            input=json.dumps(payload, sort_keys=True, separators=(",", ":")),
        )
        arn: str = response["executionArn"]
        return arn

    def reconciliations(self, execution_arn: str, *, ended: int = 1, timeout: float = 120) -> list[dict[str, Any]]:
        """The reconciliations started for an execution (one per unsuccessful status-change event it
        sent), once `ended` of them exist and none is running; each description with its `path`."""
        deadline = time.monotonic() + timeout
        found: list[dict[str, Any]] = []
        while time.monotonic() < deadline:
            found = []
            for page in self.sfn.get_paginator("list_executions").paginate(stateMachineArn=str(self.reconciliation_arn)):
                for listed in page["executions"]:
                    reconciliation = listed["executionArn"]
                    if self._reconciled.get(reconciliation, execution_arn) != execution_arn:
                        continue
                    description = self.sfn.describe_execution(executionArn=reconciliation)
                    self._reconciled[reconciliation] = json.loads(description["input"]).get("detail", {}).get("executionArn")
                    if self._reconciled[reconciliation] == execution_arn:
                        found.append(description)
            if len(found) >= ended and all(d["status"] != "RUNNING" for d in found):
                return [{**d, "path": self.path(d["executionArn"])} for d in found]
            time.sleep(self.poll_seconds)
        raise TimeoutError(f"{execution_arn}: {len(found)} of {ended} reconciliations ended after {timeout}s")

    def history(self, execution_arn: str) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = []
        for page in self.sfn.get_paginator("get_execution_history").paginate(executionArn=execution_arn):
            events.extend(page["events"])
        return events

    def path(self, execution_arn: str) -> list[str]:
        """The state names in the order they were entered."""
        return [e["stateEnteredEventDetails"]["name"] for e in self.history(execution_arn) if e["type"].endswith("StateEntered")]

    def items(self, booking_id: str) -> dict[str, dict[str, Any] | None]:
        key = {"pk": f"BOOKING#{booking_id}", "sk": "RESERVATION"}
        return {
            service: self.dynamodb.Table(table).get_item(Key=key, ConsistentRead=True).get("Item")
            for service, table in self.table_names.items()
        }

    def all_items(self) -> dict[str, list[dict[str, Any]]]:
        found: dict[str, list[dict[str, Any]]] = {}
        for service, table_name in self.table_names.items():
            table = self.dynamodb.Table(table_name)
            response = table.scan(ConsistentRead=True)
            found[service] = list(response["Items"])
            while "LastEvaluatedKey" in response:
                response = table.scan(ConsistentRead=True, ExclusiveStartKey=response["LastEvaluatedKey"])
                found[service].extend(response["Items"])
        return found

    def run(self, request: Mapping[str, Any], *, name: str | None = None, timeout: float = 60) -> ExecutionReport:
        arn, resubmitted = (self.start(request, name=name), False) if name else self.submit(request)
        description = self.wait(arn, timeout=timeout)
        booking_id = str(request.get("booking_id"))
        return ExecutionReport(
            booking_id=booking_id,
            execution_arn=arn,
            status=description["status"],
            error=description.get("error"),
            cause=description.get("cause"),
            path=self.path(arn),
            items=self.items(booking_id),
            resubmitted=resubmitted,
        )
