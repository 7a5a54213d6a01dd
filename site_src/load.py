"""[load] Find the thread files of a site and read them as text.

`discover()` lists thread files in a stable order; `read_source()` decodes one
file to text (UTF-8, a BOM dropped, CRLF and lone CR made LF; UTF-16 and UTF-32
with their byte-order mark) or raises `SourceError` naming the line where the
bytes stop being text. A symbolic link is read only when it stays inside the
content folder (`read_inside`, `escapes`: SECURITY.md §2).
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


Stamp = tuple[int, int, int, int]
"""(mtime_ns, size, ctime_ns, inode) of a thread file. The modification time and size alone miss a same-size
edit that keeps the old modification time (`cp -p`, `rsync -t`, `touch -r`, a checkout of a same-length
change: issue 20); the change time is set by the system on every write and every `utime`, and a file
replaced by another has another inode."""


def file_stamp(st: os.stat_result) -> Stamp:
    return (st.st_mtime_ns, st.st_size, st.st_ctime_ns, st.st_ino)


def discover(content_dir: Path, site_dir: Path) -> list[Path]:
    """Thread files under `content_dir`, sorted by relative path; names starting with `.` or `_` are skipped."""
    if not content_dir.is_dir():
        return []
    found: list[tuple[str, str]] = []
    shown = display_path(content_dir, site_dir)
    _walk(str(content_dir), "" if shown == "." else shown + "/", found)
    found.sort()
    return [Path(path) for _, path in found]


def _walk(folder: str, prefix: str, found: list[tuple[str, str]]) -> None:
    """Add (shown path, path) of each thread file under `folder` (as `os.walk`: symlinked folders not entered)."""
    try:
        with os.scandir(folder) as entries:
            listed = list(entries)
    except OSError:
        return  # an unreadable folder is skipped, as os.walk does
    for entry in listed:
        name = entry.name
        if name.startswith((".", "_")):
            continue
        if entry.is_dir():
            if not entry.is_symlink():
                _walk(entry.path, prefix + name + "/", found)
        elif name.lower().endswith(THREAD_SUFFIXES) and entry.is_file():
            found.append((prefix + name, entry.path))


def stamp_files(paths: list[Path]) -> dict[Path, Stamp]:
    """The stamp of each file that still exists (one `stat` each)."""
    stamps: dict[Path, Stamp] = {}
    for path in paths:
        try:
            st = os.stat(path)
        except OSError:
            continue
        stamps[path] = file_stamp(st)
    return stamps


def display_path(path: Path, site_dir: Path) -> str:
    """`content/x.md`: the path relative to the site folder when inside it."""
    try:
        return path.relative_to(site_dir).as_posix()
    except ValueError:
        return path.as_posix()


def decode_source(path: str, data: bytes) -> SourceText:
    """Bytes -> SourceText, or SourceError at the first undecodable byte."""
    wide = _wide_encoding(data)
    if wide is not None:
        return _decode_wide(path, data, wide)
    if b"\x00" in data[:8192]:
        raise SourceError(path, 0, "binary file (contains NUL bytes), not a thread", hint=_utf16_hint(data))
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


_WIDE_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
"""Byte-order marks of UTF-32 and UTF-16 (the UTF-32 little-endian one starts like UTF-16's: it comes first)."""


def _wide_encoding(data: bytes) -> str | None:
    """`utf-16` or `utf-32` when the file starts with that encoding's byte-order mark (Windows editors save so)."""
    return next((name for bom, name in _WIDE_BOMS if data.startswith(bom)), None)


def _decode_wide(path: str, data: bytes, encoding: str) -> SourceText:
    """A UTF-16 or UTF-32 file with its byte-order mark, read as text; undecodable bytes are an error naming
    the line."""
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].decode(encoding, "replace").count("\n") + 1
        raise SourceError(
            path,
            line,
            f"not valid {encoding.upper()} (the file starts with a {encoding.upper()} byte-order mark)",
            hint="save the file as UTF-8",
        ) from exc
    if "\x00" in text:
        raise SourceError(path, 0, "binary file (contains NUL characters), not a thread")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return SourceText(path, text)


