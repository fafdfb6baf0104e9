"""The bookings HTTP API (modules/api) as Terraform plans it: the root module's plans for what it is
wired to, and a plan of the module alone with known inputs for what is known only after apply in
the root (the key's ARN, so the role's policy): who may call the API, what its function may do,
what the stage logs and how it throttles."""

from __future__ import annotations

import fnmatch
import json
from pathlib import Path
from typing import Any

import pytest

from sagatools.contract import catalog
from sagatools.contract.paths import ROOT
from tests.terraform.planned import failure, outputs, references, resources, unknown
from tfprovider import check

pytestmark = [pytest.mark.subprocess, pytest.mark.terraform, pytest.mark.xdist_group("terraform")]

CONTRACT = json.loads((ROOT / "docs" / "openapi.json").read_text())
CATALOG_API = json.loads((ROOT / "lambdas" / "functions.json").read_text())["api"]

# -- the module alone, with known inputs -----------------------------------------------------------------
ACCOUNT, REGION = "123456789012", "eu-west-1"  # the stand-in's account; the harness's region
KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/00000000-1111-2222-3333-444444444444"
STATE_MACHINE = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:check-booking-saga"
CANCELLATION = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:check-cancellation"
TABLES = {service: f"check-{service}s" for service in ("flight", "hotel", "payment")}
ROUTES = {
    "createBooking": "POST /bookings",
    "listBookings": "GET /bookings",
    "getBooking": "GET /bookings/{booking_id}",
    "cancelBooking": "POST /bookings/{booking_id}/cancel",
}
ISSUER, AUDIENCE = "https://issuer.example.com/", ["spa-client"]
ORIGINS = ["https://app.example.com", "http://localhost:5173"]


