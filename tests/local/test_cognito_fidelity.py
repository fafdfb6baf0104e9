"""Cognito sign-in as AWS checks it (sagatools.emulator.cognito_fidelity), driven by pycognito's SRP client:
an implementation of Cognito's USER_SRP_AUTH written apart from ours and used against AWS itself, so the
emulator is not only agreeing with code we wrote. The page's own client (amazon-cognito-identity-js) signs
in through the same server in the browser tests."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from botocore.exceptions import ClientError
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from moto import mock_aws
from moto.cognitoidp.responses import CognitoIdpJsonWebKeyResponse
from pycognito.aws_srp import AWSSRP

from sagatools.emulator import cognito_fidelity, http_api, moto_fidelity
from sagatools.emulator.cognito_fidelity import WRONG_PASSWORD

pytestmark = pytest.mark.moto

PASSWORD = "Correct-horse-9-battery"


@pytest.fixture
def pool() -> Iterator[dict[str, Any]]:
    with mock_aws():
        moto_fidelity.install()
        cognito = boto3.client("cognito-idp", region_name="us-east-1")
        pool_id = cognito.create_user_pool(PoolName="customers")["UserPool"]["Id"]
        client_id = cognito.create_user_pool_client(
            UserPoolId=pool_id,
            ClientName="spa",
            ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
            PreventUserExistenceErrors="ENABLED",
        )["UserPoolClient"]["ClientId"]
        cognito.admin_create_user(UserPoolId=pool_id, Username="c-1", MessageAction="SUPPRESS")
        cognito.admin_set_user_password(UserPoolId=pool_id, Username="c-1", Password=PASSWORD, Permanent=True)
        yield {"cognito": cognito, "pool_id": pool_id, "client_id": client_id}


def sign_in(pool: dict[str, Any], username: str, password: str) -> dict[str, Any]:
    srp = AWSSRP(username=username, password=password, pool_id=pool["pool_id"], client_id=pool["client_id"], client=pool["cognito"])
    return srp.authenticate_user()  # type: ignore[no-any-return]


def test_srp_signs_in_with_the_right_password(pool: dict[str, Any]) -> None:
    tokens = sign_in(pool, "c-1", PASSWORD)["AuthenticationResult"]
    user = pool["cognito"].get_user(AccessToken=tokens["AccessToken"])
    assert user["Username"] == "c-1"


@pytest.mark.parametrize("password", ["Correct-horse-9-batterY", "", "x" * 200])
def test_srp_refuses_a_wrong_password_as_cognito_does(pool: dict[str, Any], password: str) -> None:
    with pytest.raises(ClientError) as refused:
        sign_in(pool, "c-1", password)
    assert refused.value.response["Error"]["Code"] == "NotAuthorizedException"
    assert refused.value.response["Error"]["Message"] == WRONG_PASSWORD


def test_an_unknown_user_is_answered_as_a_wrong_password_when_the_client_prevents_user_existence_errors(pool: dict[str, Any]) -> None:
    with pytest.raises(ClientError) as refused:
        sign_in(pool, "nobody", PASSWORD)
    assert refused.value.response["Error"]["Code"] == "NotAuthorizedException"
    assert refused.value.response["Error"]["Message"] == WRONG_PASSWORD


def test_a_challenge_is_answered_once(pool: dict[str, Any]) -> None:
    cognito, client_id = pool["cognito"], pool["client_id"]
    srp = AWSSRP(username="c-1", password=PASSWORD, pool_id=pool["pool_id"], client_id=client_id, client=cognito)
    parameters = srp.get_auth_params()
    challenge = cognito.initiate_auth(AuthFlow="USER_SRP_AUTH", AuthParameters=parameters, ClientId=client_id)
    answer = srp.process_challenge(challenge["ChallengeParameters"], parameters)
    cognito.respond_to_auth_challenge(ClientId=client_id, ChallengeName="PASSWORD_VERIFIER", ChallengeResponses=answer)
    with pytest.raises(ClientError) as replayed:
        cognito.respond_to_auth_challenge(ClientId=client_id, ChallengeName="PASSWORD_VERIFIER", ChallengeResponses=answer)
    assert replayed.value.response["Error"]["Code"] == "NotAuthorizedException"


def challenge_answered_as(pool: dict[str, Any], username: str) -> dict[str, Any]:
    """c-1's challenge, answered with the right password, under USERNAME `username` ("": the challenge's USER_ID_FOR_SRP)."""
    cognito, client_id = pool["cognito"], pool["client_id"]
    srp = AWSSRP(username="c-1", password=PASSWORD, pool_id=pool["pool_id"], client_id=client_id, client=cognito)
    parameters = srp.get_auth_params()
    challenge = cognito.initiate_auth(AuthFlow="USER_SRP_AUTH", AuthParameters=parameters, ClientId=client_id)
    answer = srp.process_challenge(challenge["ChallengeParameters"], parameters)
    answer["USERNAME"] = username or challenge["ChallengeParameters"]["USER_ID_FOR_SRP"]
    return cognito.respond_to_auth_challenge(ClientId=client_id, ChallengeName="PASSWORD_VERIFIER", ChallengeResponses=answer)  # type: ignore[no-any-return]


def test_the_answer_may_name_the_user_by_its_id_for_srp_as_amazon_cognito_identity_js_does(pool: dict[str, Any]) -> None:
    tokens = challenge_answered_as(pool, "")["AuthenticationResult"]
    assert pool["cognito"].get_user(AccessToken=tokens["AccessToken"])["Username"] == "c-1"


def test_an_answer_naming_another_user_signs_nobody_in(pool: dict[str, Any]) -> None:
    pool["cognito"].admin_create_user(UserPoolId=pool["pool_id"], Username="victim", MessageAction="SUPPRESS")
    with pytest.raises(ClientError) as refused:
        challenge_answered_as(pool, "victim")
    assert refused.value.response["Error"]["Code"] == "NotAuthorizedException"


def test_a_flow_the_app_client_does_not_enable_is_refused(pool: dict[str, Any]) -> None:
    with pytest.raises(ClientError) as refused:
        pool["cognito"].initiate_auth(
            AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "c-1", "PASSWORD": PASSWORD}, ClientId=pool["client_id"]
        )
    assert refused.value.response["Error"]["Code"] == "InvalidParameterException"
    assert refused.value.response["Error"]["Message"] == "USER_PASSWORD_AUTH flow not enabled for this client"


def test_sign_up_is_refused_where_only_administrators_create_users() -> None:
    with mock_aws():
        moto_fidelity.install()
        cognito = boto3.client("cognito-idp", region_name="us-east-1")
        pool_id = cognito.create_user_pool(PoolName="staff", AdminCreateUserConfig={"AllowAdminCreateUserOnly": True})["UserPool"]["Id"]
        client_id = cognito.create_user_pool_client(UserPoolId=pool_id, ClientName="spa")["UserPoolClient"]["ClientId"]
        with pytest.raises(ClientError) as refused:
            cognito.sign_up(ClientId=client_id, Username="intruder", Password=PASSWORD)
        assert refused.value.response["Error"]["Code"] == "NotAuthorizedException"
        assert refused.value.response["Error"]["Message"] == "SignUp is not permitted for this user pool"
        assert cognito.list_users(UserPoolId=pool_id)["Users"] == []


def sent_codes(path: Path, purpose: str) -> list[str]:
    """The codes "delivered" to $SAGA_COGNITO_MESSAGES for a purpose, oldest first."""
    lines = [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []
    return [line["code"] for line in lines if line["purpose"] == purpose]


@pytest.fixture
def messages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "cognito-messages.jsonl"
    monkeypatch.setenv("SAGA_COGNITO_MESSAGES", str(path))
    return path


def test_confirm_forgot_password_takes_only_the_code_sent_and_only_once(pool: dict[str, Any], messages: Path) -> None:
    cognito, client_id = pool["cognito"], pool["client_id"]
    answer = cognito.forgot_password(ClientId=client_id, Username="c-1")
    (code,) = sent_codes(messages, "ForgotPassword")
    assert len(code) == 6 and code.isdigit()
    assert code not in json.dumps(answer["ResponseMetadata"]["HTTPHeaders"])  # moto's header no longer gives it away
    wrong = "000000" if code != "000000" else "111111"

    with pytest.raises(ClientError) as refused:
        cognito.confirm_forgot_password(ClientId=client_id, Username="c-1", ConfirmationCode=wrong, Password="New-horse-9-battery")
    assert refused.value.response["Error"]["Code"] == "CodeMismatchException"
    assert refused.value.response["Error"]["Message"] == "Invalid verification code provided, please try again."
    sign_in(pool, "c-1", PASSWORD)  # the password is still the old one

    cognito.confirm_forgot_password(ClientId=client_id, Username="c-1", ConfirmationCode=code, Password="New-horse-9-battery")
    sign_in(pool, "c-1", "New-horse-9-battery")
    with pytest.raises(ClientError) as reused:
        cognito.confirm_forgot_password(ClientId=client_id, Username="c-1", ConfirmationCode=code, Password="Third-horse-9-battery")
    assert reused.value.response["Error"]["Code"] == "CodeMismatchException"


def test_a_code_expires_after_an_hour(pool: dict[str, Any], messages: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cognito, client_id = pool["cognito"], pool["client_id"]
    cognito.forgot_password(ClientId=client_id, Username="c-1")
    (code,) = sent_codes(messages, "ForgotPassword")
    later = time.time() + 3601
    monkeypatch.setattr(cognito_fidelity, "clock", lambda: later)
    with pytest.raises(ClientError) as expired:
        cognito.confirm_forgot_password(ClientId=client_id, Username="c-1", ConfirmationCode=code, Password="New-horse-9-battery")
    assert expired.value.response["Error"]["Code"] == "ExpiredCodeException"


def test_confirm_sign_up_takes_only_the_latest_code_sent(pool: dict[str, Any], messages: Path) -> None:
    cognito, client_id = pool["cognito"], pool["client_id"]
    signed_up = cognito.sign_up(
        ClientId=client_id, Username="c-2", Password=PASSWORD, UserAttributes=[{"Name": "email", "Value": "c2@example.com"}]
    )
    assert signed_up["UserConfirmed"] is False
    (first,) = sent_codes(messages, "SignUp")
    with pytest.raises(ClientError) as refused:
        cognito.confirm_sign_up(ClientId=client_id, Username="c-2", ConfirmationCode="000000" if first != "000000" else "111111")
    assert refused.value.response["Error"]["Code"] == "CodeMismatchException"
    assert cognito.admin_get_user(UserPoolId=pool["pool_id"], Username="c-2")["UserStatus"] == "UNCONFIRMED"

    resent = cognito.resend_confirmation_code(ClientId=client_id, Username="c-2")
    assert resent["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    _, latest = sent_codes(messages, "SignUp")
    if latest != first:  # the new code replaces the old one (unless, one time in a million, they are equal)
        with pytest.raises(ClientError):
            cognito.confirm_sign_up(ClientId=client_id, Username="c-2", ConfirmationCode=first)
    cognito.confirm_sign_up(ClientId=client_id, Username="c-2", ConfirmationCode=latest)
    assert cognito.admin_get_user(UserPoolId=pool["pool_id"], Username="c-2")["UserStatus"] == "CONFIRMED"


def test_each_pool_signs_with_its_own_key_and_serves_it_alone(pool: dict[str, Any]) -> None:
    cognito = pool["cognito"]
    other_pool = cognito.create_user_pool(PoolName="others")["UserPool"]["Id"]
    token = sign_in(pool, "c-1", PASSWORD)["AuthenticationResult"]["AccessToken"]
    jwks = {
        pool_id: requests.get(f"https://cognito-idp.us-east-1.amazonaws.com/{pool_id}/.well-known/jwks.json", timeout=5).json()
        for pool_id in (pool["pool_id"], other_pool)
    }
    own, other = (KeySet.import_key_set(jwks[pool_id]) for pool_id in (pool["pool_id"], other_pool))
    assert [key["kid"] for key in jwks[pool["pool_id"]]["keys"]] != ["dummy"]
    assert all("d" not in key for keys in jwks.values() for key in keys["keys"])  # public halves only
    assert jwt.decode(token, own, algorithms=["RS256"]).claims["username"] == "c-1"
    assert jwt.decode(token, http_api.issuer_keys(f"https://cognito-idp.us-east-1.amazonaws.com/{pool['pool_id']}")).claims
    shipped = KeySet.import_key_set(json.loads(CognitoIdpJsonWebKeyResponse.json_web_key))
    for keys in (other, shipped, http_api.issuer_keys(f"https://cognito-idp.us-east-1.amazonaws.com/{other_pool}")):
        with pytest.raises(JoseError):
            jwt.decode(token, keys, algorithms=["RS256"])


def test_an_unknown_user_gets_a_challenge_as_any_user_does_and_is_refused_at_the_answer(pool: dict[str, Any]) -> None:
    """PreventUserExistenceErrors ENABLED: a simulated challenge, the same salt and user id for the same
    user name, and "Incorrect username or password." only at RespondToAuthChallenge."""
    cognito, client_id = pool["cognito"], pool["client_id"]
    srp = AWSSRP(username="nobody", password=PASSWORD, pool_id=pool["pool_id"], client_id=client_id, client=cognito)
    parameters = srp.get_auth_params()
    challenges = [cognito.initiate_auth(AuthFlow="USER_SRP_AUTH", AuthParameters=parameters, ClientId=client_id) for _ in range(2)]
    known = cognito.initiate_auth(AuthFlow="USER_SRP_AUTH", AuthParameters={**parameters, "USERNAME": "c-1"}, ClientId=client_id)
    for challenge in challenges:
        assert challenge["ChallengeName"] == "PASSWORD_VERIFIER"
        assert set(challenge["ChallengeParameters"]) == set(known["ChallengeParameters"])
    first, second = (challenge["ChallengeParameters"] for challenge in challenges)
    assert (first["SALT"], first["USER_ID_FOR_SRP"]) == (second["SALT"], second["USER_ID_FOR_SRP"])
    assert first["SRP_B"] != second["SRP_B"]

    answer = srp.process_challenge(first, parameters)
    with pytest.raises(ClientError) as refused:
        cognito.respond_to_auth_challenge(ClientId=client_id, ChallengeName="PASSWORD_VERIFIER", ChallengeResponses=answer)
    assert refused.value.response["Error"]["Code"] == "NotAuthorizedException"
    assert refused.value.response["Error"]["Message"] == WRONG_PASSWORD


def test_revoke_token_revokes_the_refresh_token_and_its_access_tokens(pool: dict[str, Any]) -> None:
    cognito, client_id = pool["cognito"], pool["client_id"]
    tokens = sign_in(pool, "c-1", PASSWORD)["AuthenticationResult"]
    refresh = {"REFRESH_TOKEN": tokens["RefreshToken"]}
    refreshed = cognito.initiate_auth(AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters=refresh, ClientId=client_id)["AuthenticationResult"]

    answer = cognito.revoke_token(Token=tokens["RefreshToken"], ClientId=client_id)
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert {name: value for name, value in answer.items() if name != "ResponseMetadata"} == {}
    with pytest.raises(ClientError) as revoked:
        cognito.initiate_auth(AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters=refresh, ClientId=client_id)
    assert revoked.value.response["Error"]["Code"] == "NotAuthorizedException"
    assert revoked.value.response["Error"]["Message"] == "Refresh Token has been revoked"
    for access_token in (tokens["AccessToken"], refreshed["AccessToken"]):
        with pytest.raises(ClientError) as refused:
            cognito.get_user(AccessToken=access_token)
        assert refused.value.response["Error"]["Code"] == "NotAuthorizedException"
    with pytest.raises(ClientError) as not_a_refresh_token:
        cognito.revoke_token(Token=tokens["AccessToken"], ClientId=client_id)
    assert not_a_refresh_token.value.response["Error"]["Code"] == "UnsupportedTokenTypeException"
