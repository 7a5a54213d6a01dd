"""The in-memory model every stage after parsing works on.

All three thread formats become a `Thread` with a tree of `Comment`s; later
stages never know which format a thread came from. Text fields hold the
untrusted Markdown source exactly as the file gave it; turning it into HTML
is the renderer's job (`markup.py`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any


class MonthDate(date):
    """A date known only to its month (a URL's `/2025/07/`, a `date: 2025-07`): the first of that month, which
    sorts and compares as a `date`, but writes itself as `2025-07` and is shown as `July 2025`, so no day is
    invented. `MonthDate.of(2025, 7)` makes one; arithmetic on it gives plain dates."""

    __slots__ = ()

    @classmethod
    def of(cls, year: int, month: int) -> MonthDate:
        return cls(year, month, 1)

    def isoformat(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    __str__ = isoformat

    def __repr__(self) -> str:
        return f"MonthDate.of({self.year}, {self.month})"


Moment = date | datetime
"""A day, or an instant (a `datetime` is always timezone-aware); a `MonthDate` is a day known only to its month."""


@dataclass(slots=True)
class Comment:
    """One comment; `replies` holds the comments that answer it."""

    body: str
    """Markdown source, untrusted."""
    id: str = ""
    """Unique in its thread; parsers give `c1`, `c2`, ... in reading order when the source has none."""
    author: str | None = None
    """Who wrote it, as the source names them."""
    date: Moment | None = None
    """When it was written."""
    score: int | None = None
    """Votes or points, where the source has them."""
    replies: list[Comment] = field(default_factory=list)
    """Direct answers, in source order."""
    line: int = 0
    """Line of the source file where the comment starts (1-based, 0 when unknown)."""
    extra: dict[str, Any] = field(default_factory=dict)
    """Keys the format does not define (flair, edited, more_replies, ...), passed to templates."""


@dataclass(slots=True)
class Thread:
    """One discussion: the post and its comment tree."""

    title: str
    """Plain text, untrusted."""
    path: str
    """Source file, relative to the site folder, with `/` separators."""
    source: str | None = None
    """URL of the original discussion."""
    author: str | None = None
    """Who posted it."""
    date: Moment | None = None
    """When it was posted; None for an undated thread."""
    tags: list[str] = field(default_factory=list)
    """Tags as written, in source order, without duplicates."""
    summary: str | None = None
    """Hand-written summary (Markdown), which always wins over an automatic one."""
    slug: str | None = None
    """Slug asked for by the file; enrichment derives one from the file name otherwise."""
    draft: bool = False
    """Drafts are parsed and checked but not published."""
    locked: bool = False
    """The discussion is closed to new comments."""
    body: str = ""
    """Markdown source of the post, possibly empty."""
    comments: list[Comment] = field(default_factory=list)
    """Top-level comments, in source order."""
    declared_comments: int | None = None
    """The comment count the source claimed (`N comments` in a text digest)."""
    extra: dict[str, Any] = field(default_factory=dict)
    """Keys the format does not define, passed to templates."""

    def walk(self) -> Iterator[tuple[Comment, int]]:
        """Every comment with its depth (1 for top level), in reading order, without recursion."""
        stack: list[tuple[Comment, int]] = [(c, 1) for c in reversed(self.comments)]
        while stack:
            comment, depth = stack.pop()
            yield comment, depth
            stack.extend((reply, depth + 1) for reply in reversed(comment.replies))

    def comment_count(self) -> int:
        """How many comments the tree holds."""
        return sum(1 for _ in self.walk())
