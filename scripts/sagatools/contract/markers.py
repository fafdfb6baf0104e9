"""Generated sections of a Markdown file, between `<!-- BEGIN_X -->` and `<!-- END_X -->` markers."""

from __future__ import annotations

from pathlib import Path


def replace_between(text: str, begin: str, end: str, content: str) -> str:
    if begin not in text or end not in text:
        raise ValueError(f"no {begin} ... {end} section")
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    return f"{head}{begin}\n{content}\n{end}{tail}"


def update(path: Path, begin: str, end: str, content: str, *, check: bool) -> bool:
    """Write the section (or, with check, only compare). True when the file already held it."""
    text = path.read_text()
    new = replace_between(text, begin, end, content)
    if new != text and not check:
        path.write_text(new)
    return new == text
