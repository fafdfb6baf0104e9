"""Terraform itself validates and plans the configuration (``make validate``'s machinery, on the
stand-in for hashicorp/aws): what each environment creates, and that broken configurations fail
where Terraform says they do. Each test runs terraform in subprocesses on a copy of the configuration."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sagatools.contract import aws_names, catalog
from tests.terraform.planned import edit, failure, resources
from tfprovider import check
from tfprovider.resources import SERVICE_QUOTAS_ENV

pytestmark = [pytest.mark.subprocess, pytest.mark.terraform, pytest.mark.xdist_group("terraform")]

ENVIRONMENTS = check.ENVIRONMENTS
PAGE_DIR = check.ROOT / "terraform" / "page"


def expected_addresses(environment: str, alert_emails: list[str]) -> set[str]:
    functions = catalog.load().functions
    prefix = f"trip-saga-{environment}"
    addresses = {
        "terraform_data.guardrails",
        "aws_lambda_layer_version.dependencies",
        "module.kms.aws_kms_key.this",
        "module.kms.aws_kms_alias.this",
        "module.alerts.aws_sns_topic.alerts",
        "module.monitoring.aws_cloudwatch_dashboard.saga",
        "module.monitoring.aws_cloudwatch_metric_alarm.compensation_failed",
        "module.monitoring.aws_cloudwatch_metric_alarm.executions_failed",
        'module.monitoring.aws_cloudwatch_metric_alarm.executions_ended_early["aborted"]',
        'module.monitoring.aws_cloudwatch_metric_alarm.executions_ended_early["timed-out"]',
        'module.monitoring.aws_cloudwatch_metric_alarm.other_executions_failed["cancellation"]',
        'module.monitoring.aws_cloudwatch_metric_alarm.other_executions_failed["reconciliation"]',
        'module.monitoring.aws_cloudwatch_metric_alarm.other_compensation_failed["cancellation"]',
        "module.monitoring.aws_cloudwatch_metric_alarm.api_5xx",
    }
    # Three state machines; the reconciliation also its EventBridge rule, target and the role EventBridge uses.
    for machine in ("state_machine", "cancellation", "reconciliation"):
        for kind in ("aws_sfn_state_machine.this", "aws_iam_role.this", "aws_iam_role_policy.this", "aws_cloudwatch_log_group.this"):
            addresses.add(f"module.{machine}.{kind}")
    for kind in (
        "aws_cloudwatch_event_rule.started_by[0]",
        "aws_cloudwatch_event_target.started_by[0]",
        "aws_iam_role.events[0]",
        "aws_iam_role_policy.events[0]",
    ):
        addresses.add(f"module.reconciliation.{kind}")
    addresses |= {f'module.alerts.aws_sns_topic_subscription.email["{email}"]' for email in alert_emails}
    # the bookings API, with the Cognito user pool it trusts by default (test_api.py: what each one is)
    addresses |= {
        f"module.api.{kind}"
        for kind in (
            "aws_lambda_function.this",
            "aws_iam_role.function",
            "aws_iam_role_policy.function",
            "aws_cloudwatch_log_group.function",
            "aws_cloudwatch_log_group.access",
            "aws_dynamodb_table.bookings",
            "aws_apigatewayv2_api.this",
            "aws_apigatewayv2_authorizer.jwt",
            "aws_apigatewayv2_integration.function",
            "aws_apigatewayv2_stage.this",
            "aws_cognito_user_pool.this[0]",
            "aws_cognito_user_pool_client.spa[0]",
        )
    }
    # the booking page (test_site.py: what each one is), with the user pool it signs in with
    site = "module.site[0]"
    addresses |= {
        f"{site}.{kind}"
        for kind in (
            "aws_s3_bucket.page",
            "aws_s3_bucket_public_access_block.page",
            "aws_s3_bucket_ownership_controls.page",
            "aws_s3_bucket_versioning.page",
            "aws_s3_bucket_server_side_encryption_configuration.page",
            "aws_s3_bucket_lifecycle_configuration.page",
            "aws_s3_bucket_policy.page",
            "aws_s3_object.config",
            'aws_s3_object.rendered["index.html"]',
            "aws_cloudfront_origin_access_control.page",
            "aws_cloudfront_response_headers_policy.page",
            "aws_cloudfront_distribution.page",
            "terraform_data.page_files",
        )
    }
    page = PAGE_DIR
    addresses |= {
        f'{site}.aws_s3_object.static["{path.relative_to(page).as_posix()}"]'
        for path in page.rglob("*")
        if path.is_file() and not path.name.endswith(".tftpl")
    }
    for route in ("createBooking", "listBookings", "getBooking", "cancelBooking"):
        addresses |= {f'module.api.aws_apigatewayv2_route.this["{route}"]', f'module.api.aws_lambda_permission.api["{route}"]'}
    api_key = catalog.load().api.key  # the API's function is alarmed as the steps' are
    addresses |= {
        f'module.monitoring.aws_cloudwatch_metric_alarm.function["{prefix}-{api_key}-{alarm}"]' for alarm in ("errors", "throttles")
    }
    for service in {function.service for function in functions}:
        addresses.add(f'module.service["{service}"].aws_dynamodb_table.this')
    for function in functions:
        service = f'module.service["{function.service}"]'
        for kind in (
            "aws_lambda_function.this",
            "aws_iam_role.function",
            "aws_iam_role_policy.function",
            "aws_cloudwatch_log_group.function",
        ):
            addresses.add(f'{service}.{kind}["{function.key}"]')
        for alarm in ("errors", "throttles"):
            addresses.add(f'module.monitoring.aws_cloudwatch_metric_alarm.function["{prefix}-{function.key}-{alarm}"]')
        if function.kind in ("compensate", "cancel"):  # closes something: alarmed on its own metric
            addresses.add(f'module.monitoring.aws_cloudwatch_metric_alarm.compensation_attempts_failed["{function.state}"]')
    return addresses


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_each_environment_plans_the_resources_expected_of_it(plans: dict[str, dict[str, Any]], environment: str) -> None:
    plan = plans[environment]
    created = resources(plan)
    emails = ["oncall@example.com"] if environment == "prod" else []
    assert set(created) == expected_addresses(environment, emails)
    assert {change["change"]["actions"][0] for change in plan["resource_changes"]} <= {"create", "read"}

    faults = "false" if environment == "prod" else "true"
    for address, after in created.items():
        if ".aws_lambda_function." in address:
            assert after["function_name"].startswith(f"trip-saga-{environment}-")
        if address.startswith("module.service[") and ".aws_lambda_function." in address:
            assert after["environment"][0]["variables"]["FAULT_INJECTION_ENABLED"] == faults
        if ".aws_dynamodb_table." in address:
            assert after["deletion_protection_enabled"] is (environment == "prod")
            assert after["name"].startswith(f"trip-saga-{environment}-")
            assert after["point_in_time_recovery"][0]["enabled"] is True and after["server_side_encryption"][0]["enabled"] is True
            # the schema the local engines create (catalog.TABLE_SCHEMA) is the one Terraform plans
            assert after["billing_mode"] == catalog.TABLE_SCHEMA["BillingMode"]
            assert (after["hash_key"], after["range_key"]) == tuple(k["AttributeName"] for k in catalog.TABLE_SCHEMA["KeySchema"])
            attributes = sorted((a["name"], a["type"]) for a in after["attribute"])
            assert attributes == sorted((a["AttributeName"], a["AttributeType"]) for a in catalog.TABLE_SCHEMA["AttributeDefinitions"])
        for attribute in ("name", "function_name", "layer_name", "alarm_name", "dashboard_name"):
            # every name derives from the project and the workspace (an inline policy is named within its
            # role, the API's one stage is named within its API: $default)
            within_another = ".aws_iam_role_policy." in address or ".aws_apigatewayv2_stage." in address
            if isinstance(after.get(attribute), str) and not within_another:
                assert f"trip-saga-{environment}" in after[attribute], f"{address}.{attribute} = {after[attribute]}"
    # provider default_tags reach every taggable resource, as the real provider plans tags_all
    key = created["module.kms.aws_kms_key.this"]
    assert key["tags_all"] == {"Project": "trip-saga", "Workspace": environment, "ManagedBy": "terraform"}


# What a "Step Functions Execution Status Change" event's detail carries for a state machine encrypted
# with a customer managed key: the documented fields (eventbridge-integration.html) less "Execution
# Input, Output, Error, and Cause", which are "not included" then (encryption-at-rest.html).
STATUS_CHANGE_FIELDS_UNDER_A_CMK = {
    "executionArn",
    "stateMachineArn",
    "name",
    "status",
    "startDate",
    "stopDate",
    "inputDetails",
    "outputDetails",
}


def test_no_event_rule_matches_what_an_encrypted_state_machine_s_events_leave_out(plans: dict[str, dict[str, Any]]) -> None:
    for environment, plan in plans.items():
        created = resources(plan)
        machine = created["module.state_machine.aws_sfn_state_machine.this"]
        assert machine["encryption_configuration"][0]["type"] == "CUSTOMER_MANAGED_KMS_KEY"
        for address, rule in created.items():
            if ".aws_cloudwatch_event_rule." not in address:
                continue
            pattern = json.loads(rule["event_pattern"])
            if "Step Functions Execution Status Change" in pattern.get("detail-type", []):
                assert set(pattern.get("detail", {})) <= STATUS_CHANGE_FIELDS_UNDER_A_CMK, (
                    f"{environment}: {address} matches {pattern['detail']}"
                )


def test_the_compensation_failed_alarm_watches_the_state_machine_s_own_count(plans: dict[str, dict[str, Any]]) -> None:
    """What CountCompensationFailed puts (test_paths.py holds the engine to it) is what the alarm watches."""
    for environment, plan in plans.items():
        alarm = resources(plan)["module.monitoring.aws_cloudwatch_metric_alarm.compensation_failed"]
        assert (alarm["namespace"], alarm["metric_name"]) == (catalog.METRICS_NAMESPACE, "CompensationFailed")
        assert alarm["dimensions"] == {"StateMachine": f"trip-saga-{environment}-booking-saga"}
        assert (alarm["statistic"], alarm["threshold"], alarm["comparison_operator"]) == ("Sum", 1, "GreaterThanOrEqualToThreshold")


def test_no_function_reserves_concurrency_by_default(plans: dict[str, dict[str, Any]]) -> None:
    """A reservation fails a new account's first apply (Lambda's quotas page: "New AWS accounts have
    reduced concurrency and memory quotas"), and every workspace's reservations come out of one pool:
    by default nothing is reserved, and the account's quota is not even read."""
    for environment, plan in plans.items():
        functions = {address: after for address, after in resources(plan).items() if ".aws_lambda_function." in address}
        assert len(functions) == len(catalog.load().functions) + 1
        assert {after["reserved_concurrent_executions"] for after in functions.values()} == {-1}, environment
        read = [r["address"] for r in plan["prior_state"]["values"]["root_module"].get("resources", []) if r["mode"] == "data"]
        assert not [address for address in read if "servicequotas" in address], environment


