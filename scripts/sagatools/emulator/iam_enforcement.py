"""Where the local endpoint puts the authorizer (sagatools.emulator.authorizer) in the path of each
caller: a WSGI layer in front of moto for every request, the Lambda service's execution environments
(each runs as its function's role), the Step Functions interpreter's service calls (as the state
machine's role), and API Gateway's invocations (as apigateway.amazonaws.com).

On by default in the local workspace; `--iam off` on the endpoint (SAGA_IAM=off for the tools that
start it) turns it off for a quick look: then every caller is the administrator, as before."""

from __future__ import annotations

import importlib
import io
import json
import threading
from collections.abc import Callable, Iterable
from typing import Any

import boto3
from botocore.config import Config
from moto.awslambda.models import lambda_backends
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.settings import moto_server_port
from moto.stepfunctions.parser.asl.component.common.timeouts.timeout import TimeoutSeconds
from moto.stepfunctions.parser.asl.component.state.exec.state_task.state_task import StateTask

from sagatools.emulator.authorizer import ACCOUNT, Authorizer, Refused, RequestCheck, denial
from sagatools.emulator.iam_evaluation import Principal
from sagatools.emulator.lambda_service import FunctionConfig, InvokeRefused, InvokeResult

StartResponse = Callable[..., Any]
# The interpreter's modules that build a client for a task's service call.
TASK_CLIENT_MODULES = (
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.lambda_eval_utils",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_aws_sdk",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_sns",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_sfn",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_dynamodb",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_events",
)


class AuthorizingMiddleware:
    """Every request to the endpoint, judged before moto (or the local Lambda service) sees it."""

    def __init__(self, app: Any, authorizer: Authorizer) -> None:
        self.app = app
        self.check = RequestCheck(authorizer)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = io.BytesIO(body)
        try:
            self.check.check(environ, body)
        except Refused as refused:
            status, headers, payload = refused.response()
            start_response(status, headers)
            return [payload]
        return self.app(environ, start_response)  # type: ignore[no-any-return]


def lambda_identity(authorizer: Authorizer) -> Callable[[FunctionConfig], dict[str, str]]:
    """An execution environment's credentials: its role assumed as lambda.amazonaws.com, and its
    environment decrypted (through Lambda's grant, or the role under the key policy) at init."""

    def identity(config: FunctionConfig) -> dict[str, str]:
        try:
            session = authorizer.assume_role_as_service(config.role, "lambda.amazonaws.com", session_name=config.name)
        except Refused as refused:
            message = f"The role defined for the function cannot be assumed by Lambda. ({refused.message})"
            raise InvokeRefused(_lambda_error(400, "InvalidParameterValueException", message)) from None
        if config.kms_key_arn:
            decision = authorizer.environment_refusal(config.kms_key_arn, session, config.arn)
            if decision is not None:
                reason = denial(session.principal, "kms:Decrypt", authorizer.key(config.kms_key_arn).arn, decision)
                message = (
                    "Lambda was unable to decrypt the environment variables because KMS access was denied. Please check the"
                    f" function's KMS key settings. KMS Exception: AccessDeniedExceptionKMS Message: {reason}"
                )
                raise InvokeRefused(_lambda_error(502, "KMSAccessDeniedException", message))
        return session.environment()

    return identity


def _lambda_error(status: int, code: str, message: str) -> InvokeResult:
    return InvokeResult(status, {"x-amzn-ErrorType": code}, json.dumps({"Message": message, "Type": "User"}).encode())


def function_logs_allowed(authorizer: Authorizer, config: FunctionConfig, stream: str) -> bool:
    """Lambda writes a function's logs with its execution role's permissions (logs:CreateLogStream,
    logs:PutLogEvents on its group's streams): without them, the lines are lost, as on Lambda."""
    session = authorizer.assume_role_as_service(config.role, "lambda.amazonaws.com", session_name=config.name)
    stream_arn = f"arn:aws:logs:{config.region}:{ACCOUNT}:log-group:/aws/lambda/{config.name}:log-stream:{stream}"
    return all(authorizer.judge(session.principal, action, stream_arn).allowed for action in ("logs:CreateLogStream", "logs:PutLogEvents"))


def install_state_machine_identity(authorizer: Authorizer) -> None:
    """The interpreter's service calls, signed with the state machine role's credentials (assumed as
    states.amazonaws.com with the state machine as aws:SourceArn) instead of moto's fixed test keys."""
    original = StateTask._eval_state_credentials

    def state_credentials(task: StateTask, env: Any) -> Any:
        credentials: Any = original(task, env)
        credentials.source_arn = env.states.context_object.context_object_data["StateMachine"]["Id"]
        return credentials

    StateTask._eval_state_credentials = state_credentials  # type: ignore[method-assign,assignment]
    for name in TASK_CLIENT_MODULES:
        module = importlib.import_module(name)
        setattr(module, "boto_client_for", _signed_client_for(authorizer, module.boto_client_for))  # noqa: B010 - typed as Any


def _signed_client_for(authorizer: Authorizer, create: Callable[..., Any]) -> Callable[..., Any]:
    """moto's boto_client_for (the endpoint, moto's fixed test keys), with the role's credentials instead;
    one client per service, region and session (clients are thread-safe)."""
    clients: dict[tuple[str, str, str], Any] = {}
    lock = threading.Lock()

    def boto_client_for(region: str, service: str, state_credentials: Any = None) -> Any:
        role, source = getattr(state_credentials, "role_arn", None), getattr(state_credentials, "source_arn", None)
        if not role:
            return create(region, service, state_credentials)
        machine = str(source).rsplit(":", 1)[-1]
        session = authorizer.assume_role_as_service(role, "states.amazonaws.com", session_name=machine, source_arn=source)
        with lock:
            key = (service, region, session.access_key)
            if key not in clients:
                clients[key] = boto3.client(
                    service,
                    region_name=region,
                    endpoint_url=f"http://localhost:{moto_server_port()}",
                    aws_access_key_id=session.access_key,
                    aws_secret_access_key=session.secret_key,
                    aws_session_token=session.token,
                    config=Config(
                        parameter_validation=False,
                        retries={"max_attempts": 0, "total_max_attempts": 1},
                        connect_timeout=TimeoutSeconds.DEFAULT_TIMEOUT_SECONDS,
                        read_timeout=TimeoutSeconds.DEFAULT_TIMEOUT_SECONDS,
                    ),
                )
            return clients[key]

    return boto_client_for


def gateway_may_invoke(authorizer: Authorizer, region: str) -> Callable[[str, str], str | None]:
    """API Gateway's invocation of an integration's function: apigateway.amazonaws.com under the
    function's resource policy, aws:SourceArn the route's execute-api ARN. None, or why not."""
    gateway = Principal("apigateway.amazonaws.com", ACCOUNT, service="apigateway.amazonaws.com")

    def may_invoke(function_arn: str, source_arn: str) -> str | None:
        try:
            policy = json.loads(lambda_backends[DEFAULT_ACCOUNT_ID][region].get_policy(function_arn))["Policy"]
        except Exception:  # noqa: BLE001 - no resource policy: nothing allows API Gateway
            policy = None
        context = {"aws:SourceArn": source_arn, "aws:SourceAccount": ACCOUNT}
        decision = authorizer.judge(
            gateway, "lambda:InvokeFunction", function_arn, context, resource_policy=("function policy", policy) if policy else None
        )
        return None if decision.allowed else denial(gateway, "lambda:InvokeFunction", function_arn, decision)

    return may_invoke
