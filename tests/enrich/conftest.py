"""Shared helpers for the enrich tests: hand-built threads and the seed thread."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from site_src.model import Comment, Thread

SHARED = Path("/work/shared")
SEED = SHARED / "seeds" / "000_c18a89e8402fc855.txt"
_COMMENT_START = re.compile(r"^  (\d+)\. ")


def require_shared(path: Path) -> Path:
    """Skip when shared material is absent, except in CI (CI=true), where it must be there."""
    if not path.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{path} is missing in CI")
        pytest.skip(f"{path} is absent on this machine")
    return path


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
def seed_thread() -> Thread:
    """The shared seed thread (skipped when /work/shared is absent outside CI)."""
    return parse_seed_text(require_shared(SEED).read_text(encoding="utf-8"), "seeds/000.txt")