@pytest.mark.parametrize(("quota", "reserved", "fits"), [(1000, 50, True), (10, 1, False)], ids=["standard-account", "new-account"])
def test_a_reservation_is_planned_only_where_the_account_s_lambda_quota_leaves_100_unreserved(
    ready: None, configuration: Path, monkeypatch: pytest.MonkeyPatch, quota: int, reserved: int, fits: bool
) -> None:
    """PutFunctionConcurrency reserves "as long as you leave at least 100 simultaneous executions unreserved":
    the plan reads the quota (Service Quotas, "Concurrent executions") and refuses what AWS would refuse at apply."""
    monkeypatch.setenv(SERVICE_QUOTAS_ENV, json.dumps({"lambda/Concurrent executions": quota}))
    terraform = check.terraform_for(configuration)
    terraform.use_local_backend()
    functions = len(catalog.load().functions) + 1
    if fits:
        created = resources(terraform.plan("dev", f"reserved_concurrency={reserved}"))
        reservations = [after["reserved_concurrent_executions"] for address, after in created.items() if ".aws_lambda_function." in address]
        assert reservations == [reserved] * functions
        return
    output = failure(lambda: terraform.plan("dev", f"reserved_concurrency={reserved}"))
    assert "Resource precondition failed" in output
    assert (
        f"reserves {reserved * functions} concurrent executions, but the account's Lambda quota (Concurrent executions) is {quota}"
        in output
    )


