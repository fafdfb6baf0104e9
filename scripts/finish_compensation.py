#!/usr/bin/env python3
"""Entry point of sagatools.cli.finish_compensation (the same as `python -m sagatools.cli.finish_compensation`)."""

import sys

from sagatools.cli.finish_compensation import main

if __name__ == "__main__":
    sys.exit(main())
