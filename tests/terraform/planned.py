"""Reading Terraform plans (``terraform show -json``) in the plan tests."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tfprovider import check


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def failure(run: Callable[[], object]) -> str:
    """The output of a terraform step that must fail, whitespace collapsed."""
    with pytest.raises(check.CheckFailed) as failed:
        run()
    return re.sub(r"\s+", " ", failed.value.output)


def resources(plan: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Address -> planned values of every resource the plan creates."""
    return {change["address"]: change["change"]["after"] for change in plan["resource_changes"] if "create" in change["change"]["actions"]}


def unknown(plan: dict[str, Any]) -> dict[str, Any]:
    """Address -> which values of it are known only after apply (after_unknown)."""
    return {
        change["address"]: change["change"]["after_unknown"]
        for change in plan["resource_changes"]
        if "create" in change["change"]["actions"]
    }


def outputs(plan: dict[str, Any]) -> dict[str, Any]:
    """Root output -> its planned value: None when null, or when known only after apply (``after_unknown``)."""
    return {name: change.get("after") for name, change in plan["output_changes"].items()}


def references(plan: dict[str, Any], module_path: list[str], address: str, attribute: str) -> list[str]:
    """What an argument's expression refers to, from the plan's configuration: for values known only
    after apply, the plan can still say where they come from. ``attribute`` is a path such as
    ``access_log_settings.0.destination_arn`` (blocks are lists)."""
    module = plan["configuration"]["root_module"]
    for name in module_path:
        module = module["module_calls"][name]["module"]
    resource = next(r for r in module["resources"] if r["address"] == address)
    expression: Any = resource["expressions"]
    for part in attribute.split("."):
        expression = expression[int(part)] if part.isdigit() else expression[part]
    found: list[str] = expression.get("references", [])
    return found
