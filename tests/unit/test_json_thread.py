"""The JSON interchange reader, exactly as thread-format.md describes it."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from site_src.diagnostics import SourceError
from site_src.readers import parse_text

EXAMPLE = {
    "title": "Why the river moved",
    "source": "https://example.org/threads/42",
    "author": "ferrywoman",
    "date": "2025-07-10T14:02:00Z",
    "tags": ["rivers", "maps"],
    "summary": "optional hand-written summary",
    "locked": False,
    "body": "Markdown text of the post, may be empty",
    "colour": "blue",
    "comments": [
        {
            "id": "c1",
            "author": "surveyor",
            "date": "2025-07-10T15:00:00Z",
            "score": 42,
            "body": "Markdown text",
            "flair": "mod",
            "replies": [{"id": "c2", "author": "ferrywoman", "body": "Markdown text", "replies": []}],
        },
        {"body": "no id", "replies": ""},
    ],
}


def error_of(text: str) -> str:
    with pytest.raises(SourceError) as info:
        parse_text("content/x.json", text)
    return info.value.problem.format()


def test_reads_the_documented_example() -> None:
    thread = parse_text("content/x.json", json.dumps(EXAMPLE, indent=2))
    assert thread.date == datetime(2025, 7, 10, 14, 2, tzinfo=UTC)
    assert thread.summary == "optional hand-written summary"
    assert thread.extra == {"colour": "blue"}
    c1, c3 = thread.comments
    assert (c1.score, c1.extra, [r.id for r in c1.replies]) == (42, {"flair": "mod"}, ["c2"])
    assert c3.id == "c3"  # third in reading order
    assert c1.line == 16


def test_zone_offsets_become_utc() -> None:
    thread = parse_text("content/x.json", '{"title": "t", "date": "2025-07-10T16:02:00+02:00"}')
    assert thread.date == datetime(2025, 7, 10, 14, 2, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"title": "t",\n "comments": [}', "content/x.json:2: error: invalid JSON: Expecting value (column 15)"),
        ("[1, 2]", "content/x.json:1: error: a JSON thread must be an object {...}, found list"),
        ('{"body": "x"}', "content/x.json:1: error: the thread has no 'title'"),
        (
            '{"title": "t", "comments": [{"id": "a", "body": "x"},\n {"id": "a", "body": "y"}]}',
            "content/x.json:2: error: duplicate comment id 'a' (first used at line 1)",
        ),
        (
            '{"title": "t", "comments": [{"id": "a", "replies": [\n{"id": "b"}]}]}',
            "content/x.json:1: error: comments[0]: comment has no 'body'",
        ),
        (
            '{"title": "t", "comments": [{"id": "a", "body": "x", "replies": [\n{"id": "b"}]}]}',
            "content/x.json:2: error: comments[0].replies[0]: comment has no 'body'",
        ),
        (
            '{"title": "t", "comments": [{"body": "x", "score": "many"}]}',
            "content/x.json: error: comments[0]: score must be a whole number",
        ),
        ('{"title": "t", "date": "10/07/2025"}', "content/x.json:1: error: date '10/07/2025' is not an ISO 8601 date"),
    ],
)
def test_errors_name_file_and_where(text: str, expected: str) -> None:
    assert error_of(text).startswith(expected)
