"""The bookings HTTP API's handler, driven with API Gateway HTTP API (payload format 2.0) events, as its
JWT authorizer passes them on, against the saga on the local engine."""

from __future__ import annotations

import importlib
import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from sagatools.contract import catalog
from sagatools.contract.paths import CATALOG
from sagatools.emulator.engine import LocalContext, LocalEngine
from trip_saga import api
from trip_saga.errors import InvalidBookingRequest
from trip_saga.models import MAX_REQUEST_BYTES, BookingRequest, parse_model

pytestmark = pytest.mark.moto

CUSTOMER = "cust-0042"  # the customer of samples.booking_request
PROBLEM = "application/problem+json"


def http_event(method: str, path: str, *, body: Any = None, sub: str | None = CUSTOMER, raw_body: str | None = None) -> dict[str, Any]:
    """An APIGatewayProxyEventV2 as an HTTP API with a JWT authorizer sends it (no authorizer without a token)."""
    route_key = f"{method} /bookings" if path == "/bookings" else f"{method} /bookings/{{booking_id}}"
    context: dict[str, Any] = {
        "accountId": "123456789012",
        "apiId": "trip-api",
        "domainName": "trip-api.execute-api.us-east-1.amazonaws.com",
        "domainPrefix": "trip-api",
        "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "192.0.2.1", "userAgent": "pytest"},
        "requestId": uuid.uuid4().hex,
        "routeKey": route_key,
        "stage": "$default",
        "time": "29/Nov/2026:16:00:00 +0000",
        "timeEpoch": 1795881600000,
    }
    if sub is not None:
        context["authorizer"] = {"jwt": {"claims": {"sub": sub, "token_use": "access"}, "scopes": None}}
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": path,
        "rawQueryString": "",
        "headers": {"content-type": "application/json", "host": context["domainName"]},
        "requestContext": context,
        "isBase64Encoded": False,
    }
    if raw_body is not None or body is not None:
        event["body"] = raw_body if raw_body is not None else json.dumps(body)
    if path != "/bookings":
        event["pathParameters"] = {"booking_id": path.rsplit("/", 1)[-1]}
    return event


class Api:
    def __init__(self, engine: LocalEngine) -> None:
        self.engine = engine

    def call(self, event: dict[str, Any]) -> tuple[int, dict[str, str], Any]:
        context = LocalContext("trip-saga-local-api", "arn:aws:lambda:us-east-1:123456789012:function:trip-saga-local-api", "r", 10)
        response = api.handler(event, context)  # type: ignore[arg-type]
        body = json.loads(response["body"]) if response.get("body") else None
        return response["statusCode"], response.get("headers", {}), body

    def post(self, body: Any, **options: Any) -> tuple[int, dict[str, str], Any]:
        return self.call(http_event("POST", "/bookings", body=body, **options))

    def get(self, booking_id: str, **options: Any) -> tuple[int, dict[str, str], Any]:
        return self.call(http_event("GET", f"/bookings/{booking_id}", **options))

    def settled(self, booking_id: str, *, sub: str = CUSTOMER, timeout: float = 30) -> tuple[list[str], dict[str, Any]]:
        """Every status GET showed until the booking left `pending`, and the last answer."""
        deadline, seen = time.monotonic() + timeout, []
        while True:
            status, _, body = self.get(booking_id, sub=sub)
            assert status == 200, body
            seen.append(body["status"])
            if body["status"] != "pending":
                return seen, body
            assert time.monotonic() < deadline, f"{booking_id} still pending after {timeout}s"
            time.sleep(0.02)

    def executions(self, booking_id: str) -> list[dict[str, Any]]:
        listed = self.engine.sfn.list_executions(stateMachineArn=self.engine.state_machine_arn)["executions"]
        return [execution for execution in listed if execution["name"] == booking_id]


@pytest.fixture
def client(engine: LocalEngine, monkeypatch: pytest.MonkeyPatch) -> Iterator[Api]:
    monkeypatch.setenv(api.STATE_MACHINE_ARN_ENV, engine.state_machine_arn)
    monkeypatch.setenv(api.TABLE_NAMES_ENV, json.dumps(engine.saga.table_names))
    api.clients.cache_clear()  # clients of this engine's moto, as a new container would create them
    yield Api(engine)
    api.clients.cache_clear()


