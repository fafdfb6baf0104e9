"""What the stand-in answers, schema-driven: validation, plans (with the applied types' defaults and
replacements, ``plan_resource``), applied states (``complete``) and data source reads, on msgpack values.

Values are as msgpack decodes Terraform's: dicts, lists (sets too), strings, numbers, booleans, None,
and ``msgpack.ExtType`` for unknown values (type 0, or 12 for an unknown with refinements), passed
through untouched.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import msgpack

from tfprovider import policy_document
from tfprovider.resources import json_equivalent
from tfprovider.schema import Block

UNKNOWN = msgpack.ExtType(0, b"\x00")
FAKE_ACCOUNT_ID = "123456789012"
DEFAULT_REGION = "us-east-1"
REGION_NAMES = {
    "us-east-1": "US East (N. Virginia)",
    "us-east-2": "US East (Ohio)",
    "us-west-1": "US West (N. California)",
    "us-west-2": "US West (Oregon)",
    "eu-central-1": "Europe (Frankfurt)",
    "eu-west-1": "Europe (Ireland)",
    "eu-west-2": "Europe (London)",
    "eu-west-3": "Europe (Paris)",
    "eu-north-1": "Europe (Stockholm)",
    "eu-south-1": "Europe (Milan)",
    "ap-northeast-1": "Asia Pacific (Tokyo)",
    "ap-southeast-1": "Asia Pacific (Singapore)",
    "ap-southeast-2": "Asia Pacific (Sydney)",
    "ca-central-1": "Canada (Central)",
    "sa-east-1": "South America (Sao Paulo)",
}


# Data sources whose values come from AWS (tfprovider.resources.read_data_source): not faked.
READ_FROM_AWS = ("aws_servicequotas_service_quota",)


class Diagnostics(list[tuple[str, str, list[str]]]):
    """(summary, detail, attribute path) errors."""

    def error(self, summary: str, detail: str = "", path: list[str] | None = None) -> None:
        self.append((summary, detail, path or []))


def is_unknown(value: Any) -> bool:
    return isinstance(value, msgpack.ExtType) and value.code in (0, 12)


def wholly_known(value: Any) -> bool:
    if is_unknown(value):
        return False
    if isinstance(value, dict):
        return all(wholly_known(v) for v in value.values())
    if isinstance(value, list):
        return all(wholly_known(v) for v in value)
    return True


@dataclass
class ProviderConfig:
    """What the stand-in takes from the provider block (fixed fake values for the rest)."""

    region: str = DEFAULT_REGION
    account_id: str = FAKE_ACCOUNT_ID
    default_tags: Any = field(default_factory=dict)  # a map, or UNKNOWN
    endpoints: dict[str, str] = field(default_factory=dict)  # the `endpoints` block: service key => URL

    @classmethod
    def from_config(cls, config: dict[str, Any] | None) -> ProviderConfig:
        config = config or {}
        region = config.get("region")
        if not isinstance(region, str) or not region:
            region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION
        allowed = config.get("allowed_account_ids")
        account_id = allowed[0] if isinstance(allowed, list) and len(allowed) == 1 and isinstance(allowed[0], str) else FAKE_ACCOUNT_ID
        tags: Any = {}
        for block in config.get("default_tags") or []:
            value = block.get("tags") if isinstance(block, dict) else None
            if not wholly_known(value):
                tags = UNKNOWN
            elif isinstance(tags, dict) and isinstance(value, dict):
                tags.update({k: v for k, v in value.items() if v is not None})
        endpoints: dict[str, str] = {}
        for block in config.get("endpoints") or []:
            if isinstance(block, dict):
                endpoints.update({k: v for k, v in block.items() if isinstance(v, str) and v})
        return cls(region=region, account_id=account_id, default_tags=tags, endpoints=endpoints)

    @property
    def partition(self) -> str:
        if self.region.startswith("cn-"):
            return "aws-cn"
        if self.region.startswith("us-gov-"):
            return "aws-us-gov"
        return "aws"

    @property
    def dns_suffix(self) -> str:
        return "amazonaws.com.cn" if self.partition == "aws-cn" else "amazonaws.com"


# ----------------------------------------------------------------------------------------------- validation


def validate(block: Block, config: Any, path: list[str] | None = None) -> Diagnostics:
    """The configuration against the schema: required arguments set, read-only ones not, block counts within bounds."""
    diagnostics = Diagnostics()
    path = path or []
    if config is None or is_unknown(config) or not isinstance(config, dict):
        return diagnostics
    for name in config:
        if name not in block.attributes and name not in block.blocks:
            diagnostics.error("Unsupported argument", f'An argument named "{name}" is not expected here.', [*path, name])
    for name, attribute in block.attributes.items():
        value = config.get(name)
        if attribute.required and value is None:
            diagnostics.error(
                "Missing required argument", f'The argument "{name}" is required, but no definition was found.', [*path, name]
            )
        if attribute.computed and not (attribute.optional or attribute.required) and value is not None:
            diagnostics.error("Invalid configuration for read-only attribute", f'"{name}" is computed by the provider.', [*path, name])
    for name, nested in block.blocks.items():
        value = config.get(name)
        if is_unknown(value):
            continue
        elements = _elements(nested.nesting, value)
        if len(elements) < nested.min_items:
            diagnostics.error("Insufficient blocks", f'At least {nested.min_items} "{name}" blocks are required.', [*path, name])
        if nested.max_items and len(elements) > nested.max_items:
            diagnostics.error("Too many blocks", f'No more than {nested.max_items} "{name}" blocks are allowed.', [*path, name])
        for element in elements:
            diagnostics.extend(validate(nested.block, element, [*path, name]))
    return diagnostics


def _elements(nesting: str, value: Any) -> list[Any]:
    if value is None or is_unknown(value):
        return []
    if nesting == "single":
        return [value]
    if nesting == "map":
        return list(value.values())
    return list(value)


# ----------------------------------------------------------------------------------------------- planning


def plan(block: Block, proposed: Any, prior: Any, provider: ProviderConfig) -> Any:
    """The planned state: what the configuration sets, as set; what the provider computes and the
    configuration leaves unset, unknown (in nested blocks too), unless a prior state holds it.
    ``region`` and ``tags_all`` are planned as the real provider plans them, from its configuration."""
    if proposed is None:
        return None  # destroy
    planned = _plan_object(block, proposed, prior is not None)
    if prior is None and isinstance(planned, dict):
        region = block.attributes.get("region")
        if region is not None and region.computed and is_unknown(planned.get("region")):
            planned["region"] = provider.region
        tags_all = block.attributes.get("tags_all")
        if tags_all is not None and "tags" in block.attributes and is_unknown(planned.get("tags_all")):
            tags = planned.get("tags")
            if wholly_known(tags) and isinstance(provider.default_tags, dict):
                merged = {**provider.default_tags, **{k: v for k, v in (tags or {}).items() if v is not None}}
                planned["tags_all"] = merged
    return planned


def plan_resource(resource: Any, block: Block, proposed: Any, prior: Any, provider: ProviderConfig) -> tuple[Any, list[str]]:
    """``plan`` for a type the stand-in applies (a ``tfprovider.resources.Resource``), as its real
    provider plans it: its defaults for unset arguments, ``tags_all`` from the provider's default tags
    and the resource's, a JSON document equivalent to the prior one kept as it was, and the changed
    arguments that force a new resource. Returns the planned state and those arguments."""
    planned = plan(block, proposed, prior, provider)
    if planned is None:
        return None, []
    for name, value in resource.defaults.items():
        if name in planned and planned[name] is None:
            planned[name] = value
    tags = planned.get("tags")
    if "tags_all" in block.attributes and wholly_known(tags) and isinstance(provider.default_tags, dict):
        planned["tags_all"] = {**provider.default_tags, **{k: v for k, v in (tags or {}).items() if v is not None}}
    if prior is None:
        return planned, []
    for name in resource.json_attributes:
        if isinstance(planned.get(name), str) and isinstance(prior.get(name), str) and json_equivalent(planned[name], prior[name]):
            planned[name] = prior[name]
    replace = [name for name in resource.force_new if name in planned and (is_unknown(planned[name]) or planned[name] != prior.get(name))]
    return planned, replace


def complete(block: Block, state: Any, computed: dict[str, Any]) -> Any:
    """An applied state: the plan's unknowns filled from ``computed`` (top level), null where it has none."""
    if not isinstance(state, dict):
        return state
    filled = dict(state)
    for name in block.attributes:
        if is_unknown(filled.get(name)):
            filled[name] = computed.get(name)
    for name, nested in block.blocks.items():
        value = filled.get(name)
        if is_unknown(value):
            filled[name] = None
        elif isinstance(value, dict) and nested.nesting == "map":
            filled[name] = {key: complete(nested.block, element, {}) for key, element in value.items()}
        elif isinstance(value, dict):
            filled[name] = complete(nested.block, value, {})
        elif isinstance(value, list):
            filled[name] = [complete(nested.block, element, {}) for element in value]
    for name, value in list(filled.items()):
        if name in block.attributes and not wholly_known(value):
            filled[name] = known_or_null(value)
    return filled


