"""The local API Gateway (sagatools.emulator.http_api) does what API Gateway's HTTP APIs do where the
bookings API depends on it: the JWT authorizer's checks, payload format 2.0 and its response mapping,
the function's permission, throttling and CORS. An HTTP API configured through the apigatewayv2 API
(as a deploy does) in front of a recording function."""

from __future__ import annotations

import io
import json
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey
from moto import mock_aws
from moto.cognitoidp.models import cognitoidp_backends
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.utilities.utils import load_resource
from werkzeug.test import Client

from sagatools.emulator import moto_fidelity
from sagatools.emulator.http_api import HttpApiGateway
from sagatools.emulator.lambda_service import InvokeResult

pytestmark = pytest.mark.moto

REGION = "us-east-1"


@dataclass
class Function:
    """Stands in for the API's function: records each event and answers what the test sets."""

    events: list[dict[str, Any]] = field(default_factory=list)
    answer: InvokeResult = field(default_factory=lambda: InvokeResult(200, {}, json.dumps({"statusCode": 202, "body": "{}"}).encode()))

    def __call__(self, function_arn: str, event: bytes) -> InvokeResult:
        self.events.append(json.loads(event))
        return self.answer


@dataclass
class Deployed:
    client: Client
    function: Function
    api_id: str
    issuer: str
    audience: str
    pool_key: RSAKey
    token: str  # a real Cognito access token of user c-1
    sub: str

    def call(self, method: str, path: str, token: str | None = None, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return self.client.open(path, method=method, headers=headers | kwargs.pop("headers", {}), **kwargs)

    def signed(self, **claims: Any) -> str:
        """A token signed with the pool's own key: valid unless the claims say otherwise."""
        now = int(time.time())
        defaults = {"iss": self.issuer, "client_id": self.audience, "sub": "c-x", "token_use": "access", "iat": now, "exp": now + 600}
        return jwt.encode({"alg": "RS256", "kid": self.pool_key.kid}, defaults | claims, self.pool_key)


def code_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return event\n")
    return buffer.getvalue()


@pytest.fixture
def deployed() -> Iterator[Deployed]:
    with mock_aws():
        moto_fidelity.install()  # as the local endpoint does: each pool signs with its own key
        session = boto3.Session(region_name=REGION)
        cognito, apis, functions = (session.client(name) for name in ("cognito-idp", "apigatewayv2", "lambda"))
        pool_id = cognito.create_user_pool(PoolName="customers")["UserPool"]["Id"]
        client_id = cognito.create_user_pool_client(
            UserPoolId=pool_id, ClientName="web", ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH"]
        )["UserPoolClient"]["ClientId"]
        cognito.admin_create_user(UserPoolId=pool_id, Username="c-1", MessageAction="SUPPRESS")
        cognito.admin_set_user_password(UserPoolId=pool_id, Username="c-1", Password="Correct-horse-1", Permanent=True)
        token = cognito.admin_initiate_auth(
            UserPoolId=pool_id,
            ClientId=client_id,
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": "c-1", "PASSWORD": "Correct-horse-1"},
        )["AuthenticationResult"]["AccessToken"]
        sub = next(a["Value"] for a in cognito.admin_get_user(UserPoolId=pool_id, Username="c-1")["UserAttributes"] if a["Name"] == "sub")
        issuer = f"https://cognito-idp.{REGION}.amazonaws.com/{pool_id}"
        role = session.client("iam").create_role(RoleName="api", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        function_arn = functions.create_function(
            FunctionName="api", Runtime="python3.12", Role=role, Handler="handler.handler", Code={"ZipFile": code_zip()}
        )["FunctionArn"]
        api_id = apis.create_api(
            Name="bookings",
            ProtocolType="HTTP",
            CorsConfiguration={"AllowOrigins": ["https://app.example"], "AllowMethods": ["GET", "POST"], "AllowHeaders": ["authorization"]},
        )["ApiId"]
        authorizer = apis.create_authorizer(
            ApiId=api_id,
            Name="cognito",
            AuthorizerType="JWT",
            IdentitySource=["$request.header.Authorization"],
            JwtConfiguration={"Issuer": issuer, "Audience": [client_id]},
        )["AuthorizerId"]
        integration = apis.create_integration(
            ApiId=api_id, IntegrationType="AWS_PROXY", IntegrationUri=function_arn, PayloadFormatVersion="2.0"
        )
        for route_key in ("POST /bookings", "GET /bookings/{booking_id}"):
            apis.create_route(
                ApiId=api_id,
                RouteKey=route_key,
                AuthorizationType="JWT",
                AuthorizerId=authorizer,
                Target=f"integrations/{integration['IntegrationId']}",
            )
        apis.create_stage(ApiId=api_id, StageName="$default", AutoDeploy=True)
        functions.add_permission(
            FunctionName="api",
            StatementId="api",
            Action="lambda:InvokeFunction",
            Principal="apigateway.amazonaws.com",
            SourceArn=f"arn:aws:execute-api:{REGION}:{DEFAULT_ACCOUNT_ID}:{api_id}/*/*",
        )

        def policy(arn: str) -> str | None:
            try:
                return str(functions.get_policy(FunctionName=arn)["Policy"])
            except functions.exceptions.ResourceNotFoundException:
                return None

        function = Function()
        gateway = HttpApiGateway(function, region=REGION, function_policy=policy)
        pool_key = cognitoidp_backends[DEFAULT_ACCOUNT_ID][REGION].user_pools[pool_id].json_web_key
        yield Deployed(Client(gateway), function, api_id, issuer, client_id, pool_key, token, sub)


def test_a_valid_token_reaches_the_function_as_payload_format_2(deployed: Deployed) -> None:
    response = deployed.call("POST", "/bookings?x=1&x=2", deployed.token, json={"booking_id": "b-1"})

    assert response.status_code == 202
    (event,) = deployed.function.events
    assert event["version"] == "2.0"
    assert (event["routeKey"], event["rawPath"], event["rawQueryString"]) == ("POST /bookings", "/bookings", "x=1&x=2")
    assert event["queryStringParameters"] == {"x": "1,2"}
    assert json.loads(event["body"]) == {"booking_id": "b-1"}
    assert event["isBase64Encoded"] is False
    context = event["requestContext"]
    assert (context["apiId"], context["stage"], context["http"]["method"]) == (deployed.api_id, "$default", "POST")
    claims = context["authorizer"]["jwt"]["claims"]
    assert (claims["sub"], claims["iss"], claims["client_id"]) == (deployed.sub, deployed.issuer, deployed.audience)
    assert all(isinstance(value, str) for value in claims.values())  # API Gateway hands claims on as strings


def test_path_parameters_come_from_the_route_key(deployed: Deployed) -> None:
    deployed.call("GET", "/bookings/b-7", deployed.token)

    (event,) = deployed.function.events
    assert (event["routeKey"], event["pathParameters"]) == ("GET /bookings/{booking_id}", {"booking_id": "b-7"})


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        # times as offsets from when the test runs, not from collection (a long session outlives them)
        ({"exp": -1}, "the token has expired"),
        ({"iss": "https://issuer.example/other"}, "the token's issuer is not the authorizer's"),
        ({"client_id": "another-client"}, "the token's audience is not the authorizer's"),
        ({"nbf": 600}, "the token is not valid yet"),
    ],
)
def test_the_authorizer_refuses_a_token_whose_claims_do_not_hold(deployed: Deployed, claims: dict[str, Any], reason: str) -> None:
    now = int(time.time())
    claims = {name: now + value if name in ("exp", "nbf") else value for name, value in claims.items()}
    response = deployed.call("POST", "/bookings", deployed.signed(**claims), json={})

    assert response.status_code == 401
    assert response.json == {"message": "Unauthorized"}
    assert f'error_description="{reason}"' in response.headers["www-authenticate"]
    assert deployed.function.events == []  # the function never ran


