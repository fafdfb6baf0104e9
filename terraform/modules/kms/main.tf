# One customer-managed key for the saga's data at rest: DynamoDB tables, Lambda environments,
# CloudWatch log groups (functions, state machine, API access logs), the state machine's execution
# history and the alert topic.
# The key policy delegates to IAM (account root) and admits the AWS services that use the key on the
# account's behalf, each narrowed to this account and, where the service supports it, to our resources.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.region
}

resource "aws_kms_key" "this" {
  description             = "${var.name_prefix}: trip-booking saga data at rest"
  enable_key_rotation     = true
  rotation_period_in_days = 365
  deletion_window_in_days = var.deletion_window_in_days
  policy                  = data.aws_iam_policy_document.key.json
}

resource "aws_kms_alias" "this" {
  name          = "alias/${var.name_prefix}-saga"
  target_key_id = aws_kms_key.this.key_id
}

data "aws_iam_policy_document" "key" {
  #checkov:skip=CKV_AWS_109:A key policy must let the account administer its own key (PutKeyPolicy); IAM policies then decide who may.
  #checkov:skip=CKV_AWS_111:Same root-account statement: in a key policy "*" resource means this key only.
  #checkov:skip=CKV_AWS_356:In a key policy, "*" resource means this key only.
  # Administration and use, spelled out (no wildcard actions); IAM policies decide which principal gets which.
  statement {
    sid = "AccountAdministersAndUsesKeyThroughIam"
    actions = [
      "kms:CancelKeyDeletion", "kms:CreateAlias", "kms:CreateGrant", "kms:Decrypt", "kms:DeleteAlias",
      "kms:DescribeKey", "kms:DisableKey", "kms:DisableKeyRotation", "kms:EnableKey", "kms:EnableKeyRotation",
      "kms:Encrypt", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:GetKeyPolicy",
      "kms:GetKeyRotationStatus", "kms:ListGrants", "kms:ListKeyRotations", "kms:ListResourceTags",
      "kms:PutKeyPolicy", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:RetireGrant", "kms:RevokeGrant",
      "kms:RotateKeyOnDemand", "kms:ScheduleKeyDeletion", "kms:TagResource", "kms:UntagResource",
      "kms:UpdateAlias", "kms:UpdateKeyDescription",
    ]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }

  # CloudWatch Logs (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html):
  # the regional service principal, narrowed by the encryption context "kms:EncryptionContext:aws:logs:arn"
  # (the log group's ARN), which CloudWatch Logs sends with every cryptographic request for a group.
  # iam-lint:accept MISMATCHED_TYPE AWS's own example matches this String-typed key with ArnLike and ArnEquals (encrypt-log-data-kms.html).
  statement {
    sid       = "CloudWatchLogsEncryptsOurLogGroups"
    actions   = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["logs.${local.region}.amazonaws.com"]
    }

    condition {
      test     = "ArnLike"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values = [
        "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:/aws/lambda/${var.name_prefix}-*",
        "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:/aws/vendedlogs/states/${var.name_prefix}-*",
        "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:/aws/vendedlogs/apigateway/${var.name_prefix}-*",
      ]
    }
  }

  # The same page lists kms:Describe* for the logs principal, under the same condition; but a DescribeKey
  # request carries no encryption context (the Service Authorization Reference gives DescribeKey only
  # kms:CallerAccount, kms:RequestAlias and kms:ViaService), so under it the grant would be void. It
  # stands alone: key metadata, no cryptographic use.
  statement {
    sid       = "CloudWatchLogsDescribesTheKey"
    actions   = ["kms:DescribeKey"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["logs.${local.region}.amazonaws.com"]
    }
  }

  # Step Functions' execution logs, delivered as vended logs: "you must allow delivery.logs.amazonaws.com
  # to do kms:Decrypt action from your AWS KMS key policy", and AWS's example statement has no condition
  # (https://docs.aws.amazon.com/step-functions/latest/dg/encryption-at-rest.html). A condition log
  # delivery does not send (aws:SourceAccount, say) would drop the logs silently.
  statement {
    sid       = "LogDeliveryReadsTheEncryptedStateMachine"
    actions   = ["kms:Decrypt"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["delivery.logs.amazonaws.com"]
    }
  }

  # CloudWatch alarms publish to the encrypted alert topic: the publisher needs kms:GenerateDataKey* and
  # kms:Decrypt, and the page says to add aws:SourceAccount and aws:SourceArn
  # (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html). Every alarm here is "<prefix>-...".
  statement {
    sid       = "CloudWatchAlarmsPublishToTheEncryptedTopic"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${local.partition}:cloudwatch:${local.region}:${local.account_id}:alarm:${var.name_prefix}-*"]
    }
  }
}
