"""Deployment settings shared by the local engine and the local workspace. They equal the Terraform
root module's variable defaults (a test holds them to it), so local runs behave like a default deploy."""

DEPLOY_DEFAULTS = {
    "task_timeout_seconds": 30,
    "compensation_max_attempts": 10,
    "execution_timeout_seconds": 86400,
    "lambda_timeout_seconds": 10,
    "lambda_memory_mb": 256,
    "api_throttling_burst_limit": 100,
    "api_throttling_rate_limit": 50,
}

# The ASL templates' settings placeholders (the booking saga's; the others use the first two).
STATE_MACHINE_SETTINGS = ("task_timeout_seconds", "compensation_max_attempts", "execution_timeout_seconds")


def state_machine_settings(workflow: str = "booking") -> dict[str, int]:
    names = STATE_MACHINE_SETTINGS if workflow == "booking" else STATE_MACHINE_SETTINGS[:2]
    return {name: DEPLOY_DEFAULTS[name] for name in names}
