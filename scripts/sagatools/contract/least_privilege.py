"""Least privilege, measured: what each role's policies grant against what its calls used.

Granted: every statement of every inline role policy Terraform applied (`terraform show -json` of the
state). Used: every request the local workspace's authorizer judged for a role (its iam-usage.jsonl:
action, resource, and the statements that allowed it). For each statement, the actions and resource
patterns no request needed are unused; an unused grant is removed from the policy or justified beside
its statement, as an iam-lint acceptance is:

    # least-privilege:unused-here Step Functions delivers execution logs on AWS; the local endpoint does not
    statement {
      sid = "LogDelivery"

A justification no unused grant needs any more is stale, and an error too."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sagatools.contract import hcl, iam_lint
from sagatools.emulator.iam_evaluation import arn_like

JUSTIFIED = re.compile(r"#\s*least-privilege:unused-here\s+(\S.*)$")


def _listed(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value or [])


def _action_matches(pattern: str, action: str) -> bool:
    regex = "".join(".*" if char == "*" else "." if char == "?" else re.escape(char) for char in pattern)
    return re.fullmatch(regex, action, re.IGNORECASE) is not None


@dataclass(frozen=True)
class Use:
    """One judged request of a role, as the authorizer wrote it."""

    role: str
    action: str
    resource: str
    allowed: bool
    statements: tuple[str, ...]  # "<role>/<policy>#<sid>"


@dataclass
class Measured:
    """One statement: what it grants, what was used of it, and why the rest may stay."""

    role: str
    policy: str
    sid: str
    actions: list[str]
    resources: list[str]
    justification: str | None
    used: dict[str, set[str]] = field(default_factory=dict)  # action -> resources it was used on

    @property
    def name(self) -> str:
        return f"{self.role}/{self.policy}#{self.sid}"

    @property
    def unused_actions(self) -> list[str]:
        return [pattern for pattern in self.actions if not any(_action_matches(pattern, action) for action in self.used)]

    @property
    def unused_resources(self) -> list[str]:
        used = {resource for resources in self.used.values() for resource in resources}
        return [pattern for pattern in self.resources if not any(pattern == "*" or arn_like(pattern, r) for r in used)]

    @property
    def fully_used(self) -> bool:
        return not self.unused_actions and not self.unused_resources


@dataclass(frozen=True)
class Report:
    statements: list[Measured]
    refused: list[Use]  # requests the policies refused (the suite that made them failed)

    @property
    def unjustified(self) -> list[Measured]:
        return [statement for statement in self.statements if not statement.fully_used and statement.justification is None]

    @property
    def stale(self) -> list[Measured]:
        return [statement for statement in self.statements if statement.fully_used and statement.justification is not None]

    @property
    def ok(self) -> bool:
        return not self.unjustified and not self.stale

    def table(self) -> str:
        """Markdown: per role and statement, granted against used (actions x resources)."""
        lines = ["| role | statement | actions used / granted | resources used / granted | unused, and why |", "|---|---|---|---|---|"]
        for statement in sorted(self.statements, key=lambda s: (s.role, s.sid)):
            used_actions = len(statement.actions) - len(statement.unused_actions)
            used_resources = len(statement.resources) - len(statement.unused_resources)
            unused = ", ".join([*statement.unused_actions, *(f"`{r}`" for r in statement.unused_resources if r != "*")])
            why = f"{unused}: {statement.justification}" if unused and statement.justification else unused or "-"
            if unused and statement.justification is None:
                why = f"**UNJUSTIFIED** {unused}"
            lines.append(
                f"| {statement.role} | {statement.sid} | {used_actions}/{len(statement.actions)} "
                f"| {used_resources}/{len(statement.resources)} | {why} |"
            )
        return "\n".join(lines)


def read_uses(paths: Iterable[Path]) -> list[Use]:
    uses = []
    for path in paths:
        if path.exists():
            for line in path.read_text().splitlines():
                record = json.loads(line)
                uses.append(Use(record["role"], record["action"], record["resource"], record["allowed"], tuple(record["statements"])))
    return uses


def granted(state: Mapping[str, Any], configuration: Path) -> list[Measured]:
    """Every Allow statement of every inline role policy in an applied state, with its justification."""
    directories = iam_lint.module_directories(configuration, dict(state))
    comments = hcl.statement_comments(*directories.values())
    statements = []
    for resource, module in iam_lint.managed_resources(dict(state)):
        if resource["type"] != "aws_iam_role_policy":
            continue
        values = resource["values"]
        call = re.sub(r"\[[^]]*\]", "", module.removeprefix("module.")).split(".module.")[0]
        directory = directories.get(call, configuration).resolve()
        document = json.loads(values["policy"])
        listed = document["Statement"]
        for statement in [listed] if isinstance(listed, dict) else listed:
            if statement.get("Effect") != "Allow":
                continue
            sid = statement.get("Sid", "")
            reasons = [found.group(1) for found in map(JUSTIFIED.search, comments.get((directory, sid), [])) if found]
            statements.append(
                Measured(
                    str(values["role"]),
                    str(values["name"]),
                    sid,
                    _listed(statement.get("Action")),
                    _listed(statement.get("Resource")),
                    " ".join(reasons) or None,
                )
            )
    return statements


def measure(state: Mapping[str, Any], configuration: Path, uses: Iterable[Use]) -> Report:
    statements = granted(state, configuration)
    by_name = {statement.name: statement for statement in statements}
    refused = []
    for use in uses:
        if not use.allowed:
            refused.append(use)
        for name in use.statements:
            if name in by_name:
                by_name[name].used.setdefault(use.action, set()).add(use.resource)
    return Report(statements, refused)
