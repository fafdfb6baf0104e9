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

from sagatools.client import inventory
from sagatools.contract import catalog
from sagatools.contract.paths import CATALOG
from sagatools.emulator.engine import LocalContext, LocalEngine
from tests.support.chaos import HAPPY_PATH
from trip_saga import api
from trip_saga.errors import InvalidBookingRequest
from trip_saga.models import MAX_REQUEST_BYTES, BookingRequest, parse_model

pytestmark = pytest.mark.moto

CUSTOMER = "cust-0042"  # the customer of samples.booking_request
PROBLEM = "application/problem+json"


def http_event(
    method: str,
    path: str,
    *,
    body: Any = None,
    sub: str | None = CUSTOMER,
    raw_body: str | None = None,
    query: dict[str, str] | None = None,
) -> dict[str, Any]:
    """An APIGatewayProxyEventV2 as an HTTP API with a JWT authorizer sends it (no authorizer without a token)."""
    parts = path.split("/")
    route_key = {
        2: f"{method} /bookings",
        3: f"{method} /bookings/{{booking_id}}",
        4: f"{method} /bookings/{{booking_id}}/{parts[-1]}",
    }.get(len(parts), f"{method} {path}")
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
        "rawQueryString": "&".join(f"{name}={value}" for name, value in (query or {}).items()),
        "headers": {"content-type": "application/json", "host": context["domainName"]},
        "requestContext": context,
        "isBase64Encoded": False,
    }
    if raw_body is not None or body is not None:
        event["body"] = raw_body if raw_body is not None else json.dumps(body)
    if query:
        event["queryStringParameters"] = query
    if len(parts) >= 3:
        event["pathParameters"] = {"booking_id": parts[2]}
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

    def cancel(self, booking_id: str, **options: Any) -> tuple[int, dict[str, str], Any]:
        return self.call(http_event("POST", f"/bookings/{booking_id}/cancel", **options))

    def list(self, **options: Any) -> tuple[int, dict[str, str], Any]:
        return self.call(http_event("GET", "/bookings", **options))

    def settled(self, booking_id: str, *, sub: str = CUSTOMER, timeout: float = 30) -> tuple[list[str], dict[str, Any]]:
        """Every status GET showed until the booking left `pending`, and the last answer."""
        deadline, seen = time.monotonic() + timeout, []
        while True:
            status, _, body = self.get(booking_id, sub=sub)
            assert status == 200, body
            seen.append(body["status"])
            if body["status"] not in ("pending", "cancelling"):
                return seen, body
            assert time.monotonic() < deadline, f"{booking_id} still pending after {timeout}s"
            time.sleep(0.02)

    def cancellations(self, booking_id: str) -> list[dict[str, Any]]:
        listed = self.engine.sfn.list_executions(stateMachineArn=self.engine.cancellation_arn)["executions"]
        return [execution for execution in listed if execution["name"] == booking_id]

    def executions(self, booking_id: str) -> list[dict[str, Any]]:
        listed = self.engine.sfn.list_executions(stateMachineArn=self.engine.state_machine_arn)["executions"]
        return [execution for execution in listed if execution["name"] == booking_id]


@pytest.fixture
def client(engine: LocalEngine, monkeypatch: pytest.MonkeyPatch) -> Iterator[Api]:
    monkeypatch.setenv(api.STATE_MACHINE_ARN_ENV, engine.state_machine_arn)
    monkeypatch.setenv(api.CANCELLATION_STATE_MACHINE_ARN_ENV, engine.cancellation_arn)
    monkeypatch.setenv(api.TABLE_NAMES_ENV, json.dumps(engine.saga.table_names))
    monkeypatch.setenv(api.BOOKINGS_TABLE_NAME_ENV, engine.bookings_table_name)
    api.clients.cache_clear()  # clients of this engine's moto, as a new container would create them
    yield Api(engine)
    api.clients.cache_clear()


def assert_problem(answer: tuple[int, dict[str, str], Any], status: int, slug: str) -> dict[str, Any]:
    code, headers, body = answer
    assert code == status, body
    assert headers["Content-Type"] == PROBLEM
    assert set(body) - {"errors"} == {"type", "title", "status", "detail"}
    assert ("errors" in body) == (slug == "invalid-request" and body["title"] == "Invalid booking request")
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
    assert view["steps"] == HAPPY_PATH
    assert {service: part["status"] for service, part in view["parts"].items()} == dict.fromkeys(
        ("flight", "hotel", "payment"), "CONFIRMED"
    )
    assert all(part["reference"] for part in view["parts"].values())
    assert view["trip"] == {
        **{name: request["flight"][name] for name in ("flight_number", "origin", "destination", "departure_date")},
        **{name: request["hotel"][name] for name in ("hotel_id", "check_in", "check_out")},
        "amount": "1249.90",
        "currency": "EUR",
    }
    assert view["cancellation_steps"] is None


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
    assert problem["detail"].startswith("payment.currency: ") and "; payment.amount: " in problem["detail"]
    # RFC 9457's `errors`: each field by its JSON Pointer, with the same message, so a form shows it beside the field
    assert [error["pointer"] for error in problem["errors"]] == ["#/payment/currency", "#/payment/amount"]
    assert "; ".join(f"{e['pointer'][2:].replace('/', '.')}: {e['detail']}" for e in problem["errors"]) == problem["detail"]
    assert client.executions(request["booking_id"]) == []


