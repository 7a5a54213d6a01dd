"""Field values shared by every format: dates, tags, ids, scores.

Each function takes a raw value and where it came from, and returns the model
value or raises `SourceError` saying what was found and what was expected.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

from ..diagnostics import SourceError
from ..model import Comment, Moment

_URL_DATE = re.compile(r"/((?:19|20)\d\d)/(0[1-9]|1[0-2])/(?:(0[1-9]|[12]\d|3[01])/)?")


def parse_moment(value: Any, path: str, line: int, what: str = "date") -> Moment:
    """ISO 8601 day or date-time -> date / aware datetime in UTC (no zone given: UTC)."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        return value
    elif isinstance(value, str):
        text = value.strip()
        try:
            if re.fullmatch(r"\d{4}-\d\d-\d\d", text):
                return date.fromisoformat(text)
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise SourceError(
                path,
                line,
                f"{what} {value!r} is not an ISO 8601 date",
                hint="write 2025-07-10 or 2025-07-10T14:02:00Z",
            ) from None
    else:
        raise SourceError(path, line, f"{what} must be an ISO 8601 string, not {type(value).__name__}")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def date_from_url(url: str | None) -> date | None:
    """The day (or first of the month) named by a `/YYYY/MM/` or `/YYYY/MM/DD/` part of a URL."""
    if not url:
        return None
    match = _URL_DATE.search(url)
    if not match:
        return None
    year, month, day = match.group(1), match.group(2), match.group(3) or "01"
    try:
        return date(int(year), int(month), int(day))
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
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"[+-]?\d+", value.strip()):
        return int(value)
    raise SourceError(path, line, f"score must be a whole number, not {value!r}")


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
