#!/usr/bin/env python3
"""Entry point of sagatools.cli.token (the same as `python -m sagatools.cli.token`)."""

import sys

if __name__ == "__main__":
    from sagatools.cli.token import main

    sys.exit(main())
else:
    # `python scripts/<any>.py` puts scripts/ first on the import path, so `import token` (tokenize
    # does it, under logging) finds this file: be the standard library's module then.
    import importlib.util
    import sysconfig
    from pathlib import Path

    _spec = importlib.util.spec_from_file_location("token", Path(sysconfig.get_path("stdlib")) / "token.py")
    assert _spec and _spec.loader
    _stdlib_token = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(_stdlib_token)
    globals().update({name: value for name, value in vars(_stdlib_token).items() if not name.startswith("__") or name == "__all__"})
