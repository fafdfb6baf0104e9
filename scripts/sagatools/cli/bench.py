#!/usr/bin/env python3
"""`make bench`: what the saga costs, measured on this machine, side by side in one run. Prints the
tables and writes them to docs/benchmarks.md. A benchmark, never a test: nothing here passes or fails.

    a. saga time per booking on the local engine, each path, against a floor: the same definition
       with handlers that do nothing (ratio; goal <= 1.3)
    b. DynamoDB requests per booking, each path, against the minimum the design allows
    c. cold-start proxy: importing each function's handler from its packaged zip in a fresh interpreter,
       against `import boto3` (ratio; goal <= 1.5)
    d. packaging: full build, no-op rebuild, artifact sizes
    e. estimated AWS cost per million bookings, each path, with the prices used
    f. the bookings HTTP API on a local workspace: p50 and p99 per route, against a floor: the same
       gateway in front of a function that answers at once
    g. the booking page on that workspace, in Debian's chromium: its first load (bytes and requests), and
       the time from the click on Book to the confirmed view
"""

from __future__ import annotations

import compileall
import datetime as dt
import io
import json
import math
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

from sagatools.cli.package_lambdas import lambda_python, package
from sagatools.client import inventory, samples
from sagatools.client.bookings_api import BookingsApi
from sagatools.client.identity import sign_in
from sagatools.client.workspaces import Workspace
from sagatools.contract import catalog
from sagatools.contract.paths import LAMBDAS, ROOT
from sagatools.contract.settings import DEPLOY_DEFAULTS
from sagatools.emulator import local_workspace
from sagatools.emulator.engine import LocalEngine

PATHS = {"happy path": {}, "flight fails": {"flight": "fail"}, "hotel fails": {"hotel": "fail"}, "payment fails": {"payment": "fail"}}
# A booking's whole life as AWS bills it: its saga, then what runs on its own after it, the reconciliation
# EventBridge starts for every execution that does not succeed, or the customer's cancellation.
LIVES = {
    **{name: (faults, None) for name, faults in PATHS.items()},
    "confirmed, then cancelled": ({}, "cancel"),
    "stopped during ConfirmFlight, reconciled": ({}, "stop"),
}
# Every life ends as its name says, or the figures are another life's: (saga status, error, what runs after it, how that ends).
EXPECTED_END = {
    "happy path": ("SUCCEEDED", None, None, None),
    **{name: ("FAILED", "SagaFailed", "reconciliation", "NothingToReconcile") for name in PATHS if name != "happy path"},
    "confirmed, then cancelled": ("SUCCEEDED", None, "cancellation", "BookingCancelled"),
    "stopped during ConfirmFlight, reconciled": ("ABORTED", None, "reconciliation", "RolledForward"),
}
# Inventory for every life the run books (the samples' defaults: 180 seats, 40 rooms, would sell out).
BENCH_INVENTORY = inventory.inventory_items(
    [inventory.Flight("LH1234", "2027-05-14", 10_000)], [inventory.Hotel("lisbon-alfama-01", "2027-05-10", 14, 10_000)]
)
RUNS = int(os.environ.get("BENCH_RUNS", "25"))
IMPORT_RUNS = int(os.environ.get("BENCH_IMPORT_RUNS", "9"))
API_REQUESTS = int(os.environ.get("BENCH_API_REQUESTS", "200"))
API_STATE = ROOT / "build" / "local-workspace-bench"
# What each function's cold start cannot do without, given its libraries: boto3 with pydantic as the
# models use it, and for the API Powertools' event handler with validation on as well.
IMPORT_FLOORS = {
    "boto3 + pydantic": "import boto3; from pydantic import BaseModel, Field, StrictInt, StringConstraints, WithJsonSchema",
    "boto3 + pydantic + event handler": "import boto3; from pydantic import BaseModel, Field, StrictInt, StringConstraints,"
    " WithJsonSchema; from aws_lambda_powertools.event_handler import APIGatewayHttpResolver;"
    " APIGatewayHttpResolver(enable_validation=True)",
}
# List prices, us-east-1, x86_64 (check the pricing pages for your region and date).
PRICE = {
    "transition": 0.025 / 1000,  # Step Functions Standard, per state transition
    "lambda_request": 0.20 / 1_000_000,
    "lambda_gb_second": 0.0000166667,
    "wru": 0.625 / 1_000_000,  # DynamoDB on-demand write request unit
    "rru": 0.125 / 1_000_000,  # and read request unit
}
READS = ("GetItem", "Query", "TransactGetItems", "BatchGetItem")


