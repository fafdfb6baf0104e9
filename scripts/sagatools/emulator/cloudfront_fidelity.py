"""CloudFront as AWS documents it, where moto (5.2) lacks what the booking page's distribution uses:

- response headers policies: CreateResponseHeadersPolicy, GetResponseHeadersPolicy(Config),
  UpdateResponseHeadersPolicy, DeleteResponseHeadersPolicy, ListResponseHeadersPolicies, on CloudFront's
  REST-XML API with the shapes of botocore's model (so boto3 and the stand-in provider call them as on
  AWS): an update or delete needs the policy's current ETag in If-Match (PreconditionFailed otherwise,
  InvalidIfMatchVersion without one), a policy a distribution uses cannot be deleted
  (ResponseHeadersPolicyInUse), names are unique (ResponseHeadersPolicyAlreadyExists)
  (https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_CreateResponseHeadersPolicy.html,
  https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_DeleteResponseHeadersPolicy.html);
- a distribution's origins keep their OriginAccessControlId (moto drops it), which the local CloudFront
  (sagatools.emulator.site) signs with.

Installed by the endpoint (sagatools.emulator.endpoint), before moto's CloudFront app is built."""

from __future__ import annotations

import datetime
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

from moto.cloudfront import urls as cloudfront_urls
from moto.cloudfront.exceptions import CloudFrontException, InvalidIfMatchVersion
from moto.cloudfront.models import CloudFrontBackend, Origin, cloudfront_backends, random_id
from moto.cloudfront.responses import CloudFrontResponse
from moto.core.responses import ActionResult, EmptyResult

PATHS = {
    "{0}/2020-05-31/response-headers-policy$": CloudFrontResponse.dispatch,
    "{0}/2020-05-31/response-headers-policy/(?P<policy_id>[^/]+)$": CloudFrontResponse.dispatch,
    "{0}/2020-05-31/response-headers-policy/(?P<policy_id>[^/]+)/config$": CloudFrontResponse.dispatch,
}
_lock = threading.Lock()
_installed = False


# The HTTP status of each error comes from CloudFront's model (404, 409, 412), as moto serializes them.
class NoSuchResponseHeadersPolicy(CloudFrontException):
    def __init__(self) -> None:
        super().__init__("NoSuchResponseHeadersPolicy", "The response headers policy does not exist.")


class ResponseHeadersPolicyAlreadyExists(CloudFrontException):
    def __init__(self, name: str) -> None:
        super().__init__("ResponseHeadersPolicyAlreadyExists", f"A response headers policy with this name already exists: {name}")


class ResponseHeadersPolicyInUse(CloudFrontException):
    def __init__(self) -> None:
        message = "Cannot delete the response headers policy because it is attached to a cache behavior."
        super().__init__("ResponseHeadersPolicyInUse", message)


class PreconditionFailed(CloudFrontException):
    def __init__(self) -> None:
        super().__init__("PreconditionFailed", "The precondition in one or more of the request fields evaluated to false.")


@dataclass
class ResponseHeadersPolicy:
    config: dict[str, Any]
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    etag: str = field(default_factory=random_id)
    last_modified: datetime.datetime = field(default_factory=lambda: datetime.datetime.now(datetime.UTC))

    def shape(self) -> dict[str, Any]:
        return {"Id": self.id, "LastModifiedTime": self.last_modified, "ResponseHeadersPolicyConfig": self.config}


def policies(backend: CloudFrontBackend) -> dict[str, ResponseHeadersPolicy]:
    """The backend's response headers policies (an attribute moto's backend does not declare)."""
    found: dict[str, ResponseHeadersPolicy] | None = getattr(backend, "response_headers_policies", None)
    if found is None:
        found = {}
        backend.response_headers_policies = found  # type: ignore[attr-defined]
    return found


def response_headers_policy(policy_id: str, account_id: str) -> ResponseHeadersPolicy | None:
    """A policy by id, for the local CloudFront."""
    return policies(cloudfront_backends[account_id]["aws"]).get(policy_id)


