"""Helpers every importer shares: dates, titles, file names, reading (compressed) input, building trees.

In: raw values from a source (epoch seconds, ISO strings, flat (comment, parent id) lists, paths).
Out: UTC datetimes, slugs, `Thread.path` names, text streams, and comment trees without cycles.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
import re
import unicodedata
from collections.abc import Callable, Collection, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from ..model import Comment
from .errors import ImportFailure

_ISO_Z = re.compile(r"Z$")


def utc_from_epoch(value: Any) -> datetime | None:
    """Epoch seconds (int, float or numeric string, as dumps mix them) -> aware UTC datetime, whole seconds."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        seconds = int(float(value))
    except (TypeError, ValueError):
        return None
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def utc_from_iso(value: Any) -> datetime | None:
    """ISO 8601 with a zone (`...Z`, `...-05:00`, fractions) -> aware UTC datetime, whole seconds.

    A time without a zone is taken as UTC, which is what every source here means by it.
    """
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(_ISO_Z.sub("+00:00", value.strip()))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(microsecond=0)


def slugify(text: str, limit: int = 60) -> str:
    """Lower-case ASCII words joined by `-`, cut at a word boundary; `thread` when nothing is left."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    slug = ""
    for word in words:
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > limit:
            break
        slug = candidate
    return slug or (words[0][:limit] if words else "thread")


def thread_file_name(origin: str, origin_id: str, title: str, ext: str = "md") -> str:
    """`<origin>-<id>-<title slug>.<ext>`: the id makes re-imports find the file again when the title changed."""
    safe_id = re.sub(r"[^A-Za-z0-9_]+", "_", origin_id).strip("_") or "0"
    return f"{origin}-{safe_id}-{slugify(title)}.{ext}"


def title_from_text(text: str, limit: int = 80) -> str:
    """A title for a thread whose opening message has none (an HN comment, a toot): its first words."""
    words = " ".join(text.replace("\\", "").split())
    words = re.sub(r"[*_`#>\[\]]", "", words).strip()
    if len(words) <= limit:
        return words or "Untitled"
    cut = words[:limit].rsplit(" ", 1)[0]
    return cut + "…"


def build_tree(items: Iterable[tuple[Comment, str | None]]) -> list[Comment]:
    """Flat (comment, parent id) pairs -> top-level comments, each reply under its parent, source order kept.

    A parent id of None means "answers the opening message". A parent that is not among the comments is
    named by `extra["missing_parent"]`, and the comment goes under the nearest of its recorded ancestors
    that is present (`extra["references"]`, see `present_ancestor`), else to the top level; a cycle is
    broken the same way.
    """
    pairs = list(items)
    by_id = {comment.id: comment for comment, _ in pairs}
    parent_of: dict[str, str] = {}
    roots: list[Comment] = []
    for comment, parent in pairs:
        if parent is None:
            roots.append(comment)
        elif parent in by_id and parent != comment.id:
            parent_of[comment.id] = parent
        else:
            comment.extra["missing_parent"] = parent
            ancestor = present_ancestor(comment, by_id)
            if ancestor is None:
                roots.append(comment)
            else:
                parent_of[comment.id] = ancestor
    # Break cycles: follow each chain upwards; a chain that comes back to itself is cut at the first comment seen.
    state: dict[str, int] = {}  # 1 = on the current chain, 2 = known to reach a root
    for comment, _ in pairs:
        chain: list[str] = []
        node: str | None = comment.id
        while node is not None and state.get(node) is None:
            state[node] = 1
            chain.append(node)
            node = parent_of.get(node)
        if node is not None and state[node] == 1:  # came back to this chain: a cycle
            cut = node
            comment_cut = by_id[cut]
            comment_cut.extra["missing_parent"] = parent_of.pop(cut)
            roots.append(comment_cut)
        for name in chain:
            state[name] = 2
    for comment, _ in pairs:
        parent = parent_of.get(comment.id)
        if parent is not None:
            by_id[parent].replies.append(comment)
    order = {comment.id: index for index, (comment, _) in enumerate(pairs)}
    roots.sort(key=lambda c: order[c.id])
    return roots


REFERENCES = "references"
"""The `extra` key of a comment whose parent is absent: the ids of its ancestors as the source lists them
(mail: the hashed `References` chain), oldest first, space-separated, so a later import can place it."""


def ancestors(comment: Comment) -> list[str]:
    """The comment's recorded ancestor ids, nearest first (empty when none are recorded)."""
    recorded = comment.extra.get(REFERENCES)
    return list(reversed(recorded.split())) if isinstance(recorded, str) else []


