output "state_bucket" {
  description = "The state bucket: backend.hcl's `bucket`."
  value       = aws_s3_bucket.state.id
}

output "backend_config" {
  description = "The root module's backend.hcl for this account (terraform init -backend-config=backend.hcl)."
  value       = <<-HCL
    bucket       = "${aws_s3_bucket.state.id}"
    key          = "${var.state_key}"
    region       = "${local.region}"
    encrypt      = true
    use_lockfile = true
  HCL
}

output "plan_role_arn" {
  description = "The role pull requests' plans assume (GitHub Actions variable AWS_PLAN_ROLE_ARN)."
  value       = aws_iam_role.terraform["plan"].arn
}

output "deploy_role_arn" {
  description = "The role the deploy branch's runs assume to apply and destroy (GitHub Actions variable AWS_DEPLOY_ROLE_ARN)."
  value       = aws_iam_role.terraform["deploy"].arn
}

output "policy_arns" {
  description = "The deployer's managed policies by name (read, site-read, state, compute, data, site, operate): attach them to another principal that deploys."
  value       = { for name, policy in aws_iam_policy.terraform : name => policy.arn }
}