def assert_problem(answer: tuple[int, dict[str, str], Any], status: int, slug: str) -> dict[str, Any]:
    code, headers, body = answer
    assert code == status, body
    assert headers["Content-Type"] == PROBLEM
    assert set(body) == {"type", "title", "status", "detail"}
    assert body["status"] == status and body["type"] == f"https://trip-saga.example/problems/{slug}"
    problem: dict[str, Any] = body
    return problem


def test_a_booking_is_accepted_then_confirmed(client: Api, request_for: Any) -> None:
    request = request_for()
    booking_id = request["booking_id"]

    status, headers, body = client.post(request)

    assert status == 202
    assert headers["Location"] == f"/bookings/{booking_id}"
    assert body == {"booking_id": booking_id, "status": "pending"}
    seen, view = client.settled(booking_id)
    assert set(seen[:-1]) <= {"pending"} and view["status"] == "confirmed"
    assert view["steps"] == ["ReserveFlight", "ReserveHotel", "ProcessPayment", "BookingSucceeded"]
    assert {service: part["status"] for service, part in view["parts"].items()} == {
        "flight": "RESERVED",
        "hotel": "RESERVED",
        "payment": "CHARGED",
    }
    assert all(part["reference"] for part in view["parts"].values())


def test_a_payment_failure_is_shown_rolled_back(client: Api, request_for: Any) -> None:
    request = request_for(payment="fail")

    assert client.post(request)[0] == 202
    _, view = client.settled(request["booking_id"])

    assert view["status"] == "rolled back"
    assert view["steps"][-4:] == ["RefundPayment", "CancelHotel", "CancelFlight", "SagaFailed"]
    assert view["parts"]["flight"]["status"] == "CANCELLED" and view["parts"]["hotel"]["status"] == "CANCELLED"
    assert view["parts"]["payment"] == {"status": "REFUNDED", "reference": None}  # never charged: a tombstone


def test_the_same_body_again_is_the_same_booking(client: Api, request_for: Any) -> None:
    request = request_for()
    booking_id = request["booking_id"]

    first, again = client.post(request), client.post(json.loads(json.dumps(request)))  # while it runs (or just after)
    _, view = client.settled(booking_id)
    after = client.post(request)  # after it ended

    assert first[0] == 202 and again[0] in (200, 202) and again[2]["booking_id"] == booking_id
    assert after[0] == 200 and after[2] == {"booking_id": booking_id, "status": "confirmed"}
    assert after[1]["Location"] == f"/bookings/{booking_id}"
    assert len(client.executions(booking_id)) == 1
    assert view["status"] == "confirmed"


def test_another_body_under_a_used_booking_id_is_a_conflict(client: Api, request_for: Any) -> None:
    request = request_for()
    other = {**request, "hotel": {**request["hotel"], "rooms": 2}}

    assert client.post(request)[0] == 202
    while_running = client.post(other)
    client.settled(request["booking_id"])
    after = client.post(other)

    for answer in (while_running, after):
        assert "submitted before with other details" in assert_problem(answer, 409, "booking-id-taken")["detail"]
    assert len(client.executions(request["booking_id"])) == 1


def test_a_bad_field_is_named_as_the_saga_names_it(client: Api, request_for: Any) -> None:
    request = request_for()
    request["payment"] = {**request["payment"], "amount": "-1", "currency": "XXX"}
    with pytest.raises(InvalidBookingRequest) as saga_says:
        parse_model(request, BookingRequest)

    problem = assert_problem(client.post(request), 400, "invalid-request")

    assert problem["detail"] == str(saga_says.value)
    assert problem["detail"].startswith("payment.amount: ") and "payment.currency: " in problem["detail"]
    assert client.executions(request["booking_id"]) == []


def test_a_body_that_is_not_json_is_a_bad_request(client: Api) -> None:
    problem = assert_problem(client.call(http_event("POST", "/bookings", raw_body="{not json")), 400, "invalid-request")
    assert problem["detail"].startswith("(root): not JSON")


