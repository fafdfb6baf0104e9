"""Is a process, or a whole process group, still there? (The local endpoint and its workers run in a
process group of their own, so stopping the group stops them all.)"""

from __future__ import annotations

import contextlib
import os


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's: it exists
        return True
    return True


def group_alive(pgid: int) -> bool:
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pgid, os.WNOHANG)  # reap the group's leader if it is our child, or it lingers as a zombie
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True
