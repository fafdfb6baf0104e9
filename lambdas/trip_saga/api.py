"""The front door: the bookings HTTP API (API Gateway HTTP API, payload format 2.0, JWT authorizer).

    POST /bookings                       start a booking's saga: 202 {booking_id, status} and Location
    GET  /bookings                       the customer's bookings, a page at a time
    GET  /bookings/{booking_id}          the booking as its customer sees it: status, steps, parts
    POST /bookings/{booking_id}/cancel   cancel a confirmed booking: 202, its cancellation runs

The customer is whoever the token names (`requestContext.authorizer.jwt.claims.sub`), never what the
body says: a body naming another customer is refused, one naming none is given the token's. The body
is validated by the saga's own model (so a 400 names each field as the saga does) and started as an
execution named after the booking id, so a booking runs at most once; its cancellation is the
cancellation state machine's execution of the same name, so it runs at most once too. Errors are
problem details (RFC 9457). The route functions are thin; what they decide is in the small pure
functions below.

The API keeps one record per booking in its own table (pk CUSTOMER#<sub>, sk BOOKING#<id>): written
when the booking is accepted, and completed with the booking's view once a read finds it final
(confirmed, rejected, rolled back or cancelled), so that reading a finished booking is one GetItem.
Until then the view is read live: the executions (DescribeExecution, GetExecutionHistory) and one
item per service table. A record carries a revision: a write-back is conditioned on the revision it
read, so a cancellation requested meanwhile is never overwritten by an older view.

The environment contract: STATE_MACHINE_ARN, CANCELLATION_STATE_MACHINE_ARN, TABLE_NAMES as JSON
{service: table name}, BOOKINGS_TABLE_NAME."""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import os
import re
from collections.abc import Iterator, Mapping
from functools import cache, cached_property
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Literal

import boto3
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.utilities.typing import LambdaContext
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from pydantic import BaseModel, ConfigDict

from trip_saga.aws import CLIENT_CONFIG
from trip_saga.errors import InvalidBookingRequest
from trip_saga.models import BOOKING_ID_PATTERN, MAX_REQUEST_BYTES, BookingRequest, parse_model
from trip_saga.observability import invocation_keys, logger
from trip_saga.repository import reservation_key, utc_now

if TYPE_CHECKING:  # a TypedDict, for the route declarations' types only
    from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse

STATE_MACHINE_ARN_ENV = "STATE_MACHINE_ARN"
CANCELLATION_STATE_MACHINE_ARN_ENV = "CANCELLATION_STATE_MACHINE_ARN"
TABLE_NAMES_ENV = "TABLE_NAMES"
BOOKINGS_TABLE_NAME_ENV = "BOOKINGS_TABLE_NAME"
PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://trip-saga.example/problems/"
API_TITLE = "Trip booking API"
API_VERSION = "1.0.0"

CustomerStatus = Literal["pending", "confirmed", "rejected", "rolled back", "cancelling", "cancelled", "needs attention"]
# A booking in one of these stays so (a confirmed one changes only by its customer's cancellation, which
# the cancel route records first): its view is kept in the bookings table and answered from there.
FINAL_STATUSES = frozenset({"confirmed", "rejected", "rolled back", "cancelled"})
PAGE_SIZE, MAX_PAGE_SIZE = 20, 100
# The errors that end an execution in BookingRejected (the ASL's first Catch): refused before anything was written.
REJECTED_ERRORS = frozenset({"InvalidBookingRequest", "BookingConflict", "Runtime.UnmarshalError"})
_deserializer = TypeDeserializer()
_serializer = TypeSerializer()


# -- the contract ---------------------------------------------------------------------------------------
class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FieldProblem(_Model):
    """One offending field of a request (RFC 9457's `errors` extension, its example's shape): where, and why."""

    pointer: str  # a JSON Pointer fragment into the request body, e.g. "#/flight/origin"; "#" for the body itself
    detail: str


