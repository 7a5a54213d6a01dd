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
    return reader(source, warnings)


EXPORT_SUFFIXES = (".ndjson", ".jsonl", ".mbox", ".xml")
"""Raw exports read straight from `content/` (besides `.json` ones, recognised by shape)."""


def parse_file(source: SourceText, warnings: list[Problem]) -> list[Thread]:
    """The threads of one file: a native thread file gives one; a raw export (Reddit page, mbox...) may give many."""
    # imported here: the importers read thread files (re-import) through this package
    from ..importers.detect import detect_source, threads_from_export
    from ..importers.errors import ImportFailure

    suffix = PurePosixPath(source.path).suffix.lower()
    if suffix in (".txt", ".md") or (suffix == ".json" and detect_source(source.path, source.text) is None):
        return [parse_source(source, warnings)]
    try:
        return threads_from_export(source.path, source.text)
    except ImportFailure as exc:
        raise SourceError(exc.path, exc.line, exc.message) from exc


def parse_text(path: str, text: str) -> Thread:
    """Parse one file's text, ignoring warnings (for tests and tools)."""
    return parse_source(SourceText(path, text), [])
