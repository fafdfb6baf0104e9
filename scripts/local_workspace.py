#!/usr/bin/env python3
"""Entry point of sagatools.cli.local_workspace (the same as `python -m sagatools.cli.local_workspace`)."""

import sys

from sagatools.cli.local_workspace import main

if __name__ == "__main__":
    sys.exit(main())