def present_ancestor(comment: Comment, present: Collection[str]) -> str | None:
    """The nearest recorded ancestor of `comment` that is in `present` (never the comment itself)."""
    return next((a for a in ancestors(comment) if a in present and a != comment.id), None)


def depth_of(comments: list[Comment]) -> int:
    """Deepest nesting (1 = top level, 0 = no comments), without recursion."""
    deepest = 0
    stack = [(c, 1) for c in comments]
    while stack:
        comment, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((reply, depth + 1) for reply in comment.replies)
    return deepest


MAX_WHOLE = 1 << 30
"""Bytes a file read whole (`read_text`: the JSON of a Reddit page, HN, Discourse, Mastodon) may hold once
decompressed: past it the file is refused, never read on into memory."""
MAX_LINE = 64 << 20
"""Bytes one line of a streamed file (`iter_lines`: Reddit dumps, mbox) may hold: a longer one is refused
after reading that much, however long it goes on (a 4 GiB line without a newline)."""
_CHUNK = 1 << 20


def open_binary(path: str | Path, line_cap: int | None = None, data: bytes | None = None) -> IO[bytes]:
    """A file for reading, decompressed on the fly by its suffix: `.gz`, `.bz2`, `.xz` (stdlib), `.zst` (zstandard);
    or `data`, when given, as if read from `path`.

    Corrupt or truncated compressed data is an `ImportFailure` at the line it was reached, raised by the read
    that meets it (whatever the reader: `read_text`, `iter_lines`, an XML parser). `line_cap`: a line longer
    than this many bytes is an `ImportFailure` too, once that many bytes of it are read."""
    name = str(path)
    if data is not None:
        return io.BufferedReader(_Checked(name, io.BytesIO(data), line_cap), _CHUNK)
    opener = next((o for suffixes, o in _DECOMPRESSORS if name.endswith(suffixes)), None)
    try:
        if opener is None and line_cap is None:
            return open(name, "rb")
        inner = opener(name) if opener is not None else open(name, "rb")  # noqa: SIM115 - closed by the reader
    except OSError as exc:
        raise ImportFailure(name, 0, f"cannot open: {exc.strerror or exc}") from exc
    return io.BufferedReader(_Checked(name, inner, line_cap), _CHUNK)


class _Checked(io.RawIOBase):
    """The (decompressed) bytes of one input; any error of the decompressor, or a line longer than `line_cap`,
    becomes an `ImportFailure` naming the line. Reading is streamed: a line is never held whole to measure it."""

    def __init__(self, name: str, inner: Any, line_cap: int | None) -> None:
        super().__init__()
        self._name, self._inner, self._cap = name, inner, line_cap
        self._line = 1
        """The line the next byte belongs to."""
        self._run = 0
        """Bytes read of that line so far."""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        try:
            data = self._inner.read(len(buffer))
        except ImportFailure:
            raise
        except Exception as exc:  # EOFError, BadGzipFile, LZMAError, ZstdError, OSError...: what the library says
            where = "ends early" if isinstance(exc, EOFError) else "is corrupt"
            raise ImportFailure(self._name, self._line, f"compressed data {where} ({_describe(exc)})") from exc
        size = len(data)
        buffer[:size] = data
        if self._cap is not None:
            self._check_lines(data)
        last = data.rfind(b"\n")
        if last < 0:
            self._run += size
        else:
            self._line += data.count(b"\n")
            self._run = size - last - 1
        return size

    def _check_lines(self, data: bytes) -> None:
        """Refuse `data` when a line it ends or continues is longer than the cap: the line the chunk goes on
        with, and (only for a chunk longer than the cap) each line inside it."""
        assert self._cap is not None
        start, line, run = 0, self._line, self._run
        while True:
            end = data.find(b"\n", start)
            length = run + ((end if end >= 0 else len(data)) - start)
            if length > self._cap:
                message = f"line longer than {self._cap:,} bytes: not a line of an export"
                raise ImportFailure(self._name, line, message)
            if end < 0 or len(data) - end - 1 <= self._cap:
                return  # no later line in this chunk can be too long yet
            start, line, run = end + 1, line + 1, 0

    def close(self) -> None:
        if not self.closed:
            self._inner.close()
        super().close()


