"""The stand-in's AWS clients: boto3, one session per thread (Terraform applies resources in parallel,
and the plugin server answers each call on a thread of its pool).

Where requests go: the provider block's ``endpoints`` (as for the real provider), else boto3's own
configuration, ``AWS_ENDPOINT_URL`` included (which the real provider honours too). Credentials are
boto3's: the environment, a profile.
"""

from __future__ import annotations

import threading
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

# boto3's service names, with the keys of the provider's `endpoints` block that name them.
ENDPOINT_KEYS = {
    "apigatewayv2": ("apigatewayv2",),
    "cloudwatch": ("cloudwatch",),
    "cognito-idp": ("cognitoidp", "cognitoidentityprovider"),
    "dynamodb": ("dynamodb",),
    "events": ("events", "eventbridge", "cloudwatchevents"),
    "iam": ("iam",),
    "kms": ("kms",),
    "lambda": ("lambda",),
    "logs": ("logs", "cloudwatchlogs", "cloudwatchlog"),
    "service-quotas": ("servicequotas",),
    "sns": ("sns",),
    "stepfunctions": ("sfn", "stepfunctions"),
    "sts": ("sts",),
}
RETRIES = Config(retries={"max_attempts": 5, "mode": "standard"})
# "NoSuch": S3's and CloudFront's (NoSuchKey, NoSuchDistribution, NoSuchOriginAccessControl, ...).
NOT_FOUND_CODES = ("ResourceNotFoundException", "NotFoundException", "NoSuch", "NotFound", "StateMachineDoesNotExist")


def not_found(error: Exception) -> bool:
    if not isinstance(error, ClientError):
        return False
    code = str(error.response.get("Error", {}).get("Code", ""))
    return any(marker in code for marker in NOT_FOUND_CODES) or error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 404


class Clients:
    """boto3 clients for the provider's region and endpoints, per thread."""

    def __init__(self, region: str, endpoints: dict[str, str] | None = None) -> None:
        self.region = region
        self.endpoints = endpoints or {}
        self._local = threading.local()

    def endpoint_for(self, service: str) -> str | None:
        for key in ENDPOINT_KEYS.get(service, (service,)):
            if self.endpoints.get(key):
                return self.endpoints[key]
        return None

    def __call__(self, service: str) -> Any:
        cache: dict[str, Any] | None = getattr(self._local, "clients", None)
        if cache is None:
            cache = self._local.clients = {}
            self._local.session = boto3.session.Session(region_name=self.region)
        if service not in cache:
            cache[service] = self._local.session.client(service, endpoint_url=self.endpoint_for(service), config=RETRIES)
        return cache[service]
