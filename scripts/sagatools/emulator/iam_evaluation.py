"""IAM policy evaluation, for one account, as AWS's policy evaluation logic describes it
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html), for the
policy language this repository's policies use. Pure: the caller hands in the request and the policies.

- "An explicit deny in any of the policies overrides the allow."
- Within one account, "If either the identity-based policy or the resource-based policy within the same
  account allows the request and the other doesn't, the request is still allowed" — except that "IAM
  role trust policies and KMS key policies ... must explicitly allow access for principals": a key
  policy allows a principal either by naming it or by naming the account (`arn:aws:iam::<account>:root`),
  which delegates to the principal's identity policies (key-policies.html). A resource policy that
  names the account delegates the same way.
- Action and NotAction match case-insensitively with `*` and `?`; Resource and NotResource, and the
  Arn* condition operators, case-sensitively (an ARN component by component for Arn*).
- A condition key absent from the request makes its condition false, except for ...IfExists and Null,
  and for negated operators, which are then true (reference_policies_elements_condition_operators.html).
  Operators: String*, Arn*, Bool, Numeric*, Null, each with IfExists, and the ForAnyValue: and
  ForAllValues: set operators. Condition keys are case-insensitive.

Not modelled (a policy that needs them is refused with NotModelled, never silently allowed): policy
variables (${aws:username} and friends), Date* operators, NotPrincipal, permissions boundaries, session
policies, SCPs and RCPs, cross-account access.

Written here because no maintained library evaluates a request against identity, resource and key
policies with conditions: policyuniverse parses statements and expands wildcards (no request
context), moto's own IAM check matches actions only (and resources for a few services)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal


class NotModelled(Exception):
    """A policy uses what this evaluator does not model: the request is refused rather than guessed at."""


@dataclass(frozen=True)
class Principal:
    """Who makes the request: an IAM role's session, the account's administrator, or an AWS service."""

    arn: str  # arn:aws:sts::<account>:assumed-role/<role>/<session>, arn:aws:iam::<account>:user/<name>, or the service
    account: str
    role_arn: str | None = None  # the role of an assumed-role session
    service: str | None = None  # e.g. lambda.amazonaws.com, for a service principal

    def named_by(self, principal: Any) -> Literal["self", "account", None]:
        """How a policy's Principal element names this principal: itself (or "*"), its account (a
        delegation to its identity policies), or not at all."""
        if principal == "*":
            return "self"
        if not isinstance(principal, Mapping):
            return None
        for kind, values in principal.items():
            for value in [values] if isinstance(values, str) else values:
                if kind == "Service" and self.service == value:
                    return "self"
                if kind == "AWS" and value == "*":
                    return "self"
                if kind == "AWS" and self.service is None:
                    if value in (self.arn, self.role_arn):
                        return "self"
                    if value in (self.account, f"arn:aws:iam::{self.account}:root"):
                        return "account"
        return None


@dataclass(frozen=True)
class Request:
    action: str  # service:Action
    resource: str  # the resource's ARN, or "*"
    principal: Principal
    context: Mapping[str, str | list[str]] = field(default_factory=dict)  # condition keys, any case


@dataclass(frozen=True)
class Match:
    policy: str  # the policy's name (role/inline-name, a managed policy's ARN, key policy, ...)
    sid: str | None
    effect: str


Reason = Literal[
    "allowed",
    "explicit deny in an identity-based policy",
    "explicit deny in a resource-based policy",
    "no identity-based policy allows",
    "no resource-based policy allows",
]


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: Reason
    matches: tuple[Match, ...]  # the statements that allowed it (or the deny that refused it)


Policies = Iterable[tuple[str, str | Mapping[str, Any]]]  # (name, document)


def _listed(value: Any) -> list[Any]:
    return [value] if isinstance(value, str | bool | int | float) else list(value or [])


def _glob(pattern: str, value: str, *, case_sensitive: bool) -> bool:
    """IAM's wildcards: * any run of characters, ? one character, everything else literal."""
    if "${" in pattern:
        raise NotModelled(f"policy variables are not modelled: {pattern}")
    regex = "".join(".*" if char == "*" else "." if char == "?" else re.escape(char) for char in pattern)
    return re.fullmatch(regex, value, 0 if case_sensitive else re.IGNORECASE) is not None


def arn_like(pattern: str, arn: str) -> bool:
    """ArnLike / ArnEquals: "each of the six colon-delimited components of the ARN is checked separately"."""
    if pattern == "*":
        return True
    wanted, given = pattern.split(":", 5), arn.split(":", 5)
    if len(wanted) != 6 or len(given) != 6:
        return False
    return all(_glob(w, g, case_sensitive=True) for w, g in zip(wanted, given, strict=True))


def _context_values(context: Mapping[str, str | list[str]], key: str) -> list[str] | None:
    for name, value in context.items():
        if name.lower() == key.lower():
            return [str(item) for item in _listed(value)]
    return None


def _compare(base: str, policy_value: str, value: str) -> bool:
    if base in ("StringEquals", "StringNotEquals"):
        return policy_value == value
    if base in ("StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase"):
        return policy_value.lower() == value.lower()
    if base in ("StringLike", "StringNotLike"):
        return _glob(policy_value, value, case_sensitive=True)
    if base in ("ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike"):
        return arn_like(policy_value, value)
    if base == "Bool":
        return policy_value.lower() == value.lower()
    if base.startswith("Numeric"):
        left, right = float(value), float(policy_value)
        return {
            "NumericEquals": left == right,
            "NumericNotEquals": left == right,
            "NumericLessThan": left < right,
            "NumericLessThanEquals": left <= right,
            "NumericGreaterThan": left > right,
            "NumericGreaterThanEquals": left >= right,
        }[base]
    raise NotModelled(f"the condition operator {base} is not modelled")


