# terraform workspace select -or-create staging && terraform apply -var-file=environments/staging.tfvars
fault_injection_enabled = true
log_retention_days      = 90
state_machine_log_level = "ERROR"
