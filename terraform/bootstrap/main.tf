# Once per account, by an administrator, before the first deploy of the root module (docs/deploy.md):
# - the S3 bucket for Terraform's state: versioned, encrypted with a key of its own, TLS only, private;
# - GitHub's OIDC identity provider, and two roles GitHub Actions assumes through it (no long-lived
#   keys): <project>-terraform-plan for pull requests (plan only), <project>-terraform-deploy for the
#   deploy branch (apply, the integration suite, destroy);
# - their policies (policies.tf): what hashicorp/aws calls for each resource type the root module uses,
#   on what the root module names "<project>-..." only.
# The roles live under the path /terraform/, so "<project>-*" role patterns can never name them.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.region
  # S3 bucket names are global: the account id keeps this one unique (3-63 characters, lowercase).
  state_bucket     = "${var.project}-tfstate-${local.account_id}"
  state_bucket_arn = "arn:${local.partition}:s3:::${local.state_bucket}"
  github_oidc      = "token.actions.githubusercontent.com"
  # Built, not read from the provider resource, so the trust policies are known when planning.
  github_oidc_arn = "arn:${local.partition}:iam::${local.account_id}:oidc-provider/${local.github_oidc}"
}

# -- the state bucket -----------------------------------------------------------------------------

resource "aws_kms_key" "state" {
  description             = "${var.project}: Terraform state"
  enable_key_rotation     = true
  rotation_period_in_days = 365
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.state_key.json
}

resource "aws_kms_alias" "state" {
  name          = "alias/${var.project}-tfstate"
  target_key_id = aws_kms_key.state.key_id
}

data "aws_iam_policy_document" "state_key" {
  #checkov:skip=CKV_AWS_109:A key policy must let the account administer its own key; IAM policies then decide who may (the roles' state statements).
  #checkov:skip=CKV_AWS_111:Same root-account statement: in a key policy "*" resource means this key only.
  #checkov:skip=CKV_AWS_356:In a key policy, "*" resource means this key only.
  statement {
    sid = "AccountAdministersAndUsesKeyThroughIam"
    actions = [
      "kms:CancelKeyDeletion", "kms:CreateAlias", "kms:Decrypt", "kms:DeleteAlias", "kms:DescribeKey", "kms:DisableKey",
      "kms:DisableKeyRotation", "kms:EnableKey", "kms:EnableKeyRotation", "kms:Encrypt", "kms:GenerateDataKey",
      "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListResourceTags", "kms:PutKeyPolicy", "kms:ScheduleKeyDeletion",
      "kms:TagResource", "kms:UntagResource", "kms:UpdateAlias", "kms:UpdateKeyDescription",
    ]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }
}

resource "aws_s3_bucket" "state" {
  #checkov:skip=CKV_AWS_18:Access logging needs a second bucket per account; CloudTrail data events are the audit trail if you need one.
  #checkov:skip=CKV_AWS_144:One region's state; its versions are the history. Replicate if your recovery objectives need another region.
  #checkov:skip=CKV2_AWS_62:Nothing listens for state changes.
  bucket = local.state_bucket
}

resource "aws_s3_bucket_versioning" "state" {
  bucket = aws_s3_bucket.state.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "state" {
  bucket = aws_s3_bucket.state.id

  rule {
    bucket_key_enabled = true

    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.state.arn
    }
  }
}

resource "aws_s3_bucket_public_access_block" "state" {
  bucket                  = aws_s3_bucket.state.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "state" {
  bucket = aws_s3_bucket.state.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "state" {
  bucket = aws_s3_bucket.state.id

  rule {
    id     = "superseded-state-versions"
    status = "Enabled"

    filter {}

    noncurrent_version_expiration {
      noncurrent_days = var.state_version_retention_days
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }

  depends_on = [aws_s3_bucket_versioning.state]
}

resource "aws_s3_bucket_policy" "state" {
  bucket = aws_s3_bucket.state.id
  policy = data.aws_iam_policy_document.state_bucket.json

  depends_on = [aws_s3_bucket_public_access_block.state]
}

# TLS only (https://docs.aws.amazon.com/AmazonS3/latest/userguide/security-best-practices.html).
data "aws_iam_policy_document" "state_bucket" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [local.state_bucket_arn, "${local.state_bucket_arn}/*"]

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

# -- GitHub Actions: OIDC, no long-lived keys ----------------------------------------------------------
# https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_oidc.html#idp_oidc_Create_GitHub:
# audience sts.amazonaws.com; GitHub's certificate is verified against AWS's trusted CAs, so no thumbprint.

resource "aws_iam_openid_connect_provider" "github" {
  count = var.create_github_oidc_provider ? 1 : 0

  url            = "https://${local.github_oidc}"
  client_id_list = ["sts.amazonaws.com"]
}

# Pull requests may plan; only the deploy branch may apply. A job that names a GitHub environment gets the
# subject repo:<repo>:environment:<name> instead: add it here if your workflow uses one.
data "aws_iam_policy_document" "trust_plan" {
  #checkov:skip=CKV_AWS_358:The subject is exactly repo:<owner>/<name>:..., github_repository's validation holding it to owner/name; checkov cannot see through the variable.
  statement {
    sid     = "GitHubActionsOfThisRepository"
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [local.github_oidc_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:aud"
      values   = ["sts.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:sub"
      values   = ["repo:${var.github_repository}:pull_request"]
    }
  }
}

data "aws_iam_policy_document" "trust_deploy" {
  #checkov:skip=CKV_AWS_358:The subject is exactly repo:<owner>/<name>:..., github_repository's validation holding it to owner/name; checkov cannot see through the variable.
  statement {
    sid     = "GitHubActionsOfThisRepository"
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [local.github_oidc_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:aud"
      values   = ["sts.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:sub"
      values   = ["repo:${var.github_repository}:ref:refs/heads/${var.deploy_branch}"]
    }
  }
}

resource "aws_iam_role" "terraform" {
  for_each = { plan = data.aws_iam_policy_document.trust_plan, deploy = data.aws_iam_policy_document.trust_deploy }

  name                 = "${var.project}-terraform-${each.key}"
  path                 = "/terraform/"
  description          = each.key == "plan" ? "Plans ${var.project} from pull requests of ${var.github_repository}: reads, never writes." : "Applies and destroys ${var.project} workspaces from ${var.github_repository}@${var.deploy_branch}."
  assume_role_policy   = each.value.json
  max_session_duration = 3600
}

resource "aws_iam_policy" "terraform" {
  for_each = local.policies

  name        = "${var.project}-terraform-${each.key}"
  path        = "/terraform/"
  description = each.value.description
  policy      = each.value.document
}

resource "aws_iam_role_policy_attachment" "terraform" {
  for_each = { for pair in flatten([for role, policies in local.role_policies : [for policy in policies : { role = role, policy = policy }]]) : "${pair.role}/${pair.policy}" => pair }

  role       = aws_iam_role.terraform[each.value.role].name
  policy_arn = aws_iam_policy.terraform[each.value.policy].arn
}
