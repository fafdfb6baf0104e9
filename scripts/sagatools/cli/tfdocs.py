#!/usr/bin/env python3
"""Keeps each Terraform module's README inputs and outputs true: regenerates the tables between
<!-- BEGIN_TF_DOCS --> and <!-- END_TF_DOCS --> from variables.tf and outputs.tf.

    python scripts/tfdocs.py          # rewrite the READMEs
    python scripts/tfdocs.py --check  # exit 1 if any README is out of date (make test runs this)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from sagatools.contract import hcl, markers

BEGIN, END = "<!-- BEGIN_TF_DOCS -->", "<!-- END_TF_DOCS -->"


def _expression(value: Any, *, literal_strings: bool = True) -> str:
    """How the value reads in HCL: expressions unwrapped, strings quoted (but not type names)."""
    if isinstance(value, str) and value.startswith("${") and value.endswith("}"):
        text = value[2:-1]
    elif isinstance(value, str) and not literal_strings:
        text = value
    else:
        text = json.dumps(value)
    return " ".join(text.split()).replace("|", "\\|")


def tables(module: Path) -> str:
    parsed = hcl.load(module)
    lines = ["## Inputs", "", "| name | description | type | default |", "|---|---|---|---|"]
    for name, body in sorted(parsed.named("variable").items()):
        default = f"`{_expression(body['default'])}`" if "default" in body else "required"
        lines.append(f"| `{name}` | {body['description']} | `{_expression(body['type'], literal_strings=False)}` | {default} |")
    lines += ["", "## Outputs", "", "| name | description |", "|---|---|"]
    for name, body in sorted(parsed.named("output").items()):
        lines.append(f"| `{name}` | {body['description']} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    check = "--check" in argv
    stale = [
        str(module / "README.md")
        for module in hcl.modules()
        if not markers.update(module / "README.md", BEGIN, END, tables(module), check=check)
    ]
    if check and stale:
        print("out of date (run: make docs):", *stale, sep="\n  ")
        return 1
    updated = f", updated {len(stale)}" if stale and not check else ""
    print(f"{'checked' if check else 'wrote'} {len(hcl.modules())} module READMEs{updated}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