class Problem(_Model):
    """A problem details object (RFC 9457), sent as application/problem+json. An invalid request's
    `errors` lists each offending field, so a form can show each message beside its field."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[FieldProblem] | None = None


class BookingAccepted(_Model):
    booking_id: str
    status: CustomerStatus


class Part(_Model):
    """One service's share of the booking as stored: PENDING until the saga confirms it, then CONFIRMED;
    CANCELLED (flight, hotel) or REFUNDED (payment) once rolled back or cancelled."""

    status: str
    reference: str | None


class Parts(_Model):
    flight: Part | None
    hotel: Part | None
    payment: Part | None


class Trip(_Model):
    """What was booked, as the customer asked for it."""

    flight_number: str
    origin: str
    destination: str
    departure_date: str
    hotel_id: str
    check_in: str
    check_out: str
    amount: str
    currency: str


class BookingView(_Model):
    booking_id: str
    status: CustomerStatus
    steps: list[str]  # the saga's states entered so far, in order
    parts: Parts  # null where the service holds nothing for this booking
    trip: Trip | None  # null only for an input the saga refused
    cancellation_steps: list[str] | None = None  # the cancellation's states entered so far; null if none was asked for


class BookingSummary(_Model):
    booking_id: str
    status: CustomerStatus
    trip: Trip | None
    created_at: str


class BookingPage(_Model):
    bookings: list[BookingSummary]  # by booking id
    next: str | None  # pass as ?after= for the next page; null on the last


class ProblemError(Exception):
    """Ends a request with a problem details response."""

    def __init__(
        self,
        status: HTTPStatus,
        slug: str | None,
        title: str,
        detail: str,
        *,
        headers: Mapping[str, str] | None = None,
        errors: list[FieldProblem] | None = None,
    ) -> None:
        super().__init__(detail)
        self.problem = Problem(
            type=f"{PROBLEM_TYPE_BASE}{slug}" if slug else "about:blank", title=title, status=int(status), detail=detail, errors=errors
        )
        self.headers = dict(headers or {})


def not_found() -> ProblemError:
    """The same answer for a booking that does not exist and for another customer's: existence is not revealed."""
    return ProblemError(HTTPStatus.NOT_FOUND, "booking-not-found", "Booking not found", "this customer has no booking of that id")


# -- what the routes decide (pure) ----------------------------------------------------------------------
def customer_of(event: Mapping[str, Any]) -> str:
    """The customer the token names: the JWT authorizer's `sub` claim, or 401."""
    context = event.get("requestContext") or {}
    claims = ((context.get("authorizer") or {}).get("jwt") or {}).get("claims") or {}
    subject = claims.get("sub") if isinstance(claims, Mapping) else None
    if not isinstance(subject, str) or not subject:
        raise ProblemError(
            HTTPStatus.UNAUTHORIZED,
            "unauthenticated",
            "Not authenticated",
            "a bearer token naming the customer is required",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return subject


def body_of(body: str | None, *, base64_encoded: bool) -> Any:
    """The request body as JSON: 413 over 256 KiB (before it is parsed), 400 when it is not JSON."""
    raw: bytes
    try:
        raw = base64.b64decode(body or "", validate=True) if base64_encoded else (body or "").encode()
    except binascii.Error:
        raise invalid_body("the body is not valid base64") from None
    if len(raw) > MAX_REQUEST_BYTES:
        raise ProblemError(
            HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
            "request-too-large",
            "Request too large",
            f"the body is {len(raw)} bytes; at most {MAX_REQUEST_BYTES} are accepted",
        )
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, ValueError) as error:
        raise invalid_body(f"not JSON ({error})") from None
    except RecursionError:  # thousands of nested brackets: no booking request looks like that
        raise invalid_body("nested too deeply") from None


def invalid_body(problem: str) -> ProblemError:
    return ProblemError(
        HTTPStatus.BAD_REQUEST,
        "invalid-request",
        "Invalid booking request",
        f"(root): {problem}",
        errors=field_problems((("(root)", problem),)),
    )


def with_customer(body: Any, customer_id: str) -> Any:
    """The body with the token's customer: filled in when absent, 403 when it names another. Anything
    that is not shaped like a request is left for validation to name."""
    if not isinstance(body, dict) or not isinstance(body.get("customer"), dict):
        return body
    claimed = body["customer"].get("customer_id")
    if claimed is None:
        return {**body, "customer": {**body["customer"], "customer_id": customer_id}}
    if claimed != customer_id:
        raise ProblemError(
            HTTPStatus.FORBIDDEN,
            "customer-mismatch",
            "Customer does not match the token",
            "customer.customer_id must be the authenticated customer's (or left out)",
        )
    return body


