"""The booking request and the saga task event, validated with Powertools' parser (pydantic v2).

Unknown fields are refused everywhere: a typo in a request must fail loudly, not be ignored."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal, TypeVar

from aws_lambda_powertools.utilities.parser import parse
from pydantic import BaseModel, ConfigDict, Field, StrictInt, StringConstraints, ValidationError, model_validator

from trip_saga.errors import InvalidBookingRequest
from trip_saga.faults import FAULT_PATTERN

# Booking ids name the Step Functions execution (at most 80 characters of [A-Za-z0-9_-]).
BookingId = Annotated[str, StringConstraints(strict=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")]
Identifier = Annotated[str, StringConstraints(strict=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")]
AirportCode = Annotated[str, StringConstraints(strict=True, pattern=r"^[A-Z]{3}$")]
# Names are free text, but not control, bidi-override or zero-width characters (spoofing); lone
# surrogates are refused too (DynamoDB stores UTF-8 only).
NAME_PATTERN = r"^[^\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]+$"
EMAIL_PATTERN = r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$"
PersonName = Annotated[str, StringConstraints(strict=True, min_length=1, max_length=100, pattern=NAME_PATTERN)]
Email = Annotated[str, StringConstraints(strict=True, max_length=254, pattern=EMAIL_PATTERN)]
# A tokenised payment method (as issued by a payment provider); card numbers never enter the saga.
PaymentToken = Annotated[str, StringConstraints(strict=True, pattern=r"^tok_[A-Za-z0-9]{6,64}$")]
Count = Annotated[StrictInt, Field(ge=1, le=9)]

Currency = Literal["EUR", "USD", "GBP", "JPY", "CHF", "AUD", "CAD"]
# See trip_saga.faults for what each fault does.
Fault = Annotated[str, StringConstraints(strict=True, pattern=FAULT_PATTERN)]
MAX_NIGHTS = 30


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Customer(_Model):
    customer_id: Identifier
    name: PersonName
    email: Email


class FlightRequest(_Model):
    flight_number: Annotated[str, StringConstraints(strict=True, pattern=r"^[A-Z0-9]{2}[0-9]{1,4}$")]
    origin: AirportCode
    destination: AirportCode
    departure_date: dt.date
    passengers: Count = 1

    @model_validator(mode="after")
    def _distinct_airports(self) -> FlightRequest:
        if self.origin == self.destination:
            raise ValueError("destination must differ from origin")
        return self


class HotelRequest(_Model):
    hotel_id: Identifier
    check_in: dt.date
    check_out: dt.date
    rooms: Count = 1

    @model_validator(mode="after")
    def _valid_stay(self) -> HotelRequest:
        nights = (self.check_out - self.check_in).days
        if not 1 <= nights <= MAX_NIGHTS:
            raise ValueError(f"check_out must be 1 to {MAX_NIGHTS} nights after check_in")
        return self


class PaymentRequest(_Model):
    # Amounts are exact decimals (never floats) with at most two decimal places.
    amount: Annotated[Decimal, Field(gt=0, le=Decimal("50000"), max_digits=7, decimal_places=2, allow_inf_nan=False)]
    currency: Currency
    method_token: PaymentToken


class Faults(_Model):
    """Fault injection, one key per saga step; honoured only where FAULT_INJECTION_ENABLED is true."""

    flight: Fault | None = None
    hotel: Fault | None = None
    payment: Fault | None = None
    refund: Fault | None = None
    cancel_hotel: Fault | None = None
    cancel_flight: Fault | None = None


class BookingRequest(_Model):
    booking_id: BookingId
    customer: Customer
    flight: FlightRequest
    hotel: HotelRequest
    payment: PaymentRequest
    faults: Faults = Faults()


class TaskEvent(_Model):
    """What the state machine sends every task: the execution's input, the execution ARN and the
    task's retry count ($$.State.RetryCount, 0 on the first attempt)."""

    request: BookingRequest
    execution_arn: str | None = None
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


def parse_model(data: Any, model: type[ModelT]) -> ModelT:
    """Validate `data` against `model`, turning pydantic's error into InvalidBookingRequest."""
    try:
        return parse(event=data, model=model)
    except ValidationError as error:
        raise InvalidBookingRequest(describe(error)) from None
