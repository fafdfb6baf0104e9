variable "name_prefix" {
  description = "Prefix of every resource name, \"<project>-<workspace>\"."
  type        = string
}

variable "name" {
  description = "The state machine's name after the prefix (\"<name_prefix>-<name>\"), e.g. booking-saga; also its role's."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,22}$", var.name))
    error_message = "name must be 2-23 characters of lowercase letters, digits and hyphens: \"<prefix>-<name>-events\" is a role name, at most 64 characters."
  }
}

variable "purpose" {
  description = "What it does, for its role's description."
  type        = string
}

variable "definition_template" {
  description = "Path of the ASL template (under statemachine/), rendered with templatefile()."
  type        = string
}

variable "function_arns" {
  description = "ARNs of the functions it invokes, by the ASL template's placeholder (the step catalog's arn_placeholder, e.g. reserve_flight_arn); templatefile() fails on a missing one."
  type        = map(string)

  validation {
    condition     = alltrue([for placeholder in keys(var.function_arns) : can(regex("^[a-z_]+_arn$", placeholder))])
    error_message = "function_arns must be keyed by the template's ARN placeholders (<name>_arn)."
  }
}

variable "alert_topic_arn" {
  description = "SNS topic its AlertOperator publishes to when a step cannot complete (and it counts CompensationFailed); null for a machine that does not alert."
  type        = string
  default     = null
}

variable "reads_executions_of" {
  description = "ARN of the state machine whose executions it reads by ARN (DescribeExecution, and their key through Step Functions): the reconciliation's booking saga; null for none."
  type        = string
  default     = null
}

variable "started_by_status_of" {
  description = "Start an execution, with the event as input, for each execution of this state machine that ends in one of these statuses (an EventBridge rule, its target and the role EventBridge uses); null for none."
  type = object({
    state_machine_arn = string
    statuses          = list(string)
  })
  default = null

  validation {
    condition     = var.started_by_status_of == null || alltrue([for status in try(var.started_by_status_of.statuses, []) : contains(["RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED", "PENDING_REDRIVE"], status)])
    error_message = "statuses must be execution statuses: RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED, PENDING_REDRIVE."
  }
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
  description = "Retry MaxAttempts of each compensation, confirmation and cancellation step (backoff 2 s doubling, capped at 60 s, full jitter)."
  type        = number
  default     = 10

  validation {
    condition     = var.compensation_max_attempts >= 1 && var.compensation_max_attempts <= 99
    error_message = "compensation_max_attempts must be between 1 and 99."
  }
}

variable "execution_timeout_seconds" {
  description = "The whole execution's TimeoutSeconds, where the template sets one (the booking saga): it then ends TIMED_OUT, which the reconciliation closes."
  type        = number
  default     = 86400

  validation {
    condition     = var.execution_timeout_seconds >= 60 && var.execution_timeout_seconds <= 31536000
    error_message = "execution_timeout_seconds must be between 60 and 31536000 (Standard workflows run at most a year)."
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
