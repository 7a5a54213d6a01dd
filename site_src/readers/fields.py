"""Field values shared by every format: dates, tags, ids, scores.

Each function takes a raw value and where it came from, and returns the model
value or raises `SourceError` saying what was found and what was expected.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from ..diagnostics import SourceError
from ..model import Comment, Moment, MonthDate, Thread

MAX_SCORE = 2**63 - 1
"""Scores beyond a 64-bit integer are not votes; they would only break other programs reading the site."""
MAX_CHARS = {"title": 1_000, "author": 1_000, "source": 10_000, "summary": 10_000}
"""Longest text of the fields a thread card shows. A card is on the home page, the archive and every tag page of
the thread, so these fields are written about as many times as the thread has tags: a 2 MB title with 100 tags
made 400 MB of pages."""
MAX_TAGS = 100
"""Most tags a thread may have: each tag page shows the thread's card with all of its tags, so the pages grow
with the square of their number (2,000 tags took 14 s to build, 20,000 over ten minutes)."""
MAX_TAG_CHARS = 200
_DAY = re.compile(r"\d{4}-\d\d-\d\d")
_MONTH = re.compile(r"(\d{4})-(\d\d)")
_URL_DATE = re.compile(r"/((?:19|20)\d\d)/(0[1-9]|1[0-2])/(?:(0[1-9]|[12]\d|3[01])/)?")


def parse_moment(value: Any, path: str, line: int, what: str = "date") -> Moment:
    """ISO 8601 day or date-time -> date / aware datetime in UTC (no zone given: UTC); a month (`2025-07`) ->
    `MonthDate`, a date that knows it is only a month."""
    if isinstance(value, str):  # the usual case first (a str is never a date)
        text = value.strip()
        try:
            if len(text) == 10 and _DAY.fullmatch(text):  # a date-time is longer than `_DAY` can match
                return date.fromisoformat(text)
            if len(text) == 7 and (month := _MONTH.fullmatch(text)):
                return MonthDate.of(int(month.group(1)), int(month.group(2)))
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise SourceError(
                path,
                line,
                f"{what} {value!r} is not an ISO 8601 date",
                hint="write 2025-07-10, 2025-07-10T14:02:00Z, or 2025-07 for a month",
            ) from None
    elif isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        return value
    else:
        raise SourceError(path, line, f"{what} must be an ISO 8601 string, not {type(value).__name__}")
    zone = moment.tzinfo
    if zone is UTC:  # what `astimezone(UTC)` gives back unchanged
        return moment
    if zone is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00+05:00 is before the first UTC instant Python knows
        raise SourceError(path, line, f"{what} {value!r} is out of range (years 1 to 9999 in UTC)") from None


def date_from_url(url: str | None) -> date | None:
    """The day named by a `/YYYY/MM/DD/` part of a URL, or the month (a `MonthDate`) named by `/YYYY/MM/`."""
    if not url:
        return None
    match = _URL_DATE.search(url)
    if not match:
        return None
    year, month, day = match.group(1), match.group(2), match.group(3)
    try:
        return date(int(year), int(month), int(day)) if day else MonthDate.of(int(year), int(month))
    except ValueError:
        return None


def parse_tags(value: Any, path: str, line: int) -> list[str]:
    """A list of strings or a comma-separated string -> tags in order, empty ones and repeats dropped."""
    if value is None:
        return []
    if isinstance(value, str):
        items: list[Any] = value.split(",")
    elif isinstance(value, list):
        items = value
    else:
        raise SourceError(path, line, f"tags must be a list or a comma-separated string, not {type(value).__name__}")
    tags: list[str] = []
    seen: set[str] = set()
    for item in items:
        if not isinstance(item, str | int | float) or isinstance(item, bool):
            raise SourceError(path, line, f"a tag must be text, not {item!r}")
        tag = " ".join(str(item).split())
        if tag and tag.casefold() not in seen:
            seen.add(tag.casefold())
            tags.append(tag)
    return tags


def parse_score(value: Any, path: str, line: int) -> int | None:
    """An integer score (a whole-number float or numeric string is accepted)."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise SourceError(path, line, f"score must be a whole number, not {value!r}")
    whole_float = isinstance(value, float) and value.is_integer()
    digits = isinstance(value, str) and re.fullmatch(r"[+-]?\d{1,19}", value.strip())
    score = value if isinstance(value, int) else int(value) if whole_float or digits else None
    if score is None:
        raise SourceError(path, line, f"score must be a whole number, not {str(value)[:40]!r}")
    if abs(score) > MAX_SCORE:
        raise SourceError(path, line, f"score {str(value)[:40]} is out of range (at most {MAX_SCORE:,} either way)")
    return score


