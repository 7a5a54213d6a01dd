"""Bad input, dump streaming and filters, writing and re-importing, redaction, detection, HTML -> Markdown."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from support import corpus_dir

from site_src.importers import ImportFailure, ImportOptions, ImportWarning_, import_paths
from site_src.importers.cli import add_arguments, run
from site_src.importers.detect import detect_source, threads_from_export
from site_src.importers.html_to_markdown import html_to_markdown
from site_src.importers.redact import pseudonym, redact_thread
from site_src.importers.write import write_threads


def test_truncated_json_names_file_and_line(tmp_path: Path) -> None:
    text = (corpus_dir() / "reddit-json/rtv_2xmo63_python_complete.json").read_text()
    broken = tmp_path / "cut.json"
    broken.write_text(text[: len(text) // 2])
    with pytest.raises(ImportFailure) as info:
        list(import_paths("reddit", [str(broken)]))
    assert info.value.path == str(broken) and info.value.line >= 1 and "not valid JSON" in info.value.message


@pytest.mark.parametrize(
    ("source", "text", "expected"),
    [
        ("reddit", '{"kind": "Listing"}', "2-element array"),
        ("discourse", "[1, 2]", "post_stream.posts"),
        ("mastodon", '{"id": 1}', "context"),
        ("hn", '{"foo": 1, "id": 3}', "HN item"),
        ("mbox", "Hello\n", "not an mbox"),
        ("stackexchange", "<posts><row Id='1' PostTypeId='1'", "not well-formed XML"),
    ],
)
def test_wrong_shape_is_a_clear_error(tmp_path: Path, source: str, text: str, expected: str) -> None:
    path = tmp_path / "input"
    path.write_text(text)
    with pytest.raises(ImportFailure, match=expected) as info:
        list(import_paths(source, [str(path)]))
    assert str(info.value).startswith(f"{path}:")


def _line(**fields: object) -> str:
    return json.dumps(fields)


def test_dump_bad_line_skipped_duplicates_int_parents_gzip(tmp_path: Path) -> None:
    lines = [
        _line(id="abc", title="A title &amp; more", subreddit="Python", created_utc="1600000000", author="op"),
        _line(
            id="c1",
            link_id="t3_abc",
            parent_id="t3_abc",
            body="one &gt; two",
            subreddit="Python",
            created_utc=1600000100,
            author="x",
            score=3,
        ),
        '{"id": "broken", ',
        _line(
            id="c2",
            link_id="t3_abc",
            parent_id=int("c1", 36),
            body="reply",
            subreddit="Python",
            created_utc=1600000200.5,
            author="y",
        ),
        _line(
            id="c2",
            link_id="t3_abc",
            parent_id=int("c1", 36),
            body="reply",
            subreddit="Python",
            created_utc=1600000200.5,
            author="y",
        ),
        _line(id="c3", link_id="t3_abc", parent_id=None, body="[deleted]", subreddit="Python", created_utc=1600000300),
        _line(id="z1", link_id="t3_other", parent_id="t3_other", body="elsewhere", subreddit="rust", created_utc=1),
    ]
    path = tmp_path / "dump.ndjson.gz"
    with gzip.open(path, "wt") as handle:
        handle.write("\n".join(lines) + "\n")
    warnings: list[ImportWarning_] = []
    threads = list(import_paths("reddit-dump", [str(path)], ImportOptions(warn=warnings.append)))
    assert [(w.path, w.line) for w in warnings] == [(str(path), 3)]
    by_id = {t.extra["origin_id"]: t for t in threads}
    thread = by_id["abc"]
    assert thread.title == "A title & more" and thread.date is not None and thread.date.tzinfo is not None
    assert [c.id for c in thread.comments] == ["c1", "c3"]
    assert thread.comments[0].body == "one > two" and [r.id for r in thread.comments[0].replies] == ["c2"]
    assert thread.comments[1].extra["deleted"] is True and thread.comments[1].author is None
    assert by_id["other"].extra["missing_post"] is True
    only = list(import_paths("reddit-dump", [str(path)], ImportOptions(subreddits={"python"}, min_comments=3)))
    assert [t.extra["origin_id"] for t in only] == ["abc"]
    assert list(import_paths("reddit-dump", [str(path)], ImportOptions(min_comments=4))) == []


def test_reimport_updates_file_and_keeps_tags_and_summary(tmp_path: Path) -> None:
    source = str(corpus_dir() / "reddit-json/rtv_2xmo63_python_complete.json")
    [first] = write_threads(list(import_paths("reddit", [source])), tmp_path)
    assert first.status == "created" and first.path.name.startswith("reddit-2xmo63-")
    edited = first.path.read_text().replace("---\n", "---\ntags: [terminal, tools]\nsummary: A person wrote this.\n", 1)
    first.path.write_text(edited)
    [again] = write_threads(list(import_paths("reddit", [source])), tmp_path)
    assert again.path == first.path and again.status in ("updated", "unchanged")
    assert again.thread.tags == ["terminal", "tools"] and again.thread.summary == "A person wrote this."
    [as_json] = write_threads(list(import_paths("reddit", [source])), tmp_path, "json")
    assert [p.name for p in tmp_path.iterdir()] == [as_json.path.name]
    assert json.loads(as_json.path.read_text())["tags"] == ["terminal", "tools"]


def test_pages_of_one_reddit_thread_merge(tmp_path: Path) -> None:
    root = corpus_dir() / "reddit-json"
    names = ["praw_3hahrw_funny_full.json", "praw_3hahrw_continue_thread_cu5w5nv.json"]
    [written] = write_threads(list(import_paths("reddit", [str(root / n) for n in names])), tmp_path)
    ids = [c.id for c, _ in written.thread.walk()]
    assert len(ids) == len(set(ids))
    assert max(depth for _c, depth in written.thread.walk()) > 10  # the continued branch goes deeper


def test_redaction_is_stable_and_complete() -> None:
    [thread] = import_paths("reddit", [str(corpus_dir() / "reddit-json/rtv_2xmo63_python_complete.json")])
    names = {c.author for c, _ in thread.walk() if c.author} | {thread.author}
    key = b"k" * 32
    redact_thread(thread, key)
    authors = {c.author for c, _ in thread.walk() if c.author} | {thread.author}
    assert authors.isdisjoint(names) and pseudonym("civilization_phaze_3", key) in authors
    assert pseudonym("Someone", key) == pseudonym("someone", key) != pseudonym("someone", b"other")
    text = " ".join(c.body for c, _ in thread.walk())
    assert not any(f"u/{n}" in text for n in names if n)


def test_detect_recognises_exports_only(tmp_path: Path) -> None:
    root = corpus_dir()
    expected = {
        "reddit-json/rtv_2xmo63_python_complete.json": "reddit",
        "discourse/meta_topic57_discourse_api_fixture.json": "discourse",
        "other/mastodon_context_109294719267373593.json": "mastodon",
        "other/hnpwa_item_1_circumflex.json": "hn",
        "hn-algolia/algolia_item_17.json": "hn",
        "mbox/pipermail_metrics-grimoire_2015-11.mbox": "mbox",
        "other/stackexchange_coffee_2015_Posts.xml": "stackexchange",
        "reddit-ndjson/pushshift-dump_mixed-2005-2024_comments_sample.ndjson": "reddit-dump",
        "other/github_rest_issues_datasette.json": None,
        "reddit-json/praw_3hahrw_morechildren_response.json": None,
    }
    for name, source in expected.items():
        text = (root / name).read_text(encoding="utf-8-sig")
        assert detect_source(name, text) == source, name
    native = json.dumps({"title": "t", "comments": [{"body": "b", "replies": []}]})
    assert detect_source("content/x.json", native) is None
    threads = threads_from_export("content/list.mbox", (root / "mbox/apache_users-ponymail_2022-01.mbox").read_text())
    assert [t.path for t in threads] == ["content/list.mbox"] * 2
    assert len({t.slug for t in threads}) == 2


def test_cli_reports_failures_and_goes_on(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import argparse

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    good = str(corpus_dir() / "reddit-json/praw_54hhwl_redditdev_deep_chain.json")
    bad = tmp_path / "bad.json"
    bad.write_text("[")
    code = run(parser.parse_args(["reddit", good, str(bad), "--out", str(tmp_path / "out"), "--redact-authors"]))
    err = capsys.readouterr().err
    assert code == 1 and f"{bad}:1: error:" in err and "1 thread, " in err
    assert (tmp_path / "out" / ".redact-key").exists() and len(list((tmp_path / "out").glob("*.md"))) == 1


@pytest.mark.parametrize(
    ("html", "markdown"),
    [
        ("<p>a *b* _c_ [d]</p>", "a \\*b\\* \\_c\\_ \\[d\\]"),
        ("one<p>two &amp; <i>three</i>", "one\n\ntwo & *three*"),
        (
            '<a href="https://x.org/a_(b)">link</a>',
            "[link](<https://x.org/a_(b)>)",
        ),
        ("<pre><code>x = `y`\n  z</code></pre>", "```\nx = `y`\n  z\n```"),
        ("<blockquote><p>q</p></blockquote><p># no</p>", "> q\n\n\\# no"),
        ("<ul><li>a<li>b</ul><ol start=3><li>c</ol>", "- a\n- b\n\n3. c"),
        ("a<br>b<script>alert(1)</script>", "a  \nb"),
        ("&lt;script&gt;", "\\<script>"),
    ],
)
def test_html_to_markdown(html: str, markdown: str) -> None:
    assert html_to_markdown(html) == markdown
