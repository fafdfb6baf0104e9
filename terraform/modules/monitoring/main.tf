# Alarms to the alert topic and one dashboard: failed, aborted and timed-out booking sagas,
# CompensationFailed (each one, of the saga and of the cancellation), failed cancellations and
# reconciliations, function errors and throttles, the bookings API's 5xx answers, and the functions'
# own step metrics.

data "aws_region" "current" {}

locals {
  alarm_actions = [var.alert_topic_arn]
  compensations = [for state, step in var.steps : state if step.compensation]
  forward_steps = [for state, step in var.steps : state if !step.compensation]
  step_service  = { for state, step in var.steps : state => step.service }

  # Two alarms per function: errors above the threshold in 5 minutes, and any throttle.
  function_alarms = merge([
    for name in values(var.function_names) : {
      "${name}-errors"    = { function = name, metric = "Errors", period = 300, threshold = var.function_errors_threshold, description = "${name} is failing more than usual." }
      "${name}-throttles" = { function = name, metric = "Throttles", period = 60, threshold = 1, description = "${name} is being throttled: its reserved concurrency is too low for the load." }
    }
  ]...)
}

resource "aws_cloudwatch_metric_alarm" "executions_failed" {
  alarm_name          = "${var.name_prefix}-saga-executions-failed"
  alarm_description   = "Booking sagas are failing more than usual: look at the failed executions' errors."
  namespace           = "AWS/States"
  metric_name         = "ExecutionsFailed"
  dimensions          = { StateMachineArn = var.state_machine_arn }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = var.failed_executions_threshold
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

# A stopped (the console's Stop, StopExecution) or timed-out booking runs no Catch: its PENDING parts
# are closed by the reconciliation, and an operator should know it happened. ExecutionsAborted and
# ExecutionsTimedOut are Step Functions' own metrics
# (https://docs.aws.amazon.com/step-functions/latest/dg/procedure-cw-metrics.html).
resource "aws_cloudwatch_metric_alarm" "executions_ended_early" {
  for_each = { aborted = "ExecutionsAborted", "timed-out" = "ExecutionsTimedOut" }

  alarm_name          = "${var.name_prefix}-saga-executions-${each.key}"
  alarm_description   = "A booking saga execution was ${replace(each.key, "-", " ")}: the reconciliation closes what it left PENDING (docs/failure-semantics.md#runbook-reconciliation)."
  namespace           = "AWS/States"
  metric_name         = each.value
  dimensions          = { StateMachineArn = var.state_machine_arn }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

# The cancellation and the reconciliation: any failed execution is one to look at (a cancellation
# refused because the booking was not confirmed fails too, rarely: the API refuses those first).
resource "aws_cloudwatch_metric_alarm" "other_executions_failed" {
  for_each = var.other_state_machines

  alarm_name          = "${var.name_prefix}-${each.key}-executions-failed"
  alarm_description   = "A ${each.key} execution failed: see docs/failure-semantics.md#runbook-${each.key}."
  namespace           = "AWS/States"
  metric_name         = "ExecutionsFailed"
  dimensions          = { StateMachineArn = each.value.arn }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "other_compensation_failed" {
  for_each = { for key, machine in var.other_state_machines : key => machine if machine.alerts }

  alarm_name          = "${var.name_prefix}-${each.key}-compensation-failed"
  alarm_description   = "A ${each.key} step could not complete: follow the runbook in docs/failure-semantics.md#runbook-compensationfailed."
  namespace           = var.metrics_namespace
  metric_name         = "CompensationFailed"
  dimensions          = { StateMachine = each.value.name }
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

# The state machine itself counts each execution that ends in CompensationFailed (its
# CountCompensationFailed state), and the alarm fires on the first one (the runbook:
# docs/failure-semantics.md#runbook-compensationfailed). Not an EventBridge rule on the execution's
# status change: for a state machine encrypted with a customer managed key, as this one is, "Execution
# Input, Output, Error, and Cause will not be included for execution status change events"
# (https://docs.aws.amazon.com/step-functions/latest/dg/encryption-at-rest.html), so a rule matching
# `error` would never match.
resource "aws_cloudwatch_metric_alarm" "compensation_failed" {
  alarm_name          = "${var.name_prefix}-saga-compensation-failed"
  alarm_description   = "A booking's compensation could not complete: follow the runbook in docs/failure-semantics.md#runbook-compensationfailed."
  namespace           = var.metrics_namespace
  metric_name         = "CompensationFailed"
  dimensions          = { StateMachine = var.state_machine_name }
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

# An early warning, per compensation step, from the functions' own metric: one compensation has failed
# as many times as it is retried, so it is about to give up (the alarm above follows once it has).
resource "aws_cloudwatch_metric_alarm" "compensation_attempts_failed" {
  for_each = toset(local.compensations)

  alarm_name          = "${var.name_prefix}-saga-${each.key}-failing"
  alarm_description   = "${each.key} keeps failing: a booking's compensation may not complete. Follow the runbook in docs/failure-semantics.md#runbook-compensationfailed."
  namespace           = var.metrics_namespace
  metric_name         = "CompensationFailed"
  dimensions          = { step = each.key, service = local.step_service[each.key] }
  statistic           = "Sum"
  period              = 900
  evaluation_periods  = 1
  threshold           = var.compensation_failures_threshold
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "function" {
  for_each = local.function_alarms

  alarm_name          = each.key
  alarm_description   = each.value.description
  namespace           = "AWS/Lambda"
  metric_name         = each.value.metric
  dimensions          = { FunctionName = each.value.function }
  statistic           = "Sum"
  period              = each.value.period
  evaluation_periods  = 1
  threshold           = each.value.threshold
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

# A 5xx from the front door is a customer who could not book or look: API Gateway's own (integration
# failures, the function's crashes) and the function's problem details for unexpected failures.
resource "aws_cloudwatch_metric_alarm" "api_5xx" {
  alarm_name          = "${var.name_prefix}-bookings-api-5xx"
  alarm_description   = "The bookings API is answering 5xx: look at the API function's errors and the stage's access log."
  namespace           = "AWS/ApiGateway"
  metric_name         = "5xx"
  dimensions          = { ApiId = var.api_id, Stage = "$default" }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = var.api_5xx_threshold
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

resource "aws_cloudwatch_dashboard" "saga" {
  dashboard_name = "${var.name_prefix}-booking-saga"
  dashboard_body = jsonencode({
    widgets = [
      {
        type = "metric", x = 0, y = 0, width = 12, height = 6
        properties = {
          title  = "Booking sagas"
          region = data.aws_region.current.region
          stat   = "Sum"
          period = 300
          metrics = [
            for name in ["ExecutionsStarted", "ExecutionsSucceeded", "ExecutionsFailed", "ExecutionsTimedOut", "ExecutionsAborted"] :
            ["AWS/States", name, "StateMachineArn", var.state_machine_arn]
          ]
        }
      },
      {
        type = "alarm", x = 12, y = 0, width = 12, height = 6
        properties = {
          title = "Alarms"
          alarms = concat(
            [aws_cloudwatch_metric_alarm.executions_failed.arn, aws_cloudwatch_metric_alarm.compensation_failed.arn, aws_cloudwatch_metric_alarm.api_5xx.arn],
            [for alarm in aws_cloudwatch_metric_alarm.executions_ended_early : alarm.arn],
            [for alarm in aws_cloudwatch_metric_alarm.other_executions_failed : alarm.arn],
            [for alarm in aws_cloudwatch_metric_alarm.other_compensation_failed : alarm.arn],
            [for alarm in aws_cloudwatch_metric_alarm.compensation_attempts_failed : alarm.arn],
            [for alarm in aws_cloudwatch_metric_alarm.function : alarm.arn],
          )
        }
      },
      {
        type = "metric", x = 0, y = 6, width = 12, height = 6
        properties = {
          title  = "Forward steps"
          region = data.aws_region.current.region
          stat   = "Sum"
          period = 300
          metrics = flatten([
            for step in local.forward_steps : [
              for outcome in ["StepSucceeded", "BusinessFailure", "TransientFailure", "StepErrored"] :
              [var.metrics_namespace, outcome, "step", step, "service", local.step_service[step]]
            ]
          ])
        }
      },
      {
        type = "metric", x = 12, y = 6, width = 12, height = 6
        properties = {
          title  = "Compensations"
          region = data.aws_region.current.region
          stat   = "Sum"
          period = 300
          metrics = flatten([
            for step in local.compensations : [
              for outcome in ["CompensationRan", "CompensationFailed"] :
              [var.metrics_namespace, outcome, "step", step, "service", local.step_service[step]]
            ]
          ])
        }
      },
      {
        type = "metric", x = 0, y = 18, width = 24, height = 6
        properties = {
          title  = "Bookings API: requests, 4xx, 5xx, p99 latency"
          region = data.aws_region.current.region
          period = 300
          metrics = [
            ["AWS/ApiGateway", "Count", "ApiId", var.api_id, "Stage", "$default", { stat = "Sum" }],
            ["AWS/ApiGateway", "4xx", "ApiId", var.api_id, "Stage", "$default", { stat = "Sum" }],
            ["AWS/ApiGateway", "5xx", "ApiId", var.api_id, "Stage", "$default", { stat = "Sum" }],
            ["AWS/ApiGateway", "Latency", "ApiId", var.api_id, "Stage", "$default", { stat = "p99" }],
          ]
        }
      },
      {
        type = "metric", x = 0, y = 12, width = 24, height = 6
        properties = {
          title  = "Functions: errors, throttles, p99 duration"
          region = data.aws_region.current.region
          period = 300
          metrics = flatten([
            for name in values(var.function_names) : [
              ["AWS/Lambda", "Errors", "FunctionName", name, { stat = "Sum" }],
              ["AWS/Lambda", "Throttles", "FunctionName", name, { stat = "Sum" }],
              ["AWS/Lambda", "Duration", "FunctionName", name, { stat = "p99" }],
            ]
          ])
        }
      },
    ]
  })
}
