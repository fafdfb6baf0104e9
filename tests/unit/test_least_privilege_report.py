"""The least-privilege measure (sagatools.contract.least_privilege) on a small applied state: an unused
action or resource is found, a justification beside the statement excuses it, a stale one is an error."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sagatools.contract import least_privilege
from sagatools.contract.least_privilege import Use

TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/"
CONFIGURATION = """
data "aws_iam_policy_document" "fn" {
  statement {
    sid       = "OwnTable"
    actions   = ["dynamodb:GetItem", "dynamodb:PutItem"]
    resources = ["arn:aws:dynamodb:us-east-1:123456789012:table/a", "arn:aws:dynamodb:us-east-1:123456789012:table/b"]
  }

  JUSTIFICATION
  statement {
    sid       = "Traces"
    actions   = ["xray:PutTraceSegments"]
    resources = ["*"]
  }
}
"""


def applied(tmp_path: Path, justification: str) -> tuple[dict[str, Any], Path]:
    (tmp_path / "main.tf").write_text(CONFIGURATION.replace("JUSTIFICATION", justification))
    statements = [
        {"Sid": "OwnTable", "Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:PutItem"], "Resource": [f"{TABLE}a", f"{TABLE}b"]},
        {"Sid": "Traces", "Effect": "Allow", "Action": "xray:PutTraceSegments", "Resource": "*"},
    ]
    policy = {
        "address": "aws_iam_role_policy.fn",
        "type": "aws_iam_role_policy",
        "mode": "managed",
        "values": {"role": "fn", "name": "least-privilege", "policy": json.dumps({"Version": "2012-10-17", "Statement": statements})},
    }
    return {"values": {"root_module": {"resources": [policy]}}}, tmp_path


def use(action: str, resource: str, sid: str) -> Use:
    return Use("fn", action, resource, True, (f"fn/least-privilege#{sid}",))


def test_an_unused_action_or_resource_is_found_and_a_justification_excuses_it(tmp_path: Path) -> None:
    state, configuration = applied(tmp_path, "# least-privilege:unused-here no X-Ray here")
    report = least_privilege.measure(state, configuration, [use("dynamodb:GetItem", f"{TABLE}a", "OwnTable")])

    by_sid = {statement.sid: statement for statement in report.statements}
    assert (by_sid["OwnTable"].unused_actions, by_sid["OwnTable"].unused_resources) == (["dynamodb:PutItem"], [f"{TABLE}b"])
    assert by_sid["Traces"].justification == "no X-Ray here"
    assert [statement.sid for statement in report.unjustified] == ["OwnTable"] and not report.ok


def test_a_fully_used_statement_with_a_justification_is_stale(tmp_path: Path) -> None:
    state, configuration = applied(tmp_path, "# least-privilege:unused-here no X-Ray here")
    uses = [
        use("dynamodb:GetItem", f"{TABLE}a", "OwnTable"),
        use("dynamodb:PutItem", f"{TABLE}b", "OwnTable"),
        use("xray:PutTraceSegments", "*", "Traces"),
    ]
    report = least_privilege.measure(state, configuration, uses)

    assert report.unjustified == [] and [statement.sid for statement in report.stale] == ["Traces"] and not report.ok
    assert "| fn | OwnTable | 2/2 | 2/2 | - |" in report.table()
