"""What templates see: views of the model, built per page. This module is the theme API.

Templates never get the model itself, so a renamed model field never breaks a
theme. Every field is documented in docs/themes.md ("Template variables").
Markdown becomes HTML here, through `markup.render_markdown` only.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from html import unescape as html_unescape
from itertools import pairwise
from typing import Any
from urllib.parse import urlsplit

from markupsafe import Markup

from .enrich import EnrichedThread
from .enrich.charts import activity_svg
from .enrich.text import split_sentences
from .markup import is_safe_url, render_markdown
from .model import Comment, Moment, MonthDate, Thread
from .site import Month, Site, Tag
from .spoilers import without_spoiler_html
from .text import WINDOWS_RESERVED
from .thread_files import format_moment

_SAFE_SEGMENT = re.compile(r"(?!x[0-9a-f]{10}$)[a-z0-9_-]{1,64}")
"""Ids used as they are in URLs: lower case (`A` and `a` would share a folder on macOS and Windows),
and never the shape of a hashed id (`x` and ten hex digits), so two ids never share a page."""
_TAG = re.compile(r"<[^>]*>")
"""An HTML tag, from `<` to the next `>` (as `Markup.striptags` finds them)."""
POST_HEADING_TOP = 2
"""A post's first heading level: it sits right under the thread page's `<h1>` (comments: `markup.HEADING_TOP`)."""
_PLAIN_ANCHOR = re.compile(r"(?!x[0-9a-f]{10}$)[^\s\x00-\x1f\x7f]{1,200}")


_MONTH_ABBREVIATIONS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
"""`%b` as the C locale writes it (the build never changes LC_TIME), without a `strftime` per date."""
MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
"""`%B` as the C locale writes it."""


def date_text(moment: Moment | None) -> str:
    """`10 Jul 2025`, or `10 Jul 2025, 15:02 UTC` for an instant, `July 2025` for a date known only to its month;
    "" when undated."""
    if moment is None:
        return ""
    if type(moment) is MonthDate:
        return f"{MONTH_NAMES[moment.month - 1]} {moment.year}"
    if moment.year < 1000:  # how `%Y` writes years before 1000 depends on the C library
        if isinstance(moment, datetime):
            return f"{moment.day} {moment:%b %Y}, {moment:%H:%M} UTC"
        return f"{moment.day} {moment:%b %Y}"
    day = f"{moment.day} {_MONTH_ABBREVIATIONS[moment.month - 1]} {moment.year}"
    if isinstance(moment, datetime):
        return f"{day}, {moment.hour:02d}:{moment.minute:02d} UTC"
    return day


def iso(moment: Moment | None) -> str:
    return format_moment(moment) if moment is not None else ""


def anchor(comment_id: str) -> str:
    """The HTML id of a comment: prefixed, so content cannot clobber page elements.

    An id with white space or control characters (or very long) becomes a short hash, so ids `a b`
    and `a_b` never share an anchor.
    """
    return "comment-" + (comment_id if _PLAIN_ANCHOR.fullmatch(comment_id) else _hashed(comment_id))


def comment_segment(comment_id: str) -> str:
    """A comment id as a URL segment (continuation pages): itself when plain, else a short hash."""
    if _SAFE_SEGMENT.fullmatch(comment_id) and comment_id not in WINDOWS_RESERVED:
        return comment_id
    return _hashed(comment_id)


def _hashed(comment_id: str) -> str:
    return "x" + hashlib.sha1(comment_id.encode("utf-8", "surrogatepass")).hexdigest()[:10]


def safe_link(url: str | None) -> str:
    """An http(s) URL from content, or "" when it is anything else (javascript:, data:, garbage)."""
    if not url:
        return ""
    url = url.strip()
    return url if is_safe_url(url) and url.lower().startswith(("http://", "https://")) else ""


def host_of(url: str | None) -> str:
    if not url:
        return ""
    try:
        return urlsplit(url).hostname or ""
    except ValueError:
        return ""


@dataclass(slots=True)
class TagLink:
    name: str
    """Display name."""
    url: str
    """Site path of the tag page."""
    count: int = 0
    """Threads with this tag (on the tags index)."""
    auto: bool = False
    """Suggested by the build (`auto_tags`), not written by a person."""


@dataclass(slots=True)
class KeyPointView:
    comment_id: str
    """Id of the quoted comment."""
    anchor: str
    """Its element id on the thread page."""
    url: str
    """Site path of the page that shows it, with the `#anchor`."""
    author: str
    quote: str
    """A brief quote, plain text."""
    score: int | None
    number: int = 0
    """The comment's number in the thread's reading order (`#3`), 0 when unknown."""
    label: str = ""
    """Who to credit: the author, or `comment #3` when the author is not recorded."""
    role: str = ""
    """The comment's role in the discussion ("Accepted answer", "Reply to ana", ...; `summaries.KeyPoint.role`),
    plain text; empty for none."""


@dataclass(slots=True)
class GlanceView:
    """The thread "at a glance"."""

    comments: int
    participants: int
    max_depth: int
    first_date: str
    last_date: str
    span_text: str
    """`3 days`, `5 hours`, ... ("" without dates)."""
    core_span_text: str
    """`30 minutes`: the shortest time holding most comments, when it is much shorter than `span_text` (a few
    late comments stretch the whole span); "" otherwise."""
    most_replied: KeyPointView | None
    most_replied_count: int
    top_scored: KeyPointView | None
    top_score: int
    activity_svg: Markup
    """Inline SVG chart of comments over time ("" when comments are undated)."""
    activity_note: str = ""
    """Under the chart: `2 comments far from the rest not shown`, when strays are left out of it."""
    figures: int = 0
    """How many of the figures above say something (people when known and more than one, a reply chain
    deeper than 1, a time span, a comment with 2 or more replies, a score): 0 leaves the box out."""


@dataclass(slots=True)
class CommentView:
    id: str
    """The comment's id (stable)."""
    anchor: str
    """HTML id of the comment's element: `comment-<id>`."""
    author: str
    """Who wrote it ("" when unknown)."""
    date: str
    """ISO 8601, for `<time datetime>` ("" when undated)."""
    date_text: str
    """Human-readable date."""
    score: int | None
    """Points, when the source has them."""
    body_html: Markup
    """The body, rendered from Markdown, safe."""
    depth: int
    """1 for a top-level comment (relative to the page's root)."""
    extra: dict[str, Any]
    """Source-specific keys (edited, flair, more_replies, more_url, ...)."""
    replies: list[CommentView] = field(default_factory=list)
    """Direct replies shown on this page (empty past the fold)."""
    reply_count: int = 0
    """All direct replies, shown or not."""
    descendant_count: int = 0
    """All comments below this one."""
    continue_url: str = ""
    """Site path of the page that continues this branch, when it is folded here."""
    more_replies: int = 0
    """Replies the source had but did not include (Reddit `more` stubs)."""
    more_url: str = ""
    """Where those replies can be read (an http(s) URL, or "")."""
    author_name: str = ""
    """The name to show: `author`; `deleted account`; `unknown` in a thread whose other comments name their
    authors; "" where the source records no authors (the comment's number stands for it)."""
    is_op: bool = False
    """Written by the thread's author (both known)."""
    flair: str = ""
    """`extra["flair"]` as text ("" when absent or empty)."""
    edited: bool = False
    """`extra["edited"]` is set."""
    accepted: bool = False
    """`extra["accepted"]` is set (the accepted answer)."""
    score_text: str = ""
    """`12 points`, `1 point` ("" without a score)."""
    replies_text: str = ""
    """`descendant_count` with its noun: `1 reply`, `5 replies`."""
    more_text: str = ""
    """`more_replies` with its noun: `1 more reply`, `3 more replies` ("" when none)."""
    number: int = 0
    """Position in the thread's reading order, from 1: shown as `#3`, the comment's permalink."""
    label: str = ""
    """Who wrote it as a phrase: the author, `a deleted account`, or `comment #3` when not recorded."""
    states: tuple[tuple[str, str], ...] = ()
    """What the source said about it, as (CSS class, text): `("deleted", "deleted")`, `("removed", "removed by a
    moderator")`, `("dead", "dead")`, `("hidden", "hidden by the community")`, `("orphan", "reply to a comment
    not in this archive")`."""
    gone: bool = False
    """Deleted, removed, dead or hidden: its body is what the source left, and looks so."""
    prev_anchor: str = ""
    """For a top-level comment on the thread page: the element id of the previous top-level comment."""
    next_anchor: str = ""
    """For a top-level comment on the thread page: the element id of the next top-level comment."""


