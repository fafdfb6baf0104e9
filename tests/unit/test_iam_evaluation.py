"""The policy evaluator (sagatools.emulator.iam_evaluation) on the cases of AWS's policy evaluation logic
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html) and its
condition operators page (reference_policies_elements_condition_operators.html)."""

from __future__ import annotations

from typing import Any

import pytest

from sagatools.emulator.iam_evaluation import NotModelled, Principal, Request, arn_like, evaluate

pytestmark = pytest.mark.pure

ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/trip-saga-dev-reserve-flight"
SESSION = Principal(
    f"arn:aws:sts::{ACCOUNT}:assumed-role/trip-saga-dev-reserve-flight/trip-saga-dev-reserve-flight", ACCOUNT, role_arn=ROLE
)
STATES = Principal("states.amazonaws.com", ACCOUNT, service="states.amazonaws.com")
TABLE = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/trip-saga-dev-flights"
KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action: Any, resource: Any = TABLE, **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def decide(request: Request, *identity: dict[str, Any], resource: dict[str, Any] | None = None, must_allow: bool = False) -> str:
    decision = evaluate(
        request,
        [(f"inline-{n}", document) for n, document in enumerate(identity)],
        ("resource policy", resource) if resource is not None else None,
        resource_policy_must_allow=must_allow,
    )
    return decision.reason


def put(resource: str = TABLE, **context: Any) -> Request:
    return Request("dynamodb:PutItem", resource, SESSION, context)


def test_nothing_allowed_is_denied_implicitly() -> None:
    assert decide(put()) == "no identity-based policy allows"


def test_an_explicit_deny_overrides_every_allow() -> None:
    deny = {"Effect": "Deny", "Action": "dynamodb:*", "Resource": "*"}
    assert decide(put(), policy(allow("dynamodb:PutItem")), policy(deny)) == "explicit deny in an identity-based policy"
    resource_deny = policy({"Effect": "Deny", "Principal": "*", "Action": "dynamodb:PutItem", "Resource": TABLE})
    assert decide(put(), policy(allow("dynamodb:PutItem")), resource=resource_deny) == "explicit deny in a resource-based policy"


