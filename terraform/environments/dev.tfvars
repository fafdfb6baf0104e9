# terraform workspace select -or-create dev && terraform apply -var-file=environments/dev.tfvars
fault_injection_enabled              = true
log_retention_days                   = 30
log_level                            = "DEBUG"
state_machine_log_level              = "ALL"
state_machine_include_execution_data = true