def validated(body: Any) -> BookingRequest:
    """The saga's own validation: a 400 names each bad field in the saga's wording."""
    try:
        return parse_model(body, BookingRequest)
    except InvalidBookingRequest as error:
        raise ProblemError(
            HTTPStatus.BAD_REQUEST, "invalid-request", "Invalid booking request", str(error), errors=field_problems(error.fields)
        ) from None


def field_problems(fields: tuple[tuple[str, str], ...]) -> list[FieldProblem]:
    """`flight.origin` as the pointer `#/flight/origin`; `(root)`, the body itself, as `#`."""
    return [
        FieldProblem(pointer="#" + "".join(f"/{part}" for part in field.split(".") if field != "(root)"), detail=message)
        for field, message in fields
    ]


def execution_input(request: BookingRequest) -> str:
    """The canonical form of the request, so the same booking always starts the same input (Step
    Functions answers a repeated name and input with the running execution, not a new one)."""
    return json.dumps(request.model_dump(mode="json", exclude_none=True), sort_keys=True, separators=(",", ":"))


def fingerprint_of(stored_input: str) -> str | None:
    """The fingerprint of an execution's input, or None for an input the saga refuses."""
    try:
        return parse_model(json.loads(stored_input), BookingRequest).fingerprint()
    except (InvalidBookingRequest, ValueError):
        return None


def owner_of(stored_input: str) -> str | None:
    """The customer an execution's input names, if any."""
    try:
        data = json.loads(stored_input)
    except ValueError:
        return None
    customer = data.get("customer") if isinstance(data, dict) else None
    owner = customer.get("customer_id") if isinstance(customer, dict) else None
    return owner if isinstance(owner, str) else None


def customer_status(
    status: str, error: str | None, parts: Mapping[str, Part | None] | None = None, cancellation: Mapping[str, Any] | None = None
) -> CustomerStatus:
    """The booking's status as a customer understands it: its saga execution's, unless that ended off the
    saga's own paths (stopped, timed out, failed elsewhere: then its parts say where reconciliation got);
    and its cancellation's, once one was asked for."""
    if cancellation is not None and not (cancellation["status"] == "FAILED" and cancellation.get("error") == "BookingNotCancellable"):
        return {"RUNNING": "cancelling", "SUCCEEDED": "cancelled"}.get(cancellation["status"], "needs attention")  # type: ignore[return-value]
    if status == "RUNNING":
        return "pending"
    if status == "SUCCEEDED":
        return "confirmed"
    if status == "FAILED" and error in REJECTED_ERRORS:
        return "rejected"
    if status == "FAILED" and error == "SagaFailed":
        return "rolled back"
    statuses = [part.status if part else None for part in (parts or {}).values()]
    if parts is not None and statuses and all(found == "CONFIRMED" for found in statuses):
        return "confirmed"  # rolled forward: the payment had been confirmed
    if parts is not None and "PENDING" not in statuses and "CONFIRMED" not in statuses:
        return "rolled back"  # reconciled, or the compensations finished (redrive, the runbook)
    if error != "CompensationFailed" and status in ("ABORTED", "TIMED_OUT", "FAILED") and parts is not None:
        return "pending"  # the reconciliation is closing what it left PENDING (within two minutes)
    return "needs attention"  # CompensationFailed with a part still open, or anything unforeseen: an operator looks


def trip_of(stored_input: str) -> Trip | None:
    """What the booking asked for, from its execution's input; None for an input the saga refuses."""
    try:
        request = parse_model(json.loads(stored_input), BookingRequest)
    except (InvalidBookingRequest, ValueError):
        return None
    flight, hotel, payment = request.flight, request.hotel, request.model_dump(mode="json")["payment"]
    return Trip(
        flight_number=flight.flight_number,
        origin=flight.origin,
        destination=flight.destination,
        departure_date=flight.departure_date.isoformat(),
        hotel_id=hotel.hotel_id,
        check_in=hotel.check_in.isoformat(),
        check_out=hotel.check_out.isoformat(),
        amount=payment["amount"],
        currency=payment["currency"],
    )


