"""The local workspace's enforcement bites where AWS's would: in a copy of terraform/ with one permission
taken away, the integration suite fails at the call that needs it, naming the action and the resource;
a key policy without the statement a service needs makes that service's use of the key fail at apply.
(Calls outside a role's policy on an intact workspace: tests/integration/test_permissions.py.)"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from sagatools.contract.paths import ROOT
from sagatools.emulator import local_workspace
from tfprovider.deploy import Deployment, TerraformFailed

pytestmark = [pytest.mark.subprocess, pytest.mark.terraform]

HAPPY_PATH_TEST = "tests/integration/test_saga.py::test_a_booking_reserves_flight_and_hotel_and_charges_payment"


def repository_copy(destination: Path, change: Callable[[Path], None]) -> Path:
    """What `terraform apply` reads of the repository, copied, then changed."""
    for part in ("terraform", "statemachine"):
        shutil.copytree(ROOT / part, destination / part, ignore=shutil.ignore_patterns(".terraform", "*.tfstate*"))
    for file in ("lambdas/functions.json", "docs/openapi.json"):
        (destination / file).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / file, destination / file)
    change(destination)
    return destination


def without_update_item_for_reserve_flight(copy: Path) -> None:
    """reserve-flight's role loses one action: the UpdateItem of the inventory its transaction takes seats from."""
    catalog = json.loads((copy / "lambdas/functions.json").read_text())
    catalog["functions"]["reserve-flight"]["dynamodb_actions"].remove("dynamodb:UpdateItem")
    (copy / "lambdas/functions.json").write_text(json.dumps(catalog))


def payment_role_on_the_flights_table(copy: Path) -> None:
    """process-payment's role gets the flights table instead of its own (a resource narrowed to another
    table); its compensation's role keeps the payments table, so the booking rolls back at once."""
    service = copy / "terraform/modules/service/main.tf"
    text = service.read_text()
    own = "resources = [aws_dynamodb_table.this.arn]"
    other = 'replace(aws_dynamodb_table.this.arn, "-payments", "-flights")'
    assert own in text
    service.write_text(text.replace(own, f'resources = [each.key == "process-payment" ? {other} : aws_dynamodb_table.this.arn]', 1))


def first_refusal(tmp_path: Path, change: Callable[[Path], None]) -> tuple[int, str]:
    """The integration suite's happy path against a fresh local workspace applied from a changed copy."""
    state_dir = tmp_path / "workspace"
    local_workspace.start(state_dir=state_dir, ttl=900, parent_pid=os.getpid(), source=repository_copy(tmp_path / "repo", change))
    try:
        environment = {**os.environ, "SAGA_WORKSPACE": "local", "SAGA_WORKSPACE_STATE": str(state_dir)}
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", HAPPY_PATH_TEST]
        done = subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True, check=False)
    finally:
        local_workspace.stop(state_dir=state_dir)
    return done.returncode, done.stdout + done.stderr


def test_a_permission_taken_away_fails_the_integration_suite_at_the_call_that_needs_it(tmp_path: Path) -> None:
    variants = {
        "an-action-removed": (without_update_item_for_reserve_flight, "dynamodb:UpdateItem", "table/trip-saga-local-flights"),
        "a-resource-narrowed": (payment_role_on_the_flights_table, "dynamodb:PutItem", "table/trip-saga-local-payments"),
    }
    with ThreadPoolExecutor(max_workers=len(variants)) as pool:
        runs = dict(zip(variants, pool.map(lambda name: first_refusal(tmp_path / name, variants[name][0]), variants), strict=True))
    for name, (code, output) in runs.items():
        _, action, resource = variants[name]
        assert code == 1, f"{name}: {output[-3000:]}"
        refused = re.search(r"is not authorized to perform: (\S+) on resource: (\S+) because no identity-based policy allows", output)
        assert refused, f"{name}: {output[-3000:]}"
        assert (refused.group(1), refused.group(2)) == (action, f"arn:aws:dynamodb:us-east-1:123456789012:{resource}"), name


def test_a_key_policy_without_what_a_service_needs_fails_that_service_s_use_of_the_key(tmp_path: Path) -> None:
    """Without the CloudWatch Logs statement the log groups cannot be encrypted with the key; without the
    account's statement (the delegation to IAM) DynamoDB and Lambda cannot take their grants on it."""
    state_dir = tmp_path / "endpoint"
    _, ready = local_workspace.start_endpoint(state_dir=state_dir, ttl=600, parent_pid=os.getpid())

    def without(sid: str) -> Callable[[Path], None]:
        def change(copy: Path) -> None:
            kms = copy / "terraform/modules/kms/main.tf"
            text = kms.read_text()
            start = text.index(f'    sid       = "{sid}"') if f'    sid       = "{sid}"' in text else text.index(f'    sid = "{sid}"')
            block = text.rindex("  statement {", 0, start)
            end = text.index("\n  }\n", start) + len("\n  }\n")
            kms.write_text(text[:block] + text[end:])

        return change

    def apply(sid: str) -> str:
        copy = repository_copy(tmp_path / sid, without(sid))
        deployment = Deployment(
            tmp_path / f"{sid}-deploy", ready["endpoint_url"], workspace="local", variables={"fault_injection_enabled": True}
        )
        deployment.lay_out(copy)
        deployment.init()
        with pytest.raises(TerraformFailed) as failed:
            deployment.apply()
        return re.sub(r"\s+", " ", failed.value.output)

    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            logs, root = pool.map(apply, ["CloudWatchLogsEncryptsOurLogGroups", "AccountAdministersAndUsesKeyThroughIam"])
    finally:
        local_workspace.stop(state_dir=state_dir)
    group = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/trip-saga-local-"
    assert f"The specified KMS key does not exist or is not allowed to be used with Arn '{group}" in logs
    assert "KMS key access denied error" in root and "kms:CreateGrant" in root and "because no resource-based policy allows" in root
