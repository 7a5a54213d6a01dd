"""Pushshift / Arctic Shift NDJSON dumps (submissions and comments, one object a line) -> Threads.

In: one or more paths (plain, `.gz`, `.bz2`, `.xz`, or `.zst` with the optional `zstandard` package),
read line by line, never whole. Submissions and comments may be in the same file or in separate ones.
Out: one Thread per `link_id`, comments under the comment they answer (`parent_id`).

Memory: a line is dropped as soon as a filter rejects it (`--subreddit`, `--since`); what is kept is a
compact record per comment of the threads that will be written. `--min-comments` needs the counts
first, so it makes a cheap counting pass over the input and keeps only the threads that pass.
Threads are complete only at the end of the input (a dump is sorted by time, and a reply may come
years later), so they are yielded after the last line.

Oddities handled: `created_utc` as int, float or string; `parent_id` as `t1_…`/`t3_…`, as an integer
(Dec 2022 API: base 10 of the base-36 id) or null (top level); duplicate lines of a submission or comment
(the first copy is kept, unless a later one says more: its text or author where the first's was
`[deleted]`/`[removed]`); legacy `&amp;` `&lt;` `&gt;` escaping in bodies.
A line that is not JSON or not an object is a warning and skipped; the rest is imported.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..model import Comment, Thread
from .common import build_tree, iter_lines, thread_file_name, utc_from_epoch
from .errors import ImportWarning_
from .reddit import GONE, REDDIT, comment_from_data, thread_from_submission

_B36 = "0123456789abcdefghijklmnopqrstuvwxyz"


def base36(number: int) -> str:
    """Reddit ids are base 36; the Dec 2022 Pushshift API sent parents as base-10 integers."""
    if number <= 0:
        return "0"
    digits = []
    while number:
        number, rest = divmod(number, 36)
        digits.append(_B36[rest])
    return "".join(reversed(digits))


@dataclass(slots=True)
class DumpFilter:
    """Which threads to keep."""

    subreddits: set[str] = field(default_factory=set)
    """Lower-case subreddit names; empty keeps all."""
    since: datetime | None = None
    """Drop submissions and comments created before this instant."""
    min_comments: int = 0
    """Write only threads with at least this many comments in the input."""


@dataclass(slots=True)
class _Pending:
    """What is kept of one thread until the input ends."""

    submission: Thread | None = None
    comments: dict[str, tuple[Comment, str | None]] = field(default_factory=dict)
    subreddit: str = ""
    permalink_slug: str = ""


def _link_id(data: dict[str, Any]) -> str | None:
    link = data.get("link_id")
    if isinstance(link, str) and link:
        return link.removeprefix("t3_")
    return None


def _parent(data: dict[str, Any], link: str) -> str | None:
    """The id of the comment this one answers, or None when it answers the submission."""
    parent = data.get("parent_id")
    if parent is None or parent == "":
        return None
    if isinstance(parent, int) and not isinstance(parent, bool):
        return base36(parent)
    text = str(parent)
    if text.startswith("t3_") or text == link:
        return None
    return text.removeprefix("t1_")


def _records(
    paths: Iterable[str], warn: Callable[[ImportWarning_], None], keep: DumpFilter, data: dict[str, bytes]
) -> Iterator[tuple[dict[str, Any], str]]:
    """Every object line that passes the subreddit and date filters, with the file it came from."""
    for path in paths:
        for number, raw in iter_lines(path, data.get(path)):
            if not raw.strip():
                continue
            try:
                data = json.loads(raw)
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                reason = exc.msg if isinstance(exc, json.JSONDecodeError) else "not UTF-8"
                warn(ImportWarning_(path, number, f"line skipped: not valid JSON ({reason})"))
                continue
            if not isinstance(data, dict) or not data.get("id"):
                warn(ImportWarning_(path, number, "line skipped: expected an object with an 'id'"))
                continue
            if keep.subreddits and str(data.get("subreddit", "")).lower() not in keep.subreddits:
                continue
            if keep.since is not None:
                created = utc_from_epoch(data.get("created_utc"))
                if created is None or created < keep.since:
                    continue
            yield data, path


def _is_submission(data: dict[str, Any]) -> bool:
    return "title" in data and "body" not in data


def parse_reddit_dump(
    paths: list[str],
    keep: DumpFilter | None = None,
    warn: Callable[[ImportWarning_], None] | None = None,
    texts: dict[str, bytes] | None = None,
) -> Iterator[Thread]:
    """Stream the dump files in `paths` (or their bytes in `texts`); yield the assembled threads after the last line."""
    given = texts or {}
    keep = keep or DumpFilter()
    warnings: Callable[[ImportWarning_], None] = warn or (lambda _w: None)
    wanted: set[str] | None = None
    if keep.min_comments > 0:
        counts: dict[str, int] = {}
        for data, _path in _records(paths, lambda _w: None, keep, given):
            link = _link_id(data)
            if link and not _is_submission(data):
                counts[link] = counts.get(link, 0) + 1
        wanted = {link for link, n in counts.items() if n >= keep.min_comments}
        del counts
    pending: dict[str, _Pending] = {}
    for data, _path in _records(paths, warnings, keep, given):
        if _is_submission(data):
            link = str(data["id"])
            if wanted is not None and link not in wanted:
                continue
            entry = pending.setdefault(link, _Pending())
            submission = thread_from_submission(data, escaped=True)
            if entry.submission is None or _fuller(submission, entry.submission):
                entry.submission = submission
            continue
        maybe_link = _link_id(data)
        if maybe_link is None or (wanted is not None and maybe_link not in wanted):
            continue
        entry = pending.setdefault(maybe_link, _Pending())
        comment = comment_from_data(data, escaped=True)
        old = entry.comments.get(comment.id)
        if old is not None and not _fuller(comment, old[0]):
            continue
        entry.comments[comment.id] = (comment, _parent(data, maybe_link))
        if not entry.subreddit and isinstance(data.get("subreddit"), str):
            entry.subreddit = data["subreddit"]
        permalink = data.get("permalink")
        if not entry.permalink_slug and isinstance(permalink, str):
            parts = permalink.strip("/").split("/")
            entry.permalink_slug = parts[4] if len(parts) > 4 else ""
    for link, entry in pending.items():
        if len(entry.comments) >= keep.min_comments:  # the first pass counted duplicate lines too
            yield _assemble(link, entry)


def _fuller(new: Comment | Thread, old: Comment | Thread) -> bool:
    """Whether a later copy of a line says more than the one kept: its text where the kept one was taken down
    (`[deleted]`/`[removed]`), else its author where the kept one's account was gone (dumps scraped twice,
    Pushshift's and Arctic Shift's copies of one month together)."""

    def said(item: Comment | Thread) -> tuple[bool, bool]:
        return item.body not in GONE, item.author is not None

    return said(new) > said(old)


def _assemble(link: str, entry: _Pending) -> Thread:
    thread = entry.submission
    if thread is None:
        # The submission is not in the input: a stand-in post, titled from the comments' permalink slug.
        title = entry.permalink_slug.replace("_", " ").strip().capitalize() or f"Reddit thread {link}"
        thread = Thread(
            title=title,
            path=thread_file_name("reddit", link, title),
            source=f"{REDDIT}/r/{entry.subreddit}/comments/{link}/" if entry.subreddit else None,
        )
        thread.extra.update({"origin": "reddit", "origin_id": link, "missing_post": True})
        if entry.subreddit:
            thread.extra["subreddit"] = entry.subreddit
    ordered = sorted(entry.comments.values(), key=lambda pair: (pair[0].date is None, pair[0].date, pair[0].id))
    thread.comments = build_tree(ordered)
    return thread
