#!/usr/bin/env python3
"""Entry point of sagatools.cli.bench (the same as `python -m sagatools.cli.bench`)."""

import sys

from sagatools.cli.bench import main

if __name__ == "__main__":
    sys.exit(main())
