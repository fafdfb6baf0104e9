"""``aws_iam_policy_document``, rendered as hashicorp/aws 6.x renders it.

Follows the provider's internal/service/iam/policy_document_data_source.go and policy_model.go:
statements in configuration order with fields in the order Sid (omitted when empty, since 5.0),
Effect (default Allow), Action, NotAction, Resource, NotResource, Principal, NotPrincipal, Condition;
a one-element set becomes a string, a longer one a list sorted in reverse; principals of one type are
merged; condition values keep their order and a single value becomes a string; ``&{`` becomes ``${``
in resources, principals and condition values; source documents are merged first and override
documents last, statements with the same Sid replacing each other. ``json`` is Go's
``json.MarshalIndent(doc, "", "  ")``, ``minified_json`` its ``json.Marshal`` (both escape <, > and &
as Go does), and ``id`` the CRC-32 of ``json``.
"""

from __future__ import annotations

import json
import zlib
from typing import Any

DEFAULT_VERSION = "2012-10-17"


class PolicyDocumentError(ValueError):
    pass


def _strings(values: list[str]) -> str | list[str]:
    """policyDecodeConfigStrings: one element as a string, more sorted in reverse."""
    if len(values) == 1:
        return values[0]
    return sorted(values, reverse=True)


def _replace_vars(value: str | list[str], version: str) -> str | list[str]:
    items = [value] if isinstance(value, str) else value
    for item in items:
        if version == "2008-10-17" and "&{" in item:
            raise PolicyDocumentError(f"found &{{ sequence in ({item}), which is not supported in document version 2008-10-17")
    if isinstance(value, str):
        return value.replace("&{", "${")
    return [item.replace("&{", "${") for item in value]


class _Principals(list[tuple[str, Any]]):
    def to_json(self) -> Any:
        if len(self) == 1:
            kind, identifiers = self[0]
            if kind == "*" and identifiers in ("*", ["*"]):
                return "*"
        raw: dict[str, Any] = {}
        for kind, identifiers in self:
            existing = raw.get(kind)
            if isinstance(identifiers, list):
                merged = [] if existing is None else ([existing] if isinstance(existing, str) else list(existing))
                raw[kind] = merged + sorted(identifiers, reverse=True)
            elif existing is None:
                raw[kind] = identifiers
            else:
                raw[kind] = ([existing] if isinstance(existing, str) else list(existing)) + [identifiers]
        return dict(sorted(raw.items()))

    @classmethod
    def from_json(cls, data: Any) -> _Principals:
        if isinstance(data, str):
            return cls([("*", ["*"])])
        if not isinstance(data, dict):
            raise PolicyDocumentError(f"Unsupported data type {type(data).__name__} for IAMPolicyStatementPrincipalSet")
        out = cls()
        for kind, value in data.items():
            if isinstance(value, str):
                out.append((kind, value))
            elif isinstance(value, list) and all(isinstance(v, str) for v in value):
                out.append((kind, sorted(value)))
            else:
                raise PolicyDocumentError("Unsupported data type for IAMPolicyStatementPrincipalSet.Identifiers")
        return out


class _Conditions(list[tuple[str, str, Any]]):
    def to_json(self) -> Any:
        raw: dict[str, dict[str, list[str]]] = {}
        for test, variable, values in self:
            entry = raw.setdefault(test, {}).setdefault(variable, [])
            entry.extend(values if isinstance(values, list) else [values])
        return {
            test: {variable: values[0] if len(values) == 1 else values for variable, values in sorted(variables.items())}
            for test, variables in sorted(raw.items())
        }

    @classmethod
    def from_json(cls, data: Any) -> _Conditions:
        out = cls()
        for test, variables in (data or {}).items():
            for variable, values in variables.items():
                if isinstance(values, str):
                    out.append((test, variable, [values]))
                elif isinstance(values, bool):
                    out.append((test, variable, "true" if values else "false"))
                elif isinstance(values, list):
                    out.append((test, variable, [str(v) for v in values]))
        return out


