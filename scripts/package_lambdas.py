#!/usr/bin/env python3
"""Entry point of sagatools.cli.package_lambdas (the same as `python -m sagatools.cli.package_lambdas`)."""

import sys

from sagatools.cli.package_lambdas import main

if __name__ == "__main__":
    sys.exit(main())