def _describe(exc: BaseException) -> str:
    text = " ".join(str(exc).split())[:160]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _open_zstd(name: str) -> _ZstdFrames:
    try:
        import zstandard  # type: ignore[import-not-found, unused-ignore]
    except ModuleNotFoundError as exc:
        raise ImportFailure(
            name, 0, "reading .zst needs the optional 'zstandard' package: pip install 'thread-digest[zstd]'"
        ) from exc
    # Pushshift / Arctic Shift dumps are compressed with a 2 GiB window.
    return _ZstdFrames(open(name, "rb"), zstandard.ZstdDecompressor(max_window_size=2**31))


class _ZstdFrames:
    """The frames of a .zst file, decompressed one small input chunk at a time (so one call never makes more
    than about 128 MiB, however hostile the frame); a file that ends inside a frame is an `EOFError`, as the
    stdlib decompressors say it (zstandard's own stream reader returns the part it has, silently)."""

    _INPUT = 4096

    def __init__(self, raw: IO[bytes], context: Any) -> None:
        self._raw, self._context = raw, context
        self._frame = context.decompressobj()
        self._fed = False
        self._pending = b""
        self._taken = 0
        """Bytes of `_pending` already read (slicing it afresh on every read would copy it again each time)."""

    def read(self, size: int) -> bytes:
        while self._taken >= len(self._pending):
            chunk = self._raw.read(self._INPUT)
            if not chunk:
                if self._fed and not self._frame.eof:
                    raise EOFError("compressed file ended before the end of its last frame")
                return b""
            self._pending, self._taken = self._feed(chunk), 0
        start = self._taken
        self._taken = min(len(self._pending), start + size)
        return self._pending[start : self._taken]

    def _feed(self, chunk: bytes) -> bytes:
        out = []
        while chunk:
            if self._frame.eof:
                self._frame, self._fed = self._context.decompressobj(), False
            self._fed = True
            out.append(self._frame.decompress(chunk))
            chunk = self._frame.unused_data if self._frame.eof else b""
        return b"".join(out)

    def close(self) -> None:
        self._raw.close()


_DECOMPRESSORS: list[tuple[tuple[str, ...], Callable[[str], Any]]] = [
    ((".gz",), gzip.GzipFile),
    ((".bz2",), bz2.BZ2File),
    ((".xz", ".lzma"), lzma.LZMAFile),
    ((".zst",), _open_zstd),
]


def zstd_claimed_size(path: str | Path) -> int | None:
    """The decompressed size the first frame of a .zst file says it has (None when it says none)."""
    try:
        import zstandard
    except ModuleNotFoundError:
        return None
    with open(path, "rb") as handle:
        head = handle.read(18)
    try:
        size = zstandard.get_frame_parameters(head).content_size
    except zstandard.ZstdError:
        return None
    return size if 0 <= size < 2**63 - 1 else None


def read_bytes(path: str | Path) -> bytes:
    """`read_text` as UTF-8 bytes (for JSON parsers that take bytes): the same checks, caps and errors."""
    return read_text(path).encode("utf-8")