def _utf16_hint(data: bytes) -> str:
    """For a file with NUL bytes: a hint when it looks like UTF-16 without a byte-order mark (ASCII text with a
    NUL beside every character)."""
    head = data[:4096]
    odd, even = head[1::2], head[0::2]
    for zeros, name in ((odd, "UTF-16LE"), (even, "UTF-16BE")):
        if len(zeros) >= 2 and zeros.count(0) >= 0.9 * len(zeros):
            return f"this looks like {name} text without a byte-order mark: save it as UTF-8 (iconv -f {name} -t UTF-8)"
    return ""


def read_source(path: Path, site_dir: Path, inside: Path | None = None) -> SourceText:
    """Read and decode one thread file; `inside`: the folder a symbolic link must stay in (`read_inside`)."""
    shown = display_path(path, site_dir)
    data = read_inside(path, inside, shown) if inside is not None else _read(path, shown)
    return decode_source(shown, data)


MAX_SOURCE_BYTES = 64 << 20
"""Largest thread file read (64 MiB; a 50 MB thread builds in about 550 MB). Parsing and rendering hold a file
many times over (a 40 MB one-line file peaked at 950 MB), so a bigger one is refused before a byte is read:
a 1 GB file would have stopped the machine, not just its own thread."""


def _read(path: Path, shown: str) -> bytes:
    """The file's bytes, or SourceError: it cannot be read, or holds more than `MAX_SOURCE_BYTES` (told by its
    size before reading, and again by reading one byte past the limit, for a file that grows meanwhile)."""
    try:
        with open(path, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            data = handle.read(MAX_SOURCE_BYTES + 1) if size <= MAX_SOURCE_BYTES else b""
    except OSError as exc:
        raise SourceError(shown, 0, f"cannot read: {exc.strerror}") from exc
    if size > MAX_SOURCE_BYTES or len(data) > MAX_SOURCE_BYTES:
        raise SourceError(
            shown,
            0,
            f"too large: {max(size, len(data)):,} bytes; a thread file may hold at most {MAX_SOURCE_BYTES:,}",
            hint="split the thread into files of its own, or import a large export with `digest import`",
        )
    return data


def read_inside(path: Path, root: Path, shown: str) -> bytes:
    """The bytes of `path`, a file `discover` found under `root` (which enters no linked folder); when it is a
    symbolic link that `escapes` `root` it is refused before a byte of its target is read: SourceError naming
    the link. One `lstat` for a file that is no link."""
    if os.path.islink(path) and escapes(path, root):
        raise SourceError(shown, 0, link_refused(display_path(root, root.parent) + "/"), hint=LINK_HINT)
    return _read(path, shown)


LINK_HINT = "copy the file into the folder instead of linking to it"


def link_refused(where: str) -> str:
    """The message for a symbolic link that `escapes` the folder `where` names."""
    return f"symbolic link to a file outside {where} (or to a hidden file): not followed"


FOLDER_LINK_REFUSED = "symbolic link to a folder outside the site folder (or to a hidden folder): not followed"
FOLDER_LINK_HINT = "copy the folder into the site folder instead of linking to it"


def linked_out(folder: Path, site_dir: Path) -> bool:
    """Whether a symbolic link (`folder` itself, or a folder above it inside the site) takes `folder` out of
    `site_dir` or into a hidden part of it (`escapes`). False when no link is on the way, or nothing is there."""
    if not os.path.lexists(folder):
        return False
    relative = os.path.relpath(os.path.abspath(folder), os.path.abspath(site_dir))
    unlinked = os.path.normpath(os.path.join(os.path.realpath(site_dir), relative))
    return os.path.realpath(folder) != unlinked and escapes(folder, site_dir)


def escapes(path: Path | str, root: Path | str) -> bool:
    """True when `path`, resolved (every symbolic link followed), is not a file inside `root` (resolved too)
    or lies in a hidden part of it (a name starting with `.`, such as `.git/`)."""
    relative = os.path.relpath(os.path.realpath(path), os.path.realpath(root))
    return any(part.startswith(".") for part in relative.split(os.sep))
