# What the principal that runs `terraform plan`, `apply` and `destroy` of the root module may do: for
# each resource type the root module uses, the calls hashicorp/aws 6.x makes to create, read (every
# plan refreshes), update and delete it, read from the provider's source (docs/deploy.md#the-deployer
# lists them); where the service checks more than the provider shows, the AWS page that says so.
# Everything is scoped to what the root module names "<project>-<workspace>-..." (the pattern
# "<project>-*"), or, where names are not in ARNs (KMS keys, Cognito user pools), to the tag the
# provider's default_tags give every resource: Project = <project>; CloudFront, whose ARNs hold ids and
# whose actions take no aws:ResourceTag key, to this account's. Each document stays within IAM's
# 6,144 characters for a managed policy (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html).

locals {
  arn       = "arn:${local.partition}"
  named     = "${var.project}-*"
  in_region = "${local.region}:${local.account_id}"
  state_objects = [
    "${local.arn}:s3:::${local.state_bucket}/${var.state_key}",
    "${local.arn}:s3:::${local.state_bucket}/env:/*/${var.state_key}",
  ]
  log_groups = [
    for prefix in ["/aws/lambda", "/aws/vendedlogs/states", "/aws/vendedlogs/apigateway"] :
    "${local.arn}:logs:${local.in_region}:log-group:${prefix}/${local.named}"
  ]
  # API Gateway names nothing in its ARNs (ids only): HTTP APIs of this region.
  http_apis = ["${local.arn}:apigateway:${local.region}::/apis", "${local.arn}:apigateway:${local.region}::/apis/*", "${local.arn}:apigateway:${local.region}::/tags/*"]
  keys      = "${local.arn}:kms:${local.in_region}:key/*"
  # The booking page (modules/site): its bucket "<project>-<workspace>-page-<account id>" and its objects;
  # CloudFront is global (no region in its ARNs) and names nothing in them (ids only): this account's.
  page_buckets = "${local.arn}:s3:::${local.named}-page-*"
  page_objects = "${local.page_buckets}/*"
  cloudfront   = "${local.arn}:cloudfront::${local.account_id}"

  policies = {
    read = {
      description = "Plan (refresh) every resource of ${var.project}'s workspaces; read Terraform's state and take its lock."
      document    = data.aws_iam_policy_document.read.json
    }
    state = {
      description = "Write Terraform's state of ${var.project}'s workspaces."
      document    = data.aws_iam_policy_document.state_write.json
    }
    compute = {
      description = "Create, update and delete ${var.project}'s roles, functions, layers, state machines and event rules."
      document    = data.aws_iam_policy_document.compute.json
    }
    data = {
      description = "Create, update and delete ${var.project}'s tables, keys, topics, log groups, alarms, HTTP APIs and user pools."
      document    = data.aws_iam_policy_document.data.json
    }
    site-read = {
      description = "Plan (refresh) ${var.project}'s booking pages: their S3 buckets and objects, CloudFront distributions, origin access controls and response headers policies."
      document    = data.aws_iam_policy_document.site_read.json
    }
    site = {
      description = "Create, update and delete ${var.project}'s booking page: its S3 bucket and objects, CloudFront distribution, origin access control and response headers policy."
      document    = data.aws_iam_policy_document.site.json
    }
    operate = {
      description = "Operate ${var.project}'s workspaces as the integration suite and the runbook do: start, read and stop bookings, invoke functions, read and seed tables, sign in test customers."
      document    = data.aws_iam_policy_document.operate.json
    }
  }
  role_policies = {
    plan   = ["read", "site-read"]
    deploy = ["read", "site-read", "state", "compute", "data", "site", "operate"]
  }
}

