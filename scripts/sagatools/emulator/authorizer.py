"""The local endpoint authorizes requests as AWS does: every call a function, the state machine or API
Gateway makes is judged by the policies Terraform deployed (sagatools.emulator.iam_evaluation).

Who calls:
- a function calls with temporary credentials of its execution role, which the Lambda service gets by
  assuming the role as lambda.amazonaws.com ("Lambda generates an ephemeral set of credentials by
  assuming your function's execution role", permissions-source-function-arn.html), the trust policy
  judged, the session named after the function (as real sessions are);
- the state machine calls (lambda:invoke, sns:publish, the aws-sdk integrations) as its role, assumed
  as states.amazonaws.com with aws:SourceArn = the state machine and aws:SourceAccount;
- API Gateway invokes the API's function as apigateway.amazonaws.com, under the function's resource
  policy, with aws:SourceArn = arn:aws:execute-api:<region>:<account>:<api>/<stage>/<METHOD><path>;
- anyone else (operators, Terraform, the tests) is the account's administrator, as on AWS with
  AdministratorAccess: held only where a key policy must allow them too. They sign with the local
  administrator's access key (sagatools.client.workspaces.LOCAL_CREDENTIALS, "local").

Who is refused before anything is judged, as AWS refuses them: an Authorization header that is not
Signature Version 4 (IncompleteSignatureException; S3: InvalidArgument / AuthorizationHeaderMalformed),
an access key that is neither the administrator's nor one STS issued (UnrecognizedClientException "The
security token included in the request is invalid."; query services: InvalidClientTokenId; S3:
InvalidAccessKeyId), a temporary key whose session token is not the one STS issued with it, and, for the
JSON and query protocols (the body is in hand and the path is "/", so botocore recomputes the signature
cheaply), a signature that is not the key's (InvalidSignatureException; query: SignatureDoesNotMatch).

What is judged, for each request of a role (everything this repository calls; anything else a role
calls is refused as not modelled, never let through): the action on the resource's ARN with the
request context AWS documents, and the KMS use the service makes on the caller's behalf:
- DynamoDB: reading or writing a table encrypted with a customer managed key, kms:Decrypt by the
  caller via dynamodb.<region>.amazonaws.com, context aws:dynamodb:tableName and aws:dynamodb:subscriberId;
  creating one, kms:CreateGrant and kms:DescribeKey (encryption.usagenotes.html). Refused as DynamoDB
  refuses it: AccessDeniedException "KMS key access denied error: ...";
- Step Functions: DescribeExecution, GetExecutionHistory, DescribeStateMachine(ForExecution) of a state
  machine encrypted with one, kms:Decrypt via states, context aws:states:stateMachineArn; StartExecution,
  StopExecution, RedriveExecution need nothing of the caller, but StartExecution needs kms:GenerateDataKey
  and kms:Decrypt of the state machine's role, which calls KMS itself (no ViaService), in the same
  context (encryption-at-rest.html). Refused: KmsAccessDeniedException;
- SNS: publishing to a topic encrypted with one, kms:GenerateDataKey and kms:Decrypt by the publisher
  via sns (sns-key-management.html). Refused: KMSAccessDenied;
- Lambda: creating or updating a function with one, the grant Lambda creates with the caller's
  permission ("Lambda uses your permissions to create a grant on the key", configuration-envvars-
  encryption.html), for the function's role; at init, the environment decrypted through that grant,
  else by the role under the key policy, context aws:lambda:FunctionArn (what CloudTrail shows; no AWS
  page states it). Refused as the invocation's KMSAccessDeniedException (502);
- CloudWatch Logs: a log group encrypted with one, which the key policy must let logs.<region>.amazonaws.com
  use with kms:EncryptionContext:aws:logs:arn = the group (encrypt-log-data-kms.html). Refused at
  CreateLogGroup / AssociateKmsKey with AccessDeniedException "The specified KMS key does not exist or
  is not allowed to be used with Arn '...'", as CloudWatch Logs answers (its reference says InvalidParameterException).
Refusals name the action and the resource as IAM's messages do (troubleshoot_access-denied.html).

Not modelled: the signatures of REST requests (S3, Lambda, CloudFront, API Gateway: a request with a known
key is that key's; their canonical paths and streaming payloads are not recomputed here), the clock skew
and presigned-URL expiry checks, Signature Version 2, session and permissions-boundary policies,
SCPs, cross-account access, the state machine role's key use for its execution logs and the log
delivery calls (the endpoint delivers no execution logs), CloudWatch alarms publishing (moto runs no
alarm actions), X-Ray."""

from __future__ import annotations

import hmac
import importlib
import json
import re
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote

import botocore.session
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.iam.models import iam_backends
from moto.kms.models import kms_backends
from moto.stepfunctions.exceptions import InvalidArn, StateMachineDoesNotExist
from moto.sts.models import sts_backends

from sagatools.client.workspaces import LOCAL_CREDENTIALS
from sagatools.emulator.iam_evaluation import Decision, NotModelled, Principal, Request, evaluate

