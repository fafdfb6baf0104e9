"""The local workspace's AWS endpoint: moto's server app with Step Functions execution on, behind a
middleware that runs Lambda invocations (from any client, and from the state machine's own
`lambda:invoke` calls) on the local Lambda service, each invocation's log lines into its function's
CloudWatch Logs group (moto's logs backend, in this process); on a second port, the HTTP APIs configured
on it (sagatools.emulator.http_api), whose integrations reach the same Lambda service; and on a third,
over HTTPS only, its CloudFront distributions (sagatools.emulator.site), from its S3.

    python -m sagatools.emulator.endpoint --state-dir build/local-workspace [--port 0] [--api-port 0] [--site-port 0] [--ttl 14400]

Binds 127.0.0.1 only. Writes <state-dir>/ready.json ({"port", "api_port", "site_port", "pid", ...}) once it serves. Stops itself
after --ttl seconds, when --parent-pid exits, or on SIGTERM / SIGINT, and takes its workers with it."""

from __future__ import annotations

import argparse
import io
import json
import logging
import os
import re
import signal
import socket
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import boto3
from moto.awslambda.models import lambda_backends
from moto.core.config import default_user_config
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.logs.models import logs_backends
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server

from sagatools.contract import catalog
from sagatools.emulator import cloudfront_fidelity, moto_fidelity, s3_fidelity, sfn_fidelity
from sagatools.emulator.authorizer import Authorizer
from sagatools.emulator.aws_faults import FaultPlan, error_response
from sagatools.emulator.http_api import HttpApiGateway
from sagatools.emulator.iam_enforcement import (
    AuthorizingMiddleware,
    function_logs_allowed,
    gateway_may_invoke,
    install_state_machine_identity,
    lambda_identity,
)
from sagatools.emulator.lambda_service import FunctionConfig, InvokeResult, LocalLambdaService, LogEvent
from sagatools.emulator.site import LocalCloudFront, SiteRequestHandler, bucket_policy_allows, bucket_policy_judged_by, certificate
from sagatools.processes import alive
from trip_saga.aws import CLIENT_CONFIG
from trip_saga.steps import STEPS

INVOKE_PATH = re.compile(r"^/2015-03-31/functions/([^/]+)/invocations$")
USAGE_LOG = "iam-usage.jsonl"  # in the state directory: every request of a role, as judged
CREDENTIAL_REGION = re.compile(r"Credential=[^/]+/\d{8}/([a-z0-9-]+)/")

StartResponse = Callable[..., Any]


def function_config(region: str, name_or_arn: str) -> FunctionConfig:
    """The function as created through the Lambda API (moto keeps its code, layers and settings)."""
    if name_or_arn.startswith("arn:"):
        region = name_or_arn.split(":")[3]
    backend = lambda_backends[DEFAULT_ACCOUNT_ID][region]
    function = backend.get_function(name_or_arn)
    layers = []
    for layer in function.layers:
        version = backend.layers_versions_by_arn(layer["Arn"])
        layers.append(version.code_bytes if version else b"")
    return FunctionConfig(
        name=function.function_name,
        arn=function.function_arn,
        region=region,
        handler=function.handler or "",
        timeout=float(function.timeout),
        memory_mb=int(function.memory_size),
        environment=dict(function.environment_vars),
        code=function.code_bytes,
        layers=tuple(layers),
        concurrency=function.reserved_concurrency or 10,
        role=function.role,
        kms_key_arn=function.kms_key_arn or None,
    )


_logs_lock = threading.Lock()  # moto's log streams are not thread-safe; invocations finish on many threads


def put_function_logs(config: FunctionConfig, stream: str, events: list[LogEvent]) -> None:
    """One invocation's log lines into /aws/lambda/<function> (Terraform's group; created if missing, as
    Lambda does with logs:CreateLogGroup), in the execution environment's stream, as one batch."""
    backend = logs_backends[DEFAULT_ACCOUNT_ID][config.region]
    group = f"/aws/lambda/{config.name}"
    with _logs_lock:
        backend.ensure_log_group(group)
        backend.ensure_log_stream(group, stream)
        backend.groups[group].streams[stream].put_log_events([{"timestamp": at, "message": message} for at, message in events])


def fault_key_of(function_name: str) -> str:
    """The step key (in `faults.aws`) of a deployed function, `<prefix>-<catalog key>`."""
    function = next(f for f in catalog.load().functions if function_name.endswith(f"-{f.key}"))
    return STEPS[function.state].fault_key