data "aws_iam_policy_document" "read" {
  statement {
    sid       = "ListTheStateBucket"
    actions   = ["s3:ListBucket"]
    resources = ["${local.arn}:s3:::${local.state_bucket}"]
  }

  # The S3 backend's state and native lock file (<key>.tflock): https://developer.hashicorp.com/terraform/language/backend/s3
  statement {
    sid       = "ReadStateTakeItsLock"
    actions   = ["s3:GetObject"]
    resources = [for object in local.state_objects : "${object}*"]
  }

  statement {
    sid       = "WriteTheLockFile"
    actions   = ["s3:PutObject", "s3:DeleteObject"]
    resources = [for object in local.state_objects : "${object}.tflock"]
  }

  # The bucket's key, used by S3 for this bucket (SSE-KMS with a bucket key: the encryption context is the
  # bucket's ARN, https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-key.html).
  statement {
    sid       = "StateKeyThroughS3"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [local.keys]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["s3.${local.region}.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "kms:EncryptionContext:aws:s3:arn"
      values   = ["${local.arn}:s3:::${local.state_bucket}"]
    }
  }

  statement {
    sid       = "RefreshRoles"
    actions   = ["iam:GetRole", "iam:ListRolePolicies", "iam:GetRolePolicy", "iam:ListAttachedRolePolicies"]
    resources = ["${local.arn}:iam::${local.account_id}:role/${local.named}"]
  }

  # GetFunction returns the function's tags only to a caller allowed lambda:ListTags.
  statement {
    sid = "RefreshFunctions"
    actions = [
      "lambda:GetFunction", "lambda:GetFunctionConfiguration", "lambda:ListVersionsByFunction", "lambda:GetFunctionCodeSigningConfig",
      "lambda:ListTags", "lambda:GetPolicy",
    ]
    resources = ["${local.arn}:lambda:${local.in_region}:function:${local.named}"]
  }

  statement {
    sid       = "RefreshLayers"
    actions   = ["lambda:GetLayerVersion"]
    resources = ["${local.arn}:lambda:${local.in_region}:layer:${local.named}:*"]
  }

  statement {
    sid       = "RefreshStateMachines"
    actions   = ["states:DescribeStateMachine", "states:ListStateMachineVersions", "states:ListTagsForResource"]
    resources = ["${local.arn}:states:${local.in_region}:stateMachine:${local.named}"]
  }

  # The provider validates a changed definition while planning.
  statement {
    sid       = "ValidateDefinitions"
    actions   = ["states:ValidateStateMachineDefinition"]
    resources = ["*"]
  }

  statement {
    sid       = "RefreshTables"
    actions   = ["dynamodb:DescribeTable", "dynamodb:DescribeContinuousBackups", "dynamodb:DescribeTimeToLive", "dynamodb:ListTagsOfResource"]
    resources = ["${local.arn}:dynamodb:${local.in_region}:table/${local.named}"]
  }

  # DescribeLogGroups supports no resource-level permissions (the Service Authorization Reference).
  statement {
    sid       = "FindLogGroups"
    actions   = ["logs:DescribeLogGroups"]
    resources = ["*"]
  }

  statement {
    sid       = "RefreshLogGroups"
    actions   = ["logs:ListTagsForResource"]
    resources = local.log_groups
  }

  statement {
    sid       = "RefreshAlarms"
    actions   = ["cloudwatch:DescribeAlarms", "cloudwatch:ListTagsForResource"]
    resources = ["${local.arn}:cloudwatch:${local.in_region}:alarm:${local.named}"]
  }

  statement {
    sid       = "RefreshDashboards"
    actions   = ["cloudwatch:GetDashboard"]
    resources = ["${local.arn}:cloudwatch::${local.account_id}:dashboard/${local.named}"]
  }

  statement {
    sid       = "RefreshRules"
    actions   = ["events:DescribeRule", "events:ListTargetsByRule", "events:ListTagsForResource"]
    resources = ["${local.arn}:events:${local.in_region}:rule/${local.named}"]
  }

  statement {
    sid       = "RefreshTopics"
    actions   = ["sns:GetTopicAttributes", "sns:ListTagsForResource"]
    resources = ["${local.arn}:sns:${local.in_region}:${local.named}"]
  }

  # The subscription calls support no resource-level permissions (the Service Authorization Reference).
  statement {
    sid       = "RefreshSubscriptions"
    actions   = ["sns:GetSubscriptionAttributes"]
    resources = ["*"]
  }

  statement {
    sid       = "RefreshTaggedKeys"
    actions   = ["kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListResourceTags"]
    resources = [local.keys]

    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/Project"
      values   = [var.project]
    }
  }

  # Reading a state machine or a function's environment decrypts with the workspace's key
  # (Step Functions: DescribeStateMachine needs kms:Decrypt; Lambda: kms:Decrypt "to view and manage
  # environment variables that are encrypted with a customer managed key").
  statement {
    sid       = "DecryptWhatRefreshReads"
    actions   = ["kms:Decrypt"]
    resources = [local.keys]

    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/Project"
      values   = [var.project]
    }
  }

  statement {
    sid       = "ListAliases"
    actions   = ["kms:ListAliases"]
    resources = ["*"]
  }

  statement {
    sid       = "RefreshHttpApis"
    actions   = ["apigateway:GET"]
    resources = local.http_apis
  }

  statement {
    sid       = "RefreshTaggedUserPools"
    actions   = ["cognito-idp:DescribeUserPool", "cognito-idp:GetUserPoolMfaConfig", "cognito-idp:DescribeUserPoolClient"]
    resources = ["${local.arn}:cognito-idp:${local.in_region}:userpool/*"]

    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/Project"
      values   = [var.project]
    }
  }

  # Only when a workspace reserves concurrency (the root module's quota check).
  statement {
    sid       = "ReadTheLambdaConcurrencyQuota"
    actions   = ["servicequotas:GetServiceQuota", "servicequotas:GetAWSDefaultServiceQuota", "servicequotas:ListAWSDefaultServiceQuotas"]
    resources = ["*"]
  }
}