def cancellation_input(stored_input: str, execution_arn: str) -> str:
    """The cancellation's input, canonical so that asking twice starts (or finds) the same execution:
    the booking request and the execution that owns its items."""
    request = json.loads(stored_input)
    return json.dumps({"booking_execution_arn": execution_arn, "request": request}, sort_keys=True, separators=(",", ":"))


def record_key(customer_id: str, booking_id: str) -> dict[str, dict[str, str]]:
    return {"pk": {"S": f"CUSTOMER#{customer_id}"}, "sk": {"S": f"BOOKING#{booking_id}"}}


def page_size(parameters: Mapping[str, str] | None) -> int:
    """?limit=: 1 to 100 (20 when left out), else 400."""
    text = (parameters or {}).get("limit")
    if text is None:
        return PAGE_SIZE
    if not re.fullmatch(r"[1-9][0-9]{0,2}", text) or int(text) > MAX_PAGE_SIZE:
        raise ProblemError(HTTPStatus.BAD_REQUEST, "invalid-request", "Invalid request", f"limit: an integer from 1 to {MAX_PAGE_SIZE}")
    return int(text)


def page_start(parameters: Mapping[str, str] | None) -> str | None:
    """?after=: the booking id the previous page ended at, else 400."""
    after = (parameters or {}).get("after")
    if after is not None and not re.fullmatch(BOOKING_ID_PATTERN, after):
        raise ProblemError(HTTPStatus.BAD_REQUEST, "invalid-request", "Invalid request", "after: a booking id (the previous page's `next`)")
    return after


def part_of(item: Mapping[str, Any] | None, fingerprint: str | None) -> Part | None:
    """A service's item as the customer sees it; None when there is none or it belongs to another request."""
    if item is None or fingerprint is None or item.get("request_fingerprint") != fingerprint:
        return None
    reference = item.get("reference")
    return Part(status=str(item["status"]), reference=reference if isinstance(reference, str) else None)


# -- AWS ----------------------------------------------------------------------------------------------
class Clients:
    """Step Functions and DynamoDB clients, each created on first use: a POST needs Step Functions only,
    and creating a client costs tens of milliseconds on a cold start, which the customer waits for."""

    @cached_property
    def sfn(self) -> Any:
        return boto3.client("stepfunctions", config=CLIENT_CONFIG)

    @cached_property
    def dynamodb(self) -> Any:
        return boto3.client("dynamodb", config=CLIENT_CONFIG)

    def __iter__(self) -> Iterator[Any]:
        return iter((self.sfn, self.dynamodb))


@cache
def clients() -> Clients:
    """The clients, once per container (and cleared between local engines)."""
    return Clients()


def _state_machine_arn() -> str:
    return os.environ[STATE_MACHINE_ARN_ENV]


def _cancellation_state_machine_arn() -> str:
    return os.environ[CANCELLATION_STATE_MACHINE_ARN_ENV]


def _bookings_table() -> str:
    return os.environ[BOOKINGS_TABLE_NAME_ENV]


def _execution_arn(booking_id: str, machine: str | None = None) -> str:
    return f"{(machine or _state_machine_arn()).replace(':stateMachine:', ':execution:')}:{booking_id}"


def _table_names() -> dict[str, str]:
    names: dict[str, str] = json.loads(os.environ[TABLE_NAMES_ENV])
    return names


def _describe(booking_id: str, machine: str | None = None) -> dict[str, Any] | None:
    sfn = clients().sfn
    try:
        description: dict[str, Any] = sfn.describe_execution(executionArn=_execution_arn(booking_id, machine))
    except sfn.exceptions.ExecutionDoesNotExist:
        return None
    return description


def _steps(execution_arn: str) -> list[str]:
    sfn = clients().sfn
    steps: list[str] = []
    for page in sfn.get_paginator("get_execution_history").paginate(executionArn=execution_arn):
        steps += [e["stateEnteredEventDetails"]["name"] for e in page["events"] if e["type"].endswith("StateEntered")]
    return steps


