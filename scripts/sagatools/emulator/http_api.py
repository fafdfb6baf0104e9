"""The local API Gateway: HTTP APIs as they are configured on the local endpoint (moto's apigatewayv2
backend, written through the same API calls a deploy makes), served on their own 127.0.0.1 port.

What it does as API Gateway's HTTP APIs do, because the API's behaviour depends on it:
- routes by route key (`POST /bookings`, `GET /bookings/{booking_id}`, `{proxy+}`, `$default`);
- a JWT authorizer checks the token from its identity source: RS256 signature against the issuer's keys,
  `iss`, `aud` or `client_id` against the audience, `exp`, `nbf` and `iat`, then the route's scopes.
  A refused token is 401 `{"message":"Unauthorized"}` with a `www-authenticate` naming the reason;
- the Lambda proxy integration with payload format 2.0, through the same warm runtime workers as every
  other invocation, and only when the function's resource policy lets this API invoke it;
- the response mapping of format 2.0 (a result without `statusCode` is a 200 JSON body), a function
  error is a 500, the stage's default route throttling is a 429, CORS preflight for configured origins.

Cognito issuers (`https://cognito-idp.<region>.amazonaws.com/<pool id>`) are the local endpoint's
pools, each with its own key (sagatools.emulator.cognito_fidelity); any other issuer's keys are fetched from its OpenID configuration."""

from __future__ import annotations

import base64
import fnmatch
import json
import logging
import re
import secrets
import threading
import time
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from moto.apigatewayv2.models import Api, apigatewayv2_backends
from moto.cognitoidp.models import cognitoidp_backends
from moto.core.models import DEFAULT_ACCOUNT_ID

from sagatools.emulator.cognito_fidelity import public_jwks
from sagatools.emulator.lambda_service import InvokeResult

log = logging.getLogger("sagatools.http_api")

COGNITO_ISSUER = re.compile(r"^https://cognito-idp\.([a-z0-9-]+)\.amazonaws\.com/([\w-]+)$")
LAMBDA_URI = re.compile(r"(arn:aws[\w-]*:lambda:[a-z0-9-]+:\d{12}:function:[^/]+)")
CLOCK_SKEW_SECONDS = 0  # API Gateway's JWT authorizer allows none
REASONS = {200: "OK", 204: "No Content", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 429: "Too Many Requests"}
REASONS |= {500: "Internal Server Error", 503: "Service Unavailable"}

Invoke = Callable[[str, bytes], InvokeResult]  # (function ARN, event) -> result


class Refused(Exception):
    """The gateway answers for itself, as API Gateway does: `{"message": ...}`."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}


def unauthorized(description: str) -> Refused:
    return Refused(401, "Unauthorized", {"www-authenticate": f'Bearer scope="" error="invalid_token" error_description="{description}"'})


@dataclass
class TokenBucket:
    """A stage's default route throttling: `rate` requests a second, bursts of up to `burst`."""

    rate: float
    burst: int
    tokens: float = field(init=False)
    updated: float = field(default_factory=time.monotonic)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.tokens = float(self.burst)

    def take(self) -> bool:
        with self.lock:
            now = time.monotonic()
            self.tokens = min(float(self.burst), self.tokens + (now - self.updated) * self.rate)
            self.updated = now
            if self.tokens < 1:
                return False
            self.tokens -= 1
            return True


@lru_cache(maxsize=32)
def _remote_keys(issuer: str) -> KeySet:
    with urllib.request.urlopen(f"{issuer.rstrip('/')}/.well-known/openid-configuration", timeout=5) as response:
        jwks_uri = json.load(response)["jwks_uri"]
    with urllib.request.urlopen(jwks_uri, timeout=5) as response:
        return KeySet.import_key_set(json.load(response))


def issuer_keys(issuer: str) -> KeySet:
    """The keys an issuer signs with: a local Cognito pool's, or the issuer's published JWKS."""
    cognito = COGNITO_ISSUER.match(issuer)
    if cognito is None:
        return _remote_keys(issuer)
    region, pool_id = cognito.groups()
    pool = cognitoidp_backends[DEFAULT_ACCOUNT_ID][region].user_pools.get(pool_id)
    if pool is None:
        raise unauthorized("the issuer's user pool does not exist")
    # That pool's own key (cognito_fidelity gives each pool its own), never moto's shared key, whose
    # private half ships in moto: a token signed with it, or with another pool's key, is refused.
    return KeySet.import_key_set(public_jwks(pool))  # type: ignore[arg-type]


