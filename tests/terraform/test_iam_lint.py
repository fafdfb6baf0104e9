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
        if environment == "bootstrap":  # the account's bootstrap (terraform/bootstrap): the deployer's roles
            deployment = Deployment(
                tmp_path_factory.mktemp(environment),
                ready["endpoint_url"],
                workspace="default",
                root="bootstrap",
                variables={"github_repository": "example/trip-booking-saga"},
            )
        else:
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

    roots = [*check.ENVIRONMENTS, "bootstrap"]
    try:
        with ThreadPoolExecutor(max_workers=len(roots)) as pool:
            yield dict(zip(roots, pool.map(apply, roots), strict=True))
    finally:
        local_workspace.stop(state_dir=state_dir)


@pytest.mark.subprocess
@pytest.mark.terraform
@pytest.mark.xdist_group("iam-lint")  # one worker applies the environments once (the module fixture)
@pytest.mark.parametrize("environment", [*check.ENVIRONMENTS, "bootstrap"])
def test_every_policy_terraform_creates_passes_aws_s_rules_or_says_why_not(
    applied: dict[str, tuple[dict[str, Any], Path]], environment: str
) -> None:
    state, configuration = applied[environment]
    kinds = {kind for _, _, kind, _ in iam_lint.policies(state)}
    assert kinds == {"trust", "identity", "key", "resource"}  # resource: the state bucket's policy, or the page bucket's
    report = iam_lint.lint_state(state, configuration)
    assert [str(finding) for finding in report.unexplained] == []
    assert report.stale == []
    # the accepted findings, each with its reason beside its statement
    accepted = [(finding.sid, finding.issue) for finding, _ in report.accepted]
    expected = (
        [
            ("CreateTaggedKeys", "RESOURCE_STAR"),
            # PutBucketPolicy without Put/Get/DeleteObject in the statement; PutLifecycleConfiguration without DeleteObject
            *[("ManagePageBuckets", "RESOURCE_POLICY_PRIVILEGE_ESCALATION")] * 4,
        ]
        if environment == "bootstrap"
        else [("CloudWatchLogsEncryptsOurLogGroups", "MISMATCHED_TYPE")]
    )
    assert accepted == expected


# IAM's quotas (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html), which "IAM
# doesn't count white space" toward: a managed policy 6,144 characters, a role's inline policies 10,240
# together, a role trust policy 2,048 (the default quota, adjustable to 8,192).
MANAGED_POLICY, INLINE_PER_ROLE, TRUST_POLICY = 6144, 10240, 2048


@pytest.mark.subprocess
@pytest.mark.terraform
@pytest.mark.xdist_group("iam-lint")
@pytest.mark.parametrize("environment", [*check.ENVIRONMENTS, "bootstrap"])
def test_every_policy_fits_iam_s_size_quotas(applied: dict[str, tuple[dict[str, Any], Path]], environment: str) -> None:
    state, _ = applied[environment]
    inline: dict[str, int] = {}
    for resource, _ in iam_lint.managed_resources(state):
        values = resource["values"]
        if resource["type"] == "aws_iam_policy":
            assert size(values["policy"]) <= MANAGED_POLICY, resource["address"]
        elif resource["type"] == "aws_iam_role":
            assert size(values["assume_role_policy"]) <= TRUST_POLICY, resource["address"]
        elif resource["type"] == "aws_iam_role_policy":
            inline[values["role"]] = inline.get(values["role"], 0) + size(values["policy"])
    assert all(total <= INLINE_PER_ROLE for total in inline.values()), inline


def size(document: str) -> int:
    return len("".join(document.split()))


@pytest.mark.subprocess
@pytest.mark.terraform
@pytest.mark.xdist_group("iam-lint")
def test_the_deployer_s_roles_trust_only_this_repository_and_live_out_of_its_reach(applied: dict[str, tuple[dict[str, Any], Path]]) -> None:
    state, _ = applied["bootstrap"]
    roles = {
        resource["values"]["name"]: resource["values"]
        for resource in state["values"]["root_module"]["resources"]
        if resource["type"] == "aws_iam_role"
    }
    assert set(roles) == {"trip-saga-terraform-plan", "trip-saga-terraform-deploy"}
    subjects = {}
    for name, role in roles.items():
        assert role["path"] == "/terraform/"  # "<project>-*" role patterns in the deploy policy cannot name it
        (statement,) = json.loads(role["assume_role_policy"])["Statement"]
        assert statement["Principal"] == {"Federated": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"}
        assert statement["Condition"]["StringEquals"]["token.actions.githubusercontent.com:aud"] == "sts.amazonaws.com"
        subjects[name] = statement["Condition"]["StringEquals"]["token.actions.githubusercontent.com:sub"]
    assert subjects == {
        "trip-saga-terraform-plan": "repo:example/trip-booking-saga:pull_request",
        "trip-saga-terraform-deploy": "repo:example/trip-booking-saga:ref:refs/heads/main",
    }
