"""Imported Threads -> thread files in `content/`: re-imports update, people's edits survive.

In: Threads from an importer, an output folder and a format (`md` or `json`).
Out: files written atomically (temporary file, then rename), one per thread, and a report per file.

- Threads of one run with the same origin and id (one Reddit thread from several pages: the full
  page, a "continue this thread" page, a comment-context page) are merged (`merge.py`).
- A thread already in the folder is found by its `<origin>-<id>-` name prefix, whatever its title slug
  or format: what the import brings is merged into it (`merge.py`: union by comment id, newer data
  wins, a stand-in post gives way to the real one), and the file is updated in place (a format change
  replaces it), never duplicated. Its `tags`, `summary`, `slug` and `draft` are people's edits and are
  kept over the import.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..load import escapes
from ..model import Thread
from ..thread_files import format_json, format_markdown
from .common import ancestors
from .merge import MergeReport, merge_all, merge_thread

HUMAN_FIELDS = ("tags", "summary", "slug", "draft")
"""Front-matter keys an importer never sets: whatever a person wrote there wins."""


@dataclass(slots=True)
class Written:
    """What happened to one thread."""

    path: Path
    """The file written."""
    status: str
    """`created`, `updated` or `unchanged`."""
    thread: Thread
    """The thread as written."""
    merge: MergeReport | None = None
    """What the import changed in the thread already in the folder (None: there was none, or unreadable)."""


def _prefix(thread: Thread) -> str:
    """`reddit-3hahrw-` of `reddit-3hahrw-ba-dum-tsss.md`: origin and id, the part that never changes."""
    stem = Path(thread.path).stem
    parts = stem.split("-", 2)
    return f"{parts[0]}-{parts[1]}-" if len(parts) >= 2 else stem


def _existing(out_dir: Path, thread: Thread, listed: _Listing | None = None) -> Path | None:
    prefix = _prefix(thread)
    if listed is None:
        candidates = list(out_dir.glob(prefix + "*"))
    else:  # the folder listed once (an import of thousands of threads globbed it once per thread)
        candidates = [out_dir / name for name in listed.get(prefix, ()) if name.startswith(prefix)]
    found = sorted(p for p in candidates if p.suffix in (".md", ".json") and p.is_file())
    found = [p for p in found if not (p.is_symlink() and escapes(p, out_dir))]  # never read through such a link
    return found[0] if found else None


_Listing = dict[str, set[str]]
"""Names of the files in an output folder by their `_prefix`, kept up to date as threads are written."""


def _list_folder(out_dir: Path) -> _Listing:
    listed: _Listing = {}
    with os.scandir(out_dir) as entries:
        for entry in entries:
            listed.setdefault(_prefix_of_name(entry.name), set()).add(entry.name)
    return listed


def _prefix_of_name(name: str) -> str:
    parts = Path(name).stem.split("-", 2)
    return f"{parts[0]}-{parts[1]}-" if len(parts) >= 2 else Path(name).stem


def read_human_fields(path: Path) -> dict[str, Any]:
    """`tags`, `summary`, `slug`, `draft` from an existing `.md` (front matter) or `.json` thread file."""
    text = path.read_text(encoding="utf-8")
    data: Any = None
    try:
        if path.suffix == ".json":
            data = json.loads(text)
        elif text.startswith("---"):
            end = text.find("\n---", 3)
            data = yaml.safe_load(text[3:end]) if end != -1 else None
    except (json.JSONDecodeError, yaml.YAMLError):
        return {}
    return {k: data[k] for k in HUMAN_FIELDS if isinstance(data, dict) and data.get(k) not in (None, "", [])}


def _apply_human_fields(thread: Thread, fields: dict[str, Any]) -> None:
    if "tags" in fields:
        tags = fields["tags"]
        thread.tags = [t.strip() for t in tags.split(",")] if isinstance(tags, str) else [str(t) for t in tags]
    if "summary" in fields:
        thread.summary = str(fields["summary"])
    if "slug" in fields:
        thread.slug = str(fields["slug"])
    if "draft" in fields:
        thread.draft = bool(fields["draft"])


def render_thread(thread: Thread, fmt: str) -> str:
    """The file text in `fmt` (`md` or `json`)."""
    return format_json(thread) if fmt == "json" else format_markdown(thread)


def read_thread_file(path: Path) -> Thread | None:
    """The thread in an earlier import's file, or None when it cannot be read (it is then replaced, as before)."""
    from ..diagnostics import SourceError
    from ..readers import parse_text

    try:
        return parse_text(path.name, path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, SourceError, ValueError, RecursionError):
        return None


