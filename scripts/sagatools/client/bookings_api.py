"""A client of the bookings HTTP API (docs/openapi.json), for the CLI, the integration suite and the
bench: plain HTTP through urllib, a bearer token, JSON in and out."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

# A booking's statuses that a wait stops at (pending and cancelling move on by themselves).
TERMINAL = frozenset({"confirmed", "rejected", "rolled back", "cancelled", "needs attention"})


@dataclass(frozen=True)
class ApiResponse:
    status: int
    headers: dict[str, str]  # lower-case names
    body: Any  # the JSON body, or the raw text when it is not JSON


class BookingsApi:
    def __init__(self, api_url: str, token: str | None, *, timeout: float = 35.0, host: str | None = None) -> None:
        self.api_url = api_url.rstrip("/")
        self.token = token
        self.timeout = timeout  # API Gateway's own integration limit is 30 s
        self.host = host  # a Host header naming the API (`<api id>.execute-api.localhost`), where the gateway serves several

    def request(self, method: str, path: str, body: bytes | None = None, *, headers: dict[str, str] | None = None) -> ApiResponse:
        sent = {"content-type": "application/json"} if body is not None else {}
        if self.token:
            sent["authorization"] = f"Bearer {self.token}"
        if self.host:
            sent["host"] = self.host
        request = urllib.request.Request(f"{self.api_url}{path}", data=body, method=method, headers=sent | (headers or {}))
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                status, raw, answer_headers = response.status, response.read(), response.headers
        except urllib.error.HTTPError as error:
            status, raw, answer_headers = error.code, error.read(), error.headers
        text = raw.decode(errors="replace")
        try:
            parsed: Any = json.loads(text) if text else None
        except ValueError:
            parsed = text
        return ApiResponse(status, {name.lower(): value for name, value in answer_headers.items()}, parsed)

    def create(self, request: dict[str, Any]) -> ApiResponse:
        return self.request("POST", "/bookings", json.dumps(request).encode())

    def get(self, booking_id: str) -> ApiResponse:
        return self.request("GET", f"/bookings/{booking_id}")

    def cancel(self, booking_id: str) -> ApiResponse:
        return self.request("POST", f"/bookings/{booking_id}/cancel")

    def list(self, *, limit: int | None = None, after: str | None = None) -> ApiResponse:
        query = "&".join(f"{name}={value}" for name, value in (("limit", limit), ("after", after)) if value is not None)
        return self.request("GET", f"/bookings{'?' + query if query else ''}")

    def wait(self, booking_id: str, *, timeout: float = 120.0, poll_seconds: float = 0.2) -> ApiResponse:
        """GET the booking until it is no longer pending (or the deadline passes: the last answer)."""
        deadline = time.monotonic() + timeout
        while True:
            response = self.get(booking_id)
            if response.status != 200 or response.body["status"] in TERMINAL or time.monotonic() > deadline:
                return response
            time.sleep(poll_seconds)
