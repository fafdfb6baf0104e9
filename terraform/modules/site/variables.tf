variable "name_prefix" {
  description = "Prefix of every resource name, \"<project>-<workspace>\". The bucket is \"<name_prefix>-page-<account id>\"."
  type        = string

  validation {
    # With the account id (12) and "-page-" (6), the bucket name stays within S3's 63 characters.
    condition     = can(regex("^[a-z0-9][a-z0-9-]{1,43}[a-z0-9]$", var.name_prefix))
    error_message = "name_prefix must be 3-45 characters of lowercase letters, digits and hyphens: the bucket name must fit S3's 63."
  }
}

variable "page_dir" {
  description = "Directory of the page's files: each is uploaded under its relative path; a file ending .tftpl is rendered with templatefile() (connect_src) and uploaded without the suffix."
  type        = string
}

variable "config" {
  description = "What the page reads from /config.json (apiUrl, region, userPoolId, ...): uploaded as jsonencode(config)."
  type        = any

  validation {
    condition     = can(keys(var.config))
    error_message = "config must be an object (it is the page's config.json)."
  }
}

variable "connect_src" {
  description = "The exact origins the page may connect to (the API's and Cognito's), written into index.html's <meta http-equiv=Content-Security-Policy> connect-src."
  type        = list(string)

  validation {
    condition     = length(var.connect_src) > 0 && alltrue([for origin in var.connect_src : can(regex("^https?://[a-z0-9.*-]+(:[0-9]{1,5})?$", origin))])
    error_message = "connect_src must list origins such as https://abc.execute-api.eu-west-1.amazonaws.com (no paths)."
  }
}

variable "csp_connect_src" {
  description = "connect-src of the Content-Security-Policy header every response carries: known before the API exists (its origin may be a wildcard such as https://*.execute-api.<region>.amazonaws.com), since the API's CORS names this distribution."
  type        = list(string)

  validation {
    condition     = length(var.csp_connect_src) > 0 && alltrue([for origin in var.csp_connect_src : can(regex("^https?://[a-z0-9.*-]+(:[0-9]{1,5})?$", origin))])
    error_message = "csp_connect_src must list origins (a leading *. wildcard allowed), no paths."
  }
}

variable "price_class" {
  description = "CloudFront price class: which edge locations serve the page (PriceClass_100: North America and Europe, the cheapest)."
  type        = string
  default     = "PriceClass_100"

  validation {
    condition     = contains(["PriceClass_100", "PriceClass_200", "PriceClass_All"], var.price_class)
    error_message = "price_class must be PriceClass_100, PriceClass_200 or PriceClass_All."
  }
}

variable "web_acl_id" {
  description = "ARN of an AWS WAF (v2, CLOUDFRONT scope) web ACL to attach to the distribution; null: none."
  type        = string
  default     = null

  validation {
    condition     = var.web_acl_id == null || can(regex("^arn:aws[a-z-]*:wafv2:us-east-1:[0-9]{12}:global/webacl/", var.web_acl_id))
    error_message = "web_acl_id must be the ARN of a WAFv2 web ACL of CLOUDFRONT scope (us-east-1, global/webacl/...)."
  }
}

variable "force_destroy" {
  description = "Let terraform destroy delete the bucket with its objects and their versions (not in production)."
  type        = bool
  default     = false
}

variable "noncurrent_version_days" {
  description = "Days a replaced version of a page file is kept before it expires."
  type        = number
  default     = 30

  validation {
    condition     = var.noncurrent_version_days >= 1 && floor(var.noncurrent_version_days) == var.noncurrent_version_days
    error_message = "noncurrent_version_days must be a whole number of at least 1."
  }
}
