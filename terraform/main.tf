# The trip-booking saga: three services (table + functions each), three state machines (the booking
# saga; the cancellation of a confirmed booking; the reconciliation of an execution that ended off the
# saga's own paths, started by its status-change events), the bookings HTTP API (its function, its
# bookings table, JWT authorizer and user pool), the booking page (S3 behind CloudFront, with the user
# pool), one KMS key, one alert topic, alarms and a dashboard.
# Names derive from the project and the workspace, so workspaces share an account.

locals {
  name_prefix   = "${var.project}-${terraform.workspace}"
  is_production = contains(var.production_workspaces, terraform.workspace)
  artifacts_dir = coalesce(var.artifacts_dir, "${path.module}/../build/lambda")

  # The function catalog, shared with the packager and the local engine so they cannot drift.
  catalog = jsondecode(file("${path.module}/../lambdas/functions.json"))
  # Each function's ARN under its placeholder in the ASL template.
  function_arns = merge([for service in values(module.service) : service.function_arns]...)
  # Per state machine (the catalog's `workflows`): the ARNs its template invokes, by placeholder.
  workflow_function_arns = {
    for workflow in ["booking", "cancellation", "reconciliation"] : workflow => {
      for key, function in local.catalog.functions : function.arn_placeholder => local.function_arns[key] if contains(function.workflows, workflow)
    }
  }
  # What the monitoring needs of each step: its service, and whether it is a compensation.
  steps = {
    for key, function in local.catalog.functions : function.state => {
      service      = function.service
      compensation = contains(["compensate", "cancel"], function.kind)
    }
  }
  functions_by_service = {
    for service, spec in local.catalog.services : service => {
      for key, function in local.catalog.functions : key => function if function.service == service
    }
  }
  # The API's routes as its contract lists them: operation id => "<METHOD> <path>".
  openapi = jsondecode(file("${path.module}/../docs/openapi.json"))
  api_routes = merge([
    for path, operations in local.openapi.paths : { for method, operation in operations : operation.operationId => "${upper(method)} ${path}" }
  ]...)

  # The booking page (modules/site) signs in with the API's own user pool: only with one.
  create_site = var.api_jwt_issuer == null
  # Where the browser reaches Cognito: its regional endpoint on AWS, the local endpoint on the local workspace.
  cognito_endpoint = var.browser_endpoints == null ? "https://cognito-idp.${var.region}.amazonaws.com/" : var.browser_endpoints.cognito
  cognito_origin   = regex("^[a-z]+://[^/]+", local.cognito_endpoint)
  # The API's CORS must allow exactly the page's origin (https://<distribution>), so the API depends on the
  # distribution, and the distribution's CSP header cannot name the API's origin (a cycle: API -> distribution
  # -> headers policy -> API). The header allows execute-api of the region; index.html's <meta> CSP, which
  # browsers enforce as well, narrows connect-src to the API's exact origin and Cognito's.
  site_header_connect_src = concat([local.cognito_origin], var.browser_endpoints == null ? ["https://*.execute-api.${var.region}.amazonaws.com"] : var.browser_endpoints.api_origins)
  # What the page reads from config.json (terraform/page/app.js): the steps in the catalog's order.
  site_steps = [
    for ordered in sort([for key, function in local.catalog.functions : format("%05d %s", function.order, key)]) : {
      state     = local.catalog.functions[split(" ", ordered)[1]].state
      kind      = local.catalog.functions[split(" ", ordered)[1]].kind
      service   = local.catalog.functions[split(" ", ordered)[1]].service
      faultKey  = local.catalog.functions[split(" ", ordered)[1]].fault_key
      workflows = local.catalog.functions[split(" ", ordered)[1]].workflows
    }
  ]

  # Every function of the workspace (the saga's steps and the API's) reserves var.reserved_concurrency, if set.
  reserved_concurrency_total = var.reserved_concurrency == null ? 0 : var.reserved_concurrency * (length(local.catalog.functions) + 1)
  lambda_concurrency_quota   = one(data.aws_servicequotas_service_quota.lambda_concurrency[*].value)
}

# Lambda's quotas (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html): "Concurrent
# executions", 1,000 by default, but "New AWS accounts have reduced concurrency and memory quotas"; and
# PutFunctionConcurrency (https://docs.aws.amazon.com/lambda/latest/api/API_PutFunctionConcurrency.html)
# reserves only "as long as you leave at least 100 simultaneous executions unreserved". So the account's
# applied quota is read, and only when this workspace reserves concurrency at all.
data "aws_servicequotas_service_quota" "lambda_concurrency" {
  count = var.reserved_concurrency == null ? 0 : 1

  service_code = "lambda"
  quota_name   = "Concurrent executions"
}

