variable "name_prefix" {
  description = "Prefix of every resource name, \"<project>-<workspace>\"."
  type        = string
}

variable "kms_key_arn" {
  description = "Customer-managed key that encrypts the topic's messages."
  type        = string
}

variable "email_addresses" {
  description = "Addresses subscribed to the alert topic (each must confirm the subscription)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for address in var.email_addresses : can(regex("^[^@\\s]+@[^@\\s]+\\.[A-Za-z]{2,}$", address))])
    error_message = "email_addresses must be e-mail addresses."
  }
}
