"""Issue 20, the readers: an unclosed fence that hides comments (item 8), a duplicate JSON id placed on the
line of its first use (item 10), a UTF-16 file called "binary" (item 10)."""

from __future__ import annotations

import pytest

from site_src.diagnostics import Problem, SourceError
from site_src.load import decode_source
from site_src.readers import parse_file, parse_text

UNCLOSED = """\
---
title: T
---

The post.

--- comment id=c1
Some code:

```python
print("hi")

--- comment id=c2
A reply that is swallowed.

--- comment id=c3
Another.
"""


def _read(path: str, text: str | bytes) -> tuple[list[str], list[Problem]]:
    warnings: list[Problem] = []
    data = text.encode() if isinstance(text, str) else text
    threads = parse_file(decode_source(path, data), warnings)
    return [c.id for c, _ in threads[0].walk()], warnings


def test_issue_20_a_fence_left_open_that_hides_comments_is_a_warning_at_the_fence() -> None:
    ids, warnings = _read("content/a.md", UNCLOSED)
    assert ids == ["c1"]  # what Markdown says: the rest is code
    assert [w.format() for w in warnings] == [
        "content/a.md:10: warning: this code fence is never closed: the 2 '--- comment' line(s) after it "
        "(line 13, 16) are read as code, not as comments\n"
        "    hint: close the fence with a line of the same backticks or tildes where the code ends"
    ]


def test_issue_20_a_closed_fence_showing_the_syntax_is_no_warning() -> None:
    text = UNCLOSED.replace('```python\nprint("hi")\n', '````\nprint("hi")\n--- comment id=shown\n````\n')
    ids, warnings = _read("content/a.md", text)
    assert ids == ["c1", "c2", "c3"] and warnings == []


def test_issue_20_a_reply_to_a_swallowed_comment_points_at_the_fence() -> None:
    """The fence in c1 is closed only by the fence meant to open a block in c3: c2 is swallowed, and the
    reply to it used to be reported at its own line as a reply to an unknown id."""
    text = (
        "---\ntitle: T\n---\n\n--- comment id=c1\n```\ncode\n\n--- comment id=c2\nswallowed\n\n"
        "--- comment id=c3\n```\nmore\n\n--- comment id=c4 parent=c2\nanswer\n"
    )
    with pytest.raises(SourceError) as info:
        parse_text("content/a.md", text)
    assert info.value.problem.format() == (
        "content/a.md:6: error: the reply at line 16 answers comment 'c2', whose '--- comment' line (9) is inside "
        "the code block this fence opens, so it is read as code\n"
        "    hint: close the fence with a line of the same backticks or tildes where the code ends"
    )


def test_issue_20_a_duplicate_json_id_is_reported_at_its_own_line() -> None:
    text = """{
  "title": "T",
  "comments": [
    {"id": "a",
     "body": "first"},
    {"id": "b",
     "body": "second",
     "replies": [{"id": "a", "body": "again"}]}
  ]
}
"""
    with pytest.raises(SourceError) as info:
        parse_text("content/a.json", text)
    assert info.value.problem.line == 8
    assert "duplicate comment id 'a' (first used at line 4)" in info.value.problem.message


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_issue_20_a_utf16_file_with_a_bom_is_read(encoding: str) -> None:
    text = "Title with é\r\n\r\nPosted by x\r\n  1. one\r\n  2. two ünïcode\r\n"
    with_bom = encoding in ("utf-16", "utf-32")  # these codecs write the byte-order mark themselves
    data = text.encode(encoding) if with_bom else ("\ufeff" + text).encode(encoding)
    ids, warnings = _read("content/a.txt", data)
    thread = parse_file(decode_source("content/a.txt", data), [])[0]
    assert thread.title == "Title with é" and [c.body for c in thread.comments] == ["one", "two ünïcode"]
    assert warnings == [] and ids == ["c1", "c2"]


def test_issue_20_utf16_without_a_bom_gets_a_hint() -> None:
    with pytest.raises(SourceError) as info:
        decode_source("content/a.md", "---\ntitle: T\n---\n".encode("utf-16-le"))
    problem = info.value.problem
    assert problem.message == "binary file (contains NUL bytes), not a thread"
    assert problem.hint == "this looks like UTF-16LE text without a byte-order mark: save it as UTF-8 " + (
        "(iconv -f UTF-16LE -t UTF-8)"
    )


def test_issue_20_broken_utf16_names_its_line() -> None:
    data = "T\n\nline three\n".encode("utf-16") + b"\x00\xd8\n\x00"  # a lone high surrogate
    with pytest.raises(SourceError) as info:
        decode_source("content/a.txt", data)
    assert info.value.problem.line == 4 and "not valid UTF-16" in info.value.problem.message


def test_issue_20_a_yaml_library_bug_is_the_files_error() -> None:
    """PyYAML raises AttributeError (not a YAMLError) on an explicit `!!timestamp` that is no date: found by
    the front-matter fuzzer; it is the file's error at the value's line, like any bad value."""
    from site_src.diagnostics import SourceError

    text = "---\ntitle: t\ndate: !!timestamp 2025-13-45\n 0\n---\nbody\n"  # the value: "2025-13-45 0"
    with pytest.raises(SourceError) as caught:
        parse_file(decode_source("content/x.md", text.encode()), [])
    assert caught.value.problem.path == "content/x.md" and caught.value.problem.line == 3