def optional_text(value: Any, path: str, line: int, what: str) -> str | None:
    """A string field, or None; numbers are accepted as their text."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise SourceError(path, line, f"{what} must be text, not {type(value).__name__}")


def optional_bool(value: Any, path: str, line: int, what: str) -> bool:
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    raise SourceError(path, line, f"{what} must be true or false, not {value!r}")


def assign_missing_ids(comments: list[tuple[Comment, int]], path: str) -> None:
    """Give id-less comments `c<k>` (k = position in reading order) and reject duplicates.

    `comments` holds every comment of the thread in reading order with its source line.
    """
    seen: dict[str, int] = {}
    for position, (comment, line) in enumerate(comments, start=1):
        if not comment.id:
            comment.id = f"c{position}"
        if comment.id in seen:
            raise SourceError(
                path,
                line,
                f"duplicate comment id '{comment.id}' (first used at line {seen[comment.id]})",
                hint="ids must be unique within a thread",
            )
        seen[comment.id] = line


_NOT_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
"""Characters XML 1.0 forbids (C0 controls but tab and newlines, lone surrogates from JSON escapes, U+FFFE/FFFF)."""


_ASCII_NOT_TEXT = tuple(chr(code) for code in range(0x20) if chr(code) not in "\t\n\r")
"""The characters of `_NOT_TEXT` that ASCII text can hold."""


def _has_not_text(value: str) -> bool:
    """Whether `_NOT_TEXT` finds a character in `value`: in ASCII text, a few substring tests (which skip ahead in
    C) find it about three times faster than the character class can."""
    if value.isascii():
        return any(map(value.__contains__, _ASCII_NOT_TEXT))
    return _NOT_TEXT.search(value) is not None


def clean_text(value: str) -> str:
    """`value` with characters no page or feed can carry replaced by U+FFFD."""
    return _NOT_TEXT.sub("\ufffd", value) if _has_not_text(value) else value


def _clean_value(value: Any) -> Any:
    """Strings inside `extra` values (dicts and lists, any depth, without recursion) cleaned in place."""
    if isinstance(value, str):
        return clean_text(value)
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key in list(item):
                inner = item.pop(key)
                item[clean_text(key) if isinstance(key, str) else key] = (
                    clean_text(inner) if isinstance(inner, str) else inner
                )
                stack.append(inner)
        elif isinstance(item, list):
            for index, inner in enumerate(item):
                if isinstance(inner, str):
                    item[index] = clean_text(inner)
                else:
                    stack.append(inner)
    return value


def clean_thread(thread: Thread) -> Thread:
    """Every text of a thread made safe to write as UTF-8 HTML and XML: a JSON `\\ud800` or `\\u0001` escape
    would otherwise stop the whole build (UnicodeEncodeError) or make every feed it reaches invalid XML."""
    thread.title = clean_text(thread.title)
    for name in ("source", "author", "summary", "slug"):
        value = getattr(thread, name)
        if value is not None:
            setattr(thread, name, clean_text(value))
    thread.body = clean_text(thread.body)
    thread.tags = [clean_text(tag) for tag in thread.tags]
    _check_card_fields(thread)
    thread.extra = _clean_value(thread.extra)
    comments = [comment for comment, _depth in thread.walk()]
    texts = [text for c in comments for text in (c.id, c.body, c.author or "")]
    dirty = _has_not_text("\n".join(texts))  # one look at every id, body and author
    seen: dict[str, int] = {}
    for comment in comments:
        if dirty:
            comment.id = clean_text(comment.id)
            comment.body = clean_text(comment.body)
            comment.author = clean_text(comment.author) if comment.author is not None else None
        if comment.extra:
            comment.extra = _clean_value(comment.extra)
        if comment.id in seen:
            raise SourceError(
                thread.path,
                comment.line,
                f"comment id {comment.id!r} is used twice once control characters are replaced "
                f"(first at line {seen[comment.id]})",
            )
        seen[comment.id] = comment.line
    return thread


def _check_card_fields(thread: Thread) -> None:
    """SourceError when a field a thread card shows is longer than `MAX_CHARS` allows, or the tags are too many
    or too long (every reader and every export in `content/` comes through here)."""
    for name, limit in MAX_CHARS.items():
        value = getattr(thread, name)
        if value is not None and len(value) > limit:
            raise SourceError(thread.path, 0, f"the {name} is {len(value):,} characters long; at most {limit:,}")
    if len(thread.tags) > MAX_TAGS:
        raise SourceError(thread.path, 0, f"{len(thread.tags):,} tags; a thread may have at most {MAX_TAGS}")
    long_tag = next((tag for tag in thread.tags if len(tag) > MAX_TAG_CHARS), None)
    if long_tag is not None:
        raise SourceError(
            thread.path,
            0,
            f"a tag is {len(long_tag):,} characters long; at most {MAX_TAG_CHARS} ({long_tag[:40]!r}...)",
        )


def thread_header(path: str, data: dict[str, Any], title: str, line_of: Callable[[str], int]) -> Thread:
    """A Thread from the header fields the `.md` front matter and the `.json` object share.

    `line_of(key)` gives the line a key is on, for messages; comments and body are the caller's.
    """
    raw_date = data.get("date")
    return Thread(
        title=title,
        path=path,
        source=optional_text(data.get("source"), path, line_of("source"), "source"),
        author=optional_text(data.get("author"), path, line_of("author"), "author"),
        date=parse_moment(raw_date, path, line_of("date")) if raw_date is not None else None,
        tags=parse_tags(data.get("tags"), path, line_of("tags")),
        summary=optional_text(data.get("summary"), path, line_of("summary"), "summary") or None,
        slug=optional_text(data.get("slug"), path, line_of("slug"), "slug") or None,
        draft=optional_bool(data.get("draft"), path, line_of("draft"), "draft"),
        locked=optional_bool(data.get("locked"), path, line_of("locked"), "locked"),
    )


def comment_from_fields(
    path: str, line: int, data: dict[str, Any], body: str, comment_id: str, known: tuple[str, ...]
) -> Comment:
    """A Comment from the fields the `.md` attributes and a `.json` comment object share; keys not in
    `known` go to `extra`."""
    raw_date = data.get("date")
    author = data.get("author")
    score = data.get("score")
    return Comment(
        body=body,
        id=comment_id,
        author=author if author is None or type(author) is str else optional_text(author, path, line, "author"),
        date=parse_moment(raw_date, path, line) if raw_date is not None else None,
        score=score if type(score) is int and abs(score) <= MAX_SCORE else parse_score(score, path, line),
        line=line,
        extra={k: v for k, v in data.items() if k not in known},
    )
