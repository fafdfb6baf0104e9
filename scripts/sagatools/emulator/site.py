"""The local CloudFront: the distributions configured on the local endpoint (moto's CloudFront backend,
written by the same API calls a deploy makes; response headers policies by cloudfront_fidelity), served
over HTTPS on their own 127.0.0.1 port, from the endpoint's S3.

What it does as CloudFront does, because the booking page depends on it:
- the distribution is the one whose domain name is the request's Host, or the only enabled one; a
  request for `/` gets the distribution's default root object, and only `/` does
  (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/DefaultRootObject.html);
- only the default cache behaviour's allowed methods are served: anything else is 403
  (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/DownloadDistValuesCacheBehavior.html#DownloadDistValuesAllowedHTTPMethods);
- an S3 origin with origin access control is read as CloudFront reads it: signed as the service
  principal cloudfront.amazonaws.com with aws:SourceArn = the distribution's ARN, so the bucket policy
  decides; a policy that does not allow this distribution is S3's 403 AccessDenied, and so is a key
  that does not exist, since no s3:ListBucket is granted ("If you don't have the s3:ListBucket
  permission, Amazon S3 returns an HTTP status code 403")
  (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-restricting-access-to-s3.html,
  https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html);
- the response headers policy's headers on every response, the origin's own replaced where the policy
  says override
  (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/modifying-response-headers.html);
- gzip when the viewer accepts it, the behaviour compresses, the type is one CloudFront compresses and
  the object is 1,000 to 10,000,000 bytes, its strong ETag then made weak
  (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/ServingCompressedFiles.html);
- a conditional GET whose If-None-Match names the object's ETag is 304
  (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/RequestAndResponseBehaviorS3Origin.html);
- the object key is the path without its first slash only: CloudFront forwards the URI to the origin,
  and S3 takes what follows the bucket's "/" as the key, so `//index.html` asks for the key `/index.html`
  (https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html), which does not exist: 403;
- a single byte Range is passed to S3, which answers 206 Partial Content with Content-Range (416
  InvalidRange when it starts past the end; S3 ignores a multi-range request and sends the whole object)
  (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/RangeGETs.html,
  https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html#API_GetObject_RequestSyntax);
- HEAD answers the headers GET would, Content-Length included (RFC 9110 9.3.2, which S3's HeadObject follows:
  https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html), and one Server header, the origin's
  or CloudFront's (`SiteRequestHandler`).

Not modelled: edge caching (every request reads the bucket, so a deploy is seen at once and no
invalidation is ever needed), Brotli, cache behaviours other than the default, custom origins, signed
URLs, geo restriction, WAF, access logs, and plain HTTP (this port serves HTTPS only, with a
self-signed certificate: `certificate`)."""

from __future__ import annotations

import base64
import datetime
import gzip
import ipaddress
import re
import secrets
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from moto.cloudfront.models import cloudfront_backends
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.s3.models import s3_backends
from werkzeug.serving import WSGIRequestHandler

from sagatools.emulator import cloudfront_fidelity
from sagatools.emulator.iam_evaluation import NotModelled, Principal, Request, evaluate

CERTIFICATE, PRIVATE_KEY = "site-cert.pem", "site-key.pem"  # in the state directory
CERTIFICATE_DAYS = 90
S3_ORIGIN = re.compile(r"^(?P<bucket>[a-z0-9][a-z0-9.-]*[a-z0-9])\.s3(?:[.-](?P<region>[a-z0-9-]+))?\.amazonaws\.com$")
# Some of the types CloudFront compresses (ServingCompressedFiles.html, "File types that CloudFront compresses").
COMPRESSIBLE = {
    "application/javascript",
    "application/json",
    "application/xml",
    "image/svg+xml",
    "image/x-icon",
    "text/css",
    "text/html",
    "text/javascript",
    "text/plain",
    "text/xml",
}
COMPRESS_MIN, COMPRESS_MAX = 1_000, 10_000_000
REASONS = {
    200: "OK",
    206: "Partial Content",
    304: "Not Modified",
    403: "Forbidden",
    404: "Not Found",
    416: "Requested Range Not Satisfiable",
    502: "Bad Gateway",
}
BYTE_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
CLOUDFRONT = Principal("cloudfront.amazonaws.com", DEFAULT_ACCOUNT_ID, service="cloudfront.amazonaws.com")

# may_read(bucket, key, distribution ARN) -> None, or why S3 refuses CloudFront.
MayRead = Callable[[str, str, str], str | None]


