"""AWS's rules for the names (and descriptions) of what Terraform creates here, so a plan can be held to
them without AWS: the length and pattern of the API request member, from AWS's own API models as
botocore ships them (pinned in scripts/requirements/dev.lock), tightened where AWS's API reference or
user guide says more than the model does. A resource type with a name this table does not know is an
error (`violations` says so), so a new resource cannot slip past it.

    violations("aws_iam_role", "name", "x" * 65)  # ["aws_iam_role.name is 65 characters; IAM allows 64 (...)"]
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import botocore.session

# The attributes that name a resource (or describe it) in the hashicorp/aws schema.
NAME_ATTRIBUTES = (
    "name",
    "function_name",
    "layer_name",
    "alarm_name",
    "dashboard_name",
    "statement_id",
    "bucket",
    "description",
    "comment",
    "alarm_description",
)


@dataclass(frozen=True)
class Documented:
    """A rule AWS's documentation states where the API model does not (or states more strictly)."""

    url: str
    max_length: int | None = None
    min_length: int = 1
    pattern: str | None = None  # matched whole


@dataclass(frozen=True)
class Model:
    """The request member an argument becomes: its min, max and pattern in AWS's API model."""

    service: str
    operation: str
    member: str


DYNAMODB_NAMING = "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html"
CLOUDFRONT_API = "https://docs.aws.amazon.com/cloudfront/latest/APIReference"
HTTP_API_STAGES = "https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis-apiid-stages.html"

# (resource type, attribute) -> where its rule comes from: the API model, the docs, or both (all apply).
RULES: dict[tuple[str, str], tuple[Model | Documented, ...]] = {
    ("aws_iam_role", "name"): (Model("iam", "CreateRole", "RoleName"),),
    ("aws_iam_role", "description"): (Model("iam", "CreateRole", "Description"),),
    ("aws_iam_role_policy", "name"): (Model("iam", "PutRolePolicy", "PolicyName"),),
    ("aws_iam_policy", "name"): (Model("iam", "CreatePolicy", "PolicyName"),),
    ("aws_iam_policy", "description"): (Model("iam", "CreatePolicy", "Description"),),
    ("aws_lambda_function", "function_name"): (
        Model("lambda", "CreateFunction", "FunctionName"),
        # "If you specify only the function name, it is limited to 64 characters in length."
        Documented("https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html", 64, 1, r"[a-zA-Z0-9-_]+"),
    ),
    ("aws_lambda_function", "description"): (Model("lambda", "CreateFunction", "Description"),),
    ("aws_lambda_layer_version", "layer_name"): (Model("lambda", "PublishLayerVersion", "LayerName"),),
    ("aws_lambda_layer_version", "description"): (Model("lambda", "PublishLayerVersion", "Description"),),
    ("aws_lambda_permission", "statement_id"): (Model("lambda", "AddPermission", "StatementId"),),
    ("aws_lambda_permission", "function_name"): (Model("lambda", "AddPermission", "FunctionName"),),
    ("aws_sfn_state_machine", "name"): (
        Model("stepfunctions", "CreateStateMachine", "name"),
        # "To enable logging with CloudWatch Logs, the name should only contain 0-9, A-Z, a-z, - and _."
        Documented("https://docs.aws.amazon.com/step-functions/latest/apireference/API_CreateStateMachine.html", pattern=r"[0-9A-Za-z_-]+"),
    ),
    ("aws_cloudwatch_event_rule", "name"): (Model("events", "PutRule", "Name"),),
    ("aws_cloudwatch_event_rule", "description"): (Model("events", "PutRule", "Description"),),
    ("aws_cloudwatch_metric_alarm", "alarm_name"): (Model("cloudwatch", "PutMetricAlarm", "AlarmName"),),
    ("aws_cloudwatch_metric_alarm", "alarm_description"): (Model("cloudwatch", "PutMetricAlarm", "AlarmDescription"),),
    ("aws_cloudwatch_dashboard", "dashboard_name"): (
        # "The maximum length is 255, and valid characters are A-Z, a-z, 0-9, "-", and "_"."
        Documented("https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutDashboard.html", 255, 1, r"[A-Za-z0-9_-]+"),
    ),
    ("aws_cloudwatch_log_group", "name"): (Model("logs", "CreateLogGroup", "logGroupName"),),
    ("aws_dynamodb_table", "name"): (
        Model("dynamodb", "CreateTable", "TableName"),
        # "Table names and index names must be between 3 and 255 characters long, and can contain only ... a-z A-Z 0-9 _ - ."
        Documented(DYNAMODB_NAMING, 255, 3, r"[a-zA-Z0-9_.-]+"),
    ),
    ("aws_sns_topic", "name"): (
        # "uppercase and lowercase ASCII letters, numbers, underscores, and hyphens, and must be between 1 and 256 characters long"
        Documented("https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html", 256, 1, r"[A-Za-z0-9_-]+"),
    ),
    ("aws_kms_alias", "name"): (
        Model("kms", "CreateAlias", "AliasName"),
        # "must begin with alias/ ... The alias name cannot begin with alias/aws/."
        Documented("https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateAlias.html", pattern=r"alias/(?!aws/)[a-zA-Z0-9/_-]+"),
    ),
    ("aws_kms_key", "description"): (Model("kms", "CreateKey", "Description"),),
    ("aws_s3_bucket", "bucket"): (
        # "between 3 (min) and 63 (max) characters long ... only lowercase letters, numbers, dots (.), and
        # hyphens (-) ... must begin and end with a letter or number"
        Documented("https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html", 63, 3, r"[a-z0-9][a-z0-9.-]*[a-z0-9]"),
    ),
    # CloudFront's API reference, as its API model's documentation quotes it (the model itself sets no limits).
    ("aws_cloudfront_origin_access_control", "name"): (
        # "A name to identify the origin access control. You can specify up to 64 characters."
        Documented(f"{CLOUDFRONT_API}/API_OriginAccessControlConfig.html", 64),
    ),
    # "A description of the origin access control.": no published limit.
    ("aws_cloudfront_origin_access_control", "description"): (Documented(f"{CLOUDFRONT_API}/API_OriginAccessControlConfig.html"),),
    # "The name must be unique for response headers policies in this AWS account.": no published length.
    ("aws_cloudfront_response_headers_policy", "name"): (Documented(f"{CLOUDFRONT_API}/API_ResponseHeadersPolicyConfig.html"),),
    # "The comment cannot be longer than 128 characters."
    ("aws_cloudfront_response_headers_policy", "comment"): (Documented(f"{CLOUDFRONT_API}/API_ResponseHeadersPolicyConfig.html", 128, 0),),
    ("aws_cloudfront_distribution", "comment"): (Documented(f"{CLOUDFRONT_API}/API_DistributionConfig.html", 128, 0),),
    # An object's bucket is the bucket's name (its rule above); keys are not names here.
    ("aws_s3_object", "bucket"): (Documented("https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html", 63, 3),),
    ("aws_cognito_user_pool", "name"): (Model("cognito-idp", "CreateUserPool", "PoolName"),),
    ("aws_cognito_user_pool_client", "name"): (Model("cognito-idp", "CreateUserPoolClient", "ClientName"),),
    # API Gateway's HTTP API names and descriptions are plain strings in its API model and reference
    # (https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis.html): no published limit.
    ("aws_apigatewayv2_api", "name"): (Model("apigatewayv2", "CreateApi", "Name"),),
    ("aws_apigatewayv2_api", "description"): (Model("apigatewayv2", "CreateApi", "Description"),),
    ("aws_apigatewayv2_authorizer", "name"): (Model("apigatewayv2", "CreateAuthorizer", "Name"),),
    ("aws_apigatewayv2_integration", "description"): (Model("apigatewayv2", "CreateIntegration", "Description"),),
    ("aws_apigatewayv2_stage", "name"): (
        Model("apigatewayv2", "CreateStage", "StageName"),
        # StageName: "Stage names can only contain alphanumeric characters, hyphens, and underscores. Maximum
        # length is 128 characters." The one exception is the `$default` stage (developerguide/http-api-stages.html).
        Documented(HTTP_API_STAGES, 128, 1, r"\$default|[A-Za-z0-9_-]+"),
    ),
    ("aws_apigatewayv2_stage", "description"): (Model("apigatewayv2", "CreateStage", "Description"),),
}


