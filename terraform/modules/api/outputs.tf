output "api_url" {
  description = "Invoke URL of the $default stage, without a trailing slash."
  value       = trimsuffix(aws_apigatewayv2_stage.this.invoke_url, "/")
}

output "api_id" {
  description = "ID of the HTTP API."
  value       = aws_apigatewayv2_api.this.id
}

output "function_name" {
  description = "Name of the API's Lambda function, \"<name_prefix>-<function_key>\"."
  value       = aws_lambda_function.this.function_name
}

output "role_arn" {
  description = "ARN of the function's execution role."
  value       = aws_iam_role.function.arn
}

output "jwt_issuer" {
  description = "Issuer (iss) the authorizer requires: the user pool's, or jwt_issuer."
  value       = local.jwt_issuer
}

output "jwt_audience" {
  description = "Audiences (aud or client_id) the authorizer accepts: the app client's id, or jwt_audience."
  value       = local.jwt_audience
}

output "user_pool_id" {
  description = "ID of the module's Cognito user pool; null when jwt_issuer names another issuer."
  value       = one(aws_cognito_user_pool.this[*].id)
}

output "user_pool_client_id" {
  description = "ID of the user pool's app client (no secret); null when jwt_issuer names another issuer."
  value       = one(aws_cognito_user_pool_client.spa[*].id)
}

output "log_group_names" {
  description = "The function's and the access log groups' names."
  value       = { function = aws_cloudwatch_log_group.function.name, access = aws_cloudwatch_log_group.access.name }
}

output "bookings_table_name" {
  description = "Name of the API's bookings table (one record per booking, under its customer)."
  value       = aws_dynamodb_table.bookings.name
}
