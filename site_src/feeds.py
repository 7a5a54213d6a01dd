"""Feed views: what `feed.xml` sees for a thread's own feed (`/t/<slug>/feed.xml`), one entry per comment.

The site feed and the tag feeds list threads (cards, from `context.py`); a thread's feed lists its newest
comments (`feed_items`, 20 by default), each with its author, date, the comment as HTML and a link to its anchor
on the page that shows it (the thread page, or the page a deep branch continues on). The bundled feed has no
`<summary>` per comment: Atom asks for one only when an entry has no inline content, and this one repeated the
content's first words (and cost a second Markdown-to-text pass per comment); `summary` is there, made when
asked for, for a theme whose feed shows it.

Dates are reproducible: an undated comment takes the date of its nearest dated ancestor, else the thread's,
else the newest date in the thread, else the Unix epoch; never the time of the build.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from markupsafe import Markup

from .context import anchor, iso
from .enrich import EnrichedThread
from .enrich.text import markdown_to_plain
from .markup import render_markdown
from .model import Comment, Moment, Thread
from .site import moment_key
from .text import truncate_words

EPOCH = "1970-01-01T00:00:00Z"
"""`updated` of a feed or entry with no date anywhere to take one from."""
SUMMARY_CHARS = 280
"""Length of a comment entry's plain-text summary."""


@dataclass(frozen=True, slots=True)
class CommentEntry:
    """One comment as a feed entry (`comments` in `feed.xml`)."""

    id: str
    """The comment's id in its thread (`c1`)."""
    url: str
    """Site path of the page showing the comment, with its `#comment-<id>` anchor."""
    title: str
    """`<author> on <thread title>`, or `Comment <id> on <thread title>` when the author is unknown."""
    author: str
    """Who wrote it ("" when unknown)."""
    updated: str
    """RFC 3339 date-time with an offset; reproducible (see the module docstring)."""
    dated: bool
    """False when `updated` was borrowed from elsewhere because the comment has no date."""
    body: str
    """The comment as written (Markdown)."""
    content_html: Markup
    """The comment as safe HTML (the template escapes it again for Atom's `type="html"`)."""

    @property
    def summary(self) -> str:
        """The comment as plain text, shortened to `SUMMARY_CHARS` (made on each use: the bundled feed has none)."""
        return truncate_words(markdown_to_plain(self.body).text, SUMMARY_CHARS)


def rfc3339(moment: Moment | None) -> str:
    """A date-time with an offset, as Atom needs: a day becomes its midnight UTC; None becomes the epoch."""
    if moment is None:
        return EPOCH
    if not isinstance(moment, datetime):
        moment = datetime(moment.year, moment.month, moment.day, tzinfo=UTC)
    return iso(moment)


def thread_feed(
    item: EnrichedThread, page_of: dict[str, str], limit: int, body_html: Mapping[str, Markup] | None = None
) -> dict[str, Any]:
    """Variables of `feed.xml` for one thread: its `limit` newest comments, newest first.

    `page_of` maps comment ids to the site path of the page showing them (missing: the thread page);
    `body_html` maps comment ids to their bodies already rendered for the pages (missing: rendered here).
    """
    rendered = body_html or {}
    thread = item.thread
    fallback = thread.date or _newest(thread)
    entries = [
        CommentEntry(
            id=comment.id,
            url=f"{page_of.get(comment.id, item.url)}#{anchor(comment.id)}",
            title=f"{comment.author} on {thread.title}"
            if comment.author
            else f"Comment {comment.id} on {thread.title}",
            author=comment.author or "",
            updated=rfc3339(when),
            dated=comment.date is not None,
            body=comment.body,
            content_html=_body_html(comment, rendered),
        )
        for _key, _position, comment, when in _newest_first(thread.comments, fallback)[:limit]
    ]
    newest = max((e.updated for e in entries), key=_instant, default=rfc3339(fallback))
    return {
        "feed_path": f"{item.url}feed.xml",
        "alternate_path": item.url,
        "threads": [],
        "comments": entries,
        "subtitle": item.summary,
        "updated": newest,
    }


def _body_html(comment: Comment, rendered: Mapping[str, Markup]) -> Markup:
    html = rendered.get(comment.id)
    return render_markdown(comment.body) if html is None else html


def _newest_first(roots: list[Comment], fallback: Moment | None) -> list[tuple[float, int, Comment, Moment | None]]:
    """Every comment as (sort key, position in reading order, comment, the date it is listed under), newest
    first, the later in reading order first among equals. A comment without a date is listed under its nearest
    dated ancestor's, else `fallback`. One walk, without recursion."""
    ordered: list[tuple[float, int, Comment, Moment | None]] = []
    # (comment, the date of its nearest dated ancestor or None)
    stack: list[tuple[Comment, Moment | None]] = [(c, None) for c in reversed(roots)]
    while stack:
        comment, inherited = stack.pop()
        when = comment.date if comment.date is not None else inherited
        if comment.replies:
            stack.extend([(reply, when) for reply in reversed(comment.replies)])
        listed = when or fallback
        ordered.append((moment_key(listed), len(ordered), comment, listed))
    ordered.sort(reverse=True)  # (key, position) pairs are unique: the comments themselves are never compared
    return ordered


def _newest(thread: Thread) -> Moment | None:
    dated = [c.date for c, _depth in thread.walk() if c.date is not None]
    return max(dated, key=moment_key, default=None)


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
