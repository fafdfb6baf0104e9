variable "project" {
  description = "Project name; every resource is named \"<project>-<workspace>-...\"."
  type        = string
  default     = "trip-saga"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,18}[a-z0-9]$", var.project))
    error_message = "project must be 3-20 characters of lowercase letters, digits and hyphens."
  }
}

variable "region" {
  description = "AWS region to deploy into."
  type        = string
  default     = "eu-west-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.region))
    error_message = "region must be an AWS region name such as eu-west-1."
  }
}

variable "production_workspaces" {
  description = "Workspaces treated as production: fault injection refused, tables protected from deletion."
  type        = list(string)
  default     = ["prod"]
}

variable "artifacts_dir" {
  description = "Directory of the zips `make package` builds (<service>.zip, api.zip, dependencies-layer.zip). Default: ../build/lambda."
  type        = string
  default     = null
}

variable "fault_injection_enabled" {
  description = "Let requests inject faults (`faults`). For test workspaces only: refused in production workspaces."
  type        = bool
  default     = false
}

variable "lambda_memory_mb" {
  description = "Memory of each function, in MB."
  type        = number
  default     = 256
}

variable "lambda_timeout_seconds" {
  description = "Timeout of each function, in seconds (must be below task_timeout_seconds)."
  type        = number
  default     = 10
}

variable "reserved_concurrency" {
  description = "Reserved concurrent executions of each function; null (the default): none, every function draws on the account's unreserved pool. Where set, the plan reads the account's Lambda concurrency quota and refuses a reservation that leaves fewer than 100 unreserved (docs/deploy.md#quotas)."
  type        = number
  default     = null

  validation {
    condition     = var.reserved_concurrency == null || try(var.reserved_concurrency >= 1 && floor(var.reserved_concurrency) == var.reserved_concurrency, false)
    error_message = "reserved_concurrency must be null (no reservation) or a whole number of at least 1."
  }
}

variable "task_timeout_seconds" {
  description = "TimeoutSeconds of every state machine task."
  type        = number
  default     = 30
}

variable "compensation_max_attempts" {
  description = "Retry MaxAttempts of each compensation task."
  type        = number
  default     = 10
}

variable "execution_timeout_seconds" {
  description = "TimeoutSeconds of a whole booking saga execution: one still running then ends TIMED_OUT and is reconciled."
  type        = number
  default     = 86400
}

variable "log_retention_days" {
  description = "Retention of every log group, in days."
  type        = number
  default     = 365
}

variable "log_level" {
  description = "Log level of the functions (POWERTOOLS_LOG_LEVEL)."
  type        = string
  default     = "INFO"
}

variable "state_machine_log_level" {
  description = "Execution history log level: ALL, ERROR or FATAL."
  type        = string
  default     = "ERROR"
}

variable "state_machine_include_execution_data" {
  description = "Log state input and output (customer name and e-mail included): keep false outside throw-away workspaces."
  type        = bool
  default     = false
}

variable "alert_emails" {
  description = "E-mail addresses subscribed to the alert topic."
  type        = list(string)
  default     = []
}

variable "tags" {
  description = "Tags added to every resource (provider default_tags)."
  type        = map(string)
  default     = {}
}

variable "api_cors_allowed_origins" {
  description = "Origins browsers may call the bookings API from (e.g. https://app.example.com). Empty: no CORS configuration."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for origin in var.api_cors_allowed_origins : can(regex("^(https://[a-z0-9.-]+|http://(localhost|127\\.0\\.0\\.1))(:[0-9]{1,5})?$", origin))])
    error_message = "api_cors_allowed_origins must be origins such as https://app.example.com (http only for localhost; no wildcards, no paths)."
  }
}

variable "api_jwt_issuer" {
  description = "Issuer of the JWTs the bookings API accepts (an https:// URL), with api_jwt_audience. Null: a Cognito user pool and app client are created and trusted."
  type        = string
  default     = null

  validation {
    condition     = var.api_jwt_issuer == null || can(regex("^https://[^\\s]+$", var.api_jwt_issuer))
    error_message = "api_jwt_issuer must be an https:// URL."
  }

  validation {
    condition     = var.api_jwt_issuer == null || length(var.api_jwt_audience) > 0
    error_message = "api_jwt_issuer needs api_jwt_audience: the audiences (aud or client_id) its tokens must carry."
  }

  validation {
    condition     = var.api_jwt_issuer != null || length(var.api_jwt_audience) == 0
    error_message = "api_jwt_audience is only for an external issuer: set api_jwt_issuer too, or leave both unset for the Cognito user pool."
  }
}

variable "api_jwt_audience" {
  description = "Audiences (aud, or client_id) of api_jwt_issuer's tokens the bookings API accepts. Only with api_jwt_issuer."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for audience in var.api_jwt_audience : trimspace(audience) == audience && audience != ""])
    error_message = "api_jwt_audience must list non-blank audiences without surrounding spaces."
  }
}

variable "api_throttling_burst_limit" {
  description = "Bookings API stage throttling: burst, in requests (every route)."
  type        = number
  default     = 100

  validation {
    condition     = var.api_throttling_burst_limit >= 0 && var.api_throttling_burst_limit <= 5000 && floor(var.api_throttling_burst_limit) == var.api_throttling_burst_limit
    error_message = "api_throttling_burst_limit must be a whole number between 0 and 5000."
  }
}

variable "api_throttling_rate_limit" {
  description = "Bookings API stage throttling: steady rate, in requests per second (every route)."
  type        = number
  default     = 50

  validation {
    condition     = var.api_throttling_rate_limit > 0 && var.api_throttling_rate_limit <= 10000
    error_message = "api_throttling_rate_limit must be above 0 and at most 10000 requests per second."
  }
}

variable "browser_endpoints" {
  description = "Where a browser reaches Cognito and the API, when not AWS's own endpoints: set by the local workspace; leave null on AWS."
  type = object({
    cognito     = string
    api_origins = list(string)
  })
  default = null

  validation {
    condition     = var.browser_endpoints == null || try(can(regex("^https?://[^/]+/$", var.browser_endpoints.cognito)) && alltrue([for origin in var.browser_endpoints.api_origins : can(regex("^https?://[^/]+$", origin))]), false)
    error_message = "browser_endpoints must be null, or cognito an endpoint URL ending in / and api_origins origins (no paths)."
  }
}
