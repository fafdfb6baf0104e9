"""What operators do works on the local workspace too: each function's log lines, with Lambda's START,
END and REPORT lines, are in its CloudWatch Logs group (`aws logs filter-log-events`, the runbook's
step); `aws lambda invoke --log-type Tail` returns the invocation's log; and the endpoint's port is the
same after `down` and `up`. One real local workspace (terraform apply through the stand-in) for the module."""

from __future__ import annotations

import base64
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from sagatools.client import samples, workspaces
from sagatools.emulator import local_workspace

pytestmark = [pytest.mark.subprocess, pytest.mark.network, pytest.mark.xdist_group("workspace_logs")]

STREAM_NAME = re.compile(r"^\d{4}/\d{2}/\d{2}/\[\$LATEST\][0-9a-f]{32}$")


@pytest.fixture(scope="module")
def state_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("workspace-logs")


@pytest.fixture(scope="module")
def workspace(state_dir: Path) -> Iterator[workspaces.Workspace]:
    started = local_workspace.start(state_dir=state_dir, ttl=900, parent_pid=os.getpid())
    try:
        yield started
    finally:
        local_workspace.stop(state_dir=state_dir)


def function_name(workspace: workspaces.Workspace, key: str) -> str:
    return next(name for name in workspace.outputs["function_names"].values() if name.endswith(f"-{key}"))


def test_a_bookings_function_log_lines_are_in_its_log_group(workspace: workspaces.Workspace) -> None:
    request = samples.booking_request()
    report = workspace.saga().run(request, timeout=120)
    assert report.status == "SUCCEEDED", report
    logs = workspace.client("logs")
    group = f"/aws/lambda/{function_name(workspace, 'reserve-flight')}"
    assert logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"][0]["logGroupName"] == group  # Terraform's

    events = logs.filter_log_events(logGroupName=group)["events"]
    messages = [event["message"] for event in events]
    booking_lines = [event for event in events if request["booking_id"] in event["message"]]
    assert booking_lines, messages
    stream = booking_lines[0]["logStreamName"]
    assert STREAM_NAME.match(stream), stream
    in_stream = [event["message"] for event in events if event["logStreamName"] == stream]
    started = [line for line in in_stream if line.startswith("START RequestId: ")]
    assert started and any(line.startswith("END RequestId: ") for line in in_stream)
    request_id = started[-1].split()[2]
    (report_line,) = [line for line in in_stream if line.startswith(f"REPORT RequestId: {request_id}\t")]
    assert "\tDuration: " in report_line and "\tMax Memory Used: " in report_line
    print(f"{len(events)} log events in {group} after one booking")

    # The runbook's filter: the pattern finds the booking's lines.
    found = logs.filter_log_events(logGroupName=group, filterPattern=f'"{request["booking_id"]}"')["events"]
    assert found and all(request["booking_id"] in event["message"] for event in found)


def test_invoke_with_log_type_tail_returns_the_invocations_log(workspace: workspaces.Workspace) -> None:
    answer = workspace.client("lambda").invoke(FunctionName=function_name(workspace, "reserve-hotel"), Payload=b"{}", LogType="Tail")
    request_id = answer["ResponseMetadata"]["RequestId"]
    tail = base64.b64decode(answer["LogResult"]).decode()
    assert len(base64.b64decode(answer["LogResult"])) <= 4096
    assert f"END RequestId: {request_id}" in tail and f"REPORT RequestId: {request_id}\t" in tail, tail
    json.loads(answer["Payload"].read())  # the function's answer as ever

    untailed = workspace.client("lambda").invoke(FunctionName=function_name(workspace, "reserve-hotel"), Payload=b"{}")
    assert "LogResult" not in untailed


def test_the_endpoint_keeps_its_port_across_down_and_up(state_dir: Path, workspace: workspaces.Workspace) -> None:
    port, api_port, note = local_workspace.stable_ports(state_dir)
    assert (port, api_port) == (0, 0) and note and "taken" in note  # the running workspace holds them

    destroyed, stopped = local_workspace.down(state_dir=state_dir)  # make local-down: terraform destroy, then stop
    assert stopped and destroyed and "Destroy complete!" in destroyed
    port, api_port, note = local_workspace.stable_ports(state_dir)
    assert note is None and f"http://127.0.0.1:{port}" == workspace.endpoint_url
    again = local_workspace.start(state_dir=state_dir, ttl=900, port=port, api_port=api_port, parent_pid=os.getpid())
    assert again.endpoint_url == workspace.endpoint_url and again.outputs["api_url"] == workspace.outputs["api_url"]
    assert "Apply complete!" in (state_dir / "terraform-apply.log").read_text()