OPERATORS = {
    *("StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase", "StringLike", "StringNotLike"),
    *("ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike", "Bool", "Null"),
    *("NumericEquals", "NumericNotEquals", "NumericLessThan", "NumericLessThanEquals", "NumericGreaterThan", "NumericGreaterThanEquals"),
}
NEGATED = {"StringNotEquals", "StringNotEqualsIgnoreCase", "StringNotLike", "ArnNotEquals", "ArnNotLike", "NumericNotEquals"}


def condition_holds(operator: str, key: str, policy_values: Any, context: Mapping[str, str | list[str]]) -> bool:
    """One key of one condition operator block."""
    wanted = [str(value).lower() if isinstance(value, bool) else str(value) for value in _listed(policy_values)]
    given = _context_values(context, key)
    qualifier, _, base = operator.rpartition(":")
    if_exists = base.endswith("IfExists")
    base = base.removesuffix("IfExists")
    if base not in OPERATORS or qualifier not in ("", "ForAnyValue", "ForAllValues"):
        raise NotModelled(f"the condition operator {operator} is not modelled")
    if base == "Null":
        return (given is None) == (wanted[0].lower() == "true")
    if given is None:
        return if_exists or base in NEGATED or qualifier == "ForAllValues"
    if qualifier == "ForAllValues":
        found = all(any(_compare(base, policy, value) for policy in wanted) for value in given)
    else:  # ForAnyValue:, or a single-valued key
        found = any(_compare(base, policy, value) for policy in wanted for value in given)
    return not found if base in NEGATED else found


def statement_applies(statement: Mapping[str, Any], request: Request, *, resource_policy: bool) -> bool:
    """Whether a statement covers the request (regardless of its Effect)."""
    if "NotPrincipal" in statement:
        raise NotModelled("NotPrincipal is not modelled")
    if resource_policy and request.principal.named_by(statement.get("Principal")) is None:
        return False
    if "Action" in statement:
        if not any(_glob(pattern, request.action, case_sensitive=False) for pattern in _listed(statement["Action"])):
            return False
    elif any(_glob(pattern, request.action, case_sensitive=False) for pattern in _listed(statement.get("NotAction"))):
        return False
    if "Resource" in statement:
        if not any(_resource_matches(pattern, request.resource) for pattern in _listed(statement["Resource"])):
            return False
    elif "NotResource" in statement:
        if any(_resource_matches(pattern, request.resource) for pattern in _listed(statement["NotResource"])):
            return False
    elif not resource_policy:
        return False  # an identity policy's statement without a resource applies to nothing
    for operator, keys in (statement.get("Condition") or {}).items():
        for key, values in keys.items():
            if not condition_holds(operator, key, values, request.context):
                return False
    return True


def _resource_matches(pattern: str, resource: str) -> bool:
    return pattern == "*" or _glob(pattern, resource, case_sensitive=True)


def _statements(document: str | Mapping[str, Any]) -> list[Mapping[str, Any]]:
    parsed = json.loads(document) if isinstance(document, str) else document
    statements = parsed.get("Statement", [])
    return [statements] if isinstance(statements, Mapping) else list(statements)


def evaluate(
    request: Request,
    identity_policies: Policies = (),
    resource_policy: tuple[str, str | Mapping[str, Any]] | None = None,
    *,
    resource_policy_must_allow: bool = False,
) -> Decision:
    """Allow or deny, and the statements that decided. `resource_policy_must_allow`: a KMS key policy or a
    role's trust policy, which must allow the principal itself, or name its account and so delegate
    to the principal's identity policies."""
    identity_allows: list[Match] = []
    for name, document in identity_policies:
        for statement in _statements(document):
            if statement_applies(statement, request, resource_policy=False):
                match = Match(name, statement.get("Sid"), statement.get("Effect", "Allow"))
                if match.effect == "Deny":
                    return Decision(False, "explicit deny in an identity-based policy", (match,))
                identity_allows.append(match)
    names_principal: list[Match] = []
    names_account: list[Match] = []
    if resource_policy is not None:
        name, document = resource_policy
        for statement in _statements(document):
            if statement_applies(statement, request, resource_policy=True):
                match = Match(name, statement.get("Sid"), statement.get("Effect", "Allow"))
                if match.effect == "Deny":
                    return Decision(False, "explicit deny in a resource-based policy", (match,))
                named = request.principal.named_by(statement.get("Principal"))
                (names_principal if named == "self" else names_account).append(match)
    if names_principal:
        return Decision(True, "allowed", tuple(names_principal))
    if resource_policy_must_allow:
        if names_account and identity_allows:
            return Decision(True, "allowed", tuple(names_account + identity_allows))
        return Decision(False, "no identity-based policy allows" if names_account else "no resource-based policy allows", ())
    if identity_allows:  # a resource policy naming the account delegates to exactly these
        return Decision(True, "allowed", tuple(identity_allows))
    return Decision(False, "no identity-based policy allows", ())
