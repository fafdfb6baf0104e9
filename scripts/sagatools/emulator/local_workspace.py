"""The local workspace: a background AWS-compatible endpoint on 127.0.0.1 (sagatools.emulator.endpoint)
with the saga provisioned into it from the same artifacts and settings as a deploy, its outputs written
in the shape of `terraform output -json`. `sagatools.client.workspaces.load("local")` then reads it like
any other workspace."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import boto3

from sagatools.client import inventory
from sagatools.client.workspaces import LOCAL_CREDENTIALS, STATE_DIR, Workspace, WorkspaceError, endpoint_pid, load
from sagatools.contract import asl, catalog
from sagatools.contract.outputs import terraform_output_json
from sagatools.contract.paths import ROOT
from sagatools.contract.settings import DEPLOY_DEFAULTS, state_machine_settings
from sagatools.processes import group_alive

LAMBDA_ARTIFACTS = ROOT / "build" / "lambda"
LOCAL_ARTIFACTS = ROOT / "build" / "local"
REGION = "us-east-1"
PREFIX = "trip-saga-local"


def start(*, state_dir: Path = STATE_DIR, ttl: float = 4 * 3600, port: int = 0, parent_pid: int | None = None) -> Workspace:
    """Start the endpoint in the background, provision it like `terraform apply`, write its outputs."""
    if endpoint_pid(state_dir):
        raise WorkspaceError(f"a local workspace is already running ({state_dir}); `make local-down` stops it")
    zips = [*catalog.load().tables, catalog.load().api.key]
    for artifact in [*(LAMBDA_ARTIFACTS / f"{name}.zip" for name in zips), LOCAL_ARTIFACTS / "dependencies-layer.zip"]:
        if not artifact.exists():
            raise WorkspaceError(f"{artifact.relative_to(ROOT)} is missing: run `make package package-local`")
    process, ready = start_endpoint(state_dir=state_dir, ttl=ttl, port=port, parent_pid=parent_pid)
    endpoint_url = ready["endpoint_url"]
    try:
        outputs = provision(endpoint_url, api_url=ready["api_url"])
    except Exception:
        stop(state_dir=state_dir)
        raise
    outputs_path = state_dir / "outputs.json"
    outputs_path.write_text(json.dumps(outputs, indent=2, sort_keys=True) + "\n")
    (state_dir / "workspace.json").write_text(json.dumps({"endpoint_url": endpoint_url, "outputs": str(outputs_path), "pid": process.pid}))
    return load("local", state_dir=state_dir)


def start_endpoint(
    *, state_dir: Path, ttl: float = 4 * 3600, port: int = 0, parent_pid: int | None = None
) -> tuple[subprocess.Popen[bytes], dict[str, Any]]:
    """The endpoint alone, in the background (its own process group), once it serves: (process, ready.json)."""
    state_dir.mkdir(parents=True, exist_ok=True)
    for stale in ("ready.json", "workspace.json"):
        (state_dir / stale).unlink(missing_ok=True)
    command = [
        sys.executable,
        "-m",
        "sagatools.emulator.endpoint",
        "--state-dir",
        str(state_dir),
        "--runtime-dir",
        str(LOCAL_ARTIFACTS / "runtime"),
    ]
    command += ["--port", str(port), "--ttl", str(ttl)] + (["--parent-pid", str(parent_pid)] if parent_pid else [])
    with (state_dir / "server.log").open("ab") as log:
        # Its own session: `stop` signals the whole group, workers included.
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 60
    while not (state_dir / "ready.json").exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            log_tail = (state_dir / "server.log").read_text()[-2000:]
            raise WorkspaceError(f"the workspace server did not start:\n{log_tail}")
        time.sleep(0.05)
    ready: dict[str, Any] = json.loads((state_dir / "ready.json").read_text())
    return process, ready


def stop(*, state_dir: Path = STATE_DIR, timeout: float = 15) -> bool:
    """Stop the server and every worker it started. False if none was running."""
    pid = endpoint_pid(state_dir)
    info = state_dir / "workspace.json"
    if pid is None and info.exists():
        pid = json.loads(info.read_text()).get("pid")
    if pid is None:
        return False
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            break
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and group_alive(pid):
            time.sleep(0.05)
        if not group_alive(pid):
            break
    for stale in ("ready.json", "workspace.json"):
        (state_dir / stale).unlink(missing_ok=True)
    return True


def provision(endpoint_url: str, *, api_url: str, prefix: str = PREFIX, fault_injection: bool = True) -> dict[str, Any]:
    """Create what the Terraform root module creates, through the AWS APIs, and return its outputs."""
    session = boto3.Session(region_name=REGION, **LOCAL_CREDENTIALS)

    def client(service: str) -> Any:
        return session.client(service, endpoint_url=endpoint_url)

    functions = catalog.load().functions
    kms_key_arn = client("kms").create_key(Description=f"{prefix}: trip-booking saga data at rest")["KeyMetadata"]["Arn"]
    alert_topic_arn = client("sns").create_topic(Name=f"{prefix}-saga-alerts")["TopicArn"]
    dynamodb = client("dynamodb")
    table_names = {service: f"{prefix}-{suffix}" for service, suffix in catalog.load().tables.items()}
    for table in table_names.values():
        dynamodb.create_table(
            TableName=table, SSESpecification={"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": kms_key_arn}, **catalog.TABLE_SCHEMA
        )
    inventory.seed(session.resource("dynamodb", endpoint_url=endpoint_url), table_names)  # what scripts/seed.py seeds
    lambda_client, iam = client("lambda"), client("iam")
    layer_arn = lambda_client.publish_layer_version(
        LayerName=f"{prefix}-dependencies",
        Content={"ZipFile": (LOCAL_ARTIFACTS / "dependencies-layer.zip").read_bytes()},
        CompatibleRuntimes=["python3.12"],
    )["LayerVersionArn"]
    statement: dict[str, Any] = {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
    trust = {"Version": "2012-10-17", "Statement": [statement]}
    function_arns, function_names = {}, {}
    for function in functions:
        name = f"{prefix}-{function.key}"
        role_arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
        created = lambda_client.create_function(
            FunctionName=name,
            Runtime="python3.12",
            Role=role_arn,
            Handler=function.handler,
            Code={"ZipFile": (LAMBDA_ARTIFACTS / f"{function.service}.zip").read_bytes()},
            Timeout=DEPLOY_DEFAULTS["lambda_timeout_seconds"],
            MemorySize=DEPLOY_DEFAULTS["lambda_memory_mb"],
            Environment={"Variables": catalog.function_environment(function, prefix=prefix, fault_injection=fault_injection)},
            Layers=[layer_arn],
            TracingConfig={"Mode": "Active"},
            KMSKeyArn=kms_key_arn,
        )
        function_arns[function.arn_placeholder], function_names[function.key] = created["FunctionArn"], name
    statement["Principal"] = {"Service": "states.amazonaws.com"}
    machine_role = iam.create_role(RoleName=f"{prefix}-booking-saga", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    state_machine_arn = client("stepfunctions").create_state_machine(
        name=f"{prefix}-booking-saga",
        definition=asl.render({**state_machine_settings(), **function_arns, "alert_topic_arn": alert_topic_arn}),
        roleArn=machine_role,
        type="STANDARD",
        tracingConfiguration={"enabled": True},
    )["stateMachineArn"]
    api = provision_api(
        session,
        endpoint_url,
        prefix=prefix,
        role_trust=trust,
        layer_arn=layer_arn,
        kms_key_arn=kms_key_arn,
        environment={"STATE_MACHINE_ARN": state_machine_arn, "TABLE_NAMES": json.dumps(table_names)},
    )
    return terraform_output_json(
        {
            **api,
            "api_url": api_url,
            "region": REGION,
            "workspace": "local",
            "name_prefix": prefix,
            "fault_injection_enabled": fault_injection,
            "state_machine_arn": state_machine_arn,
            "table_names": table_names,
            "function_names": function_names,
            "alert_topic_arn": alert_topic_arn,
            "kms_key_arn": kms_key_arn,
        }
    )


def provision_api(
    session: boto3.Session,
    endpoint_url: str,
    *,
    prefix: str,
    role_trust: dict[str, Any],
    layer_arn: str,
    kms_key_arn: str,
    environment: dict[str, str],
) -> dict[str, Any]:
    """What modules/api creates: the API's function, a Cognito user pool and app client, and the HTTP
    API whose JWT authorizer trusts them, with the function's permission for this API only."""
    cognito, lambda_client, apis = (session.client(name, endpoint_url=endpoint_url) for name in ("cognito-idp", "lambda", "apigatewayv2"))
    pool_id = cognito.create_user_pool(PoolName=f"{prefix}-customers")["UserPool"]["Id"]
    client_id = cognito.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName=f"{prefix}-bookings",
        GenerateSecret=False,
        ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    issuer = f"https://cognito-idp.{session.region_name}.amazonaws.com/{pool_id}"
    api_function = catalog.load().api
    name = f"{prefix}-{api_function.key}"
    role_trust = {**role_trust, "Statement": [{**role_trust["Statement"][0], "Principal": {"Service": "lambda.amazonaws.com"}}]}
    role_arn = session.client("iam", endpoint_url=endpoint_url).create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(role_trust))
    function_arn = lambda_client.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role_arn["Role"]["Arn"],
        Handler=api_function.handler,
        Code={"ZipFile": (LAMBDA_ARTIFACTS / f"{api_function.key}.zip").read_bytes()},
        Timeout=DEPLOY_DEFAULTS["lambda_timeout_seconds"],
        MemorySize=DEPLOY_DEFAULTS["lambda_memory_mb"],
        Environment={"Variables": {**environment, "POWERTOOLS_SERVICE_NAME": "api", "POWERTOOLS_LOG_LEVEL": "INFO"}},
        Layers=[layer_arn],
        TracingConfig={"Mode": "Active"},
        KMSKeyArn=kms_key_arn,
    )["FunctionArn"]
    api_id = apis.create_api(Name=f"{prefix}-bookings", ProtocolType="HTTP")["ApiId"]
    authorizer_id = apis.create_authorizer(
        ApiId=api_id,
        Name="cognito",
        AuthorizerType="JWT",
        IdentitySource=["$request.header.Authorization"],
        JwtConfiguration={"Issuer": issuer, "Audience": [client_id]},
    )["AuthorizerId"]
    integration_id = apis.create_integration(
        ApiId=api_id, IntegrationType="AWS_PROXY", IntegrationUri=function_arn, PayloadFormatVersion="2.0", TimeoutInMillis=29000
    )["IntegrationId"]
    for route_key in ("POST /bookings", "GET /bookings/{booking_id}"):
        apis.create_route(
            ApiId=api_id, RouteKey=route_key, AuthorizationType="JWT", AuthorizerId=authorizer_id, Target=f"integrations/{integration_id}"
        )
    apis.create_stage(
        ApiId=api_id,
        StageName="$default",
        AutoDeploy=True,
        DefaultRouteSettings={
            "ThrottlingBurstLimit": DEPLOY_DEFAULTS["api_throttling_burst_limit"],
            "ThrottlingRateLimit": DEPLOY_DEFAULTS["api_throttling_rate_limit"],
        },
    )
    lambda_client.add_permission(
        FunctionName=name,
        StatementId="bookings-api",
        Action="lambda:InvokeFunction",
        Principal="apigateway.amazonaws.com",
        SourceArn=f"arn:aws:execute-api:{session.region_name}:{function_arn.split(':')[4]}:{api_id}/*/*",
    )
    return {
        "api_function_name": name,
        "jwt_issuer": issuer,
        "jwt_audience": [client_id],
        "user_pool_id": pool_id,
        "user_pool_client_id": client_id,
    }