def module_call(name_prefix: str, **extra: Any) -> dict[str, Any]:
    return {
        "source": "../terraform/modules/api",
        "name_prefix": name_prefix,
        "function_key": CATALOG_API["key"],
        "handler": CATALOG_API["handler"],
        "actions": "${concat(local.catalog_actions, var.extra_actions)}",
        "routes": ROUTES,
        "artifact_path": "${path.module}/../build/lambda/api.zip",
        "layer_arn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:layer:check-dependencies:1",
        "state_machine_arn": STATE_MACHINE,
        "cancellation_state_machine_arn": CANCELLATION,
        "tables": {service: {"name": name, "arn": f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name}"} for service, name in TABLES.items()},
        "kms_key_arn": KEY,
        "throttling_burst_limit": 7,
        "throttling_rate_limit": 3.5,
        **extra,
    }


def module_root(configuration: Path) -> Path:
    """A root module beside the copied configuration that calls modules/api twice: with its own user
    pool ("cognito"), and with an external issuer and CORS origins ("external")."""
    root = configuration.parent / "api_module"
    root.mkdir()
    document = {
        "terraform": {"required_providers": {"aws": {"source": "hashicorp/aws", "version": "~> 6.0"}}},
        "provider": {"aws": {"region": REGION}},
        "variable": {"extra_actions": {"type": "list(string)", "default": []}},
        "locals": {"catalog_actions": CATALOG_API["actions"]},
        "module": {
            "cognito": module_call("check-cognito"),
            "external": module_call("check-external", jwt_issuer=ISSUER, jwt_audience=AUDIENCE, cors_allowed_origins=ORIGINS),
        },
    }
    (root / "main.tf.json").write_text(json.dumps(document, indent=1))
    return root


def module_terraform(configuration: Path) -> check.Terraform:
    terraform = check.terraform_for(module_root(configuration))
    terraform.run("terraform init (api module)", "init", "-input=false", "-no-color")
    return terraform


@pytest.fixture(scope="session")
def module_plan(ready: None, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    configuration = check.lay_out(tmp_path_factory.mktemp("api-module"))
    return module_terraform(configuration).plan("default", var_file=False)


@pytest.fixture(scope="session")
def external_issuer_plan(ready: None, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    terraform = check.terraform_for(check.lay_out(tmp_path_factory.mktemp("external-issuer")))
    terraform.use_local_backend()
    return terraform.plan("dev", f"api_jwt_issuer={ISSUER}", f"api_jwt_audience={json.dumps(AUDIENCE)}")


def statements(policy: str) -> set[tuple[str, str, frozenset[tuple[str, str, tuple[str, ...]]]]]:
    """A policy as what it allows: (action, resource, conditions) for every pair it names."""
    document = json.loads(policy)
    allowed = set()
    for statement in document["Statement"]:
        assert statement["Effect"] == "Allow" and not {"NotAction", "NotResource", "Principal"} & set(statement)
        conditions = frozenset(
            (test, variable, tuple(sorted([values] if isinstance(values, str) else values)))
            for test, by_variable in statement.get("Condition", {}).items()
            for variable, values in by_variable.items()
        )
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        resources_ = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        allowed |= {(action, resource, conditions) for action in actions for resource in resources_}
    return allowed


def test_the_api_role_allows_exactly_what_the_code_calls_on_exactly_its_resources(module_plan: dict[str, Any]) -> None:
    policy = resources(module_plan)["module.cognito.aws_iam_role_policy.function"]["policy"]
    assert isinstance(policy, str), "the policy is not known when planning"
    machines = (STATE_MACHINE, CANCELLATION)
    executions = [f"{machine.replace(':stateMachine:', ':execution:')}:*" for machine in machines]
    table_arns = [f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name}" for name in TABLES.values()]
    bookings = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/check-cognito-bookings"
    log_streams = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/lambda/check-cognito-api:*"
    none: frozenset[tuple[str, str, tuple[str, ...]]] = frozenset()
    through_states = frozenset(
        {
            ("StringEquals", "kms:ViaService", (f"states.{REGION}.amazonaws.com",)),
            ("StringEquals", "kms:EncryptionContext:aws:states:stateMachineArn", tuple(sorted(machines))),
        }
    )
    through_dynamodb = frozenset(
        {
            ("StringEquals", "kms:ViaService", (f"dynamodb.{REGION}.amazonaws.com",)),
            ("StringEquals", "kms:EncryptionContext:aws:dynamodb:tableName", tuple(sorted([*TABLES.values(), "check-cognito-bookings"]))),
        }
    )
    assert statements(policy) == {
        *(("states:StartExecution", machine, none) for machine in machines),
        *(("states:DescribeExecution", arn, none) for arn in executions),
        *(("states:GetExecutionHistory", arn, none) for arn in executions),
        *(("dynamodb:GetItem", arn, none) for arn in table_arns),
        *((action, bookings, none) for action in ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query")),
        ("kms:Decrypt", KEY, through_states),  # DescribeExecution, GetExecutionHistory; StartExecution needs none
        ("kms:Decrypt", KEY, through_dynamodb),  # no statement for its environment: Lambda's grant decrypts it
        ("logs:CreateLogStream", log_streams, none),
        ("logs:PutLogEvents", log_streams, none),
        ("xray:PutTraceSegments", "*", none),
        ("xray:PutTelemetryRecords", "*", none),
    }
    # ... and what it allows beyond the key, its logs and traces is what the catalog says the code calls
    calls = {action for action, _, _ in statements(policy) if action.split(":")[0] not in ("kms", "logs", "xray")}
    assert calls == set(CATALOG_API["actions"])


def test_an_action_the_code_calls_but_the_role_does_not_grant_fails_the_plan(ready: None, configuration: Path) -> None:
    terraform = module_terraform(configuration)
    output = failure(lambda: terraform.plan("default", 'extra_actions=["dynamodb:Scan"]', var_file=False))
    assert "Resource precondition failed" in output
    assert "The API's role must grant exactly the actions its code calls" in output


def test_the_stage_logs_every_request_as_json_to_an_encrypted_group_and_throttles(module_plan: dict[str, Any]) -> None:
    created = resources(module_plan)
    stage = created["module.cognito.aws_apigatewayv2_stage.this"]
    assert stage["name"] == "$default" and stage["auto_deploy"] is True
    assert stage["default_route_settings"][0]["throttling_burst_limit"] == 7
    assert stage["default_route_settings"][0]["throttling_rate_limit"] == 3.5
    fields = json.loads(stage["access_log_settings"][0]["format"])
    assert {
        "requestId": "$context.requestId",
        "routeKey": "$context.routeKey",
        "status": "$context.status",
        "integrationLatency": "$context.integrationLatency",
        "authorizerError": "$context.authorizer.error",
    }.items() <= fields.items()
    # the destination's ARN is known after apply: the configuration says which group it is
    destination = references(module_plan, ["cognito"], "aws_apigatewayv2_stage.this", "access_log_settings.0.destination_arn")
    assert "aws_cloudwatch_log_group.access.arn" in destination
    group = created["module.cognito.aws_cloudwatch_log_group.access"]
    assert group["kms_key_id"] == KEY and group["retention_in_days"] == 365
    assert group["name"].startswith("/aws/vendedlogs/")  # vended delivery: keeps the account's log resource policy small


def test_the_function_is_hardened_and_reads_the_environment_its_code_expects(module_plan: dict[str, Any]) -> None:
    created = resources(module_plan)
    function = created["module.cognito.aws_lambda_function.this"]
    assert (function["function_name"], function["handler"]) == ("check-cognito-api", CATALOG_API["handler"])
    assert (function["runtime"], function["architectures"]) == ("python3.12", ["x86_64"])
    assert function["tracing_config"] == [{"mode": "Active"}]
    assert function["kms_key_arn"] == KEY and function["reserved_concurrent_executions"] == -1  # none by default
    assert function["layers"] == [f"arn:aws:lambda:{REGION}:{ACCOUNT}:layer:check-dependencies:1"]
    variables = function["environment"][0]["variables"]
    assert set(CATALOG_API["environment"]) <= set(variables)
    assert variables["STATE_MACHINE_ARN"] == STATE_MACHINE
    assert json.loads(variables["TABLE_NAMES"]) == TABLES
    log_group = created["module.cognito.aws_cloudwatch_log_group.function"]
    assert (log_group["name"], log_group["kms_key_id"]) == ("/aws/lambda/check-cognito-api", KEY)


def test_cors_is_configured_only_for_the_origins_given(module_plan: dict[str, Any]) -> None:
    created = resources(module_plan)
    assert created["module.cognito.aws_apigatewayv2_api.this"]["cors_configuration"] == []
    (cors,) = created["module.external.aws_apigatewayv2_api.this"]["cors_configuration"]
    assert sorted(cors["allow_origins"]) == sorted(ORIGINS)
    assert sorted(cors["allow_methods"]) == ["GET", "POST"]
    assert cors["allow_credentials"] is False and "location" in cors["expose_headers"]


# -- the root module ---------------------------------------------------------------------------------------
def contract_routes() -> dict[str, str]:
    return {
        operation["operationId"]: f"{method.upper()} {path}"
        for path, operations in CONTRACT["paths"].items()
        for method, operation in operations.items()
    }


@pytest.mark.parametrize("environment", check.ENVIRONMENTS)
def test_every_route_of_the_contract_is_deployed_behind_the_jwt_authorizer(plans: dict[str, dict[str, Any]], environment: str) -> None:
    plan = plans[environment]
    created = resources(plan)
    routes = {after["operation_name"]: after for address, after in created.items() if ".aws_apigatewayv2_route." in address}
    assert {operation: route["route_key"] for operation, route in routes.items()} == contract_routes()
    assert {route["authorization_type"] for route in routes.values()} == {"JWT"}
    assert "aws_apigatewayv2_authorizer.jwt.id" in references(plan, ["api"], "aws_apigatewayv2_route.this", "authorizer_id")
    authorizer = created["module.api.aws_apigatewayv2_authorizer.jwt"]
    assert authorizer["authorizer_type"] == "JWT"
    assert authorizer["identity_sources"] == ["$request.header.Authorization"]
    integration = created["module.api.aws_apigatewayv2_integration.function"]
    assert (integration["integration_type"], integration["payload_format_version"]) == ("AWS_PROXY", "2.0")
    assert "aws_lambda_function.this.invoke_arn" in references(plan, ["api"], "aws_apigatewayv2_integration.function", "integration_uri")
    # API Gateway may invoke the function for these routes of this API only
    permissions = [after for address, after in created.items() if ".aws_lambda_permission." in address]
    assert len(permissions) == len(routes)
    assert {(p["principal"], p["function_name"]) for p in permissions} == {("apigateway.amazonaws.com", f"trip-saga-{environment}-api")}
    assert "aws_apigatewayv2_api.this.execution_arn" in references(plan, ["api"], "aws_lambda_permission.api", "source_arn")


@pytest.mark.parametrize("environment", check.ENVIRONMENTS)
def test_by_default_the_api_trusts_a_hardened_cognito_user_pool_of_its_own(plans: dict[str, dict[str, Any]], environment: str) -> None:
    plan = plans[environment]
    created = resources(plan)
    pool = created["module.api.aws_cognito_user_pool.this[0]"]
    assert pool["name"] == f"trip-saga-{environment}-customers"
    assert pool["deletion_protection"] == ("ACTIVE" if environment == "prod" else "INACTIVE")
    (password,) = pool["password_policy"]
    assert password["minimum_length"] >= 12 and all(
        password[f"require_{kind}"] for kind in ("lowercase", "uppercase", "numbers", "symbols")
    )
    assert pool["mfa_configuration"] == "OPTIONAL" and pool["software_token_mfa_configuration"] == [{"enabled": True}]
    assert pool["admin_create_user_config"][0]["allow_admin_create_user_only"] is True
    # scripts/token.py signs customers in by plain user names (c-1): not e-mail-only usernames
    assert pool["username_attributes"] is None and pool["alias_attributes"] == ["email"]
    client = created["module.api.aws_cognito_user_pool_client.spa[0]"]
    assert client["generate_secret"] is False  # a browser cannot keep a secret
    assert set(client["explicit_auth_flows"]) == {"ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH"}
    assert client["prevent_user_existence_errors"] == "ENABLED" and client["enable_token_revocation"] is True
    # the authorizer's issuer and audience are the pool's and the client's: known once they exist
    jwt = unknown(plan)["module.api.aws_apigatewayv2_authorizer.jwt"]["jwt_configuration"][0]
    assert jwt["issuer"] is True and jwt["audience"] == [True]


def test_with_an_external_issuer_no_cognito_resources_are_planned(external_issuer_plan: dict[str, Any]) -> None:
    created = resources(external_issuer_plan)
    assert not [address for address in created if ".aws_cognito_" in address]
    (jwt,) = created["module.api.aws_apigatewayv2_authorizer.jwt"]["jwt_configuration"]
    assert (jwt["issuer"], jwt["audience"]) == (ISSUER, AUDIENCE)
    planned = outputs(external_issuer_plan)
    assert (planned["jwt_issuer"], planned["jwt_audience"]) == (ISSUER, AUDIENCE)
    assert planned["user_pool_id"] is None and planned["user_pool_client_id"] is None
    assert not any(external_issuer_plan["output_changes"][name]["after_unknown"] for name in ("user_pool_id", "user_pool_client_id"))


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ([f"api_jwt_issuer={ISSUER}"], "api_jwt_issuer needs api_jwt_audience"),
        ([f"api_jwt_audience={json.dumps(AUDIENCE)}"], "api_jwt_audience is only for an external issuer"),
        (
            ["api_jwt_issuer=http://issuer.example.com/", f"api_jwt_audience={json.dumps(AUDIENCE)}"],
            "api_jwt_issuer must be an https:// URL.",
        ),
    ],
    ids=["issuer-without-audience", "audience-without-issuer", "plain-http-issuer"],
)
def test_an_incomplete_external_issuer_fails_its_validation(ready: None, configuration: Path, variables: list[str], message: str) -> None:
    terraform = check.terraform_for(configuration)
    terraform.use_local_backend()
    output = failure(lambda: terraform.plan("dev", *variables))
    assert "Invalid value for variable" in output and message in output


@pytest.mark.parametrize("environment", check.ENVIRONMENTS)
def test_the_api_function_is_wired_to_this_deployments_state_machine_and_tables(plans: dict[str, dict[str, Any]], environment: str) -> None:
    plan = plans[environment]
    created = resources(plan)
    function = created["module.api.aws_lambda_function.this"]
    assert function["handler"] == CATALOG_API["handler"] and function["filename"].endswith(f"/build/lambda/{CATALOG_API['key']}.zip")
    tables = {after["name"] for address, after in created.items() if ".aws_dynamodb_table." in address}
    variables = function["environment"][0]["variables"]
    # The services' tables, and the API's own bookings table: every table planned, each named once.
    assert set(json.loads(variables["TABLE_NAMES"]).values()) | {variables["BOOKINGS_TABLE_NAME"]} == tables
    service_tables = json.loads(variables["TABLE_NAMES"]).values()
    assert created["module.api.aws_dynamodb_table.bookings"]["name"] == variables["BOOKINGS_TABLE_NAME"] not in service_tables
    assert set(json.loads(function["environment"][0]["variables"]["TABLE_NAMES"])) == set(catalog.load().tables)
    api_call = plan["configuration"]["root_module"]["module_calls"]["api"]["expressions"]
    assert "module.state_machine.arn" in api_call["state_machine_arn"]["references"]
    assert "module.cancellation.arn" in api_call["cancellation_state_machine_arn"]["references"]
    assert "module.kms.key_arn" in api_call["kms_key_arn"]["references"]
    assert function["reserved_concurrent_executions"] == -1  # none reserved (test_plan.py: by default, and when set)


def test_the_key_lets_cloudwatch_logs_encrypt_every_planned_log_group(plans: dict[str, dict[str, Any]]) -> None:
    """A log group whose name the key policy does not admit fails to create (or to receive logs)."""
    created = resources(plans["prod"])
    policy = json.loads(created["module.kms.aws_kms_key.this"]["policy"])
    (logs,) = [s for s in policy["Statement"] if s["Sid"] == "CloudWatchLogsEncryptsOurLogGroups"]
    assert logs["Principal"] == {"Service": f"logs.{REGION}.amazonaws.com"}
    patterns = logs["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"]
    groups = [after["name"] for address, after in created.items() if ".aws_cloudwatch_log_group." in address]
    assert "/aws/vendedlogs/apigateway/trip-saga-prod-bookings" in groups
    for name in groups:
        arn = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{name}"
        assert any(fnmatch.fnmatchcase(arn, pattern) for pattern in patterns), f"the key policy does not admit {name}"
    assert all(unknown(plans["prod"])[address]["kms_key_id"] for address in created if ".aws_cloudwatch_log_group." in address)
