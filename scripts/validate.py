"""`make validate`: terraform init, validate and a plan per environment, on the stand-in for hashicorp/aws (see tfprovider/check.py)."""

import sys

from tfprovider import check

if __name__ == "__main__":
    sys.exit(check.main(sys.argv[1:]))