@dataclass(slots=True)
class ThreadCard:
    """A thread as listed on index, tag and archive pages."""

    title: str
    url: str
    date: str
    date_text: str
    author: str
    tags: list[TagLink]
    summary: str
    summary_is_auto: bool
    comment_count: int
    source_host: str
    locked: bool


@dataclass(slots=True)
class ThreadView:
    """The thread on its own page."""

    title: str
    slug: str
    url: str
    source: str
    source_host: str
    author: str
    date: str
    date_text: str
    tags: list[TagLink]
    summary: str
    summary_is_auto: bool
    body_html: Markup
    locked: bool
    comment_count: int
    declared_comments: int | None
    participants: int
    max_depth: int
    extra: dict[str, Any]
    keywords: list[str] = field(default_factory=list)
    """Distinctive terms of this thread against the whole site."""
    key_points: list[KeyPointView] = field(default_factory=list)
    """The comments that best represent the discussion."""
    glance: GlanceView | None = None
    """Stats at a glance."""
    related: list[ThreadCard] = field(default_factory=list)
    """Related threads (cards), most related first."""
    authors_recorded: bool = True
    """Some comment names its author (a pasted text digest names none)."""
    comments_text: str = ""
    """`11 comments`, `1 comment`, or `11 comments, authors not recorded`."""
    link: str = ""
    """The link the thread was submitted with (`extra.link` of a Reddit or Hacker News thread), http(s) only."""
    link_host: str = ""
    """Its host name."""
    author_is_deleted: bool = False
    """The poster's account was deleted (`extra.author_deleted`)."""
    summary_on_page: str = ""
    """The summary as the thread page shows it, under the post: an automatic one without the sentences the post
    above it already shows (never the same sentence twice on a page). Cards, feeds and metadata keep `summary`."""


