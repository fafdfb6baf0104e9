"""Malformed requests, generated: every one is refused with InvalidBookingRequest naming the field,
before anything is written — checked through a handler and through the state machine."""

from __future__ import annotations

import copy
import uuid
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sagatools.client import samples
from sagatools.contract import catalog
from sagatools.emulator.engine import LocalEngine

pytestmark = pytest.mark.moto

ODD = st.sampled_from(["\u202e", "\u200b", "\x00", "\x1b", "\x7f", "\x85", "\ufeff", "\ud800", "\u2066"])
NOT_A_STRING = st.one_of(
    st.none(), st.integers(), st.floats(allow_nan=True), st.booleans(), st.lists(st.integers(), max_size=2), st.just({})
)
NOT_AN_INT = st.one_of(st.none(), st.text(max_size=3), st.floats(), st.booleans(), st.just([1]))
BAD_DATES = st.sampled_from(["2027-02-30", "2027-13-01", "27-05-14", "yesterday", "2027-05-14T25:00", "", "2027/05/14"])

# (field path, strategy of values the schema must refuse there)
INVALID: list[tuple[str, st.SearchStrategy[Any]]] = [
    ("booking_id", st.one_of(NOT_A_STRING, st.text(min_size=65, max_size=80, alphabet="ab"), st.just("has space"), st.just("-leading"))),
    ("customer.customer_id", st.one_of(NOT_A_STRING, st.just(""), st.just("x" * 65))),
    (
        "customer.name",
        st.one_of(
            NOT_A_STRING,
            st.sampled_from(["", "   ", " Ada", "Ada ", "\u2800", "\u3164", "Ada\ud800"]),  # blank-looking, a lone surrogate
            st.text(min_size=101, max_size=120, alphabet="ab"),
            ODD.map(lambda c: f"Ada{c}Lovelace"),
        ),
    ),
    (
        "customer.email",
        st.one_of(NOT_A_STRING, st.text(max_size=20).filter(lambda s: "@" not in s), st.just("ada@"), st.just("ada@例え.jp")),
    ),
    ("flight.flight_number", st.one_of(NOT_A_STRING, st.just("lh123"), st.just("LH12345"), st.just("L1"))),
    ("flight.origin", st.one_of(NOT_A_STRING, st.just("fra"), st.just("FRAN"), ODD.map(lambda c: f"FR{c}"))),
    (
        "flight.departure_date",
        st.one_of(BAD_DATES, st.sampled_from([None, 20270514, 1800000000, "2027-05-14T00:00:00", "2027-05-14 ", "\uff12027-05-14"])),
    ),
    ("flight.passengers", st.one_of(NOT_AN_INT, st.integers(max_value=0), st.integers(min_value=10))),
    ("hotel.check_in", BAD_DATES),
    ("hotel.rooms", st.one_of(NOT_AN_INT, st.integers(max_value=0), st.integers(min_value=10))),
    (
        "payment.amount",
        st.one_of(
            st.decimals(max_value=0, places=2).map(str),
            st.integers(min_value=50001).map(str),
            st.just("10.001"),
            st.just("NaN"),
            st.just("Infinity"),
            st.just("12,50"),
            # one canonical form: no other scripts' digits, separators, whitespace, exponents, extra places
            st.sampled_from(["\uff11\uff12.50", "\u0661\u0662.50", "1_000", " 12.50", "12.50 ", "1e3", "+12.50", "012.50", "12."]),
            st.sampled_from([10.125, 1e16, 1e-3, float("inf"), -0.0]),
            st.booleans(),
            st.none(),
            st.just([1]),
        ),
    ),
    (
        "payment.currency",
        st.one_of(
            NOT_A_STRING, st.text(min_size=1, max_size=4).filter(lambda s: s not in {"EUR", "USD", "GBP", "JPY", "CHF", "AUD", "CAD"})
        ),
    ),
    ("payment.method_token", st.one_of(NOT_A_STRING, st.just("4111111111111111"), st.just("tok_"), st.just("tok_" + "a" * 65))),
    ("faults", st.one_of(st.just({"payment": "explode"}), st.just({"teleporter": "fail"}), st.just({"hotel": "transient:0"}), st.just([]))),
]
REQUIRED = ["booking_id", "customer", "flight", "hotel", "payment", "customer.name", "flight.origin", "hotel.check_out", "payment.amount"]


@st.composite
def malformed(draw: st.DrawFn) -> tuple[dict[str, Any], str]:
    """A valid request with one defect; returns it with the path of the field that must be named."""
    request = copy.deepcopy(samples.booking_request(f"bad-{draw(st.uuids()).hex[:12]}"))
    defect = draw(st.sampled_from(["invalid", "missing", "extra"]))
    if defect == "invalid":
        path, values = draw(st.sampled_from(INVALID))
        set_field(request, path, draw(values))
    elif defect == "missing":
        path = draw(st.sampled_from(REQUIRED))
        delete_field(request, path)
    else:
        parent = draw(st.sampled_from(["", "customer", "flight", "hotel", "payment"]))
        name = draw(st.sampled_from(["cvv", "admin", "discount", "__proto__", "flightNumber"]))
        path = f"{parent}.{name}".strip(".")
        set_field(request, path, draw(st.text(max_size=5)))
    return request, path


def set_field(request: dict[str, Any], path: str, value: Any) -> None:
    *parents, leaf = path.split(".")
    target = request
    for key in parents:
        target = target[key]
    target[leaf] = value


def delete_field(request: dict[str, Any], path: str) -> None:
    *parents, leaf = path.split(".")
    target = request
    for key in parents:
        target = target[key]
    del target[leaf]


def named_fields(message: str) -> list[str]:
    return [part.split(":")[0].removeprefix("request.") for part in message.split("; ")]


@pytest.fixture(scope="module")
def quiet_engine() -> Any:
    with LocalEngine(prefix="bad-input") as engine:
        yield engine


def test_every_malformed_request_is_refused_by_name_and_nothing_is_written(quiet_engine: LocalEngine) -> None:
    functions = [f.key for f in catalog.load().functions]
    refused = 0

    @settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
    @given(malformed(), st.sampled_from(functions))
    def refused_by_name(case: tuple[dict[str, Any], str], function: str) -> None:
        nonlocal refused
        request, path = case
        answer = quiet_engine.invoke(function, {"request": request})
        assert answer["payload"].get("errorType") == "InvalidBookingRequest", (path, answer)
        named = named_fields(answer["payload"]["errorMessage"])
        assert any(
            field == path or field.startswith(f"{path}.") or path.startswith(f"{field}.") or field == path.rsplit(".", 1)[0]
            for field in named
        ), (
            path,
            named,
        )
        refused += 1

    refused_by_name()
    reservations = [i for items in quiet_engine.all_items().values() for i in items if i.get("kind") == "reservation"]
    assert refused >= 300
    assert reservations == []  # zero items written across the whole run


def test_malformed_requests_are_rejected_by_the_state_machine_before_any_step_writes(quiet_engine: LocalEngine) -> None:
    @settings(max_examples=25, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
    @given(malformed())
    def rejected(case: tuple[dict[str, Any], str]) -> None:
        request, _ = case
        report = quiet_engine.run(request, name=f"bad-{uuid.uuid4().hex}")  # the booking id may be the defect
        assert report.path == ["ReserveFlight", "BookingRejected"]
        assert report.error == "InvalidBookingRequest"

    rejected()
    assert [i for items in quiet_engine.all_items().values() for i in items if i.get("kind") == "reservation"] == []
