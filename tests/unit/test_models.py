"""The booking request schema: what a real API accepts, and errors that name the offending field."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest

from sagatools.client import samples
from trip_saga.errors import InvalidBookingRequest
from trip_saga.models import BookingRequest, parse_model

pytestmark = pytest.mark.pure


def with_change(path: str, value: Any) -> dict[str, Any]:
    request = copy.deepcopy(samples.booking_request("b-1"))
    *parents, leaf = path.split(".")
    target = request
    for key in parents:
        target = target[key]
    if value is KeyError:
        del target[leaf]
    else:
        target[leaf] = value
    return request


def test_sample_request_is_valid() -> None:
    request = parse_model(samples.booking_request("b-1"), BookingRequest)
    assert request.payment.amount == Decimal("1249.90")
    assert request.faults.payment is None


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        ("booking_id", "has space", "booking_id"),
        ("booking_id", "x" * 65, "booking_id"),
        ("booking_id", 42, "booking_id"),
        ("customer.email", "not-an-email", "customer.email"),
        ("customer.name", "", "customer.name"),
        ("customer.name", "bell\x07", "customer.name"),
        ("customer", KeyError, "customer"),
        ("flight.origin", "fra", "flight.origin"),
        ("flight.destination", "FRA", "flight"),
        ("flight.departure_date", "2027-02-30", "flight.departure_date"),
        ("flight.passengers", 0, "flight.passengers"),
        ("flight.passengers", "2", "flight.passengers"),
        ("hotel.check_out", "2027-05-14", "hotel"),
        ("hotel.check_out", "2027-07-01", "hotel"),
        ("hotel.rooms", 10, "hotel.rooms"),
        ("payment.amount", "-5", "payment.amount"),
        ("payment.amount", 0, "payment.amount"),
        ("payment.amount", "50000.01", "payment.amount"),
        ("payment.amount", "10.001", "payment.amount"),
        ("payment.amount", "NaN", "payment.amount"),
        ("payment.amount", True, "payment.amount"),
        ("payment.amount", 1249.9, "payment.amount"),  # a JSON number: it would pass through a float
        ("payment.amount", 1250, "payment.amount"),
        ("payment.amount", "120.500000000000000001", "payment.amount"),
        ("payment.currency", "EURO", "payment.currency"),
        ("payment.method_token", "4111111111111111", "payment.method_token"),
        ("payment.cvv", "123", "payment.cvv"),
        ("faults", {"payment": "explode"}, "faults.payment"),
        ("faults", {"teleporter": "fail"}, "faults.teleporter"),
    ],
)
def test_invalid_request_names_the_field(path: str, value: Any, field: str) -> None:
    with pytest.raises(InvalidBookingRequest) as raised:
        parse_model(with_change(path, value), BookingRequest)
    named = [part.split(":")[0] for part in str(raised.value).split("; ")]
    assert field in named, str(raised.value)


@pytest.mark.parametrize(
    ("sent", "currency", "stored"),
    [
        ("1249.90", "EUR", "1249.90"),
        ("1249.9", "EUR", "1249.90"),
        ("1250", "USD", "1250.00"),
        ("0.05", "GBP", "0.05"),
        ("15000", "JPY", "15000"),
    ],
)
def test_an_amount_is_a_decimal_string_stored_in_its_currency_s_places(sent: str, currency: str, stored: str) -> None:
    sent_request = with_change("payment.currency", currency)
    sent_request["payment"]["amount"] = sent
    assert parse_model(sent_request, BookingRequest).model_dump(mode="json")["payment"]["amount"] == stored


@pytest.mark.parametrize(
    ("amount", "currency", "says"),
    [
        ("15000.5", "JPY", "JPY amounts have no decimal places"),
        ("7500001", "JPY", "at most 7500000 JPY"),
        ("50000.01", "EUR", "at most 50000 EUR"),
    ],
)
def test_an_amount_beyond_its_currency_s_places_or_maximum_is_refused_by_name(amount: str, currency: str, says: str) -> None:
    request = with_change("payment.currency", currency)
    request["payment"]["amount"] = amount
    with pytest.raises(InvalidBookingRequest, match=f"payment.amount: Value error, {says}"):
        parse_model(request, BookingRequest)


def test_the_fingerprint_is_the_whole_request_in_canonical_form_without_faults() -> None:
    base = parse_model(with_change("payment.amount", "1249.90"), BookingRequest)
    assert parse_model(with_change("payment.amount", "1249.9"), BookingRequest).fingerprint() == base.fingerprint()
    assert parse_model(with_change("faults", {"payment": "fail"}), BookingRequest).fingerprint() == base.fingerprint()
    for path, value in [("customer.email", "ada@example.org"), ("hotel.rooms", 2), ("payment.amount", "1249.91"), ("booking_id", "b-2")]:
        assert parse_model(with_change(path, value), BookingRequest).fingerprint() != base.fingerprint(), path


def test_a_request_over_step_functions_limit_is_refused_by_name() -> None:
    request = with_change("customer.notes", "x" * (256 * 1024))
    with pytest.raises(InvalidBookingRequest, match=r"at most 262144"):
        parse_model(request, BookingRequest)


def test_the_request_has_a_fault_key_for_each_step_of_the_catalog() -> None:
    from trip_saga import catalog
    from trip_saga.models import AwsFaults, Faults

    keys = [function.fault_key for function in catalog.load().functions]
    assert list(AwsFaults.model_fields) == keys
    assert list(Faults.model_fields) == [*keys, "aws"]