def tag_links(item: EnrichedThread) -> list[TagLink]:
    auto = set(item.auto_tags)
    return [
        TagLink(name, f"/tags/{slug}/", auto=name in auto)
        for name, slug in zip(item.tag_names, item.tag_slugs, strict=True)
    ]


def thread_card(item: EnrichedThread) -> ThreadCard:
    thread = item.thread
    return ThreadCard(
        title=thread.title,
        url=item.url,
        date=iso(thread.date),
        date_text=date_text(thread.date),
        author=thread.author or "",
        tags=tag_links(item),
        summary=item.summary,
        summary_is_auto=item.summary_is_auto,
        comment_count=item.comment_count,
        source_host=_source_host(thread.source) if thread.source else "",
        locked=thread.locked,
    )


@lru_cache(maxsize=16384)
def _source_host(source: str) -> str:
    """`host_of(safe_link(source))`, read once per source: a thread's card is made for every list it is on and
    every thread it is related to."""
    return host_of(safe_link(source))


def thread_view(
    item: EnrichedThread,
    page_of: dict[str, str] | None = None,
    related: list[ThreadCard] | None = None,
    author_of: Mapping[str, str | None] | None = None,
    number_of: Mapping[str, int] | None = None,
) -> ThreadView:
    """The thread page's `thread`; `page_of` maps comment ids to the page showing them (default: the thread page),
    `author_of` comment ids to their authors and `number_of` to their numbers (default: found in the thread)."""
    thread = item.thread
    pages = page_of or {}
    if author_of is None or number_of is None:
        walked = [c for c, _ in thread.walk()]
        author_of = {c.id: c.author for c in walked}
        number_of = {c.id: n for n, c in enumerate(walked, 1)}
    numbers = number_of
    recorded = any(author_of.values())
    scored = scores_say_something(thread)

    def point(comment_id: str, author: str | None, quote: str, score: int | None, role: str = "") -> KeyPointView:
        target = f"{pages.get(comment_id, item.url)}#{anchor(comment_id)}"
        number = numbers.get(comment_id, 0)
        label = author or (f"comment #{number}" if number else "a comment")
        return KeyPointView(comment_id, anchor(comment_id), target, author or "", quote, score, number, label, role)

    count = item.comment_count
    comments_text = f"{count:,} comment{'' if count == 1 else 's'}"
    if count and not recorded:
        comments_text += ", authors not recorded"
    link = safe_link(thread.extra.get("link") if isinstance(thread.extra.get("link"), str) else None)
    if link and link == safe_link(thread.source):
        link = ""
    body_html = render_markdown(thread.body, top=POST_HEADING_TOP)

    return ThreadView(
        title=thread.title,
        slug=item.slug,
        url=item.url,
        source=safe_link(thread.source),
        source_host=host_of(safe_link(thread.source)),
        author=thread.author or "",
        date=iso(thread.date),
        date_text=date_text(thread.date),
        tags=tag_links(item),
        summary=item.summary,
        summary_is_auto=item.summary_is_auto,
        body_html=body_html,
        locked=thread.locked,
        comment_count=item.comment_count,
        declared_comments=thread.declared_comments,
        participants=item.stats.participants or 0,
        max_depth=item.max_depth,
        extra=thread.extra,
        keywords=item.keywords,
        key_points=[
            point(k.comment_id, k.author, k.quote, k.score if scored else None, k.role) for k in item.key_points
        ],
        glance=_glance(item, point, author_of, scored),
        related=related or [],
        authors_recorded=recorded,
        comments_text=comments_text,
        link=link,
        link_host=host_of(link),
        author_is_deleted=bool(thread.extra.get("author_deleted")) and not thread.author,
        summary_on_page=summary_beside_post(item.summary, body_html) if item.summary_is_auto else item.summary,
    )


