"""[parse] Thread file text -> `Thread`, one reader per format.

Readers are pure: text in, model out, no disk. Each raises `SourceError` for a
file it cannot read and appends warnings to the list it is given.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import PurePosixPath

from ..diagnostics import Problem, SourceError
from ..load import SourceText
from ..model import Thread
from . import json_thread, markdown_thread, text_digest
from .fields import clean_thread

Reader = Callable[[SourceText, list[Problem]], Thread]

READERS: dict[str, Reader] = {
    ".txt": text_digest.parse,
    ".md": markdown_thread.parse,
    ".json": json_thread.parse,
}


def parse_source(source: SourceText, warnings: list[Problem]) -> Thread:
    """Choose the reader by file ending and parse."""
    suffix = PurePosixPath(source.path).suffix.lower()
    reader = READERS.get(suffix)
    if reader is None:
        raise SourceError(source.path, 0, f"no reader for '{suffix}' files (known: {', '.join(READERS)})")
    return clean_thread(reader(source, warnings))


EXPORT_SUFFIXES = (".ndjson", ".jsonl", ".mbox", ".xml")
"""Raw exports read straight from `content/` (besides `.json` ones, recognised by shape)."""


def parse_file(source: SourceText, warnings: list[Problem]) -> list[Thread]:
    """The threads of one file: a native thread file gives one; a raw export (Reddit page, mbox...) may give many."""
    # imported here: the importers read thread files (re-import) through this package
    from ..importers.detect import threads_from_export
    from ..importers.errors import ImportFailure

    suffix = PurePosixPath(source.path).suffix.lower()
    if suffix in (".txt", ".md") or (suffix == ".json" and _detect(source) is None):
        return [parse_source(source, warnings)]
    try:
        return [clean_thread(thread) for thread in threads_from_export(source.path, source.text)]
    except ImportFailure as exc:
        raise SourceError(exc.path, exc.line, exc.message) from exc
    except (ValueError, RecursionError) as exc:  # json.loads on a 5,000-digit number or 1,000-deep nesting
        raise SourceError(source.path, 0, f"cannot read this export: {exc}".split(";")[0][:200]) from exc


def _detect(source: SourceText) -> str | None:
    """Which export a `.json` file is, or None for a thread file (also when too deep or odd for json.loads:
    the thread reader then reads it with its own parser or reports the problem with a line)."""
    from ..importers.detect import detect_source

    try:
        return detect_source(source.path, source.text)
    except (ValueError, RecursionError):
        return None


def parse_text(path: str, text: str) -> Thread:
    """Parse one file's text, ignoring warnings (for tests and tools)."""
    return parse_source(SourceText(path, text), [])
