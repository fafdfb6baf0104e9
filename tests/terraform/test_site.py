"""The booking page's hosting (modules/site) as Terraform plans it: the root module's plans for what it
is wired to (the headers' CSP, every page file with its content type, no page with an external issuer),
and a plan of the module alone with known inputs for what is known only after apply in the root (the
rendered index.html's <meta> CSP). What the applied bucket policy and the API's CORS say: test_apply.py."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.terraform.planned import edit, failure, outputs, references, resources
from tfprovider import check

pytestmark = [pytest.mark.subprocess, pytest.mark.terraform, pytest.mark.xdist_group("terraform")]

PAGE_DIR = check.ROOT / "terraform" / "page"
SITE = "module.site[0]"
CONTENT_TYPES = {"html": "text/html", "js": "text/javascript", "css": "text/css", "json": "application/json", "txt": "text/plain"}
ISSUER, AUDIENCE = "https://issuer.example.com/", ["spa-client"]


def header_csp(connect_src: str) -> str:
    return (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"connect-src 'self' {connect_src}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )


@pytest.mark.parametrize("environment", check.ENVIRONMENTS)
def test_the_headers_policy_sends_the_security_headers_and_the_csp_exactly(plans: dict[str, dict[str, Any]], environment: str) -> None:
    policy = resources(plans[environment])[f"{SITE}.aws_cloudfront_response_headers_policy.page"]
    (security,) = policy["security_headers_config"]
    # eu-west-1 (the root's default region): Cognito's regional endpoint and the region's execute-api
    expected = header_csp("https://cognito-idp.eu-west-1.amazonaws.com https://*.execute-api.eu-west-1.amazonaws.com")
    assert security["content_security_policy"] == [{"content_security_policy": expected, "override": True}]
    assert security["strict_transport_security"] == [
        {"access_control_max_age_sec": 63072000, "include_subdomains": True, "preload": True, "override": True}
    ]
    assert security["content_type_options"] == [{"override": True}]
    assert security["frame_options"] == [{"frame_option": "DENY", "override": True}]
    assert security["referrer_policy"] == [{"referrer_policy": "no-referrer", "override": True}]
    (custom,) = policy["custom_headers_config"]
    assert custom["items"] == [{"header": "Permissions-Policy", "value": "camera=(), microphone=(), geolocation=()", "override": True}]


@pytest.mark.parametrize("environment", check.ENVIRONMENTS)
def test_every_page_file_is_uploaded_with_its_content_type_and_no_cache(plans: dict[str, dict[str, Any]], environment: str) -> None:
    created = resources(plans[environment])
    objects = {after["key"]: after for address, after in created.items() if address.startswith(f"{SITE}.aws_s3_object.")}
    files = {path.relative_to(PAGE_DIR).as_posix() for path in PAGE_DIR.rglob("*") if path.is_file()}
    assert set(objects) == {name.removesuffix(".tftpl") for name in files} | {"config.json"}
    assert "index.html" in objects and not any(key.endswith(".tftpl") for key in objects)
    for key, after in objects.items():
        assert after["content_type"] == CONTENT_TYPES[key.rsplit(".", 1)[-1]], key
        assert after["cache_control"] == "no-cache", key
        if not key.endswith(".html") and key != "config.json":
            assert after["source"].endswith(f"page/{key}") and after["source_hash"], key


@pytest.mark.parametrize("environment", check.ENVIRONMENTS)
def test_the_bucket_is_private_and_the_distribution_https_only(plans: dict[str, dict[str, Any]], environment: str) -> None:
    created = resources(plans[environment])
    block = created[f"{SITE}.aws_s3_bucket_public_access_block.page"]
    assert all(
        block[name] is True for name in ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets")
    )
    assert created[f"{SITE}.aws_s3_bucket_ownership_controls.page"]["rule"] == [{"object_ownership": "BucketOwnerEnforced"}]
    assert created[f"{SITE}.aws_s3_bucket.page"]["force_destroy"] is (environment != "prod")
    control = created[f"{SITE}.aws_cloudfront_origin_access_control.page"]
    assert (control["origin_access_control_origin_type"], control["signing_behavior"], control["signing_protocol"]) == (
        "s3",
        "always",
        "sigv4",
    )
    distribution = created[f"{SITE}.aws_cloudfront_distribution.page"]
    assert distribution["default_root_object"] == "index.html" and distribution["http_version"] == "http2and3"
    (behaviour,) = distribution["default_cache_behavior"]
    assert behaviour["viewer_protocol_policy"] == "redirect-to-https" and behaviour["compress"] is True
    assert sorted(behaviour["allowed_methods"]) == ["GET", "HEAD"]
    assert behaviour["cache_policy_id"] == "658327ea-f89d-4fab-a63d-7e88639e58f6"  # CachingOptimized
    assert distribution["restrictions"][0]["geo_restriction"][0]["restriction_type"] == "none"
    # the index's <meta> CSP is the API's exact origin (known after apply) and Cognito's
    connect = references(plans[environment], ["site"], "aws_s3_object.rendered", "content")
    assert "module.api.api_url" not in connect  # the module's input, not the API, inside the module
    root_connect = plans[environment]["configuration"]["root_module"]["module_calls"]["site"]["expressions"]["connect_src"]["references"]
    assert "module.api.api_url" in root_connect and "local.cognito_origin" in root_connect


def test_no_page_with_an_external_issuer(ready: None, configuration: Path) -> None:
    terraform = check.terraform_for(configuration)
    terraform.use_local_backend()
    plan = terraform.plan("dev", f"api_jwt_issuer={ISSUER}", f"api_jwt_audience={json.dumps(AUDIENCE)}")
    assert not [address for address in resources(plan) if address.startswith("module.site")]
    planned = outputs(plan)
    assert planned["site_url"] is None and planned["site_bucket_name"] is None and planned["site_distribution_id"] is None


# -- the module alone, with known inputs ----------------------------------------------------------------
API, COGNITO = "https://abc123.execute-api.eu-west-1.amazonaws.com", "https://cognito-idp.eu-west-1.amazonaws.com"


def module_root(configuration: Path) -> Path:
    root = configuration.parent / "site_module"
    root.mkdir()
    document = {
        "terraform": {"required_providers": {"aws": {"source": "hashicorp/aws", "version": "~> 6.0"}}},
        "provider": {"aws": {"region": "eu-west-1"}},
        "module": {
            "site": {
                "source": "../terraform/modules/site",
                "name_prefix": "check-site",
                "page_dir": "${path.module}/../terraform/page",
                "connect_src": [API, COGNITO],
                "csp_connect_src": [COGNITO, "https://*.execute-api.eu-west-1.amazonaws.com"],
                "config": {"apiUrl": API, "region": "eu-west-1"},
            }
        },
    }
    (root / "main.tf.json").write_text(json.dumps(document, indent=1))
    return root


def test_index_html_is_rendered_with_a_meta_csp_naming_exactly_the_api_and_cognito(ready: None, configuration: Path) -> None:
    terraform = check.terraform_for(module_root(configuration))
    terraform.run("terraform init (site module)", "init", "-input=false", "-no-color")
    created = resources(terraform.plan("default", var_file=False))
    index = created['module.site.aws_s3_object.rendered["index.html"]']
    (meta,) = re.findall(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">', index["content"])
    sources = meta.removeprefix("connect-src ").split()
    assert [source for source in sources if source != "'self'"] == [API, COGNITO]
    assert "${" not in index["content"] and index["key"] == "index.html"
    assert json.loads(created["module.site.aws_s3_object.config"]["content"]) == {"apiUrl": API, "region": "eu-west-1"}
    assert created["module.site.aws_s3_bucket.page"]["bucket"] == "check-site-page-123456789012"


def test_a_page_file_of_an_unknown_type_fails_its_precondition(ready: None, configuration: Path) -> None:
    (configuration / "page" / "notes.md").write_text("# not served\n")
    terraform = check.terraform_for(configuration)
    terraform.use_local_backend()
    assert "notes.md: no content type for its extension" in failure(lambda: terraform.plan("dev"))


def test_a_connect_src_with_a_path_fails_its_validation(ready: None, configuration: Path) -> None:
    edit(
        configuration / "main.tf",
        'connect_src     = [regex("^[a-z]+://[^/]+", module.api.api_url), local.cognito_origin]',
        'connect_src     = ["https://x.example.com/path"]',
    )
    terraform = check.terraform_for(configuration)
    terraform.use_local_backend()
    assert "connect_src must list origins" in failure(lambda: terraform.plan("dev"))
