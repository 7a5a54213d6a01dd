"""[load] Find the thread files of a site and read them as text.

`discover()` lists thread files in a stable order; `read_source()` decodes one
file to text (UTF-8, a BOM dropped, CRLF and lone CR made LF) or raises
`SourceError` naming the line where the bytes stop being text.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .diagnostics import SourceError

THREAD_SUFFIXES = (".txt", ".md", ".json", ".ndjson", ".jsonl", ".mbox", ".xml")
"""File endings read from `content/`: thread files, and raw exports (see readers.parse_file)."""


@dataclass(frozen=True, slots=True)
class SourceText:
    """One thread file's text."""

    path: str
    """Relative to the site folder, with `/` separators (what diagnostics print)."""
    text: str
    """Decoded, with `\\n` line endings."""


def discover(content_dir: Path, site_dir: Path) -> list[Path]:
    """Thread files under `content_dir`, sorted by relative path; names starting with `.` or `_` are skipped."""
    if not content_dir.is_dir():
        return []
    found: list[tuple[str, str]] = []
    for folder, dirs, files in os.walk(content_dir):
        dirs[:] = [d for d in dirs if not d.startswith((".", "_"))]
        shown = display_path(Path(folder), site_dir)
        prefix = "" if shown == "." else shown + "/"
        for name in files:
            if name.startswith((".", "_")) or not name.lower().endswith(THREAD_SUFFIXES):
                continue
            path = os.path.join(folder, name)
            if os.path.isfile(path):
                found.append((prefix + name, path))
    found.sort()
    return [Path(path) for _, path in found]


def display_path(path: Path, site_dir: Path) -> str:
    """`content/x.md`: the path relative to the site folder when inside it."""
    try:
        return path.relative_to(site_dir).as_posix()
    except ValueError:
        return path.as_posix()


def decode_source(path: str, data: bytes) -> SourceText:
    """Bytes -> SourceText, or SourceError at the first undecodable byte."""
    if b"\x00" in data[:8192]:
        raise SourceError(path, 0, "binary file (contains NUL bytes), not a thread")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        offset = exc.start + (3 if data.startswith(b"\xef\xbb\xbf") else 0)
        line = data.count(b"\n", 0, offset) + 1
        raise SourceError(
            path,
            line,
            f"not valid UTF-8 (byte 0x{data[offset]:02x} at offset {offset})",
            hint="save the file as UTF-8",
        ) from exc
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return SourceText(path, text)


def read_source(path: Path, site_dir: Path) -> SourceText:
    """Read and decode one thread file."""
    shown = display_path(path, site_dir)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceError(shown, 0, f"cannot read: {exc.strerror}") from exc
    return decode_source(shown, data)