def test_a_body_nested_thousands_deep_is_a_bad_request_not_a_crash(client: Api) -> None:
    # found by an adversarial pass: json.loads raised RecursionError, answered as a 500
    problem = assert_problem(client.call(http_event("POST", "/bookings", raw_body="[" * 5000 + "]" * 5000)), 400, "invalid-request")
    assert problem["detail"] == "(root): nested too deeply"


def test_a_body_over_256_kib_is_refused_before_it_is_read(client: Api, request_for: Any) -> None:
    request = request_for()
    raw = json.dumps(request)
    raw = raw[:-1] + ', "padding": "' + "x" * (MAX_REQUEST_BYTES - len(raw)) + '"}'  # unknown field too: size comes first

    assert_problem(client.call(http_event("POST", "/bookings", raw_body=raw)), 413, "request-too-large")
    assert client.executions(request["booking_id"]) == []


def test_without_a_token_nothing_is_answered_but_401(client: Api, request_for: Any) -> None:
    request = request_for()

    assert_problem(client.post(request, sub=None), 401, "unauthenticated")
    assert client.post(request, sub=None)[1]["WWW-Authenticate"] == "Bearer"
    assert_problem(client.get(request["booking_id"], sub=None), 401, "unauthenticated")
    assert client.executions(request["booking_id"]) == []


def test_another_customers_booking_is_not_found_like_an_unknown_one(client: Api, request_for: Any) -> None:
    request = request_for()
    assert client.post(request)[0] == 202

    theirs = client.get(request["booking_id"], sub="cust-0666")
    unknown = client.get(f"unknown-{uuid.uuid4().hex[:8]}", sub="cust-0666")

    assert_problem(theirs, 404, "booking-not-found")
    assert theirs == unknown == client.get("x" * 65, sub="cust-0666")  # not even a booking id
    assert client.get(request["booking_id"])[0] == 200  # the owner sees it
    client.settled(request["booking_id"])


def test_the_customer_comes_from_the_token(client: Api, request_for: Any) -> None:
    mine = request_for()
    del mine["customer"]["customer_id"]
    claimed = {**request_for(), "booking_id": f"{mine['booking_id']}-b"}  # names cust-0042

    assert client.post(mine, sub="cust-0777")[0] == 202
    assert_problem(client.post(claimed, sub="cust-0777"), 403, "customer-mismatch")

    stored = client.engine.sfn.describe_execution(executionArn=client.executions(mine["booking_id"])[0]["executionArn"])
    assert json.loads(stored["input"])["customer"]["customer_id"] == "cust-0777"
    assert client.executions(claimed["booking_id"]) == []
    assert client.get(mine["booking_id"], sub=CUSTOMER)[0] == 404
    assert client.settled(mine["booking_id"], sub="cust-0777")[1]["status"] == "confirmed"


def test_an_unknown_route_is_a_problem_too(client: Api) -> None:
    event = http_event("GET", "/bookings")
    code, headers, body = client.call(event)
    assert code == 404 and headers["Content-Type"] == PROBLEM and body["type"] == "about:blank"


def test_the_catalog_lists_what_the_api_function_calls_and_reads(client: Api, request_for: Any) -> None:
    """lambdas/functions.json's `api` section (what a deploy grants it) against what it does."""
    declared = json.loads(CATALOG.read_text())["api"]
    called: set[str] = set()

    def record(model: Any, **_: Any) -> None:
        called.add(f"{model.service_model.signing_name}:{model.name}")

    for aws_client in api.clients():
        aws_client.meta.events.register("before-call", record)
    request = request_for()
    client.post(request)
    client.settled(request["booking_id"])
    client.post(request)  # after it ended: ExecutionAlreadyExists, then the stored input

    assert called == set(declared["actions"])
    assert declared["environment"] == [api.STATE_MACHINE_ARN_ENV, api.TABLE_NAMES_ENV]
    module, attribute = declared["handler"].rsplit(".", 1)
    assert getattr(importlib.import_module(module), attribute) is api.handler
    assert "api" not in {function.key for function in catalog.load().functions}  # not a saga step
