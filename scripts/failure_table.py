#!/usr/bin/env python3
"""Entry point of sagatools.cli.failure_table (the same as `python -m sagatools.cli.failure_table`)."""

import sys

from sagatools.cli.failure_table import main

if __name__ == "__main__":
    sys.exit(main())