def verified_claims(authorization: str | None, *, issuer: str, audience: list[str], scopes: list[str] | None) -> dict[str, Any]:
    """The token's claims if API Gateway's JWT authorizer would accept it; else a 401."""
    if not authorization:
        raise Refused(401, "Unauthorized")
    token = authorization[7:] if authorization[:7].lower() == "bearer " else authorization
    try:
        decoded = jwt.decode(token.strip(), issuer_keys(issuer), algorithms=["RS256"])
    except (JoseError, ValueError) as error:
        raise unauthorized(f"the token could not be verified: {error}") from None
    claims = decoded.claims
    now = time.time()
    if claims.get("iss") != issuer:
        raise unauthorized("the token's issuer is not the authorizer's")
    token_audience = claims.get("aud", claims.get("client_id"))
    token_audiences = token_audience if isinstance(token_audience, list) else [token_audience]
    if not set(audience) & set(token_audiences):
        raise unauthorized("the token's audience is not the authorizer's")
    if not isinstance(claims.get("exp"), int | float) or claims["exp"] + CLOCK_SKEW_SECONDS <= now:
        raise unauthorized("the token has expired")
    if claims.get("nbf", 0) > now + CLOCK_SKEW_SECONDS or claims.get("iat", 0) > now + CLOCK_SKEW_SECONDS:
        raise unauthorized("the token is not valid yet")
    if scopes:
        granted = str(claims.get("scope", claims.get("scp", ""))).split()
        if not set(scopes) & set(granted):
            raise Refused(403, "Forbidden")
    return dict(claims)


def route_pattern(route_key: str) -> tuple[str, re.Pattern[str]] | None:
    """`METHOD /path/{param}` as (method, regex); None for `$default`."""
    if route_key == "$default":
        return None
    method, path = route_key.split(" ", 1)
    regex = re.sub(r"\\\{(\w+)\\\+\\\}", r"(?P<\1>.+)", re.escape(path))
    regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", regex)
    return method, re.compile(f"^{regex}$")


def match_route(api: Api, method: str, path: str) -> tuple[Any, dict[str, str]] | None:
    """The route API Gateway picks: an exact path first, then the most specific match, then `$default`."""
    candidates = []
    for route in api.routes.values():
        pattern = route_pattern(route.route_key)
        if pattern is None:
            continue
        route_method, regex = pattern
        found = regex.match(path)
        if found and route_method in (method, "ANY"):
            literal = len(re.sub(r"\{[^}]+\}", "", route.route_key))
            candidates.append((literal, route_method == method, route, found.groupdict()))
    if candidates:
        _, _, route, parameters = max(candidates, key=lambda candidate: (candidate[0], candidate[1]))
        return route, parameters
    default = next((route for route in api.routes.values() if route.route_key == "$default"), None)
    return (default, {}) if default else None


def function_allows(policy: str | None, source_arn: str) -> bool:
    """Whether a function's resource policy lets API Gateway invoke it for this request."""
    for statement in json.loads(policy or "{}").get("Statement", []):
        principal = statement.get("Principal", {})
        service = principal.get("Service") if isinstance(principal, dict) else principal
        condition = statement.get("Condition", {}).get("ArnLike", {}).get("AWS:SourceArn")
        if (
            statement.get("Effect") == "Allow"
            and service == "apigateway.amazonaws.com"
            and statement.get("Action") in ("lambda:InvokeFunction", "lambda:*")
            and (condition is None or fnmatch.fnmatchcase(source_arn, condition))
        ):
            return True
    return False