ACCOUNT = DEFAULT_ACCOUNT_ID
CREDENTIAL = re.compile(r"Credential=([^/,\s&]+)/\d{8}/([a-z0-9-]+)/([a-z0-9-]+)/aws4_request")
SIGV4 = "AWS4-HMAC-SHA256"
SIGV4_PARAMETER = re.compile(r"\s*([A-Za-z]+)=([^,\s]*)\s*")
SCOPE = re.compile(r"^(?P<key>[^/]+)/(?P<date>\d{8})/(?P<region>[a-z0-9-]+)/(?P<service>[a-z0-9-]+)/aws4_request$")
ADMIN_KEYS = {LOCAL_CREDENTIALS["aws_access_key_id"]: LOCAL_CREDENTIALS["aws_secret_access_key"]}  # the local administrator's
INVALID_TOKEN = "The security token included in the request is invalid."
SIGNATURE_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key"
    " and signing method. Consult the service documentation for details."
)
INVOKE_PATH = re.compile(r"^/2015-03-31/functions/([^/]+)/invocations$")
FUNCTION_CONFIGURATION = re.compile(r"^/2015-03-31/functions(/[^/]+/configuration)?$")
SESSION_SECONDS = 3600  # a role's default maximum session duration
ADMIN = Principal(f"arn:aws:iam::{ACCOUNT}:user/admin", ACCOUNT)  # the account's administrator
ADMINISTRATOR_ACCESS = ("AdministratorAccess", json.dumps({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
JSON_TARGETS = {
    "DynamoDB_20120810": "dynamodb",
    "AWSStepFunctions": "states",
    "TrentService": "kms",
    "Logs_20140328": "logs",
    "GraniteServiceVersion20100801": "monitoring",
}
TRANSACT_ACTIONS = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem", "ConditionCheck": "ConditionCheckItem"}
SFN_BY_EXECUTION = {"DescribeExecution", "GetExecutionHistory", "StopExecution", "RedriveExecution", "DescribeStateMachineForExecution"}
SFN_BY_MACHINE = {"StartExecution", "StartSyncExecution", "ListExecutions", "DescribeStateMachine"}
SFN_DECRYPTS = {"DescribeExecution", "GetExecutionHistory", "DescribeStateMachine", "DescribeStateMachineForExecution"}


class Refused(Exception):
    """A request AWS would refuse: the service's own error, in its protocol."""

    def __init__(self, status: int, code: str, message: str, protocol: str = "json") -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.protocol = status, code, message, protocol

    def response(self) -> tuple[str, list[tuple[str, str]], bytes]:
        """(status line, headers, body) as the service writes its errors."""
        request_id = str(uuid.uuid4())
        if self.protocol == "query":
            message = self.message.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            body = (
                f"<ErrorResponse><Error><Type>Sender</Type><Code>{self.code}</Code><Message>{message}</Message></Error>"
                f"<RequestId>{request_id}</RequestId></ErrorResponse>"
            ).encode()
            headers = [("Content-Type", "text/xml")]
        elif self.protocol == "s3":
            message = self.message.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            body = (
                f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{self.code}</Code><Message>{message}</Message>'
                f"<RequestId>{secrets.token_hex(8).upper()}</RequestId></Error>"
            ).encode()
            headers = [("Content-Type", "application/xml")]
        elif self.protocol == "rest-json":
            body = json.dumps({"Message": self.message, "Type": "User"}).encode()
            headers = [("Content-Type", "application/json"), ("x-amzn-ErrorType", self.code)]
        else:  # JSON 1.0 / 1.1
            body = json.dumps({"__type": self.code, "message": self.message}).encode()
            headers = [("Content-Type", "application/x-amz-json-1.0"), ("x-amzn-ErrorType", self.code)]
        reason = {400: "Bad Request", 403: "Forbidden", 502: "Bad Gateway"}.get(self.status, "")
        return f"{self.status} {reason}", [*headers, ("Content-Length", str(len(body))), ("x-amzn-RequestId", request_id)], body


def denial(principal: Principal, action: str, resource: str, decision: Decision) -> str:
    """IAM's wording: "User: <arn> is not authorized to perform: <action> on resource: <arn> because ..."."""
    on = f" on resource: {resource}" if resource != "*" else ""
    if decision.reason.startswith("explicit deny"):
        return f"User: {principal.arn} is not authorized to perform: {action}{on} with an {decision.reason}"
    return f"User: {principal.arn} is not authorized to perform: {action}{on} because {decision.reason} the {action} action"


def kms_denial(principal: Principal, action: str, key_arn: str, decision: Decision) -> str:
    """How DynamoDB passes KMS's refusal on (real responses quote it so)."""
    return (
        f"KMS key access denied error: com.amazonaws.services.kms.model.AWSKMSException: {denial(principal, action, key_arn, decision)}"
        f" (Service: AWSKMS; Status Code: 400; Error Code: AccessDeniedException; Request ID: {uuid.uuid4()})"
    )


def arn(region: str, service: str, resource: str) -> str:
    return f"arn:aws:{service}:{region}:{ACCOUNT}:{resource}"


@dataclass
class Session:
    """A role's temporary credentials, as STS issued them."""

    principal: Principal
    access_key: str
    secret_key: str
    token: str
    expires: float

    def environment(self) -> dict[str, str]:
        """A function's reserved variables: "The access keys obtained from the function's execution role"."""
        return {"AWS_ACCESS_KEY_ID": self.access_key, "AWS_SECRET_ACCESS_KEY": self.secret_key, "AWS_SESSION_TOKEN": self.token}


@dataclass(frozen=True)
class Use:
    """One request of a role, as judged: what the least-privilege report counts."""

    role: str
    action: str
    resource: str
    allowed: bool
    statements: tuple[str, ...]  # "<policy>#<sid>" of the statements that allowed it


@dataclass
class Authorizer:
    """Identities and decisions: the roles' sessions, their policies, the key policies and grants."""

    region: str
    usage_log: Path | None = None  # every judged request of a role, one JSON line each
    _sessions: dict[str, Session] = field(default_factory=dict)
    _service_sessions: dict[tuple[str, str, str | None], Session] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # -- identities --------------------------------------------------------------------------------
    def assume_role_as_service(self, role_arn: str, service: str, *, session_name: str, source_arn: str | None = None) -> Session:
        """What a service does to act as a role: sts:AssumeRole, which the role's trust policy must allow."""
        key = (role_arn, service, source_arn)
        with self._lock:
            cached = self._service_sessions.get(key)
        if cached is not None and cached.expires - time.time() > 300:
            return cached
        if not self.service_may_assume(role_arn, service, source_arn):
            raise Refused(403, "AccessDenied", f"{service} is not authorized to perform: sts:AssumeRole on resource: {role_arn}", "query")
        assumed = sts_backends[ACCOUNT]["aws"].assume_role(
            region_name=self.region, role_session_name=session_name, role_arn=role_arn, policy="", duration=SESSION_SECONDS, external_id=""
        )
        principal = Principal(assumed.arn, ACCOUNT, role_arn=role_arn)
        session = Session(principal, assumed.access_key_id, assumed.secret_access_key, assumed.session_token, time.time() + SESSION_SECONDS)
        with self._lock:
            self._sessions[session.access_key] = self._service_sessions[key] = session
        return session

    def service_may_assume(self, role_arn: str, service: str, source_arn: str | None = None) -> bool:
        """Whether the role's trust policy lets the service assume it."""
        context = {"aws:SourceAccount": ACCOUNT, **({"aws:SourceArn": source_arn} if source_arn else {})}
        request = Request("sts:AssumeRole", role_arn, Principal(service, ACCOUNT, service=service), context)
        try:
            trust = ("trust policy", self._role(role_arn).assume_role_policy_document)
        except Exception:  # noqa: BLE001 - no such role
            return False
        return evaluate(request, [], trust, resource_policy_must_allow=True).allowed

    def caller(self, environ: Mapping[str, Any], body: bytes = b"") -> Principal:
        """Who signed the request: the administrator (the local access key), or a role's session (a service's,
        or one AssumeRole issued); an unsigned request (an operation AWS answers unsigned) is answered as the
        administrator's, for nothing it may reach is judged. Refused: a malformed signature, an access key
        this account never issued, a temporary key without its own session token, an expired session, and
        (JSON and query protocols) a signature the key's secret did not make."""
        protocol = error_protocol(environ, body)
        signed = signature_of(environ, protocol)
        if signed is None:
            return ADMIN
        if signed.access_key in ADMIN_KEYS:
            principal, secret, token = ADMIN, ADMIN_KEYS[signed.access_key], None
        else:
            session = self._session(signed.access_key)
            if session is None or signed.token != session.token:
                raise unrecognized(protocol)
            if session.expires < time.time():
                raise Refused(400, "ExpiredTokenException", "The security token included in the request is expired", protocol)
            principal, secret, token = session.principal, session.secret_key, session.token
        if protocol in ("json", "query") and signed.signature_header and not signature_matches(environ, body, signed, secret, token):
            raise Refused(
                *((400, "InvalidSignatureException") if protocol == "json" else (403, "SignatureDoesNotMatch")),
                SIGNATURE_MISMATCH,
                protocol,
            )
        return principal

    def _session(self, access_key: str) -> Session | None:
        """The temporary credentials STS issued with this access key: a service's, or any AssumeRole's."""
        with self._lock:
            session = self._sessions.get(access_key)
        if session is not None:
            return session
        assumed = sts_backends[ACCOUNT]["aws"].get_assumed_role_from_access_key(access_key)
        if assumed is None:
            return None
        session = Session(
            Principal(assumed.arn, ACCOUNT, role_arn=assumed.role_arn),
            access_key,
            assumed.secret_access_key,
            assumed.session_token,
            assumed.expiration.timestamp(),
        )
        with self._lock:
            self._sessions[access_key] = session
        return session

    # -- decisions ---------------------------------------------------------------------------------
    def _role(self, role_arn: str) -> Any:
        return iam_backends[ACCOUNT]["aws"].get_role(role_arn.rsplit("/", 1)[-1])

    def identity_policies(self, principal: Principal) -> list[tuple[str, str]]:
        """A role session's policies: the role's inline ones and the managed ones attached to it."""
        if principal.role_arn is None:
            return [ADMINISTRATOR_ACCESS] if principal is ADMIN else []
        role = self._role(principal.role_arn)
        inline = [(f"{role.name}/{name}", document) for name, document in role.policies.items()]
        managed = [
            (policy_arn, next(v.document for v in policy.versions if v.is_default)) for policy_arn, policy in role.managed_policies.items()
        ]
        return inline + managed

    def judge(
        self,
        principal: Principal,
        action: str,
        resource: str,
        context: Mapping[str, str | list[str]] | None = None,
        *,
        resource_policy: tuple[str, str] | None = None,
        must_allow: bool = False,
    ) -> Decision:
        request = Request(action, resource, principal, {"aws:PrincipalAccount": ACCOUNT, **(context or {})})
        try:
            decision = evaluate(request, self.identity_policies(principal), resource_policy, resource_policy_must_allow=must_allow)
        except NotModelled as error:
            raise Refused(400, "AccessDeniedException", f"{action} on {resource}: {error} (the local workspace's authorizer)") from None
        if principal.role_arn is not None:
            self._record(principal.role_arn, action, resource, decision)
        return decision

    def _record(self, role_arn: str, action: str, resource: str, decision: Decision) -> None:
        if self.usage_log is None:
            return
        statements = tuple(f"{match.policy}#{match.sid}" for match in decision.matches)
        use = Use(role_arn.rsplit("/", 1)[-1], action, resource, decision.allowed, statements)
        with self._lock, self.usage_log.open("a") as log:
            log.write(json.dumps(asdict(use)) + "\n")

    # -- KMS ---------------------------------------------------------------------------------------
    def key(self, key_id: str) -> Any:
        return kms_backends[ACCOUNT][self.region].describe_key(key_id)

    def use_key(self, principal: Principal, action: str, key_id: str, context: Mapping[str, str | list[str]]) -> Decision:
        """A KMS use: the key policy must allow it, itself or through the account's IAM policies."""
        key = self.key(key_id)
        context = {"kms:CallerAccount": principal.account, **context}
        return self.judge(principal, action, key.arn, context, resource_policy=("key policy", key.policy), must_allow=True)

    def grant_allows(self, grantee: str, key_id: str, operation: str, context: Mapping[str, str]) -> bool:
        """Whether a grant on the key lets the grantee do the operation under this encryption context."""
        for grant in kms_backends[ACCOUNT][self.region].list_grants(self.key(key_id).id, grant_id=""):
            constraints = grant.constraints or {}
            subset = constraints.get("EncryptionContextSubset", {})
            within = all(context.get(name) == value for name, value in subset.items())
            within = within and constraints.get("EncryptionContextEquals") in (None, dict(context))
            if grant.grantee_principal == grantee and operation in grant.operations and within:
                return True
        return False

    def grant_environment(self, key_id: str, role_arn: str, function_arn: str) -> None:
        """The grant Lambda keeps for a function's environment: Decrypt for its role, in its ARN's context."""
        if not self.grant_allows(role_arn, key_id, "Decrypt", {"aws:lambda:FunctionArn": function_arn}):
            kms_backends[ACCOUNT][self.region].create_grant(
                key_id,
                role_arn,
                ["Decrypt"],
                f"lambda-{function_arn.rsplit(':', 1)[-1]}",
                {"EncryptionContextSubset": {"aws:lambda:FunctionArn": function_arn}},
                "lambda.amazonaws.com",
            )

    def environment_refusal(self, key_id: str, session: Session, function_arn: str) -> Decision | None:
        """At a function's init: None when its grant (or its role, under the key policy) decrypts its
        environment; else the decision that refused it."""
        context = {"aws:lambda:FunctionArn": function_arn}
        if self.grant_allows(str(session.principal.role_arn), key_id, "Decrypt", context):
            return None
        via = {"kms:ViaService": f"lambda.{self.region}.amazonaws.com", "kms:EncryptionContext:aws:lambda:FunctionArn": function_arn}
        decision = self.use_key(session.principal, "kms:Decrypt", key_id, via)
        return None if decision.allowed else decision

    def logs_refusal(self, key_id: str, group_arn: str) -> str | None:
        """Whether CloudWatch Logs may use the key for this group, as its own service principal under the key policy."""
        logs = Principal(f"logs.{self.region}.amazonaws.com", ACCOUNT, service=f"logs.{self.region}.amazonaws.com")
        refused = f"The specified KMS key does not exist or is not allowed to be used with Arn '{group_arn}'"
        try:
            decisions = [self.use_key(logs, action, key_id, {"kms:EncryptionContext:aws:logs:arn": group_arn}) for action in LOGS_USES]
        except Exception:  # noqa: BLE001 - an unknown key: refused the same way
            return refused
        return None if all(decision.allowed for decision in decisions) else refused


LOGS_USES = ("kms:GenerateDataKey", "kms:Decrypt")  # what CloudWatch Logs does with a group's key


# -- what a request asks for --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Asked:
    """One permission a request needs: the action on the resource, with its request context."""

    action: str
    resource: str
    context: Mapping[str, str | list[str]] = field(default_factory=dict)


def _backend(service: str, region: str) -> Any:
    """moto's backend of a service (the endpoint has them all loaded)."""
    if service == "stepfunctions":  # the interpreter's backend when moto executes state machines, else the plain one
        from moto.stepfunctions.responses import get_backend

        return get_backend(ACCOUNT, region)
    module, attribute = {
        "dynamodb": ("moto.dynamodb.models", "dynamodb_backends"),
        "sns": ("moto.sns.models", "sns_backends"),
        "lambda": ("moto.awslambda.models", "lambda_backends"),
    }[service]
    return getattr(importlib.import_module(module), attribute)[ACCOUNT][region]


def dynamodb_asked(region: str, operation: str, body: Mapping[str, Any]) -> Iterator[tuple[Asked, str]]:
    """(permission, table) for each table a DynamoDB request touches: a transaction's items each as their own action."""
    if operation == "TransactWriteItems":
        for item in body.get("TransactItems", []):
            for kind, target in item.items():
                yield (
                    Asked(f"dynamodb:{TRANSACT_ACTIONS[kind]}", arn(region, "dynamodb", f"table/{target['TableName']}")),
                    target["TableName"],
                )
    elif operation == "TransactGetItems":
        for item in body.get("TransactItems", []):
            yield Asked("dynamodb:GetItem", arn(region, "dynamodb", f"table/{item['Get']['TableName']}")), item["Get"]["TableName"]
    elif operation in ("BatchGetItem", "BatchWriteItem"):
        for table in body.get("RequestItems", {}):
            yield Asked(f"dynamodb:{operation}", arn(region, "dynamodb", f"table/{table}")), table
    elif "TableName" in body:
        yield Asked(f"dynamodb:{operation}", arn(region, "dynamodb", f"table/{body['TableName']}")), body["TableName"]
    else:
        raise NotModelled(f"dynamodb:{operation}")


@dataclass(frozen=True)
class Signed:
    """A Signature Version 4 signature, from the Authorization header or a presigned URL's query string."""

    access_key: str
    date: str
    region: str
    service: str
    signed_headers: tuple[str, ...]
    signature: str
    token: str | None
    signature_header: bool  # in the Authorization header (else the query string)


def error_protocol(environ: Mapping[str, Any], body: bytes) -> str:
    """How the service the request is for writes its errors: JSON (an X-Amz-Target), query (an Action),
    S3's XML, or REST-JSON (Lambda and the other REST APIs)."""
    if environ.get("HTTP_X_AMZ_TARGET"):
        return "json"
    scope = CREDENTIAL.search(environ.get("HTTP_AUTHORIZATION", "") or unquote(environ.get("QUERY_STRING", "")))
    service = scope.group(3) if scope else None
    if service == "s3":
        return "s3"
    form = body.decode(errors="replace") if "x-www-form-urlencoded" in environ.get("CONTENT_TYPE", "") else ""
    if "Action" in parse_qs(form) or "Action" in parse_qs(environ.get("QUERY_STRING", "")) or service == "cloudfront":
        return "query"  # CloudFront's REST-XML errors are written as the query services' are
    if service is None and not re.match(r"^/20\d\d-\d\d-\d\d/", environ.get("PATH_INFO", "")):
        return "s3"  # moto's dispatcher sends what names no service to S3
    return "rest-json"


def unrecognized(protocol: str) -> Refused:
    """AWS's answer to an access key it did not issue (or a session token not issued with it)."""
    if protocol == "s3":
        return Refused(403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.", protocol)
    if protocol == "query":
        return Refused(403, "InvalidClientTokenId", INVALID_TOKEN, protocol)
    return Refused(400 if protocol == "json" else 403, "UnrecognizedClientException", INVALID_TOKEN, protocol)


def incomplete(protocol: str, authorization: str, missing: list[str]) -> Refused:
    """AWS's answer to an Authorization header that is not a complete Signature Version 4 one."""
    if protocol == "s3":
        if not authorization.startswith(SIGV4):
            return Refused(400, "InvalidArgument", "Unsupported Authorization Type", protocol)
        return Refused(400, "AuthorizationHeaderMalformed", "The authorization header is malformed.", protocol)
    message = " ".join(f"Authorization header requires '{name}' parameter." for name in missing) + f" Authorization={authorization}"
    code = "IncompleteSignature" if protocol == "query" else "IncompleteSignatureException"
    return Refused(403 if protocol == "rest-json" else 400, code, message, protocol)


def signature_of(environ: Mapping[str, Any], protocol: str) -> Signed | None:
    """The request's signature, None if it carries none; Refused if it is not a complete SigV4 one."""
    authorization = environ.get("HTTP_AUTHORIZATION", "")
    if authorization:
        scheme, _, rest = authorization.strip().partition(" ")
        matched = (SIGV4_PARAMETER.fullmatch(part) for part in rest.split(","))
        parameters = {found.group(1): found.group(2) for found in matched if found}
        token = environ.get("HTTP_X_AMZ_SECURITY_TOKEN")
        in_header = True
    else:
        query = parse_qs(environ.get("QUERY_STRING", ""))
        if "X-Amz-Signature" not in query:
            return None
        scheme = query.get("X-Amz-Algorithm", [""])[0]
        parameters = {name: query[f"X-Amz-{name}"][0] for name in ("Credential", "SignedHeaders", "Signature") if f"X-Amz-{name}" in query}
        token = query.get("X-Amz-Security-Token", [None])[0]
        in_header = False
    missing = [name for name in ("Credential", "Signature", "SignedHeaders") if not parameters.get(name)]
    scope = SCOPE.match(unquote(parameters.get("Credential", "")))
    if scheme != SIGV4 or missing or scope is None:
        raise incomplete(protocol, authorization or environ.get("QUERY_STRING", ""), missing or ["Credential"])
    return Signed(
        scope["key"],
        scope["date"],
        scope["region"],
        scope["service"],
        tuple(parameters["SignedHeaders"].split(";")),
        parameters["Signature"],
        token,
        in_header,
    )


def signature_matches(environ: Mapping[str, Any], body: bytes, signed: Signed, secret: str, token: str | None) -> bool:
    """Whether the key's secret made the Authorization header's signature: botocore's SigV4 signer run on
    the request as received (its signed headers, path, query string and body)."""
    headers = {}
    for name in signed.signed_headers:
        variable = {"content-type": "CONTENT_TYPE", "content-length": "CONTENT_LENGTH"}.get(name, "HTTP_" + name.upper().replace("-", "_"))
        if environ.get(variable) is None:
            return False
        headers[name] = str(environ[variable])
    timestamp = headers.get("x-amz-date", "")
    if not timestamp.startswith(signed.date):
        return False
    path, _, query = (environ.get("RAW_URI") or environ.get("REQUEST_URI") or environ.get("PATH_INFO") or "/").partition("?")
    request = AWSRequest(
        method=environ.get("REQUEST_METHOD", "POST"), url=f"http://{headers.get('host', 'localhost')}{path}", data=body, headers=headers
    )
    if query:
        request.url += f"?{query}"
    request.context["timestamp"] = timestamp
    signer = SigV4Auth(Credentials(signed.access_key, secret, token), signed.service, signed.region)
    expected = signer.signature(signer.string_to_sign(request, signer.canonical_request(request)), request)
    return hmac.compare_digest(expected, signed.signature)


def signed_request(environ: Mapping[str, Any]) -> bool:
    """Signature Version 4 in the Authorization header, or in the query string (a presigned URL)."""
    return bool(environ.get("HTTP_AUTHORIZATION")) or "X-Amz-Signature=" in environ.get("QUERY_STRING", "")


def _unsigned_operations() -> dict[str, frozenset[str]]:
    """By X-Amz-Target prefix or STS: the operations botocore's models (AWS's own API definitions) mark
    `authtype: none`, the ones AWS answers without a signature."""
    session = botocore.session.get_session()
    found = {}
    for service in ("cognito-idp", "sts"):
        model = session.get_service_model(service)
        names = frozenset(name for name in model.operation_names if model.operation_model(name).auth_type == "none")
        found[model.metadata.get("targetPrefix", service)] = names
    return found


UNSIGNED_OPERATIONS = _unsigned_operations()


def unsigned_operation(environ: Mapping[str, Any], body: bytes) -> bool:
    """A browser's CORS preflight, or an operation AWS answers without a signature."""
    if environ.get("REQUEST_METHOD") == "OPTIONS":
        return True
    prefix, _, operation = environ.get("HTTP_X_AMZ_TARGET", "").rpartition(".")
    if prefix:
        return operation in UNSIGNED_OPERATIONS.get(prefix, frozenset())
    asked = parse_qs(body.decode(errors="replace")) | parse_qs(environ.get("QUERY_STRING", ""))
    return asked.get("Action", [""])[0] in UNSIGNED_OPERATIONS["sts"]


class RequestCheck:
    """Judges one request to the endpoint: `check` raises Refused with the service's own error."""

    def __init__(self, authorizer: Authorizer) -> None:
        self.authorizer = authorizer

    def check(self, environ: Mapping[str, Any], body: bytes) -> None:
        if not signed_request(environ) and not unsigned_operation(environ, body):
            # A request carrying no signature is anonymous, and AWS answers it only for the operations its
            # API models mark as needing none (Cognito's public sign-in, STS's web identity): a page in a
            # browser reaches the local endpoint for Cognito, and must reach nothing else through it.
            raise Refused(403, "MissingAuthenticationTokenException", "Missing Authentication Token")
        principal = self.authorizer.caller(environ, body)
        signed = CREDENTIAL.search(environ.get("HTTP_AUTHORIZATION", ""))
        region = signed.group(2) if signed else self.authorizer.region
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        prefix, _, operation = target.rpartition(".")
        service = JSON_TARGETS.get(prefix) or (signed.group(3) if signed else "")
        handlers: dict[str, Callable[..., None]] = {
            "dynamodb": self._dynamodb,
            "states": self._states,
            "kms": self._kms,
            "logs": self._logs,
            "monitoring": self._cloudwatch,
        }
        try:
            if prefix and service in handlers:
                handlers[service](principal, region, operation, json.loads(body or b"{}"))
            elif service == "sns":
                self._sns(principal, region, {name: values[0] for name, values in parse_qs(body.decode(errors="replace")).items()})
            elif service == "lambda":
                self._lambda(principal, region, environ, body)
            elif principal is not ADMIN and not (service == "sts" and b"Action=GetCallerIdentity" in body):
                raise NotModelled(f"{service} {operation or environ.get('PATH_INFO')}")
        except NotModelled as error:
            if principal is not ADMIN:  # the administrator may call anything; roles only what is modelled
                raise Refused(
                    400, "AccessDeniedException", f"{error} is not modelled by the local workspace's authorizer: refused"
                ) from None

    def _require(self, principal: Principal, asked: Asked, refuse: Callable[[str], Refused], **options: Any) -> None:
        """The request's own permission: the administrator has it (AdministratorAccess)."""
        if principal is ADMIN:
            return
        decision = self.authorizer.judge(principal, asked.action, asked.resource, asked.context, **options)
        if not decision.allowed:
            raise refuse(denial(principal, asked.action, asked.resource, decision))

    def _key_use(self, principal: Principal, action: str, key: str, context: Mapping[str, str], refuse: Callable[[str], Refused]) -> None:
        """A service's use of a key on the caller's behalf: judged for everyone, the administrator too (the key policy)."""
        decision = self.authorizer.use_key(principal, action, key, context)
        if not decision.allowed:
            raise refuse(denial(principal, action, self.authorizer.key(key).arn, decision))

    # -- DynamoDB ------------------------------------------------------------------------------------
    def _dynamodb(self, principal: Principal, region: str, operation: str, body: Mapping[str, Any]) -> None:
        tables = set()
        for asked, table in dynamodb_asked(region, operation, body):
            self._require(principal, asked, lambda message: Refused(400, "AccessDeniedException", message))
            tables.add(table)
        creating = operation in ("CreateTable", "UpdateTable")
        for table in sorted(tables):
            key = self._table_key(region, table, body if creating else None)
            if key is None:
                continue
            context = {
                "kms:ViaService": f"dynamodb.{region}.amazonaws.com",
                "kms:EncryptionContext:aws:dynamodb:tableName": table,
                "kms:EncryptionContext:aws:dynamodb:subscriberId": ACCOUNT,
            }
            for action in ("kms:CreateGrant", "kms:DescribeKey") if creating else ("kms:Decrypt",):
                decision = self.authorizer.use_key(principal, action, key, context)
                if not decision.allowed:
                    raise Refused(400, "AccessDeniedException", kms_denial(principal, action, self.authorizer.key(key).arn, decision))

    def _table_key(self, region: str, table: str, creating: Mapping[str, Any] | None) -> str | None:
        """The customer managed key a table is (or is to be) encrypted with, if any."""
        if creating is not None:
            sse = creating.get("SSESpecification") or {}
        else:
            try:
                sse = _backend("dynamodb", region).get_table(table).sse_specification or {}
            except Exception:  # noqa: BLE001 - no such table: DynamoDB answers that itself
                return None
        key = sse.get("KMSMasterKeyId")
        return str(key) if sse.get("Enabled") and key else None

    # -- Step Functions ------------------------------------------------------------------------------
    def _states(self, principal: Principal, region: str, operation: str, body: Mapping[str, Any]) -> None:
        if operation in SFN_BY_EXECUTION:
            asked = Asked(f"states:{operation}", body["executionArn"])
        elif operation in SFN_BY_MACHINE:
            asked = Asked(f"states:{operation}", body["stateMachineArn"])
        else:
            raise NotModelled(f"states:{operation}")
        self._require(principal, asked, lambda message: Refused(400, "AccessDeniedException", message))
        if operation not in SFN_DECRYPTS and operation != "StartExecution":
            return
        machine_arn = re.sub(r":execution:([^:]+):[^:]+$", r":stateMachine:\1", asked.resource)
        try:
            machine = _backend("stepfunctions", region).describe_state_machine(machine_arn)
        except (StateMachineDoesNotExist, InvalidArn):  # Step Functions answers that itself
            return
        encryption = machine.encryptionConfiguration or {}
        if encryption.get("type") != "CUSTOMER_MANAGED_KMS_KEY":
            return
        refuse = lambda message: Refused(400, "KmsAccessDeniedException", message)  # noqa: E731
        history = {"kms:EncryptionContext:aws:states:stateMachineArn": machine_arn}
        if operation == "StartExecution":
            # "To successfully start an execution for Standard workflows ... with customer managed keys, your
            # execution role requires kms:Decrypt and kms:GenerateDataKey": the role calls KMS itself, so
            # no kms:ViaService (encryption-at-rest.html).
            role = self.authorizer.assume_role_as_service(
                machine.roleArn, "states.amazonaws.com", session_name=machine.name, source_arn=machine_arn
            ).principal
            for action in ("kms:GenerateDataKey", "kms:Decrypt"):
                self._key_use(role, action, encryption["kmsKeyId"], history, refuse)
        else:
            via = {"kms:ViaService": f"states.{region}.amazonaws.com", **history}
            self._key_use(principal, "kms:Decrypt", encryption["kmsKeyId"], via, refuse)

    # -- KMS, CloudWatch Logs, CloudWatch ------------------------------------------------------------
    def _kms(self, principal: Principal, region: str, operation: str, body: Mapping[str, Any]) -> None:
        if principal is ADMIN:
            return  # the account root statement lets the administrator use and administer the key
        if not body.get("KeyId"):
            raise NotModelled(f"kms:{operation} without a KeyId")
        encryption_context = body.get("EncryptionContext") or {}
        context: dict[str, Any] = {f"kms:EncryptionContext:{name}": value for name, value in encryption_context.items()}
        if encryption_context:
            context["kms:EncryptionContextKeys"] = sorted(encryption_context)
        self._key_use(principal, f"kms:{operation}", body["KeyId"], context, lambda message: Refused(400, "AccessDeniedException", message))

    def _logs(self, principal: Principal, region: str, operation: str, body: Mapping[str, Any]) -> None:
        if principal is not ADMIN:
            raise NotModelled(f"logs:{operation}")
        if operation in ("CreateLogGroup", "AssociateKmsKey") and body.get("kmsKeyId"):
            refusal = self.authorizer.logs_refusal(body["kmsKeyId"], arn(region, "logs", f"log-group:{body['logGroupName']}"))
            if refusal:
                raise Refused(400, "AccessDeniedException", refusal)

    def _cloudwatch(self, principal: Principal, region: str, operation: str, body: Mapping[str, Any]) -> None:
        if operation != "PutMetricData":
            raise NotModelled(f"cloudwatch:{operation}")
        asked = Asked("cloudwatch:PutMetricData", "*", {"cloudwatch:namespace": body.get("Namespace", "")})
        self._require(principal, asked, lambda message: Refused(403, "AccessDenied", message))

    # -- SNS ------------------------------------------------------------------------------------------
    def _sns(self, principal: Principal, region: str, parameters: Mapping[str, str]) -> None:
        if parameters.get("Action") != "Publish":
            raise NotModelled(f"sns:{parameters.get('Action')}")
        topic = parameters.get("TopicArn", "")

        def refuse(message: str) -> Refused:  # SNS spells the action SNS:Publish in its refusals
            return Refused(403, "AuthorizationError", message.replace("sns:", "SNS:"), "query")

        self._require(principal, Asked("sns:Publish", topic), refuse)
        try:
            key = _backend("sns", region).get_topic(topic).kms_master_key_id
        except Exception:  # noqa: BLE001 - no such topic: SNS answers that itself
            return
        via = {"kms:ViaService": f"sns.{region}.amazonaws.com"}
        for action in ("kms:GenerateDataKey", "kms:Decrypt") if key else ():
            self._key_use(principal, action, key, via, lambda message: Refused(400, "KMSAccessDenied", message, "query"))

    # -- Lambda ---------------------------------------------------------------------------------------
    def _lambda(self, principal: Principal, region: str, environ: Mapping[str, Any], body: bytes) -> None:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "")
        invoked = INVOKE_PATH.match(path)
        if invoked and method == "POST":
            backend = _backend("lambda", region)
            try:
                function = backend.get_function(unquote(invoked.group(1)))
            except Exception:  # noqa: BLE001 - no such function: Lambda answers that itself
                return
            try:
                resource_policy = ("function policy", json.loads(backend.get_policy(function.function_arn))["Policy"])
            except Exception:  # noqa: BLE001 - a function without a resource policy
                resource_policy = None
            asked = Asked("lambda:InvokeFunction", function.function_arn)
            self._require(
                principal, asked, lambda m: Refused(403, "AccessDeniedException", m, "rest-json"), resource_policy=resource_policy
            )
        elif principal is not ADMIN:
            raise NotModelled(f"lambda {method} {path}")
        elif method in ("POST", "PUT") and FUNCTION_CONFIGURATION.match(path):
            self._environment_grant(principal, region, path, json.loads(body or b"{}"))

    def _environment_grant(self, principal: Principal, region: str, path: str, spec: Mapping[str, Any]) -> None:
        """CreateFunction / UpdateFunctionConfiguration: a role Lambda can assume ("The role defined for the
        function cannot be assumed by Lambda", the API's InvalidParameterValueException), and with a
        KMSKeyArn the grant for it."""
        if spec.get("Role") and not self.authorizer.service_may_assume(spec["Role"], "lambda.amazonaws.com"):
            message = "The role defined for the function cannot be assumed by Lambda."
            raise Refused(400, "InvalidParameterValueException", message, "rest-json")
        key = spec.get("KMSKeyArn")
        if not key:
            return
        name = spec.get("FunctionName") or unquote(path.split("/")[3])
        role = spec.get("Role")
        if role is None:
            try:
                role = _backend("lambda", region).get_function(name).role
            except Exception:  # noqa: BLE001 - no such function: Lambda answers that itself
                return
        context = {"kms:ViaService": f"lambda.{region}.amazonaws.com", "kms:GrantIsForAWSResource": "true"}
        self._key_use(principal, "kms:CreateGrant", key, context, lambda m: Refused(400, "KMSAccessDeniedException", m, "rest-json"))
        self.authorizer.grant_environment(key, role, arn(region, "lambda", f"function:{name}"))
