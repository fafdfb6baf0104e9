# The booking page, hosted as a static single-page app: a private S3 bucket holding its files, served
# only through a CloudFront distribution that reads the bucket with origin access control, with
# security headers on every response. Nothing in the bucket is public: the bucket policy lets
# CloudFront read it for this distribution alone.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  bucket_name = "${var.name_prefix}-page-${data.aws_caller_identity.current.account_id}"
  origin_id   = "page"

  files = fileset(var.page_dir, "**")
  # A .tftpl file is rendered (templatefile, connect_src) and uploaded without its suffix: index.html.tftpl as index.html.
  templates    = { for file in local.files : trimsuffix(file, ".tftpl") => file if endswith(file, ".tftpl") }
  static_files = { for file in local.files : file => file if !endswith(file, ".tftpl") }
  # Each uploaded key's extension, which names its content type (a precondition refuses any other).
  extensions = { for key in concat(keys(local.templates), keys(local.static_files)) : key => lower(element(split(".", key), length(split(".", key)) - 1)) }
  content_types = {
    html = "text/html"
    js   = "text/javascript"
    css  = "text/css"
    json = "application/json"
    svg  = "image/svg+xml"
    png  = "image/png"
    txt  = "text/plain"
  }
  # Every response revalidates with the edge (If-None-Match on the ETag): nothing stale after a deploy, no invalidation needed.
  cache_control = "no-cache"

  # CloudFront's managed cache policy CachingOptimized, by its fixed id
  # (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-managed-cache-policies.html):
  # no cookies, headers or query strings in the key, gzip and Brotli normalised.
  caching_optimized_policy_id = "658327ea-f89d-4fab-a63d-7e88639e58f6"

  # The header's policy: connect-src is csp_connect_src (see variables.tf for why it may be wider than
  # the page's own <meta> policy, which browsers enforce too, narrowing it to connect_src).
  content_security_policy = join("; ", [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self' ${join(" ", var.csp_connect_src)}", # self: config.json
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ])
}

# -- the bucket: private, versioned, encrypted -------------------------------------------------------------

resource "aws_s3_bucket" "page" {
  #checkov:skip=CKV_AWS_18:The page's files are public by design and written only by Terraform; CloudFront's own metrics (and CloudTrail) cover reads.
  #checkov:skip=CKV_AWS_144:One region's static files, rebuilt by any apply; versions are the history. Replicate if your recovery objectives need another region.
  #checkov:skip=CKV_AWS_145:SSE-S3: the page's files are public by design; a customer managed key would guard nothing and CloudFront would need kms:Decrypt.
  #checkov:skip=CKV2_AWS_62:Nothing listens for the page's objects changing.
  bucket        = local.bucket_name
  force_destroy = var.force_destroy
}

