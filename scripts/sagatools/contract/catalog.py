"""The step catalog as the tooling uses it (trip_saga.catalog reads it), and what it implies for a deploy:
the table schema and each function's environment."""

from __future__ import annotations

from trip_saga.catalog import Catalog, Function, load

__all__ = ["METRICS_NAMESPACE", "TABLE_SCHEMA", "Catalog", "Function", "function_environment", "load"]

# The CloudWatch namespace of the saga's own metrics: the functions' EMF step metrics and the state
# machine's CompensationFailed count (the Terraform modules' metrics_namespace default).
METRICS_NAMESPACE = "TripSaga"


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
        "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
        "POWERTOOLS_LOG_LEVEL": "INFO",
    }
