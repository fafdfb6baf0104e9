"""S3 as AWS documents it, where moto (5.2) differs in what the booking page's bucket uses:

- a bucket policy's statements apply only where their conditions hold: moto matches a statement's
  action and resource and ignores its Condition, so the usual "deny s3:* where aws:SecureTransport is
  false" (https://docs.aws.amazon.com/AmazonS3/latest/userguide/security-best-practices.html) refused
  every PutObject and GetObject. The endpoint stands in for AWS's HTTPS endpoints, which the SDKs and
  Terraform's provider reach over TLS: its requests are judged with aws:SecureTransport true. The
  policy language is sagatools.emulator.iam_evaluation's (a statement it does not model is refused).

Installed by the endpoint (sagatools.emulator.endpoint)."""

from __future__ import annotations

import json
from typing import Any

from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.iam.access_control import PermissionResult
from moto.s3.models import FakeBucket

from sagatools.emulator.iam_evaluation import NotModelled, Principal, Request, statement_applies

ANYONE = Principal(f"arn:aws:iam::{DEFAULT_ACCOUNT_ID}:user/admin", DEFAULT_ACCOUNT_ID)  # moto knows no caller here
CONTEXT = {"aws:SecureTransport": "true", "aws:PrincipalAccount": DEFAULT_ACCOUNT_ID}
_installed = False


def get_permission(bucket: FakeBucket, action: str, resource: str) -> Any:
    """DENIED if a Deny statement applies, PERMITTED if an Allow for anyone does, else NEUTRAL (then IAM decides)."""
    if bucket.policy is None:
        return PermissionResult.NEUTRAL
    document = json.loads(bucket.policy.decode())
    statements = document.get("Statement", [])
    request = Request(action, resource, ANYONE, CONTEXT)
    allowed = False
    for statement in [statements] if isinstance(statements, dict) else statements:
        try:
            applies = statement_applies(statement, request, resource_policy=True)
        except NotModelled:
            return PermissionResult.DENIED
        if applies and statement.get("Effect") == "Deny":
            return PermissionResult.DENIED
        allowed = allowed or (applies and statement.get("Principal") in ("*", {"AWS": "*"}))
    return PermissionResult.PERMITTED if allowed else PermissionResult.NEUTRAL


def install() -> None:
    """Idempotent; process-wide."""
    global _installed
    if not _installed:
        _installed = True
        FakeBucket.get_permission = get_permission  # type: ignore[method-assign,assignment]
