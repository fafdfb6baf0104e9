#!/usr/bin/env python3
"""Writes docs/openapi.json, the bookings API's contract, from the API function's routes (trip_saga.api).

python scripts/openapi.py           # print it
python scripts/openapi.py --write   # write docs/openapi.json
python scripts/openapi.py --check   # exit 1 if docs/openapi.json no longer matches the routes
"""

from __future__ import annotations

import sys

from sagatools.contract.paths import ROOT

OPENAPI = ROOT / "docs" / "openapi.json"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    from trip_saga.api import openapi_document

    document = openapi_document()
    if "--check" in argv:
        if not OPENAPI.exists() or OPENAPI.read_text() != document:
            print("docs/openapi.json does not match the API's routes (run: python scripts/openapi.py --write)")
            return 1
        return 0
    if "--write" in argv:
        OPENAPI.write_text(document)
        return 0
    print(document, end="")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
