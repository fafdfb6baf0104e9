# Remote state: S3 with native state locking (use_lockfile, Terraform >= 1.10). Partial configuration:
# copy backend.hcl.example to backend.hcl, fill in your bucket, then
#   terraform init -backend-config=backend.hcl
# Each workspace's state lands under env:/<workspace>/ in the bucket.
terraform {
  backend "s3" {}
}