def test_within_one_account_an_allow_in_either_the_identity_or_the_resource_policy_is_enough() -> None:
    assert decide(put(), policy(allow("dynamodb:PutItem"))) == "allowed"
    naming_the_role = policy({"Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "dynamodb:PutItem", "Resource": TABLE})
    assert decide(put(), resource=naming_the_role) == "allowed"
    # a resource policy naming a service principal grants that service, no one else
    invoke = Request("lambda:InvokeFunction", "arn:aws:lambda:us-east-1:123456789012:function:f", STATES)
    function_policy = policy({"Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"}, "Action": "lambda:InvokeFunction"})
    assert decide(invoke, resource=function_policy) == "allowed"
    assert decide(Request("lambda:InvokeFunction", invoke.resource, SESSION), resource=function_policy) == "no identity-based policy allows"


def test_a_key_policy_must_allow_the_principal_or_delegate_to_its_account() -> None:
    decrypt = Request("kms:Decrypt", KEY, SESSION)
    root = policy({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "kms:*", "Resource": "*"})
    identity = policy(allow("kms:Decrypt", KEY))
    assert decide(decrypt, identity, resource=root, must_allow=True) == "allowed"  # delegated, and the role allows it
    assert decide(decrypt, resource=root, must_allow=True) == "no identity-based policy allows"  # delegated, but not allowed
    logs_only = policy({"Effect": "Allow", "Principal": {"Service": "logs.us-east-1.amazonaws.com"}, "Action": "kms:*", "Resource": "*"})
    assert decide(decrypt, identity, resource=logs_only, must_allow=True) == "no resource-based policy allows"  # IAM alone cannot


def test_not_action_and_not_resource_allow_everything_else() -> None:
    everything_but_deletes = {"Effect": "Allow", "NotAction": "dynamodb:Delete*", "Resource": "*"}
    assert decide(put(), policy(everything_but_deletes)) == "allowed"
    assert decide(Request("dynamodb:DeleteItem", TABLE, SESSION), policy(everything_but_deletes)) == "no identity-based policy allows"
    other_tables = {"Effect": "Allow", "Action": "dynamodb:PutItem", "NotResource": TABLE}
    assert decide(put(), policy(other_tables)) == "no identity-based policy allows"
    assert decide(put(TABLE.replace("flights", "hotels")), policy(other_tables)) == "allowed"


def test_wildcards_match_actions_without_case_and_resources_with_it() -> None:
    assert decide(put(), policy(allow("DynamoDB:put*"))) == "allowed"
    assert decide(put(), policy(allow("dynamodb:P?tItem"))) == "allowed"
    assert decide(put(), policy(allow("dynamodb:PutItem", "arn:aws:dynamodb:us-east-1:123456789012:table/trip-saga-*"))) == "allowed"
    assert decide(put(), policy(allow("dynamodb:PutItem", "arn:aws:dynamodb:us-east-1:123456789012:table/Trip-Saga-*"))) == (
        "no identity-based policy allows"
    )


def test_a_condition_key_absent_from_the_request_fails_its_condition_unless_if_exists_null_or_negated() -> None:
    via = {"StringEquals": {"kms:ViaService": "dynamodb.us-east-1.amazonaws.com"}}
    decrypt = policy(allow("kms:Decrypt", KEY, Condition=via))
    assert decide(Request("kms:Decrypt", KEY, SESSION, {"kms:ViaService": "dynamodb.us-east-1.amazonaws.com"}), decrypt) == "allowed"
    assert decide(Request("kms:Decrypt", KEY, SESSION), decrypt) == "no identity-based policy allows"  # absent: false
    if_exists = policy(allow("kms:Decrypt", KEY, Condition={"StringEqualsIfExists": via["StringEquals"]}))
    assert decide(Request("kms:Decrypt", KEY, SESSION), if_exists) == "allowed"
    absent = policy(allow("kms:Decrypt", KEY, Condition={"Null": {"kms:ViaService": "true"}}))
    assert decide(Request("kms:Decrypt", KEY, SESSION), absent) == "allowed"
    negated = policy(allow("kms:Decrypt", KEY, Condition={"StringNotEquals": {"kms:ViaService": "sns.us-east-1.amazonaws.com"}}))
    assert decide(Request("kms:Decrypt", KEY, SESSION), negated) == "allowed"


def test_condition_keys_are_case_insensitive_and_every_key_and_operator_must_hold() -> None:
    both = {
        "StringEquals": {"kms:ViaService": "dynamodb.us-east-1.amazonaws.com", "kms:EncryptionContext:aws:dynamodb:tableName": "flights"},
        "Bool": {"aws:SecureTransport": "true"},
    }
    document = policy(allow("kms:Decrypt", KEY, Condition=both))
    context = {"KMS:VIASERVICE": "dynamodb.us-east-1.amazonaws.com", "kms:encryptioncontext:aws:dynamodb:tablename": "flights"}
    assert decide(Request("kms:Decrypt", KEY, SESSION, {**context, "aws:SecureTransport": "true"}), document) == "allowed"
    assert decide(Request("kms:Decrypt", KEY, SESSION, context), document) == "no identity-based policy allows"  # one key absent
    wrong_table = {**context, "kms:encryptioncontext:aws:dynamodb:tablename": "hotels", "aws:SecureTransport": "true"}
    assert decide(Request("kms:Decrypt", KEY, SESSION, wrong_table), document) == "no identity-based policy allows"


def test_arn_like_compares_each_of_the_six_components() -> None:
    assert arn_like("arn:aws:states:us-east-1:123456789012:stateMachine:*", "arn:aws:states:us-east-1:123456789012:stateMachine:saga")
    assert not arn_like("arn:aws:states:*:123456789012:stateMachine:*", "arn:aws:states:us-east-1:210987654321:stateMachine:saga")
    assert arn_like("arn:aws:logs:us-east-1:123456789012:*", "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/x:*")
    assert not arn_like("arn:aws:logs:us-east-1:123456789012:*", "not an arn")


MACHINE = f"arn:aws:states:us-east-1:{ACCOUNT}:stateMachine:trip-saga-dev-booking-saga"


def test_a_trust_policy_admits_the_service_its_conditions_name() -> None:
    trust = policy(
        {
            "Effect": "Allow",
            "Principal": {"Service": "states.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {
                "StringEquals": {"aws:SourceAccount": ACCOUNT},
                "ArnLike": {"aws:SourceArn": MACHINE},
            },
        }
    )
    context = {
        "aws:SourceAccount": ACCOUNT,
        "aws:SourceArn": "arn:aws:states:us-east-1:123456789012:stateMachine:trip-saga-dev-booking-saga",
    }
    assume = Request("sts:AssumeRole", "arn:aws:iam::123456789012:role/trip-saga-dev-booking-saga", STATES, context)
    assert decide(assume, resource=trust, must_allow=True) == "allowed"
    other = {**context, "aws:SourceArn": context["aws:SourceArn"].replace("dev", "prod")}
    assert (
        decide(Request(assume.action, assume.resource, STATES, other), resource=trust, must_allow=True) == "no resource-based policy allows"
    )
    assert (
        decide(Request(assume.action, assume.resource, SESSION, context), resource=trust, must_allow=True)
        == "no resource-based policy allows"
    )


def test_what_is_not_modelled_is_refused_not_guessed() -> None:
    with pytest.raises(NotModelled, match="policy variables"):
        decide(put(), policy(allow("dynamodb:PutItem", "arn:aws:dynamodb:us-east-1:123456789012:table/${aws:username}")))
    with pytest.raises(NotModelled, match="DateGreaterThan"):
        decide(put(), policy(allow("dynamodb:PutItem", Condition={"DateGreaterThan": {"aws:CurrentTime": "2026-01-01T00:00:00Z"}})))


def test_the_deciding_statements_are_named() -> None:
    document = policy({"Sid": "OwnTableOnly", **allow(["dynamodb:PutItem", "dynamodb:UpdateItem"])})
    decision = evaluate(put(), [("role/least-privilege", document)])
    assert [(match.policy, match.sid) for match in decision.matches] == [("role/least-privilege", "OwnTableOnly")]