class LambdaInvokeMiddleware:
    def __init__(self, app: Any, service: LocalLambdaService) -> None:
        self.app = app
        self.service = service
        self.aws_faults = FaultPlan()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if "HTTP_X_SAGA_FAULT_CONTEXT" in environ and environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB_"):
            return self._dynamodb_with_faults(environ, start_response)
        match = INVOKE_PATH.match(environ.get("PATH_INFO", ""))
        if environ["REQUEST_METHOD"] != "POST" or not match:
            return self.app(environ, start_response)  # type: ignore[no-any-return]
        region_match = CREDENTIAL_REGION.search(environ.get("HTTP_AUTHORIZATION", ""))
        region = region_match.group(1) if region_match else "us-east-1"
        event = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)) or b"{}"
        try:
            config = function_config(region, unquote(match.group(1)))
        except Exception as error:  # noqa: BLE001 - moto's "not found" and friends
            body = json.dumps({"Type": "User", "message": f"Function not found: {error}"}).encode()
            return self._respond(start_response, InvokeResult(404, {"x-amzn-ErrorType": "ResourceNotFoundException"}, body))
        invocation_type = environ.get("HTTP_X_AMZ_INVOCATION_TYPE", "RequestResponse")
        if invocation_type == "DryRun":
            return self._respond(start_response, InvokeResult(204, {}, b""))
        if invocation_type == "Event":
            threading.Thread(target=self.service.invoke, args=(config, event), daemon=True).start()
            return self._respond(start_response, InvokeResult(202, {}, b""))
        result = self.service.invoke(config, event)
        if environ.get("HTTP_X_AMZ_LOG_TYPE") == "Tail" and result.status == 200:
            result = InvokeResult(result.status, {**result.headers, "X-Amz-Log-Result": result.log_tail()}, result.body, result.log)
        return self._respond(start_response, result)

    def _dynamodb_with_faults(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        """A DynamoDB request from a function whose invocation asked for AWS-level faults (sagatools.emulator.aws_faults)."""
        context = json.loads(environ["HTTP_X_SAGA_FAULT_CONTEXT"])
        operation = environ["HTTP_X_AMZ_TARGET"].rsplit(".", 1)[-1]
        raw = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = io.BytesIO(raw)
        kind = self.aws_faults.fault_for(
            step=fault_key_of(context["function"]), booking_id=context["booking_id"], aws=context["aws"], operation=operation
        )
        if kind is None:
            return self.app(environ, start_response)  # type: ignore[no-any-return]
        if kind in ("slow", "lost"):
            answered: dict[str, Any] = {}
            body = b"".join(self.app(environ, lambda status, headers, *_: answered.update(status=status, headers=headers)))
            if kind == "lost":  # the write landed; the connection drops before the response
                environ["werkzeug.socket"].shutdown(socket.SHUT_RDWR)
                return []
            time.sleep(float(CLIENT_CONFIG.read_timeout) + 0.5)  # the write landed; the answer comes too late
            start_response(answered["status"], answered["headers"])
            return [body]
        status, headers, body = error_response(kind, operation, json.loads(raw or b"{}"))
        reasons = {400: "Bad Request", 500: "Internal Server Error"}
        start_response(f"{status} {reasons[status]}", [*headers.items(), ("Content-Length", str(len(body)))])
        return [body]

    @staticmethod
    def _respond(start_response: StartResponse, result: InvokeResult) -> Iterable[bytes]:
        reasons = {200: "OK", 202: "Accepted", 204: "No Content", 404: "Not Found", 429: "Too Many Requests"}
        headers = {**result.headers, "Content-Length": str(len(result.body))}
        start_response(f"{result.status} {reasons.get(result.status, '')}", list(headers.items()))
        return [result.body]


class SiteOnlyCors:
    """CORS for the booking page's origin only (the local CloudFront's, https://127.0.0.1:<site port>).

    moto's app answers CORS for any origin (flask_cors echoes the Origin). On AWS that is harmless, as a
    page still needs real credentials to sign with; here the administrator's are public ("local"), so any
    page open in the developer's browser could call the workspace with them. The only browser client the
    workspace has is its own page, which calls Cognito's unauthenticated operations: its origin gets CORS,
    and a preflight from any other origin is 403 with no CORS headers (the browser then sends nothing)."""

    def __init__(self, app: Any, origin: str | None = None) -> None:
        self.app = app
        self.origin = origin  # set once the local CloudFront's port is known; until then, no origin

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        origin = environ.get("HTTP_ORIGIN")
        allowed = origin is not None and origin == self.origin
        if environ["REQUEST_METHOD"] == "OPTIONS" and "HTTP_ACCESS_CONTROL_REQUEST_METHOD" in environ:
            if not allowed:
                start_response("403 Forbidden", [("Content-Type", "text/plain"), ("Content-Length", "0")])
                return []
            headers = [
                ("Access-Control-Allow-Origin", str(origin)),
                ("Access-Control-Allow-Methods", environ["HTTP_ACCESS_CONTROL_REQUEST_METHOD"]),
                ("Access-Control-Max-Age", "600"),
                ("Vary", "Origin"),
                ("Content-Length", "0"),
            ]
            if requested := environ.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS"):
                headers.append(("Access-Control-Allow-Headers", requested))
            start_response("200 OK", headers)
            return []

        def respond(status: str, headers: list[tuple[str, str]], *exc_info: Any) -> Any:
            kept = [(name, value) for name, value in headers if not name.lower().startswith("access-control-")]
            if allowed:
                exposed = sorted({name for name, _ in kept if name.lower().startswith("x-amz")})
                kept += [("Access-Control-Allow-Origin", str(origin)), ("Vary", "Origin")]
                kept += [("Access-Control-Expose-Headers", ", ".join(exposed))] if exposed else []
            return start_response(status, kept, *exc_info)

        return self.app(environ, respond)  # type: ignore[no-any-return]


def status_event_delivery(endpoint: str, region: str, authorizer: Authorizer | None) -> sfn_fidelity.Deliver:
    """EventBridge starting a rule's Step Functions target: StartExecution signed with the target's role,
    assumed as events.amazonaws.com with the rule as aws:SourceArn, so its trust and policy are judged
    (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-identity-based.html)."""
    clients: dict[str, Any] = {}
    lock = threading.Lock()

    def deliver(target: dict[str, Any], event: dict[str, Any], rule_arn: str) -> None:
        credentials: dict[str, str] = {"aws_access_key_id": "local", "aws_secret_access_key": "local"}
        if authorizer is not None:
            session = authorizer.assume_role_as_service(
                target["RoleArn"], "events.amazonaws.com", session_name="events", source_arn=rule_arn
            )
            credentials = {
                "aws_access_key_id": session.access_key,
                "aws_secret_access_key": session.secret_key,
                "aws_session_token": session.token,
            }
        with lock:
            key = credentials["aws_access_key_id"]
            if key not in clients:
                clients[key] = boto3.client("stepfunctions", region_name=region, endpoint_url=endpoint, **credentials)
        clients[key].start_execution(stateMachineArn=target["Arn"], name=str(uuid.uuid4()), input=json.dumps(event))  # EventBridge names it

    return deliver


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--state-dir", type=Path, required=True)
    parser.add_argument("--runtime-dir", type=Path, required=True, help="stands in for Lambda's /var/runtime")
    parser.add_argument("--port", type=int, default=0, help="0: any free port")
    parser.add_argument("--api-port", type=int, default=0, help="the HTTP APIs' port; 0: any free port")
    parser.add_argument("--site-port", type=int, default=0, help="the CloudFront distributions' port (HTTPS); 0: any free port")
    parser.add_argument("--ttl", type=float, default=4 * 3600, help="stop after this many seconds")
    parser.add_argument("--parent-pid", type=int, help="stop when this process exits")
    parser.add_argument(
        "--iam",
        choices=["on", "off"],
        default="on",
        help="authorize every request as AWS does (default); off: all are the administrator",
    )
    args = parser.parse_args(argv)

    logging.getLogger("moto.stepfunctions.parser").setLevel(logging.CRITICAL)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    default_user_config["stepfunctions"]["execute_state_machine"] = True
    moto_fidelity.install(conflicts=True)  # DynamoDB's isolation and conflicts; Step Functions' input limit
    cloudfront_fidelity.install()  # response headers policies; origins keep their origin access control
    s3_fidelity.install()  # bucket policies' conditions (aws:SecureTransport)
    args.state_dir.mkdir(parents=True, exist_ok=True)
    # The local Cognito's "e-mail": the codes SignUp and ForgotPassword send (sagatools.emulator.cognito_fidelity).
    os.environ.setdefault("SAGA_COGNITO_MESSAGES", str(args.state_dir.resolve() / "cognito-messages.jsonl"))
    (args.state_dir / USAGE_LOG).unlink(missing_ok=True)  # this endpoint's requests only

    region = os.environ.get("AWS_DEFAULT_REGION", "us-east-1")
    # Every call judged by the policies Terraform deployed, each caller as its own role (iam_enforcement).
    authorizer = Authorizer(region, usage_log=args.state_dir / USAGE_LOG) if args.iam == "on" else None
    if authorizer is not None:
        install_state_machine_identity(authorizer)

    # Bind first: the port must be known before anything (workers, the interpreter) calls back.
    holder: dict[str, Any] = {}
    invocations = LambdaInvokeMiddleware(DomainDispatcherApplication(create_backend_app), service=None)  # type: ignore[arg-type]
    cors = SiteOnlyCors(AuthorizingMiddleware(invocations, authorizer) if authorizer is not None else invocations)
    server = make_server("127.0.0.1", args.port, cors, threaded=True, request_handler=MotoRequestHandler)
    port = server.server_address[1]
    endpoint = f"http://127.0.0.1:{port}"
    os.environ["MOTO_PORT"] = str(port)  # where the interpreter sends its own lambda:invoke calls

    sfn_fidelity.install(deliver=status_event_delivery(endpoint, region, authorizer))

    def log_sink(config: FunctionConfig, stream: str, events: list[LogEvent]) -> None:
        if authorizer is None or function_logs_allowed(authorizer, config, stream):
            put_function_logs(config, stream, events)

    invocations.service = LocalLambdaService(
        state_dir=args.state_dir,
        runtime_dir=args.runtime_dir.resolve(),
        runtime_env={
            "AWS_ENDPOINT_URL": endpoint,
            # Without enforcement, the administrator's; with it, each environment gets its role's.
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_SESSION_TOKEN": "local",
            "POWERTOOLS_TRACE_DISABLED": "true",  # no X-Ray daemon here
        },
        log_sink=log_sink,
        identity=lambda_identity(authorizer) if authorizer is not None else None,
    )

    def invoke(function_arn: str, event: bytes) -> InvokeResult:
        return invocations.service.invoke(function_config(region, function_arn), event)

    def function_policy(function_arn: str) -> str | None:
        try:
            policy: str = json.loads(lambda_backends[DEFAULT_ACCOUNT_ID][region].get_policy(function_arn))["Policy"]
        except Exception:  # noqa: BLE001 - moto's "no policy" / "not found": nothing allows the API
            return None
        return policy

    may_invoke = gateway_may_invoke(authorizer, region) if authorizer is not None else None
    gateway = HttpApiGateway(invoke, region=region, function_policy=function_policy, may_invoke=may_invoke)
    api_server = make_server("127.0.0.1", args.api_port, gateway, threaded=True)
    api_port = api_server.server_address[1]
    threading.Thread(target=api_server.serve_forever, name="http-api", daemon=True).start()

    # CloudFront reads the bucket as cloudfront.amazonaws.com, judged by the bucket policy (the authorizer's, when it enforces).
    cloudfront = LocalCloudFront(may_read=bucket_policy_judged_by(authorizer) if authorizer is not None else bucket_policy_allows)
    cert_path, key_path = certificate(args.state_dir)
    site_server = make_server(
        "127.0.0.1",
        args.site_port,
        cloudfront,
        threaded=True,
        ssl_context=(str(cert_path), str(key_path)),
        request_handler=SiteRequestHandler,
    )
    site_port = site_server.server_address[1]
    cors.origin = f"https://127.0.0.1:{site_port}"  # the booking page's origin: the only one answered CORS
    threading.Thread(target=site_server.serve_forever, name="cloudfront", daemon=True).start()

    def stop(reason: str) -> None:
        if not holder.get("stopping"):
            holder["stopping"] = reason
            threading.Thread(target=server.shutdown, daemon=True).start()
            threading.Thread(target=api_server.shutdown, daemon=True).start()
            threading.Thread(target=site_server.shutdown, daemon=True).start()

    def watchdog() -> None:
        deadline = time.monotonic() + args.ttl
        while time.monotonic() < deadline:
            if args.parent_pid and not alive(args.parent_pid):
                return stop("parent exited")
            time.sleep(0.5)
        stop(f"ttl of {args.ttl:.0f}s reached")

    signal.signal(signal.SIGTERM, lambda *_: stop("SIGTERM"))
    signal.signal(signal.SIGINT, lambda *_: stop("SIGINT"))
    threading.Thread(target=watchdog, daemon=True).start()
    ready = args.state_dir / "ready.json"
    scratch = ready.with_suffix(".tmp")
    api_url = f"http://127.0.0.1:{api_port}"
    site_domain = f"127.0.0.1:{site_port}"
    scratch.write_text(
        json.dumps(
            {
                "port": port,
                "api_port": api_port,
                "site_port": site_port,
                "pid": os.getpid(),
                "endpoint_url": endpoint,
                "api_url": api_url,
                "site_domain": site_domain,
                "site_url": f"https://{site_domain}",
            }
        )
    )
    scratch.replace(ready)
    print(f"workspace endpoint {endpoint}, HTTP APIs {api_url}, CloudFront https://{site_domain} (pid {os.getpid()})", flush=True)
    try:
        server.serve_forever()
    finally:
        invocations.service.close()
        ready.unlink(missing_ok=True)
        print(f"workspace stopped: {holder.get('stopping', 'server ended')}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
