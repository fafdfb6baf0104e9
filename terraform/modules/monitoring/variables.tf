variable "name_prefix" {
  description = "Prefix of every resource name, \"<project>-<workspace>\"."
  type        = string
}

variable "state_machine_arn" {
  description = "ARN of the booking saga state machine."
  type        = string
}

variable "state_machine_name" {
  description = "Name of the booking saga state machine: the dimension of the CompensationFailed count it puts."
  type        = string
}

variable "other_state_machines" {
  description = "The saga's other state machines by key (cancellation, reconciliation): each one's ARN and name, and whether it alerts (counts CompensationFailed)."
  type        = map(object({ arn = string, name = string, alerts = bool }))
  default     = {}
}

variable "function_names" {
  description = "The function names by catalog key: the saga's steps and the API's function."
  type        = map(string)
}

variable "api_id" {
  description = "ID of the bookings HTTP API (its `$default` stage is watched for 5xx answers)."
  type        = string
}

variable "api_5xx_threshold" {
  description = "5xx answers of the bookings API in 5 minutes that raise its alarm (API Gateway's own and the function's)."
  type        = number
  default     = 5

  validation {
    condition     = var.api_5xx_threshold >= 1
    error_message = "api_5xx_threshold must be at least 1."
  }
}

variable "steps" {
  description = "The saga's steps by state name (from the step catalog): each one's service, and whether it is a compensation."
  type        = map(object({ service = string, compensation = bool }))
}

variable "alert_topic_arn" {
  description = "SNS topic every alarm notifies (on alarm and on recovery)."
  type        = string
}

variable "metrics_namespace" {
  description = "Namespace of the saga's own metrics: the functions' EMF step metrics and the state machine's CompensationFailed."
  type        = string
  default     = "TripSaga"
}

variable "failed_executions_threshold" {
  description = "Failed executions in 5 minutes that raise the alarm. Some failures are business as usual (sold out, declined): set it above your normal rate."
  type        = number
  default     = 10

  validation {
    condition     = var.failed_executions_threshold >= 1
    error_message = "failed_executions_threshold must be at least 1."
  }
}

variable "function_errors_threshold" {
  description = "Errors of one function in 5 minutes that raise its alarm (business refusals count as errors too)."
  type        = number
  default     = 10

  validation {
    condition     = var.function_errors_threshold >= 1
    error_message = "function_errors_threshold must be at least 1."
  }
}

variable "compensation_failures_threshold" {
  description = "Failed attempts of one compensation step within 15 minutes that raise its alarm (default: the retries a compensation gets)."
  type        = number
  default     = 10

  validation {
    condition     = var.compensation_failures_threshold >= 1
    error_message = "compensation_failures_threshold must be at least 1."
  }
}
