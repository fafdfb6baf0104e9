"""The stand-in for hashicorp/aws on its own (no terraform): the schema it extracts, how it plans and
validates, and aws_iam_policy_document rendered as the real provider renders it."""

from __future__ import annotations

import json
import zlib
from typing import Any

import pytest

from tfprovider import check, policy_document, standin
from tfprovider.schema import Block, ProviderSchema

pytestmark = pytest.mark.pure

UNKNOWN = standin.UNKNOWN


@pytest.fixture(scope="module")
def schema() -> ProviderSchema:
    assert (check.PACKAGE / "package.json").exists(), "run make validate: it installs @cdktn/provider-aws, the schema's source"
    return ProviderSchema.load(check.schema_path())


def block_of(schema: ProviderSchema, path: str) -> Block:
    kind, *names = path.split(".")
    block = schema.resource(kind)
    for name in names:
        block = block.blocks[name].block
    return block


def test_the_schema_is_hashicorp_aws_6(schema: ProviderSchema) -> None:
    assert schema.version == "6.66.0"
    assert len(schema.document["resources"]) > 1500 and len(schema.document["data_sources"]) > 600
    used = [
        "aws_kms_key",
        "aws_lambda_function",
        "aws_dynamodb_table",
        "aws_sfn_state_machine",
        "aws_iam_role",
        "aws_cloudwatch_metric_alarm",
    ]
    assert all(schema.has_resource(kind) for kind in used)


def test_attributes_keep_their_names_types_and_flags(schema: ProviderSchema) -> None:
    function = schema.resource("aws_lambda_function").attributes
    assert (function["function_name"].type, function["function_name"].flags) == ("string", "r")
    assert (function["arn"].type, function["arn"].flags) == ("string", "c")  # computed only
    assert (function["architectures"].type, function["architectures"].flags) == (["list", "string"], "oc")
    assert function["replacement_security_group_ids"].type == ["set", "string"]
    assert function["tags_all"].type == ["map", "string"] and function["tags_all"].computed
    assert schema.resource("aws_iam_role").attributes["assume_role_policy"].required


def test_blocks_keep_their_nesting_and_bounds(schema: ProviderSchema) -> None:
    function = schema.resource("aws_lambda_function").blocks
    assert (function["environment"].nesting, function["environment"].min_items, function["environment"].max_items) == ("list", 0, 1)
    assert function["timeouts"].nesting == "single"
    assert function["vpc_config"].block.attributes["vpc_id"].flags == "c"  # computed inside a block
    table = schema.resource("aws_dynamodb_table").blocks
    assert table["attribute"].nesting == "set"
    capacity = block_of(schema, "aws_lambda_function.capacity_provider_config").blocks["lambda_managed_instances_capacity_provider_config"]
    assert (capacity.nesting, capacity.min_items, capacity.max_items) == ("list", 1, 1)  # a required block
    document = schema.data_source("aws_iam_policy_document").blocks["statement"]
    assert document.nesting == "list" and document.block.blocks["principals"].nesting == "set"
    assert document.block.blocks["condition"].block.attributes["values"].type == ["list", "string"]


def test_computed_only_nested_structures_are_typed_attributes(schema: ProviderSchema) -> None:
    identity = schema.resource("aws_eks_cluster").attributes["identity"]
    assert identity.flags == "c"
    assert identity.type == ["list", ["object", {"oidc": ["list", ["object", {"issuer": "string"}]]}]]


def test_attributes_written_as_blocks_are_attributes_of_objects(schema: ProviderSchema) -> None:
    """SDKv2's attributes-as-blocks: Terraform accepts both `ingress { ... }` and `ingress = []` for them."""
    group = schema.resource("aws_security_group")
    assert "ingress" not in group.blocks
    ingress = group.attributes["ingress"]
    assert ingress.flags == "oc" and ingress.type[0] == "set" and ingress.type[1][1]["from_port"] == "number"


def test_the_provider_block(schema: ProviderSchema) -> None:
    assert schema.provider.attributes["region"].flags == "o"
    assert schema.provider.blocks["default_tags"].block.attributes["tags"].type == ["map", "string"]
    assert "alias" not in schema.provider.attributes  # cdktn's own, a meta-argument in Terraform