_STAND_IN_COMMENT_ID = {"mail": "m{}", "mastodon": "{}"}
"""Origins whose thread id is the id its opening message has as a comment in another thread (mail: `m` + the
hash of the Message-ID both use; Mastodon: the status id)."""


def _link(thread: Thread, held: dict[tuple[str, str], Thread]) -> tuple[Thread, str | None] | None:
    """The thread a stand-in thread belongs to: the one holding its opening message as a comment (and that
    comment's id), or else the one holding the nearest recorded ancestor of one of its comments whose parent is
    absent (and None). Threads with a real post stay where they are."""
    origin = str(thread.extra.get("origin", ""))
    pattern = _STAND_IN_COMMENT_ID.get(origin)
    if pattern is None or thread.extra.get("missing_post") is not True:
        return None
    stand_in = pattern.format(thread.extra.get("origin_id"))
    host = held.get((origin, stand_in))
    if host is not None and host is not thread:
        return host, stand_in
    own = {c.id for c, _ in thread.walk()}
    for comment, _ in thread.walk():
        if "missing_parent" not in comment.extra:
            continue
        for ancestor in ancestors(comment):
            if ancestor in own:
                break  # placed in its own thread
            host = held.get((origin, ancestor))
            if host is not None and host is not thread:
                return host, None
    return None


def join_stand_ins(threads: list[Thread]) -> list[Thread]:
    """A thread whose post is a stand-in for a message that another thread holds as a comment (a discussion
    split over two months' mailboxes, whose second part answers a reply of the first), or whose orphaned
    comments have a recorded ancestor (`references`) that another thread holds, takes that thread's key and
    file name, and its answers to the stand-in post name it as `missing_parent`: `merge_all` / `merge_thread`
    then make them one thread, each comment under its nearest present ancestor. Returns `threads` (changed in
    place)."""
    held: dict[tuple[str, str], Thread] = {}
    for thread in threads:
        origin = str(thread.extra.get("origin", ""))
        if origin in _STAND_IN_COMMENT_ID:
            for comment, _ in thread.walk():
                held.setdefault((origin, comment.id), thread)
    host_of = {id(t): link for t in threads if (link := _link(t, held)) is not None}
    for thread in threads:
        root, seen = thread, {id(thread)}
        while id(root) in host_of and id(host_of[id(root)][0]) not in seen:  # a host may join another thread
            root = host_of[id(root)][0]
            seen.add(id(root))
        if root is thread:
            continue
        stand_in = host_of[id(thread)][1]
        if stand_in is not None:
            for comment in thread.comments:
                comment.extra.setdefault("missing_parent", stand_in)
        thread.extra["origin_id"] = root.extra.get("origin_id")
        thread.path = root.path
    return threads


_TOKEN = re.compile(r"[A-Za-z0-9_]+")


def _wanted_ids(threads: list[Thread]) -> dict[str, set[str]]:
    """Per joinable origin, the ids an earlier import's file must mention to be joined with `threads`: their
    comments, stand-in posts, absent parents and recorded ancestors."""
    wanted: dict[str, set[str]] = {}
    for thread in threads:
        origin = str(thread.extra.get("origin", ""))
        pattern = _STAND_IN_COMMENT_ID.get(origin)
        if pattern is None:
            continue
        ids = wanted.setdefault(origin, set())
        ids.add(pattern.format(thread.extra.get("origin_id")))
        for comment, _ in thread.walk():
            ids.add(comment.id)
            ids.update(ancestors(comment))
            if isinstance(comment.extra.get("missing_parent"), str):
                ids.add(comment.extra["missing_parent"])
        prefix = pattern.format("")
        if prefix:  # a thread file names its own stand-in post by the bare id (`origin_id: <hash>`)
            ids.update([i.removeprefix(prefix) for i in ids if i.startswith(prefix)])
    return wanted