class _Statement:
    FIELDS = (
        ("Sid", "sid"),
        ("Effect", "effect"),
        ("Action", "actions"),
        ("NotAction", "not_actions"),
        ("Resource", "resources"),
        ("NotResource", "not_resources"),
        ("Principal", "principals"),
        ("NotPrincipal", "not_principals"),
        ("Condition", "conditions"),
    )

    def __init__(self) -> None:
        self.sid = ""
        self.effect = ""
        self.actions: Any = None
        self.not_actions: Any = None
        self.resources: Any = None
        self.not_resources: Any = None
        self.principals = _Principals()
        self.not_principals = _Principals()
        self.conditions = _Conditions()

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, field in self.FIELDS:
            value = getattr(self, field)
            if isinstance(value, _Principals | _Conditions):
                if value:  # omitempty: a nil or empty slice
                    out[key] = value.to_json()
            elif field in ("sid", "effect"):
                if value:  # omitempty strings
                    out[key] = value
            elif value is not None:  # omitempty interfaces: only nil is left out
                out[key] = value
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> _Statement:
        statement = cls()
        statement.sid = data.get("Sid", "") or ""
        statement.effect = data.get("Effect", "") or ""
        statement.actions = data.get("Action")
        statement.not_actions = data.get("NotAction")
        statement.resources = data.get("Resource")
        statement.not_resources = data.get("NotResource")
        if "Principal" in data:
            statement.principals = _Principals.from_json(data["Principal"])
        if "NotPrincipal" in data:
            statement.not_principals = _Principals.from_json(data["NotPrincipal"])
        statement.conditions = _Conditions.from_json(data.get("Condition"))
        return statement


class _Document:
    def __init__(self, version: str = "", policy_id: str = "") -> None:
        self.version = version
        self.id = policy_id
        self.statements: list[_Statement] = []

    def merge(self, other: _Document) -> None:
        if other.id:
            self.id = other.id
        if other.version > self.version:
            self.version = other.version
        for statement in other.statements:
            if statement.sid:
                for index, existing in enumerate(self.statements):
                    if existing.sid == statement.sid:
                        self.statements[index] = statement
                        break
                else:
                    self.statements.append(statement)
            else:
                self.statements.append(statement)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.version:
            out["Version"] = self.version
        if self.id:
            out["Id"] = self.id
        if self.statements:
            out["Statement"] = [statement.to_json() for statement in self.statements]
        return out

    @classmethod
    def from_json(cls, text: str) -> _Document:
        data = json.loads(text)
        document = cls(data.get("Version", "") or "", data.get("Id", "") or "")
        statements = data.get("Statement") or []
        document.statements = [_Statement.from_json(s) for s in (statements if isinstance(statements, list) else [statements])]
        return document


def _go_json(value: Any, indent: bool) -> str:
    """encoding/json's output: HTML-safe escapes, non-ASCII kept."""
    text = json.dumps(value, ensure_ascii=False, indent=2 if indent else None, separators=(",", ": ") if indent else (",", ":"))
    for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, escape)
    return text


def _statement(config: dict[str, Any], version: str) -> _Statement:
    statement = _Statement()
    statement.effect = config.get("effect") or "Allow"
    statement.sid = config.get("sid") or ""
    for field in ("actions", "not_actions"):
        if config.get(field):
            setattr(statement, field, _strings(list(config[field])))
    for field in ("resources", "not_resources"):
        if config.get(field):
            setattr(statement, field, _replace_vars(_strings(list(config[field])), version))
    for field in ("principals", "not_principals"):
        principals = _Principals()
        for principal in config.get(field) or []:
            principals.append((principal["type"], _replace_vars(_strings(list(principal["identifiers"])), version)))
        setattr(statement, field, principals)
    for condition in config.get("condition") or []:
        values = _replace_vars([str(v) for v in condition["values"]], version)
        statement.conditions.append((condition["test"], condition["variable"], values[0] if len(values) == 1 else values))
    return statement


def render(config: dict[str, Any]) -> dict[str, str]:
    """``json``, ``minified_json`` and ``id`` for a (wholly known) configuration."""
    merged = _Document()
    sids: set[str] = set()
    for index, source in enumerate(config.get("source_policy_documents") or []):
        if source is None:
            continue
        document = _Document.from_json(source)
        for number, statement in enumerate(document.statements):
            if statement.sid:
                if statement.sid in sids:
                    raise PolicyDocumentError(
                        f"merging source document {index}: duplicate Sid ({statement.sid}) in source_policy_documents (statement {number})."
                        " Remove the Sid or ensure Sids are unique."
                    )
                sids.add(statement.sid)
        merged.merge(document)

    version = config.get("version") or DEFAULT_VERSION
    current = _Document(version, config.get("policy_id") or "")
    seen: set[str] = set()
    for statement_config in config.get("statement") or []:
        statement = _statement(statement_config, version)
        if statement.sid:
            if statement.sid in seen:
                raise PolicyDocumentError(f"duplicate Sid ({statement.sid}). Remove the Sid or ensure the Sid is unique.")
            seen.add(statement.sid)
        current.statements.append(statement)
    merged.merge(current)

    for override in config.get("override_policy_documents") or []:
        if override is not None:
            merged.merge(_Document.from_json(override))

    rendered = merged.to_json()
    pretty = _go_json(rendered, indent=True)
    return {"json": pretty, "minified_json": _go_json(rendered, indent=False), "id": str(zlib.crc32(pretty.encode()))}
