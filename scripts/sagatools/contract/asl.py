"""Renders the ASL template exactly as Terraform's templatefile() would, for the subset we allow.

The template may use only `${name}` interpolations, so Python and Terraform produce identical text.
Anything else that templatefile() would interpret (`%{...}` directives, `$${` escapes, expressions
inside `${...}`) is refused, as is a missing or an unused value: both are bugs in the caller."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sagatools.contract.paths import ASL_TEMPLATE

_PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_ANY_TEMPLATE_SYNTAX = re.compile(r"[$%]\{")


class TemplateError(ValueError):
    pass


def placeholders(text: str) -> set[str]:
    """The names the template interpolates; raises TemplateError on any other template syntax."""
    for match in _ANY_TEMPLATE_SYNTAX.finditer(text):
        start = match.start()
        escaped = text[start - 1 : start] == "$"  # `$${` is templatefile()'s escape
        if escaped or not _PLACEHOLDER.match(text, start):
            line = text.count("\n", 0, start) + 1
            raise TemplateError(f"unsupported template syntax {text[start : start + 24]!r} on line {line}")
    return set(_PLACEHOLDER.findall(text))


def render(values: Mapping[str, Any], template: Path = ASL_TEMPLATE) -> str:
    text = template.read_text()
    wanted = placeholders(text)
    missing = sorted(wanted - values.keys())
    unused = sorted(values.keys() - wanted)
    if missing:
        raise TemplateError(f"no value given for placeholder(s): {', '.join(missing)}")
    if unused:
        raise TemplateError(f"value(s) given that the template does not use: {', '.join(unused)}")
    # Like templatefile(): numbers render bare, strings verbatim.
    return _PLACEHOLDER.sub(lambda match: str(values[match.group(1)]), text)


def render_definition(values: Mapping[str, Any], template: Path = ASL_TEMPLATE) -> dict[str, Any]:
    definition: dict[str, Any] = json.loads(render(values, template))
    return definition
