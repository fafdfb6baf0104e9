# The bookings HTTP API: an API Gateway HTTP API whose routes (from the OpenAPI contract) all require
# a valid JWT and go to one Lambda function (payload format 2.0), and the API's own bookings table
# (one record per booking, the customer's: what a GET of a finished booking answers from). The
# function's role may start and read the booking saga's and the cancellation's executions, read one
# item per service table and keep its bookings table, nothing else. Tokens come from a Cognito user
# pool the module creates, or from an issuer you name.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  function_name    = "${var.name_prefix}-${var.function_key}"
  api_name         = "${var.name_prefix}-bookings"
  create_user_pool = var.jwt_issuer == null
  logs_arn_prefix  = "arn:${data.aws_partition.current.partition}:logs:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}:log-group"
  # Built from its name, not read from the resource, so the role's policy is known when planning.
  function_log_group_arn = "${local.logs_arn_prefix}:${aws_cloudwatch_log_group.function.name}"
  bookings_table_name    = "${var.name_prefix}-bookings"
  bookings_table_arn     = "arn:${data.aws_partition.current.partition}:dynamodb:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}:table/${local.bookings_table_name}"
  state_machines         = sort([var.state_machine_arn, var.cancellation_state_machine_arn])
  # Every execution of these state machines (an execution's ARN is the machine's with :execution: and its name).
  executions_arns = [for machine in local.state_machines : "${replace(machine, ":stateMachine:", ":execution:")}:*"]

  # What the function may do, and where: the one place the role's grants are written. A precondition
  # holds it to the actions the code calls (the catalog's `api.actions`).
  grants = {
    StartBookingsAndCancellations = { actions = ["states:StartExecution"], resources = local.state_machines }
    ReadTheirExecutions           = { actions = ["states:DescribeExecution", "states:GetExecutionHistory"], resources = local.executions_arns }
    ReadReservations              = { actions = ["dynamodb:GetItem"], resources = sort([for table in values(var.tables) : table.arn]) }
    KeepBookingRecords            = { actions = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"], resources = [local.bookings_table_arn] }
  }

  jwt_issuer   = local.create_user_pool ? "https://${aws_cognito_user_pool.this[0].endpoint}" : var.jwt_issuer
  jwt_audience = local.create_user_pool ? [aws_cognito_user_pool_client.spa[0].id] : var.jwt_audience
}

# -- the bookings table: the API's own ----------------------------------------------------------------

# One record per booking under its customer (pk CUSTOMER#<sub>, sk BOOKING#<id>): written when the
# booking is accepted, completed when a read finds its executions ended, so that a finished booking is
# answered from one GetItem and a customer's bookings from one Query. The services' tables stay
# written by their own functions only.
resource "aws_dynamodb_table" "bookings" {
  name                        = local.bookings_table_name
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "pk"
  range_key                   = "sk"
  deletion_protection_enabled = var.deletion_protection

  attribute {
    name = "pk"
    type = "S"
  }

  attribute {
    name = "sk"
    type = "S"
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = var.kms_key_arn
  }
}

# -- the function -------------------------------------------------------------------------------------

