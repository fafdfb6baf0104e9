"""The booking request and the saga task event, validated with pydantic v2.

Unknown fields are refused everywhere: a typo in a request must fail loudly, not be ignored."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import re
from decimal import Decimal
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StrictInt,
    StringConstraints,
    ValidationError,
    WithJsonSchema,
    model_validator,
)

from trip_saga.errors import InvalidBookingRequest
from trip_saga.faults import AWS_FAULT_PATTERN, FAULT_PATTERN

# Booking ids name the Step Functions execution (at most 80 characters of [A-Za-z0-9_-]).
BOOKING_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"
BookingId = Annotated[str, StringConstraints(strict=True, pattern=BOOKING_ID_PATTERN)]
Identifier = Annotated[str, StringConstraints(strict=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")]
AirportCode = Annotated[str, StringConstraints(strict=True, pattern=r"^[A-Z]{3}$")]
# Names are free text, but not control, bidi-override or zero-width characters (spoofing); lone
# surrogates are refused too (DynamoDB stores UTF-8 only).
NAME_PATTERN = r"^[^\x00-\x1f\x7f-\x9f\u115f\u1160\u2028\u2029\u200b-\u200f\u202a-\u202e\u2060-\u2069\u2800\u3164\ufeff\uffa0]+$"
EMAIL_PATTERN = r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$"
PersonName = Annotated[str, StringConstraints(strict=True, min_length=1, max_length=100, pattern=NAME_PATTERN)]
# Step Functions refuses an execution input over 256 KiB; a request that large is refused by name here too.
MAX_REQUEST_BYTES = 256 * 1024

# One canonical form per field, whatever JSON type it arrives as: ASCII digits (re's \d would take
# other scripts' digits), at most two places, no sign, exponent, separators or whitespace.
AMOUNT_PATTERN = re.compile(r"(0|[1-9][0-9]{0,4})(\.[0-9]{1,2})?")
DATE_PATTERN = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _canonical_amount(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise ValueError("amount must be a decimal number or string, not a boolean")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("amount must be a finite number")
        text = repr(value)  # the shortest text that reads back as this float: 1249.9, 1e+16, 10.000000000000002
        text = text.removesuffix(".0") if text.endswith(".0") else text
    elif isinstance(value, int | Decimal):
        text = str(value)
    elif isinstance(value, str):
        text = value
    else:
        raise ValueError("amount must be a decimal number or string")
    if not AMOUNT_PATTERN.fullmatch(text):
        raise ValueError("amount must be plain decimal digits with at most two decimal places, e.g. 1249.90")
    return Decimal(text).quantize(Decimal("0.01"))


def _iso_date(value: Any) -> dt.date:
    if not isinstance(value, str) or not DATE_PATTERN.fullmatch(value):
        raise ValueError("date must be a string YYYY-MM-DD")
    return dt.date.fromisoformat(value)


def _not_blank(value: Any) -> Any:
    if isinstance(value, str) and value != value.strip():
        raise ValueError("must not be blank or start or end with whitespace")
    return value


# Amounts are exact: stored and shown as a string with two places ("1249.90"), never a float.
Amount = Annotated[Decimal, BeforeValidator(_canonical_amount), PlainSerializer(lambda amount: f"{amount:.2f}", return_type=str)]
# What the contract (docs/openapi.json) says of an amount; JSON Schema cannot bound a string's value.
AMOUNT_JSON_SCHEMA = {
    "anyOf": [
        {"type": "number", "exclusiveMinimum": 0, "maximum": 50000, "multipleOf": 0.01},
        {"type": "string", "pattern": f"^{AMOUNT_PATTERN.pattern}$"},
    ],
    "description": 'greater than 0 and at most 50000, with at most two decimal places; a string keeps it exact ("1249.90")',
}
IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]
Name = Annotated[PersonName, BeforeValidator(_not_blank)]
Email = Annotated[str, StringConstraints(strict=True, max_length=254, pattern=EMAIL_PATTERN)]
# A tokenised payment method (as issued by a payment provider); card numbers never enter the saga.
PaymentToken = Annotated[str, StringConstraints(strict=True, pattern=r"^tok_[A-Za-z0-9]{6,64}$")]
Count = Annotated[StrictInt, Field(ge=1, le=9)]

Currency = Literal["EUR", "USD", "GBP", "JPY", "CHF", "AUD", "CAD"]
# See trip_saga.faults for what each fault does.
Fault = Annotated[str, StringConstraints(strict=True, pattern=FAULT_PATTERN)]
AwsFault = Annotated[str, StringConstraints(strict=True, pattern=AWS_FAULT_PATTERN)]
MAX_NIGHTS = 30


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Customer(_Model):
    customer_id: Identifier
    name: Name
    email: Email


class FlightRequest(_Model):
    flight_number: Annotated[str, StringConstraints(strict=True, pattern=r"^[A-Z0-9]{2}[0-9]{1,4}$")]
    origin: AirportCode
    destination: AirportCode
    departure_date: IsoDate
    passengers: Count = 1

    @model_validator(mode="after")
    def _distinct_airports(self) -> FlightRequest:
        if self.origin == self.destination:
            raise ValueError("destination must differ from origin")
        return self


class HotelRequest(_Model):
    hotel_id: Identifier
    check_in: IsoDate
    check_out: IsoDate
    rooms: Count = 1

    @model_validator(mode="after")
    def _valid_stay(self) -> HotelRequest:
        nights = (self.check_out - self.check_in).days
        if not 1 <= nights <= MAX_NIGHTS:
            raise ValueError(f"check_out must be 1 to {MAX_NIGHTS} nights after check_in")
        return self


class PaymentRequest(_Model):
    # Amounts are exact decimals (never floats) with at most two decimal places.
    amount: Annotated[Amount, Field(gt=0, le=Decimal("50000")), WithJsonSchema(AMOUNT_JSON_SCHEMA)]
    currency: Currency
    method_token: PaymentToken


class AwsFaults(_Model):
    """AWS's own failures per step (see sagatools.emulator.aws_faults): the local engines inject them at the SDK
    boundary; handlers ignore them, and on AWS nothing injects them."""

    flight: AwsFault | None = None
    hotel: AwsFault | None = None
    payment: AwsFault | None = None
    refund: AwsFault | None = None
    cancel_hotel: AwsFault | None = None
    cancel_flight: AwsFault | None = None


class Faults(_Model):
    """Fault injection, one key per saga step; honoured only where FAULT_INJECTION_ENABLED is true."""

    flight: Fault | None = None
    hotel: Fault | None = None
    payment: Fault | None = None
    refund: Fault | None = None
    cancel_hotel: Fault | None = None
    cancel_flight: Fault | None = None
    aws: AwsFaults | None = None


class BookingRequest(_Model):
    booking_id: BookingId
    customer: Customer
    flight: FlightRequest
    hotel: HotelRequest
    payment: PaymentRequest
    faults: Faults = Faults()

    def fingerprint(self) -> str:
        """Identifies the request a reservation or charge belongs to: the whole booking, in canonical
        form, without `faults` (test instructions, not part of what is booked: the runbook re-runs
        compensations without them)."""
        canonical = json.dumps(self.model_dump(mode="json", exclude={"faults"}), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


class TaskEvent(_Model):
    """What the state machine sends every task: the execution's input, the execution ARN and the
    task's retry count ($$.State.RetryCount, 0 on the first attempt)."""

    request: BookingRequest
    # The execution that sends it, and so owns what it writes; "direct" for a client's own invocation.
    execution_arn: Annotated[
        str,
        BeforeValidator(lambda value: "direct" if value is None else value),
        StringConstraints(strict=True, min_length=1, max_length=2048),
    ] = "direct"
    retry_count: Annotated[StrictInt, Field(ge=0)] = 0