def test_a_plan_leaves_unset_computed_values_unknown_in_nested_blocks_too(schema: ProviderSchema) -> None:
    block = schema.resource("aws_lambda_function")
    proposed: dict[str, Any] = dict.fromkeys(block.attributes) | {name: [] for name in block.blocks} | {"timeouts": None}
    proposed |= {
        "function_name": "f",
        "role": "arn:aws:iam::123456789012:role/r",
        "tags": {"Name": "f"},
        "logging_config": [{"log_format": "JSON", "log_group": None, "application_log_level": None, "system_log_level": None}],
    }
    provider = standin.ProviderConfig(region="eu-west-1", default_tags={"Project": "p", "Name": "default"})
    planned = standin.plan(block, proposed, None, provider)
    assert planned["function_name"] == "f" and planned["arn"] == UNKNOWN and planned["code_sha256"] == UNKNOWN
    assert planned["description"] is None  # optional, not computed: stays as configured
    assert planned["logging_config"][0]["log_group"] == UNKNOWN  # optional and computed, inside a block
    assert planned["logging_config"][0]["system_log_level"] is None
    assert planned["region"] == "eu-west-1"  # as the real provider plans it
    assert planned["tags_all"] == {"Project": "p", "Name": "f"}
    assert standin.plan(block, None, proposed, provider) is None  # destroy


def test_tags_all_stays_unknown_when_the_tags_are(schema: ProviderSchema) -> None:
    block = schema.resource("aws_sns_topic")
    proposed = dict.fromkeys(block.attributes) | {"tags": {"a": UNKNOWN}}
    assert standin.plan(block, proposed, None, standin.ProviderConfig())["tags_all"] == UNKNOWN


def test_validation_follows_the_schema(schema: ProviderSchema) -> None:
    block = schema.data_source("aws_iam_policy_document")
    config: dict[str, Any] = {"statement": [{"principals": [{"type": None, "identifiers": ["x"]}], "json": None}]}
    diagnostics = standin.validate(block, config)
    summaries = {(summary, tuple(path)) for summary, _detail, path in diagnostics}
    assert ("Missing required argument", ("statement", "principals", "type")) in summaries
    assert ("Unsupported argument", ("statement", "json")) in summaries
    function = schema.resource("aws_lambda_function")
    too_many = standin.validate(function, {"environment": [{"variables": None}, {"variables": None}]})
    assert [summary for summary, _detail, _path in too_many if summary == "Too many blocks"]


def test_the_provider_configuration_or_fixed_fakes() -> None:
    default = standin.ProviderConfig.from_config({"region": None, "default_tags": []})
    assert default.account_id == "123456789012" and default.partition == "aws"
    configured = standin.ProviderConfig.from_config(
        {"region": "cn-north-1", "allowed_account_ids": ["210987654321"], "default_tags": [{"tags": {"A": "1"}}]}
    )
    assert (configured.region, configured.account_id, configured.partition, configured.default_tags) == (
        "cn-north-1",
        "210987654321",
        "aws-cn",
        {"A": "1"},
    )


def test_data_sources_from_the_provider_configuration(schema: ProviderSchema) -> None:
    provider = standin.ProviderConfig(region="eu-west-1")
    region, _ = standin.read_data_source(
        "aws_region", schema.data_source("aws_region"), {"region": None, "name": None, "id": None, "endpoint": None}, provider
    )
    assert region == {
        "region": "eu-west-1",
        "name": "eu-west-1",
        "id": "eu-west-1",
        "endpoint": "ec2.eu-west-1.amazonaws.com",
        "description": "Europe (Ireland)",
    }
    identity, _ = standin.read_data_source("aws_caller_identity", schema.data_source("aws_caller_identity"), {"id": None}, provider)
    assert identity["account_id"] == "123456789012" and identity["arn"].startswith("arn:aws:iam::123456789012:")
    partition, _ = standin.read_data_source("aws_partition", schema.data_source("aws_partition"), {"id": None}, provider)
    assert partition == {"id": "aws", "partition": "aws", "dns_suffix": "amazonaws.com", "reverse_dns_prefix": "com.amazonaws"}
    other, _ = standin.read_data_source("aws_vpc", schema.data_source("aws_vpc"), {"id": None}, provider)
    assert other["cidr_block"] is None and "arn" in other  # every computed value known (null) for data sources it does not model


def statement(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "sid": None,
        "effect": None,
        "actions": None,
        "not_actions": None,
        "resources": None,
        "not_resources": None,
        "principals": [],
        "not_principals": [],
        "condition": [],
    }
    return base | fields


def test_an_assume_role_policy_renders_as_the_real_provider_renders_it() -> None:
    rendered = policy_document.render(
        {"statement": [statement(actions=["sts:AssumeRole"], principals=[{"type": "Service", "identifiers": ["lambda.amazonaws.com"]}])]}
    )
    expected = """{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": "sts:AssumeRole",
      "Principal": {
        "Service": "lambda.amazonaws.com"
      }
    }
  ]
}"""
    assert rendered["json"] == expected
    assert rendered["minified_json"] == json.dumps(json.loads(expected), separators=(",", ":"))
    assert rendered["id"] == str(zlib.crc32(expected.encode()))