def _related_files(out_dir: Path, threads: list[Thread], listed: _Listing) -> dict[Path, Thread]:
    """Earlier imports in `out_dir` that share a message with `threads` (mail, Mastodon): a thread split over two
    mailboxes imported in two runs is found by the ids the first run recorded. Each file of such an origin is
    scanned for the ids as words; only those that mention one are read as threads."""
    found: dict[Path, Thread] = {}
    for origin, ids in _wanted_ids(threads).items():
        names = sorted(n for prefix, group in listed.items() if prefix.startswith(origin + "-") for n in group)
        for name in names:
            path = out_dir / name
            if path.suffix not in (".md", ".json") or not path.is_file() or path.is_symlink():
                continue
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            if ids.isdisjoint(_TOKEN.findall(text)):
                continue
            known = read_thread_file(path)
            if known is not None and str(known.extra.get("origin", "")) == origin:
                found[path] = known
    return found


def write_threads(
    threads: list[Thread], out_dir: str | Path, fmt: str = "md", *, complete: bool = False
) -> list[Written]:
    """Write each thread into `out_dir` as `fmt`, merged into the file of an earlier import of it.

    An earlier import of another part of the same discussion (a stand-in thread from another month's mailbox)
    is found by the message ids it recorded, joined into the thread's file, and its own file removed.
    `complete`: the threads are whole fresh downloads (`digest refresh`): a comment on disk that they lack
    was deleted upstream (see `merge.merge_thread`)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    results: list[Written] = []
    listed = _list_folder(out)
    related = _related_files(out, threads, listed)
    join_stand_ins([*related.values(), *threads])
    absorbed: dict[str, list[tuple[Path, Thread]]] = {}  # files of the same discussion under another name
    for path, known_thread in related.items():
        if _prefix_of_name(path.name) != _prefix(known_thread):
            absorbed.setdefault(_prefix(known_thread), []).append((path, known_thread))
    incoming = merge_all(threads)
    prefixes = {_prefix(t) for t, _ in incoming}
    for prefix, files in absorbed.items():  # a stand-in on disk joined to another file on disk
        if prefix not in prefixes:
            incoming.append((files[0][1], MergeReport()))
            prefixes.add(prefix)
    for thread, _pages in incoming:
        target = out / (Path(thread.path).stem + "." + fmt)
        old = _existing(out, thread, listed)
        known: Thread | None = None
        if old is not None:
            known = related[old] if old in related else read_thread_file(old)
        gone: list[Path] = []
        for path, part in absorbed.get(_prefix(thread), []):
            gone.append(path)
            if part is not thread and path != old:  # another file of this discussion: its comments join
                known = part if known is None else merge_thread(known, part)[0]
        report: MergeReport | None = None
        if known is not None and known is not thread:
            thread, report = merge_thread(known, thread, complete=complete)
        if old is not None:
            _apply_human_fields(thread, read_human_fields(old))
            if old.suffix == "." + fmt:
                target = old  # keep the name (and so the URL) the thread was first published under
        thread.path = target.name
        text = render_thread(thread, fmt)
        if not gone and old is not None and old == target and old.read_text(encoding="utf-8") == text:
            results.append(Written(target, "unchanged", thread, report))
            continue
        _atomic_write(target, text)
        listed.setdefault(_prefix_of_name(target.name), set()).add(target.name)
        for path in [*gone, *([old] if old is not None else [])]:
            if path != target and path.exists():
                path.unlink()
                listed.get(_prefix_of_name(path.name), set()).discard(path.name)
        status = "updated" if old is not None or gone else "created"
        results.append(Written(target, status, thread, report))
    return results


def _atomic_write(target: Path, text: str) -> None:
    handle, temp = tempfile.mkstemp(dir=target.parent, prefix=".import-", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