def bucket_policy_allows(bucket: str, key: str, distribution_arn: str) -> str | None:
    """S3's decision on CloudFront's signed GetObject (origin access control): the bucket policy must
    allow cloudfront.amazonaws.com for this distribution (the service has no identity policies)."""
    backend = s3_backends[DEFAULT_ACCOUNT_ID]["aws"]
    policy = backend.get_bucket_policy(bucket)
    if not policy:
        return f"{bucket} has no bucket policy"
    request = Request(
        "s3:GetObject",
        f"arn:aws:s3:::{bucket}/{key}",
        CLOUDFRONT,
        {"aws:SourceArn": distribution_arn, "aws:SourceAccount": DEFAULT_ACCOUNT_ID, "aws:SecureTransport": "true"},
    )
    try:
        decision = evaluate(request, [], ("bucket policy", policy.decode()), resource_policy_must_allow=True)
    except NotModelled as error:
        return str(error)
    return None if decision.allowed else f"{decision.reason} s3:GetObject for {distribution_arn}"


def bucket_policy_judged_by(authorizer: Any) -> MayRead:
    """The same decision through the endpoint's authorizer (sagatools.emulator.authorizer), when it enforces IAM."""

    def may_read(bucket: str, key: str, distribution_arn: str) -> str | None:
        policy = s3_backends[DEFAULT_ACCOUNT_ID]["aws"].get_bucket_policy(bucket)
        if not policy:
            return f"{bucket} has no bucket policy"
        context = {"aws:SourceArn": distribution_arn, "aws:SourceAccount": DEFAULT_ACCOUNT_ID, "aws:SecureTransport": "true"}
        resource = f"arn:aws:s3:::{bucket}/{key}"
        bucket_policy = ("bucket policy", policy.decode())
        decision = authorizer.judge(CLOUDFRONT, "s3:GetObject", resource, context, resource_policy=bucket_policy, must_allow=True)
        return None if decision.allowed else f"{decision.reason} s3:GetObject for {distribution_arn}"

    return may_read


