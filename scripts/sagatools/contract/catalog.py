"""The function catalog (lambdas/functions.json) as typed Python."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache

from sagatools.contract.paths import CATALOG


@dataclass(frozen=True)
class Function:
    key: str  # e.g. "reserve-flight"; the deployed name is "<prefix>-<key>"
    state: str
    service: str
    handler: str
    template_arn: str
    dynamodb_actions: tuple[str, ...]


@dataclass(frozen=True)
class Catalog:
    tables: dict[str, str]  # service -> table suffix
    functions: tuple[Function, ...]

    def by_state(self, state: str) -> Function:
        return next(function for function in self.functions if function.state == state)


@cache
def load() -> Catalog:
    raw = json.loads(CATALOG.read_text())
    return Catalog(
        tables={service: spec["table"] for service, spec in raw["services"].items()},
        functions=tuple(
            Function(key=key, dynamodb_actions=tuple(spec.pop("dynamodb_actions")), **spec)
            for key, spec in ((key, dict(spec)) for key, spec in raw["functions"].items())
        ),
    )


# Every service table: generic string keys, on demand (modules/service/main.tf declares the same).
TABLE_SCHEMA = {
    "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "S"}],
    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
    "BillingMode": "PAY_PER_REQUEST",
}


def function_environment(function: Function, *, prefix: str, fault_injection: bool) -> dict[str, str]:
    """The environment Terraform gives each function (modules/service): the code reads exactly these."""
    return {
        "TABLE_NAME": f"{prefix}-{load().tables[function.service]}",
        "FAULT_INJECTION_ENABLED": "true" if fault_injection else "false",
        "POWERTOOLS_SERVICE_NAME": function.service,
        "POWERTOOLS_METRICS_NAMESPACE": "TripSaga",
        "POWERTOOLS_LOG_LEVEL": "INFO",
    }