data "aws_iam_policy_document" "state_write" {
  statement {
    sid       = "WriteState"
    actions   = ["s3:PutObject", "s3:DeleteObject"]
    resources = [for object in local.state_objects : "${object}*"]
  }
}

data "aws_iam_policy_document" "compute" {
  statement {
    sid = "ManageRoles"
    actions = [
      "iam:CreateRole", "iam:DeleteRole", "iam:UpdateAssumeRolePolicy", "iam:UpdateRole", "iam:UpdateRoleDescription",
      "iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:TagRole", "iam:UntagRole", "iam:ListInstanceProfilesForRole",
    ]
    resources = ["${local.arn}:iam::${local.account_id}:role/${local.named}"]
  }

  # Lambda (CreateFunction), Step Functions (CreateStateMachine, and every UpdateStateMachine: the provider
  # always sends the role) and EventBridge (PutTargets) are handed the workspace's roles.
  statement {
    sid       = "PassRolesToTheirServices"
    actions   = ["iam:PassRole"]
    resources = ["${local.arn}:iam::${local.account_id}:role/${local.named}"]

    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["lambda.amazonaws.com", "states.amazonaws.com", "events.amazonaws.com"]
    }
  }

  # The bootstrap's own roles and policies are never the deployer's to change.
  statement {
    sid    = "NeverTheBootstrapRoles"
    effect = "Deny"
    actions = [
      "iam:AttachRolePolicy", "iam:DeleteRole", "iam:DeleteRolePolicy", "iam:DetachRolePolicy", "iam:PutRolePolicy",
      "iam:UpdateAssumeRolePolicy", "iam:CreatePolicyVersion", "iam:DeletePolicy", "iam:SetDefaultPolicyVersion",
    ]
    resources = ["${local.arn}:iam::${local.account_id}:role/terraform/*", "${local.arn}:iam::${local.account_id}:policy/terraform/*"]
  }

  statement {
    sid = "ManageFunctions"
    actions = [
      "lambda:CreateFunction", "lambda:UpdateFunctionConfiguration", "lambda:UpdateFunctionCode", "lambda:DeleteFunction",
      "lambda:PutFunctionConcurrency", "lambda:DeleteFunctionConcurrency", "lambda:TagResource", "lambda:UntagResource",
      "lambda:AddPermission", "lambda:RemovePermission",
    ]
    resources = ["${local.arn}:lambda:${local.in_region}:function:${local.named}"]
  }

  statement {
    sid       = "PublishLayers"
    actions   = ["lambda:PublishLayerVersion"]
    resources = ["${local.arn}:lambda:${local.in_region}:layer:${local.named}"]
  }

  statement {
    sid       = "DeleteLayerVersions"
    actions   = ["lambda:DeleteLayerVersion"]
    resources = ["${local.arn}:lambda:${local.in_region}:layer:${local.named}:*"]
  }

  statement {
    sid       = "ManageStateMachines"
    actions   = ["states:CreateStateMachine", "states:UpdateStateMachine", "states:DeleteStateMachine", "states:TagResource", "states:UntagResource"]
    resources = ["${local.arn}:states:${local.in_region}:stateMachine:${local.named}"]
  }

  statement {
    sid       = "ManageRules"
    actions   = ["events:PutRule", "events:DeleteRule", "events:PutTargets", "events:RemoveTargets", "events:TagResource", "events:UntagResource"]
    resources = ["${local.arn}:events:${local.in_region}:rule/${local.named}"]
  }
}