def summary_beside_post(summary: str, post_html: str) -> str:
    """`summary` without the sentences that `post_html` (the post as shown) holds word for word."""
    if not summary or not post_html:
        return summary
    post = " ".join(html_unescape(_TAG.sub("", post_html)).split())
    kept = [s for s in split_sentences(summary) if " ".join(s.split()) not in post]
    return " ".join(kept)


def _glance(item: EnrichedThread, point: Any, authors: Mapping[str, str | None], scored: bool = True) -> GlanceView:
    """The figures that say something: a single replied-to comment, one person, a flat thread or a top score
    where no comment has a score other than 0 are left out."""
    stats = item.stats
    replied = stats.most_replied if stats.most_replied and stats.most_replied[1] > 1 else None
    most = point(replied[0], authors.get(replied[0]), "", None) if replied else None
    top_scored = stats.top_scored if scored else None
    top = point(top_scored[0], authors.get(top_scored[0]), "", None) if top_scored else None
    participants = stats.participants or 0
    span_text = _span_text(stats.span)
    core = stats.core_span if stats.activity_outside else None
    core_text = _span_text(core) if core is not None else ""
    if core_text == span_text:
        core_text = ""
    figures = (participants > 1) + (stats.max_depth > 1) + bool(span_text) + bool(most) + bool(top)
    return GlanceView(
        comments=stats.comments,
        participants=participants,
        max_depth=stats.max_depth,
        first_date=iso(stats.first_date),
        last_date=iso(stats.last_date),
        span_text=span_text,
        core_span_text=core_text,
        most_replied=most,
        most_replied_count=replied[1] if replied else 0,
        top_scored=top,
        top_score=top_scored[1] if top_scored else 0,
        activity_svg=Markup(
            activity_svg(stats.activity, height=80, outside=stats.activity_outside, unit=stats.activity_unit)
        ),
        activity_note=_activity_note(stats.activity_outside),
        figures=figures,
    )


def _activity_note(outside: int) -> str:
    if not outside:
        return ""
    return (
        f"{outside} comment{'' if outside == 1 else 's'} far from the rest {'is' if outside == 1 else 'are'} not shown."
    )


