"""Lambda entry points, one module per service. Terraform's `handler` attribute names these."""
