"""docs/openapi.json: committed fresh from the API's routes, and saying what the API does."""

from __future__ import annotations

import json

import pytest

from trip_saga import api

pytestmark = pytest.mark.pure


def test_the_committed_openapi_document_is_fresh() -> None:
    from sagatools.cli.openapi import main as openapi

    assert openapi(["--check"]) == 0, "run: python scripts/openapi.py --write"


def test_the_openapi_document_describes_the_contract() -> None:
    document = json.loads(api.openapi_document())
    post, get = document["paths"]["/bookings"]["post"], document["paths"]["/bookings/{booking_id}"]["get"]

    assert document["components"]["securitySchemes"]["jwt"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "An access or ID token; its `sub` is the customer id.",
    }
    assert document["security"] == [{"jwt": []}]
    assert set(post["responses"]) == {"200", "202", "400", "401", "403", "409", "413", "429"}
    assert set(get["responses"]) == {"200", "401", "404", "429"}
    # what API Gateway answers itself, before the function: its authorizer's 401 and its throttling's 429
    assert set(post["responses"]["401"]["content"]) == {"application/json", "application/problem+json"}
    assert "Location" in post["responses"]["202"]["headers"]
    assert post["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/BookingRequest"}
    assert "customer_id" not in document["components"]["schemas"]["Customer"]["required"]
