"""The booking CLI and the demo, run as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from sagatools.client import samples
from sagatools.contract.paths import ROOT

pytestmark = pytest.mark.subprocess


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)


def test_book_json_with_payment_failure() -> None:
    result = run("scripts/book.py", "--json", "--inject", "payment=fail")
    out = json.loads(result.stdout)

    assert result.returncode == 1  # a failed booking is a failed command
    assert (out["status"], out["error"]) == ("FAILED", "SagaFailed")
    assert out["path"] == ["ReserveFlight", "ReserveHotel", "ProcessPayment", "RefundPayment", "CancelHotel", "CancelFlight", "SagaFailed"]
    assert out["items"]["flight"]["status"] == "CANCELLED" and out["items"]["hotel"]["status"] == "CANCELLED"
    assert out["items"]["payment"]["status"] == "REFUNDED" and out["items"]["payment"]["tombstone"] is True
    assert out["items"]["flight"]["booking_id"] == out["booking_id"]


def test_book_readable_view_of_a_success() -> None:
    result = run("scripts/book.py", "--booking-id", "cli-ok-1")
    assert result.returncode == 0, result.stderr
    assert "cli-ok-1: SUCCEEDED" in result.stdout
    path = " ".join(result.stdout.split("path:", 1)[1].split("\n\n", 1)[0].split())  # the terminal may wrap it
    assert path.startswith(
        "ReserveFlight → ReserveHotel → ProcessPayment → ConfirmPayment → ConfirmFlight → ConfirmHotel → BookingSucceeded"
    )


def test_book_refuses_an_unknown_step_by_name() -> None:
    result = run("scripts/book.py", "--inject", "teleport=fail")
    assert result.returncode == 2
    assert f"STEP in {', '.join(samples.STEP_FAULT_KEYS)}" in " ".join(result.stderr.split())
    assert "confirm_payment" in samples.STEP_FAULT_KEYS and "refund_charge" in samples.STEP_FAULT_KEYS


def test_demo_prints_one_success_and_three_rollbacks() -> None:
    result = run("scripts/demo.py")
    assert result.returncode == 0, result.stderr
    rows = [line for line in result.stdout.splitlines() if line.startswith("│ ") and ("fails" in line or "success" in line)]
    assert len([r for r in rows if "SUCCEEDED" in r]) == 1
    assert len([r for r in rows if "FAILED (SagaFailed)" in r]) == 3


def test_book_prints_amounts_as_stored() -> None:
    result = run("scripts/book.py", "--json")
    assert '"amount": "1249.90"' in result.stdout


def test_book_refuses_an_empty_or_invalid_booking_id() -> None:
    for booking_id in ("", "has space", "x" * 65):
        result = run("scripts/book.py", "--booking-id", booking_id)
        assert result.returncode == 2
        assert "a booking id is 1-64 characters" in result.stderr


def test_book_names_the_problem_with_a_request_file_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "broken.json").write_text('{"booking_id": ')
    (tmp_path / "list.json").write_text("[1, 2]")
    cases = {
        str(tmp_path / "missing.json"): "No such file or directory",
        str(tmp_path / "broken.json"): "not JSON",
        str(tmp_path / "list.json"): "a booking request is a JSON object, not list",
    }
    for path, problem in cases.items():
        result = run("scripts/book.py", "--request", path)
        assert result.returncode == 2
        assert result.stderr.strip().splitlines() == [f"error: --request {path}: {result.stderr.split(': ', 2)[2].strip()}"]
        assert problem in result.stderr


def test_book_refuses_an_invalid_request_before_starting_anything(tmp_path: Path) -> None:
    request = json.loads(run("scripts/book.py", "--print-request", "--booking-id", "cli-invalid-1").stdout)
    request["payment"]["amount"] = "12.999"
    (tmp_path / "invalid.json").write_text(json.dumps(request))

    result = run("scripts/book.py", "--request", str(tmp_path / "invalid.json"))

    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]  # one line
    assert "error: invalid booking request: payment.amount:" in result.stderr