def test_the_authorizer_refuses_a_missing_token_and_another_key_s_signature(deployed: Deployed) -> None:
    foreign = jwt.encode(
        {"alg": "RS256", "kid": "dummy"}, {"iss": deployed.issuer, "client_id": deployed.audience}, RSAKey.generate_key(2048)
    )

    assert deployed.call("POST", "/bookings", None, json={}).status_code == 401
    assert deployed.call("POST", "/bookings", foreign, json={}).status_code == 401
    assert deployed.call("POST", "/bookings", "not.a.jwt", json={}).status_code == 401
    assert deployed.signed() and deployed.call("POST", "/bookings", deployed.signed(), json={}).status_code == 202
    assert len(deployed.function.events) == 1


def test_a_token_signed_with_the_key_moto_ships_is_refused(deployed: Deployed) -> None:
    """moto signs every pool's tokens with one key, whose private half is in moto's package (kid "dummy"):
    anyone could forge a token with it. Each pool has its own key, and only that key verifies its tokens."""
    shipped = RSAKey.import_key(load_resource("cognitoidp/resources/jwks-private.json"))
    now = int(time.time())
    claims = {"iss": deployed.issuer, "client_id": deployed.audience, "sub": "c-x", "token_use": "access", "iat": now, "exp": now + 600}
    forged = jwt.encode({"alg": "RS256", "kid": "dummy"}, claims, shipped)

    response = deployed.call("POST", "/bookings", forged, json={})
    assert response.status_code == 401
    assert response.json == {"message": "Unauthorized"}
    assert deployed.function.events == []
    assert deployed.call("POST", "/bookings", deployed.token, json={}).status_code == 202  # the pool's own token


