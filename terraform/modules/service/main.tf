# One saga service: its DynamoDB table and its functions, each with a role scoped to this table.

data "aws_region" "current" {}

locals {
  function_names = { for key, function in var.functions : key => "${var.name_prefix}-${key}" }
}

resource "aws_dynamodb_table" "this" {
  name                        = "${var.name_prefix}-${var.table_suffix}"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "pk"
  range_key                   = "sk"
  deletion_protection_enabled = var.deletion_protection

  # Generic keys: reservations are BOOKING#<id> / RESERVATION; inventory can live beside them.
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

resource "aws_cloudwatch_log_group" "function" {
  for_each = var.functions

  name              = "/aws/lambda/${local.function_names[each.key]}"
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
  for_each = var.functions

  name               = local.function_names[each.key]
  description        = "Runs ${local.function_names[each.key]}: ${join(", ", each.value.dynamodb_actions)} on ${aws_dynamodb_table.this.name} only."
  assume_role_policy = data.aws_iam_policy_document.assume_lambda.json
}

data "aws_iam_policy_document" "function" {
  for_each = var.functions

  statement {
    sid       = "OwnTableOnly"
    actions   = each.value.dynamodb_actions
    resources = [aws_dynamodb_table.this.arn]
  }

  # DynamoDB decrypts its table key with the caller's permission when the caller accesses the table
  # ("The user is the principal in your AWS account who is accessing the table"; the encryption context is
  # aws:dynamodb:tableName and aws:dynamodb:subscriberId: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/encryption.usagenotes.html).
  # No statement for the function's environment: Lambda decrypts it through the grant it creates on the
  # key with the deployer's permission ("Lambda uses your permissions to create a grant on the key":
  # https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars-encryption.html). The execution
  # role itself needs kms:Decrypt only for the console's client-side encryption helpers, unused here.
  statement {
    sid       = "OwnTableKeyThroughDynamoDb"
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
      values   = [aws_dynamodb_table.this.name]
    }
  }

  statement {
    sid       = "OwnLogGroupOnly"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.function[each.key].arn}:*"]
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
  for_each = var.functions

  name   = "least-privilege"
  role   = aws_iam_role.function[each.key].id
  policy = data.aws_iam_policy_document.function[each.key].json
}

resource "aws_lambda_function" "this" {
  #checkov:skip=CKV_AWS_116:Invoked synchronously by Step Functions, which retries and catches every failure; a DLQ only serves asynchronous invocations.
  #checkov:skip=CKV_AWS_117:Reaches only AWS public endpoints (DynamoDB, X-Ray, Logs); there is no VPC resource to reach. Attach a VPC with endpoints if your policy requires it.
  #checkov:skip=CKV_AWS_272:Artifacts are built byte-reproducibly by `make package`; enforce signing with an aws_signer_signing_profile in your pipeline.
  for_each = var.functions

  function_name                  = local.function_names[each.key]
  description                    = "Trip saga step ${each.value.state} (${var.service})"
  role                           = aws_iam_role.function[each.key].arn
  handler                        = each.value.handler
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
      TABLE_NAME                   = aws_dynamodb_table.this.name
      FAULT_INJECTION_ENABLED      = var.fault_injection_enabled ? "true" : "false"
      POWERTOOLS_SERVICE_NAME      = var.service
      POWERTOOLS_METRICS_NAMESPACE = var.metrics_namespace
      POWERTOOLS_LOG_LEVEL         = var.log_level
    }
  }

  tracing_config {
    mode = "Active"
  }

  depends_on = [aws_cloudwatch_log_group.function, aws_iam_role_policy.function]
}