data "aws_iam_policy_document" "data" {
  statement {
    sid = "ManageTables"
    actions = [
      "dynamodb:CreateTable", "dynamodb:UpdateTable", "dynamodb:DeleteTable", "dynamodb:UpdateContinuousBackups",
      "dynamodb:UpdateTimeToLive", "dynamodb:TagResource", "dynamodb:UntagResource",
    ]
    resources = ["${local.arn}:dynamodb:${local.in_region}:table/${local.named}"]
  }

  statement {
    sid = "ManageLogGroups"
    actions = [
      "logs:CreateLogGroup", "logs:DeleteLogGroup", "logs:PutRetentionPolicy", "logs:DeleteRetentionPolicy",
      "logs:AssociateKmsKey", "logs:DisassociateKmsKey", "logs:TagResource", "logs:UntagResource",
    ]
    resources = local.log_groups
  }

  # The state machine's execution logs and the API's access logs are vended logs: whoever configures
  # them sets up the delivery (https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html).
  # These actions support no resource-level permissions.
  statement {
    sid = "SetUpVendedLogDelivery"
    actions = [
      "logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery",
      "logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies",
    ]
    resources = ["*"]
  }

  statement {
    sid       = "ManageAlarms"
    actions   = ["cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms", "cloudwatch:TagResource", "cloudwatch:UntagResource"]
    resources = ["${local.arn}:cloudwatch:${local.in_region}:alarm:${local.named}"]
  }

  statement {
    sid       = "ManageDashboards"
    actions   = ["cloudwatch:PutDashboard", "cloudwatch:DeleteDashboards"]
    resources = ["${local.arn}:cloudwatch::${local.account_id}:dashboard/${local.named}"]
  }

  statement {
    sid       = "ManageTopics"
    actions   = ["sns:CreateTopic", "sns:DeleteTopic", "sns:SetTopicAttributes", "sns:TagResource", "sns:UntagResource", "sns:Subscribe"]
    resources = ["${local.arn}:sns:${local.in_region}:${local.named}"]
  }

  statement {
    sid       = "ManageSubscriptions"
    actions   = ["sns:Unsubscribe", "sns:SetSubscriptionAttributes"]
    resources = ["*"]
  }

  # CreateKey with tags also needs kms:TagResource; the tag it must carry is what scopes the rest.
  # iam-lint:accept RESOURCE_STAR "To add tags while creating a KMS key, the principal must have permission in an IAM policy that isn't restricted to particular KMS keys" (kms/latest/developerguide/tag-permissions.html); aws:RequestTag limits it.
  statement {
    sid       = "CreateTaggedKeys"
    actions   = ["kms:CreateKey", "kms:TagResource"]
    resources = ["*"]

    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/Project"
      values   = [var.project]
    }
  }

  statement {
    sid = "ManageTaggedKeys"
    actions = [
      "kms:EnableKeyRotation", "kms:DisableKeyRotation", "kms:EnableKey", "kms:DisableKey", "kms:PutKeyPolicy",
      "kms:UpdateKeyDescription", "kms:ScheduleKeyDeletion", "kms:TagResource", "kms:UntagResource",
      "kms:CreateAlias", "kms:UpdateAlias", "kms:DeleteAlias",
    ]
    resources = [local.keys]

    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/Project"
      values   = [var.project]
    }
  }

  # An alias operation is checked on the alias and on its key (the key: the statement above).
  statement {
    sid       = "ManageAliases"
    actions   = ["kms:CreateAlias", "kms:UpdateAlias", "kms:DeleteAlias"]
    resources = ["${local.arn}:kms:${local.in_region}:alias/${local.named}"]
  }

  # The services use the workspace's key on the deployer's behalf while it configures them: Lambda
  # ("kms:CreateGrant, kms:Encrypt - To configure a customer managed key on a function",
  # configuration-envvars-encryption.html), DynamoDB (a grant per table, encryption.usagenotes.html),
  # Step Functions (CreateStateMachine, UpdateStateMachine: kms:DescribeKey, kms:GenerateDataKey).
  statement {
    sid       = "ConfigureServicesWithTaggedKeys"
    actions   = ["kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"]
    resources = [local.keys]

    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/Project"
      values   = [var.project]
    }
  }

  statement {
    sid       = "GrantTaggedKeysToServices"
    actions   = ["kms:CreateGrant"]
    resources = [local.keys]

    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/Project"
      values   = [var.project]
    }

    condition {
      test     = "Bool"
      variable = "kms:GrantIsForAWSResource"
      values   = ["true"]
    }
  }

  statement {
    sid       = "ManageHttpApis"
    actions   = ["apigateway:POST", "apigateway:PATCH", "apigateway:PUT", "apigateway:DELETE"]
    resources = local.http_apis
  }

  # CreateUserPool has no resource to scope (it creates one); the tag the pool must carry does.
  statement {
    sid       = "CreateTaggedUserPools"
    actions   = ["cognito-idp:CreateUserPool"]
    resources = ["*"]

    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/Project"
      values   = [var.project]
    }
  }

  statement {
    sid = "ManageTaggedUserPools"
    actions = [
      "cognito-idp:UpdateUserPool", "cognito-idp:DeleteUserPool", "cognito-idp:SetUserPoolMfaConfig", "cognito-idp:CreateUserPoolClient",
      "cognito-idp:UpdateUserPoolClient", "cognito-idp:DeleteUserPoolClient", "cognito-idp:TagResource", "cognito-idp:UntagResource",
    ]
    resources = ["${local.arn}:cognito-idp:${local.in_region}:userpool/*"]

    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/Project"
      values   = [var.project]
    }
  }
}

