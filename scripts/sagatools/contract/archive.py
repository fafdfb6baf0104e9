"""Byte-deterministic zips: the same files give the same bytes, whoever builds them, whenever.

terraform-aws-lambda's zips are not (its issue #515): timestamps, permissions and entry order leak
from the build machine, so `source_code_hash` changes and Terraform redeploys unchanged code. Here
every entry has a fixed timestamp, normalised permissions, a fixed compression level and sorted
order, and nothing from the environment (no extra fields, no directory entries)."""

from __future__ import annotations

import hashlib
import os
import zipfile
from collections.abc import Iterable
from pathlib import Path

FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip can hold
EXCLUDED_DIRS = {"__pycache__", ".pytest_cache", ".mypy_cache"}
EXCLUDED_SUFFIXES = {".pyc", ".pyo"}


def files_under(root: Path, *, bytecode: bool = False) -> list[Path]:
    """Regular files under root, sorted, without caches; compiled bytecode only when asked for
    (a layer built with it on purpose), never the stray bytecode of a source tree."""
    excluded_dirs = EXCLUDED_DIRS - {"__pycache__"} if bytecode else EXCLUDED_DIRS
    found = []
    for directory, subdirectories, names in os.walk(root):
        subdirectories[:] = sorted(d for d in subdirectories if d not in excluded_dirs)
        for name in names:
            path = Path(directory, name)
            if (bytecode or path.suffix not in EXCLUDED_SUFFIXES) and path.is_file():
                found.append(path)
    return sorted(found)


def write_zip(destination: Path, entries: Iterable[tuple[str, Path]]) -> str:
    """Write (archive name, source file) entries deterministically; returns the zip's sha256."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    temporary = destination.with_suffix(".tmp")
    with zipfile.ZipFile(temporary, "w") as archive:
        for name, source in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # unix, so the permission bits below are honoured
            executable = os.access(source, os.X_OK)
            info.external_attr = ((0o100755 if executable else 0o100644) & 0xFFFF) << 16
            archive.writestr(info, source.read_bytes(), compresslevel=9)
    temporary.replace(destination)  # never leave a half-written artifact behind
    return sha256_of(destination)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
