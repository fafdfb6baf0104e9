"""``python -m tfprovider serve`` (what the launcher Terraform starts runs) and ``python -m tfprovider check`` (``make validate``)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from tfprovider import check, server


def main(argv: list[str]) -> int:
    command = argv[0] if argv else ""
    if command == "serve":
        return server.serve(Path(os.environ[server.SCHEMA_ENV]))
    if command == "check":
        return check.main(argv[1:])
    print("usage: python -m tfprovider {serve|check [--help]}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