class LocalCloudFront:
    """A WSGI app serving the distributions of moto's CloudFront backend."""

    def __init__(self, *, may_read: MayRead = bucket_policy_allows, account_id: str = DEFAULT_ACCOUNT_ID) -> None:
        self.may_read = may_read
        self.account_id = account_id

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request_id = base64.urlsafe_b64encode(secrets.token_bytes(42)).decode()
        distribution = self.distribution_for(environ.get("HTTP_HOST", ""))
        if distribution is None:
            status, headers, body = _error(403, "Bad request.", "The request could not be satisfied.")
        else:
            status, headers, body = self.handle(distribution, environ)
        headers |= {"Via": "1.1 local.cloudfront.net (CloudFront)", "X-Cache": "Miss from cloudfront", "X-Amz-Cf-Id": request_id}
        if status != 304:
            headers["Content-Length"] = str(len(body))  # HEAD's too: the length GET's body would have
        start_response(f"{status} {REASONS.get(status, '')}".strip(), list(headers.items()))
        return [] if environ["REQUEST_METHOD"] == "HEAD" or status == 304 else [body]

    def distribution_for(self, host: str) -> Any:
        """The enabled distribution named by the Host header, or the only enabled one."""
        distributions: list[Any] = list(cloudfront_backends[self.account_id]["aws"].distributions.values())
        enabled = [d for d in distributions if d.distribution_config.Enabled]
        named = [d for d in enabled if d.domain_name == host or host in getattr(d.distribution_config, "Aliases", {}).get("Items", [])]
        if named:
            return named[0]
        return enabled[0] if len(enabled) == 1 else None

    def handle(self, distribution: Any, environ: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
        config = distribution.distribution_config
        behaviour = config.DefaultCacheBehavior
        method = environ["REQUEST_METHOD"]
        if method not in behaviour.allowed_methods.items:
            status, headers, body = _error(
                403, "Bad request.", "This distribution is not configured to allow the HTTP request method that was used for this request."
            )
            return status, self.with_policy_headers(behaviour, headers), body
        # The path as sent (SiteRequestHandler): PATH_INFO has `//index.html` as `/index.html`.
        raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
        path = unquote(raw.partition("?")[0]) if raw and raw.startswith("/") else environ.get("PATH_INFO") or "/"
        key = config.DefaultRootObject if path == "/" and config.DefaultRootObject else path.removeprefix("/")
        origin = next((o for o in config.Origins["Items"] if o.id == behaviour.target_origin_id), None)
        status, headers, body = self.from_origin(distribution, origin, key)
        if status == 200 and environ.get("HTTP_RANGE") and not _matches(environ.get("HTTP_IF_NONE_MATCH"), headers["ETag"]):
            status, headers, body = _ranged(environ["HTTP_RANGE"], headers, body)  # the origin's bytes, not compressed
        if status == 200:
            status, headers, body = self.compressed(behaviour, environ, headers, body)
            if _matches(environ.get("HTTP_IF_NONE_MATCH"), headers.get("ETag")):
                status, body = 304, b""
                headers = {name: value for name, value in headers.items() if name in ("ETag", "Last-Modified", "Cache-Control", "Vary")}
        return status, self.with_policy_headers(behaviour, headers), body

    def from_origin(self, distribution: Any, origin: Any, key: str) -> tuple[int, dict[str, str], bytes]:
        """GetObject of the S3 origin, as CloudFront makes it through origin access control."""
        matched = S3_ORIGIN.match(getattr(origin, "domain_name", "") or "")
        if origin is None or matched is None:
            return _error(502, "Bad gateway.", "The local CloudFront serves S3 origins only.")
        bucket = matched.group("bucket")
        control_id = getattr(origin, "origin_access_control_id", "")
        controls = cloudfront_backends[self.account_id]["aws"].origin_access_controls
        if not control_id or control_id not in controls or controls[control_id].signing_behavior == "never":
            return _access_denied()  # unsigned: only a public bucket would answer, and the project's are private
        if self.may_read(bucket, key, distribution.arn) is not None:
            return _access_denied()
        try:
            found = s3_backends[self.account_id]["aws"].get_object(bucket, key)
        except Exception:  # noqa: BLE001 - moto's "no such bucket"
            found = None
        if found is None:
            return _access_denied()  # no s3:ListBucket granted: S3 answers 403, not 404
        metadata = found.metadata
        headers = {
            "Content-Type": metadata.get("content-type") or "binary/octet-stream",
            "ETag": found.etag,
            "Last-Modified": found.last_modified_RFC1123,
            "Accept-Ranges": "bytes",
            "Server": "AmazonS3",  # the origin's, which CloudFront passes on
        }
        for name in ("cache-control", "content-encoding", "content-disposition", "content-language"):
            if metadata.get(name):
                headers["-".join(part.capitalize() for part in name.split("-"))] = metadata[name]
        return 200, headers, found.value

    @staticmethod
    def compressed(behaviour: Any, environ: dict[str, Any], headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
        accepted = [part.split(";")[0].strip() for part in environ.get("HTTP_ACCEPT_ENCODING", "").split(",")]
        media_type = headers.get("Content-Type", "").split(";")[0].strip().lower()
        compressible = media_type in COMPRESSIBLE and COMPRESS_MIN <= len(body) <= COMPRESS_MAX and "Content-Encoding" not in headers
        if not (behaviour.compress and compressible):
            return 200, headers, body
        headers = {**headers, "Vary": "Accept-Encoding"}
        if "gzip" not in accepted:
            return 200, headers, body
        etag = headers.get("ETag", "")
        if etag and not etag.startswith("W/"):
            headers["ETag"] = f"W/{etag}"  # "CloudFront converts the strong ETag header value to a weak ETag"
        return 200, {**headers, "Content-Encoding": "gzip"}, gzip.compress(body, mtime=0)

    def with_policy_headers(self, behaviour: Any, headers: dict[str, str]) -> dict[str, str]:
        """The response headers policy's headers: each added, or replacing the origin's where it overrides."""
        policy_id = getattr(behaviour, "response_headers_policy_id", None)
        policy = cloudfront_fidelity.response_headers_policy(policy_id, self.account_id) if policy_id else None
        if policy is None:
            return headers
        answer = dict(headers)

        def put(name: str, value: str, override: bool) -> None:
            present = next((existing for existing in answer if existing.lower() == name.lower()), None)
            if present is not None and not override:
                return
            if present is not None:
                del answer[present]
            answer[name] = value

        security = policy.config.get("SecurityHeadersConfig") or {}
        if sts := security.get("StrictTransportSecurity"):
            value = f"max-age={sts['AccessControlMaxAgeSec']}"
            value += "; includeSubDomains" if sts.get("IncludeSubdomains") else ""
            value += "; preload" if sts.get("Preload") else ""
            put("Strict-Transport-Security", value, sts["Override"])
        if options := security.get("ContentTypeOptions"):
            put("X-Content-Type-Options", "nosniff", options["Override"])
        if frame := security.get("FrameOptions"):
            put("X-Frame-Options", frame["FrameOption"], frame["Override"])
        if referrer := security.get("ReferrerPolicy"):
            put("Referrer-Policy", referrer["ReferrerPolicy"], referrer["Override"])
        if csp := security.get("ContentSecurityPolicy"):
            put("Content-Security-Policy", csp["ContentSecurityPolicy"], csp["Override"])
        if xss := security.get("XSSProtection"):
            value = "1" if xss["Protection"] else "0"
            value += "; mode=block" if xss.get("ModeBlock") else ""
            value += f"; report={xss['ReportUri']}" if xss.get("ReportUri") else ""
            put("X-XSS-Protection", value, xss["Override"])
        for item in (policy.config.get("CustomHeadersConfig") or {}).get("Items") or []:
            put(item["Header"], item["Value"], item["Override"])
        for item in (policy.config.get("RemoveHeadersConfig") or {}).get("Items") or []:
            for name in [existing for existing in answer if existing.lower() == item["Header"].lower()]:
                del answer[name]
        return answer


def _ranged(range_header: str | None, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
    """S3's answer to a Range header (API_GetObject.html): one byte range is 206 with Content-Range, a range
    starting past the end 416 InvalidRange; anything else (several ranges, another unit) the whole object."""
    matched = BYTE_RANGE.match((range_header or "").strip())
    if matched is None or matched.group(1) == matched.group(2) == "":
        return 200, headers, body
    size = len(body)
    first, last = matched.group(1), matched.group(2)
    if first == "":  # the last N bytes
        start, end = max(size - int(last), 0), size - 1
    else:
        start, end = int(first), min(int(last), size - 1) if last else size - 1
    if start >= size or start > end:
        request_id = secrets.token_hex(8).upper()
        error = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>InvalidRange</Code><Message>The requested range is not satisfiable'
            f"</Message><RangeRequested>{range_header}</RangeRequested><ActualObjectSize>{size}</ActualObjectSize>"
            f"<RequestId>{request_id}</RequestId></Error>"
        ).encode()
        return 416, {"Content-Type": "application/xml", "Content-Range": f"bytes */{size}", "Server": "AmazonS3"}, error
    return 206, {**headers, "Content-Range": f"bytes {start}-{end}/{size}"}, body[start : end + 1]


def _matches(if_none_match: str | None, etag: str | None) -> bool:
    """If-None-Match's weak comparison (RFC 9110 13.1.2): W/"x" and "x" match."""
    if not if_none_match or not etag:
        return False
    if if_none_match.strip() == "*":
        return True
    wanted = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return etag.removeprefix("W/") in wanted


def _access_denied() -> tuple[int, dict[str, str], bytes]:
    """S3's own 403, which CloudFront passes on to the viewer."""
    request_id = secrets.token_hex(8).upper()
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied</Message>'
        f"<RequestId>{request_id}</RequestId><HostId>{base64.b64encode(secrets.token_bytes(48)).decode()}</HostId></Error>"
    ).encode()
    return 403, {"Content-Type": "application/xml", "Server": "AmazonS3"}, body


def _error(status: int, title: str, detail: str) -> tuple[int, dict[str, str], bytes]:
    """CloudFront's own error page ("ERROR: The request could not be satisfied")."""
    body = (
        f'<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN" "http://www.w3.org/TR/html4/loose.dtd">'
        f"<HTML><HEAD><TITLE>ERROR: The request could not be satisfied</TITLE></HEAD><BODY>"
        f'<H1>{status} ERROR</H1><H2>The request could not be satisfied.</H2><HR noshade size="1px">{title} {detail}</BODY></HTML>'
    ).encode()
    return status, {"Content-Type": "text/html", "Server": "CloudFront"}, body


class SiteRequestHandler(WSGIRequestHandler):
    """Werkzeug's handler without its own Server header: the response's (the origin's AmazonS3, or
    CloudFront's) is the only one, as CloudFront sends one. And the path as the viewer sent it: Python's
    http.server reduces leading slashes to one (gh-87389), so RAW_URI is read from the request line."""

    def make_environ(self) -> Any:
        environ = super().make_environ()
        words = self.requestline.split()
        if len(words) == 3 and words[1].startswith("/"):
            environ["RAW_URI"] = environ["REQUEST_URI"] = words[1]
        return environ

    def send_header(self, keyword: str, value: str) -> None:
        if keyword.lower() == "server" and value == self.version_string():
            return
        super().send_header(keyword, value)


def certificate(state_dir: Path) -> tuple[Path, Path]:
    """The local CloudFront's self-signed certificate for 127.0.0.1 and localhost: <state_dir>/site-cert.pem
    and site-key.pem, kept while it has a week left (so a browser told to trust it keeps trusting it)."""
    cert_path, key_path = state_dir / CERTIFICATE, state_dir / PRIVATE_KEY
    now = datetime.datetime.now(datetime.UTC)
    if cert_path.exists() and key_path.exists():
        try:
            existing = x509.load_pem_x509_certificate(cert_path.read_bytes())
            if existing.not_valid_after_utc - now > datetime.timedelta(days=7):
                return cert_path, key_path
        except ValueError:
            pass
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "trip-saga local CloudFront")])
    built = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=CERTIFICATE_DAYS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False
        )
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )
    state_dir.mkdir(parents=True, exist_ok=True)
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    key_path.chmod(0o600)
    cert_path.write_bytes(built.public_bytes(serialization.Encoding.PEM))
    return cert_path, key_path