def table(headers: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def live(
    engine: LocalEngine, name: str, booking_id: str, faults: dict[str, str], then: str | None
) -> tuple[float, list[str], float | None]:
    """One booking's life: the saga's seconds, every execution it took (saga, cancellation, reconciliation)
    and, when the saga did not succeed, the seconds from its end to its reconciliation's. A life that
    ends otherwise than its name says stops the run."""
    if then == "stop":
        engine.stop_when_invoked(engine.saga.execution_arn(booking_id), "confirm-flight")
    started = time.perf_counter()
    arn = engine.start(samples.booking_request(booking_id, faults=faults or None))
    ended = engine.wait(arn)
    seconds, executions, delay = time.perf_counter() - started, [arn], None
    if then == "cancel":
        executions.append(engine.saga.cancel(arn))
        engine.wait(executions[-1])
    if ended["status"] != "SUCCEEDED":
        reconciliation = engine.saga.reconciliations(arn, ended=1, timeout=60)[-1]
        executions.append(reconciliation["executionArn"])
        delay = (reconciliation["stopDate"] - ended["stopDate"]).total_seconds()
    if not engine.stub_handlers:
        after = engine.saga.path(executions[1])[-1] if len(executions) > 1 else None
        kind = None if len(executions) == 1 else "cancellation" if then == "cancel" else "reconciliation"
        if (ended["status"], ended.get("error"), kind, after) != EXPECTED_END[name]:
            raise RuntimeError(f"{name} ({booking_id}) ended {ended['status']}/{ended.get('error')}, then {kind} {after}")
    return seconds, executions, delay


def transitions(history: list[dict[str, Any]]) -> int:
    """Billed state transitions: every state entered, and each retry of a task (another TaskScheduled)."""
    entered = sum(1 for e in history if e["type"].endswith("StateEntered"))
    return entered + sum(1 for e in history if e["type"] == "TaskScheduled") - sum(1 for e in history if e["type"] == "TaskStateEntered")


def saga_times() -> tuple[dict[str, float], dict[str, float], dict[str, dict[str, Any]], tuple[float, float], list[float]]:
    """Median seconds per booking's saga (real handlers, stub handlers), per-life usage of the real run,
    the real handlers' mean time per invocation with the part of it spent in DynamoDB (moto), and every
    reconciliation delay seen."""
    medians: dict[bool, dict[str, float]] = {}
    usage: dict[str, dict[str, Any]] = {}
    split = (0.0, 0.0)
    delays: list[float] = []
    for stub in (False, True):
        with LocalEngine(prefix=f"bench-{'floor' if stub else 'real'}", stub_handlers=stub, inventory_items=BENCH_INVENTORY) as engine:
            engine.run(samples.booking_request("warm-up"))  # imports and first clients out of the way
            medians[stub] = {}
            lives = {name: (faults, None) for name, faults in PATHS.items()} if stub else LIVES  # stubs cannot cancel
            for name, (faults, then) in lives.items():
                times = []
                for n in range(RUNS):
                    requests, durations = len(engine.dynamodb_requests), len(engine.durations)
                    invocations = len(engine.invocations)
                    seconds, executions, delay = live(engine, name, f"{name.replace(' ', '-').replace(',', '')}-{n}", faults, then)
                    times.append(seconds)
                    delays += [delay] if delay is not None and not stub else []
                    if not stub and n == RUNS - 1:
                        made = engine.dynamodb_requests[requests:]
                        usage[name] = {
                            "paths": [engine.saga.path(arn) for arn in executions],
                            "transitions": sum(transitions(engine.saga.history(arn)) for arn in executions),
                            "requests": Counter(f"{f.removeprefix('bench-real-')}:{op}" for f, op, _ in made),
                            # a transactional write costs 2 WRU per item, any other write 1 (items under 1 KB)
                            "wru": sum(2 * items if op == "TransactWriteItems" else 1 for _, op, items in made if op not in READS),
                            # a strongly consistent read of an item under 4 KB costs 1 RRU, transactional 2
                            "rru": sum(2 * items if op == "TransactGetItems" else 1 for _, op, items in made if op in READS),
                            "invocations": len(engine.invocations) - invocations,
                            "durations": engine.durations[durations:],
                        }
                medians[stub][name] = statistics.median(times)
            if not stub:
                split = (sum(engine.durations) / len(engine.durations), engine.dynamodb_seconds / len(engine.durations))
    return medians[False], medians[True], usage, split, delays


def minimum_requests(paths: list[list[str]], faults: dict[str, str]) -> int:
    """One write per task that must write: every forward step that gets as far as writing, and every
    confirmation, compensation and cancellation step (a compensation at least leaves a tombstone)."""
    functions = {function.state: function for function in catalog.load().functions}
    return sum(
        1
        for path in paths
        for state in path
        if state in functions and not (functions[state].kind == "reserve" and faults.get(functions[state].fault_key) == "fail")
    )


def function_code(scratch: Path) -> tuple[dict[str, tuple[Path, str]], list[str]]:
    """Each function's code unpacked as Lambda unpacks it (into /var/task), with its handler module; a
    function whose zip is not built is read from the source tree (named in the second value)."""
    handlers = {service: f"handlers.{service}" for service in catalog.load().tables}
    handlers[catalog.load().api.key] = catalog.load().api.handler.rsplit(".", 1)[0]
    code: dict[str, tuple[Path, str]] = {}
    from_source = []
    for name, module in handlers.items():
        directory = scratch / name
        artifact = ROOT / "build" / "lambda" / f"{name}.zip"
        if artifact.exists():
            with zipfile.ZipFile(artifact) as archive:
                archive.extractall(directory)
        else:
            from_source.append(name)
            for part in ("handlers", "trip_saga"):
                shutil.copytree(LAMBDAS / part, directory / part, ignore=shutil.ignore_patterns("__pycache__"))
            shutil.copy(LAMBDAS / "functions.json", directory)
        code[name] = (directory, module)
    return code, from_source


def import_times(
    baseline: tuple[list[Path], str], targets: dict[str, tuple[list[Path], str]]
) -> tuple[dict[str, float], dict[str, float], float]:
    """CPU time (user + system) of a fresh interpreter running each target's import statement with its
    PYTHONPATH, and the baseline's: the median seconds of each, and the median of each target's ratio to
    the baseline run just before it. CPU time, not wall time: on a machine shared with other work, wall
    time also counts the wait for a core. Pairs, because the load that is left still comes and goes."""
    environment = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "POWERTOOLS_TRACE_DISABLED": "false"}

    def cpu_seconds(path: list[Path], statement: str) -> float:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        variables = {**environment, "PYTHONPATH": os.pathsep.join(str(part) for part in path)}
        subprocess.run([sys.executable, "-S", "-c", statement], env=variables, check=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        return after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime

    seconds: dict[str, list[float]] = {name: [] for name in targets}
    ratios: dict[str, list[float]] = {name: [] for name in targets}
    baselines = []
    for _ in range(IMPORT_RUNS):
        for name, target in targets.items():
            baselines.append(cpu_seconds(*baseline))
            seconds[name].append(cpu_seconds(*target))
            ratios[name].append(seconds[name][-1] / baselines[-1])
    medians = {name: statistics.median(values) for name, values in seconds.items()}
    return medians, {name: statistics.median(values) for name, values in ratios.items()}, statistics.median(baselines)


# -- f. the bookings API on a local workspace -----------------------------------------------------------
FLOOR_SOURCE = 'def handler(event, context):\n    return {"statusCode": 200, "body": "{}"}\n'


def percentile(values: list[float], fraction: float) -> float:
    """Nearest rank: the smallest value with at least `fraction` of the values at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def bench_booking(n: int) -> dict[str, Any]:
    """The sample booking, spread over the seeded flights and hotel nights (one seat, one night) so that
    some 480 can all be confirmed; the customer is left out, for the token's subject to fill in."""
    request = samples.booking_request(f"bench-api-{n:04d}")
    flight, hotel = inventory.FLIGHTS[n % len(inventory.FLIGHTS)], inventory.HOTELS[n % len(inventory.HOTELS)]
    check_in = dt.date.fromisoformat(hotel.first_night) + dt.timedelta(days=(n // len(inventory.HOTELS)) % hotel.nights)
    del request["customer"]["customer_id"]
    request["flight"] |= {"flight_number": flight.number, "departure_date": flight.date, "passengers": 1}
    request["hotel"] |= {"hotel_id": hotel.hotel_id, "check_in": check_in.isoformat(), "check_out": str(check_in + dt.timedelta(days=1))}
    return request


def floor_api(workspace: Workspace, bookings_api: dict[str, Any]) -> str:
    """Beside the bookings API: a function that answers at once, behind a second HTTP API configured as
    the first (the same JWT authorizer, routes, payload format 2.0 and throttling). Its id."""
    lambda_client, apis, iam = workspace.client("lambda"), workspace.client("apigatewayv2"), workspace.client("iam")
    name = "bench-floor"
    trust = {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
    role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [trust]}))
    # Its logs written as the API function's are: the local Lambda service ships them before it answers, for a role allowed to.
    writes_logs = {
        "Effect": "Allow",
        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": f"arn:aws:logs:*:*:log-group:/aws/lambda/{name}:*",
    }
    iam.put_role_policy(RoleName=name, PolicyName="logs", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [writes_logs]}))
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("index.py", FLOOR_SOURCE)
    function_arn = lambda_client.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role["Role"]["Arn"],
        Handler="index.handler",
        Code={"ZipFile": code.getvalue()},
        Timeout=DEPLOY_DEFAULTS["lambda_timeout_seconds"],
        MemorySize=DEPLOY_DEFAULTS["lambda_memory_mb"],
    )["FunctionArn"]
    api_id: str = apis.create_api(Name=name, ProtocolType="HTTP")["ApiId"]
    routes = apis.get_routes(ApiId=bookings_api["ApiId"])["Items"]
    authorizer = apis.get_authorizer(ApiId=bookings_api["ApiId"], AuthorizerId=routes[0]["AuthorizerId"])
    authorizer_id = apis.create_authorizer(
        ApiId=api_id,
        Name=authorizer["Name"],
        AuthorizerType=authorizer["AuthorizerType"],
        IdentitySource=authorizer["IdentitySource"],
        JwtConfiguration=authorizer["JwtConfiguration"],
    )["AuthorizerId"]
    integration_id = apis.create_integration(
        ApiId=api_id, IntegrationType="AWS_PROXY", IntegrationUri=function_arn, PayloadFormatVersion="2.0", TimeoutInMillis=29000
    )["IntegrationId"]
    for route in routes:
        apis.create_route(
            ApiId=api_id,
            RouteKey=route["RouteKey"],
            AuthorizationType="JWT",
            AuthorizerId=authorizer_id,
            Target=f"integrations/{integration_id}",
        )
    throttling = apis.get_stage(ApiId=bookings_api["ApiId"], StageName="$default").get("DefaultRouteSettings", {})
    apis.create_stage(ApiId=api_id, StageName="$default", AutoDeploy=True, DefaultRouteSettings=throttling)
    lambda_client.add_permission(
        FunctionName=name,
        StatementId="bench-floor-api",
        Action="lambda:InvokeFunction",
        Principal="apigateway.amazonaws.com",
        SourceArn=f"arn:aws:execute-api:{workspace.session.region_name}:{function_arn.split(':')[4]}:{api_id}/*/*",
    )
    return api_id