def _items(booking_id: str) -> dict[str, dict[str, Any] | None]:
    dynamodb = clients().dynamodb
    key = {name: {"S": value} for name, value in reservation_key(booking_id).items()}
    found: dict[str, dict[str, Any] | None] = {}
    for service, table in _table_names().items():
        item = dynamodb.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")
        found[service] = {name: _deserializer.deserialize(value) for name, value in item.items()} if item else None
    return found


def _record(customer_id: str, booking_id: str) -> dict[str, Any] | None:
    item = (
        clients().dynamodb.get_item(TableName=_bookings_table(), Key=record_key(customer_id, booking_id), ConsistentRead=True).get("Item")
    )
    return {name: _deserializer.deserialize(value) for name, value in item.items()} if item else None


def _put_record(customer_id: str, booking_id: str, attributes: Mapping[str, Any], *, revision: int | None) -> bool:
    """Write the record at the next revision if it is still at `revision` (None: if there is none). False
    when another write came first: that one stands."""
    dynamodb = clients().dynamodb
    item = {**record_key(customer_id, booking_id), "revision": {"N": str((revision or 0) + 1)}}
    item |= {name: _serializer.serialize(value) for name, value in attributes.items()}
    condition = ("attribute_not_exists(pk)", {}) if revision is None else ("revision = :read", {":read": {"N": str(revision)}})
    try:
        dynamodb.put_item(
            TableName=_bookings_table(),
            Item=item,
            ConditionExpression=condition[0],
            **({"ExpressionAttributeValues": condition[1]} if condition[1] else {}),
        )
    except dynamodb.exceptions.ConditionalCheckFailedException:
        return False
    return True


def _live_view(booking_id: str, customer_id: str) -> tuple[BookingView, str, str] | None:
    """The booking read from its executions and the service tables: (view, execution input, execution
    ARN), or None for no such booking of this customer."""
    description = _describe(booking_id)
    if description is None or owner_of(description["input"]) != customer_id:
        return None
    fingerprint = fingerprint_of(description["input"])
    items = _items(booking_id)
    parts = {service: part_of(items.get(service), fingerprint) for service in Parts.model_fields}
    cancellation = _describe(booking_id, _cancellation_state_machine_arn())
    view = BookingView(
        booking_id=booking_id,
        status=customer_status(description["status"], description.get("error"), parts, cancellation),
        steps=_steps(description["executionArn"]),
        parts=Parts(**parts),
        trip=trip_of(description["input"]),
        cancellation_steps=_steps(cancellation["executionArn"]) if cancellation else None,
    )
    return view, description["input"], description["executionArn"]


def _view(booking_id: str, customer_id: str) -> tuple[BookingView, dict[str, Any] | None] | None:
    """The booking as the customer sees it, and its record: from the record when the booking is final
    there (one GetItem), else live, then kept in the record if it has become final."""
    record = _record(customer_id, booking_id)
    if record is not None and record.get("view") and record["view"]["status"] in FINAL_STATUSES:
        return BookingView.model_validate(record["view"]), record
    live = _live_view(booking_id, customer_id)
    if live is None:
        return None
    view = live[0]
    if view.status in FINAL_STATUSES:
        attributes = {**(record or {}), "view": view.model_dump(mode="json"), "created_at": (record or {}).get("created_at", utc_now())}
        attributes = {name: value for name, value in attributes.items() if name not in ("pk", "sk", "revision")}
        _put_record(customer_id, booking_id, attributes, revision=int(record["revision"]) if record else None)
    return view, record


# -- the routes -------------------------------------------------------------------------------------------
app = APIGatewayHttpResolver(enable_validation=True)

_PROBLEMS = {
    HTTPStatus.BAD_REQUEST: "a field is invalid: the detail names each one",
    HTTPStatus.UNAUTHORIZED: "no token, or one that names no customer",
    HTTPStatus.FORBIDDEN: "the body names another customer",
    HTTPStatus.NOT_FOUND: "no such booking for this customer",
    HTTPStatus.CONFLICT: "the booking id was used before with other details, or the booking cannot be cancelled (not confirmed)",
    HTTPStatus.REQUEST_ENTITY_TOO_LARGE: "the body is over 256 KiB",
}


