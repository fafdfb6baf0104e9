# terraform workspace select -or-create prod && terraform apply -var-file=environments/prod.tfvars
# Fault injection is refused here; tables are protected from deletion.
log_retention_days      = 365
state_machine_log_level = "ERROR"
alert_emails            = ["oncall@example.com"]
