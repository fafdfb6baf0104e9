"""The outputs' shape: `terraform output -json`, which the integration suite and the CLI read for any
workspace (the local workspace's are Terraform's own: it is deployed by `terraform apply`); tests build
outputs in that shape with this."""

from __future__ import annotations

from typing import Any


def terraform_output_json(values: dict[str, Any]) -> dict[str, Any]:
    """Values as `terraform output -json` prints them: {name: {"sensitive", "type", "value"}}."""

    def type_of(value: Any) -> Any:
        if isinstance(value, bool):
            return "bool"
        if isinstance(value, (int, float)):
            return "number"
        if isinstance(value, dict):
            return ["object", {key: type_of(inner) for key, inner in value.items()}]
        return "string"

    return {name: {"sensitive": False, "type": type_of(value), "value": value} for name, value in values.items()}
