output "arn" {
  description = "ARN of the state machine (known when planning: the policies and event patterns that name it can be read in the plan)."
  value       = local.arn
  depends_on  = [aws_sfn_state_machine.this]
}

output "name" {
  description = "Name of the state machine, \"<name_prefix>-<name>\"."
  value       = aws_sfn_state_machine.this.name
}

output "role_arn" {
  description = "ARN of the state machine's execution role."
  value       = aws_iam_role.this.arn
}

output "log_group_name" {
  description = "Log group of the execution history."
  value       = aws_cloudwatch_log_group.this.name
}

output "event_rule_arn" {
  description = "ARN of the EventBridge rule that starts it (started_by_status_of), or null."
  value       = one(aws_cloudwatch_event_rule.started_by[*].arn)
}
