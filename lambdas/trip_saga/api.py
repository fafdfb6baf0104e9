"""The front door: the bookings HTTP API (API Gateway HTTP API, payload format 2.0, JWT authorizer).

    POST /bookings                 start a booking's saga: 202 {booking_id, status} and Location
    GET  /bookings/{booking_id}    the booking as its customer sees it: status, steps, parts

The customer is whoever the token names (`requestContext.authorizer.jwt.claims.sub`), never what the
body says: a body naming another customer is refused, one naming none is given the token's. The body
is validated by the saga's own model (so a 400 names each field as the saga does) and started as an
execution named after the booking id, so a booking runs at most once. Errors are problem details
(RFC 9457). The route functions are thin; what they decide is in the small pure functions below.

The environment contract: STATE_MACHINE_ARN, and TABLE_NAMES as JSON {service: table name}."""

from __future__ import annotations

import base64
import binascii
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
from boto3.dynamodb.types import TypeDeserializer
from pydantic import BaseModel, ConfigDict

from trip_saga.aws import CLIENT_CONFIG
from trip_saga.errors import InvalidBookingRequest
from trip_saga.models import BOOKING_ID_PATTERN, MAX_REQUEST_BYTES, BookingRequest, parse_model
from trip_saga.observability import invocation_keys, logger
from trip_saga.repository import reservation_key

if TYPE_CHECKING:  # a TypedDict, for the route declarations' types only
    from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse

STATE_MACHINE_ARN_ENV = "STATE_MACHINE_ARN"
TABLE_NAMES_ENV = "TABLE_NAMES"
PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://trip-saga.example/problems/"
API_TITLE = "Trip booking API"
API_VERSION = "1.0.0"

CustomerStatus = Literal["pending", "confirmed", "rejected", "rolled back", "needs attention"]
# The errors that end an execution in BookingRejected (the ASL's first Catch): refused before anything was written.
REJECTED_ERRORS = frozenset({"InvalidBookingRequest", "BookingConflict", "Runtime.UnmarshalError"})
_deserializer = TypeDeserializer()


# -- the contract ---------------------------------------------------------------------------------------
class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Problem(_Model):
    """A problem details object (RFC 9457), sent as application/problem+json."""

    type: str
    title: str
    status: int
    detail: str


class BookingAccepted(_Model):
    booking_id: str
    status: CustomerStatus


class Part(_Model):
    """One service's share of the booking as stored: RESERVED / CANCELLED (flight, hotel), CHARGED / REFUNDED (payment)."""

    status: str
    reference: str | None


class Parts(_Model):
    flight: Part | None
    hotel: Part | None
    payment: Part | None


class BookingView(_Model):
    booking_id: str
    status: CustomerStatus
    steps: list[str]  # the saga's states entered so far, in order
    parts: Parts  # null where the service holds nothing for this booking


class ProblemError(Exception):
    """Ends a request with a problem details response."""

    def __init__(self, status: HTTPStatus, slug: str | None, title: str, detail: str, *, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(detail)
        self.problem = Problem(type=f"{PROBLEM_TYPE_BASE}{slug}" if slug else "about:blank", title=title, status=int(status), detail=detail)
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
        raise ProblemError(
            HTTPStatus.BAD_REQUEST, "invalid-request", "Invalid booking request", "(root): the body is not valid base64"
        ) from None
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
        raise ProblemError(HTTPStatus.BAD_REQUEST, "invalid-request", "Invalid booking request", f"(root): not JSON ({error})") from None
    except RecursionError:  # thousands of nested brackets: no booking request looks like that
        raise ProblemError(HTTPStatus.BAD_REQUEST, "invalid-request", "Invalid booking request", "(root): nested too deeply") from None


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
        raise ProblemError(HTTPStatus.BAD_REQUEST, "invalid-request", "Invalid booking request", str(error)) from None


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


def customer_status(status: str, error: str | None) -> CustomerStatus:
    """An execution's status as a customer understands it."""
    if status == "RUNNING":
        return "pending"
    if status == "SUCCEEDED":
        return "confirmed"
    if status == "FAILED" and error in REJECTED_ERRORS:
        return "rejected"
    if status == "FAILED" and error == "SagaFailed":
        return "rolled back"
    return "needs attention"  # CompensationFailed, TIMED_OUT, ABORTED, or anything unforeseen: an operator looks


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


def _execution_arn(booking_id: str) -> str:
    return f"{_state_machine_arn().replace(':stateMachine:', ':execution:')}:{booking_id}"


def _table_names() -> dict[str, str]:
    names: dict[str, str] = json.loads(os.environ[TABLE_NAMES_ENV])
    return names


def _describe(booking_id: str) -> dict[str, Any] | None:
    sfn = clients().sfn
    try:
        description: dict[str, Any] = sfn.describe_execution(executionArn=_execution_arn(booking_id))
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


# -- the routes -------------------------------------------------------------------------------------------
app = APIGatewayHttpResolver(enable_validation=True)

_PROBLEMS = {
    HTTPStatus.BAD_REQUEST: "a field is invalid: the detail names each one",
    HTTPStatus.UNAUTHORIZED: "no token, or one that names no customer",
    HTTPStatus.FORBIDDEN: "the body names another customer",
    HTTPStatus.NOT_FOUND: "no such booking for this customer",
    HTTPStatus.CONFLICT: "the booking id was used before with other details",
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
        status = customer_status(existing["status"], existing.get("error"))
        return Response(200, "application/json", BookingAccepted(booking_id=booking_id, status=status), headers)
    logger.info("booking started", extra={"booking_id": booking_id})
    return Response(202, "application/json", BookingAccepted(booking_id=booking_id, status="pending"), headers)


@app.get(
    "/bookings/<booking_id>",
    summary="A booking",
    description="The booking's status, the saga's steps so far and each service's part. Another customer's booking is not found.",
    operation_id="getBooking",
    responses={200: {"description": "the booking"}, **_problem_responses(HTTPStatus.UNAUTHORIZED, HTTPStatus.NOT_FOUND)},
)
def get_booking(booking_id: str) -> BookingView:
    customer_id = customer_of(app.current_event.raw_event)
    if not re.fullmatch(BOOKING_ID_PATTERN, booking_id):
        raise not_found()
    description = _describe(booking_id)
    if description is None or owner_of(description["input"]) != customer_id:
        raise not_found()
    fingerprint = fingerprint_of(description["input"])
    items = _items(booking_id)
    return BookingView(
        booking_id=booking_id,
        status=customer_status(description["status"], description.get("error")),
        steps=_steps(description["executionArn"]),
        parts=Parts(**{service: part_of(items.get(service), fingerprint) for service in Parts.model_fields}),
    )


def _problem(error: ProblemError) -> Response[str]:
    return Response(error.problem.status, PROBLEM_CONTENT_TYPE, error.problem.model_dump_json(), error.headers)


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
