# The saga's Standard state machine: the ASL template rendered with templatefile(), a role that may
# invoke exactly the six saga functions, publish to the alert topic and count a CompensationFailed,
# KMS-encrypted execution history and logs, X-Ray tracing.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  name = "${var.name_prefix}-booking-saga"
  # Built, not read from the resource, so the role's policy can name it without a cycle.
  arn = "arn:${data.aws_partition.current.partition}:states:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}:stateMachine:${local.name}"
}

resource "aws_cloudwatch_log_group" "this" {
  name              = "/aws/vendedlogs/states/${local.name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

data "aws_iam_policy_document" "assume_states" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["states.amazonaws.com"]
    }

    # Only this state machine, in this account, may use the role (confused-deputy protection).
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = [local.arn]
    }
  }
}

resource "aws_iam_role" "this" {
  name               = local.name
  description        = "Runs ${local.name}: invokes the six saga functions, alerts operators, writes its logs and traces."
  assume_role_policy = data.aws_iam_policy_document.assume_states.json
}

data "aws_iam_policy_document" "this" {
  statement {
    sid       = "InvokeTheSixSagaFunctionsOnly"
    actions   = ["lambda:InvokeFunction"]
    resources = sort(values(var.function_arns))
  }

  statement {
    sid       = "AlertOperators"
    actions   = ["sns:Publish"]
    resources = [var.alert_topic_arn]
  }

  # CountCompensationFailed: PutMetricData has no resource-level permissions; the namespace condition
  # key limits it (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/iam-cw-condition-keys-namespace.html).
  statement {
    sid       = "CountCompensationFailed"
    actions   = ["cloudwatch:PutMetricData"]
    resources = ["*"]

    condition {
      test     = "StringEquals"
      variable = "cloudwatch:namespace"
      values   = [var.metrics_namespace]
    }
  }

  statement {
    sid       = "AlertTopicKeyThroughSns"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [var.kms_key_arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["sns.${data.aws_region.current.region}.amazonaws.com"]
    }
  }

  statement {
    sid       = "ExecutionHistoryKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [var.kms_key_arn]

    condition {
      test     = "StringEquals"
      variable = "kms:EncryptionContext:aws:states:stateMachineArn"
      values   = [local.arn]
    }
  }

  # Log delivery and X-Ray actions support no resource-level permissions: AWS documents "*".
  # The Step Functions encryption guide: with a customer-managed key, the role also generates data keys
  # for the execution logs it delivers to CloudWatch Logs (encryption context: the logs ARN).
  # least-privilege:unused-here the local endpoint delivers no execution logs to CloudWatch Logs
  statement {
    sid       = "ExecutionLogsKey"
    actions   = ["kms:GenerateDataKey"]
    resources = [var.kms_key_arn]

    # The context's value is this literal wildcard ARN, as the page's example shows it (StringEquals).
    condition {
      test     = "StringEquals"
      variable = "kms:EncryptionContext:SourceArn"
      values   = ["arn:${data.aws_partition.current.partition}:logs:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}:*"]
    }
  }

  # The actions AWS lists for logging to CloudWatch Logs (cw-logs.html).
  # least-privilege:unused-here the local endpoint delivers no execution logs to CloudWatch Logs
  statement {
    sid = "LogDelivery"
    actions = [
      "logs:CreateLogDelivery",
      "logs:GetLogDelivery",
      "logs:UpdateLogDelivery",
      "logs:DeleteLogDelivery",
      "logs:ListLogDeliveries",
      "logs:PutResourcePolicy",
      "logs:DescribeResourcePolicies",
      "logs:DescribeLogGroups",
    ]
    resources = ["*"]
  }

  # least-privilege:unused-here the local endpoint has no X-Ray
  statement {
    sid       = "XRayTraces"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "this" {
  name   = "least-privilege"
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.this.json
}

resource "aws_sfn_state_machine" "this" {
  #checkov:skip=CKV_AWS_285:State input and output carry the customer's name and e-mail, so logging them is opt-in (include_execution_data); the KMS-encrypted execution history keeps them for 90 days.
  name     = local.name
  type     = "STANDARD"
  role_arn = aws_iam_role.this.arn

  # Each function's ARN under its placeholder (from the step catalog), and the settings.
  definition = templatefile(var.definition_template, merge(var.function_arns, {
    alert_topic_arn           = var.alert_topic_arn
    metrics_namespace         = var.metrics_namespace
    task_timeout_seconds      = var.task_timeout_seconds
    compensation_max_attempts = var.compensation_max_attempts
  }))

  logging_configuration {
    log_destination        = "${aws_cloudwatch_log_group.this.arn}:*"
    level                  = var.log_level
    include_execution_data = var.include_execution_data
  }

  tracing_configuration {
    enabled = true
  }

  encryption_configuration {
    type                              = "CUSTOMER_MANAGED_KMS_KEY"
    kms_key_id                        = var.kms_key_arn
    kms_data_key_reuse_period_seconds = 300
  }

  depends_on = [aws_iam_role_policy.this]
}