def read_text(path: str | Path) -> str:
    """The whole (decompressed) file as text: UTF-8, a BOM dropped; bad UTF-8 is an error naming the line; a
    file larger than `MAX_WHOLE` (or a .zst that says it is) is refused before it is read on."""
    if str(path).endswith(".zst"):
        claimed = zstd_claimed_size(path) if os.path.isfile(path) else None
        if claimed is not None and claimed > MAX_WHOLE:
            raise ImportFailure(str(path), 0, f"says it holds {claimed:,} bytes once decompressed: {_too_large()}")
    chunks: list[bytes] = []
    total = 0
    with open_binary(path) as handle:
        while chunk := handle.read(_CHUNK):
            total += len(chunk)
            if total > MAX_WHOLE:
                raise ImportFailure(str(path), 0, f"more than {MAX_WHOLE:,} bytes once decompressed: {_too_large()}")
            chunks.append(chunk)
    data = b"".join(chunks)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ImportFailure(str(path), line, f"not UTF-8 text (byte {exc.start}: {exc.reason})") from exc


def _too_large() -> str:
    return f"more than the {MAX_WHOLE:,} bytes a file read whole may hold (split the export)"


def iter_lines(path: str | Path, data: bytes | None = None) -> Iterator[tuple[int, bytes]]:
    """(line number, raw line) for a possibly compressed, possibly huge file, streaming; or for `data` if given.

    A line longer than `MAX_LINE` is an `ImportFailure` at its number, after reading no more than that."""
    with open_binary(path, MAX_LINE, data) as handle:
        yield from enumerate(handle, 1)


_SITE_LINK = re.compile(r'\[((?:[^\[\]\\]|\\.)*)\]\(\s*(/(?!/)[^\s()<>]*)(\s+"(?:[^"\\]|\\.)*")?\s*\)')
"""A Markdown link whose target is site-relative: `[text](/r/x)`, `[](/emote "title")`."""
_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1")


def resolve_site_links(markdown: str, root: str) -> str:
    """Site-relative Markdown link targets (`/r/x`, `/u/x`) made absolute on `root` (`https://www.reddit.com`),
    outside code; a link without text (a Reddit emote, `[](/b32 "title")`) gets its title or path as text so
    it is not an empty, invisible link."""
    if "](/" not in markdown and "]( /" not in markdown:
        return markdown
    base = root.rstrip("/")

    def absolute(match: re.Match[str]) -> str:
        text, path, title = match.group(1), match.group(2), match.group(3) or ""
        if not text.strip():
            text = title.strip()[1:-1] if title.strip() else path
        return f"[{text}]({base}{path}{title})"

    def line_links(line: str) -> str:
        if "](" not in line:
            return line
        pieces, position = [], 0
        for span in _CODE_SPAN.finditer(line):
            pieces.append(_SITE_LINK.sub(absolute, line[position : span.start()]))
            pieces.append(span.group(0))
            position = span.end()
        pieces.append(_SITE_LINK.sub(absolute, line[position:]))
        return "".join(pieces)

    return map_text_lines(markdown, line_links)


_SPOILER_QUOTE = re.compile(r"^((?: {0,3}>)* {0,3})>!(?=.*!<)")
"""Reddit's inline spoiler `>!text!<` at the start of a line (or of a quote's line), where Markdown reads a quote."""


_COLON_FENCE = re.compile(r"^( {0,3})(?=:{3,})")


def spoilers_at_line_start(markdown: str) -> str:
    """Reddit's `>!text!<` at the start of a line written `\\>!text!<`, outside code, so it stays the inline
    spoiler the renderer hides (`site_src/spoilers.py`) instead of becoming a quote; a line that starts with
    `:::` (no syntax on Reddit) escaped so it never opens a spoiler block."""
    if ">!" not in markdown and ":::" not in markdown:
        return markdown
    return map_text_lines(markdown, lambda line: _COLON_FENCE.sub(r"\1\\", _SPOILER_QUOTE.sub(r"\1\\>!", line)))


def map_text_lines(markdown: str, change: Callable[[str], str]) -> str:
    """`change` applied to each line of `markdown` outside fenced code blocks."""
    from ..thread_files import fence_step

    out: list[str] = []
    fence: str | None = None
    for line in markdown.split("\n"):
        fence, is_fence = fence_step(line, fence)
        out.append(line if is_fence or fence is not None else change(line))
    return "\n".join(out)
