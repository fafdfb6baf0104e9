# terraform workspace select -or-create dev && terraform apply -var-file=environments/dev.tfvars
fault_injection_enabled              = true
log_retention_days                   = 30
log_level                            = "DEBUG"
state_machine_log_level              = "ALL"
state_machine_include_execution_data = true
# Three attempts per compensation, not ten: the integration suite's CompensationFailed test ends in seconds.
compensation_max_attempts = 3
