#!/usr/bin/env python3
"""Entry point of sagatools.cli.demo (the same as `python -m sagatools.cli.demo`)."""

import sys

from sagatools.cli.demo import main

if __name__ == "__main__":
    sys.exit(main())
