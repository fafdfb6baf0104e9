variable "name_prefix" {
  description = "Prefix of every resource name, \"<project>-<workspace>\"."
  type        = string
}

variable "definition_template" {
  description = "Path of the ASL template (statemachine/booking_saga.asl.json.tftpl), rendered with templatefile()."
  type        = string
}

variable "function_arns" {
  description = "ARNs of the saga functions by the ASL template's placeholder (the step catalog's arn_placeholder, e.g. reserve_flight_arn); templatefile() fails on a missing one."
  type        = map(string)

  validation {
    condition     = alltrue([for placeholder in keys(var.function_arns) : can(regex("^[a-z_]+_arn$", placeholder))])
    error_message = "function_arns must be keyed by the template's ARN placeholders (<name>_arn)."
  }
}

variable "alert_topic_arn" {
  description = "SNS topic AlertOperator publishes to when a compensation cannot complete."
  type        = string
}

variable "metrics_namespace" {
  description = "CloudWatch namespace of the saga's metrics: CountCompensationFailed puts CompensationFailed (dimension StateMachine) there."
  type        = string
  default     = "TripSaga"
}

variable "kms_key_arn" {
  description = "Customer-managed key for the execution history (state machine encryption) and the log group."
  type        = string
}

variable "task_timeout_seconds" {
  description = "TimeoutSeconds of every task; must exceed the functions' timeout."
  type        = number
  default     = 30

  validation {
    condition     = var.task_timeout_seconds >= 1 && var.task_timeout_seconds <= 900
    error_message = "task_timeout_seconds must be between 1 and 900."
  }
}

variable "compensation_max_attempts" {
  description = "Retry MaxAttempts of each compensation (backoff 2 s doubling, capped at 60 s, full jitter)."
  type        = number
  default     = 10

  validation {
    condition     = var.compensation_max_attempts >= 1 && var.compensation_max_attempts <= 99
    error_message = "compensation_max_attempts must be between 1 and 99."
  }
}

variable "log_level" {
  description = "Execution history log level: ALL, ERROR or FATAL."
  type        = string
  default     = "ERROR"

  validation {
    condition     = contains(["ALL", "ERROR", "FATAL"], var.log_level)
    error_message = "log_level must be ALL, ERROR or FATAL."
  }
}

variable "include_execution_data" {
  description = "Log state input and output. They carry the customer's name and e-mail: keep false outside throw-away workspaces."
  type        = bool
  default     = false
}

variable "log_retention_days" {
  description = "Retention of the execution log group, in days."
  type        = number
  default     = 365
}