def _problem_responses(*statuses: HTTPStatus) -> dict[int, OpenAPIResponse]:
    return {int(status): {"description": _PROBLEMS[status], "content": {PROBLEM_CONTENT_TYPE: {"model": Problem}}} for status in statuses}


def _booking_response(description: str, *, location: bool) -> OpenAPIResponse:
    response: OpenAPIResponse = {"description": description, "content": {"application/json": {"model": BookingAccepted}}}
    if location:
        response["headers"] = {"Location": {"description": "the booking: /bookings/{booking_id}", "schema": {"type": "string"}}}
    return response


@app.post(
    "/bookings",
    summary="Book a trip",
    description="Starts the booking's saga. The customer is the token's subject; the same body again is the same booking.",
    operation_id="createBooking",
    status_code=202,
    responses={
        202: _booking_response("accepted: the saga runs", location=True),
        200: _booking_response("this booking was submitted before (and has ended): its current status", location=True),
        **_problem_responses(
            HTTPStatus.BAD_REQUEST,
            HTTPStatus.UNAUTHORIZED,
            HTTPStatus.FORBIDDEN,
            HTTPStatus.CONFLICT,
            HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
        ),
    },
)
def create_booking() -> Response[BookingAccepted]:
    event = app.current_event
    customer_id = customer_of(event.raw_event)
    request = validated(with_customer(body_of(event.body, base64_encoded=bool(event.is_base64_encoded)), customer_id))
    booking_id = request.booking_id
    sfn = clients().sfn
    headers = {"Location": f"/bookings/{booking_id}"}
    try:
        sfn.start_execution(stateMachineArn=_state_machine_arn(), name=booking_id, input=execution_input(request))
    except sfn.exceptions.ExecutionAlreadyExists:
        existing = _describe(booking_id)
        if existing is None or fingerprint_of(existing["input"]) != request.fingerprint():
            raise ProblemError(
                HTTPStatus.CONFLICT,
                "booking-id-taken",
                "Booking id already used",
                f"booking {booking_id} was submitted before with other details; this request was not booked",
            ) from None
        found = _view(booking_id, customer_id)
        status = found[0].status if found else customer_status(existing["status"], existing.get("error"))
        return Response(200, "application/json", BookingAccepted(booking_id=booking_id, status=status), headers)
    # The record lets the customer's list show the booking from now on; a lost write only costs the
    # list its entry until the booking is read (then the record is written).
    _put_record(customer_id, booking_id, {"created_at": utc_now(), "view": None}, revision=None)
    logger.info("booking started", extra={"booking_id": booking_id})
    return Response(202, "application/json", BookingAccepted(booking_id=booking_id, status="pending"), headers)


@app.get(
    "/bookings",
    summary="The customer's bookings",
    description="A page of the token's customer's bookings, by booking id (?limit= 1-100, default 20; ?after= the previous page's `next`).",
    operation_id="listBookings",
    responses={200: {"description": "a page of bookings"}, **_problem_responses(HTTPStatus.BAD_REQUEST, HTTPStatus.UNAUTHORIZED)},
)
def list_bookings() -> BookingPage:
    customer_id = customer_of(app.current_event.raw_event)
    parameters = app.current_event.query_string_parameters
    limit, after = page_size(parameters), page_start(parameters)
    query: dict[str, Any] = {
        "TableName": _bookings_table(),
        "KeyConditionExpression": "pk = :customer AND begins_with(sk, :booking)",
        "ExpressionAttributeValues": {":customer": {"S": f"CUSTOMER#{customer_id}"}, ":booking": {"S": "BOOKING#"}},
        "Limit": limit,
        "ConsistentRead": True,
    }
    if after:
        query["ExclusiveStartKey"] = record_key(customer_id, after)
    page = clients().dynamodb.query(**query)
    summaries = []
    for raw in page["Items"]:
        record = {name: _deserializer.deserialize(value) for name, value in raw.items()}
        booking_id = str(record["sk"]).removeprefix("BOOKING#")
        view = BookingView.model_validate(record["view"]) if record.get("view") else None
        if view is None or view.status not in FINAL_STATUSES:  # still moving: as it is now
            found = _view(booking_id, customer_id)
            view = found[0] if found else None
        if view is not None:
            summaries.append(
                BookingSummary(booking_id=booking_id, status=view.status, trip=view.trip, created_at=str(record.get("created_at", "")))
            )
    last = page.get("LastEvaluatedKey")
    return BookingPage(bookings=summaries, next=last["sk"]["S"].removeprefix("BOOKING#") if last else None)