# The booking page's refresh (modules/site), for both roles: beside "read", which has no room left within
# the 6,144 characters at the longest project and region names.
data "aws_iam_policy_document" "site_read" {
  # aws_s3_bucket's read (internal/service/s3/bucket.go: HeadBucket, then every sub-resource it still reads,
  # then tags.go's GetBucketTagging) and its sub-resources' reads (bucket_*.go), by their IAM names.
  statement {
    sid = "RefreshPageBuckets"
    actions = [
      "s3:ListBucket", "s3:GetBucketPolicy", "s3:GetBucketAcl", "s3:GetBucketCORS", "s3:GetBucketWebsite", "s3:GetBucketVersioning",
      "s3:GetAccelerateConfiguration", "s3:GetBucketRequestPayment", "s3:GetBucketLogging", "s3:GetLifecycleConfiguration",
      "s3:GetReplicationConfiguration", "s3:GetEncryptionConfiguration", "s3:GetBucketObjectLockConfiguration", "s3:GetBucketTagging",
      "s3:GetBucketPublicAccessBlock", "s3:GetBucketOwnershipControls",
    ]
    resources = [local.page_buckets]
  }

  # aws_s3_object's read: HeadObject (s3:GetObject), GetObjectTagging.
  statement {
    sid       = "RefreshPageObjects"
    actions   = ["s3:GetObject", "s3:GetObjectTagging"]
    resources = [local.page_objects]
  }

  # CloudFront lists no aws:ResourceTag key for these actions and names nothing in its ARNs: this account's.
  statement {
    sid       = "RefreshDistributions"
    actions   = ["cloudfront:GetDistribution", "cloudfront:ListTagsForResource"]
    resources = ["${local.cloudfront}:distribution/*"]
  }

  statement {
    sid       = "RefreshOriginAccessControls"
    actions   = ["cloudfront:GetOriginAccessControl"]
    resources = ["${local.cloudfront}:origin-access-control/*"]
  }

  statement {
    sid       = "RefreshResponseHeadersPolicies"
    actions   = ["cloudfront:GetResponseHeadersPolicy"]
    resources = ["${local.cloudfront}:response-headers-policy/*"]
  }
}

