"""At-a-glance figures for a thread, and site-wide counts for the stats page.

What goes in: a `Thread` (or many). What comes out: frozen dataclasses of plain
numbers, dates and labels, ready for templates and for `charts.py`. One pass over
the comment tree through `Thread.walk()` (no recursion, any depth). Dates are
compared in UTC; a bare day counts as its midnight UTC; a naive datetime is taken
as UTC. Nothing raises.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from ..model import Comment, Moment, Thread

__all__ = [
    "Bucket",
    "SiteStats",
    "ThreadStats",
    "activity_buckets",
    "site_stats",
    "thread_stats",
    "thread_stats_walked",
]

MAX_BUCKETS = 60
"""An activity histogram never has more bars than this; the unit grows instead."""


@dataclass(frozen=True, slots=True)
class Bucket:
    """One bar of an activity histogram."""

    label: str
    """Start of the bucket: `2025-07-10 14:02` (minute), `2025-07-10 14:00`, `2025-07-10`, `2025-07` or `2025`."""
    start: datetime
    """Start of the bucket, UTC."""
    count: int
    """Comments dated inside it."""


@dataclass(frozen=True, slots=True)
class ThreadStats:
    """What the thread page shows "at a glance"."""

    comments: int
    """Comments in the tree."""
    participants: int | None
    """Distinct named authors, the poster included; None when no comment names its author."""
    max_depth: int
    """Deepest reply chain (1 = only top-level comments, 0 = no comments)."""
    first_date: datetime | None
    """Earliest of the post and its comments, when any comment is dated (UTC)."""
    last_date: datetime | None
    """Latest comment date (UTC)."""
    span: timedelta | None
    """`last_date - first_date`."""
    most_replied: tuple[str, int] | None
    """(comment id, direct replies) of the comment with the most replies; None when nobody replied."""
    top_scored: tuple[str, int] | None
    """(comment id, score) of the best-scored comment; None when no comment has a score."""
    activity_unit: str | None
    """`minute`, `hour`, `day`, `month` or `year`: the width of each activity bucket; None without dates."""
    activity: tuple[Bucket, ...]
    """Comments over time, empty buckets included, oldest first; empty without dates. When a few stray
    comments stretch the span far beyond the rest (`activity_outside`), the buckets cover the rest only."""
    core_span: timedelta | None = None
    """The time from the first to the last dated comment that is not a stray: a comment outside the shortest
    run holding `CORE_SHARE` of them, widened by its own length on both sides, when the whole span is more than
    `STRAY_FACTOR` times that run (equal to `last_date - first dated comment` when there are no strays)."""
    activity_outside: int = 0
    """Dated comments left out of `activity`: the strays (see `core_span`)."""


CORE_SHARE = 0.8
"""The share of comments `core_span` holds."""
STRAY_FACTOR = 4
"""The whole span is taken as stretched by strays when it is more than this many times `core_span`."""


def as_utc(moment: Moment) -> datetime:
    """A day as its midnight UTC; a datetime converted to UTC (a naive one is taken as UTC)."""
    if isinstance(moment, datetime):
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return datetime(moment.year, moment.month, moment.day, tzinfo=UTC)


def thread_stats(thread: Thread) -> ThreadStats:
    """Count comments, participants, depth, dates, the most-replied and top-scored comments, and activity."""
    return thread_stats_walked(thread, thread.walk())


def thread_stats_walked(thread: Thread, walked: Iterable[tuple[Comment, int]]) -> ThreadStats:
    """`thread_stats` given the thread's `walk()` (already listed, say by `text.prepare`)."""
    count = 0
    max_depth = 0
    authors: set[str] = {thread.author} if thread.author else set()
    named_comment = False
    dates: list[datetime] = []
    most_replied: tuple[str, int] | None = None
    top_scored: tuple[str, int] | None = None
    for comment, depth in walked:
        count += 1
        if depth > max_depth:
            max_depth = depth
        author = comment.author
        if author:
            authors.add(author)
            named_comment = True
        moment = comment.date
        if moment is not None:
            # the readers' datetimes are already in UTC: `as_utc` would give them back as they are
            dates.append(moment if type(moment) is datetime and moment.tzinfo is UTC else as_utc(moment))
        replies = comment.replies
        if replies and (most_replied is None or len(replies) > most_replied[1]):
            most_replied = (comment.id, len(replies))
        score = comment.score
        if score is not None and (top_scored is None or score > top_scored[1]):
            top_scored = (comment.id, score)
    first = last = None
    unit: str | None = None
    activity: tuple[Bucket, ...] = ()
    core: timedelta | None = None
    outside = 0
    if dates:
        last = max(dates)  # the first of equal latest ones, as before sorting
        dates.sort()
        first = dates[0]
        if thread.date is not None:
            first = min(first, as_utc(thread.date))
        shown = _without_strays(dates)
        core = shown[-1] - shown[0]
        outside = len(dates) - len(shown)
        unit, activity = _buckets(shown, MAX_BUCKETS)
    return ThreadStats(
        comments=count,
        participants=len(authors) if named_comment else None,
        max_depth=max_depth,
        first_date=first,
        last_date=last,
        span=(last - first) if first is not None and last is not None else None,
        most_replied=most_replied,
        top_scored=top_scored,
        activity_unit=unit,
        activity=activity,
        core_span=core,
        activity_outside=outside,
    )


