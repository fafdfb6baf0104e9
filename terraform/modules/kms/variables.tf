variable "name_prefix" {
  description = "Prefix of every resource name, \"<project>-<workspace>\"."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,38}[a-z0-9]$", var.name_prefix))
    error_message = "name_prefix must be 3-40 characters of lowercase letters, digits and hyphens."
  }
}

variable "deletion_window_in_days" {
  description = "Days a scheduled key deletion waits (7-30); the key protects every table, log and message."
  type        = number
  default     = 30

  validation {
    condition     = var.deletion_window_in_days >= 7 && var.deletion_window_in_days <= 30
    error_message = "deletion_window_in_days must be between 7 and 30."
  }
}