PAGE_BOOKINGS = 10
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")  # as the Makefile's `browser` target


def page_figures(workspace: Workspace) -> dict[str, Any]:
    """The booking page as a customer meets it: what a first load (an empty cache) fetches, through the
    workspace's CloudFront (compressed where the browser asks), and how long from the click on Book
    until the page shows the booking confirmed, polling included."""
    from playwright.sync_api import expect, sync_playwright  # the bench's own: not every caller has a browser

    password = "Bench-page-secret-1!"
    username = "bench-page-customer"
    sign_in(workspace, username, password)
    site_url = workspace.outputs["site_url"]
    flags = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-sync"]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=flags)
        context = browser.new_context(ignore_https_errors=True)  # the local CloudFront's certificate is its own
        page = context.new_page()
        loaded: list[Any] = []
        page.on("requestfinished", lambda request: loaded.append(request))
        page.goto(site_url)
        expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
        page.wait_for_load_state("networkidle")
        first_load = [(request.url, request.sizes()) for request in loaded]
        page.get_by_label("User name or e-mail").fill(username)
        page.get_by_label("Password", exact=True).fill(password)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("heading", name="Book a trip")).to_be_visible()
        to_confirmed = []
        for _ in range(PAGE_BOOKINGS + 1):  # the first warms the path: its time is left out
            page.goto(f"{site_url}#/")
            expect(page.get_by_role("button", name="Book", exact=True)).to_be_enabled()
            started = time.monotonic()
            page.get_by_role("button", name="Book", exact=True).click()
            page.wait_for_url(re.compile(r"#/bookings/trip-"))
            expect(page.locator("#booking-status")).to_have_text("confirmed", timeout=120_000)
            to_confirmed.append(time.monotonic() - started)
        browser.close()
    return {
        "requests": len(first_load),
        "bytes": sum(sizes["responseBodySize"] + sizes["responseHeadersSize"] for _, sizes in first_load),
        "by file": {url.rsplit("/", 1)[-1] or "index.html": sizes["responseBodySize"] for url, sizes in first_load},
        "to confirmed": to_confirmed[1:],
    }


