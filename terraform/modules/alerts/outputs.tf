output "topic_arn" {
  description = "ARN of the alert topic."
  value       = aws_sns_topic.alerts.arn
}