@app.get(
    "/bookings/<booking_id>",
    summary="A booking",
    description=(
        "The booking's status, the saga's steps so far, each service's part and what was booked"
        " (and its cancellation's steps, once asked for). Another customer's booking is not found."
    ),
    operation_id="getBooking",
    responses={200: {"description": "the booking"}, **_problem_responses(HTTPStatus.UNAUTHORIZED, HTTPStatus.NOT_FOUND)},
)
def get_booking(booking_id: str) -> BookingView:
    customer_id = customer_of(app.current_event.raw_event)
    if not re.fullmatch(BOOKING_ID_PATTERN, booking_id):
        raise not_found()
    found = _view(booking_id, customer_id)
    if found is None:
        raise not_found()
    return found[0]


@app.post(
    "/bookings/<booking_id>/cancel",
    summary="Cancel a confirmed booking",
    description=(
        "Starts the booking's cancellation: the hotel and the flight are released and the charge refunded."
        " Asking again is the same cancellation."
    ),
    operation_id="cancelBooking",
    status_code=202,
    responses={
        202: _booking_response("accepted: the cancellation runs (or ran)", location=True),
        **_problem_responses(HTTPStatus.UNAUTHORIZED, HTTPStatus.NOT_FOUND, HTTPStatus.CONFLICT),
    },
)
def cancel_booking(booking_id: str) -> Response[BookingAccepted]:
    customer_id = customer_of(app.current_event.raw_event)
    if not re.fullmatch(BOOKING_ID_PATTERN, booking_id):
        raise not_found()
    live = _live_view(booking_id, customer_id)  # never the record: the decision needs the booking as it is now
    if live is None:
        raise not_found()
    view, stored_input, execution_arn = live
    headers = {"Location": f"/bookings/{booking_id}"}
    if view.status in ("cancelling", "cancelled"):  # the same call again: the same cancellation
        return Response(202, "application/json", BookingAccepted(booking_id=booking_id, status=view.status), headers)
    if view.status != "confirmed":
        raise ProblemError(
            HTTPStatus.CONFLICT,
            "booking-not-cancellable",
            "Booking cannot be cancelled",
            f"booking {booking_id} is {view.status}: only a confirmed booking is cancelled",
        )
    # Recorded first: from now on no read answers the record's older view (confirmed); should the start
    # below fail, the next read finds no cancellation and puts the confirmed view back.
    record = _record(customer_id, booking_id)
    cancelling = view.model_copy(update={"status": "cancelling"}).model_dump(mode="json")
    attributes = {"created_at": (record or {}).get("created_at", utc_now()), "view": cancelling}
    while not _put_record(customer_id, booking_id, attributes, revision=int(record["revision"]) if record else None):
        record = _record(customer_id, booking_id)
    sfn = clients().sfn
    with contextlib.suppress(sfn.exceptions.ExecutionAlreadyExists):  # asked before, and that cancellation has ended since: it is the one
        sfn.start_execution(
            stateMachineArn=_cancellation_state_machine_arn(), name=booking_id, input=cancellation_input(stored_input, execution_arn)
        )
    logger.info("cancellation started", extra={"booking_id": booking_id})
    return Response(202, "application/json", BookingAccepted(booking_id=booking_id, status="cancelling"), headers)


def _problem(error: ProblemError) -> Response[str]:
    return Response(error.problem.status, PROBLEM_CONTENT_TYPE, error.problem.model_dump_json(exclude_none=True), error.headers)


def _on_problem(error: ProblemError) -> Response[str]:
    logger.info("request refused", extra={"status": error.problem.status, "problem": error.problem.type})
    return _problem(error)