def test_an_unknown_route_is_the_gateway_s_404(deployed: Deployed) -> None:
    for method, path in (("GET", "/nothing"), ("DELETE", "/bookings/b-1"), ("GET", "/bookings/b-1/extra")):
        response = deployed.call(method, path, deployed.token)
        assert (response.status_code, response.json) == (404, {"message": "Not Found"}), (method, path)
    assert deployed.function.events == []


def test_a_result_without_status_code_is_a_200_json_body_and_a_function_error_is_a_500(deployed: Deployed) -> None:
    deployed.function.answer = InvokeResult(200, {}, b'{"ok": true}')
    plain = deployed.call("GET", "/bookings/b-1", deployed.token)
    assert (plain.status_code, plain.json, plain.headers["content-type"]) == (200, {"ok": True}, "application/json")

    deployed.function.answer = InvokeResult(200, {"X-Amz-Function-Error": "Unhandled"}, b'{"errorType": "KeyError"}')
    failed = deployed.call("GET", "/bookings/b-1", deployed.token)
    assert (failed.status_code, failed.json) == (500, {"message": "Internal Server Error"})


def test_the_function_runs_only_with_a_permission_for_this_api(deployed: Deployed) -> None:
    boto3.client("lambda", region_name=REGION).remove_permission(FunctionName="api", StatementId="api")

    response = deployed.call("GET", "/bookings/b-1", deployed.token)
    assert (response.status_code, response.json) == (500, {"message": "Internal Server Error"})
    assert deployed.function.events == []


def test_the_stage_s_default_route_throttling_answers_429(deployed: Deployed) -> None:
    moto_fidelity.install()  # moto has no UpdateStage of its own
    boto3.client("apigatewayv2", region_name=REGION).update_stage(
        ApiId=deployed.api_id, StageName="$default", DefaultRouteSettings={"ThrottlingBurstLimit": 2, "ThrottlingRateLimit": 0.001}
    )

    statuses = [deployed.call("GET", "/bookings/b-1", deployed.token).status_code for _ in range(4)]
    assert statuses == [202, 202, 429, 429]
    assert len(deployed.function.events) == 2


def test_cors_answers_preflight_for_configured_origins_only(deployed: Deployed) -> None:
    preflight = {"Origin": "https://app.example", "Access-Control-Request-Method": "POST"}
    allowed = deployed.call("OPTIONS", "/bookings", headers=preflight)
    assert allowed.status_code == 204
    assert allowed.headers["access-control-allow-origin"] == "https://app.example"
    assert allowed.headers["access-control-allow-methods"] == "GET,POST"

    other = deployed.call("OPTIONS", "/bookings", headers={**preflight, "Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers
    simple = deployed.call("POST", "/bookings", deployed.token, json={}, headers={"Origin": "https://app.example"})
    assert simple.headers["access-control-allow-origin"] == "https://app.example"
    assert deployed.function.events and len(deployed.function.events) == 1  # preflight never reaches the function