def test_a_body_that_is_not_json_is_a_bad_request(client: Api) -> None:
    problem = assert_problem(client.call(http_event("POST", "/bookings", raw_body="{not json")), 400, "invalid-request")
    assert problem["detail"].startswith("(root): not JSON")
    assert [error["pointer"] for error in problem["errors"]] == ["#"]


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
    event = http_event("GET", "/trips")
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
    client.list()
    client.cancel(request["booking_id"])
    client.settled(request["booking_id"])

    assert called == set(declared["actions"])
    assert declared["environment"] == [
        api.STATE_MACHINE_ARN_ENV,
        api.CANCELLATION_STATE_MACHINE_ARN_ENV,
        api.TABLE_NAMES_ENV,
        api.BOOKINGS_TABLE_NAME_ENV,
    ]
    module, attribute = declared["handler"].rsplit(".", 1)
    assert getattr(importlib.import_module(module), attribute) is api.handler
    assert "api" not in {function.key for function in catalog.load().functions}  # not a saga step


def test_a_confirmed_booking_is_cancelled_by_its_customer_once(client: Api, request_for: Any) -> None:
    request = request_for()
    booking_id = request["booking_id"]
    client.post(request)
    client.settled(booking_id)
    seats_before = client.engine.all_items()

    first, again = client.cancel(booking_id), client.cancel(booking_id)  # the same call again: the same cancellation
    seen, view = client.settled(booking_id)
    after = client.cancel(booking_id)

    assert first[0] == 202 and first[1]["Location"] == f"/bookings/{booking_id}"
    assert first[2] == {"booking_id": booking_id, "status": "cancelling"}
    assert again[0] == after[0] == 202 and after[2]["status"] == "cancelled"
    assert view["status"] == "cancelled" and set(seen[:-1]) <= {"cancelling"}
    assert view["steps"] == HAPPY_PATH
    assert view["cancellation_steps"] == ["CancelHotelBooking", "CancelFlightBooking", "RefundCharge", "BookingCancelled"]
    assert {service: part["status"] for service, part in view["parts"].items()} == {
        "flight": "CANCELLED",
        "hotel": "CANCELLED",
        "payment": "REFUNDED",
    }
    assert [execution["name"] for execution in client.cancellations(booking_id)] == [booking_id]
    # Every seat and room-night the booking held is back, once.
    assert inventory.conservation_violations(client.engine.all_items()) == []
    before = {i["pk"]: i["available"] for i in seats_before["flight"] + seats_before["hotel"] if i["sk"] == "INVENTORY"}
    now = {i["pk"]: i["available"] for items in client.engine.all_items().values() for i in items if i["sk"] == "INVENTORY"}
    taken = {i["pk"]: int(i["units"]) for part in ("flight", "hotel") for i in client.engine.items(booking_id)[part]["units"]}
    assert {pk: now[pk] - before[pk] for pk in taken} == taken


@pytest.mark.parametrize("faults", [{"payment": "fail"}, None], ids=["rolled-back", "pending"])
def test_a_booking_that_is_not_confirmed_cannot_be_cancelled(client: Api, request_for: Any, faults: dict[str, str] | None) -> None:
    request = request_for(**(faults or {}))
    client.post(request)
    if faults:
        client.settled(request["booking_id"])
    answer = client.cancel(request["booking_id"])  # pending: asked at once, while the saga runs

    if answer[0] == 409 or faults:
        problem = assert_problem(answer, 409, "booking-not-cancellable")
        assert problem["detail"].endswith("only a confirmed booking is cancelled")
        assert client.cancellations(request["booking_id"]) == []
    client.settled(request["booking_id"])


def test_another_customers_booking_cannot_be_cancelled_and_is_not_found(client: Api, request_for: Any) -> None:
    request = request_for()
    client.post(request)
    client.settled(request["booking_id"])

    assert_problem(client.cancel(request["booking_id"], sub="cust-0666"), 404, "booking-not-found")
    assert_problem(client.cancel("x" * 65), 404, "booking-not-found")
    assert client.cancellations(request["booking_id"]) == []


def test_a_finished_booking_is_read_from_one_item_and_a_page_lists_a_customer_s_bookings(client: Api, request_for: Any) -> None:
    customer = f"cust-list-{uuid.uuid4().hex[:6]}"  # the module's engine is shared: a customer of its own
    mine = []
    for n in range(3):
        request = {**request_for(), "booking_id": f"{request_for()['booking_id']}-{n}"}
        request["customer"] = {name: value for name, value in request["customer"].items() if name != "customer_id"}
        mine.append(request)
        client.post(request, sub=customer)
    for request in mine:
        client.settled(request["booking_id"], sub=customer)
    calls: list[str] = []

    def record(model: Any, **_: Any) -> None:
        calls.append(model.name)

    for aws_client in api.clients():
        aws_client.meta.events.register("before-call", record)
    again = client.get(mine[0]["booking_id"], sub=customer)
    assert calls == ["GetItem"] and again[2]["status"] == "confirmed"  # the record, nothing else

    first = client.list(query={"limit": "2"}, sub=customer)
    second = client.list(query={"limit": "2", "after": first[2]["next"]}, sub=customer)
    assert first[0] == second[0] == 200
    listed = [summary["booking_id"] for summary in first[2]["bookings"] + second[2]["bookings"]]
    assert listed == sorted(request["booking_id"] for request in mine) and second[2]["next"] is None
    assert {summary["status"] for summary in first[2]["bookings"] + second[2]["bookings"]} == {"confirmed"}
    assert client.list(sub="cust-0666")[2] == {"bookings": [], "next": None}
    assert_problem(client.list(query={"limit": "0"}), 400, "invalid-request")
    assert_problem(client.list(query={"after": "../x"}), 400, "invalid-request")
