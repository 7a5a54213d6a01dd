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
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..load import escapes
from ..model import Thread
from ..thread_files import format_json, format_markdown
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


def join_stand_ins(threads: list[Thread]) -> list[Thread]:
    """A thread whose post is a stand-in for a message that another thread of the run holds as a comment (a
    discussion split over two months' mailboxes, whose second part answers a reply of the first) takes that
    thread's key and file name, and its answers to the stand-in post name it as `missing_parent`: `merge_all`
    then makes them one thread, those answers under that comment. Returns `threads` (changed in place)."""
    owners: dict[tuple[str, str], Thread] = {}
    for thread in threads:
        origin = str(thread.extra.get("origin", ""))
        if origin in _STAND_IN_COMMENT_ID:
            for comment, _ in thread.walk():
                owners.setdefault((origin, comment.id), thread)
    host_of: dict[int, tuple[Thread, str]] = {}
    for thread in threads:
        origin = str(thread.extra.get("origin", ""))
        pattern = _STAND_IN_COMMENT_ID.get(origin)
        if pattern is not None and thread.extra.get("missing_post") is True:
            stand_in = pattern.format(thread.extra.get("origin_id"))
            host = owners.get((origin, stand_in))
            if host is not None and host is not thread:
                host_of[id(thread)] = (host, stand_in)
    roots: dict[int, Thread] = {}
    for thread in threads:
        root, seen = thread, {id(thread)}
        while id(root) in host_of and id(host_of[id(root)][0]) not in seen:  # a host may join another thread
            root = host_of[id(root)][0]
            seen.add(id(root))
        roots[id(thread)] = root
    for thread in threads:
        root = roots[id(thread)]
        if root is thread:
            continue
        for comment in thread.comments:
            comment.extra.setdefault("missing_parent", host_of[id(thread)][1])
        thread.extra["origin_id"] = root.extra.get("origin_id")
        thread.path = root.path
    return threads


def write_threads(
    threads: list[Thread], out_dir: str | Path, fmt: str = "md", *, complete: bool = False
) -> list[Written]:
    """Write each thread into `out_dir` as `fmt`, merged into the file of an earlier import of it.

    `complete`: the threads are whole fresh downloads (`digest refresh`): a comment on disk that they lack
    was deleted upstream (see `merge.merge_thread`)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    results: list[Written] = []
    listed = _list_folder(out)
    for thread, _pages in merge_all(join_stand_ins(threads)):
        target = out / (Path(thread.path).stem + "." + fmt)
        old = _existing(out, thread, listed)
        report: MergeReport | None = None
        if old is not None:
            known = read_thread_file(old)
            if known is not None:
                thread, report = merge_thread(known, thread, complete=complete)
            _apply_human_fields(thread, read_human_fields(old))
            if old.suffix == "." + fmt:
                target = old  # keep the name (and so the URL) the thread was first published under
        thread.path = target.name
        text = render_thread(thread, fmt)
        if old is not None and old == target and old.read_text(encoding="utf-8") == text:
            results.append(Written(target, "unchanged", thread, report))
            continue
        _atomic_write(target, text)
        listed.setdefault(_prefix_of_name(target.name), set()).add(target.name)
        if old is not None and old != target:
            old.unlink()
            listed.get(_prefix_of_name(old.name), set()).discard(old.name)
        results.append(Written(target, "updated" if old is not None else "created", thread, report))
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
