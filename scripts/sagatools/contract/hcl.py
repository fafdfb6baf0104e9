"""The Terraform configuration as plain Python data, parsed with python-hcl2 (for the static tests and tfdocs).

python-hcl2 keeps string quotes and marks blocks; `load` strips both so that a literal is its value
and an expression is its `${...}` text."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import hcl2

from sagatools.contract.paths import ROOT

TERRAFORM = ROOT / "terraform"
REFERENCE = re.compile(r"(?<![\w.\"])(var|local|module|data|aws_[a-z0-9_]+|terraform_data)\.([A-Za-z_][\w-]*)(?:\.([A-Za-z_][\w-]*))?")


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        return {_clean(key): _clean(inner) for key, inner in value.items() if key not in ("__is_block__", "__comments__")}
    if isinstance(value, list):
        return [_clean(inner) for inner in value]
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1].replace('\\"', '"')
    return value


@dataclass(frozen=True)
class Module:
    path: Path
    blocks: dict[str, list[Any]]  # block type -> the merged bodies of every file
    text: str  # all .tf files, for reference scanning

    def named(self, block_type: str) -> dict[str, Any]:
        """variable / output / module / locals: name -> body."""
        merged: dict[str, Any] = {}
        for body in self.blocks.get(block_type, []):
            merged.update(body)
        return merged

    def typed(self, block_type: str) -> dict[tuple[str, str], Any]:
        """resource / data: (type, name) -> body."""
        found: dict[tuple[str, str], Any] = {}
        for body in self.blocks.get(block_type, []):
            for kind, by_name in body.items():
                for name, inner in by_name.items():
                    found[(kind, name)] = inner
        return found


@cache
def load(path: Path) -> Module:
    blocks: dict[str, list[Any]] = {}
    texts = []
    for file in sorted(path.glob("*.tf")):
        texts.append(file.read_text())
        with file.open() as handle:
            for block_type, bodies in _clean(hcl2.load(handle)).items():
                blocks.setdefault(block_type, []).extend(bodies if isinstance(bodies, list) else [bodies])
    return Module(path=path, blocks=blocks, text="\n".join(texts))


def modules() -> list[Path]:
    """The root module, its modules, and the account's bootstrap (a root module of its own)."""
    return [TERRAFORM, *sorted(p for p in (TERRAFORM / "modules").iterdir() if p.is_dir()), TERRAFORM / "bootstrap"]


def walk(value: Any) -> Any:
    """Every (key, value) pair in a nested structure."""
    if isinstance(value, dict):
        for key, inner in value.items():
            yield key, inner
            yield from walk(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from walk(inner)


STATEMENT = re.compile(r"^\s*statement\s*\{")
SID = re.compile(r'^\s*sid\s*=\s*"([^"]+)"')


def statement_comments(*directories: Path) -> dict[tuple[Path, str], list[str]]:
    """(module directory, sid) -> the `#` comment lines just above a policy document's statement block
    and inside it, in these modules' .tf files: where a statement's annotations are written."""
    found: dict[tuple[Path, str], list[str]] = {}
    for path in sorted(path for directory in directories for path in directory.glob("*.tf")):
        lines = path.read_text().splitlines()
        for start, line in enumerate(lines):
            if not STATEMENT.match(line):
                continue
            above = []
            for previous in reversed(lines[:start]):
                if not previous.strip().startswith("#"):
                    break
                above.append(previous)
            depth, end = 0, start
            for end in range(start, len(lines)):
                depth += lines[end].count("{") - lines[end].count("}")
                if depth == 0:
                    break
            body = lines[start : end + 1]
            sid = next((named.group(1) for named in map(SID.match, body) if named), None)
            if sid:
                comments = [comment.strip() for comment in [*reversed(above), *body] if comment.strip().startswith("#")]
                found.setdefault((path.parent.resolve(), sid), []).extend(comments)
    return found
