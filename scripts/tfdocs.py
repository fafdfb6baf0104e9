#!/usr/bin/env python3
"""Entry point of sagatools.cli.tfdocs (the same as `python -m sagatools.cli.tfdocs`)."""

import sys

from sagatools.cli.tfdocs import main

if __name__ == "__main__":
    sys.exit(main())
