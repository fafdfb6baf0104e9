"""A stand-in for the hashicorp/aws Terraform provider, so that Terraform itself can validate and plan
this repository's configuration where the real provider cannot be downloaded (``make validate``).

It serves hashicorp/aws 6.66.0's real schema, recovered from the code @cdktn/provider-aws generates
from it (``extract.py``), validates configuration against it, plans every resource generically
(``standin.py``) and reads the data sources this project uses as the real provider does. It never applies.
"""
