"""The local endpoint answers CORS for the booking page's origin only (sagatools.emulator.endpoint.SiteOnlyCors):
the administrator's credentials are public here, so another page open in the browser must not be let in.
moto's own app (which echoes any Origin) behind it, driven through werkzeug's test client."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from moto import mock_aws
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.test import Client

from sagatools.emulator.endpoint import SiteOnlyCors

pytestmark = pytest.mark.moto

PAGE = "https://127.0.0.1:8443"
PREFLIGHT = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type,x-amz-target,x-amz-user-agent"}
SIGN_IN = {"X-Amz-Target": "AWSCognitoIdentityProviderService.ListUserPools", "Content-Type": "application/x-amz-json-1.1"}


@pytest.fixture
def client() -> Iterator[Client]:
    with mock_aws():
        yield Client(SiteOnlyCors(DomainDispatcherApplication(create_backend_app), origin=PAGE))


def cors(headers: object) -> dict[str, str]:
    return {name.lower(): value for name, value in headers if name.lower().startswith("access-control-")}  # type: ignore[attr-defined]


def test_the_page_s_origin_is_answered_cors(client: Client) -> None:
    preflight = client.options("/", headers={"Origin": PAGE, **PREFLIGHT})
    assert preflight.status_code == 200
    assert cors(preflight.headers.items()) | {"access-control-max-age": "600"} == {
        "access-control-allow-origin": PAGE,
        "access-control-allow-methods": "POST",
        "access-control-allow-headers": PREFLIGHT["Access-Control-Request-Headers"],
        "access-control-max-age": "600",
    }
    answer = client.post("/", headers={"Origin": PAGE, **SIGN_IN}, data=b'{"MaxResults": 1}')
    assert answer.status_code == 200 and answer.headers["Access-Control-Allow-Origin"] == PAGE


@pytest.mark.parametrize("origin", ["https://evil.example", "https://127.0.0.1:9999", "http://127.0.0.1:8443", "null"])
def test_any_other_origin_is_refused_its_preflight_and_gets_no_cors_headers(client: Client, origin: str) -> None:
    preflight = client.options("/", headers={"Origin": origin, **PREFLIGHT})
    assert preflight.status_code == 403 and cors(preflight.headers.items()) == {}
    answer = client.post("/", headers={"Origin": origin, **SIGN_IN}, data=b'{"MaxResults": 1}')
    assert cors(answer.headers.items()) == {}  # moto's echo of the Origin is gone: the browser keeps the answer from the page