resource "aws_s3_bucket_public_access_block" "page" {
  bucket                  = aws_s3_bucket.page.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "page" {
  bucket = aws_s3_bucket.page.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_versioning" "page" {
  bucket = aws_s3_bucket.page.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "page" {
  bucket = aws_s3_bucket.page.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "page" {
  bucket = aws_s3_bucket.page.id

  rule {
    id     = "replaced-page-versions"
    status = "Enabled"

    filter {}

    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_days
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }

  depends_on = [aws_s3_bucket_versioning.page]
}

# Only this distribution may read the objects (s3:GetObject as cloudfront.amazonaws.com, AWS:SourceArn the
# distribution), and only over TLS. As the origin access control guide writes the policy:
# https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-restricting-access-to-s3.html
# No s3:ListBucket: a missing key is S3's 403, not a 404 that would list what the bucket lacks.
data "aws_iam_policy_document" "page" {
  statement {
    sid       = "CloudFrontOfThisDistributionReads"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.page.arn}/*"]

    principals {
      type        = "Service"
      identifiers = ["cloudfront.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "AWS:SourceArn"
      values   = [aws_cloudfront_distribution.page.arn]
    }
  }

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.page.arn, "${aws_s3_bucket.page.arn}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "page" {
  bucket = aws_s3_bucket.page.id
  policy = data.aws_iam_policy_document.page.json

  depends_on = [aws_s3_bucket_public_access_block.page]
}

# -- the page's files ------------------------------------------------------------------------------------

resource "aws_s3_object" "static" {
  for_each = local.static_files

  bucket        = aws_s3_bucket.page.id
  key           = each.key
  source        = "${var.page_dir}/${each.value}"
  source_hash   = filemd5("${var.page_dir}/${each.value}")
  content_type  = lookup(local.content_types, local.extensions[each.key], null)
  cache_control = local.cache_control

  depends_on = [terraform_data.page_files, aws_s3_bucket_versioning.page, aws_s3_bucket_server_side_encryption_configuration.page]
}

# Every file the page uploads has a content type browsers act on (a script served as anything else is refused).
resource "terraform_data" "page_files" {
  input = local.extensions

  lifecycle {
    precondition {
      condition     = alltrue([for extension in values(local.extensions) : contains(keys(local.content_types), extension)])
      error_message = "${join(", ", sort([for key, extension in local.extensions : key if !contains(keys(local.content_types), extension)]))}: no content type for its extension; the page's files may be ${join(", ", sort(keys(local.content_types)))} (modules/site local.content_types)."
    }
  }
}

resource "aws_s3_object" "rendered" {
  for_each = local.templates

  bucket        = aws_s3_bucket.page.id
  key           = each.key
  content       = templatefile("${var.page_dir}/${each.value}", { connect_src = join(" ", var.connect_src) })
  content_type  = lookup(local.content_types, local.extensions[each.key], null)
  cache_control = local.cache_control

  depends_on = [terraform_data.page_files, aws_s3_bucket_versioning.page, aws_s3_bucket_server_side_encryption_configuration.page]
}

resource "aws_s3_object" "config" {
  bucket        = aws_s3_bucket.page.id
  key           = "config.json"
  content       = jsonencode(var.config)
  content_type  = "application/json"
  cache_control = local.cache_control

  depends_on = [terraform_data.page_files, aws_s3_bucket_versioning.page, aws_s3_bucket_server_side_encryption_configuration.page]
}

# -- CloudFront --------------------------------------------------------------------------------------------

# CloudFront signs its requests to the bucket (SigV4, always), as the OAC guide above sets it up.
resource "aws_cloudfront_origin_access_control" "page" {
  name                              = "${var.name_prefix}-page"
  description                       = "CloudFront reads ${local.bucket_name} for the booking page"
  origin_access_control_origin_type = "s3"
  signing_behavior                  = "always"
  signing_protocol                  = "sigv4"
}

resource "aws_cloudfront_response_headers_policy" "page" {
  name    = "${var.name_prefix}-page"
  comment = "Security headers of the booking page"

  security_headers_config {
    strict_transport_security {
      access_control_max_age_sec = 63072000
      include_subdomains         = true
      preload                    = true
      override                   = true
    }

    content_type_options {
      override = true
    }

    frame_options {
      frame_option = "DENY"
      override     = true
    }

    referrer_policy {
      referrer_policy = "no-referrer"
      override        = true
    }

    content_security_policy {
      content_security_policy = local.content_security_policy
      override                = true
    }
  }

  custom_headers_config {
    items {
      header   = "Permissions-Policy"
      value    = "camera=(), microphone=(), geolocation=()"
      override = true
    }
  }
}

resource "aws_cloudfront_distribution" "page" {
  #checkov:skip=CKV_AWS_68:Static public files behind a throttled JWT API; attach a WAF web ACL with web_acl_id if your policy requires one.
  #checkov:skip=CKV2_AWS_47:Same: no WAF by default (web_acl_id attaches one); no Java at the origin for Log4j to reach.
  #checkov:skip=CKV_AWS_86:Access logs need a logging bucket per workspace for public static files; CloudFront's standard metrics count requests and errors.
  #checkov:skip=CKV_AWS_174:The default *.cloudfront.net certificate cannot raise minimum_protocol_version; a custom domain's ACM certificate can.
  #checkov:skip=CKV2_AWS_42:The default certificate serves *.cloudfront.net; bring an ACM certificate with a custom domain.
  #checkov:skip=CKV_AWS_310:One S3 origin in one region; the page is rebuilt by any apply, so no failover origin.
  #checkov:skip=CKV_AWS_374:The booking page serves every country; set a geo restriction if your business needs one.
  enabled             = true
  comment             = "${var.name_prefix} booking page"
  default_root_object = "index.html"
  http_version        = "http2and3"
  is_ipv6_enabled     = true
  price_class         = var.price_class
  web_acl_id          = var.web_acl_id

  origin {
    origin_id                = local.origin_id
    domain_name              = aws_s3_bucket.page.bucket_regional_domain_name
    origin_access_control_id = aws_cloudfront_origin_access_control.page.id
  }

  default_cache_behavior {
    target_origin_id           = local.origin_id
    viewer_protocol_policy     = "redirect-to-https"
    allowed_methods            = ["GET", "HEAD"]
    cached_methods             = ["GET", "HEAD"]
    compress                   = true
    cache_policy_id            = local.caching_optimized_policy_id
    response_headers_policy_id = aws_cloudfront_response_headers_policy.page.id
  }

  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }

  viewer_certificate {
    cloudfront_default_certificate = true
  }
}
