"""The local CloudFront (sagatools.emulator.site) serves a distribution as CloudFront does where the
booking page depends on it: the default root object, the S3 origin read through origin access control
and judged by the bucket policy (S3's 403s), the response headers policy's headers, gzip, ETag and 304,
GET and HEAD only, and HTTPS only. A bucket, objects, origin access control, headers policy and
distribution configured through the S3 and CloudFront APIs (as a deploy does), served on 127.0.0.1."""

from __future__ import annotations

import gzip
import http.client
import json
import socket
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws
from werkzeug.serving import make_server

from sagatools.emulator import cloudfront_fidelity, s3_fidelity
from sagatools.emulator.site import LocalCloudFront, SiteRequestHandler, certificate

pytestmark = pytest.mark.moto

BUCKET = "check-page-123456789012"
CSP = "default-src 'none'; script-src 'self'; connect-src https://api.example.com; frame-ancestors 'none'"
INDEX = b"<!doctype html><title>page</title>"
SCRIPT = b"console.log('the page');\n" * 200  # 5,000 bytes: compressible


@dataclass
class Served:
    port: int
    context: ssl.SSLContext
    distribution_arn: str
    s3: Any

    def get(self, path: str, method: str = "GET", **headers: str) -> tuple[int, dict[str, str], bytes]:
        status, raw, body = self.get_raw(path, method, **headers)
        return status, {name.lower(): value for name, value in raw}, body

    def get_raw(self, path: str, method: str = "GET", **headers: str) -> tuple[int, list[tuple[str, str]], bytes]:
        """The response's headers as sent, repeated ones included."""
        connection = http.client.HTTPSConnection("127.0.0.1", self.port, context=self.context, timeout=10)
        try:
            connection.request(method, path, headers=headers)
            response = connection.getresponse()
            return response.status, response.getheaders(), response.read()
        finally:
            connection.close()

    def bucket_policy(self, distribution_arn: str) -> None:
        statement = {
            "Effect": "Allow",
            "Principal": {"Service": "cloudfront.amazonaws.com"},
            "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{BUCKET}/*",
            "Condition": {"StringEquals": {"AWS:SourceArn": distribution_arn}},
        }
        deny = {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
        self.s3.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps({"Version": "2012-10-17", "Statement": [statement, deny]}))


def distribution_config(control_id: str, policy_id: str) -> dict[str, Any]:
    return {
        "CallerReference": "check",
        "Comment": "check page",
        "Enabled": True,
        "DefaultRootObject": "index.html",
        "Origins": {
            "Quantity": 1,
            "Items": [
                {
                    "Id": "page",
                    "DomainName": f"{BUCKET}.s3.us-east-1.amazonaws.com",
                    "S3OriginConfig": {"OriginAccessIdentity": ""},
                    "OriginAccessControlId": control_id,
                }
            ],
        },
        "DefaultCacheBehavior": {
            "TargetOriginId": "page",
            "ViewerProtocolPolicy": "redirect-to-https",
            "AllowedMethods": {"Quantity": 2, "Items": ["GET", "HEAD"], "CachedMethods": {"Quantity": 2, "Items": ["GET", "HEAD"]}},
            "Compress": True,
            "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6",
            "ResponseHeadersPolicyId": policy_id,
        },
    }


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    cloudfront_fidelity.install()
    s3_fidelity.install()
    with mock_aws():
        session = boto3.Session(region_name="us-east-1")
        s3, cloudfront = session.client("s3"), session.client("cloudfront")
        s3.create_bucket(Bucket=BUCKET)
        s3.put_public_access_block(
            Bucket=BUCKET,
            PublicAccessBlockConfiguration=dict.fromkeys(
                ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"), True
            ),
        )
        s3.put_object(Bucket=BUCKET, Key="index.html", Body=INDEX, ContentType="text/html", CacheControl="no-cache")
        s3.put_object(Bucket=BUCKET, Key="app.js", Body=SCRIPT, ContentType="text/javascript", CacheControl="no-cache")
        control = cloudfront.create_origin_access_control(
            OriginAccessControlConfig={
                "Name": "check-page",
                "SigningProtocol": "sigv4",
                "SigningBehavior": "always",
                "OriginAccessControlOriginType": "s3",
            }
        )["OriginAccessControl"]["Id"]
        policy = cloudfront.create_response_headers_policy(
            ResponseHeadersPolicyConfig={
                "Name": "check-page",
                "SecurityHeadersConfig": {
                    "StrictTransportSecurity": {
                        "Override": True,
                        "AccessControlMaxAgeSec": 63072000,
                        "IncludeSubdomains": True,
                        "Preload": True,
                    },
                    "ContentTypeOptions": {"Override": True},
                    "FrameOptions": {"Override": True, "FrameOption": "DENY"},
                    "ReferrerPolicy": {"Override": True, "ReferrerPolicy": "no-referrer"},
                    "ContentSecurityPolicy": {"Override": True, "ContentSecurityPolicy": CSP},
                },
                "CustomHeadersConfig": {
                    "Quantity": 1,
                    "Items": [{"Header": "Permissions-Policy", "Value": "camera=(), microphone=(), geolocation=()", "Override": True}],
                },
            }
        )["ResponseHeadersPolicy"]["Id"]
        arn = cloudfront.create_distribution(DistributionConfig=distribution_config(control, policy))["Distribution"]["ARN"]
        cert, key = certificate(tmp_path)
        server = make_server(
            "127.0.0.1", 0, LocalCloudFront(), threaded=True, ssl_context=(str(cert), str(key)), request_handler=SiteRequestHandler
        )
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        context = ssl.create_default_context(cafile=str(cert))
        deployed = Served(server.server_address[1], context, arn, s3)
        deployed.bucket_policy(arn)
        try:
            yield deployed
        finally:
            server.shutdown()
            thread.join(timeout=5)


