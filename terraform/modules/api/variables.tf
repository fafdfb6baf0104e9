variable "name_prefix" {
  description = "Prefix of every resource name, \"<project>-<workspace>\"."
  type        = string
}

variable "function_key" {
  description = "The function is named \"<name_prefix>-<function_key>\" (the catalog's `api.key`)."
  type        = string
  default     = "api"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,20}$", var.function_key))
    error_message = "function_key must be 2-21 characters of lowercase letters, digits and hyphens."
  }
}

variable "handler" {
  description = "Handler of the API's function (the catalog's `api.handler`, e.g. handlers.api.handler)."
  type        = string

  validation {
    condition     = can(regex("^[a-z_][a-z0-9_.]*\\.[a-z_][a-z0-9_]*$", var.handler))
    error_message = "handler must be a dotted <module>.<function> path."
  }
}

variable "actions" {
  description = "The AWS actions the function's code calls (the catalog's `api.actions`). The plan fails unless the role grants exactly these."
  type        = list(string)

  validation {
    condition     = alltrue([for action in var.actions : can(regex("^[a-z0-9-]+:[A-Za-z]+$", action))])
    error_message = "actions must be explicit service:Action names (no wildcards)."
  }
}

variable "routes" {
  description = "Routes by operation id (from docs/openapi.json, e.g. createBooking = \"POST /bookings\"): each one goes to the function and requires a valid JWT."
  type        = map(string)

  validation {
    condition     = length(var.routes) > 0 && alltrue([for route in values(var.routes) : can(regex("^(GET|POST|PUT|PATCH|DELETE) /[A-Za-z0-9_./{}-]*$", route))])
    error_message = "routes must be \"<METHOD> /<path>\" route keys (no ANY, no $default): every route is explicit and authorized."
  }

  validation {
    condition     = alltrue([for operation in keys(var.routes) : can(regex("^[A-Za-z][A-Za-z0-9]{0,63}$", operation))])
    error_message = "routes must be keyed by operation id (letters and digits)."
  }
}

variable "artifact_path" {
  description = "Path of the API's code zip built by `make package` (build/lambda/api.zip)."
  type        = string
}

variable "layer_arn" {
  description = "ARN of the dependencies layer version (aws-lambda-powertools and friends)."
  type        = string
}

variable "state_machine_arn" {
  description = "ARN of the booking saga state machine: the function starts executions of it and reads them (STATE_MACHINE_ARN)."
  type        = string
}

variable "cancellation_state_machine_arn" {
  description = "ARN of the cancellation state machine the API starts for POST /bookings/{booking_id}/cancel."
  type        = string
}

variable "tables" {
  description = "The service tables by service (flight, hotel, payment): the function reads one item from each (TABLE_NAMES is their names as JSON)."
  type        = map(object({ name = string, arn = string }))

  validation {
    condition     = length(var.tables) > 0
    error_message = "tables must name at least one table."
  }
}

variable "kms_key_arn" {
  description = "Customer-managed key of the state machine, the tables, the function's environment and both log groups."
  type        = string
}

variable "jwt_issuer" {
  description = "Issuer (iss) of the JWTs the API accepts, e.g. https://login.example.com/. Null: the module creates a Cognito user pool and app client and trusts those."
  type        = string
  default     = null

  validation {
    condition     = var.jwt_issuer == null || can(regex("^https://[^\\s]+$", var.jwt_issuer))
    error_message = "jwt_issuer must be an https:// URL."
  }
}

variable "jwt_audience" {
  description = "Audiences (aud, or client_id) the API accepts in a token of jwt_issuer. Required with jwt_issuer; must be empty without it."
  type        = list(string)
  default     = []

  validation {
    condition     = (var.jwt_issuer == null) == (length(var.jwt_audience) == 0)
    error_message = "jwt_audience must be given with jwt_issuer (and only with it): a JWT authorizer checks both."
  }
}

variable "cors_allowed_origins" {
  description = "Origins browsers may call the API from (e.g. https://app.example.com). Empty: no CORS configuration, so only same-origin and non-browser callers."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for origin in var.cors_allowed_origins : can(regex("^(https://[a-z0-9.-]+|http://(localhost|127\\.0\\.0\\.1))(:[0-9]{1,5})?$", origin))])
    error_message = "cors_allowed_origins must be origins such as https://app.example.com (http only for localhost; no wildcards, no paths)."
  }
}

variable "throttling_burst_limit" {
  description = "Default route throttling of the stage: burst, in requests."
  type        = number
  default     = 100

  validation {
    condition     = var.throttling_burst_limit >= 0 && var.throttling_burst_limit <= 5000 && floor(var.throttling_burst_limit) == var.throttling_burst_limit
    error_message = "throttling_burst_limit must be a whole number between 0 and 5000."
  }
}

variable "throttling_rate_limit" {
  description = "Default route throttling of the stage: steady rate, in requests per second."
  type        = number
  default     = 50

  validation {
    condition     = var.throttling_rate_limit > 0 && var.throttling_rate_limit <= 10000
    error_message = "throttling_rate_limit must be above 0 and at most 10000 requests per second."
  }
}

variable "self_sign_up_enabled" {
  description = "Let anyone sign up to the module's user pool. Off: customers are created by an operator (admin-create-user)."
  type        = bool
  default     = false
}

variable "deletion_protection" {
  description = "Protect the module's user pool from deletion (on in production workspaces)."
  type        = bool
  default     = true
}

variable "log_retention_days" {
  description = "Retention of the function's and the access log groups, in days."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a retention period CloudWatch Logs accepts."
  }
}

variable "log_level" {
  description = "POWERTOOLS_LOG_LEVEL of the function."
  type        = string
  default     = "INFO"

  validation {
    condition     = contains(["DEBUG", "INFO", "WARNING", "ERROR"], var.log_level)
    error_message = "log_level must be DEBUG, INFO, WARNING or ERROR."
  }
}

variable "memory_size" {
  description = "Memory of the function, in MB."
  type        = number
  default     = 256

  validation {
    condition     = var.memory_size >= 128 && var.memory_size <= 10240
    error_message = "memory_size must be between 128 and 10240 MB."
  }
}

variable "timeout_seconds" {
  description = "Timeout of the function, in seconds: below API Gateway's 30 s integration timeout."
  type        = number
  default     = 10

  validation {
    condition     = var.timeout_seconds >= 1 && var.timeout_seconds <= 29
    error_message = "timeout_seconds must be between 1 and 29: API Gateway stops waiting at 30 s."
  }
}

variable "reserved_concurrency" {
  description = "Reserved concurrent executions of the function; null: none (it draws on the account's unreserved pool)."
  type        = number
  default     = null

  validation {
    condition     = var.reserved_concurrency == null || try(var.reserved_concurrency >= 1, false)
    error_message = "reserved_concurrency must be null or at least 1."
  }
}
