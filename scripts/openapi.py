#!/usr/bin/env python3
"""Entry point of sagatools.cli.openapi (the same as `python -m sagatools.cli.openapi`)."""

import sys

from sagatools.cli.openapi import main

if __name__ == "__main__":
    sys.exit(main())
