"""The booking request and the saga task event, validated with pydantic v2.

Unknown fields are refused everywhere: a typo in a request must fail loudly, not be ignored."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
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
    ValidationInfo,
    WithJsonSchema,
    field_validator,
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

# Money is a decimal string only: the Lambda runtime (and any JSON parser) reads a JSON number as a
# binary float before validation sees it, so 120.500000000000000001 would arrive as 120.5. A string
# is exact; integer minor units would be too, but they make every client and reader scale by the
# currency's exponent, and the contract's examples ("1249.90") are what people write. ASCII digits
# only (re's \d would take other scripts' digits), no sign, exponent, separators or whitespace, and
# exactly as many places as the currency has at most (ISO 4217: JPY none, the others two).
AMOUNT_PATTERN = re.compile(r"(0|[1-9][0-9]{0,7})(\.[0-9]{1,2})?")
DATE_PATTERN = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
CURRENCY_PLACES = {"EUR": 2, "USD": 2, "GBP": 2, "JPY": 0, "CHF": 2, "AUD": 2, "CAD": 2}
# The most a booking may charge, per currency (a guard against a misplaced decimal point).
CURRENCY_MAXIMUM = {currency: Decimal("50000") if places else Decimal("7500000") for currency, places in CURRENCY_PLACES.items()}


def _decimal_string(value: Any) -> Decimal:
    if not isinstance(value, str):
        kind = "a JSON number" if isinstance(value, int | float) and not isinstance(value, bool) else type(value).__name__
        raise ValueError(f'amount must be a decimal string such as "1249.90", not {kind}: a number loses exactness in transit')
    if not AMOUNT_PATTERN.fullmatch(value):
        raise ValueError('amount must be plain decimal digits with at most two decimal places, e.g. "1249.90"')
    return Decimal(value)


def _iso_date(value: Any) -> dt.date:
    if not isinstance(value, str) or not DATE_PATTERN.fullmatch(value):
        raise ValueError("date must be a string YYYY-MM-DD")
    return dt.date.fromisoformat(value)


def _not_blank(value: Any) -> Any:
    if isinstance(value, str) and value != value.strip():
        raise ValueError("must not be blank or start or end with whitespace")
    return value


# Amounts are exact: parsed from a string, stored and shown as one with the currency's places ("1249.90", "15000").
Amount = Annotated[Decimal, BeforeValidator(_decimal_string), PlainSerializer(str, return_type=str)]
# What the contract (docs/openapi.json) says of an amount; JSON Schema cannot bound a string's value.
AMOUNT_JSON_SCHEMA = {
    "type": "string",
    "pattern": f"^{AMOUNT_PATTERN.pattern}$",
    "description": "a decimal string greater than 0, with the currency's places at most (JPY none, the others two):"
    " at most 50000, or 7500000 JPY. A JSON number is refused: it would pass through a float",
    "examples": ["1249.90", "15000"],
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
    currency: Currency  # first: the amount is validated in its units
    # Amounts are exact decimals (never floats), in the currency's places; stored in canonical form.
    amount: Annotated[Amount, Field(gt=0), WithJsonSchema(AMOUNT_JSON_SCHEMA)]
    method_token: PaymentToken

    @field_validator("amount")
    @classmethod
    def _in_the_currency_s_units(cls, amount: Decimal, info: ValidationInfo) -> Decimal:
        currency = info.data.get("currency")
        if currency is None:  # the currency is invalid itself: that is the error to name
            return amount
        places, maximum = CURRENCY_PLACES[currency], CURRENCY_MAXIMUM[currency]
        exponent = amount.as_tuple().exponent
        if isinstance(exponent, int) and -exponent > places:
            raise ValueError(f"{currency} amounts have {places or 'no'} decimal places")
        if amount > maximum:
            raise ValueError(f"at most {maximum} {currency}")
        # The canonical form: exactly the currency's places ("1249.9" EUR is "1249.90").
        return amount.quantize(Decimal(1).scaleb(-places))


class AwsFaults(_Model):
    """AWS's own failures per step (see sagatools.emulator.aws_faults): the local engines inject them at the SDK
    boundary; handlers ignore them, and on AWS nothing injects them."""

    flight: AwsFault | None = None
    hotel: AwsFault | None = None
    payment: AwsFault | None = None
    confirm_payment: AwsFault | None = None
    confirm_flight: AwsFault | None = None
    confirm_hotel: AwsFault | None = None
    refund: AwsFault | None = None
    cancel_hotel: AwsFault | None = None
    cancel_flight: AwsFault | None = None
    cancel_hotel_booking: AwsFault | None = None
    cancel_flight_booking: AwsFault | None = None
    refund_charge: AwsFault | None = None


class Faults(_Model):
    """Fault injection, one key per step (the catalog's fault_key); honoured only where FAULT_INJECTION_ENABLED is true.
    The booking's faults apply to its whole life: its cancellation's steps read them too."""

    flight: Fault | None = None
    hotel: Fault | None = None
    payment: Fault | None = None
    confirm_payment: Fault | None = None
    confirm_flight: Fault | None = None
    confirm_hotel: Fault | None = None
    refund: Fault | None = None
    cancel_hotel: Fault | None = None
    cancel_flight: Fault | None = None
    cancel_hotel_booking: Fault | None = None
    cancel_flight_booking: Fault | None = None
    refund_charge: Fault | None = None
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
    redrive_count: Annotated[StrictInt, Field(ge=0)] = 0  # $$.Execution.RedriveCount
    # A cancellation step's own execution (the cancellation workflow's); `execution_arn` is then the
    # booking's execution, which owns the items it closes.
    cancellation_arn: Annotated[str, StringConstraints(strict=True, min_length=1, max_length=2048)] | None = None
    # The reconciliation's own execution, when it acts for an ended booking execution: recorded as what closed an item.
    reconciliation_arn: Annotated[str, StringConstraints(strict=True, min_length=1, max_length=2048)] | None = None
    # The state machine's last attempt at a compensation, after the alert: any failure is raised as
    # CompensationFailed, the execution's error at the state RedriveExecution resumes.
    last_attempt: bool = False


class StepResult(_Model):
    booking_id: str
    service: str
    status: str
    reference: str | None
    changed: bool


ModelT = TypeVar("ModelT", bound=BaseModel)


def offending_fields(error: ValidationError) -> list[tuple[str, str]]:
    """Each offending field with its message, e.g. `("request.payment.amount", "Input should be greater than 0")`."""
    return [
        (".".join(str(part) for part in detail["loc"]) or "(root)", detail["msg"])
        for detail in error.errors(include_url=False, include_input=False)
    ]


def describe(error: ValidationError) -> str:
    """One line naming each offending field, e.g. `request.payment.amount: Input should be greater than 0`."""
    return "; ".join(f"{field}: {message}" for field, message in offending_fields(error))


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
        raise InvalidBookingRequest(describe(error), offending_fields(error)) from None
