#!/usr/bin/env python3
"""Renders the state machine as a Mermaid flowchart from the rendered ASL, for docs/design.md.

python scripts/diagram.py           # print it
python scripts/diagram.py --write   # replace the diagram in docs/design.md
python scripts/diagram.py --check   # exit 1 if docs/design.md's diagram no longer matches the template
"""

from __future__ import annotations

import sys
from typing import Any

from sagatools.contract import asl, markers
from sagatools.contract.paths import ASL_TEMPLATE, ROOT

BEGIN, END = "<!-- BEGIN_DIAGRAM -->", "<!-- END_DIAGRAM -->"
SHAPES = {"Succeed": "([{}])", "Fail": "[[{}]]", "Pass": "[/{}/]", "Map": "[[{}]]", "Choice": "{{{{{}}}}}"}


def placeholder_values() -> dict[str, Any]:
    """Any values will do: the diagram shows the structure, not the ARNs."""
    return {name: f"${{{name}}}" if name.endswith(("_arn", "_namespace")) else 0 for name in asl.placeholders(ASL_TEMPLATE.read_text())}


def _node(name: str, state: dict[str, Any]) -> str:
    shape = SHAPES.get(state["Type"], "[{}]")
    return f"    {name}{shape.format(name)}"


def _edges(name: str, state: dict[str, Any]) -> list[str]:
    edges = []
    if "Next" in state:
        edges.append(f"    {name} --> {state['Next']}")
    retried = {error for retry in state.get("Retry", []) for error in retry["ErrorEquals"]}
    for catch in state.get("Catch", []):
        errors = " / ".join(catch["ErrorEquals"]).replace("States.ALL", "any error")
        if "States.ALL" in retried:
            errors += ", after retries"
        edges.append(f"    {name} -. {errors} .-> {catch['Next']}")
    return edges


def mermaid() -> str:
    definition = asl.render_definition(placeholder_values())
    lines = ["flowchart TD", f"    start((start)) --> {definition['StartAt']}"]
    edges: list[str] = []
    for name, state in definition["States"].items():
        if state["Type"] == "Map":
            inner = state["ItemProcessor"]
            lines.append(f"    subgraph {name}[{name}: for each remaining compensation, one at a time]")
            for inner_name, inner_state in inner["States"].items():
                lines.append("    " + _node(inner_name, inner_state))
                edges += _edges(inner_name, inner_state)
            lines.append("    end")
        else:
            lines.append(_node(name, state))
        edges += _edges(name, state)
    return "\n".join([*lines, *edges])


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    block = f"```mermaid\n{mermaid()}\n```"
    if not argv:
        print(block)
        return 0
    current = markers.update(ROOT / "docs" / "design.md", BEGIN, END, block, check="--check" in argv)
    if "--check" in argv and not current:
        print("docs/design.md's diagram does not match the template (run: python scripts/diagram.py --write)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
