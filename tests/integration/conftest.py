"""The integration suite runs against a workspace: SAGA_WORKSPACE=local (the local workspace in
SAGA_WORKSPACE_STATE, which `make integration` starts fresh) or a Terraform workspace name (outputs
from `terraform output -json`, default AWS credentials). The tests do not know which."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from sagatools.client import samples, workspaces
from sagatools.client.bookings_api import BookingsApi
from sagatools.client.identity import CustomerToken, sign_in
from sagatools.client.saga_client import SagaClient

RUN_ID = uuid.uuid4().hex[:8]  # every booking of this run is "it-<run>-...": unique, and findable for an audit


@pytest.fixture(scope="session")
def deployed() -> workspaces.Workspace:
    name = os.environ.get("SAGA_WORKSPACE", "local")
    return workspaces.load(name)  # locally: the workspace in SAGA_WORKSPACE_STATE


@pytest.fixture(scope="session")
def saga(deployed: workspaces.Workspace) -> SagaClient:
    return deployed.saga()


@pytest.fixture
def new_request(request: pytest.FixtureRequest) -> Callable[..., dict[str, Any]]:
    def make(**faults: str) -> dict[str, Any]:
        test = request.node.name.split("[")[0].removeprefix("test_")[:20].replace("_", "-")
        return samples.booking_request(f"it-{RUN_ID}-{test}-{uuid.uuid4().hex[:6]}", faults=faults or None)

    return make


@pytest.fixture
def faults_enabled(deployed: workspaces.Workspace) -> None:
    assert deployed.outputs["fault_injection_enabled"], (
        f"workspace {deployed.name} has fault injection off: run the integration suite against a test workspace (dev, staging)"
    )


@pytest.fixture(scope="session")
def customer(deployed: workspaces.Workspace) -> CustomerToken:
    """A customer signed in to the workspace's user pool (its `sub` is the customer id the API sees)."""
    return sign_in(deployed, f"it-{RUN_ID}-customer")


@pytest.fixture(scope="session")
def api(deployed: workspaces.Workspace, customer: CustomerToken) -> BookingsApi:
    return BookingsApi(deployed.outputs["api_url"], customer.access_token)
