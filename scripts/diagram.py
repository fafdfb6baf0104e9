#!/usr/bin/env python3
"""Entry point of sagatools.cli.diagram (the same as `python -m sagatools.cli.diagram`)."""

import sys

from sagatools.cli.diagram import main

if __name__ == "__main__":
    sys.exit(main())
