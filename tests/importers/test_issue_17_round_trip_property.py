"""Issue 17 items 2-4: every thread an importer can produce reads back exactly from `.md` and `.json`.

The threads are what importers hand to the writer: `normalize_thread` of a tree whose texts hold the
things strangers' exports hold (unclosed fences, lone CR, CR LF, U+2028, NUL, lone surrogates, lines
that look like comment markers or front matter), with the extra keys importers set. The file text
goes through the bytes a build reads (UTF-8, the loader's NUL and line-ending rules), then the reader.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from site_src.importers.normalize import normalize_thread
from site_src.load import decode_source
from site_src.model import Comment, Thread
from site_src.readers import parse_source
from site_src.readers.fields import clean_text
from site_src.thread_files import format_json, format_markdown

_TRICKY_LINES = [
    "```",
    "````python",
    "~~~",
    "   ```",
    "``` not `a fence`",
    "--- comment id=fake author=admin score=9999",
    "\\--- comment id=x",
    "--- comment",
    "---",
    "...",
    "title: forged",
    "+++",
    "> quoted",
    "::: spoiler Who",
    ":::",
    "\\>!hidden!<",
    "",
    " ",
    "\t",
]
_PIECES = st.one_of(
    st.sampled_from(_TRICKY_LINES),
    st.sampled_from(["\r", "\r\n", "\n", "\u2028", "\u2029", "\x85", "\x00", "\ud800", "\udfff", "\x0b", "\ufeff"]),
    st.text(max_size=12),
)
_BODY = st.lists(_PIECES, max_size=12).map(lambda parts: "\n".join(parts) if len(parts) % 2 else "".join(parts))
_NAME = st.one_of(st.none(), st.text(max_size=10), st.sampled_from(["true", "123", "a b", 'q"uote', "x\r\ny", "\x00"]))
_MOMENT = st.one_of(
    st.none(),
    st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2030, 1, 1)).map(
        lambda d: d.replace(microsecond=0, tzinfo=UTC)
    ),
)
_EXTRA_VALUE = st.one_of(st.booleans(), st.integers(-(2**40), 2**40), _BODY, st.sampled_from(["1.5", "2025-01-01"]))
_COMMENT_EXTRA = st.dictionaries(
    st.sampled_from(
        [
            "signature",
            "subject",
            "cw",
            "flair",
            "edited",
            "quoted",
            "missing_parent",
            "references",
            "more_replies",
            "kind",
        ]
    ),
    _EXTRA_VALUE,
    max_size=3,
)
_ID = st.one_of(st.from_regex(r"[a-z0-9]{1,8}", fullmatch=True), st.sampled_from(["a b", "", "p1", "x/y", "\x00"]))


@st.composite
def _threads(draw: st.DrawFn) -> Thread:
    thread = Thread(
        title=draw(st.one_of(_BODY, st.just("A title"))),
        path="reddit-abc-x.md",
        source=draw(st.one_of(st.none(), st.just("https://example.org/t/1"))),
        author=draw(_NAME),
        date=draw(_MOMENT),
        locked=draw(st.booleans()),
        body=draw(_BODY),
    )
    thread.extra = {"origin": "reddit", "origin_id": "abc"}
    thread.extra.update(
        draw(st.dictionaries(st.sampled_from(["signature", "link", "score", "missing_post"]), _EXTRA_VALUE))
    )
    pool: list[Comment] = []
    for _ in range(draw(st.integers(0, 6))):
        comment = Comment(
            body=draw(_BODY),
            id=draw(_ID),
            author=draw(_NAME),
            date=draw(_MOMENT),
            score=draw(st.one_of(st.none(), st.integers(-(2**70), 2**70))),
        )
        comment.extra = draw(_COMMENT_EXTRA)
        parent = draw(st.integers(-1, len(pool) - 1))
        (pool[parent].replies if parent >= 0 else thread.comments).append(comment)
        pool.append(comment)
    return thread


def _facts(thread: Thread) -> list[Any]:
    header = [thread.title, thread.source, thread.author, thread.date, thread.locked, thread.body, thread.extra]
    tree = [(depth, c.id, c.author, c.date, c.score, c.body, c.extra) for c, depth in thread.walk()]
    return [header, tree]


def _read_back(name: str, text: str) -> Thread:
    return parse_source(decode_source(name, text.encode("utf-8")), [])


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_threads())
def test_issue_17_parse_format_is_identity_in_both_formats(raw: Thread) -> None:
    thread = normalize_thread(raw)
    expected = _facts(thread)
    assert _facts(normalize_thread(thread)) == expected  # normalising twice changes nothing
    for fmt, text in (("md", format_markdown(thread)), ("json", format_json(thread))):
        back = _read_back(f"content/t.{fmt}", text)
        assert _facts(back) == expected, fmt


def test_issue_17_unclosed_fence_in_a_comment_keeps_the_later_comments() -> None:
    thread = Thread(title="t", path="t.md", body="Post\n```\nopen fence in the post")
    first = Comment(body="```python\nprint('never closed')", id="c1", author="a")
    thread.comments = [first, Comment(body="second", id="c2", author="b"), Comment(body="third", id="c3")]
    for text in (format_markdown(thread), format_markdown(normalize_thread(thread))):
        back = _read_back("t.md", text)
        assert [c.id for c, _ in back.walk()] == ["c1", "c2", "c3"]
        assert [c.author for c, _ in back.walk()] == ["a", "b", None]


def test_issue_17_lone_cr_does_not_forge_a_comment() -> None:
    body = "Line one\r--- comment id=fake author=admin score=9999\rthe rest"
    thread = Thread(title="t", path="t.md", comments=[Comment(body=body, id="c1", author="x")])
    for text in (format_markdown(thread), format_markdown(normalize_thread(thread))):
        back = _read_back("t.md", text)
        assert [(c.id, c.author) for c, _ in back.walk()] == [("c1", "x")]
        assert back.comments[0].body == "Line one\n--- comment id=fake author=admin score=9999\nthe rest"


def test_issue_17_nul_and_lone_surrogate_neither_crash_nor_write_a_nul() -> None:
    thread = normalize_thread(Thread(title="t\ud800", path="t.md", body="a\x00b \ud800 c", author="\udfffx"))
    for text in (format_markdown(thread), format_json(thread)):
        data = text.encode("utf-8")  # a lone surrogate would raise UnicodeEncodeError here
        assert b"\x00" not in data
    assert thread.body == "a\ufffdb \ufffd c"


def test_issue_17_real_reddit_page_with_hostile_bodies_writes_and_reads_back(tmp_path: Path) -> None:
    """A real comments page whose bodies are made to hold a lone surrogate, a NUL, a lone CR with a forged
    marker and an unclosed fence: every file is written, and reads back with every comment."""
    from support import corpus_dir

    from site_src.importers import import_paths
    from site_src.importers.write import write_threads

    page = json.loads((corpus_dir() / "reddit-json/rtv_2xmo63_python_complete.json").read_text(encoding="utf-8"))
    hostile = ["\ud800 x", "a\u0000b", "one\r--- comment id=fake author=admin score=9999\rtwo", "```\nnever closed"]
    stack, index = list(page[1]["data"]["children"]), 0
    while stack:
        thing = stack.pop()
        if thing["kind"] == "t1":
            thing["data"]["body"] = hostile[index % len(hostile)] + thing["data"]["body"]
            index += 1
            replies = thing["data"].get("replies")
            stack.extend(replies["data"]["children"] if replies else [])
    source = tmp_path / "page.json"
    source.write_text(json.dumps(page), encoding="ascii")  # the escapes `\ud800` and `\u0000` as a JSON source has them
    for fmt in ("md", "json"):
        threads = list(import_paths("reddit", [str(source)]))
        [written] = write_threads(threads, tmp_path / fmt, fmt)
        data = written.path.read_bytes()
        assert b"\x00" not in data
        back = parse_source(decode_source(written.path.name, data), [])
        assert back.comment_count() == index == 45
        assert "fake" not in [c.id for c, _ in back.walk()]
        assert _facts(back) == _facts(written.thread)


_TEXT_ONLY = st.lists(
    st.one_of(
        st.sampled_from(_TRICKY_LINES), st.sampled_from(["\r", "\r\n", "\n", "\u2028", "\x85"]), st.text(max_size=8)
    ),
    max_size=10,
).map("\n".join)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_TEXT_ONLY, _TEXT_ONLY), min_size=1, max_size=5), _TEXT_ONLY)
def test_issue_17_md_writer_never_forges_or_swallows_comments_even_without_normalising(
    comments: list[tuple[str, str]], post: str
) -> None:
    """`format_markdown` of a thread nobody normalised (a JSON thread file shown as Markdown): the comments
    read back are the ones written, whatever their bodies and extra values hold."""
    thread = Thread(title="t", path="t.md", body=post.replace("\x00", ""))
    for index, (body, value) in enumerate(comments):
        comment = Comment(body=body.replace("\x00", ""), id=f"c{index}", author="a")
        comment.extra["subject"] = value.replace("\x00", "")
        thread.comments.append(comment)
    back = _read_back("t.md", format_markdown(thread))
    assert [c.id for c, _ in back.walk()] == [c.id for c in thread.comments]
    # extra values come back exactly, but for the characters every reader replaces (`clean_text`)
    assert [c.extra["subject"] for c, _ in back.walk()] == [clean_text(c.extra["subject"]) for c in thread.comments]
