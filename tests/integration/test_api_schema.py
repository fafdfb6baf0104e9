"""schemathesis against the deployed API from the committed contract (docs/openapi.json): generated
requests, valid and not, as an authenticated customer; no answer is a 5xx, and every answer conforms
to the document (status code, content type, headers, body schema)."""

from __future__ import annotations

import hypothesis
import pytest
import schemathesis
from schemathesis import checks
from schemathesis.generation.case import Case

from sagatools.client.bookings_api import BookingsApi
from sagatools.contract.paths import ROOT

pytestmark = pytest.mark.network

schema = schemathesis.openapi.from_path(ROOT / "docs" / "openapi.json")
CONFORMANCE = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
]


@schema.parametrize()
@hypothesis.settings(max_examples=25, deadline=None, suppress_health_check=list(hypothesis.HealthCheck), derandomize=True)
def test_every_answer_conforms_to_the_contract(case: Case, api: BookingsApi) -> None:
    case.call_and_validate(base_url=api.api_url, headers={"Authorization": f"Bearer {api.token}"}, checks=CONFORMANCE)