def _without_strays(dates: list[datetime]) -> list[datetime]:
    """Sorted `dates` without strays: the shortest run holding `CORE_SHARE` of them, widened by its own length
    on both sides, when the whole span is more than `STRAY_FACTOR` times that; else all of them."""
    start, end = _core(dates)
    core = dates[end] - dates[start]
    low, high = dates[start] - core, dates[end] + core
    if core <= timedelta(0) or dates[-1] - dates[0] <= STRAY_FACTOR * core:
        return dates
    first = bisect_left(dates, low)
    last = bisect_left(dates, high + timedelta(microseconds=1))
    return dates[first:last]


def _core(dates: list[datetime]) -> tuple[int, int]:
    """First and last index of the shortest run of sorted `dates` holding `CORE_SHARE` of them (all of them
    when there are fewer than 5); the earliest such run on a tie."""
    size = len(dates)
    if size < 5:
        return 0, size - 1
    take = -(-int(size * CORE_SHARE * 1000) // 1000)  # ceil, in integers so no float rounding decides it
    best = min(range(size - take + 1), key=lambda i: (dates[i + take - 1] - dates[i], i))
    return best, best + take - 1


def _floor(moment: datetime, unit: str) -> datetime:
    if unit == "minute":
        return moment.replace(second=0, microsecond=0)
    if unit == "hour":
        return moment.replace(minute=0, second=0, microsecond=0)
    if unit == "day":
        return moment.replace(hour=0, minute=0, second=0, microsecond=0)
    if unit == "month":
        return datetime(moment.year, moment.month, 1, tzinfo=UTC)
    return datetime(moment.year, 1, 1, tzinfo=UTC)


def _next(moment: datetime, unit: str) -> datetime:
    if unit == "minute":
        return moment + timedelta(minutes=1)
    if unit == "hour":
        return moment + timedelta(hours=1)
    if unit == "day":
        return moment + timedelta(days=1)
    if unit == "month":
        return datetime(moment.year + moment.month // 12, moment.month % 12 + 1, 1, tzinfo=UTC)
    return datetime(moment.year + 1, 1, 1, tzinfo=UTC)


def _label(moment: datetime, unit: str) -> str:
    """`2025-07-10 14:02`, `2025-07-10 14:00`, `2025-07-10`, `2025-07`, `2025`: as `strftime` with `_FORMATS[unit]`,
    formatted in Python for a four-digit year (strftime costs several times more; a year before 1000 is written
    as the platform's strftime writes it)."""
    if moment.year < 1000:
        return moment.strftime(_FORMATS[unit])
    if unit == "month":
        return f"{moment.year}-{moment.month:02}"
    if unit == "day":
        return f"{moment.year}-{moment.month:02}-{moment.day:02}"
    if unit == "hour":
        return f"{moment.year}-{moment.month:02}-{moment.day:02} {moment.hour:02}:00"
    if unit == "minute":
        return f"{moment.year}-{moment.month:02}-{moment.day:02} {moment.hour:02}:{moment.minute:02}"
    return str(moment.year)


_FORMATS = {"minute": "%Y-%m-%d %H:%M", "hour": "%Y-%m-%d %H:00", "day": "%Y-%m-%d", "month": "%Y-%m", "year": "%Y"}


def _steps(first: datetime, last: datetime, unit: str) -> int:
    if unit == "minute":
        return int((last - first).total_seconds() // 60) + 1
    if unit == "hour":
        return int((last - first).total_seconds() // 3600) + 1
    if unit == "day":
        return (last - first).days + 1
    if unit == "month":
        return (last.year - first.year) * 12 + last.month - first.month + 1
    return last.year - first.year + 1


def activity_buckets(dates: Iterable[datetime], max_buckets: int = MAX_BUCKETS) -> tuple[str, tuple[Bucket, ...]]:
    """Histogram of UTC datetimes in the finest unit (minute, hour, day, month, year) that needs at most
    `max_buckets` bars."""
    points = sorted(as_utc(d) for d in dates)
    if not points:
        return "day", ()
    return _buckets(points, max_buckets)


def _buckets(points: list[datetime], max_buckets: int) -> tuple[str, tuple[Bucket, ...]]:
    """`activity_buckets` of UTC datetimes already sorted (at least one).

    A bucket counts the points from its start to the next bucket's start, found by bisection: the work grows
    with the buckets (at most `max_buckets`), not with the points.
    """
    unit = "year"
    for candidate in ("minute", "hour", "day", "month"):
        if _steps(_floor(points[0], candidate), _floor(points[-1], candidate), candidate) <= max_buckets:
            unit = candidate
            break
    buckets = []
    moment = _floor(points[0], unit)
    end = _floor(points[-1], unit)
    taken = 0
    while moment <= end:
        following = _next(moment, unit)
        upto = bisect_left(points, following, taken)
        buckets.append(Bucket(_label(moment, unit), moment, upto - taken))
        taken = upto
        moment = following
    return unit, tuple(buckets)


@dataclass(frozen=True, slots=True)
class SiteStats:
    """Figures for the site-wide stats page."""

    threads: int
    """Threads counted."""
    comments: int
    """Comments in all of them."""
    undated: int
    """Threads without a date (left out of `per_month`)."""
    per_month: tuple[tuple[str, int], ...]
    """(`YYYY-MM`, threads) from the first dated month to the last, empty months included."""
    busiest_tags: tuple[tuple[str, int], ...]
    """(tag, threads) for the most-used tags, most first, ties by tag."""


def site_stats(threads: Iterable[Thread], *, top_tags: int = 15) -> SiteStats:
    """Threads per month and the busiest tags, over the threads given (pass the published ones).

    Tags are counted as written, once per thread; pass threads whose tags are already
    normalised if spelling variants should merge.
    """
    months: Counter[date] = Counter()
    tags: Counter[str] = Counter()
    count = comments = undated = 0
    for thread in threads:
        count += 1
        comments += thread.comment_count()
        tags.update(set(thread.tags))
        if thread.date is None:
            undated += 1
        else:
            moment = as_utc(thread.date)
            months[date(moment.year, moment.month, 1)] += 1
    per_month: list[tuple[str, int]] = []
    if months:
        month, end = min(months), max(months)
        while month <= end:
            per_month.append((f"{month.year:04d}-{month.month:02d}", months.get(month, 0)))
            month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    busiest = sorted(tags.items(), key=lambda item: (-item[1], item[0]))[:top_tags]
    return SiteStats(count, comments, undated, tuple(per_month), tuple(busiest))