@dataclass(frozen=True)
class Limit:
    min_length: int
    max_length: int | None
    patterns: tuple[tuple[str, str], ...]  # (pattern, source)
    sources: tuple[str, ...]


def _model_source(model: Model) -> str:
    return f"{model.service} {model.operation} {model.member} (AWS's API model)"


@cache
def _session() -> botocore.session.Session:
    return botocore.session.get_session()


@cache
def limit(resource_type: str, attribute: str) -> Limit | None:
    """The strictest of the rules that apply, or None where the table has none."""
    rules = RULES.get((resource_type, attribute))
    if rules is None:
        return None
    low, high, patterns, sources = 0, None, [], []
    for rule in rules:
        if isinstance(rule, Model):
            metadata = _session().get_service_model(rule.service).operation_model(rule.operation).input_shape.members[rule.member].metadata
            source = _model_source(rule)
            minimum, maximum, pattern = metadata.get("min", 0), metadata.get("max"), metadata.get("pattern")
        else:
            source, minimum, maximum, pattern = rule.url, rule.min_length, rule.max_length, rule.pattern
        low = max(low, minimum)
        high = maximum if high is None else (high if maximum is None else min(high, maximum))
        if pattern:
            patterns.append((pattern, source))
        sources.append(source)
    return Limit(low, high, tuple(patterns), tuple(sources))


def violations(resource_type: str, attribute: str, value: str) -> list[str]:
    """What is wrong with `value` as `resource_type`.`attribute` by AWS's rules (empty when nothing is)."""
    rule = limit(resource_type, attribute)
    where = f"{resource_type}.{attribute}"
    if rule is None:
        return [f"{where}: no AWS name rule is known for it (add one to sagatools.contract.aws_names.RULES, with its source)"]
    found = []
    if len(value) < rule.min_length or (rule.max_length is not None and len(value) > rule.max_length):
        bounds = f"{rule.min_length}-{rule.max_length}" if rule.max_length is not None else f"at least {rule.min_length}"
        found.append(f"{where} {value!r} is {len(value)} characters; AWS allows {bounds} ({'; '.join(rule.sources)})")
    for pattern, source in rule.patterns:
        # The models' patterns are Java regular expressions matched whole; these ones read the same in Python.
        if re.fullmatch(pattern.removeprefix("^").removesuffix("$"), value) is None:
            found.append(f"{where} {value!r} does not match {pattern} ({source})")
    return found
