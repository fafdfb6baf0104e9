#!/usr/bin/env python3
"""Run one trip booking through the saga and show what happened: on the embedded local engine
(default), on the local workspace (`--workspace local`, after `make local-up`) or on a Terraform
workspace deployed to AWS (`--workspace dev`, default AWS credentials).

python scripts/book.py                           # a booking that succeeds
python scripts/book.py --inject payment=fail     # payment fails: refund, cancel hotel, cancel flight
python scripts/book.py --json --inject hotel=fail
python scripts/book.py --request my-booking.json # your own request (JSON file, or - for stdin)
python scripts/book.py --inject flight=conflict:3  # AWS-level faults at the SDK boundary (local engines only)
python scripts/book.py --api --customer c-1      # through the bookings HTTP API, as customer c-1 (local workspace)
python scripts/book.py --api --workspace dev     # through a deployed workspace's API (a Cognito sign-in, see token.py)
python scripts/book.py --api --cancel BOOKING_ID # the customer cancels a confirmed booking (POST .../cancel), then waits

Exit status: 0 booked (or cancelled, with --cancel), 1 not booked (the saga failed or was rejected) or not
cancelled, 2 a usage or request-file error, 3 the booking id was submitted before with other details
(nothing booked), or with --cancel the booking cannot be cancelled (409: not confirmed).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from sagatools.client import samples, workspaces
from sagatools.client.bookings_api import ApiResponse, BookingsApi
from sagatools.client.identity import sign_in
from sagatools.client.saga_client import ExecutionReport, ResubmissionConflict
from sagatools.emulator.engine import LocalEngine
from trip_saga.errors import InvalidBookingRequest
from trip_saga.faults import AWS_FAULT_PATTERN, FAULT_PATTERN
from trip_saga.models import BOOKING_ID_PATTERN, BookingRequest, parse_model

CONFLICT_EXIT = 3  # the booking id was submitted before with other details


def parse_injection(text: str) -> tuple[str, str]:
    step, _, fault = text.partition("=")
    if step not in samples.STEP_FAULT_KEYS or not (re.fullmatch(FAULT_PATTERN, fault) or re.fullmatch(AWS_FAULT_PATTERN, fault)):
        raise argparse.ArgumentTypeError(
            f"expected STEP=FAULT with STEP in {', '.join(samples.STEP_FAULT_KEYS)} and FAULT one of fail, timeout, permanent,"
            f" until-redrive, transient:N, or an AWS fault conflict:N, throttle:N, throughput:N, internal:N, slow:N, lost:N"
            f" (N 1-9); got {text!r}"
        )
    return step, fault


def parse_booking_id(text: str) -> str:
    if not re.fullmatch(BOOKING_ID_PATTERN, text):
        raise argparse.ArgumentTypeError(
            f"a booking id is 1-64 characters of A-Z a-z 0-9 _ - starting with a letter or digit; got {text!r}"
        )
    return text


def read_request(path: Path) -> dict[str, Any]:
    """The request file as a JSON object, or one line saying what is wrong with it."""
    try:
        request = json.loads(sys.stdin.read() if str(path) == "-" else path.read_text())
    except OSError as error:
        raise RequestFileError(f"--request {path}: {error.strerror}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise RequestFileError(f"--request {path}: not JSON ({error})") from None
    if not isinstance(request, dict):
        raise RequestFileError(f"--request {path}: a booking request is a JSON object, not {type(request).__name__}")
    return request


class RequestFileError(Exception):
    pass


def to_json(value: Any) -> Any:
    """DynamoDB numbers come back as Decimal; show them as JSON numbers."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def show(report: ExecutionReport, console: Console) -> None:
    colour = "green" if report.status == "SUCCEEDED" else "red"
    if report.resubmitted:
        console.print(f"booking {report.booking_id} was submitted before: this is its execution, not a new one", style="yellow")
    console.print(f"booking [bold]{report.booking_id}[/]: [{colour}]{report.status}[/]" + (f" ({report.error})" if report.error else ""))
    console.print("path: " + " → ".join(report.path))
    table = Table("service", "status", "reference", "tombstone", "updated_at")
    for service, item in report.items.items():
        if item is None:
            table.add_row(service, "—", "", "", "")
        else:
            table.add_row(service, item["status"], item.get("reference") or "", str(item.get("tombstone", "")), item["updated_at"])
    console.print(table)
    original = original_error(report.cause)
    if original:
        console.print(f"original error: {original}", markup=False)


def original_error(cause: str | None) -> str | None:
    """What went wrong, from the execution's cause: SagaFailed's is the original {Error, Cause};
    CompensationFailed's the last attempt's error ("<step>: <error>: <message>"); a confirmation's its own."""
    try:
        outer = json.loads(cause or "")
        if "errorType" in outer:  # a task's error, as Lambda reports it
            return f"{outer['errorType']}: {outer.get('errorMessage', '')}".rstrip(": ")
        inner = json.loads(outer.get("Cause") or "{}")
    except (json.JSONDecodeError, AttributeError, TypeError):
        return cause
    return f"{outer.get('Error')}: {inner.get('errorMessage', '')}".rstrip(": ")


