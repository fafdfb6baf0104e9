"""The step catalog (functions.json, shipped beside the domain layer in every function's zip): each
saga step's order, state, service and table, function and handler, DynamoDB actions, the forward step
it compensates, its fault key and the error its `fail` fault raises. The domain, the tooling and
Terraform all read this one file."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

CATALOG = Path(__file__).resolve().parents[1] / "functions.json"


@dataclass(frozen=True)
class Function:
    key: str  # e.g. "reserve-flight"; the deployed name is "<prefix>-<key>"
    order: int
    state: str
    service: str
    handler: str
    arn_placeholder: str  # the ASL template's ${...} for this function's ARN
    dynamodb_actions: tuple[str, ...]
    fault_key: str  # its key in a request's `faults` (and `faults.aws`)
    fault_error: str  # the error its `fail` fault raises
    compensates: str | None = None  # the forward step (state) it undoes; None for a forward step


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

    @property
    def forward(self) -> tuple[Function, ...]:
        return tuple(function for function in self.functions if function.compensates is None)

    @property
    def compensations(self) -> tuple[Function, ...]:
        """Newest first, as the chain runs them."""
        return tuple(function for function in self.functions if function.compensates is not None)


@cache
def load() -> Catalog:
    raw = json.loads(CATALOG.read_text())
    functions = [
        Function(key=key, **{**spec, "dynamodb_actions": tuple(spec["dynamodb_actions"])}) for key, spec in raw["functions"].items()
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
