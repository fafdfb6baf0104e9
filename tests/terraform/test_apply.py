"""Terraform applies the root module through the stand-in for hashicorp/aws to the local workspace's
endpoint (moto, on 127.0.0.1): init, apply, a plan with nothing to do, an in-place update, a
replacement, destroy; each checked on what the endpoint holds."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from sagatools.client.workspaces import LOCAL_CREDENTIALS
from sagatools.contract import catalog
from sagatools.emulator import local_workspace
from tfprovider import check
from tfprovider.deploy import Deployment, TerraformFailed

pytestmark = [pytest.mark.subprocess, pytest.mark.terraform]

PREFIX = "trip-saga-local"
APPLIED = re.compile(r"Apply complete! Resources: (\d+) added, (\d+) changed, (\d+) destroyed\.")


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    state_dir = tmp_path_factory.mktemp("endpoint")
    _, ready = local_workspace.start_endpoint(state_dir=state_dir, ttl=900, parent_pid=os.getpid())
    assert ready["endpoint_url"].startswith("http://127.0.0.1:")
    try:
        yield str(ready["endpoint_url"])
    finally:
        local_workspace.stop(state_dir=state_dir)


def client(endpoint: str, service: str) -> Any:
    return boto3.Session(region_name="us-east-1", **LOCAL_CREDENTIALS).client(service, endpoint_url=endpoint)


def counts(output: str) -> tuple[int, int, int]:
    found = APPLIED.search(output)
    assert found, output[-3000:]
    added, changed, destroyed = (int(group) for group in found.groups())
    return added, changed, destroyed


def project_resources(endpoint: str, prefix: str = PREFIX) -> dict[str, list[str]]:
    """What the endpoint holds of the project, by kind (names or ids)."""
    iam, lambda_, logs = client(endpoint, "iam"), client(endpoint, "lambda"), client(endpoint, "logs")
    cloudfront = client(endpoint, "cloudfront")
    found = {
        "tables": client(endpoint, "dynamodb").list_tables()["TableNames"],
        "functions": [f["FunctionName"] for f in lambda_.list_functions()["Functions"]],
        "layers": [layer["LayerName"] for layer in lambda_.list_layers()["Layers"]],
        "roles": [r["RoleName"] for r in iam.list_roles()["Roles"]],
        "state machines": [m["name"] for m in client(endpoint, "stepfunctions").list_state_machines()["stateMachines"]],
        "log groups": [g["logGroupName"] for g in logs.describe_log_groups()["logGroups"]],
        "alarms": [a["AlarmName"] for a in client(endpoint, "cloudwatch").describe_alarms()["MetricAlarms"]],
        "dashboards": [d["DashboardName"] for d in client(endpoint, "cloudwatch").list_dashboards()["DashboardEntries"]],
        "rules": [r["Name"] for r in client(endpoint, "events").list_rules()["Rules"]],
        "topics": [t["TopicArn"] for t in client(endpoint, "sns").list_topics()["Topics"]],
        "apis": [a["Name"] for a in client(endpoint, "apigatewayv2").get_apis()["Items"]],
        "user pools": [p["Name"] for p in client(endpoint, "cognito-idp").list_user_pools(MaxResults=60)["UserPools"]],
        "aliases": [a["AliasName"] for a in client(endpoint, "kms").list_aliases()["Aliases"]],
        "buckets": [b["Name"] for b in client(endpoint, "s3").list_buckets()["Buckets"]],
        "distributions": [d["Comment"] for d in cloudfront.list_distributions()["DistributionList"].get("Items", [])],
        "origin access controls": [c["Name"] for c in cloudfront.list_origin_access_controls()["OriginAccessControlList"].get("Items", [])],
        "headers policies": [
            p["ResponseHeadersPolicy"]["ResponseHeadersPolicyConfig"]["Name"]
            for p in cloudfront.list_response_headers_policies(Type="custom")["ResponseHeadersPolicyList"].get("Items", [])
        ],
    }
    return {kind: [name for name in names if prefix in name] for kind, names in found.items()}


def test_apply_update_replace_and_destroy_on_the_local_endpoint(endpoint: str, tmp_path: Path) -> None:
    if not (check.ROOT / "build" / "lambda" / "api.zip").exists():
        pytest.fail("build/lambda/*.zip missing: run make package")
    deployment = Deployment(tmp_path / "deploy", endpoint, variables={"fault_injection_enabled": True})
    deployment.lay_out()
    deployment.init()

    # apply: every resource of the root module, on the endpoint
    output, _ = deployment.apply()
    added, changed, destroyed = counts(output)
    state = deployment.run("state", "list").stdout.split()
    assert added == len([address for address in state if ".data." not in address and not address.startswith("data.")])
    assert (changed, destroyed) == (0, 0) and added > 60
    outputs = {name: value["value"] for name, value in deployment.outputs().items()}
    assert outputs["name_prefix"] == PREFIX and outputs["region"] == "us-east-1"

    dynamodb, lambda_ = client(endpoint, "dynamodb"), client(endpoint, "lambda")
    for service, table_name in outputs["table_names"].items():
        table = dynamodb.describe_table(TableName=table_name)["Table"]
        assert table["SSEDescription"]["KMSMasterKeyArn"] == outputs["kms_key_arn"]
        assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
        assert [key["AttributeName"] for key in table["KeySchema"]] == ["pk", "sk"]
        backups = dynamodb.describe_continuous_backups(TableName=table_name)["ContinuousBackupsDescription"]
        assert backups["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED", service
    for key, name in outputs["function_names"].items():
        function = lambda_.get_function(FunctionName=name)
        configuration = function["Configuration"]
        assert configuration["MemorySize"] == 256 and configuration["Timeout"] == 10 and configuration["Runtime"] == "python3.12"
        assert configuration["Environment"]["Variables"]["FAULT_INJECTION_ENABLED"] == "true", key
        assert configuration["Environment"]["Variables"]["TABLE_NAME"] in outputs["table_names"].values()
        assert configuration["KMSKeyArn"] == outputs["kms_key_arn"] and configuration["TracingConfig"]["Mode"] == "Active"
        assert [layer["Arn"].split(":")[6] for layer in configuration["Layers"]] == [f"{PREFIX}-dependencies"]
        assert "ReservedConcurrentExecutions" not in function.get("Concurrency", {})  # none by default
        assert function["Tags"] == {"Project": "trip-saga", "Workspace": "local", "ManagedBy": "terraform"}
    machine = client(endpoint, "stepfunctions").describe_state_machine(stateMachineArn=outputs["state_machine_arn"])
    definition = json.loads(machine["definition"])
    task_resources = {
        state["Parameters"]["FunctionName"]
        for state in definition["States"].values()
        if state.get("Type") == "Task" and "FunctionName" in state.get("Parameters", {})
    }
    assert task_resources and all(arn.split(":")[6] in outputs["function_names"].values() for arn in task_resources)
    policy = client(endpoint, "iam").get_role_policy(RoleName=f"{PREFIX}-booking-saga", PolicyName="least-privilege")["PolicyDocument"]
    invoke = next(s for s in policy["Statement"] if s["Sid"] == "InvokeItsFunctionsOnly")
    booking_functions = {outputs["function_names"][function.key] for function in catalog.load().invoked_by("booking")}
    assert {arn.split(":")[6] for arn in invoke["Resource"]} == booking_functions
    apis = client(endpoint, "apigatewayv2")
    api = next(a for a in apis.get_apis()["Items"] if a["Name"] == f"{PREFIX}-bookings")
    routes = apis.get_routes(ApiId=api["ApiId"])["Items"]
    assert sorted(route["RouteKey"] for route in routes) == [
        "GET /bookings",
        "GET /bookings/{booking_id}",
        "POST /bookings",
        "POST /bookings/{booking_id}/cancel",
    ]
    assert {(route["AuthorizationType"], route["Target"].split("/")[0]) for route in routes} == {("JWT", "integrations")}
    authorizer = apis.get_authorizer(ApiId=api["ApiId"], AuthorizerId=routes[0]["AuthorizerId"])
    assert authorizer["JwtConfiguration"] == {"Issuer": outputs["jwt_issuer"], "Audience": [outputs["user_pool_client_id"]]}
    assert outputs["jwt_issuer"] == f"https://cognito-idp.us-east-1.amazonaws.com/{outputs['user_pool_id']}"
    retention = client(endpoint, "logs").describe_log_groups(logGroupNamePrefix=f"/aws/lambda/{PREFIX}")["logGroups"]
    assert len(retention) == len(catalog.load().functions) + 1 and {group["retentionInDays"] for group in retention} == {365}

    check_site(endpoint, outputs)

    # nothing to do: the refreshed state is the configuration
    code, plan = deployment.plan_exit_code()
    assert code == 0, plan[-3000:]

    # settings changed outside Terraform (a function's memory, its log retention, the page's CSP): the
    # refresh reads them, one plan shows them, one apply restores them
    cloudfront = client(endpoint, "cloudfront")
    policy_id = next(
        p["ResponseHeadersPolicy"]["Id"]
        for p in cloudfront.list_response_headers_policies(Type="custom")["ResponseHeadersPolicyList"]["Items"]
        if p["ResponseHeadersPolicy"]["ResponseHeadersPolicyConfig"]["Name"] == f"{PREFIX}-page"
    )
    held = cloudfront.get_response_headers_policy(Id=policy_id)
    loosened = held["ResponseHeadersPolicy"]["ResponseHeadersPolicyConfig"]
    loosened["SecurityHeadersConfig"]["ContentSecurityPolicy"]["ContentSecurityPolicy"] = "default-src *"
    cloudfront.update_response_headers_policy(Id=policy_id, IfMatch=held["ETag"], ResponseHeadersPolicyConfig=loosened)
    flight = f"{PREFIX}-reserve-flight"
    lambda_.update_function_configuration(FunctionName=flight, MemorySize=1024)
    client(endpoint, "logs").put_retention_policy(logGroupName=f"/aws/lambda/{flight}", retentionInDays=7)
    code, plan = deployment.plan_exit_code()
    assert code == 2 and "~ memory_size" in plan and "1024 -> 256" in plan and "7 -> 365" in plan, plan[-3000:]
    assert "default-src *" in plan, plan[-3000:]
    assert counts(deployment.apply()[0]) == (0, 3, 0)
    assert lambda_.get_function_configuration(FunctionName=flight)["MemorySize"] == 256
    restored = cloudfront.get_response_headers_policy(Id=policy_id)["ResponseHeadersPolicy"]["ResponseHeadersPolicyConfig"]
    assert restored["SecurityHeadersConfig"]["ContentSecurityPolicy"]["ContentSecurityPolicy"].startswith("default-src 'none'")

    # changed variables: the functions and the API's stage are updated in place
    settings = {"lambda_memory_mb": 512, "api_throttling_rate_limit": 25}
    output, _ = deployment.apply(settings)
    assert counts(output) == (0, len(catalog.load().functions) + 2, 0)  # each saga function, the API's, its stage
    assert {lambda_.get_function_configuration(FunctionName=name)["MemorySize"] for name in outputs["function_names"].values()} == {512}
    stage = apis.get_stage(ApiId=api["ApiId"], StageName="$default")
    assert stage["DefaultRouteSettings"]["ThrottlingRateLimit"] == 25
    assert deployment.plan_exit_code(settings)[0] == 0

    # a renamed table: replaced (Terraform destroys it and creates the new one), its readers updated
    catalog_file = deployment.directory / "lambdas" / "functions.json"
    document = json.loads(catalog_file.read_text())
    document["services"]["hotel"]["table"] = "hotel-stays"
    catalog_file.write_text(json.dumps(document))
    code, plan = deployment.plan_exit_code(settings)
    assert code == 2 and 'module.service["hotel"].aws_dynamodb_table.this must be replaced' in plan
    output, _ = deployment.apply(settings)
    added, changed, destroyed = counts(output)
    assert (added, destroyed) == (1, 1) and changed > 0
    tables = project_resources(endpoint)["tables"]
    assert f"{PREFIX}-hotel-stays" in tables and f"{PREFIX}-hotels" not in tables
    hotel = lambda_.get_function_configuration(FunctionName=f"{PREFIX}-reserve-hotel")
    assert hotel["Environment"]["Variables"]["TABLE_NAME"] == f"{PREFIX}-hotel-stays"

    # a resource deleted behind Terraform's back is planned again
    client(endpoint, "cloudwatch").delete_dashboards(DashboardNames=[f"{PREFIX}-booking-saga"])
    code, plan = deployment.plan_exit_code(settings)
    assert code == 2 and "module.monitoring.aws_cloudwatch_dashboard.saga will be created" in plan

    # destroy: nothing of the project is left (the key waits out its deletion window, as on AWS)
    output, _ = deployment.destroy(settings)
    assert re.search(r"Destroy complete! Resources: \d+ destroyed\.", output)
    left = {kind: names for kind, names in project_resources(endpoint).items() if names}
    assert left == {}
    key = client(endpoint, "kms").describe_key(KeyId=outputs["kms_key_arn"])["KeyMetadata"]
    assert key["KeyState"] == "PendingDeletion"


def check_site(endpoint: str, outputs: dict[str, Any]) -> None:
    """The booking page as applied: its objects, the bucket policy (CloudFront of this distribution only, TLS
    only), the API's CORS (the page's origin exactly), the index's <meta> CSP (the API's and Cognito's origins)."""
    s3, cloudfront, apis = client(endpoint, "s3"), client(endpoint, "cloudfront"), client(endpoint, "apigatewayv2")
    bucket = outputs["site_bucket_name"]
    assert bucket == f"{PREFIX}-page-123456789012"
    distribution = cloudfront.get_distribution(Id=outputs["site_distribution_id"])["Distribution"]
    assert outputs["site_url"] == f"https://{distribution['DomainName']}"
    config = distribution["DistributionConfig"]
    assert config["DefaultRootObject"] == "index.html" and config["Origins"]["Items"][0]["OriginAccessControlId"]
    keys = {item["Key"] for item in s3.list_objects_v2(Bucket=bucket)["Contents"]}
    page = check.ROOT / "terraform" / "page"
    files = {path.relative_to(page).as_posix().removesuffix(".tftpl") for path in page.rglob("*") if path.is_file()}
    assert keys == files | {"config.json"}
    index = s3.get_object(Bucket=bucket, Key="index.html")
    assert index["ContentType"] == "text/html" and index["CacheControl"] == "no-cache"
    (meta,) = re.findall(r'http-equiv="Content-Security-Policy" content="connect-src ([^"]*)"', index["Body"].read().decode())
    cognito = "https://cognito-idp.us-east-1.amazonaws.com"
    assert [source for source in meta.split() if source != "'self'"] == [outputs["api_url"], cognito]
    site_config = json.loads(s3.get_object(Bucket=bucket, Key="config.json")["Body"].read())
    assert site_config["apiUrl"] == outputs["api_url"] and site_config["userPoolId"] == outputs["user_pool_id"]
    assert site_config["cognitoEndpoint"] == f"{cognito}/" and [step["state"] for step in site_config["steps"]][:3] == [
        "ReserveFlight",
        "ReserveHotel",
        "ProcessPayment",
    ]
    statements = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])["Statement"]
    allow = [statement for statement in statements if statement["Effect"] == "Allow"]
    assert allow == [
        {
            "Sid": "CloudFrontOfThisDistributionReads",
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{bucket}/*",
            "Principal": {"Service": "cloudfront.amazonaws.com"},
            "Condition": {"StringEquals": {"AWS:SourceArn": distribution["ARN"]}},
        }
    ]
    (deny,) = [statement for statement in statements if statement["Effect"] == "Deny"]
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} and deny["Principal"] == "*"
    blocked = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert all(blocked.values()) and len(blocked) == 4
    api = next(a for a in apis.get_apis()["Items"] if a["Name"] == f"{PREFIX}-bookings")
    assert api["CorsConfiguration"]["AllowOrigins"] == [outputs["site_url"]]


def test_state_in_the_endpoint_s_s3_with_native_locking(endpoint: str, tmp_path: Path) -> None:
    """backend.tf's S3 backend, configured as backend.hcl.example is (use_lockfile), on the endpoint's S3:
    the state is written under the workspace's key, and a lock held elsewhere (a .tflock object, which
    Terraform creates with If-None-Match: *) refuses a plan: S3 answers 412."""
    s3 = client(endpoint, "s3")
    s3.create_bucket(Bucket="tfstate")
    deployment = Deployment(tmp_path / "deploy", endpoint, variables={"project": "saga-s3"}, s3_bucket="tfstate")
    deployment.lay_out()
    assert not (deployment.configuration / check.BACKEND_OVERRIDE).exists()
    deployment.init()
    output, _ = deployment.apply()
    assert counts(output)[0] > 60
    state_key = f"env:/local/{deployment.s3_key}"
    stored = json.loads(s3.get_object(Bucket="tfstate", Key=state_key)["Body"].read())
    assert stored["outputs"]["name_prefix"]["value"] == "saga-s3-local" and len(stored["resources"]) > 40
    assert [item["Key"] for item in s3.list_objects_v2(Bucket="tfstate")["Contents"]] == [state_key]  # the lock released

    lock = {"ID": "c0ffee", "Operation": "OperationTypeApply", "Who": "someone@elsewhere", "Version": "1.11.4"}
    s3.put_object(Bucket="tfstate", Key=f"{state_key}.tflock", Body=json.dumps(lock).encode())
    with pytest.raises(TerraformFailed) as refused:
        deployment.plan_exit_code()
    assert "Error acquiring the state lock" in refused.value.output and "StatusCode: 412" in refused.value.output
    assert "someone@elsewhere" in refused.value.output
    s3.delete_object(Bucket="tfstate", Key=f"{state_key}.tflock")
    assert deployment.plan_exit_code()[0] == 0

    output, _ = deployment.destroy()
    assert "Destroy complete!" in output
    assert {kind: names for kind, names in project_resources(endpoint, "saga-s3-local").items() if names} == {}


TAGGED = """
terraform {
  required_providers {
    aws = { source = "hashicorp/aws" }
  }
}

variable "team" {
  type = string
}

variable "region" {
  type = string
}

provider "aws" {
  region = var.region
  default_tags {
    tags = { Project = "tagged" }
  }
}

resource "aws_kms_key" "this" {
  description = "tagged"
  tags        = { Team = var.team }
}

resource "aws_dynamodb_table" "this" {
  name         = "tagged-table"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "pk"
  tags         = { Team = var.team }

  attribute {
    name = "pk"
    type = "S"
  }
}

resource "aws_iam_role" "this" {
  name               = "tagged-role"
  tags               = { Team = var.team }
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "lambda.amazonaws.com" } }]
  })
}

resource "aws_sns_topic" "this" {
  name = "tagged-topic"
  tags = { Team = var.team }
}

resource "aws_cloudwatch_log_group" "this" {
  name = "tagged-logs"
  tags = { Team = var.team }
}
"""


def test_changed_tags_are_updated_in_place(endpoint: str, tmp_path: Path) -> None:
    (tmp_path / "terraform").mkdir()
    (tmp_path / "terraform" / "main.tf").write_text(TAGGED)
    deployment = Deployment(tmp_path, endpoint, workspace="default")
    deployment.init()
    assert counts(deployment.apply({"team": "blue"})[0]) == (5, 0, 0)
    assert counts(deployment.apply({"team": "green"})[0]) == (0, 5, 0)
    assert deployment.plan_exit_code({"team": "green"})[0] == 0
    expected = {"Project": "tagged", "Team": "green"}
    table_arn = client(endpoint, "dynamodb").describe_table(TableName="tagged-table")["Table"]["TableArn"]
    tags = client(endpoint, "dynamodb").list_tags_of_resource(ResourceArn=table_arn)["Tags"]
    assert {tag["Key"]: tag["Value"] for tag in tags} == expected
    tags = client(endpoint, "iam").list_role_tags(RoleName="tagged-role")["Tags"]
    assert {tag["Key"]: tag["Value"] for tag in tags} == expected
    topic = next(t["TopicArn"] for t in client(endpoint, "sns").list_topics()["Topics"] if t["TopicArn"].endswith(":tagged-topic"))
    assert {tag["Key"]: tag["Value"] for tag in client(endpoint, "sns").list_tags_for_resource(ResourceArn=topic)["Tags"]} == expected
    groups = client(endpoint, "logs").describe_log_groups(logGroupNamePrefix="tagged-logs")["logGroups"]
    assert client(endpoint, "logs").list_tags_for_resource(resourceArn=groups[0]["arn"].removesuffix(":*"))["tags"] == expected
    assert "Destroy complete! Resources: 5 destroyed." in deployment.destroy({"team": "green"})[0]


def test_a_type_the_stand_in_does_not_apply_fails_the_plan_naming_it(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'terraform {\n  required_providers {\n    aws = { source = "hashicorp/aws" }\n  }\n}\n'
        'provider "aws" {\n  region = "us-east-1"\n}\n'
        'resource "aws_sqs_queue" "this" {\n  name = "not-implemented"\n}\n'
    )
    terraform = check.terraform_for(tmp_path)
    terraform.run("init", "init", "-input=false", "-no-color")
    with pytest.raises(check.CheckFailed) as failed:
        terraform.run("plan", "plan", "-input=false", "-no-color", "-lock=false")
    assert "does not implement aws_sqs_queue" in failed.value.output


def test_terraform_failures_carry_terraform_s_output(tmp_path: Path) -> None:
    deployment = Deployment(tmp_path, "http://127.0.0.1:9")
    (tmp_path / "terraform").mkdir()
    with pytest.raises(TerraformFailed) as failed:
        deployment.run("plan", "-no-color")
    assert "No configuration files" in failed.value.output