def show_api(response: ApiResponse, console: Console) -> None:
    view = response.body
    colour = "green" if view["status"] in ("confirmed", "cancelled") else "red"
    console.print(f"booking [bold]{view['booking_id']}[/]: [{colour}]{view['status']}[/] (HTTP {response.status})")
    console.print("steps: " + " → ".join(view["steps"]))
    if view.get("cancellation_steps"):
        console.print("cancellation: " + " → ".join(view["cancellation_steps"]))
    table = Table("service", "status", "reference")
    for service, part in view["parts"].items():
        table.add_row(service, *((part["status"], part["reference"] or "") if part else ("—", "")))
    console.print(table)


def book_through_api(workspace: workspaces.Workspace, request: dict[str, Any], customer: str, *, as_json: bool) -> int:
    """POST the request as the customer's token, then GET its Location until the saga has ended."""
    token = sign_in(workspace, customer)
    api = BookingsApi(workspace.outputs["api_url"], token.access_token)
    if request.get("customer", {}).get("customer_id") == samples.SAMPLE_CUSTOMER_ID:  # the sample's own id: the token's is used
        request = {**request, "customer": {k: v for k, v in request["customer"].items() if k != "customer_id"}}
    created = api.create(request)
    if created.status not in (200, 202):
        print(f"HTTP {created.status}: {json.dumps(created.body)}", file=sys.stderr)
        return CONFLICT_EXIT if created.status == 409 else 2
    view = api.wait(created.body["booking_id"], timeout=600)
    if as_json:
        print(json.dumps(view.body, indent=2))
    else:
        show_api(view, Console())
    return 0 if view.status == 200 and view.body["status"] == "confirmed" else 1


def cancel_through_api(workspace: workspaces.Workspace, booking_id: str, customer: str, *, as_json: bool) -> int:
    """POST .../cancel as the customer's token, then GET the booking until its cancellation has ended."""
    api = BookingsApi(workspace.outputs["api_url"], sign_in(workspace, customer).access_token)
    asked = api.cancel(booking_id)
    if asked.status != 202:
        print(f"HTTP {asked.status}: {json.dumps(asked.body)}", file=sys.stderr)
        return CONFLICT_EXIT if asked.status == 409 else 2
    view = api.wait(booking_id, timeout=600)
    if as_json:
        print(json.dumps(view.body, indent=2))
    else:
        show_api(view, Console())
    return 0 if view.status == 200 and view.body["status"] == "cancelled" else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--booking-id", type=parse_booking_id, help="default: a fresh trip-<random> id")
    parser.add_argument("--request", type=Path, help="a JSON booking request (file path, or - for stdin)")
    parser.add_argument("--inject", action="append", type=parse_injection, default=[], metavar="STEP=FAULT", help="repeatable")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the readable view")
    parser.add_argument("--workspace", metavar="local|NAME", help="run on a workspace instead of the embedded engine")
    parser.add_argument("--api", action="store_true", help="book through the workspace's HTTP API (default workspace: local)")
    parser.add_argument("--customer", default="c-1", help="with --api: the customer (Cognito user name) who books")
    parser.add_argument(
        "--cancel", type=parse_booking_id, metavar="BOOKING_ID", help="with --api: cancel this confirmed booking of the customer's"
    )
    parser.add_argument("--print-request", action="store_true", help="print the request JSON and exit (e.g. for the AWS CLI)")
    args = parser.parse_args(argv)

    if args.cancel:
        if not args.api:
            parser.error("--cancel is a customer's request: give --api (and --workspace, default local)")
        try:
            return cancel_through_api(workspaces.load(args.workspace or "local"), args.cancel, args.customer, as_json=args.json)
        except workspaces.WorkspaceError as error:
            parser.error(str(error))
    if args.request:
        try:
            request = read_request(args.request)
        except RequestFileError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        if args.booking_id:
            request["booking_id"] = args.booking_id
    else:
        request = samples.booking_request(args.booking_id)
    request = samples.with_faults(request, args.inject)
    try:  # a clear, named error before anything is started, let alone written
        parse_model(request, BookingRequest)
    except InvalidBookingRequest as error:
        print(f"error: invalid booking request: {error}", file=sys.stderr)
        return 2
    if args.print_request:
        print(json.dumps(request, indent=2))
        return 0

    try:
        if args.api:
            return book_through_api(workspaces.load(args.workspace or "local"), request, args.customer, as_json=args.json)
        if args.workspace:
            report = workspaces.load(args.workspace).saga().run(request, timeout=600)
        else:
            with LocalEngine() as engine:
                report = engine.run(request)
    except workspaces.WorkspaceError as error:
        parser.error(str(error))
    except ResubmissionConflict as conflict:
        print(f"conflict: {conflict}", file=sys.stderr)
        return CONFLICT_EXIT
    if args.json:
        print(json.dumps(report.as_json(), default=to_json, indent=2))
    else:
        show(report, Console())
    return 0 if report.status == "SUCCEEDED" else 1


if __name__ == "__main__":
    sys.exit(main())
