output "table_name" {
  description = "Name of the service's DynamoDB table."
  value       = aws_dynamodb_table.this.name
}

output "table_arn" {
  description = "ARN of the service's DynamoDB table."
  value       = aws_dynamodb_table.this.arn
}

output "function_names" {
  description = "Function names by catalog key (e.g. \"reserve-flight\")."
  value       = { for key, function in aws_lambda_function.this : key => function.function_name }
}

output "function_arns" {
  description = "Function ARNs by catalog key."
  value       = { for key, function in aws_lambda_function.this : key => function.arn }
}

output "role_arns" {
  description = "Execution role ARNs by catalog key."
  value       = { for key, role in aws_iam_role.function : key => role.arn }
}

output "log_group_names" {
  description = "Log group names by catalog key."
  value       = { for key, group in aws_cloudwatch_log_group.function : key => group.name }
}
