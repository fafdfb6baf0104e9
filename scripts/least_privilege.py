#!/usr/bin/env python3
"""Entry point of sagatools.cli.least_privilege (the same as `python -m sagatools.cli.least_privilege`)."""

import sys

from sagatools.cli.least_privilege import main

if __name__ == "__main__":
    sys.exit(main())
