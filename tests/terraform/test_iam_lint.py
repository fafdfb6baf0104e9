"""AWS's published IAM rules over every policy Terraform creates (sagatools.contract.iam_lint): dev,
staging and prod applied to the local endpoint, where role policies are concrete, and each trust,
identity and key policy linted against AWS's catalogue (the lint's own cases: tests/unit/test_iam_lint.py)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from sagatools.contract import iam_lint
from sagatools.emulator import local_workspace
from tfprovider import check
from tfprovider.deploy import Deployment


@pytest.fixture(scope="module")
def applied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, tuple[dict[str, Any], Path]]]:
    """Each environment applied with its tfvars, in its workspace, to one endpoint: (state, configuration)."""
    if not (check.ROOT / "build" / "lambda" / "api.zip").exists():
        pytest.fail("build/lambda/*.zip missing: run make package")
    state_dir = tmp_path_factory.mktemp("lint-endpoint")
    _, ready = local_workspace.start_endpoint(state_dir=state_dir, ttl=900, parent_pid=os.getpid())

    def apply(environment: str) -> tuple[dict[str, Any], Path]:
        deployment = Deployment(
            tmp_path_factory.mktemp(environment),
            ready["endpoint_url"],
            workspace=environment,
            var_file=f"environments/{environment}.tfvars",
            execute_api_url=ready["api_url"],
        )
        deployment.lay_out()
        deployment.init()
        deployment.apply()
        return json.loads(deployment.run("show", "-json", "-no-color").stdout), deployment.configuration

    try:
        with ThreadPoolExecutor(max_workers=len(check.ENVIRONMENTS)) as pool:
            yield dict(zip(check.ENVIRONMENTS, pool.map(apply, check.ENVIRONMENTS), strict=True))
    finally:
        local_workspace.stop(state_dir=state_dir)


@pytest.mark.subprocess
@pytest.mark.terraform
@pytest.mark.xdist_group("terraform-apply")
@pytest.mark.parametrize("environment", check.ENVIRONMENTS)
def test_every_policy_terraform_creates_passes_aws_s_rules_or_says_why_not(
    applied: dict[str, tuple[dict[str, Any], Path]], environment: str
) -> None:
    state, configuration = applied[environment]
    kinds = {kind for _, _, kind, _ in iam_lint.policies(state)}
    assert kinds == {"trust", "identity", "key"}
    report = iam_lint.lint_state(state, configuration)
    assert [str(finding) for finding in report.unexplained] == []
    assert report.stale == []
    # the one accepted finding, with its reason beside its statement
    assert [(finding.sid, finding.issue) for finding, _ in report.accepted] == [("CloudWatchLogsEncryptsOurLogGroups", "MISMATCHED_TYPE")]
