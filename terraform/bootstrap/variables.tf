variable "project" {
  description = "The root module's project: the deploy role may manage only what is named \"<project>-...\" (KMS keys and user pools: tagged Project = <project>; HTTP APIs: this region's; CloudFront: this account's)."
  type        = string
  default     = "trip-saga"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,18}[a-z0-9]$", var.project))
    error_message = "project must be 3-20 characters of lowercase letters, digits and hyphens."
  }
}

variable "region" {
  description = "Region of the state bucket and of every workspace the roles deploy."
  type        = string
  default     = "eu-west-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.region))
    error_message = "region must be an AWS region name such as eu-west-1."
  }
}

variable "github_repository" {
  description = "The GitHub repository (\"owner/name\") whose workflow may assume the roles."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9-]+/[A-Za-z0-9._-]+$", var.github_repository))
    error_message = "github_repository must be \"owner/name\"."
  }
}

variable "deploy_branch" {
  description = "The branch whose workflow runs may assume the deploy role (apply, destroy); pull requests get the plan role only."
  type        = string
  default     = "main"
}

variable "state_key" {
  description = "The root module's state key in the bucket (backend.hcl's `key`); each workspace's state is env:/<workspace>/<state_key>."
  type        = string
  default     = "trip-booking-saga/terraform.tfstate"
}

variable "create_github_oidc_provider" {
  description = "Create the account's GitHub OIDC identity provider (an account has one per URL): false if it exists already."
  type        = bool
  default     = true
}

variable "state_version_retention_days" {
  description = "Days a superseded version of a state file is kept (the bucket is versioned)."
  type        = number
  default     = 90
}
