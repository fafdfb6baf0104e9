"""The step catalog (functions.json, shipped beside the domain layer in every function's zip): each
step's order, kind, state, service and table, function and handler, DynamoDB actions, the step it
compensates, confirms or cancels, its fault key and the error its `fail` fault raises. The domain, the
tooling and Terraform all read this one file.

Kinds: `reserve` (the booking saga's forward steps, PENDING until confirmed; ProcessPayment is the
pivot), `confirm` (after the pivot: retried until they succeed, never compensated), `compensate` (the
booking saga's rollback, closing only its own execution's PENDING items) and `cancel` (the
cancellation workflow, closing a CONFIRMED booking for its customer)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

CATALOG = Path(__file__).resolve().parents[1] / "functions.json"


Kind = Literal["reserve", "confirm", "compensate", "cancel"]


@dataclass(frozen=True)
class Function:
    key: str  # e.g. "reserve-flight"; the deployed name is "<prefix>-<key>"
    order: int
    kind: Kind
    state: str
    service: str
    handler: str
    arn_placeholder: str  # the ASL template's ${...} for this function's ARN
    dynamodb_actions: tuple[str, ...]
    fault_key: str  # its key in a request's `faults` (and `faults.aws`)
    fault_error: str  # the error its `fail` fault raises
    compensates: str | None = None  # a compensation: the forward step (state) it undoes
    confirms: str | None = None  # a confirmation: the forward step whose item it confirms
    cancels: str | None = None  # a cancellation step: the confirmation whose item it closes

    workflows: tuple[str, ...] = ()  # the state machines whose templates invoke it: booking, cancellation, reconciliation


@dataclass(frozen=True)
class ApiFunction:
    """The bookings HTTP API's function: not a saga step."""

    key: str  # the deployed name is "<prefix>-<key>"; its code is build/lambda/<key>.zip
    handler: str
    actions: tuple[str, ...]  # what it calls: Step Functions on the state machine, GetItem on the tables
    environment: tuple[str, ...]  # the variables it reads


@dataclass(frozen=True)
class Catalog:
    tables: dict[str, str]  # service -> table suffix
    functions: tuple[Function, ...]  # in order: forward steps, then the compensation chain
    api: ApiFunction

    def by_state(self, state: str) -> Function:
        return next(function for function in self.functions if function.state == state)

    def invoked_by(self, workflow: str) -> tuple[Function, ...]:
        return tuple(function for function in self.functions if workflow in function.workflows)

    def of_kind(self, kind: Kind) -> tuple[Function, ...]:
        return tuple(function for function in self.functions if function.kind == kind)

    @property
    def forward(self) -> tuple[Function, ...]:
        """The reservations, the pivot last."""
        return self.of_kind("reserve")

    @property
    def confirmations(self) -> tuple[Function, ...]:
        """In the order the saga runs them: the payment (the commit record) first, the hotel last."""
        return self.of_kind("confirm")

    @property
    def compensations(self) -> tuple[Function, ...]:
        """Newest first, as the chain runs them."""
        return self.of_kind("compensate")

    @property
    def cancellations(self) -> tuple[Function, ...]:
        """As the cancellation workflow runs them: the hotel (confirmed last, so the gate) first."""
        return self.of_kind("cancel")


@cache
def load() -> Catalog:
    raw = json.loads(CATALOG.read_text())
    functions = [
        Function(key=key, **{**spec, "dynamodb_actions": tuple(spec["dynamodb_actions"]), "workflows": tuple(spec["workflows"])})
        for key, spec in raw["functions"].items()
    ]
    return Catalog(
        tables={service: spec["table"] for service, spec in raw["services"].items()},
        functions=tuple(sorted(functions, key=lambda function: function.order)),
        api=ApiFunction(
            key=raw["api"]["key"],
            handler=raw["api"]["handler"],
            actions=tuple(raw["api"]["actions"]),
            environment=tuple(raw["api"]["environment"]),
        ),
    )
