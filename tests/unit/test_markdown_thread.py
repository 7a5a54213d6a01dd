"""The Markdown thread reader: front matter, comment blocks, parent pointers, and every structural error."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from site_src.diagnostics import SourceError
from site_src.readers import parse_text
from site_src.readers.markdown_thread import _simple_front_matter
from site_src.thread_files import format_json, format_markdown

GOOD = """\
---
title: Why the river moved
source: https://example.org/threads/42
author: ferrywoman
date: 2025-07-10
tags: [rivers, maps]
locked: true
views: 12
---

The post.

--- comment id=c1 author=surveyor date=2025-07-10T15:00:00Z score=42
First comment.

> quoted

--- comment id=c2 parent=c1 author="Jane Q. Doe" edited=true
A reply.

--- comment parent=c2
Third level, no id.
"""


def error_of(text: str) -> str:
    with pytest.raises(SourceError) as info:
        parse_text("content/x.md", text)
    return info.value.problem.format()


def test_reads_front_matter_and_tree() -> None:
    thread = parse_text("content/x.md", GOOD)
    assert thread.title == "Why the river moved"
    assert thread.date == date(2025, 7, 10)
    assert thread.tags == ["rivers", "maps"]
    assert thread.locked is True
    assert thread.extra == {"views": 12}
    assert thread.body == "The post."
    [c1] = thread.comments
    assert (c1.id, c1.author, c1.score, c1.line) == ("c1", "surveyor", 42, 13)
    assert c1.date == datetime(2025, 7, 10, 15, 0, tzinfo=UTC)
    assert c1.body == "First comment.\n\n> quoted"
    [c2] = c1.replies
    assert (c2.author, c2.extra) == ("Jane Q. Doe", {"edited": True})
    [c3] = c2.replies
    assert c3.id == "c3" and c3.body == "Third level, no id."


def test_marker_inside_fence_is_body_and_escape_is_removed() -> None:
    text = (
        "---\ntitle: T\n---\n\n--- comment id=a\nCode:\n\n```\n--- comment id=b\n```\n\n"
        "\\--- comment literally\n\n--- comment id=c parent=a\nreply\n"
    )
    thread = parse_text("content/x.md", text)
    [a] = thread.comments
    assert a.body == "Code:\n\n```\n--- comment id=b\n```\n\n--- comment literally"
    assert [r.id for r in a.replies] == ["c"]


def test_deep_nesting_any_depth() -> None:
    lines = ["---", "title: deep", "---", "", "--- comment id=n0", "root"]
    for i in range(1, 3000):
        lines += [f"--- comment id=n{i} parent=n{i - 1}", f"level {i}"]
    thread = parse_text("content/x.md", "\n".join(lines))
    assert max(depth for _, depth in thread.walk()) == 3000


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("no front matter\n", "content/x.md:1: error: a .md thread must start with YAML front matter"),
        ("---\ntitle: x\n", "content/x.md:1: error: front matter is never closed"),
        ("---\ntitle: [unclosed\n---\n", "content/x.md:2: error: invalid YAML in front matter"),
        ("---\nauthor: a\n---\n", "content/x.md:1: error: front matter has no 'title'"),
        ("---\ntitle: t\ndate: yesterday\n---\n", "content/x.md:3: error: date 'yesterday' is not an ISO 8601 date"),
        (
            "---\ntitle: t\n---\n--- comment id=a\nx\n--- comment id=b parent=c9\ny\n",
            "content/x.md:6: error: reply to unknown comment id 'c9' (ids above it: a)",
        ),
        (
            "---\ntitle: t\n---\n--- comment id=a parent=b\nx\n--- comment id=b\ny\n",
            "content/x.md:4: error: reply to comment 'b', which comes later (line 6)",
        ),
        (
            "---\ntitle: t\n---\n--- comment id=a parent=a\nx\n",
            "content/x.md:4: error: comment 'a' replies to itself (a cycle)",
        ),
        (
            "---\ntitle: t\n---\n--- comment id=a\nx\n--- comment id=a\ny\n",
            "content/x.md:6: error: duplicate comment id 'a' (first used at line 4)",
        ),
        (
            "---\ntitle: t\n---\n--- comment id=a parnet=b\nx\n",
            "content/x.md:4: error: unknown comment attribute 'parnet'\n    hint: did you mean 'parent'?",
        ),
        (
            "---\ntitle: t\n---\n--- comment id=a score=lots\nx\n",
            "content/x.md:4: error: score must be a whole number, not 'lots'",
        ),
        (
            '---\ntitle: t\n---\n--- comment author="unterminated\nx\n',
            "content/x.md:4: error: cannot read comment attribute",
        ),
    ],
)
def test_structural_errors_name_file_and_line(text: str, expected: str) -> None:
    assert error_of(text).startswith(expected)


def test_round_trip_through_both_writers() -> None:
    thread = parse_text("content/x.md", GOOD)
    again_md = parse_text("content/x.md", format_markdown(thread))
    again_json = parse_text("content/x.json", format_json(thread))
    for other in (again_md, again_json):
        assert [(c.id, c.author, c.date, c.score, c.body, c.extra, d) for c, d in other.walk()] == [
            (c.id, c.author, c.date, c.score, c.body, c.extra, d) for c, d in thread.walk()
        ]
        assert (other.title, other.tags, other.date, other.locked, other.body, other.extra) == (
            thread.title,
            thread.tags,
            thread.date,
            thread.locked,
            thread.body,
            thread.extra,
        )


def test_round_trip_keeps_marker_like_body_lines() -> None:
    text = "---\ntitle: t\n---\n--- comment id=a\n\\--- comment not a marker\n\\\\--- comment two backslashes\n"
    thread = parse_text("content/x.md", text)
    assert thread.comments[0].body == "--- comment not a marker\n\\--- comment two backslashes"
    again = parse_text("content/x.md", format_markdown(thread))
    assert again.comments[0].body == thread.comments[0].body


# --- front matter without PyYAML: what `digest import` writes is read by `_simple_front_matter` ------------------

_FRONT_PIECES = [
    "title",
    "score",
    "date",
    "on",
    "Yes",
    "null",
    "x",
    "_k",
    ": ",
    ":",
    " ",
    "  ",
    "'",
    "''",
    '"',
    "#",
    " #",
    "-",
    "-3",
    "0",
    "012",
    "42",
    "1.5",
    "2025-07-10",
    "a",
    "Re",
    "https://x.org/t/1",
    "[a, b]",
    "~",
    "\t",
    "é",
    "\u00a0",
    "\ufeff",
    "NO",
    "inf",
    "true",
    "y",
    "*x",
    "&a",
    "!",
    "%",
    "| ",
    "> ",
]


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.lists(st.sampled_from(_FRONT_PIECES), min_size=1, max_size=7).map("".join), max_size=6))
def test_simple_front_matter_reads_as_yaml(lines: list[str]) -> None:
    """Whenever the quick reader takes front matter, it gives what PyYAML gives: the same keys in the same order,
    equal values of the same types."""
    fast = _simple_front_matter(["---", *lines], len(lines) + 1)
    if fast is None:
        return
    slow = yaml.safe_load("\n".join(lines)) or {}
    assert list(fast.items()) == list(slow.items())
    assert [type(v) for v in fast.values()] == [type(v) for v in slow.values()]


@pytest.mark.parametrize(
    ("line", "value"),
    [
        ("title: 'Re: it''s here'", "Re: it's here"),
        ("title: Why the river moved", "Why the river moved"),
        ("source: https://example.org/t/42", "https://example.org/t/42"),
        ("score: -3", -3),
        ("score: 0", 0),
        ("origin_id: '100'", "100"),
    ],
)
def test_simple_front_matter_takes_what_import_writes(line: str, value: object) -> None:
    assert _simple_front_matter(["---", line], 2) == {line.split(":")[0]: value}


@pytest.mark.parametrize(
    "line",
    ["locked: true", "draft: no", "date: 2025-07-10", "score: 012", "tags: [a, b]", "x: 1.5", "title: a: b", "k: a #c"],
)
def test_simple_front_matter_leaves_the_rest_to_yaml(line: str) -> None:
    assert _simple_front_matter(["---", line], 2) is None
