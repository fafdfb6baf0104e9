variable "name_prefix" {
  description = "Prefix of every resource name, \"<project>-<workspace>\"."
  type        = string
}

variable "service" {
  description = "The service this module deploys: flight, hotel or payment (POWERTOOLS_SERVICE_NAME)."
  type        = string

  validation {
    condition     = contains(["flight", "hotel", "payment"], var.service)
    error_message = "service must be one of flight, hotel, payment."
  }
}

variable "table_suffix" {
  description = "The table is named \"<name_prefix>-<table_suffix>\"."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}$", var.table_suffix))
    error_message = "table_suffix must be 2-31 characters of lowercase letters, digits and hyphens."
  }
}

variable "functions" {
  description = "This service's functions from lambdas/functions.json, by key (e.g. \"reserve-flight\")."
  type = map(object({
    state            = string
    service          = string
    handler          = string
    arn_placeholder  = string
    dynamodb_actions = list(string)
  }))

  validation {
    condition = alltrue(flatten([
      for function in values(var.functions) : [for action in function.dynamodb_actions : can(regex("^dynamodb:[A-Za-z]+$", action))]
    ]))
    error_message = "dynamodb_actions must be explicit DynamoDB actions (no wildcards)."
  }
}

variable "artifact_path" {
  description = "Path of this service's code zip built by `make package` (handlers and the shared domain layer)."
  type        = string
}

variable "layer_arn" {
  description = "ARN of the dependencies layer version (aws-lambda-powertools and friends)."
  type        = string
}

variable "kms_key_arn" {
  description = "Customer-managed key for the table, the functions' environment and their log groups."
  type        = string
}

variable "fault_injection_enabled" {
  description = "Honour a request's `faults` (FAULT_INJECTION_ENABLED). Never in production: the root module refuses it there."
  type        = bool
  default     = false
}

variable "deletion_protection" {
  description = "Protect the table from deletion (on in production workspaces)."
  type        = bool
  default     = true
}

variable "log_retention_days" {
  description = "Retention of the functions' log groups, in days."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a retention period CloudWatch Logs accepts."
  }
}

variable "log_level" {
  description = "POWERTOOLS_LOG_LEVEL of the functions."
  type        = string
  default     = "INFO"

  validation {
    condition     = contains(["DEBUG", "INFO", "WARNING", "ERROR"], var.log_level)
    error_message = "log_level must be DEBUG, INFO, WARNING or ERROR."
  }
}

variable "metrics_namespace" {
  description = "CloudWatch namespace of the functions' EMF metrics (POWERTOOLS_METRICS_NAMESPACE)."
  type        = string
  default     = "TripSaga"
}

variable "memory_size" {
  description = "Memory of each function, in MB."
  type        = number
  default     = 256

  validation {
    condition     = var.memory_size >= 128 && var.memory_size <= 10240
    error_message = "memory_size must be between 128 and 10240 MB."
  }
}

variable "timeout_seconds" {
  description = "Timeout of each function, in seconds."
  type        = number
  default     = 10

  validation {
    condition     = var.timeout_seconds >= 1 && var.timeout_seconds <= 900
    error_message = "timeout_seconds must be between 1 and 900."
  }
}

variable "reserved_concurrency" {
  description = "Reserved concurrent executions of each function; null: none (it draws on the account's unreserved pool)."
  type        = number
  default     = null

  validation {
    condition     = var.reserved_concurrency == null || try(var.reserved_concurrency >= 1, false)
    error_message = "reserved_concurrency must be null or at least 1."
  }
}