class HttpApiGateway:
    """A WSGI app serving the HTTP APIs of one region's apigatewayv2 backend."""

    def __init__(
        self,
        invoke: Invoke,
        *,
        region: str,
        function_policy: Callable[[str], str | None],
        may_invoke: Callable[[str, str], str | None] | None = None,
    ) -> None:
        """`may_invoke(function ARN, source ARN)`: why API Gateway may not invoke it (the endpoint's
        authorizer), or None; without it, the function's resource policy is read here."""
        self.invoke = invoke
        self.region = region
        self.function_policy = function_policy
        self.may_invoke = may_invoke
        self.buckets: dict[tuple[str, str], TokenBucket] = {}
        self.buckets_lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        try:
            status, headers, body = self.handle(environ)
        except Refused as refused:
            status, headers, body = (
                refused.status,
                {"content-type": "application/json", **refused.headers},
                json.dumps({"message": refused.message}).encode(),
            )
        headers["apigw-requestid"] = environ.setdefault("apigw.request_id", base64.b64encode(secrets.token_bytes(12)).decode())
        headers["content-length"] = str(len(body))
        start_response(f"{status} {REASONS.get(status, '')}".strip(), list(headers.items()))
        return [body]

    def api_for(self, environ: dict[str, Any]) -> Api:
        """The API named by the host (`<api id>.execute-api...`), or the only one deployed."""
        apis = apigatewayv2_backends[DEFAULT_ACCOUNT_ID][self.region].apis
        host_label = environ.get("HTTP_HOST", "").split(".", 1)[0]
        if host_label in apis:
            return apis[host_label]
        if len(apis) == 1:
            return next(iter(apis.values()))
        raise Refused(404, "Not Found")

    def handle(self, environ: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
        api = self.api_for(environ)
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO") or "/"
        headers = {name[5:].replace("_", "-").lower(): value for name, value in environ.items() if name.startswith("HTTP_")}
        headers |= {name.replace("_", "-").lower(): environ[name] for name in ("CONTENT_TYPE", "CONTENT_LENGTH") if environ.get(name)}
        cors: dict[str, Any] = api.cors_configuration or {}  # type: ignore[assignment]
        if method == "OPTIONS" and cors and "origin" in headers and "access-control-request-method" in headers:
            return 204, self.cors_headers(cors, headers, preflight=True), b""
        stage = api.stages.get("$default")
        if stage is None:
            raise Refused(404, "Not Found")
        self.throttle(api, stage)
        matched = match_route(api, method, path)
        if matched is None:
            raise Refused(404, "Not Found")
        route, parameters = matched
        claims, scopes = None, None
        if route.authorization_type == "JWT":
            authorizer = api.authorizers[route.authorizer_id]
            source = (authorizer.identity_source or ["$request.header.Authorization"])[0]
            header_name = source.rsplit(".", 1)[-1].lower()
            config: dict[str, Any] = authorizer.jwt_config or {}  # type: ignore[assignment]
            claims = verified_claims(
                headers.get(header_name),
                issuer=config.get("issuer", ""),
                audience=config.get("audience", []),
                scopes=route.authorization_scopes,
            )
            scopes = route.authorization_scopes or None
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        event = self.event(environ, api, route.route_key, path, parameters, headers, body, claims, scopes)
        status, response_headers, response_body = self.integrate(api, route, method, path, event)
        return status, response_headers | self.cors_headers(cors, headers, preflight=False), response_body

    def throttle(self, api: Api, stage: Any) -> None:
        settings = stage.default_route_settings or {}
        rate, burst = settings.get("throttlingRateLimit"), settings.get("throttlingBurstLimit")
        if rate is None or burst is None:
            return
        with self.buckets_lock:
            bucket = self.buckets.get((api.api_id, stage.name))
            if bucket is None or (bucket.rate, bucket.burst) != (float(rate), int(burst)):
                bucket = self.buckets[(api.api_id, stage.name)] = TokenBucket(float(rate), int(burst))
        if not bucket.take():
            raise Refused(429, "Too Many Requests")

    @staticmethod
    def cors_headers(cors: dict[str, Any], headers: dict[str, str], *, preflight: bool) -> dict[str, str]:
        origin = headers.get("origin")
        allowed = cors.get("allowOrigins") or []
        if not cors or origin is None or not ("*" in allowed or origin in allowed):
            return {}
        answer = {"access-control-allow-origin": "*" if "*" in allowed else origin}
        if cors.get("allowCredentials"):
            answer["access-control-allow-credentials"] = "true"
        if preflight:
            answer["access-control-allow-methods"] = ",".join(cors.get("allowMethods") or [])
            answer["access-control-allow-headers"] = ",".join(cors.get("allowHeaders") or [])
            if cors.get("maxAge") is not None:
                answer["access-control-max-age"] = str(cors["maxAge"])
        elif cors.get("exposeHeaders"):
            answer["access-control-expose-headers"] = ",".join(cors["exposeHeaders"])
        return answer

    def event(
        self,
        environ: dict[str, Any],
        api: Api,
        route_key: str,
        path: str,
        parameters: dict[str, str],
        headers: dict[str, str],
        body: bytes,
        claims: dict[str, Any] | None,
        scopes: list[str] | None,
    ) -> dict[str, Any]:
        """Payload format 2.0, as API Gateway hands it to the function."""
        now = datetime.now(UTC)
        query = parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        content_type = headers.get("content-type", "")
        textual = not content_type or content_type.startswith("text/") or "json" in content_type or "xml" in content_type
        try:
            text = body.decode() if textual else None
        except UnicodeDecodeError:
            text = None
        event: dict[str, Any] = {
            "version": "2.0",
            "routeKey": route_key,
            "rawPath": path,
            "rawQueryString": environ.get("QUERY_STRING", ""),
            "headers": headers,
            "requestContext": {
                "accountId": DEFAULT_ACCOUNT_ID,
                "apiId": api.api_id,
                "domainName": headers.get("host", ""),
                "domainPrefix": headers.get("host", "").split(".", 1)[0],
                "http": {
                    "method": environ["REQUEST_METHOD"],
                    "path": path,
                    "protocol": environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
                    "sourceIp": environ.get("REMOTE_ADDR", "127.0.0.1"),
                    "userAgent": headers.get("user-agent", ""),
                },
                "requestId": environ.setdefault("apigw.request_id", base64.b64encode(secrets.token_bytes(12)).decode()),
                "routeKey": route_key,
                "stage": "$default",
                "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
                "timeEpoch": int(now.timestamp() * 1000),
            },
            "isBase64Encoded": text is None,
        }
        if query:
            event["queryStringParameters"] = {name: ",".join(v for n, v in query if n == name) for name, _ in query}
        if parameters:
            event["pathParameters"] = parameters
        if body:
            event["body"] = text if text is not None else base64.b64encode(body).decode()
        if claims is not None:
            # API Gateway hands claims on as strings (lists in brackets), with the route's scopes.
            strings = {name: value if isinstance(value, str) else _claim_string(value) for name, value in claims.items()}
            event["requestContext"]["authorizer"] = {"jwt": {"claims": strings, "scopes": scopes}}
        return event

    def integrate(self, api: Api, route: Any, method: str, path: str, event: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
        integration = api.integrations.get((route.target or "").removeprefix("integrations/"))
        if integration is None or integration.integration_type != "AWS_PROXY":
            raise Refused(500, "Internal Server Error")
        function = LAMBDA_URI.search(integration.integration_uri or "")
        if function is None:
            raise Refused(500, "Internal Server Error")
        function_arn = function.group(1)
        source_arn = f"arn:aws:execute-api:{self.region}:{DEFAULT_ACCOUNT_ID}:{api.api_id}/$default/{method}{path}"
        refusal = self.may_invoke(function_arn, source_arn) if self.may_invoke else None
        if self.may_invoke is None and not function_allows(self.function_policy(function_arn), source_arn):
            refusal = f"no lambda permission matches {source_arn}"
        if refusal:
            # $context.integrationErrorMessage: "The IAM role configured on the integration or API Gateway doesn't
            # have permissions to call the integration." (http-api-troubleshooting-lambda.html)
            log.warning("API %s may not invoke %s: %s", api.api_id, function_arn, refusal)
            raise Refused(500, "Internal Server Error")
        result = self.invoke(function_arn, json.dumps(event).encode())
        if result.status == 429:
            raise Refused(503, "Service Unavailable")
        if result.status != 200 or "X-Amz-Function-Error" in result.headers:
            raise Refused(500, "Internal Server Error")
        return response_of(result.body)


def _claim_string(value: Any) -> str:
    if isinstance(value, list):
        return "[" + " ".join(str(item) for item in value) + "]"
    return str(value)


def response_of(payload: bytes) -> tuple[int, dict[str, str], bytes]:
    """Payload format 2.0's response mapping: a `statusCode` result is the response; anything else is a 200 JSON body."""
    try:
        result = json.loads(payload)
    except ValueError:
        raise Refused(500, "Internal Server Error") from None
    if not isinstance(result, dict) or "statusCode" not in result:
        return 200, {"content-type": "application/json"}, payload
    headers = {str(name).lower(): str(value) for name, value in (result.get("headers") or {}).items()}
    for name, values in (result.get("multiValueHeaders") or {}).items():
        headers[str(name).lower()] = ",".join(str(value) for value in values)
    body = result.get("body") or ""
    raw = base64.b64decode(body) if result.get("isBase64Encoded") else str(body).encode()
    headers.setdefault("content-type", "application/json")
    return int(result["statusCode"]), headers, raw
