#!/usr/bin/env python3
"""Entry point of sagatools.cli.iam_lint (the same as `python -m sagatools.cli.iam_lint`)."""

import sys

from sagatools.cli.iam_lint import main

if __name__ == "__main__":
    sys.exit(main())
