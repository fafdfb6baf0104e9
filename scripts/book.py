#!/usr/bin/env python3
"""Entry point of sagatools.cli.book (the same as `python -m sagatools.cli.book`)."""

import sys

from sagatools.cli.book import main

if __name__ == "__main__":
    sys.exit(main())
