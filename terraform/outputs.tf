# Everything the integration tests and the booking CLI need (`terraform output -json`).

output "region" {
  description = "Region the saga is deployed in."
  value       = var.region
}

output "workspace" {
  description = "Terraform workspace of this deployment."
  value       = terraform.workspace
}

output "name_prefix" {
  description = "Prefix of every resource name, \"<project>-<workspace>\"."
  value       = local.name_prefix
}

output "fault_injection_enabled" {
  description = "Whether requests may inject faults here (the integration tests need it)."
  value       = var.fault_injection_enabled
}

output "state_machine_arn" {
  description = "ARN of the booking saga state machine."
  value       = module.state_machine.arn
}

output "cancellation_state_machine_arn" {
  description = "ARN of the cancellation state machine (a confirmed booking's cancellation, started by the API)."
  value       = module.cancellation.arn
}

output "reconciliation_state_machine_arn" {
  description = "ARN of the reconciliation state machine (started by EventBridge for booking sagas that ended stopped, timed out or failed off their own paths)."
  value       = module.reconciliation.arn
}

output "bookings_table_name" {
  description = "Name of the bookings API's own table (one record per booking)."
  value       = module.api.bookings_table_name
}

output "table_names" {
  description = "DynamoDB table names by service (flight, hotel, payment)."
  value       = { for service, deployed in module.service : service => deployed.table_name }
}

output "function_names" {
  description = "Lambda function names by catalog key (reserve-flight, ...)."
  value       = merge([for deployed in values(module.service) : deployed.function_names]...)
}

output "alert_topic_arn" {
  description = "ARN of the KMS-encrypted SNS alert topic."
  value       = module.alerts.topic_arn
}

output "kms_key_arn" {
  description = "ARN of the customer-managed key (callers of StartExecution and readers of the tables need kms:Decrypt on it)."
  value       = module.kms.key_arn
}

output "api_url" {
  description = "Base URL of the bookings HTTP API (no trailing slash): POST <api_url>/bookings, GET <api_url>/bookings/<id>."
  value       = module.api.api_url
}

output "api_function_name" {
  description = "Name of the bookings API's Lambda function."
  value       = module.api.function_name
}

output "jwt_issuer" {
  description = "Issuer (iss) the bookings API requires of a bearer token."
  value       = module.api.jwt_issuer
}

output "jwt_audience" {
  description = "Audiences (aud or client_id) the bookings API accepts in a bearer token."
  value       = module.api.jwt_audience
}

output "user_pool_id" {
  description = "Cognito user pool of the API's customers; null with an external issuer (api_jwt_issuer)."
  value       = module.api.user_pool_id
}

output "user_pool_client_id" {
  description = "Cognito app client (no secret) customers sign in with; null with an external issuer (api_jwt_issuer)."
  value       = module.api.user_pool_client_id
}

output "site_url" {
  description = "URL of the booking page (https://<the CloudFront distribution's domain name>); null with an external issuer (api_jwt_issuer): the page signs in with the workspace's user pool."
  value       = one(module.site[*].url)
}

output "site_bucket_name" {
  description = "Name of the booking page's private bucket; null without the page."
  value       = one(module.site[*].bucket_name)
}

output "site_distribution_id" {
  description = "ID of the booking page's CloudFront distribution; null without the page."
  value       = one(module.site[*].distribution_id)
}