def known_or_null(value: Any) -> Any:
    if is_unknown(value):
        return None
    if isinstance(value, dict):
        return {k: known_or_null(v) for k, v in value.items()}
    if isinstance(value, list):
        return [known_or_null(v) for v in value]
    return value


def _plan_object(block: Block, proposed: Any, prior_exists: bool) -> Any:
    if proposed is None or is_unknown(proposed) or not isinstance(proposed, dict):
        return proposed
    planned = dict(proposed)
    for name, attribute in block.attributes.items():
        if attribute.computed and planned.get(name) is None and not prior_exists:
            planned[name] = UNKNOWN
    for name, nested in block.blocks.items():
        value = planned.get(name)
        if value is None or is_unknown(value):
            continue
        if nested.nesting == "single":
            planned[name] = _plan_object(nested.block, value, prior_exists)
        elif nested.nesting == "map":
            planned[name] = {key: _plan_object(nested.block, element, prior_exists) for key, element in value.items()}
        else:
            planned[name] = [_plan_object(nested.block, element, prior_exists) for element in value]
    return planned


# ----------------------------------------------------------------------------------------------- data sources


def read_data_source(
    type_name: str, block: Block, config: dict[str, Any], provider: ProviderConfig, *, read: Any = None
) -> tuple[Any, Diagnostics]:
    """The state of a data source: the configuration, with the values this project's data sources
    compute filled in as the real provider would (from the provider configuration, fixed fakes, or
    ``read(type_name, config)`` for those read from AWS), and every other computed value null."""
    diagnostics = Diagnostics()
    state = dict(config)
    computed: dict[str, Any] = {}
    if type_name in READ_FROM_AWS:
        try:
            computed = read(type_name, config)
        except Exception as error:  # noqa: BLE001 - AWS's answer (or its absence) is the diagnostic
            diagnostics.error(f"reading {type_name}", str(error))
            return None, diagnostics
    elif type_name == "aws_iam_policy_document":
        try:
            computed = policy_document.render(config)
        except (policy_document.PolicyDocumentError, ValueError) as error:
            diagnostics.error("writing IAM Policy Document", str(error))
            return None, diagnostics
    elif type_name == "aws_region":
        region = config.get("region") or config.get("name") or provider.region
        computed = {
            "region": region,
            "name": region,
            "id": region,
            "endpoint": f"ec2.{region}.{provider.dns_suffix}",
            "description": REGION_NAMES.get(region, region),
        }
    elif type_name == "aws_partition":
        computed = {
            "partition": provider.partition,
            "dns_suffix": provider.dns_suffix,
            "reverse_dns_prefix": ".".join(reversed(provider.dns_suffix.split("."))),
            "id": provider.partition,
        }
    elif type_name == "aws_caller_identity":
        computed = {
            "account_id": provider.account_id,
            "arn": f"arn:{provider.partition}:iam::{provider.account_id}:user/terraform-check",
            "id": provider.account_id,
            "user_id": "AIDATERRAFORMCHECK0000",
        }
    elif type_name == "aws_default_tags":
        computed = {"tags": provider.default_tags if isinstance(provider.default_tags, dict) else {}, "id": "aws"}
    for name, attribute in block.attributes.items():
        if attribute.computed and state.get(name) is None:
            state[name] = computed.get(name)
    return state, diagnostics
