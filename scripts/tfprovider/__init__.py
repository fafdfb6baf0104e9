"""A stand-in for the hashicorp/aws Terraform provider, so that Terraform itself can validate, plan and
apply this repository's configuration where the real provider cannot be downloaded: ``make validate``
plans with it, the local workspace (``make local-up``) applies with it to an AWS-compatible endpoint.

It serves hashicorp/aws 6.66.0's real schema, recovered from the code @cdktn/provider-aws generates
from it (``extract.py``), validates configuration against it, plans (``standin.py``) and reads the data
sources this project uses as the real provider does, and applies the resource types this project uses
through boto3 (``resources.py``, ``aws.py``; ``deploy.py`` runs Terraform for the local workspace).
Planning any other resource type fails, naming it.
"""