# The longest names the inputs accept: project (its validation: 3-20 characters) and the workspace
# (the guardrails' precondition: 1-19).
LONGEST_PROJECT, LONGEST_WORKSPACE = "longest-project-name", "longest-workspace-1"
LONGEST_REGION = "ap-southeast-2"  # 14 characters, as long as any commercial region's name


def planned_names(plan: dict[str, Any]) -> dict[str, tuple[str, str, str]]:
    """address.attribute -> (resource type, attribute, value) of every known name or description planned."""
    found = {}
    for change in plan["resource_changes"]:
        after = change["change"]["after"] or {}
        for attribute in aws_names.NAME_ATTRIBUTES:
            if isinstance(after.get(attribute), str) and change["mode"] == "managed":
                found[f"{change['address']}.{attribute}"] = (change["type"], attribute, after[attribute])
    return found


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_every_environment_plans_at_the_longest_names_the_inputs_accept_within_aws_s_name_rules(
    ready: None, configuration: Path, environment: str
) -> None:
    terraform = check.terraform_for(configuration)
    terraform.use_local_backend()
    production = f'production_workspaces=["{LONGEST_WORKSPACE}"]' if environment == "prod" else "production_workspaces=[]"
    plan = terraform.plan(environment, f"project={LONGEST_PROJECT}", production, workspace=LONGEST_WORKSPACE)
    names = planned_names(plan)
    prefix = f"{LONGEST_PROJECT}-{LONGEST_WORKSPACE}"
    assert len(prefix) == 40 and any(prefix in value for _, _, value in names.values())
    problems = [problem for kind, attribute, value in names.values() for problem in aws_names.violations(kind, attribute, value)]
    assert problems == []
    assert {kind for kind, _, _ in names.values()} >= {"aws_iam_role", "aws_lambda_function", "aws_sfn_state_machine"}
    # the page's bucket: "<prefix>-page-<account id>", 58 characters of S3's 63
    assert names["module.site[0].aws_s3_bucket.page.bucket"][2] == f"{prefix}-page-123456789012"


