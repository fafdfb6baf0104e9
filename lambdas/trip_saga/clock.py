"""Waiting, as the domain does it: one seam, so the local engine can run handlers on a virtual clock."""

from __future__ import annotations

import time


def sleep(seconds: float) -> None:
    time.sleep(seconds)