def api_latencies() -> tuple[dict[str, dict[str, list[float]]], list[float], dict[str, Any]]:
    """Seconds per request, by route, for the bookings API and the floor, on a fresh local workspace, and
    the seconds of a GetItem of a booking's record straight to the endpoint (what a GET from the record calls).
    Requests are sequential and alternate between the two APIs; each POST's saga ends before the next
    request (on AWS the saga runs elsewhere, here it would share the two cores with the API)."""
    local_workspace.stop(state_dir=API_STATE)  # a leftover from an interrupted run
    workspace = local_workspace.start(state_dir=API_STATE, ttl=1800, parent_pid=os.getpid())
    try:
        page = page_figures(workspace)  # first: the page calls the gateway by its URL, which serves the only API
        (bookings_api,) = workspace.client("apigatewayv2").get_apis()["Items"]  # the only one, until the floor's
        floor_id = floor_api(workspace, bookings_api)
        customer = sign_in(workspace, "bench-customer")
        token = customer.access_token
        # The floor first: its request then meets no saga still running from the one before.
        clients = {
            "floor": BookingsApi(workspace.outputs["api_url"], token, host=f"{floor_id}.execute-api.localhost"),
            "bookings API": BookingsApi(workspace.outputs["api_url"], token, host=f"{bookings_api['ApiId']}.execute-api.localhost"),
        }
        saga = workspace.saga()
        expected = {("POST", "bookings API"): 202, ("GET", "bookings API"): 200, ("POST", "floor"): 200, ("GET", "floor"): 200}
        last_start = dict.fromkeys(clients, 0.0)

        def timed(name: str, method: str, booking: dict[str, Any]) -> float:
            # At most 40 requests a second to either API: the stage throttles at 50.
            time.sleep(max(0.0, last_start[name] + 0.025 - time.monotonic()))
            last_start[name] = started = time.monotonic()
            api = clients[name]
            answer = api.create(booking) if method == "POST" else api.get(booking["booking_id"])
            elapsed = time.monotonic() - started
            if answer.status != expected[(method, name)]:
                raise RuntimeError(f"{method} to the {name}: {answer.status} {answer.body}")
            return elapsed

        # Warm: every function's execution environment started and through its first request, on both APIs.
        for n in range(3):
            warm_up = bench_booking(9000 + n)
            for name in clients:
                timed(name, "POST", warm_up)
            saga.wait(saga.execution_arn(warm_up["booking_id"]))
            for name in clients:
                timed(name, "GET", warm_up)
        latencies: dict[str, dict[str, list[float]]] = {
            "POST /bookings": {name: [] for name in clients},
            # The first GET after the saga ended reads it live and keeps the final view in the record;
            # every later one (a page that polls, the list) reads the record alone.
            "GET /bookings/{booking_id}, first read": {name: [] for name in clients},
            "GET /bookings/{booking_id}, again": {name: [] for name in clients},
        }
        bookings = [bench_booking(n) for n in range(API_REQUESTS)]
        for booking in bookings:
            for name in clients:
                latencies["POST /bookings"][name].append(timed(name, "POST", booking))
            saga.wait(saga.execution_arn(booking["booking_id"]))
        for route in latencies:
            for booking in bookings if route.startswith("GET") else []:
                for name in clients:
                    latencies[route][name].append(timed(name, "GET", booking))
        dynamodb, get_items = workspace.client("dynamodb"), []
        for booking in bookings:
            started = time.monotonic()
            key = {"pk": {"S": f"CUSTOMER#{customer.customer_id}"}, "sk": {"S": f"BOOKING#{booking['booking_id']}"}}
            found = dynamodb.get_item(TableName=workspace.outputs["bookings_table_name"], Key=key, ConsistentRead=True)
            get_items.append(time.monotonic() - started)
            if "view" not in found.get("Item", {}):
                raise RuntimeError(f"no record with a view for {booking['booking_id']}: {found}")
        return latencies, get_items, page
    finally:
        local_workspace.stop(state_dir=API_STATE)


