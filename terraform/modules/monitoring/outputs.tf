output "dashboard_name" {
  description = "Name of the CloudWatch dashboard."
  value       = aws_cloudwatch_dashboard.saga.dashboard_name
}

output "alarm_names" {
  description = "Every alarm this module creates."
  value = concat(
    [aws_cloudwatch_metric_alarm.executions_failed.alarm_name, aws_cloudwatch_metric_alarm.compensation_failed.alarm_name],
    [for alarm in aws_cloudwatch_metric_alarm.function : alarm.alarm_name],
  )
}
