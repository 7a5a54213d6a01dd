"""Shared helpers for the enrich tests: hand-built threads and the seed thread.

The seed's location (`../shared` beside the repository) and the skip-unless-CI rule come from
the root `tests/conftest.py` through its `seed_text` fixture. This file does not
`from conftest import ...`: it is itself imported as the module `conftest`, so that name
would refer to this file, not the root one.
"""

from __future__ import annotations

import re

import pytest

from site_src.model import Comment, Thread

_COMMENT_START = re.compile(r"^  (\d+)\. ")


def parse_seed_text(text: str, path: str = "seed.txt") -> Thread:
    """A tiny stand-in for the .txt reader, enough for the seed digest (no reply structure)."""
    try:
        from site_src.readers import parse_text  # type: ignore[attr-defined]
    except ImportError:
        parse_text = None
    if parse_text is not None:
        return parse_text(path, text)  # type: ignore[no-any-return]
    lines = text.splitlines()
    thread = Thread(title=lines[0].strip(), path=path)
    current: list[str] | None = None
    for line in lines[1:]:
        match = _COMMENT_START.match(line)
        if match:
            current = [line[match.end() :]]
            thread.comments.append(Comment(body="", id=f"c{match.group(1)}"))
        elif current is not None and line.startswith("    "):
            current.append(line[4:])
        elif current is not None and not line.strip():
            current.append("")
        elif current is not None:
            current = None  # the footer ("Comments are closed.")
        elif line.startswith("Posted by "):
            thread.author = line.removeprefix("Posted by ").strip()
        if current is not None:
            thread.comments[-1].body = "\n".join(current).strip()
    return thread


@pytest.fixture
def seed_thread(seed_text: str) -> Thread:
    """The shared seed thread (`seed_text` from the root conftest skips it when ../shared is absent, outside CI)."""
    return parse_seed_text(seed_text, "seeds/000.txt")