def main() -> int:
    measured = f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()}, {os.cpu_count()} cores"
    report = [f"# Benchmarks\n\nMeasured {measured}, Python {platform.python_version()}. Reproduce: `make bench` (BENCH_RUNS={RUNS}).\n"]

    # d. packaging first: the other measurements use the artifacts
    with tempfile.TemporaryDirectory() as scratch:
        started = time.perf_counter()
        built = package("lambda", force=True, out=Path(scratch))
        full = time.perf_counter() - started
        started = time.perf_counter()
        package("lambda", out=Path(scratch))
        noop = time.perf_counter() - started
        sizes = [[a.name, f"{a.path.stat().st_size / 1024:.1f} KiB", a.sha256[:16]] for a in built]
    package("local")

    real, floor, usage, (per_invocation, in_dynamodb), delays = saga_times()
    rows_a = [[name, f"{real[name] * 1000:.0f} ms", f"{floor[name] * 1000:.0f} ms", f"{real[name] / floor[name]:.2f}"] for name in PATHS]
    report += [
        "## a. Saga time per booking (local engine, median)\n",
        table(["path", "real handlers", "floor (handlers do nothing)", "ratio (goal ≤ 1.3)"], rows_a),
        f"\nA real handler invocation takes {per_invocation * 1000:.1f} ms on average, {in_dynamodb * 1000:.1f} ms of it in"
        " DynamoDB requests (moto).\n",
    ]

    rows_b = []
    for name, (faults, _) in LIVES.items():
        used = usage[name]
        total = sum(used["requests"].values())
        detail = ", ".join(f"{key} x{count}" for key, count in sorted(used["requests"].items()))
        rows_b.append([name, total, minimum_requests(used["paths"], faults), detail])
    above = ", ".join(f"{row[0]} ({row[1] - row[2]})" for row in rows_b if row[1] > row[2]) or "none"
    all_reads = all(row[1] - row[2] == sum(n for key, n in usage[row[0]]["requests"].items() if key.endswith(":GetItem")) for row in rows_b)
    report += [
        "## b. DynamoDB requests per booking's life\n",
        table(["life", "requests", "minimum", "by function and operation"], rows_b),
        "\nA life is the booking saga and what runs after it on its own: the reconciliation EventBridge starts for every"
        " execution that does not succeed, or the customer's cancellation. The minimum is one write per task that must"
        " write: each forward step that gets as far as writing, and each confirmation, compensation and cancellation step"
        f" (a compensation at least leaves a tombstone). Above the minimum: {above}"
        + (
            ": every one a GetItem, a compensation, cancellation or reconciliation step reading the item it acts on first (the"
            " units stored with it, the execution that owns it, whether it landed or was confirmed) so that it writes only what it must."
            if all_reads
            else "."
        )
        + "\n",
    ]

    # Three ways each function can load, all in one interleaved run so that every column meets the same
    # load: the layer with bytecode ("layer"), without ("none"), and its own code with bytecode too ("code").
    with tempfile.TemporaryDirectory() as scratch:
        layers = {"layer": Path(scratch) / "layer", "none": Path(scratch) / "layer-without-bytecode"}
        for directory in layers.values():
            with zipfile.ZipFile(ROOT / "build" / "local" / "dependencies-layer.zip") as layer_zip:
                layer_zip.extractall(directory)
        for pyc in layers["none"].rglob("*.pyc"):
            pyc.unlink()
        runtime = ROOT / "build" / "local" / "runtime"
        code, from_source = function_code(Path(scratch) / "code")
        compiled, _ = function_code(Path(scratch) / "code-with-bytecode")
        for directory, _ in compiled.values():
            compileall.compile_dir(directory, quiet=1)
        targets: dict[str, tuple[list[Path], str]] = {}
        for variant, functions_code, layer in (
            ("layer", code, layers["layer"]),
            ("none", code, layers["none"]),
            ("code", compiled, layers["layer"]),
        ):
            targets |= {
                f"{variant}:{name}": ([directory, layer / "python", runtime], f"import {module}")
                for name, (directory, module) in functions_code.items()
            }
        for variant, layer in layers.items():
            targets |= {f"{variant}:{name}": ([layer / "python", runtime], statement) for name, statement in IMPORT_FLOORS.items()}
        times, ratios, baseline = import_times(([layers["layer"] / "python", runtime], "import boto3"), targets)
    with_bytecode, without_bytecode, code_bytecode = (
        {key.split(":", 1)[1]: value for key, value in times.items() if key.startswith(f"{variant}:")}
        for variant in ("layer", "none", "code")
    )
    ratio = {
        variant: {key.split(":", 1)[1]: value for key, value in ratios.items() if key.startswith(f"{variant}:")}
        for variant in ("layer", "none", "code")
    }
    functions = list(code)
    rows_c = [
        [
            f"{name}{' (source tree: zip not built)' if name in from_source else ''}",
            f"{with_bytecode[name] * 1000:.0f} ms",
            f"**{ratio['layer'][name]:.2f}**",
            f"{without_bytecode[name] * 1000:.0f} ms",
            f"{ratio['none'][name]:.2f}",
            f"{code_bytecode[name] * 1000:.0f} ms",
            f"{ratio['code'][name]:.2f}",
        ]
        for name in functions
    ]
    rows_c += [
        [
            f"*floor: {name}*",
            f"{with_bytecode[name] * 1000:.0f} ms",
            f"{ratio['layer'][name]:.2f}",
            f"{without_bytecode[name] * 1000:.0f} ms",
            f"{ratio['none'][name]:.2f}",
            "",
            "",
        ]
        for name in IMPORT_FLOORS
    ]
    saga_floor, api_floor = (ratio["layer"][name] for name in IMPORT_FLOORS)
    api_key = catalog.load().api.key
    saga_functions = [name for name in functions if name != api_key]
    saga_worst = max(ratio["layer"][name] for name in saga_functions)
    lambda_layer = (
        "The Lambda layer built on this machine carries bytecode."
        if lambda_python()
        else "The Lambda layer built on this machine carries no bytecode (no CPython 3.12 here, see `make package`): on"
        " Lambda, its functions would import as in the without-bytecode columns."
    )

    def spent(over: float, under: float) -> str:
        """The milliseconds between two ratios of this run, or what can be said when noise hides them."""
        return f"{(over - under) * baseline * 1000:.0f} ms" if over > under else "too little to tell from this run's noise"

    api_ratio, code_worst = ratio["layer"][api_key], max(ratio["code"][name] for name in saga_functions)
    report += [
        f"## c. Cold-start proxy: import a function's handler from its zip in a fresh interpreter (CPU time, {IMPORT_RUNS} runs each)\n",
        f"Baseline `import boto3` (what the runtime provides, with bytecode): {baseline * 1000:.0f} ms. Each zip is unpacked as"
        " Lambda unpacks it. CPU time (user + system), not wall time: on this shared machine wall time also counts the wait"
        " for a core that other work holds. All runs interleave, and a ratio is the median of a function's runs each against"
        " an `import boto3` run just before it, so every column meets the same load. The floors import only what a function"
        " cannot do without: boto3 and pydantic as the models use it, and for the API Powertools' HTTP API resolver with"
        f" validation on. {lambda_layer}\n",
        table(
            [
                "function",
                "layer with bytecode",
                "ratio (goal ≤ 1.5)",
                "layer without bytecode",
                "ratio",
                "layer and function code with bytecode",
                "ratio",
            ],
            rows_c,
        ),
        "\nA handler loads only what its requests need (tests/unit/test_cold_start.py holds it to that): no X-Ray SDK"
        " (tracing is Lambda's active tracing, which needs none; Powertools' Tracer imported the SDK and wrapt and patched"
        " botocore, nearly as much again as boto3), no Powertools parser (the models validate themselves) and, in the API,"
        " none of Powertools' OpenAPI models (only `openapi_document()` needs them). What is left is what serves a request:\n",
        f"- **pydantic**, {spent(saga_floor, 1)} on top of boto3 (the first floor, {saga_floor:.2f}): pydantic-core's schema"
        " types, annotated-types and the validators the models use. Every function validates its input with the saga's models.",
        f"- **The saga functions' own work**, {spent(saga_worst, saga_floor)} over that floor at most: their modules, compiled"
        f" on every cold start (the zips carry no bytecode and /var/task is read-only: {spent(saga_worst, code_worst)}, the"
        " last column), the models' schemas built (the first request needs them), the step catalog read, Powertools' Logger"
        " and metrics.",
        f"- **The API's event handler**, {spent(api_floor, saga_floor)} more (the second floor, {api_floor:.2f}): importing"
        " Powertools' HTTP API resolver runs its package's `__init__`, which imports every resolver (AppSync, with asyncio;"
        " Bedrock agents; VPC Lattice; function URLs) and every event data class; validation adds the OpenAPI compatibility"
        f" layer. The API function's own modules (the saga's models among them) and Logger: {spent(api_ratio, api_floor)}.\n",
        f"The API's floor alone is {api_floor:.2f}; the saga functions' is {saga_floor:.2f}, and they are at"
        f" {saga_worst:.2f} at worst. What would get there, nearest first: the functions' own code compiled into their zips by"
        f" a CPython 3.12, as the layer's is (the last column: {code_worst:.2f} at worst for the saga functions); for the API,"
        " a resolver that imports only the HTTP API's path (Powertools importing its resolvers lazily, or the two routes"
        " dispatched by hand with the same pydantic validation); below the floors, validating without pydantic (hand-written"
        " checks instead of the models the contract is generated from: not sensible), or not importing per cold start at"
        " all: Lambda SnapStart for Python restores an initialised snapshot, provisioned concurrency keeps environments"
        " initialised.\n",
    ]

    report += [
        "## d. Packaging\n",
        f"Full build (`make package`, forced): {full:.1f} s. No-op rebuild: {noop * 1000:.0f} ms.\n",
        table(["artifact", "size", "sha256"], sizes),
        "",
    ]

    rows_e = []
    memory_gb = DEPLOY_DEFAULTS["lambda_memory_mb"] / 1024
    for name in LIVES:
        used = usage[name]
        wru = used["wru"]
        gb_seconds = sum(max(d, 0.001) for d in used["durations"]) * memory_gb
        cost = {
            "transitions": used["transitions"] * PRICE["transition"],
            "lambda": used["invocations"] * PRICE["lambda_request"] + gb_seconds * PRICE["lambda_gb_second"],
            "dynamodb": wru * PRICE["wru"] + used["rru"] * PRICE["rru"],
        }
        rows_e.append(
            [
                name,
                used["transitions"],
                used["invocations"],
                f"{gb_seconds:.4f}",
                f"{wru} / {used['rru']}",
                f"${cost['transitions'] * 1e6:,.2f}",
                f"${cost['lambda'] * 1e6:,.2f}",
                f"${cost['dynamodb'] * 1e6:,.2f}",
                f"**${sum(cost.values()) * 1e6:,.2f}**",
            ]
        )
    report += [
        "## e. Estimated AWS cost per million bookings, by life\n",
        table(
            [
                "life",
                "state transitions",
                "Lambda invocations",
                "GB-s",
                "DynamoDB WRU / RRU",
                "Step Functions",
                "Lambda",
                "DynamoDB",
                "total per 1M",
            ],
            rows_e,
        ),
        f"\nPrices (us-east-1 list, x86_64): Step Functions Standard ${PRICE['transition'] * 1000:.3f} per 1,000 state transitions;"
        f" Lambda $0.20 per 1M requests and ${PRICE['lambda_gb_second']} per GB-second at {DEPLOY_DEFAULTS['lambda_memory_mb']} MB;"
        " DynamoDB on-demand $0.625 per 1M write and $0.125 per 1M read request units (a transactional write costs 2 WRU"
        " per item, items under 1 KB; a strongly consistent read 1 RRU, under 4 KB)."
        " Lambda durations are the local engine's handler times (moto, not DynamoDB): real ones differ, but at these"
        " prices the state transitions dominate. Logs, X-Ray, KMS requests, SNS alerts, EventBridge's status-change events"
        " (aws.amazon.com/eventbridge/pricing) and data transfer are left out.\n",
        f"Reconciliation delay, from a saga's unsuccessful end to its reconciliation's end (local engine, {len(delays)}"
        f" lives): median {statistics.median(delays):.2f} s, worst {max(delays):.2f} s. On AWS, EventBridge's delivery"
        " of the status-change event comes on top.\n",
    ]

    latencies, get_items, page = api_latencies()
    rows_f = []
    for route, by_api in latencies.items():
        served, floor_served = by_api["bookings API"], by_api["floor"]
        rows_f.append(
            [
                route,
                f"{percentile(served, 0.5) * 1000:.1f} ms",
                f"{percentile(served, 0.99) * 1000:.1f} ms",
                f"{percentile(floor_served, 0.5) * 1000:.1f} ms",
                f"{percentile(floor_served, 0.99) * 1000:.1f} ms",
                f"{(percentile(served, 0.5) - percentile(floor_served, 0.5)) * 1000:.1f} ms",
            ]
        )
    report += [
        f"## f. The bookings API on the local workspace ({API_REQUESTS} requests per route)\n",
        table(["route", "bookings API p50", "p99", "floor p50", "p99", "the API function's own (p50)"], rows_f),
        "\nThrough the local API Gateway (JWT authorizer, payload format 2.0, the warm Lambda workers) from one client, one"
        " request at a time, alternating with the floor: a second HTTP API on the same gateway, configured alike, in front"
        ' of a function that returns `{"statusCode": 200, "body": "{}"}` at once. The difference is what the API'
        " function costs: validation, the problem and view models, and its AWS calls to the local endpoint (moto):"
        " StartExecution and the customer's record (PutItem) for a POST; for a GET, see the goals below. Every"
        " environment is warmed first; each POST's saga ends before the next request, as on AWS, where it would not share"
        " the machine with the API. p99 is the nearest rank.\n",
    ]

    clicks = page["to confirmed"]
    report += [
        "## g. The booking page on the local workspace (Debian's chromium, headless)\n",
        f"First load, an empty cache, to the sign-in form: **{page['requests']} requests, {page['bytes'] / 1024:.1f} KiB**"
        " on the wire (headers included; CloudFront compresses what the browser accepts). Bodies as sent: "
        + ", ".join(f"{name} {size / 1024:.1f} KiB" for name, size in page["by file"].items())
        + ".\n",
        f"From the click on Book to the confirmed view ({len(clicks)} bookings, one at a time, after one to warm up):"
        f" median **{statistics.median(clicks):.2f} s**, worst {max(clicks):.2f} s. That is the POST, the saga's six steps"
        " on the local Lambda workers and endpoint, and the page's polling of GET /bookings/{id} (every 250 ms, then"
        " 1.3 times longer each time, at most 2 s), which sets how soon after the saga's end the page shows it.\n",
    ]

    over_a = [name for name in PATHS if real[name] / floor[name] > 1.3]
    get_ratios = {
        route.removeprefix("GET /bookings/{booking_id}, "): percentile(by_api["bookings API"], 0.5) / percentile(by_api["floor"], 0.5)
        for route, by_api in latencies.items()
        if route.startswith("GET")
    }
    over_c = [name for name in functions if ratio["layer"][name] > 1.5]
    report += [
        "## Against the goals\n",
        f"- **a (≤ 1.3):** {'met on every path' if not over_a else 'not met on ' + ', '.join(over_a)}. What a handler adds over the"
        f" floor is almost all moto's DynamoDB ({in_dynamodb * 1000:.1f} of {per_invocation * 1000:.1f} ms per invocation): moto"
        " copies every table on each TransactWriteItems, and the compensation paths run the most transactions. The handlers'"
        f" own work (validation, Powertools, building the request) is {(per_invocation - in_dynamodb) * 1000:.1f} ms; against"
        " DynamoDB the ratio is set by its latency, not by this code.",
        f"- **c (≤ 1.5):** {'met by every function' if not over_c else 'not met by ' + ', '.join(over_c)}"
        f" (worst {max(ratio['layer'][name] for name in functions):.2f}). boto3 with pydantic alone is {saga_floor:.2f}, with"
        f" Powertools' event handler too {api_floor:.2f}: see c for what is left and what would get there.",
        "- **f (a GET within 1.3 of the floor, p50):** "
        + "; ".join(f"{route} {r:.2f}{'' if r <= 1.3 else ' (not met)'}" for route, r in get_ratios.items())
        + ". A first read after the end calls DescribeExecution and GetExecutionHistory of the saga (and of its cancellation,"
        " once asked for), a GetItem per service and of the record, then writes the final view into the record; from then"
        f" on a GET is that one GetItem, which alone takes {percentile(get_items, 0.5) * 1000:.1f} ms (p50) straight to the"
        " local endpoint as the administrator. What else the local Lambda service adds for a function that calls AWS as its"
        " own role (its credentials, the authorizer judging its identity and key policies, a larger answer) is not measured"
        " apart here.",
        "",
    ]
    text = "\n".join(report)
    (ROOT / "docs").mkdir(exist_ok=True)
    (ROOT / "docs" / "benchmarks.md").write_text(text)
    print(text)
    print("written to docs/benchmarks.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
