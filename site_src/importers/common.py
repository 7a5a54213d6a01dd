"""Helpers every importer shares: dates, titles, file names, reading (compressed) input, building trees.

In: raw values from a source (epoch seconds, ISO strings, flat (comment, parent id) lists, paths).
Out: UTC datetimes, slugs, `Thread.path` names, text streams, and comment trees without cycles.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import re
import unicodedata
from collections.abc import Iterable, Iterator
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

    A parent id of None means "answers the opening message". A parent that is not among the comments
    makes the comment top-level with `extra["missing_parent"]` naming it; a cycle is broken the same way.
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
            roots.append(comment)
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


def depth_of(comments: list[Comment]) -> int:
    """Deepest nesting (1 = top level, 0 = no comments), without recursion."""
    deepest = 0
    stack = [(c, 1) for c in comments]
    while stack:
        comment, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((reply, depth + 1) for reply in comment.replies)
    return deepest


def open_binary(path: str | Path) -> IO[bytes]:
    """A file for reading, decompressed on the fly by its suffix: `.gz`, `.bz2`, `.xz` (stdlib), `.zst` (zstandard)."""
    name = str(path)
    try:
        if name.endswith(".gz"):
            return gzip.open(name, "rb")  # type: ignore[return-value]
        if name.endswith(".bz2"):
            return bz2.open(name, "rb")
        if name.endswith((".xz", ".lzma")):
            return lzma.open(name, "rb")
        if name.endswith(".zst"):
            return _open_zstd(name)
        return open(name, "rb")
    except OSError as exc:
        raise ImportFailure(name, 0, f"cannot open: {exc.strerror or exc}") from exc


def _open_zstd(name: str) -> IO[bytes]:
    try:
        import zstandard  # type: ignore[import-not-found, unused-ignore]
    except ModuleNotFoundError as exc:
        raise ImportFailure(
            name, 0, "reading .zst needs the optional 'zstandard' package: pip install 'thread-digest[zstd]'"
        ) from exc
    raw = open(name, "rb")  # noqa: SIM115 - closed with the reader
    # Pushshift / Arctic Shift dumps are compressed with a 2 GiB window.
    reader = zstandard.ZstdDecompressor(max_window_size=2**31).stream_reader(raw, closefd=True)
    return io.BufferedReader(reader)  # type: ignore[arg-type, unused-ignore]


def read_text(path: str | Path) -> str:
    """The whole (decompressed) file as text: UTF-8, a BOM dropped; bad UTF-8 is an error naming the line."""
    with open_binary(path) as handle:
        data = handle.read()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ImportFailure(str(path), line, f"not UTF-8 text (byte {exc.start}: {exc.reason})") from exc


def iter_lines(path: str | Path, data: bytes | None = None) -> Iterator[tuple[int, bytes]]:
    """(line number, raw line) for a possibly compressed, possibly huge file, streaming; or for `data` if given."""
    with io.BytesIO(data) if data is not None else open_binary(path) as handle:
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
    from ..thread_files import FENCE

    base = root.rstrip("/")

    def absolute(match: re.Match[str]) -> str:
        text, path, title = match.group(1), match.group(2), match.group(3) or ""
        if not text.strip():
            text = title.strip()[1:-1] if title.strip() else path
        return f"[{text}]({base}{path}{title})"

    out: list[str] = []
    fence: str | None = None
    for line in markdown.split("\n"):
        found = FENCE.match(line)
        if found:
            mark = found.group(1)
            if fence is None:
                fence = mark
            elif mark[0] == fence[0] and len(mark) >= len(fence) and not line.strip()[len(mark) :].strip():
                fence = None
            out.append(line)
            continue
        if fence is not None or "](" not in line:
            out.append(line)
            continue
        pieces, position = [], 0
        for span in _CODE_SPAN.finditer(line):
            pieces.append(_SITE_LINK.sub(absolute, line[position : span.start()]))
            pieces.append(span.group(0))
            position = span.end()
        pieces.append(_SITE_LINK.sub(absolute, line[position:]))
        out.append("".join(pieces))
    return "\n".join(out)
