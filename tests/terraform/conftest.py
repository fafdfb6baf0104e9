"""Fixtures of the Terraform plan tests (test_plan.py, test_api.py): a copy of the configuration and
each environment's plan, made once per session (the tests share one xdist worker)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from tfprovider import check


@pytest.fixture(scope="session")
def ready() -> None:
    if shutil.which("terraform") is None:
        pytest.skip("terraform is not on PATH")
    zips = [check.ROOT / "build" / "lambda" / f"{name}.zip" for name in ("flight", "api")]
    missing = [path for path in (check.PACKAGE / "package.json", *zips) if not path.exists()]
    assert not missing, f"{missing} missing: run make validate (it installs the schema package and builds the zips)"


@pytest.fixture(scope="session")
def plans(ready: None, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    terraform = check.terraform_for(check.lay_out(tmp_path_factory.mktemp("plans")))
    terraform.validate()
    terraform.use_local_backend()
    return {environment: terraform.plan(environment) for environment in check.ENVIRONMENTS}


@pytest.fixture
def configuration(ready: None, tmp_path: Path) -> Path:
    """A copy of the configuration (terraform/, functions.json, the ASL template, the OpenAPI contract) to break or plan."""
    return check.lay_out(tmp_path / "copy")
