# Where operators hear about the saga: one KMS-encrypted SNS topic for alarms and saga alerts.

resource "aws_sns_topic" "alerts" {
  name              = "${var.name_prefix}-saga-alerts"
  kms_master_key_id = var.kms_key_arn
}

resource "aws_sns_topic_subscription" "email" {
  for_each = toset(var.email_addresses)

  topic_arn = aws_sns_topic.alerts.arn
  protocol  = "email"
  endpoint  = each.value
}