def test_the_bootstrap_plans_at_the_longest_project_within_aws_s_name_rules(ready: None, configuration: Path) -> None:
    terraform = check.terraform_for(configuration / "bootstrap")
    terraform.use_local_backend()
    plan = terraform.plan("default", f"project={LONGEST_PROJECT}", "github_repository=example/trip-booking-saga", var_file=False)
    names = planned_names(plan)
    assert names["aws_s3_bucket.state.bucket"][2] == f"{LONGEST_PROJECT}-tfstate-123456789012"
    problems = [problem for kind, attribute, value in names.values() for problem in aws_names.violations(kind, attribute, value)]
    assert problems == []
    # IAM's 6,144 characters per managed policy, not counting white space (test_iam_lint.py checks the default
    # project's): the deployer's documents at the longest project and a longest region name.
    longest = (f"project={LONGEST_PROJECT}", f"region={LONGEST_REGION}", "github_repository=example/trip-booking-saga")
    plan = terraform.plan("default", *longest, var_file=False)
    policies = {address: values["policy"] for address, values in resources(plan).items() if address.startswith("aws_iam_policy.")}
    sizes = {address: len("".join(policy.split())) for address, policy in policies.items()}
    assert len(sizes) == 7 and LONGEST_PROJECT in json.dumps(resources(plan)) and LONGEST_REGION in json.dumps(resources(plan))
    assert {address: size for address, size in sizes.items() if size > 6144} == {}, sizes


