"""The bookings HTTP API on a deployed workspace, as a front end calls it: a customer's Cognito token,
POST /bookings, then GET on the Location until the saga has ended; and the authorizer's and the
route's refusals. The same assertions hold locally and on AWS."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from sagatools.client import workspaces
from sagatools.client.bookings_api import BookingsApi
from sagatools.client.identity import CustomerToken, sign_in
from sagatools.client.saga_client import SagaClient
from sagatools.contract.paths import ROOT
from tests.integration.conftest import RUN_ID
from tests.support.chaos import COMPENSATION_PATHS, HAPPY_PATH

pytestmark = pytest.mark.network

Request = Callable[..., dict[str, Any]]
CONFIRMED = dict.fromkeys(("flight", "hotel", "payment"), "CONFIRMED")


def anonymous(request: dict[str, Any]) -> dict[str, Any]:
    """The request as a front end sends it: the customer id comes from the token."""
    return {**request, "customer": {name: value for name, value in request["customer"].items() if name != "customer_id"}}


def test_a_booking_through_the_api_is_confirmed(api: BookingsApi, customer: CustomerToken, saga: SagaClient, new_request: Request) -> None:
    request = anonymous(new_request())
    created = api.create(request)

    assert created.status == 202
    assert created.body == {"booking_id": request["booking_id"], "status": "pending"}
    assert created.headers["location"] == f"/bookings/{request['booking_id']}"
    view = api.wait(request["booking_id"])
    assert view.status == 200
    assert view.body["status"] == "confirmed"
    assert view.body["steps"] == HAPPY_PATH
    assert {service: part["status"] for service, part in view.body["parts"].items()} == CONFIRMED
    execution = saga.describe(request["booking_id"])  # the booking is the token's customer's
    assert execution and json.loads(execution["input"])["customer"]["customer_id"] == customer.customer_id
    assert {service: item and item["status"] for service, item in saga.items(request["booking_id"]).items()} == CONFIRMED
    listed = api.list(limit=100)
    assert listed.status == 200 and request["booking_id"] in [summary["booking_id"] for summary in listed.body["bookings"]]


@pytest.mark.usefixtures("faults_enabled")
def test_a_failed_payment_through_the_api_is_rolled_back(api: BookingsApi, new_request: Request) -> None:
    request = anonymous(new_request(payment="fail"))

    assert api.create(request).status == 202
    view = api.wait(request["booking_id"])
    assert view.body["status"] == "rolled back"
    assert view.body["steps"] == COMPENSATION_PATHS["payment"]
    assert {service: part["status"] for service, part in view.body["parts"].items()} == {
        "flight": "CANCELLED",
        "hotel": "CANCELLED",
        "payment": "REFUNDED",
    }


def test_the_same_body_again_is_the_same_booking_and_another_body_is_409(api: BookingsApi, saga: SagaClient, new_request: Request) -> None:
    request = anonymous(new_request())
    assert api.create(request).status == 202
    first = saga.describe(request["booking_id"])
    assert first

    again = api.create(request)
    assert again.status in (200, 202)
    assert again.body["booking_id"] == request["booking_id"]
    assert (saga.describe(request["booking_id"]) or {}).get("startDate") == first["startDate"]  # no second execution
    changed = api.create({**request, "hotel": {**request["hotel"], "rooms": 2}})
    assert changed.status == 409
    assert changed.headers["content-type"] == "application/problem+json"
    assert changed.body["type"].endswith("/booking-id-taken")
    assert api.wait(request["booking_id"]).body["status"] == "confirmed"  # the first booking is untouched
    hotel = saga.items(request["booking_id"])["hotel"]
    assert hotel and hotel["details"]["rooms"] == request["hotel"]["rooms"]


def test_bad_fields_are_a_400_naming_each_and_nothing_is_started(api: BookingsApi, saga: SagaClient, new_request: Request) -> None:
    request = anonymous(new_request())
    request["payment"]["amount"] = "-5"
    request["hotel"]["rooms"] = 0

    refused = api.create(request)
    assert refused.status == 400
    assert "payment.amount" in refused.body["detail"] and "hotel.rooms" in refused.body["detail"]
    assert saga.describe(request["booking_id"]) is None


def test_without_a_token_the_authorizer_refuses(deployed: workspaces.Workspace, api: BookingsApi, new_request: Request) -> None:
    request = anonymous(new_request())
    assert api.token
    for token in (None, "not-a-jwt", api.token[:-4] + "AAAA"):  # none, garbage, a forged signature
        refused = BookingsApi(deployed.outputs["api_url"], token).create(request)
        assert refused.status == 401, token
        assert refused.body == {"message": "Unauthorized"}
    assert api.get(request["booking_id"]).status == 404  # nothing was started


def test_a_customer_sees_only_their_own_bookings(
    deployed: workspaces.Workspace, api: BookingsApi, saga: SagaClient, new_request: Request
) -> None:
    request = anonymous(new_request())
    assert api.create(request).status == 202
    other = BookingsApi(deployed.outputs["api_url"], sign_in(deployed, f"it-{RUN_ID}-customer-2").access_token)

    hidden = other.get(request["booking_id"])
    unknown = other.get(f"{request['booking_id']}-nope")
    assert (hidden.status, hidden.body) == (unknown.status, {**unknown.body})  # another's booking looks unknown
    assert hidden.status == 404
    impostor = other.create({**request, "customer": {**request["customer"], "customer_id": "someone-else"}})
    assert impostor.status == 403
    assert api.wait(request["booking_id"]).body["status"] == "confirmed"


@pytest.mark.usefixtures("faults_enabled")
def test_book_cli_through_the_api_shows_the_rollback(deployed: workspaces.Workspace) -> None:
    command = [sys.executable, "scripts/book.py", "--api", "--workspace", deployed.name, "--json", "--customer", f"it-{RUN_ID}-cli"]
    finished = subprocess.run([*command, "--inject", "payment=fail"], capture_output=True, text=True, timeout=300, cwd=ROOT, check=False)

    assert finished.returncode == 1, finished.stderr  # not booked
    view = json.loads(finished.stdout)
    assert (view["status"], view["steps"]) == ("rolled back", COMPENSATION_PATHS["payment"])


def test_a_customer_cancels_a_confirmed_booking_once_even_asking_twice_at_once(
    api: BookingsApi, saga: SagaClient, new_request: Request
) -> None:
    request = anonymous(new_request())
    api.create(request)
    assert api.wait(request["booking_id"]).body["status"] == "confirmed"

    with ThreadPoolExecutor(max_workers=2) as pool:  # two tabs, one click each
        answers = list(pool.map(lambda _: api.cancel(request["booking_id"]), range(2)))
    view = api.wait(request["booking_id"], timeout=300)

    assert [answer.status for answer in answers] == [202, 202]
    assert {answer.headers["location"] for answer in answers} == {f"/bookings/{request['booking_id']}"}
    assert view.body["status"] == "cancelled"
    assert view.body["cancellation_steps"] == ["CancelHotelBooking", "CancelFlightBooking", "RefundCharge", "BookingCancelled"]
    assert {service: part["status"] for service, part in view.body["parts"].items()} == {
        "flight": "CANCELLED",
        "hotel": "CANCELLED",
        "payment": "REFUNDED",
    }
    cancellations = saga.sfn.list_executions(stateMachineArn=saga.cancellation_arn)["executions"]
    assert [c["name"] for c in cancellations].count(request["booking_id"]) == 1  # one cancellation, however often asked
    assert api.cancel(request["booking_id"]).status == 202  # asked again after it ended: still that one


@pytest.mark.usefixtures("faults_enabled")
def test_a_booking_that_is_not_confirmed_cannot_be_cancelled(
    deployed: workspaces.Workspace, api: BookingsApi, new_request: Request
) -> None:
    rolled_back = anonymous(new_request(payment="fail"))
    api.create(rolled_back)
    api.wait(rolled_back["booking_id"])
    refused = api.cancel(rolled_back["booking_id"])
    other = BookingsApi(deployed.outputs["api_url"], sign_in(deployed, f"it-{RUN_ID}-customer-2").access_token)

    assert refused.status == 409 and refused.body["type"].endswith("/booking-not-cancellable")
    assert "is rolled back" in refused.body["detail"]
    assert other.cancel(rolled_back["booking_id"]).status == 404  # another's booking looks unknown here too
