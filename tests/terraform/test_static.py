"""Static checks over the parsed Terraform: what a reviewer would catch and Terraform cannot (naming,
least privilege, defaults, documentation), without a terraform binary or an AWS account. What Terraform
checks itself (every reference resolves, module inputs declared and given, arguments and blocks as the
provider's schema has them, templatefile() given every placeholder) is in test_plan.py (`make validate`)."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

from sagatools.cli.tfdocs import main as tfdocs
from sagatools.contract import asl, catalog, hcl
from sagatools.contract.paths import LAMBDAS, TEMPLATES
from sagatools.contract.settings import DEPLOY_DEFAULTS
from trip_saga import entrypoint

pytestmark = pytest.mark.pure

MODULES = hcl.modules()
POLICY_DOCUMENTS = [
    (module.name or "root", name, body)
    for module in MODULES
    for (kind, name), body in hcl.load(module).typed("data").items()
    if kind == "aws_iam_policy_document"
]


@pytest.mark.parametrize("module", MODULES, ids=lambda p: p.name)
def test_module_inputs_are_typed_and_described_and_outputs_described(module: Path) -> None:
    parsed = hcl.load(module)
    for name, body in parsed.named("variable").items():
        assert body.get("description"), f"variable {name} has no description"
        assert body.get("type"), f"variable {name} has no type"
    for name, body in parsed.named("output").items():
        assert body.get("description"), f"output {name} has no description"
    versions = next(block for block in parsed.blocks["terraform"] if "required_version" in block)
    assert versions["required_version"].startswith(">= 1.")
    assert versions["required_providers"][0]["aws"]["version"] == "~> 6.0"


def test_the_template_placeholders_are_the_catalogs_functions_and_the_modules_settings() -> None:
    """templatefile() gets each of its workflow's catalog functions' ARNs under their placeholders plus
    the module's settings (the alerting ones used only where the machine alerts): Terraform fails a
    placeholder without a value (test_plan.py); this catches a value nothing uses."""
    values = hcl.load(hcl.TERRAFORM / "modules" / "state_machine").named("locals")["definition_values"]
    assert values.startswith("${merge(var.function_arns,")
    settings = set(re.findall(r"(\w+)\s*=", values)) - {"alert_topic_arn", "metrics_namespace"}
    alerting = {"alert_topic_arn", "metrics_namespace"}
    assert alerting <= set(re.findall(r"(\w+)\s*=", values))
    root = hcl.load(hcl.TERRAFORM).named("module")
    used: set[str] = set()
    for workflow, template in TEMPLATES.items():
        placeholders = asl.placeholders(template.read_text())
        functions = {function.arn_placeholder for function in catalog.load().invoked_by(workflow)}
        module = root["state_machine" if workflow == "booking" else workflow]
        given = functions | settings | (alerting if "alert_topic_arn" in module else set())  # null where it does not alert
        assert functions <= placeholders <= given, workflow
        assert not functions & (settings | alerting)
        used |= placeholders
    assert settings | alerting <= used  # every setting is used by some template


def test_functions_come_from_the_catalog_and_their_handlers_exist() -> None:
    root = hcl.load(hcl.TERRAFORM)
    assert 'jsondecode(file("${path.module}/../lambdas/functions.json"))' in root.named("locals")["catalog"]
    assert root.named("module")["service"]["functions"] == "${local.functions_by_service[each.key]}"
    lambda_function = hcl.load(hcl.TERRAFORM / "modules" / "service").typed("resource")[("aws_lambda_function", "this")]
    assert lambda_function["handler"] == "${each.value.handler}"
    assert lambda_function["runtime"] == "python3.12"
    for function in catalog.load().functions:
        module_name, attribute = function.handler.rsplit(".", 1)
        assert (LAMBDAS / Path(*module_name.split("."))).with_suffix(".py").is_file()
        assert callable(getattr(importlib.import_module(module_name), attribute))


def test_function_environment_matches_what_the_code_and_the_local_engine_use() -> None:
    lambda_function = hcl.load(hcl.TERRAFORM / "modules" / "service").typed("resource")[("aws_lambda_function", "this")]
    terraform_names = set(lambda_function["environment"][0]["variables"])
    engine_names = set(catalog.function_environment(catalog.load().functions[0], prefix="p", fault_injection=False))
    assert terraform_names == engine_names
    assert {entrypoint.TABLE_NAME_ENV, entrypoint.FAULT_INJECTION_ENV} <= terraform_names


def test_each_function_policy_names_only_its_own_table_and_the_catalog_actions() -> None:
    service = hcl.load(hcl.TERRAFORM / "modules" / "service")
    tables = [name for kind, name in service.typed("resource") if kind == "aws_dynamodb_table"]
    assert tables == ["this"]  # one table per service module: a role cannot name another's
    statements = service.typed("data")[("aws_iam_policy_document", "function")]["statement"]
    dynamodb = [s for s in statements if any(str(a).startswith("dynamodb:") or "dynamodb_actions" in str(a) for a in [s["actions"]])]
    assert len(dynamodb) == 1
    assert dynamodb[0]["actions"] == "${each.value.dynamodb_actions}"
    assert dynamodb[0]["resources"] == ["${aws_dynamodb_table.this.arn}"]
    others = [s for s in statements if s is not dynamodb[0]]
    assert not any("dynamodb:" in str(s["actions"]) for s in others)


@pytest.mark.parametrize(("module", "document", "body"), POLICY_DOCUMENTS, ids=lambda v: v if isinstance(v, str) else "")
def test_no_policy_allows_a_wildcard_action(module: str, document: str, body: dict) -> None:
    """A Deny may cover every action (the state bucket's TLS-only statement denies s3:*); an Allow names each."""
    statements = body["statement"] if isinstance(body["statement"], list) else [body["statement"]]
    allowed = [
        action
        for statement in statements
        if statement.get("effect", "Allow") == "Allow"
        for action in (statement["actions"] if isinstance(statement["actions"], list) else [statement["actions"]])
    ]
    assert allowed or all(statement.get("effect") == "Deny" for statement in statements), f"{module}.{document} has no actions"
    assert [action for action in allowed if "*" in action] == []


# The encryption contexts AWS documents for the services that use the key here, which a condition may test.
DOCUMENTED_ENCRYPTION_CONTEXT = {
    "aws:dynamodb:tableName": "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/encryption.usagenotes.html",
    "aws:dynamodb:subscriberId": "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/encryption.usagenotes.html",
    "aws:states:stateMachineArn": "https://docs.aws.amazon.com/step-functions/latest/dg/encryption-at-rest.html",
    "SourceArn": "https://docs.aws.amazon.com/step-functions/latest/dg/encryption-at-rest.html",  # its execution logs' data key
    "aws:logs:arn": "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html",
    # SSE-KMS with a bucket key: the bucket's ARN (the state bucket, terraform/bootstrap)
    "aws:s3:arn": "https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-key.html",
}


@pytest.mark.parametrize(("module", "document", "body"), POLICY_DOCUMENTS, ids=lambda v: v if isinstance(v, str) else "")
def test_a_policy_conditions_only_on_encryption_contexts_aws_documents(module: str, document: str, body: dict) -> None:
    """A condition on a context the service never sends grants nothing (or denies every request): the
    functions' old kms:EncryptionContext:LambdaFunctionName statement was one (Lambda decrypts a function's
    environment through its own grant)."""
    tested = [value for key, value in hcl.walk(body) if key == "variable" and str(value).startswith("kms:EncryptionContext:")]
    unknown = [name for name in tested if name.removeprefix("kms:EncryptionContext:") not in DOCUMENTED_ENCRYPTION_CONTEXT]
    assert unknown == [], f"{module}.{document}"


def test_fault_injection_defaults_to_false() -> None:
    """Refused in production by a precondition, which test_plan.py checks through Terraform."""
    root = hcl.load(hcl.TERRAFORM)
    assert root.named("variable")["fault_injection_enabled"]["default"] is False
    assert hcl.load(hcl.TERRAFORM / "modules" / "service").named("variable")["fault_injection_enabled"]["default"] is False


def test_state_machine_role_invokes_exactly_the_six_functions() -> None:
    module = hcl.load(hcl.TERRAFORM / "modules" / "state_machine")
    statements = module.typed("data")[("aws_iam_policy_document", "this")]["statement"]
    invoke = [s for s in statements if s["actions"] == ["lambda:InvokeFunction"]]
    assert len(invoke) == 1 and invoke[0]["resources"] == "${sort(values(var.function_arns))}"
    machine = module.typed("resource")[("aws_sfn_state_machine", "this")]
    assert machine["type"] == "STANDARD"
    assert machine["tracing_configuration"][0]["enabled"] is True
    assert machine["logging_configuration"][0]["include_execution_data"] == "${var.include_execution_data}"
    assert module.named("variable")["include_execution_data"]["default"] is False


def test_module_readmes_list_current_inputs_and_outputs() -> None:
    assert tfdocs(["--check"]) == 0, "run: make docs"


def test_local_runs_use_the_terraform_defaults() -> None:
    variables = hcl.load(hcl.TERRAFORM).named("variable")
    assert {name: variables[name]["default"] for name in DEPLOY_DEFAULTS} == DEPLOY_DEFAULTS