# The IAM service prefix of each hashicorp/aws resource type's calls (by the type's name; terraform_data calls nothing).
SERVICE_OF_RESOURCE_TYPE = {
    "aws_apigatewayv2_": "apigateway",
    "aws_cloudfront_": "cloudfront",
    "aws_cloudwatch_dashboard": "cloudwatch",
    "aws_cloudwatch_event_": "events",
    "aws_cloudwatch_log_": "logs",
    "aws_cloudwatch_metric_alarm": "cloudwatch",
    "aws_cognito_": "cognito-idp",
    "aws_dynamodb_": "dynamodb",
    "aws_iam_": "iam",
    "aws_kms_": "kms",
    "aws_lambda_": "lambda",
    "aws_s3_": "s3",
    "aws_sfn_": "states",
    "aws_sns_": "sns",
}


def test_the_bootstrap_s_deployer_may_call_the_service_of_every_resource_type_the_root_module_plans(
    plans: dict[str, dict[str, Any]], configuration: Path
) -> None:
    """Coverage by service, not completeness: for each resource type an environment plans, the deployer's
    policies (terraform/bootstrap) allow at least one action of its service, so a resource type of a service
    they never name fails here rather than in a workspace's first apply on AWS. Whether they allow every call
    hashicorp/aws makes for it is what policies.tf's comments and docs/deploy.md#the-deployer account for."""
    types = {change["type"] for plan in plans.values() for change in plan["resource_changes"] if change["mode"] == "managed"}
    unmapped = sorted(kind for kind in types if kind != "terraform_data" and not any(kind.startswith(p) for p in SERVICE_OF_RESOURCE_TYPE))
    assert unmapped == [], f"add each to SERVICE_OF_RESOURCE_TYPE, and the deployer's grants for it to terraform/bootstrap: {unmapped}"
    terraform = check.terraform_for(configuration / "bootstrap")
    terraform.use_local_backend()
    bootstrap = terraform.plan("default", "github_repository=example/trip-booking-saga", var_file=False)
    allowed = {
        action.split(":", 1)[0]
        for address, values in resources(bootstrap).items()
        if address.startswith("aws_iam_policy.")
        for statement in json.loads(values["policy"])["Statement"]
        if statement["Effect"] == "Allow"
        for action in ([statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"])
    }
    needed = {kind: service for kind in types for prefix, service in SERVICE_OF_RESOURCE_TYPE.items() if kind.startswith(prefix)}
    assert {kind: service for kind, service in sorted(needed.items()) if service not in allowed} == {}
    assert {"aws_s3_bucket", "aws_s3_object", "aws_cloudfront_distribution"} <= set(needed)  # the page's, among them


@pytest.mark.parametrize(
    ("variables", "workspace", "message"),
    [
        (("project=longest-project-name",), "longest-workspace-20", 'The workspace name "longest-workspace-20" must be 1-19 characters'),
        (("project=longest-project-name",), "Dev_1", 'The workspace name "Dev_1" must be 1-19 characters'),
        (("project=longest-project-name-x",), "dev", "project must be 3-20 characters of lowercase letters, digits and hyphens."),
    ],
    ids=["workspace-too-long", "workspace-characters", "project-too-long"],
)
def test_a_name_one_character_over_is_refused_at_plan_time(
    ready: None, configuration: Path, variables: tuple[str, ...], workspace: str, message: str
) -> None:
    terraform = check.terraform_for(configuration)
    terraform.use_local_backend()
    assert message in failure(lambda: terraform.plan("dev", *variables, workspace=workspace))


def test_the_name_rules_fail_what_aws_would_refuse() -> None:
    """The rules table itself: AWS's published limits, not this configuration's (65 is one over IAM's 64)."""
    assert aws_names.violations("aws_iam_role", "name", "r" * 64) == []
    assert "is 65 characters; AWS allows 1-64" in aws_names.violations("aws_iam_role", "name", "r" * 65)[0]
    assert "is 65 characters; AWS allows 1-64" in aws_names.violations("aws_cloudwatch_event_rule", "name", "e" * 65)[0]
    assert aws_names.violations("aws_lambda_function", "function_name", "f" * 65)  # 140 as an ARN, 64 as a name
    assert aws_names.violations("aws_sfn_state_machine", "name", "a:b")  # logging needs [0-9A-Za-z_-]
    assert aws_names.violations("aws_kms_alias", "name", "alias/aws/saga")
    assert aws_names.violations("aws_dynamodb_table", "name", "ab")
    assert "no AWS name rule is known" in aws_names.violations("aws_new_thing", "name", "x")[0]


def test_the_key_policy_admits_step_functions_log_delivery_exactly_as_aws_shows_it(plans: dict[str, dict[str, Any]]) -> None:
    """ "you must allow delivery.logs.amazonaws.com to do kms:Decrypt action from your AWS KMS key policy",
    and AWS's statement has no condition (encryption-at-rest.html): one log delivery does not send would
    drop the execution logs without an error."""
    key = resources(plans["prod"])["module.kms.aws_kms_key.this"]
    statements = {statement["Sid"]: statement for statement in json.loads(key["policy"])["Statement"]}
    assert statements["LogDeliveryReadsTheEncryptedStateMachine"] == {
        "Sid": "LogDeliveryReadsTheEncryptedStateMachine",
        "Effect": "Allow",
        "Action": "kms:Decrypt",
        "Resource": "*",
        "Principal": {"Service": "delivery.logs.amazonaws.com"},
    }


def test_the_key_policy_is_rendered_at_plan_time(plans: dict[str, dict[str, Any]]) -> None:
    key = resources(plans["prod"])["module.kms.aws_kms_key.this"]
    assert '"AWS": "arn:aws:iam::123456789012:root"' in key["policy"]
    assert '"Service": "logs.eu-west-1.amazonaws.com"' in key["policy"]


def test_fault_injection_in_production_fails_its_precondition(ready: None, configuration: Path) -> None:
    terraform = check.terraform_for(configuration)
    terraform.use_local_backend()
    output = failure(lambda: terraform.plan("prod", "fault_injection_enabled=true"))
    assert "Resource precondition failed" in output
    assert "fault_injection_enabled cannot be true in a production workspace (prod)." in output


def test_a_task_timeout_below_the_function_timeout_fails_its_precondition(ready: None, configuration: Path) -> None:
    terraform = check.terraform_for(configuration)
    terraform.use_local_backend()
    output = failure(lambda: terraform.plan("dev", "task_timeout_seconds=5"))
    assert "task_timeout_seconds must exceed lambda_timeout_seconds" in output


def test_an_invalid_variable_fails_its_validation(ready: None, configuration: Path) -> None:
    terraform = check.terraform_for(configuration)
    terraform.use_local_backend()
    output = failure(lambda: terraform.plan("dev", "project=Trip_Saga"))
    assert "project must be 3-20 characters of lowercase letters, digits and hyphens." in output


@pytest.mark.parametrize("broken", ["template", "module"])
def test_a_template_placeholder_without_a_value_fails_in_templatefile(ready: None, configuration: Path, broken: str) -> None:
    root = configuration.parent
    if broken == "template":  # the template gains a placeholder the module does not pass
        edit(
            root / "statemachine" / "booking_saga.asl.json.tftpl",
            '"TimeoutSeconds": ${task_timeout_seconds}',
            '"TimeoutSeconds": ${task_timeout}',
        )
        missing = "task_timeout"
    else:  # the module stops passing one the template uses
        edit(configuration / "modules" / "state_machine" / "main.tf", "    alert_topic_arn           = var.alert_topic_arn\n", "")
        missing = "alert_topic_arn"
    terraform = check.terraform_for(configuration)
    terraform.validate()  # validate cannot know: the template's path is a variable
    terraform.use_local_backend()
    output = failure(lambda: terraform.plan("dev"))
    assert 'Call to function "templatefile" failed' in output or "Invalid function argument" in output
    assert f'vars map does not contain key "{missing}"' in output


def test_a_misspelled_argument_fails_validate(ready: None, configuration: Path) -> None:
    edit(configuration / "modules" / "kms" / "main.tf", "enable_key_rotation     = true", "enable_key_rotaton      = true")
    output = failure(check.terraform_for(configuration).validate)
    assert 'An argument named "enable_key_rotaton" is not expected here. Did you mean "enable_key_rotation"?' in output


def test_a_missing_required_argument_fails_validate(ready: None, configuration: Path) -> None:
    edit(configuration / "modules" / "service" / "main.tf", "  role                           = aws_iam_role.function[each.key].arn\n", "")
    output = failure(check.terraform_for(configuration).validate)
    assert 'The argument "role" is required, but no definition was found.' in output


def test_a_misspelled_block_and_a_repeated_single_block_fail_validate(ready: None, configuration: Path) -> None:
    service = configuration / "modules" / "service" / "main.tf"
    edit(service, "  tracing_config {", "  tracing_configuration {")
    edit(
        service,
        "  environment {",
        "  ephemeral_storage {\n    size = 512\n  }\n  ephemeral_storage {\n    size = 1024\n  }\n\n  environment {",
    )
    output = failure(check.terraform_for(configuration).validate)
    assert 'Blocks of type "tracing_configuration" are not expected here.' in output
    assert 'No more than 1 "ephemeral_storage" blocks are allowed' in output


def test_a_reference_to_a_missing_module_output_fails_validate(ready: None, configuration: Path) -> None:
    edit(
        configuration / "main.tf", "alert_topic_arn           = module.alerts.topic_arn", "alert_topic_arn           = module.alerts.topic"
    )
    output = failure(check.terraform_for(configuration).validate)
    assert 'This object does not have an attribute named "topic".' in output


@pytest.mark.parametrize("broken", ["undeclared", "missing"])
def test_a_module_call_with_an_undeclared_or_a_missing_input_fails_validate(ready: None, configuration: Path, broken: str) -> None:
    main = configuration / "main.tf"
    if broken == "undeclared":
        edit(main, "  name_prefix = local.name_prefix\n}", '  name_prefix = local.name_prefix\n  key_alias   = "saga"\n}')
        expected = 'An argument named "key_alias" is not expected here.'
    else:
        edit(main, "  kms_key_arn     = module.kms.key_arn\n", "")
        expected = 'The argument "kms_key_arn" is required, but no definition was found.'
    output = failure(check.terraform_for(configuration).validate)
    assert expected in output


def test_the_check_works_on_a_copy_and_leaves_the_repository_configuration_alone() -> None:
    assert check.CHECKS.is_relative_to(check.ROOT / "build")
    assert not (check.ROOT / "terraform" / check.BACKEND_OVERRIDE).exists()


def test_the_reconciliation_is_started_by_the_booking_saga_s_unsuccessful_endings_only(plans: dict[str, dict[str, Any]]) -> None:
    """The rule matches the booking saga's status changes to ABORTED, TIMED_OUT and FAILED (fields an
    encrypted machine's events carry), and EventBridge starts the reconciliation as a role that trusts
    events.amazonaws.com for this rule only and may start nothing else."""
    for environment, plan in plans.items():
        created = resources(plan)
        prefix = f"trip-saga-{environment}"
        machines = f"arn:aws:states:{plan['variables']['region']['value']}:123456789012:stateMachine"  # the stand-in's account
        rule = created["module.reconciliation.aws_cloudwatch_event_rule.started_by[0]"]
        assert json.loads(rule["event_pattern"]) == {
            "source": ["aws.states"],
            "detail-type": ["Step Functions Execution Status Change"],
            "detail": {
                "stateMachineArn": [f"{machines}:{prefix}-booking-saga"],
                "status": ["ABORTED", "TIMED_OUT", "FAILED"],
            },
        }
        role = created["module.reconciliation.aws_iam_role.events[0]"]
        assert role["name"] == f"{prefix}-reconciliation-events"
        (trust,) = json.loads(role["assume_role_policy"])["Statement"]
        assert trust["Principal"] == {"Service": "events.amazonaws.com"} and set(trust["Condition"]) == {"StringEquals", "ArnEquals"}
        policy = json.loads(created["module.reconciliation.aws_iam_role_policy.events[0]"]["policy"])
        assert [(s["Action"], s["Resource"]) for s in policy["Statement"]] == [
            ("states:StartExecution", f"{machines}:{prefix}-reconciliation")
        ]
