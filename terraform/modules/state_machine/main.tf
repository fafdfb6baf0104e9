# One of the saga's Standard state machines (the booking saga, the cancellation, the reconciliation):
# its ASL template rendered with templatefile(), a role that may invoke exactly its functions (and,
# where it alerts, publish to the alert topic and count a CompensationFailed; where it reconciles, read
# the booking saga's executions), KMS-encrypted execution history and logs, X-Ray tracing; and, for
# one started by another machine's status-change events, the EventBridge rule, target and role.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  name = "${var.name_prefix}-${var.name}"
  # Built, not read from the resource, so the role's policy can name it without a cycle.
  arn     = "arn:${data.aws_partition.current.partition}:states:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}:stateMachine:${local.name}"
  alerts  = var.alert_topic_arn != null
  reads   = var.reads_executions_of != null
  started = var.started_by_status_of != null
  # Every execution of the machine it reads (an execution's ARN is the machine's with :execution: and its name).
  read_executions_arn = local.reads ? "${replace(var.reads_executions_of, ":stateMachine:", ":execution:")}:*" : null
  rule_arn            = "arn:${data.aws_partition.current.partition}:events:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}:rule/${local.name}"
  # What the template interpolates: the functions' ARNs and the settings (alert_topic_arn null for a
  # machine that does not alert: its template must not use it). Every key is known when planning, so
  # templatefile() fails the plan on a placeholder without a value even while the ARNs are unknown.
  definition_values = merge(var.function_arns, {
    task_timeout_seconds      = var.task_timeout_seconds
    compensation_max_attempts = var.compensation_max_attempts
    execution_timeout_seconds = var.execution_timeout_seconds
    alert_topic_arn           = var.alert_topic_arn
    metrics_namespace         = var.metrics_namespace
  })
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
  description        = "Runs ${local.name}: ${var.purpose}"
  assume_role_policy = data.aws_iam_policy_document.assume_states.json
}

data "aws_iam_policy_document" "this" {
  statement {
    sid       = "InvokeItsFunctionsOnly"
    actions   = ["lambda:InvokeFunction"]
    resources = sort(values(var.function_arns))
  }

  dynamic "statement" {
    for_each = local.alerts ? [var.alert_topic_arn] : []

    content {
      sid       = "AlertOperators"
      actions   = ["sns:Publish"]
      resources = [statement.value]
    }
  }

  # CountCompensationFailed: PutMetricData has no resource-level permissions; the namespace condition
  # key limits it (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/iam-cw-condition-keys-namespace.html).
  dynamic "statement" {
    for_each = local.alerts ? [var.metrics_namespace] : []

    content {
      sid       = "CountCompensationFailed"
      actions   = ["cloudwatch:PutMetricData"]
      resources = ["*"]

      condition {
        test     = "StringEquals"
        variable = "cloudwatch:namespace"
        values   = [statement.value]
      }
    }
  }

  dynamic "statement" {
    for_each = local.alerts ? [var.kms_key_arn] : []

    content {
      sid       = "AlertTopicKeyThroughSns"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = [statement.value]

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["sns.${data.aws_region.current.region}.amazonaws.com"]
      }
    }
  }

  # Reconciliation reads the ended execution (DescribeExecution, an aws-sdk task) by its ARN; the
  # execution is encrypted with the key, so it also decrypts through Step Functions, for that machine
  # only (https://docs.aws.amazon.com/step-functions/latest/dg/encryption-at-rest.html).
  dynamic "statement" {
    for_each = local.reads ? [local.read_executions_arn] : []

    content {
      sid       = "ReadTheExecutionsItReconciles"
      actions   = ["states:DescribeExecution"]
      resources = [statement.value]
    }
  }

  dynamic "statement" {
    for_each = local.reads ? [var.reads_executions_of] : []

    content {
      sid       = "TheirKeyThroughStepFunctions"
      actions   = ["kms:Decrypt"]
      resources = [var.kms_key_arn]

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["states.${data.aws_region.current.region}.amazonaws.com"]
      }

      condition {
        test     = "StringEquals"
        variable = "kms:EncryptionContext:aws:states:stateMachineArn"
        values   = [statement.value]
      }
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
  definition = templatefile(var.definition_template, local.definition_values)

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

# -- started by another state machine's status-change events (the reconciliation) -------------------------

# Step Functions sends "Step Functions Execution Status Change" events to the default bus for Standard
# workflows (https://docs.aws.amazon.com/step-functions/latest/dg/cw-events.html); under a customer
# managed key they carry no input, output, error or cause, so the pattern matches the status and the
# machine, and the target reads the execution by its ARN.
resource "aws_cloudwatch_event_rule" "started_by" {
  count = local.started ? 1 : 0

  name        = local.name
  description = "Starts ${local.name} for each ${var.started_by_status_of.state_machine_arn} execution that ends ${join(", ", var.started_by_status_of.statuses)}."
  event_pattern = jsonencode({
    source        = ["aws.states"]
    "detail-type" = ["Step Functions Execution Status Change"]
    detail = {
      stateMachineArn = [var.started_by_status_of.state_machine_arn]
      status          = var.started_by_status_of.statuses
    }
  })
}

data "aws_iam_policy_document" "assume_events" {
  count = local.started ? 1 : 0

  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }

    # Only this rule, in this account, may use the role (confused-deputy protection).
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [local.rule_arn]
    }
  }
}

resource "aws_iam_role" "events" {
  count = local.started ? 1 : 0

  name               = "${local.name}-events"
  description        = "EventBridge starts ${local.name} with it: states:StartExecution on that machine only."
  assume_role_policy = data.aws_iam_policy_document.assume_events[0].json
}

data "aws_iam_policy_document" "events" {
  count = local.started ? 1 : 0

  statement {
    sid       = "StartThisStateMachineOnly"
    actions   = ["states:StartExecution"]
    resources = [local.arn]
  }
}

resource "aws_iam_role_policy" "events" {
  count = local.started ? 1 : 0

  name   = "least-privilege"
  role   = aws_iam_role.events[0].id
  policy = data.aws_iam_policy_document.events[0].json
}

# The event is the execution's input (the rule's target passes it whole); EventBridge retries a
# failed delivery for up to 24 hours by default.
resource "aws_cloudwatch_event_target" "started_by" {
  count = local.started ? 1 : 0

  rule     = aws_cloudwatch_event_rule.started_by[0].name
  arn      = aws_sfn_state_machine.this.arn
  role_arn = aws_iam_role.events[0].arn
}