# The booking page (modules/site). Its refresh is in "site_read". S3 and CloudFront calls as hashicorp/aws makes
# them (internal/service/s3: bucket.go, bucket_*.go, object.go, delete.go, tags.go; internal/service/cloudfront:
# distribution.go, origin_access_control.go, response_headers_policy.go, tags_gen.go), by their IAM names.
data "aws_iam_policy_document" "site" {
  #checkov:skip=CKV_AWS_111:Only CreateTaggedDistributions (aws:RequestTag limits it) and CreatePageCloudFrontPolicies have "*": nothing they create has an ARN before it exists (the reasons beside each).
  #checkov:skip=CKV_AWS_356:Same two statements: "*" while the distribution, origin access control or response headers policy is created; every other statement names its ARNs.
  # CreateBucket, then PutBucketTagging (the Project tag); DeleteBucket, emptied first with force_destroy
  # (ListObjectVersions); each sub-resource's Put and Delete (a Delete of the configuration is its Put action).
  # iam-lint:accept RESOURCE_POLICY_PRIVILEGE_ESCALATION aws_s3_bucket_policy writes the page bucket's policy (and the lifecycle expires its old versions): on the project's page buckets only, whose objects the deployer already writes, reads and deletes.
  statement {
    sid = "ManagePageBuckets"
    actions = [
      "s3:CreateBucket", "s3:DeleteBucket", "s3:PutBucketTagging", "s3:PutBucketPolicy", "s3:DeleteBucketPolicy",
      "s3:PutBucketPublicAccessBlock", "s3:PutBucketOwnershipControls", "s3:PutBucketVersioning", "s3:PutEncryptionConfiguration",
      "s3:PutLifecycleConfiguration", "s3:ListBucketVersions",
    ]
    resources = [local.page_buckets]
  }

  # PutObject with the Project tag in x-amz-tagging also needs s3:PutObjectTagging; a versioned object is
  # deleted version by version (DeleteObject with a VersionId: s3:DeleteObjectVersion), as force_destroy empties the bucket.
  statement {
    sid = "ManagePageObjects"
    actions = [
      "s3:PutObject", "s3:PutObjectTagging", "s3:DeleteObjectTagging", "s3:DeleteObject", "s3:DeleteObjectVersion",
    ]
    resources = [local.page_objects]
  }

  # CreateDistributionWithTags: cloudfront:CreateDistribution and cloudfront:TagResource, the tags in the request.
  # The distribution has no id (so no ARN) until it is created and tagged: "*", limited by aws:RequestTag.
  statement {
    sid       = "CreateTaggedDistributions"
    actions   = ["cloudfront:CreateDistribution", "cloudfront:TagResource"]
    resources = ["*"]

    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/Project"
      values   = [var.project]
    }
  }

  # Deleting disables the distribution first (UpdateDistribution). No aws:ResourceTag key for these: this account's.
  statement {
    sid       = "ManageDistributions"
    actions   = ["cloudfront:UpdateDistribution", "cloudfront:DeleteDistribution", "cloudfront:TagResource", "cloudfront:UntagResource"]
    resources = ["${local.cloudfront}:distribution/*"]
  }

  # These Create actions support no resource-level permissions and no condition keys (the Service Authorization Reference).
  statement {
    sid       = "CreatePageCloudFrontPolicies"
    actions   = ["cloudfront:CreateOriginAccessControl", "cloudfront:CreateResponseHeadersPolicy"]
    resources = ["*"]
  }

  statement {
    sid       = "ManageOriginAccessControls"
    actions   = ["cloudfront:UpdateOriginAccessControl", "cloudfront:DeleteOriginAccessControl"]
    resources = ["${local.cloudfront}:origin-access-control/*"]
  }

  statement {
    sid       = "ManageResponseHeadersPolicies"
    actions   = ["cloudfront:UpdateResponseHeadersPolicy", "cloudfront:DeleteResponseHeadersPolicy"]
    resources = ["${local.cloudfront}:response-headers-policy/*"]
  }
}

# The deploy job runs the integration suite against the workspace it applied (make integration
# WORKSPACE=...): what the suite and the runbook's tools call, and nothing that changes the infrastructure.
data "aws_iam_policy_document" "operate" {
  statement {
    sid       = "RunBookings"
    actions   = ["states:StartExecution", "states:ListExecutions"]
    resources = ["${local.arn}:states:${local.in_region}:stateMachine:${local.named}"]
  }

  statement {
    sid       = "FollowAndStopBookings"
    actions   = ["states:DescribeExecution", "states:GetExecutionHistory", "states:StopExecution", "states:RedriveExecution"]
    resources = ["${local.arn}:states:${local.in_region}:execution:${local.named}:*"]
  }

  statement {
    sid       = "InvokeFunctions"
    actions   = ["lambda:InvokeFunction"]
    resources = ["${local.arn}:lambda:${local.in_region}:function:${local.named}"]
  }

  statement {
    sid       = "ReadAndSeedTables"
    actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:Scan"]
    resources = ["${local.arn}:dynamodb:${local.in_region}:table/${local.named}"]
  }

  # Tables and execution histories are encrypted with the workspace's key; the services use it on the caller's behalf.
  statement {
    sid       = "TaggedKeysThroughTheServices"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [local.keys]

    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/Project"
      values   = [var.project]
    }

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["dynamodb.${local.region}.amazonaws.com", "states.${local.region}.amazonaws.com"]
    }
  }

  # scripts/token.py: a test customer, signed in with ADMIN_USER_PASSWORD_AUTH.
  statement {
    sid       = "SignInTestCustomers"
    actions   = ["cognito-idp:AdminCreateUser", "cognito-idp:AdminSetUserPassword", "cognito-idp:AdminInitiateAuth", "cognito-idp:AdminGetUser"]
    resources = ["${local.arn}:cognito-idp:${local.in_region}:userpool/*"]

    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/Project"
      values   = [var.project]
    }
  }
}
