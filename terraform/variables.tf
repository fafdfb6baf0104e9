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
  description = "Directory of the zips `make package` builds (<service>.zip, dependencies-layer.zip). Default: ../build/lambda."
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
  description = "Reserved concurrent executions of each function."
  type        = number
  default     = 50
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