def _in_use(backend: CloudFrontBackend, policy_id: str) -> bool:
    for distribution in backend.distributions.values():
        config: Any = distribution.distribution_config  # its members are set from the request (moto declares none)
        behaviours = [config.DefaultCacheBehavior, *(config.CacheBehaviors.get("Items") or [])]
        if any(getattr(behaviour, "response_headers_policy_id", None) == policy_id for behaviour in behaviours):
            return True
    return False


def _found(backend: CloudFrontBackend, policy_id: str) -> ResponseHeadersPolicy:
    policy = policies(backend).get(policy_id)
    if policy is None:
        raise NoSuchResponseHeadersPolicy
    return policy


def _matching(policy: ResponseHeadersPolicy, if_match: str | None) -> None:
    if not if_match:
        raise InvalidIfMatchVersion
    if if_match != policy.etag:
        raise PreconditionFailed


def create_response_headers_policy(self: CloudFrontResponse) -> ActionResult:
    config = self._get_param("ResponseHeadersPolicyConfig", {})
    with _lock:
        existing = policies(self.backend)
        if any(policy.config.get("Name") == config.get("Name") for policy in existing.values()):
            raise ResponseHeadersPolicyAlreadyExists(str(config.get("Name")))
        policy = ResponseHeadersPolicy(config)
        existing[policy.id] = policy
    location = f"https://cloudfront.amazonaws.com/2020-05-31/response-headers-policy/{policy.id}"
    return ActionResult({"ResponseHeadersPolicy": policy.shape(), "Location": location, "ETag": policy.etag})


def get_response_headers_policy(self: CloudFrontResponse) -> ActionResult:
    policy = _found(self.backend, self._get_param("Id"))
    return ActionResult({"ResponseHeadersPolicy": policy.shape(), "ETag": policy.etag})


def get_response_headers_policy_config(self: CloudFrontResponse) -> ActionResult:
    policy = _found(self.backend, self._get_param("Id"))
    return ActionResult({"ResponseHeadersPolicyConfig": policy.config, "ETag": policy.etag})


def update_response_headers_policy(self: CloudFrontResponse) -> ActionResult:
    with _lock:
        policy = _found(self.backend, self._get_param("Id"))
        _matching(policy, self._get_param("IfMatch"))
        policy.config = self._get_param("ResponseHeadersPolicyConfig", {})
        policy.etag = random_id()
        policy.last_modified = datetime.datetime.now(datetime.UTC)
    return ActionResult({"ResponseHeadersPolicy": policy.shape(), "ETag": policy.etag})


def delete_response_headers_policy(self: CloudFrontResponse) -> EmptyResult:
    with _lock:
        policy = _found(self.backend, self._get_param("Id"))
        _matching(policy, self._get_param("IfMatch"))
        if _in_use(self.backend, policy.id):
            raise ResponseHeadersPolicyInUse
        del policies(self.backend)[policy.id]
    return EmptyResult()


def list_response_headers_policies(self: CloudFrontResponse) -> ActionResult:
    kind = self._get_param("Type")
    items = [] if kind == "managed" else [{"Type": "custom", "ResponseHeadersPolicy": p.shape()} for p in policies(self.backend).values()]
    return ActionResult({"ResponseHeadersPolicyList": {"MaxItems": 100, "Quantity": len(items), "Items": items or None}})


def install() -> None:
    """Idempotent; process-wide (moto's backends and routes are process-wide too)."""
    global _installed
    with _lock:
        if _installed:
            return
        _installed = True
    cloudfront_urls.url_paths.update(PATHS)
    for function in (
        create_response_headers_policy,
        get_response_headers_policy,
        get_response_headers_policy_config,
        update_response_headers_policy,
        delete_response_headers_policy,
        list_response_headers_policies,
    ):
        setattr(CloudFrontResponse, function.__name__, function)
    original_init = Origin.__init__

    def origin_init(origin: Origin, config: dict[str, Any]) -> None:
        original_init(origin, config)
        origin.origin_access_control_id = config.get("OriginAccessControlId") or ""  # type: ignore[attr-defined]

    Origin.__init__ = origin_init  # type: ignore[method-assign,assignment]