def _on_invalid_parameter(error: RequestValidationError) -> Response[str]:
    detail = "; ".join(f"{'.'.join(str(part) for part in e['loc'])}: {e['msg']}" for e in error.errors())
    return _problem(ProblemError(HTTPStatus.BAD_REQUEST, "invalid-request", "Invalid request", detail))


def _on_unknown_route(error: NotFoundError) -> Response[str]:
    return _problem(ProblemError(HTTPStatus.NOT_FOUND, None, "Not Found", "no such route"))


def _on_error(error: Exception) -> Response[str]:
    logger.exception("request failed")
    return _problem(ProblemError(HTTPStatus.INTERNAL_SERVER_ERROR, None, "Internal Server Error", "the request could not be completed"))


# Registered by call, not as decorators: Powertools' decorators are untyped. The most specific class wins.
app.exception_handler(ProblemError)(_on_problem)
app.exception_handler(RequestValidationError)(_on_invalid_parameter)
app.not_found(_on_unknown_route)
app.exception_handler(Exception)(_on_error)


def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request_id = (event.get("requestContext") or {}).get("requestId")
    with invocation_keys(context, correlation_id=request_id if isinstance(request_id, str) else None, route=event.get("routeKey")):
        return app.resolve(event, context)


# -- OpenAPI --------------------------------------------------------------------------------------------
def openapi_document() -> str:
    """docs/openapi.json: the routes as Powertools describes them, plus the request body, which the route
    validates itself with the saga's model (BookingRequest, with customer.customer_id optional: the
    token's subject fills it in)."""
    # Imported here, not at the top: Powertools' OpenAPI models (some forty pydantic models, built at
    # import) are needed for the document only; the function, validation included, never loads them.
    from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer

    document: dict[str, Any] = json.loads(
        app.get_openapi_json_schema(
            title=API_TITLE,
            version=API_VERSION,
            description="Trip bookings through the saga. A JWT authenticates the caller (API Gateway's JWT authorizer):"
            " the customer is the token's `sub`.",
            security_schemes={"jwt": HTTPBearer(bearerFormat="JWT", description="An access or ID token; its `sub` is the customer id.")},
            security=[{"jwt": []}],
        )
    )
    request_schema = BookingRequest.model_json_schema(ref_template="#/components/schemas/{model}", mode="validation")
    schemas = document["components"]["schemas"]
    schemas.update(request_schema.pop("$defs", {}))
    schemas["BookingRequest"] = request_schema
    customer = schemas["Customer"]
    customer["required"] = [name for name in customer["required"] if name != "customer_id"]
    customer["properties"]["customer_id"]["description"] = (
        "the token's subject; filled in from it when left out, refused (403) when another"
    )
    document["paths"]["/bookings"]["post"]["requestBody"] = {
        "required": True,
        "description": f"the booking request (at most {MAX_REQUEST_BYTES} bytes)",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/BookingRequest"}}},
    }
    # Powertools lists its own 422 on every route; here a bad parameter is a 400 problem like any other.
    # API Gateway answers some requests itself, before the function: its JWT authorizer's 401 and its
    # throttling's 429 are `{"message": ...}` as application/json.
    schemas["GatewayMessage"] = {
        "title": "GatewayMessage",
        "description": "An answer of API Gateway itself (its authorizer or throttling), not of the function",
        "type": "object",
        "properties": {"message": {"type": "string", "title": "Message"}},
        "required": ["message"],
    }
    gateway_message = {"application/json": {"schema": {"$ref": "#/components/schemas/GatewayMessage"}}}
    for operations in document["paths"].values():
        for operation in operations.values():
            responses = operation["responses"]
            responses.pop("422", None)
            responses["401"]["content"] |= gateway_message
            responses["401"]["description"] = "no valid token (API Gateway's JWT authorizer), or one that names no customer"
            responses["429"] = {"description": "throttled by the stage's route limits (API Gateway)", "content": gateway_message}
    for name in ("HTTPValidationError", "ValidationError", "ResponseValidationError"):
        if f'"#/components/schemas/{name}"' not in json.dumps({key: value for key, value in document.items() if key != "components"}):
            schemas.pop(name, None)
    return json.dumps(document, indent=2) + "\n"