resource "terraform_data" "guardrails" {
  lifecycle {
    # Every name is "<project>-<workspace>-..." (project: 3-20 characters, its variable's validation). At
    # most 19 here keeps the prefix within 40, where the longest names still fit AWS's limits: an IAM
    # role or Lambda function name "<prefix>-process-payment" within 64 (tests/terraform/test_plan.py
    # plans every environment at the longest names and checks each against sagatools.contract.aws_names).
    precondition {
      condition     = can(regex("^[a-z0-9]([a-z0-9-]{0,17}[a-z0-9])?$", terraform.workspace))
      error_message = "The workspace name \"${terraform.workspace}\" must be 1-19 characters of lowercase letters, digits and hyphens (not at either end): resource names are \"<project>-<workspace>-...\" and must fit AWS's limits."
    }

    precondition {
      condition     = !(var.fault_injection_enabled && local.is_production)
      error_message = "fault_injection_enabled cannot be true in a production workspace (${terraform.workspace})."
    }

    precondition {
      condition     = local.lambda_concurrency_quota == null || local.reserved_concurrency_total <= coalesce(local.lambda_concurrency_quota, 0) - 100
      error_message = "reserved_concurrency = ${coalesce(var.reserved_concurrency, 0)} for each of this workspace's ${length(local.catalog.functions) + 1} functions reserves ${local.reserved_concurrency_total} concurrent executions, but the account's Lambda quota (Concurrent executions) is ${coalesce(local.lambda_concurrency_quota, 0)} and Lambda keeps 100 of it unreserved: leave reserved_concurrency unset, lower it, or ask for a higher quota (docs/deploy.md#quotas)."
    }

    precondition {
      condition     = var.task_timeout_seconds > var.lambda_timeout_seconds
      error_message = "task_timeout_seconds must exceed lambda_timeout_seconds, or Step Functions gives up on a function that is still running."
    }
  }
}

module "kms" {
  source = "./modules/kms"

  name_prefix = local.name_prefix
}

module "alerts" {
  source = "./modules/alerts"

  name_prefix     = local.name_prefix
  kms_key_arn     = module.kms.key_arn
  email_addresses = var.alert_emails
}

resource "aws_lambda_layer_version" "dependencies" {
  layer_name               = "${local.name_prefix}-dependencies"
  description              = "Third-party packages of the saga functions (see requirements.txt)"
  filename                 = "${local.artifacts_dir}/dependencies-layer.zip"
  source_code_hash         = filebase64sha256("${local.artifacts_dir}/dependencies-layer.zip")
  compatible_runtimes      = ["python3.12"]
  compatible_architectures = ["x86_64"]
}

module "service" {
  source   = "./modules/service"
  for_each = local.catalog.services

  name_prefix             = local.name_prefix
  service                 = each.key
  table_suffix            = each.value.table
  functions               = local.functions_by_service[each.key]
  artifact_path           = "${local.artifacts_dir}/${each.key}.zip"
  layer_arn               = aws_lambda_layer_version.dependencies.arn
  kms_key_arn             = module.kms.key_arn
  fault_injection_enabled = var.fault_injection_enabled
  deletion_protection     = local.is_production
  log_retention_days      = var.log_retention_days
  log_level               = var.log_level
  memory_size             = var.lambda_memory_mb
  timeout_seconds         = var.lambda_timeout_seconds
  reserved_concurrency    = var.reserved_concurrency

  depends_on = [terraform_data.guardrails]
}

module "state_machine" {
  source = "./modules/state_machine"

  name                      = "booking-saga"
  purpose                   = "reserves, charges and confirms a trip (the booking saga), or compensates; alerts operators when a compensation cannot complete."
  name_prefix               = local.name_prefix
  definition_template       = "${path.module}/../statemachine/booking_saga.asl.json.tftpl"
  function_arns             = local.workflow_function_arns.booking
  alert_topic_arn           = module.alerts.topic_arn
  kms_key_arn               = module.kms.key_arn
  task_timeout_seconds      = var.task_timeout_seconds
  compensation_max_attempts = var.compensation_max_attempts
  execution_timeout_seconds = var.execution_timeout_seconds
  log_level                 = var.state_machine_log_level
  include_execution_data    = var.state_machine_include_execution_data
  log_retention_days        = var.log_retention_days
}

module "cancellation" {
  source = "./modules/state_machine"