def _span_text(span: timedelta | None) -> str:
    if span is None:
        return ""
    seconds = int(span.total_seconds())
    for unit, size in (("year", 365 * 86400), ("month", 30 * 86400), ("day", 86400), ("hour", 3600)):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    minutes = seconds // 60
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


@dataclass(slots=True)
class CommentPage:
    """One page of a thread's comment tree: the thread page itself, or a continuation."""

    path: str
    """Site path: `/t/<slug>/` or `/t/<slug>/c/<id>/`."""
    roots: list[CommentView]
    """Top of the tree on this page."""
    parent: CommentView | None
    """On a continuation page: the comment whose branch continues here."""


SMALL_BRANCH = 2
"""A branch past the fold with at most this many comments stays on its page: a page of its own for one or two
replies costs the reader a click for less than a screen of text."""


def comment_pages(item: EnrichedThread, fold_depth: int) -> list[CommentPage]:
    """Split the tree into the thread page and continuation pages, `fold_depth` levels each (a branch of
    `SMALL_BRANCH` comments or fewer past the fold stays where it is).

    One walk in reading order, without recursion (a chain 10,000 replies deep works): each comment's view is
    made when the walk reaches it, and its count of comments below when the walk leaves its branch (a marker
    on the stack), since a branch is a run of the walk's order. Comments are numbered in that order, from 1.
    """
    base = item.url
    first = CommentPage(base, [], None)
    pages = [first]
    op = item.thread.author or ""
    recorded = any(c.author for c, _ in item.thread.walk())
    scored = scores_say_something(item.thread)
    walked = 0  # comments walked so far
    # (comment, relative depth, list to append the view to), or (None, view of a branch left, walked before it)
    stack: list[tuple[Comment, int, list[CommentView]] | tuple[None, CommentView, int]] = [
        (c, 1, first.roots) for c in reversed(item.thread.comments)
    ]
    while stack:
        entry = stack.pop()
        if entry[0] is None:
            _, left, before = entry
            below = walked - before - 1
            left.descendant_count = below
            left.replies_text = _replies(below)
            continue
        comment, depth, siblings = entry
        walked += 1
        view = _comment_view(comment, depth, op, walked, recorded, scored)
        siblings.append(view)
        replies = comment.replies
        if not replies:
            continue
        stack.append((None, view, walked - 1))
        if depth < fold_depth or _branch_is_small(replies):
            stack.extend([(reply, depth + 1, view.replies) for reply in reversed(replies)])
            continue
        page = CommentPage(f"{base}c/{comment_segment(comment.id)}/", [], view)
        view.continue_url = page.path
        pages.append(page)
        stack.extend([(reply, 1, page.roots) for reply in reversed(replies)])
    roots = first.roots
    for earlier, later in pairwise(roots):
        earlier.next_anchor, later.prev_anchor = later.anchor, earlier.anchor
    return pages


def _branch_is_small(replies: list[Comment]) -> bool:
    """Whether these replies and theirs are `SMALL_BRANCH` comments or fewer (counting stops past it)."""
    count, stack = 0, list(replies)
    while stack:
        count += 1
        if count > SMALL_BRANCH:
            return False
        stack.extend(stack.pop().replies)
    return True


_STATES = (
    ("deleted", "deleted"),
    ("removed", "removed by a moderator"),
    ("dead", "dead"),
    ("hidden", "hidden by the community"),
    ("deleted_upstream", "deleted at the source since it was imported"),
)
"""`extra` flags the importers set, and how a comment carrying one is marked."""


def scores_say_something(thread: Thread) -> bool:
    """False when no comment has a score other than 0 (a forum's like count where nobody liked anything): then
    no score is shown, rather than "0 points" on every comment and a "Top score" of 0."""
    return any(c.score for c, _ in thread.walk())


