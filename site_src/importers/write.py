"""Imported Threads -> thread files in `content/`: re-imports update, people's edits survive.

In: Threads from an importer, an output folder and a format (`md` or `json`).
Out: files written atomically (temporary file, then rename), one per thread, and a report per file.

- Threads of one run with the same origin and id (one Reddit thread from several pages: the full
  page, a "continue this thread" page, a comment-context page) are merged: comments are united by id,
  and a comment that answers one not on its own page is put under it once the other page brings it.
- A thread already in the folder is found by its `<origin>-<id>-` name prefix, whatever its title slug
  or format: that file is updated in place (a format change replaces it), never duplicated. Its
  `tags`, `summary`, `slug` and `draft` are people's edits and are kept over the import.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..model import Comment, Thread
from ..thread_files import format_json, format_markdown

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


def merge_threads(base: Thread, other: Thread) -> Thread:
    """Unite `other` into `base` (in place): base's fields win, other's comments that base lacks are added."""
    index: dict[str, Comment] = {c.id: c for c, _ in base.walk()}
    for comment, _ in other.walk():
        if comment.id in index:
            known = index[comment.id]
            for key in ("more_replies", "more_url"):
                if key in comment.extra and key not in known.extra:
                    known.extra[key] = comment.extra[key]
    # Add missing subtrees: walk other's tree, attaching each new comment under its parent (if known).
    stack: list[tuple[Comment, str | None]] = [(c, None) for c in reversed(other.comments)]
    while stack:
        comment, parent = stack.pop()
        if comment.id not in index:
            copy = Comment(comment.body, comment.id, comment.author, comment.date, comment.score, [], comment.line)
            copy.extra = dict(comment.extra)
            target = parent or copy.extra.get("missing_parent")
            if isinstance(target, str) and target in index:
                copy.extra.pop("missing_parent", None)
                index[target].replies.append(copy)
            else:
                base.comments.append(copy)
            index[copy.id] = copy
        stack.extend((reply, comment.id) for reply in reversed(comment.replies))
    # A top-level comment of base that answers a comment other brought in moves under it.
    for comment in list(base.comments):
        target = comment.extra.get("missing_parent")
        if isinstance(target, str) and target in index and not _contains(comment, target):
            base.comments.remove(comment)
            comment.extra.pop("missing_parent", None)
            index[target].replies.append(comment)
    for key, value in other.extra.items():
        base.extra.setdefault(key, value)
    return base


def _contains(root: Comment, comment_id: str) -> bool:
    """Whether `comment_id` is `root` or under it (moving root under it would make a cycle)."""
    stack = [root]
    while stack:
        node = stack.pop()
        if node.id == comment_id:
            return True
        stack.extend(node.replies)
    return False


def merge_same_origin(threads: list[Thread]) -> list[Thread]:
    """Merge threads of one run that share origin and id; the first one seen is the base."""
    by_key: dict[tuple[str, str], Thread] = {}
    out: list[Thread] = []
    for thread in threads:
        key = (str(thread.extra.get("origin", "")), str(thread.extra.get("origin_id", thread.path)))
        if key in by_key:
            merge_threads(by_key[key], thread)
        else:
            by_key[key] = thread
            out.append(thread)
    return out


def _prefix(thread: Thread) -> str:
    """`reddit-3hahrw-` of `reddit-3hahrw-ba-dum-tsss.md`: origin and id, the part that never changes."""
    stem = Path(thread.path).stem
    parts = stem.split("-", 2)
    return f"{parts[0]}-{parts[1]}-" if len(parts) >= 2 else stem


def _existing(out_dir: Path, thread: Thread) -> Path | None:
    prefix = _prefix(thread)
    found = sorted(p for p in out_dir.glob(prefix + "*") if p.suffix in (".md", ".json") and p.is_file())
    return found[0] if found else None


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


def write_threads(threads: list[Thread], out_dir: str | Path, fmt: str = "md") -> list[Written]:
    """Write each thread into `out_dir` as `fmt`, updating the file of an earlier import of it."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    results: list[Written] = []
    for thread in merge_same_origin(threads):
        target = out / (Path(thread.path).stem + "." + fmt)
        old = _existing(out, thread)
        if old is not None:
            _apply_human_fields(thread, read_human_fields(old))
            if old.suffix == "." + fmt:
                target = old  # keep the name (and so the URL) the thread was first published under
        thread.path = target.name
        text = render_thread(thread, fmt)
        if old is not None and old == target and old.read_text(encoding="utf-8") == text:
            results.append(Written(target, "unchanged", thread))
            continue
        _atomic_write(target, text)
        if old is not None and old != target:
            old.unlink()
        results.append(Written(target, "updated" if old is not None else "created", thread))
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
