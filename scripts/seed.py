#!/usr/bin/env python3
"""Entry point of sagatools.cli.seed (the same as `python -m sagatools.cli.seed`)."""

import sys

from sagatools.cli.seed import main

if __name__ == "__main__":
    sys.exit(main())