resource "aws_cloudwatch_log_group" "function" {
  name              = "/aws/lambda/${local.function_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

data "aws_iam_policy_document" "assume_lambda" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "function" {
  name               = local.function_name
  description        = "Runs ${local.function_name}: starts and reads the booking saga's and the cancellation's executions, reads one item per service table, keeps the bookings table."
  assume_role_policy = data.aws_iam_policy_document.assume_lambda.json
}

data "aws_iam_policy_document" "function" {
  dynamic "statement" {
    for_each = local.grants

    content {
      sid       = statement.key
      actions   = statement.value.actions
      resources = statement.value.resources
    }
  }

  # Step Functions' encryption page (https://docs.aws.amazon.com/step-functions/latest/dg/encryption-at-rest.html)
  # lists what a caller needs on the key: DescribeExecution and GetExecutionHistory kms:Decrypt, StartExecution
  # nothing; the context is aws:states:stateMachineArn.
  statement {
    sid       = "ExecutionKeyThroughStepFunctions"
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
      values   = local.state_machines
    }
  }

  # Reads and writes decrypt with the tables' key, through DynamoDB, for these tables only (encryption.usagenotes.html).
  # No statement for the function's environment: Lambda decrypts it through its grant (modules/service).
  statement {
    sid       = "TableKeyThroughDynamoDb"
    actions   = ["kms:Decrypt"]
    resources = [var.kms_key_arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["dynamodb.${data.aws_region.current.region}.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "kms:EncryptionContext:aws:dynamodb:tableName"
      values   = sort(concat([for table in values(var.tables) : table.name], [local.bookings_table_name]))
    }
  }

  statement {
    sid       = "OwnLogGroupOnly"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${local.function_log_group_arn}:*"]
  }

  # X-Ray's PutTraceSegments and PutTelemetryRecords support no resource-level permissions.
  # least-privilege:unused-here the local endpoint has no X-Ray (the local Lambda runtime sends no segments)
  statement {
    sid       = "XRayTraces"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "function" {
  name   = "least-privilege"
  role   = aws_iam_role.function.id
  policy = data.aws_iam_policy_document.function.json

  lifecycle {
    precondition {
      condition     = sort(distinct(var.actions)) == sort(distinct(flatten([for grant in values(local.grants) : grant.actions])))
      error_message = "The API's role must grant exactly the actions its code calls (lambdas/functions.json `api.actions`): grant a new action in modules/api `local.grants`, on its resources only."
    }
  }
}

resource "aws_lambda_function" "this" {
  #checkov:skip=CKV_AWS_116:Invoked synchronously by API Gateway, which returns any failure to the caller; a DLQ only serves asynchronous invocations.
  #checkov:skip=CKV_AWS_117:Reaches only AWS public endpoints (Step Functions, DynamoDB, X-Ray, Logs); there is no VPC resource to reach. Attach a VPC with endpoints if your policy requires it.
  #checkov:skip=CKV_AWS_272:Artifacts are built byte-reproducibly by `make package`; enforce signing with an aws_signer_signing_profile in your pipeline.
  function_name                  = local.function_name
  description                    = "Trip saga bookings HTTP API (docs/openapi.json)"
  role                           = aws_iam_role.function.arn
  handler                        = var.handler
  runtime                        = "python3.12"
  architectures                  = ["x86_64"]
  filename                       = var.artifact_path
  source_code_hash               = filebase64sha256(var.artifact_path)
  layers                         = [var.layer_arn]
  memory_size                    = var.memory_size
  timeout                        = var.timeout_seconds
  reserved_concurrent_executions = var.reserved_concurrency
  kms_key_arn                    = var.kms_key_arn

  environment {
    variables = {
      STATE_MACHINE_ARN              = var.state_machine_arn
      CANCELLATION_STATE_MACHINE_ARN = var.cancellation_state_machine_arn
      TABLE_NAMES                    = jsonencode({ for service, table in var.tables : service => table.name })
      BOOKINGS_TABLE_NAME            = aws_dynamodb_table.bookings.name
      POWERTOOLS_SERVICE_NAME        = var.function_key
      POWERTOOLS_LOG_LEVEL           = var.log_level
    }
  }

  tracing_config {
    mode = "Active"
  }

  depends_on = [aws_cloudwatch_log_group.function, aws_iam_role_policy.function]
}

# -- who may call it: a JWT from the user pool, or from the issuer you name ------------------------------

resource "aws_cognito_user_pool" "this" {
  count = local.create_user_pool ? 1 : 0

  name                = "${var.name_prefix}-customers"
  user_pool_tier      = "ESSENTIALS"
  deletion_protection = var.deletion_protection ? "ACTIVE" : "INACTIVE"
  # User names are free-form (an operator's or a test's, e.g. c-1); a verified e-mail signs in too.
  alias_attributes         = ["email"]
  auto_verified_attributes = ["email"]
  mfa_configuration        = "OPTIONAL"

  username_configuration {
    case_sensitive = false
  }

  password_policy {
    minimum_length                   = 12
    require_lowercase                = true
    require_uppercase                = true
    require_numbers                  = true
    require_symbols                  = true
    temporary_password_validity_days = 3
  }

  software_token_mfa_configuration {
    enabled = true
  }

  admin_create_user_config {
    allow_admin_create_user_only = !var.self_sign_up_enabled
  }

  account_recovery_setting {
    recovery_mechanism {
      name     = "verified_email"
      priority = 1
    }
  }

  # A changed e-mail address takes effect once verified: until then the customer signs in with the old one.
  user_attribute_update_settings {
    attributes_require_verification_before_update = ["email"]
  }
}

# A single-page application's client: no secret (a browser cannot keep one), SRP sign-in, refresh
# tokens; ADMIN_USER_PASSWORD_AUTH for operators and tests, which needs AWS credentials.
resource "aws_cognito_user_pool_client" "spa" {
  count = local.create_user_pool ? 1 : 0

  name                          = "${var.name_prefix}-spa"
  user_pool_id                  = aws_cognito_user_pool.this[0].id
  generate_secret               = false
  explicit_auth_flows           = ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH"]
  supported_identity_providers  = ["COGNITO"]
  prevent_user_existence_errors = "ENABLED"
  enable_token_revocation       = true
  auth_session_validity         = 3
  access_token_validity         = 60
  id_token_validity             = 60
  refresh_token_validity        = 30
  read_attributes               = ["email", "email_verified"]
  write_attributes              = ["email"]

  token_validity_units {
    access_token  = "minutes"
    id_token      = "minutes"
    refresh_token = "days"
  }
}

# -- the HTTP API ------------------------------------------------------------------------------------------

resource "aws_apigatewayv2_api" "this" {
  name          = local.api_name
  description   = "Trip saga bookings API (docs/openapi.json)"
  protocol_type = "HTTP"

  dynamic "cors_configuration" {
    for_each = length(var.cors_allowed_origins) > 0 ? [var.cors_allowed_origins] : []

    content {
      allow_origins     = cors_configuration.value
      allow_methods     = sort(distinct([for route in values(var.routes) : split(" ", route)[0]]))
      allow_headers     = ["authorization", "content-type"]
      expose_headers    = ["location"]
      allow_credentials = false
      max_age           = 3600
    }
  }
}

resource "aws_apigatewayv2_authorizer" "jwt" {
  api_id           = aws_apigatewayv2_api.this.id
  name             = "${var.name_prefix}-jwt"
  authorizer_type  = "JWT"
  identity_sources = ["$request.header.Authorization"]

  jwt_configuration {
    issuer   = local.jwt_issuer
    audience = local.jwt_audience
  }
}

resource "aws_apigatewayv2_integration" "function" {
  api_id                 = aws_apigatewayv2_api.this.id
  description            = "The bookings function (Lambda proxy, payload format 2.0)"
  integration_type       = "AWS_PROXY"
  integration_method     = "POST"
  integration_uri        = aws_lambda_function.this.invoke_arn
  payload_format_version = "2.0"
}

resource "aws_apigatewayv2_route" "this" {
  for_each = var.routes

  api_id             = aws_apigatewayv2_api.this.id
  route_key          = each.value
  operation_name     = each.key
  target             = "integrations/${aws_apigatewayv2_integration.function.id}"
  authorization_type = "JWT"
  authorizer_id      = aws_apigatewayv2_authorizer.jwt.id
}

# HTTP API access logs are delivered as vended logs: the group lives under /aws/vendedlogs/.
resource "aws_cloudwatch_log_group" "access" {
  name              = "/aws/vendedlogs/apigateway/${local.api_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

resource "aws_apigatewayv2_stage" "this" {
  api_id      = aws_apigatewayv2_api.this.id
  name        = "$default"
  auto_deploy = true

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.access.arn
    format = jsonencode({
      requestId          = "$context.requestId"
      requestTime        = "$context.requestTime"
      httpMethod         = "$context.httpMethod"
      path               = "$context.path"
      routeKey           = "$context.routeKey"
      status             = "$context.status"
      protocol           = "$context.protocol"
      responseLength     = "$context.responseLength"
      sourceIp           = "$context.identity.sourceIp"
      responseLatency    = "$context.responseLatency"
      integrationStatus  = "$context.integrationStatus"
      integrationLatency = "$context.integrationLatency"
      integrationError   = "$context.integrationErrorMessage"
      authorizerError    = "$context.authorizer.error"
      error              = "$context.error.message"
    })
  }

  default_route_settings {
    throttling_burst_limit   = var.throttling_burst_limit
    throttling_rate_limit    = var.throttling_rate_limit
    detailed_metrics_enabled = true
  }
}

# API Gateway may invoke the function for this API's routes only (any stage: the stage is $default).
resource "aws_lambda_permission" "api" {
  for_each = var.routes

  statement_id  = "AllowApiGateway-${each.key}"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.this.function_name
  principal     = "apigateway.amazonaws.com"
  # arn:...:execute-api:<region>:<account>:<api id>/<stage>/<method>/<path>, path parameters as *
  source_arn = "${aws_apigatewayv2_api.this.execution_arn}/*/${split(" ", each.value)[0]}${replace(split(" ", each.value)[1], "/\\{[^}]+\\}/", "*")}"
}
