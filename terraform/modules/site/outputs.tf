output "url" {
  description = "The page's URL: https://<the distribution's domain name>."
  value       = "https://${aws_cloudfront_distribution.page.domain_name}"
}

output "origin" {
  description = "The page's origin (the same as url): what the API's CORS must allow."
  value       = "https://${aws_cloudfront_distribution.page.domain_name}"
}

output "domain_name" {
  description = "The distribution's domain name (<id>.cloudfront.net)."
  value       = aws_cloudfront_distribution.page.domain_name
}

output "distribution_id" {
  description = "ID of the CloudFront distribution (for an invalidation, if you ever cache the page's files)."
  value       = aws_cloudfront_distribution.page.id
}

output "distribution_arn" {
  description = "ARN of the CloudFront distribution: the only principal the bucket policy lets read the page."
  value       = aws_cloudfront_distribution.page.arn
}

output "bucket_name" {
  description = "Name of the page's private bucket."
  value       = aws_s3_bucket.page.id
}

output "bucket_arn" {
  description = "ARN of the page's private bucket."
  value       = aws_s3_bucket.page.arn
}

output "object_keys" {
  description = "Every key uploaded: the page's files (templates without .tftpl) and config.json."
  value       = sort(concat(keys(local.static_files), keys(local.templates), ["config.json"]))
}