  name                      = "cancellation"
  purpose                   = "cancels a confirmed trip for its customer (hotel, flight, refund); alerts operators when a step cannot complete."
  name_prefix               = local.name_prefix
  definition_template       = "${path.module}/../statemachine/cancellation.asl.json.tftpl"
  function_arns             = local.workflow_function_arns.cancellation
  alert_topic_arn           = module.alerts.topic_arn
  kms_key_arn               = module.kms.key_arn
  task_timeout_seconds      = var.task_timeout_seconds
  compensation_max_attempts = var.compensation_max_attempts
  log_level                 = var.state_machine_log_level
  include_execution_data    = var.state_machine_include_execution_data
  log_retention_days        = var.log_retention_days
}

module "reconciliation" {
  source = "./modules/state_machine"

  name                      = "reconciliation"
  purpose                   = "closes what a booking saga execution that was stopped, timed out or failed off its own paths left PENDING: forward if its payment is confirmed, back otherwise."
  name_prefix               = local.name_prefix
  definition_template       = "${path.module}/../statemachine/reconciliation.asl.json.tftpl"
  function_arns             = local.workflow_function_arns.reconciliation
  reads_executions_of       = module.state_machine.arn
  started_by_status_of      = { state_machine_arn = module.state_machine.arn, statuses = ["ABORTED", "TIMED_OUT", "FAILED"] }
  kms_key_arn               = module.kms.key_arn
  task_timeout_seconds      = var.task_timeout_seconds
  compensation_max_attempts = var.compensation_max_attempts
  log_level                 = var.state_machine_log_level
  include_execution_data    = var.state_machine_include_execution_data
  log_retention_days        = var.log_retention_days
}

module "monitoring" {
  source = "./modules/monitoring"

  name_prefix        = local.name_prefix
  state_machine_arn  = module.state_machine.arn
  state_machine_name = module.state_machine.name
  # The other machines: alarms on their failed executions (and the cancellation's CompensationFailed).
  other_state_machines = {
    cancellation   = { arn = module.cancellation.arn, name = module.cancellation.name, alerts = true }
    reconciliation = { arn = module.reconciliation.arn, name = module.reconciliation.name, alerts = false }
  }
  function_names  = merge(merge([for deployed in values(module.service) : deployed.function_names]...), { (local.catalog.api.key) = module.api.function_name })
  api_id          = module.api.api_id
  steps           = local.steps
  alert_topic_arn = module.alerts.topic_arn
}

module "api" {
  source = "./modules/api"

  name_prefix                    = local.name_prefix
  function_key                   = local.catalog.api.key
  handler                        = local.catalog.api.handler
  actions                        = local.catalog.api.actions
  routes                         = local.api_routes
  artifact_path                  = "${local.artifacts_dir}/${local.catalog.api.key}.zip"
  layer_arn                      = aws_lambda_layer_version.dependencies.arn
  state_machine_arn              = module.state_machine.arn
  cancellation_state_machine_arn = module.cancellation.arn
  tables = {
    for service, deployed in module.service : service => { name = deployed.table_name, arn = deployed.table_arn }
  }
  kms_key_arn            = module.kms.key_arn
  jwt_issuer             = var.api_jwt_issuer
  jwt_audience           = var.api_jwt_audience
  cors_allowed_origins   = concat(var.api_cors_allowed_origins, local.create_site ? [module.site[0].origin] : [])
  throttling_burst_limit = var.api_throttling_burst_limit
  throttling_rate_limit  = var.api_throttling_rate_limit
  deletion_protection    = local.is_production
  log_retention_days     = var.log_retention_days
  log_level              = var.log_level
  memory_size            = var.lambda_memory_mb
  # API Gateway waits 30 s for an integration: the function's timeout stays below it.
  timeout_seconds      = min(var.lambda_timeout_seconds, 29)
  reserved_concurrency = var.reserved_concurrency
}

module "site" {
  source = "./modules/site"
  count  = local.create_site ? 1 : 0

  name_prefix     = local.name_prefix
  page_dir        = "${path.module}/page"
  force_destroy   = !local.is_production
  csp_connect_src = local.site_header_connect_src
  connect_src     = [regex("^[a-z]+://[^/]+", module.api.api_url), local.cognito_origin]
  config = {
    apiUrl          = module.api.api_url
    region          = var.region
    userPoolId      = module.api.user_pool_id
    clientId        = module.api.user_pool_client_id
    cognitoEndpoint = local.cognito_endpoint
    faultInjection  = var.fault_injection_enabled
    steps           = local.site_steps
  }
}
