"""Tooling shared by the scripts and the tests: the ASL renderer, the function catalog, the local
engine and workspace, packaging and the chaos tooling. It works with the domain layer in lambdas/,
which it puts on the import path."""

import sys

from sagakit.paths import LAMBDAS

if str(LAMBDAS) not in sys.path:
    sys.path.append(str(LAMBDAS))