def test_policy_document_ordering_merging_and_escapes() -> None:
    rendered = json.loads(
        policy_document.render(
            {
                "policy_id": "p",
                "source_policy_documents": [
                    '{"Version": "2012-10-17", "Statement": [{"Sid": "Keep", "Effect": "Deny", "Action": "s3:*", "Resource": "*"}]}'
                ],
                "statement": [
                    statement(
                        sid="Mine",
                        actions=["b:Get", "a:Put", "c:List"],
                        resources=["arn:aws:s3:::x/&{aws:username}"],
                        principals=[
                            {"type": "AWS", "identifiers": ["arn:1", "arn:2"]},
                            {"type": "Service", "identifiers": ["s.amazonaws.com"]},
                        ],
                        condition=[
                            {"test": "StringEquals", "variable": "aws:SourceAccount", "values": ["1"]},
                            {"test": "StringLike", "variable": "aws:SourceArn", "values": ["z", "a"]},
                        ],
                    )
                ],
                "override_policy_documents": [
                    '{"Statement": [{"Sid": "Keep", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}'
                ],
            }
        )["json"]
    )
    assert rendered["Id"] == "p"
    assert [s["Sid"] for s in rendered["Statement"]] == ["Keep", "Mine"]
    assert rendered["Statement"][0]["Effect"] == "Allow"  # the override replaced the source's statement with that Sid
    mine = rendered["Statement"][1]
    assert mine["Action"] == ["c:List", "b:Get", "a:Put"]  # a set, sorted in reverse
    assert mine["Resource"] == "arn:aws:s3:::x/${aws:username}"
    assert mine["Principal"] == {"AWS": ["arn:2", "arn:1"], "Service": "s.amazonaws.com"}
    assert mine["Condition"] == {"StringEquals": {"aws:SourceAccount": "1"}, "StringLike": {"aws:SourceArn": ["z", "a"]}}
    assert "\\u0026" in policy_document.render({"statement": [statement(actions=["a&b"])]})["json"]  # Go's HTML-safe escaping


def test_duplicate_sids_are_refused() -> None:
    with pytest.raises(policy_document.PolicyDocumentError, match="duplicate Sid"):
        policy_document.render({"statement": [statement(sid="A", actions=["x"]), statement(sid="A", actions=["y"])]})


def test_a_plan_for_an_applied_type_has_the_real_provider_s_defaults_and_replacements(schema: ProviderSchema) -> None:
    from tfprovider import resources

    table = resources.IMPLEMENTED["aws_dynamodb_table"]
    block = schema.resource("aws_dynamodb_table")
    provider = standin.ProviderConfig(default_tags={"Project": "p"})
    proposed = dict.fromkeys(block.attributes) | {"name": "p-flights", "hash_key": "pk", "tags": {"Team": "t"}}
    planned, replace = standin.plan_resource(table, block, proposed, None, provider)
    assert (planned["billing_mode"], planned["deletion_protection_enabled"], replace) == ("PROVISIONED", False, [])
    assert planned["tags_all"] == {"Project": "p", "Team": "t"} and planned["arn"] == UNKNOWN
    prior = standin.complete(block, planned, {"arn": "arn:aws:dynamodb:us-east-1:123456789012:table/p-flights", "id": "p-flights"})
    assert prior["arn"].endswith("table/p-flights") and prior["stream_arn"] is None
    assert standin.plan_resource(table, block, prior, prior, provider) == (prior, [])
    _renamed, replace = standin.plan_resource(table, block, {**prior, "name": "p-flights-2"}, prior, provider)
    assert replace == ["name"]
    on_demand, replace = standin.plan_resource(table, block, {**prior, "billing_mode": "PAY_PER_REQUEST"}, prior, provider)
    assert replace == [] and on_demand["billing_mode"] == "PAY_PER_REQUEST"


def test_an_equivalent_policy_is_no_change(schema: ProviderSchema) -> None:
    from tfprovider import resources

    role = resources.IMPLEMENTED["aws_iam_role"]
    block = schema.resource("aws_iam_role")
    written = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["sts:AssumeRole"], "Principal": {"Service": "lambda.amazonaws.com"}}],
    }
    same = {
        "Statement": {"Principal": {"Service": ["lambda.amazonaws.com"]}, "Action": "sts:AssumeRole", "Effect": "Allow"},
        "Version": "2012-10-17",
    }
    prior = dict.fromkeys(block.attributes) | {"name": "r", "assume_role_policy": json.dumps(written), "path": "/"}
    planned, _ = standin.plan_resource(role, block, {**prior, "assume_role_policy": json.dumps(same)}, prior, standin.ProviderConfig())
    assert planned["assume_role_policy"] == json.dumps(written)
    other = {**same, "Statement": {**same["Statement"], "Action": "sts:TagSession"}}
    planned, _ = standin.plan_resource(role, block, {**prior, "assume_role_policy": json.dumps(other)}, prior, standin.ProviderConfig())
    assert planned["assume_role_policy"] == json.dumps(other)
    assert resources.json_equivalent('{"a": ["x", "y"]}', '{"a": ["y", "x"]}') and not resources.json_equivalent('{"a": 1}', '{"a": 2}')