class StepResult(_Model):
    booking_id: str
    service: str
    status: str
    reference: str | None
    changed: bool


ModelT = TypeVar("ModelT", bound=BaseModel)


def describe(error: ValidationError) -> str:
    """One line naming each offending field, e.g. `request.payment.amount: Input should be greater than 0`."""
    parts = []
    for detail in error.errors(include_url=False, include_input=False):
        field = ".".join(str(part) for part in detail["loc"]) or "(root)"
        parts.append(f"{field}: {detail['msg']}")
    return "; ".join(parts)


def _not_unicode(value: Any, path: str = "") -> str:
    """Where the first text that cannot be encoded as UTF-8 is, e.g. `customer.name`."""
    if isinstance(value, dict):
        items: Any = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return path or "(root)"
    for key, inner in items:
        where = f"{path}.{key}" if path else str(key)
        try:
            json.dumps({str(key): inner}, ensure_ascii=False, default=str).encode()
        except UnicodeEncodeError:
            return _not_unicode(inner, where)
    return path or "(root)"


def parse_model(data: Any, model: type[ModelT]) -> ModelT:
    """Validate `data` against `model`, turning pydantic's error into InvalidBookingRequest."""
    if not isinstance(data, dict):  # an event is an object, or refused (a JSON string is never decoded)
        raise InvalidBookingRequest(f"(root): must be a JSON object, not {type(data).__name__}")
    request = data.get("request") if model is TaskEvent else data
    try:
        size = len(json.dumps(request, ensure_ascii=False, default=str).encode())
    except UnicodeEncodeError:  # a lone surrogate (\ud800): not text DynamoDB, or anyone, can store
        prefix = "request." if model is TaskEvent else ""
        raise InvalidBookingRequest(f"{prefix}{_not_unicode(request)}: text that is not valid Unicode (a lone surrogate)") from None
    if size > MAX_REQUEST_BYTES:
        raise InvalidBookingRequest(f"(root): the request is {size} bytes; at most {MAX_REQUEST_BYTES} are accepted")
    if model is TaskEvent and not isinstance(request, dict):
        raise InvalidBookingRequest(f"request: must be a JSON object, not {type(request).__name__}")
    try:
        # What Powertools' parse() does with an object and no envelope (a TypeAdapter of the model), without
        # importing its parser package on a cold start.
        return model.model_validate(data)
    except ValidationError as error:
        raise InvalidBookingRequest(describe(error)) from None