def _comment_view(
    comment: Comment, depth: int, op: str, number: int = 0, recorded: bool = True, scored: bool = True
) -> CommentView:
    """The view of one comment, with its display strings ready so the comment tree template stays simple.

    Its count of comments below (`descendant_count`, `replies_text`) is left at none: `comment_pages` sets it.
    `number` is its place in reading order; `recorded`: some comment of the thread names its author.
    """
    extra = comment.extra
    author = comment.author or ""
    states: tuple[tuple[str, str], ...] = ()
    name = author
    if extra:
        states = tuple((key, text) for key, text in _STATES if extra.get(key))
        if extra.get("missing_parent"):
            states += (("orphan", "reply to a comment not in this archive"),)
        if not author and extra.get("author_deleted"):
            name = "deleted account"
    if not name and recorded:
        name = "unknown"
    label = author or ("a deleted account" if name == "deleted account" else f"comment #{number}")
    score = comment.score if scored else None
    moment = comment.date
    if extra:
        more_replies = _count_value(extra.get("more_replies"))
        more_url = extra.get("more_url")
        flair = extra.get("flair")
        more_text = f"{more_replies} more {_replies(more_replies, count=False)}" if more_replies else ""
        safe_more_url = safe_link(more_url if isinstance(more_url, str) else None)
        flair_text = str(flair) if flair else ""
        edited, accepted = bool(extra.get("edited")), bool(extra.get("accepted"))
    else:  # most comments
        more_replies, more_text, safe_more_url, flair_text, edited, accepted = 0, "", "", "", False, False
    # positional: the fields in their order (a dataclass takes them quicker so, once per comment)
    return CommentView(
        comment.id,
        anchor(comment.id),
        author,
        iso(moment),
        date_text(moment),
        score,
        render_markdown(comment.body),
        depth,
        extra,
        [],  # replies
        len(comment.replies),
        0,  # descendant_count
        "",  # continue_url
        more_replies,
        safe_more_url,
        name,
        bool(author) and author == op,
        flair_text,
        edited,
        accepted,
        "" if score is None else f"{score} point{'' if score in (1, -1) else 's'}",
        "0 replies",  # replies_text
        more_text,
        number,
        label,
        states,
        bool(states) and any(key != "orphan" for key, _ in states),
    )


def _replies(number: int, *, count: bool = True) -> str:
    """`1 reply`, `5 replies`; without `count`, only the noun."""
    noun = "reply" if number == 1 else "replies"
    return f"{number} {noun}" if count else noun


def _count_value(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def _plain_of_html(html: Markup) -> str:
    """Text of safe HTML, as Jinja's `striptags` filter gives it (tags dropped, spaces joined, entities decoded).

    Markdown output has no HTML comments (raw HTML is off), so the one regular expression that drops tags
    does what `Markup.striptags` does with its loop; anything with `<!--` goes to `striptags` itself.
    """
    if 'class="spoiler"' in html:  # what a spoiler hides is not page text to quote
        html = Markup(without_spoiler_html(html))
    if "<!--" in html:
        return str(Markup(html).striptags())
    text = " ".join(_TAG.sub("", html).split())
    return html_unescape(text) if "&" in text else text


def _truncate_words(text: str, length: int, end: str = "…") -> str:
    """Jinja's `truncate(length, false, end, 0)`: cut at the last space before `length`, then `end`."""
    if len(text) <= length:
        return text
    return text[: length - len(end)].rsplit(" ", 1)[0] + end


def tag_index(site: Site) -> list[TagLink]:
    return [TagLink(tag.name, tag.url, len(tag.threads)) for tag in site.tags]


@dataclass(slots=True)
class MonthLink:
    key: str
    """`2025-07`."""
    label: str
    """`July 2025`."""
    url: str
    count: int
    """Threads started that month."""
    threads: list[ThreadCard] = field(default_factory=list)
    """On the archive page: the month's threads, newest first (empty elsewhere)."""


def month_links(months: list[Month], card: Callable[[EnrichedThread], ThreadCard] | None = None) -> list[MonthLink]:
    """Links to month pages; with `card`, each lists its threads too."""
    return [
        MonthLink(m.key, m.label, m.url, len(m.threads), [card(t) for t in m.threads] if card else []) for m in months
    ]


def tag_view(tag: Tag) -> TagLink:
    return TagLink(tag.name, tag.url, len(tag.threads))