def test_the_root_is_the_default_root_object_with_the_policy_s_headers(served: Served) -> None:
    status, headers, body = served.get("/")
    assert (status, body) == (200, INDEX)
    assert headers["content-type"] == "text/html" and headers["cache-control"] == "no-cache"
    assert headers["strict-transport-security"] == "max-age=63072000; includeSubDomains; preload"
    assert headers["content-security-policy"] == CSP
    assert headers["x-content-type-options"] == "nosniff" and headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["permissions-policy"] == "camera=(), microphone=(), geolocation=()"
    assert served.get("/index.html")[2] == INDEX


def test_a_bucket_policy_that_does_not_allow_this_distribution_is_s3_s_403(served: Served) -> None:
    served.bucket_policy(served.distribution_arn.replace("distribution/", "distribution/OTHER"))
    status, headers, body = served.get("/")
    assert status == 403 and b"<Code>AccessDenied</Code>" in body
    assert headers["content-security-policy"] == CSP  # the policy's headers on errors too
    served.s3.delete_bucket_policy(Bucket=BUCKET)
    assert served.get("/app.js")[0] == 403


def test_a_missing_key_is_403_not_404(served: Served) -> None:
    status, _, body = served.get("/no-such-file.js")
    assert status == 403 and b"<Code>AccessDenied</Code>" in body


def test_gzip_when_the_viewer_accepts_it_and_the_object_is_large_enough(served: Served) -> None:
    status, headers, body = served.get("/app.js", **{"Accept-Encoding": "gzip, br"})
    assert status == 200 and headers["content-encoding"] == "gzip" and gzip.decompress(body) == SCRIPT
    assert headers["etag"].startswith('W/"') and headers["vary"] == "Accept-Encoding"
    plain = served.get("/app.js")
    assert "content-encoding" not in plain[1] and plain[2] == SCRIPT and not plain[1]["etag"].startswith("W/")
    small = served.get("/index.html", **{"Accept-Encoding": "gzip"})  # under 1,000 bytes
    assert "content-encoding" not in small[1] and small[2] == INDEX


def test_if_none_match_of_the_etag_is_304(served: Served) -> None:
    etag = served.get("/index.html")[1]["etag"]
    status, headers, body = served.get("/index.html", **{"If-None-Match": etag})
    assert (status, body, headers["etag"]) == (304, b"", etag)
    assert served.get("/index.html", **{"If-None-Match": '"other"'})[0] == 200
    weak = served.get("/app.js", **{"Accept-Encoding": "gzip"})[1]["etag"]
    assert served.get("/app.js", **{"Accept-Encoding": "gzip", "If-None-Match": weak})[0] == 304


def test_only_get_and_head_are_allowed(served: Served) -> None:
    status, headers, body = served.get("/", method="HEAD")
    assert (status, body) == (200, b"") and headers["content-type"] == "text/html"
    assert served.get("/", method="POST")[0] == 403
    assert served.get("/index.html", method="DELETE")[0] == 403


def test_plain_http_is_not_served(served: Served) -> None:
    with socket.create_connection(("127.0.0.1", served.port), timeout=5) as raw:
        raw.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        try:
            answer = raw.recv(1024)
        except (ConnectionResetError, TimeoutError):
            answer = b""
    assert not answer.startswith(b"HTTP/")  # no HTTP answer at all: the TLS handshake fails


def test_the_key_is_the_path_without_its_first_slash_only(served: Served) -> None:
    """`//index.html` asks S3 for the key `/index.html`, which does not exist: 403 (object-keys.html)."""
    status, _, body = served.get("//index.html")
    assert status == 403 and b"<Code>AccessDenied</Code>" in body
    assert served.get("/index.html")[0] == 200


def test_a_byte_range_is_206_partial_content(served: Served) -> None:
    """CloudFront passes a Range to S3, which answers one byte range with 206 (RangeGETs.html, API_GetObject.html)."""
    status, headers, body = served.get("/app.js", Range="bytes=0-9", **{"Accept-Encoding": "gzip"})
    assert (status, body) == (206, SCRIPT[:10])
    assert headers["content-range"] == f"bytes 0-9/{len(SCRIPT)}" and headers["content-length"] == "10"
    assert "content-encoding" not in headers and headers["accept-ranges"] == "bytes"
    assert served.get("/app.js", Range="bytes=-5")[2] == SCRIPT[-5:]
    assert served.get("/app.js", Range=f"bytes={len(SCRIPT) - 3}-")[2] == SCRIPT[-3:]
    status, headers, body = served.get("/app.js", Range=f"bytes={len(SCRIPT)}-")
    assert status == 416 and headers["content-range"] == f"bytes */{len(SCRIPT)}" and b"<Code>InvalidRange</Code>" in body
    assert served.get("/app.js", Range="bytes=0-1,5-6")[:3:2] == (200, SCRIPT)  # S3 ignores several ranges


def test_head_has_the_content_length_get_would_have(served: Served) -> None:
    status, headers, body = served.get("/index.html", method="HEAD")
    assert (status, body, headers["content-length"]) == (200, b"", str(len(INDEX)))


def test_one_server_header(served: Served) -> None:
    """CloudFront sends one Server header: the origin's (AmazonS3), or its own on its errors."""
    for path, server in (("/", "AmazonS3"), ("/no-such-file.js", "AmazonS3")):
        _, headers, _ = served.get_raw(path)
        assert [value for name, value in headers if name.lower() == "server"] == [server]
    _, headers, _ = served.get_raw("/", method="POST")
    assert [value for name, value in headers if name.lower() == "server"] == ["CloudFront"]
