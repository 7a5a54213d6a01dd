"""Issue 8.3: broken files are reported, not fatal to others.

Property-based (hypothesis): every reader, fed arbitrary text or bytes, either returns a thread or raises
`SourceError` naming the file and a line in it; never another exception. Plus the specific shapes that used
to escape as other exceptions, each in a test named after the fix.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from security_support import METRICS

from site_src.diagnostics import SourceError
from site_src.load import decode_source
from site_src.model import Thread
from site_src.readers import parse_file
from site_src.readers.json_thread import loads_iterative

SUFFIXES = (".md", ".json", ".txt", ".ndjson", ".jsonl", ".xml", ".mbox")
"""Every file ending `content/` reads: the three thread formats and the raw exports."""
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
MANY = settings(max_examples=800, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _count(key: str) -> None:
    METRICS[f"fuzz: examples run ({key})"] += 1


def read_any(path: str, data: bytes) -> Thread | SourceError:
    """Bytes -> thread (the first, for exports), or the SourceError that reports them, as the build reads a file;
    anything else propagates (and fails the test)."""
    try:
        source = decode_source(path, data)
        threads = parse_file(source, [])
        return threads[0] if threads else Thread(title="(no threads)", path=path)
    except SourceError as exc:
        return exc


def assert_reported(path: str, text_or_bytes: str | bytes) -> None:
    data = text_or_bytes.encode("utf-8", "surrogatepass") if isinstance(text_or_bytes, str) else text_or_bytes
    outcome = read_any(path, data)
    if isinstance(outcome, SourceError):
        problem = outcome.problem
        assert problem.path == path
        lines = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n").count(b"\n") + 1
        assert 0 <= problem.line <= lines
        assert problem.message
    else:
        assert isinstance(outcome, Thread)
        outcome.title.encode("utf-8")  # every text can be written as UTF-8 (no lone surrogates)
        for comment, _depth in outcome.walk():
            (comment.id + comment.body + (comment.author or "")).encode("utf-8")


# ---------------------------------------------------------------- strategies

_md_line = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["---", "...", "title: T", "tags: [a, b]", "date: 2025-07-10", "```", "~~~", "\\--- comment"]),
    st.builds(
        lambda attrs: "--- comment " + " ".join(attrs),
        st.lists(
            st.builds(
                "{}={}".format,
                st.sampled_from(["id", "parent", "author", "date", "score", "parnet", "x", "edited"]),
                st.one_of(st.text(max_size=8), st.sampled_from(['"a b"', "c1", "c2", "true", "1e999", '"\\"'])),
            ),
            max_size=4,
        ),
    ),
)
markdown_files = st.builds(
    lambda head, lines: "\n".join([*head, *lines]),
    st.sampled_from([["---", "title: T", "---"], ["---", "title: T"], [], ["---"]]),
    st.lists(_md_line, max_size=25),
)

_json_leaf = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=10))
_json_values = st.recursive(
    _json_leaf,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=6), inner, max_size=4)),
    max_leaves=20,
)
_comment = st.recursive(
    st.fixed_dictionaries(
        {"body": st.one_of(st.text(max_size=10), _json_leaf)},
        optional={"id": _json_leaf, "author": _json_leaf, "date": _json_leaf, "score": _json_leaf},
    ),
    lambda inner: st.fixed_dictionaries({"body": st.text(max_size=5), "replies": st.lists(inner, max_size=3)}),
    max_leaves=10,
)
json_documents = st.one_of(
    st.builds(
        json.dumps,
        st.fixed_dictionaries(
            {"title": st.one_of(st.text(max_size=10), _json_leaf)},
            optional={
                "comments": st.one_of(st.lists(_comment, max_size=4), _json_values),
                "tags": _json_values,
                "date": _json_leaf,
                "source": _json_leaf,
                "slug": _json_leaf,
                "locked": _json_leaf,
                "extra": _json_values,
            },
        ),
    ),
    st.builds(json.dumps, _json_values),
    st.text(alphabet='{}[]":,0123456789.eE-+ \ntruefalsnu\\', max_size=60),
)

_txt_line = st.one_of(
    st.text(max_size=30),
    st.builds("  {}. {}".format, st.integers(min_value=-1, max_value=10**12), st.text(max_size=10)),
    st.builds("{} comments".format, st.integers(min_value=0, max_value=10**20)),
    st.sampled_from(["Tags: a, b", "Date: 2025-02-30", "Date: 2025-07-10", "Posted by x", "Comments are closed."]),
    st.sampled_from(["https://example.org/2025/13/", "    continued", "", "Summary: s"]),
)
text_files = st.builds(lambda lines: "\n".join(lines), st.lists(_txt_line, max_size=20))

STRUCTURED = {".md": markdown_files, ".json": json_documents, ".txt": text_files}


# ---------------------------------------------------------------- properties


@pytest.mark.parametrize("suffix", SUFFIXES)
@FAST
@given(text=st.text())
def test_any_text_is_a_thread_or_a_reported_error(suffix: str, text: str) -> None:
    _count("arbitrary text")
    assert_reported(f"content/fuzz{suffix}", text)


@pytest.mark.parametrize("suffix", SUFFIXES)
@FAST
@given(data=st.binary())
def test_any_bytes_are_a_thread_or_a_reported_error(suffix: str, data: bytes) -> None:
    _count("arbitrary bytes")
    assert_reported(f"content/fuzz{suffix}", data)


@pytest.mark.parametrize("suffix", SUFFIXES[:3])
@FAST
@given(data=st.data())
def test_near_valid_files_are_a_thread_or_a_reported_error(suffix: str, data: st.DataObject) -> None:
    _count("format-shaped")
    assert_reported(f"content/fuzz{suffix}", data.draw(STRUCTURED[suffix]))


@pytest.mark.slow
@pytest.mark.parametrize("suffix", SUFFIXES[:3])
@MANY
@given(data=st.data())
def test_many_near_valid_files_are_a_thread_or_a_reported_error(suffix: str, data: st.DataObject) -> None:
    _count("format-shaped, slow run")
    assert_reported(f"content/fuzz{suffix}", data.draw(STRUCTURED[suffix]))


@FAST
@given(value=_json_values)
def test_iterative_json_parser_agrees_with_json_loads(value: Any) -> None:
    _count("iterative JSON vs json.loads")
    text = json.dumps(value)
    assert json.dumps(loads_iterative(text)) == json.dumps(json.loads(text))


@FAST
@given(text=st.text(alphabet='{}[]":,0123456789.eE-+ \ntruefalsnNaIiy\\', max_size=40))
def test_iterative_json_parser_rejects_what_json_loads_rejects(text: str) -> None:
    _count("iterative JSON vs json.loads")
    try:
        expected: Any = json.dumps(json.loads(text))
    except json.JSONDecodeError:
        expected = json.JSONDecodeError
    try:
        got: Any = json.dumps(loads_iterative(text))
    except json.JSONDecodeError:
        got = json.JSONDecodeError
    assert got == expected


# ---------------------------------------------------------------- shapes that escaped before (one test per fix)


def _error(path: str, text: str | bytes) -> SourceError:
    outcome = read_any(path, text.encode() if isinstance(text, str) else text)
    assert isinstance(outcome, SourceError), f"{path} was accepted"
    return outcome


def test_fix_md_impossible_date_in_front_matter_is_a_source_error() -> None:
    """YAML turned `2025-13-45` into a ValueError that stopped the build."""
    error = _error("content/a.md", "---\ntitle: x\nsummary: y\ndate: 2025-13-45\n---\n")
    assert error.problem.line == 4 and "month must be in 1..12" in error.problem.message


def test_fix_md_self_referencing_yaml_alias_is_a_source_error() -> None:
    """`&a [*a]` recursed forever (RecursionError) when the front matter was made JSON-friendly."""
    assert "too large or nested" in _error("content/a.md", "---\ntitle: x\nfoo: &a [*a]\n---\n").problem.message


def test_fix_md_yaml_alias_bomb_is_refused_quickly() -> None:
    """A billion-laughs front matter is refused instead of expanding."""
    lines = ["---", "title: x", "a0: [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: [{', '.join([f'*a{i - 1}'] * 10)}]".replace("*", "*") for i in range(1, 9)]
    text = "\n".join(lines).replace("a0: [", "a0: &a0 [")
    for i in range(1, 9):
        text = text.replace(f"a{i}: [", f"a{i}: &a{i} [")
    assert "too large" in _error("content/a.md", text + "\n---\n").problem.message


def test_fix_md_deeply_nested_front_matter_is_a_source_error() -> None:
    """`[[[[...` 1,200 deep raised RecursionError inside PyYAML."""
    error = _error("content/a.md", "---\ntitle: x\nfoo: " + "[" * 1200 + "]" * 1200 + "\n---\n")
    assert error.problem.line == 3


def test_fix_huge_integers_are_source_errors() -> None:
    """Python refuses to convert numbers over 4,300 digits: a ValueError that stopped the build."""
    digits = "9" * 5000
    assert _error("content/a.json", '{"title": "x", "n": ' + digits + "}").problem.line == 1
    assert _error("content/a.md", f"---\ntitle: x\nn: {digits}\n---\n").problem.line == 3
    assert "score" in _error("content/a.md", f"---\ntitle: x\n---\n--- comment score={digits}\nhi\n").problem.message
    thread = read_any("content/a.txt", f"title\n{digits} comments\n  {digits}. hi\n".encode())
    assert isinstance(thread, Thread)  # a number that long is text, not a count or a comment number


def test_fix_dates_outside_utc_range_are_source_errors() -> None:
    """`0001-01-01T00:00+05:00` overflowed (OverflowError) when converted to UTC."""
    for moment in ("0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00"):
        assert "out of range" in _error("content/a.json", json.dumps({"title": "x", "date": moment})).problem.message


def test_fix_lone_surrogates_and_control_characters_are_replaced() -> None:
    """A JSON `\\ud800` escape made the whole build fail (UnicodeEncodeError when writing the page);
    `\\u0001` made every feed carrying it invalid XML."""
    text = '{"title": "a\\ud800b\\u0001c", "body": "x\\udfff", "comments": [{"id": "\\ud800", "body": "\\u0000"}]}'
    thread = read_any("content/a.json", text.encode())
    assert isinstance(thread, Thread)
    assert thread.title == "a\ufffdb\ufffdc"
    assert thread.comments[0].id == "\ufffd" and thread.comments[0].body == "\ufffd"


def test_fix_ids_that_collide_after_cleaning_are_reported() -> None:
    text = '{"title": "t", "comments": [{"id": "a\\u0001", "body": "x"}, {"id": "a\\u0002", "body": "y"}]}'
    assert "used twice" in _error("content/a.json", text).problem.message


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("empty.md", b""),
        ("empty.json", b""),
        ("empty.txt", b""),
        ("bom.md", b"\xef\xbb\xbf---\ntitle: T\n---\nbody\n"),
        ("crlf.md", b"---\r\ntitle: T\r\n---\r\n--- comment id=a\r\nhi\r\n"),
        ("cr.txt", b"Title\r\rPosted by x\r  1. one\r  2. two\r"),
        ("binary.json", bytes(range(256)) * 4),
        ("latin1.txt", "Titre\n\n  1. déjà vu\n".encode("latin-1")),
        ("bom-only.json", b"\xef\xbb\xbf"),
        ("nul-late.txt", b"Title\n\n  1. x" + b" " * 9000 + b"\x00"),
    ],
)
def test_odd_files_are_a_thread_or_a_reported_error(name: str, data: bytes) -> None:
    assert_reported(f"content/{name}", data)


def test_bom_crlf_and_lone_cr_read_like_plain_lf() -> None:
    plain = read_any("content/a.txt", b"Title\n\nPosted by x\n  1. one\n  2. two\n")
    for variant in (
        b"\xef\xbb\xbfTitle\r\n\r\nPosted by x\r\n  1. one\r\n  2. two\r\n",
        b"Title\r\rPosted by x\r  1. one\r  2. two\r",
    ):
        other = read_any("content/a.txt", variant)
        assert isinstance(other, Thread) and isinstance(plain, Thread)
        assert (other.title, other.author, [c.body for c in other.comments]) == (
            plain.title,
            plain.author,
            [c.body for c in plain.comments],
        )


def test_invalid_utf8_names_its_line() -> None:
    error = _error("content/a.txt", b"Title\n\nline three\n\xff\xfe bad\n")
    assert error.problem.line == 4 and "UTF-8" in error.problem.message


def test_a_broken_file_does_not_stop_the_others(tmp_path: Path) -> None:
    """One good thread and a file of every broken kind: the good one is built, each bad one is reported."""
    from support import build_site, make_project

    files: dict[str, str | bytes] = {
        "content/good.md": "---\ntitle: Good\n---\nfine\n",
        "content/bad-date.md": "---\ntitle: x\ndate: 2025-13-45\n---\n",
        "content/bad-alias.md": "---\ntitle: x\nfoo: &a [*a]\n---\n",
        "content/bad-utf8.txt": b"T\n\xff\n",
        "content/bad-json.json": '{"title": "x", "comments": [}',
        "content/binary.txt": b"\x00\x01\x02",
        "content/surrogate.json": '{"title": "s\\ud800", "body": "b"}',
    }
    result = build_site(make_project(tmp_path, files), keep_going=True)
    assert sorted({p.path for p in result.report.errors}) == sorted(
        f for f in files if f not in ("content/good.md", "content/surrogate.json")
    )
    assert "t/good/index.html" in result.files and "t/surrogate/index.html" in result.files


@pytest.mark.parametrize("suffix", [".json", ".ndjson", ".jsonl"])
def test_fix_deep_or_huge_json_exports_are_reported_not_fatal(suffix: str) -> None:
    """Export detection ran `json.loads` unguarded: RecursionError or ValueError stopped the build."""
    for text in ("[" * 5000 + "]" * 5000, '{"subreddit": ' + "9" * 5000 + "}"):
        assert_reported(f"content/export{suffix}", text)
