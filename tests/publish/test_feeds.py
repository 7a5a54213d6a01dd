"""Atom feeds (RFC 4287): the site feed, one per tag, one per thread (its newest comments). Valid against the
RFC's RELAX NG schema with jing, plus the rules the schema cannot check, as asserts: dates with an offset,
an author somewhere, unique absolute ids; and `updated` never comes from the clock."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from xml.etree import ElementTree

import pytest
from publishing import ATOM_RNC, MODES, Built, need
from support import build_site, make_project

from site_src.check import check_output

A = "{http://www.w3.org/2005/Atom}"
RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")
ABSOLUTE_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:\S+")


def feeds_of(files: dict[str, bytes]) -> dict[str, ElementTree.Element]:
    return {name: ElementTree.fromstring(data) for name, data in sorted(files.items()) if name.endswith("feed.xml")}


def assert_atom_rules(name: str, feed: ElementTree.Element) -> None:
    """RFC 4287 rules outside the RELAX NG schema."""
    assert feed.tag == f"{A}feed", name
    entries = feed.findall(f"{A}entry")
    for element in feed.iter():
        if element.tag in (f"{A}updated", f"{A}published"):
            assert RFC3339.fullmatch(element.text or ""), f"{name}: date without an offset: {element.text!r}"
    has_feed_author = feed.find(f"{A}author/{A}name") is not None
    assert has_feed_author or all(e.find(f"{A}author/{A}name") is not None for e in entries), name
    ids = [feed.findtext(f"{A}id")] + [e.findtext(f"{A}id") for e in entries]
    assert len(set(ids)) == len(ids), f"{name}: duplicate ids"
    assert all(i and ABSOLUTE_IRI.fullmatch(i) for i in ids), f"{name}: ids must be absolute IRIs: {ids}"
    assert feed.find(f"{A}link[@rel='self']") is not None, name
    for entry in entries:
        assert entry.find(f"{A}link[@rel='alternate']") is not None, f"{name}: entry without a link"
        assert entry.findtext(f"{A}summary") or entry.find(f"{A}content") is not None, f"{name}: no summary"


def run_jing(paths: list[Path]) -> None:
    need(ATOM_RNC.is_file(), f"{ATOM_RNC} is absent (the RFC 4287 schema, ../shared/schemas)")
    jing = shutil.which("jing")
    need(jing is not None, "jing is not installed (apt-get install jing)")
    assert jing is not None
    done = subprocess.run([jing, "-c", str(ATOM_RNC), *map(str, paths)], capture_output=True, text=True, timeout=120)
    errors = [line for line in (done.stdout + done.stderr).splitlines() if "Unable to locate" not in line]
    assert done.returncode == 0, "\n".join(errors)


def test_example_feeds_are_valid_atom_in_every_mode(example_builds: dict[str, Built]) -> None:
    paths: list[Path] = []
    for mode in MODES:
        built = example_builds[mode]
        for name, feed in feeds_of(built.result.files).items():
            assert_atom_rules(f"{mode}/{name}", feed)
            paths.append(built.out / name)
    assert len(paths) >= 3 * (1 + 14), "site feed, tag feeds and one per thread, in each mode"
    run_jing(paths)


def test_example_thread_feeds_list_newest_comments_linking_to_their_anchors(example_builds: dict[str, Built]) -> None:
    built = example_builds["subpath"]
    files = built.result.files
    thread_feeds = {n: f for n, f in feeds_of(files).items() if n.startswith("t/")}
    assert len(thread_feeds) == 14
    for name, feed in thread_feeds.items():
        entries = feed.findall(f"{A}entry")
        assert 1 <= len(entries) <= built.config.feed_items, name
        stamps = [e.findtext(f"{A}updated") or "" for e in entries]
        assert stamps == sorted(stamps, reverse=True), f"{name}: not newest first"
        for entry in entries:
            href = entry.find(f"{A}link").get("href", "")  # type: ignore[union-attr]
            assert href.startswith(f"https://example.org/digest/{name.removesuffix('feed.xml')}")
            assert "#comment-" in href
            assert entry.find(f"{A}content[@type='html']") is not None
    assert check_output(files, built.config.base_url).ok  # every entry link lands on an existing anchor


def test_thread_page_links_its_feed_or_feed_is_discoverable(example_builds: dict[str, Built]) -> None:
    """The per-thread feed exists at /t/<slug>/feed.xml for every thread page."""
    files = example_builds["root"].result.files
    threads = {n.split("/")[1] for n in files if re.fullmatch(r"t/[^/]+/index\.html", n)}
    assert {n.split("/")[1] for n in files if re.fullmatch(r"t/[^/]+/feed\.xml", n)} == threads


UNDATED = """\
An undated thread

  1. First comment, no date anywhere.
  2. Second comment.
"""

DATED_POST = """\
---
title: Dated post, undated comments
date: 2025-07-10
---
Post.

--- comment id=c1 author=ann date=2025-07-12T08:30:00+02:00
Dated.

--- comment id=c2 parent=c1 author=bob
An undated reply to a dated comment.

--- comment id=c3 author=cy
Undated, top level.
"""


def test_undated_threads_get_reproducible_dates_never_the_clock(tmp_path: Path) -> None:
    site = make_project(tmp_path / "site", {"content/undated.txt": UNDATED, "content/dated.md": DATED_POST})
    first = build_site(site, write=False, base_url="https://example.org/")
    assert not first.report.errors
    undated = ElementTree.fromstring(first.files["t/undated/feed.xml"])
    assert {e.text for e in undated.iter(f"{A}updated")} == {"1970-01-01T00:00:00Z"}
    dated = ElementTree.fromstring(first.files["t/dated/feed.xml"])
    stamps = {e.findtext(f"{A}id", "").rsplit("-", 1)[-1]: e.findtext(f"{A}updated") for e in dated.iter(f"{A}entry")}
    assert stamps == {
        "c1": "2025-07-12T06:30:00Z",  # readers keep instants in UTC
        "c2": "2025-07-12T06:30:00Z",  # its parent's date
        "c3": "2025-07-10T00:00:00Z",  # the thread's date
    }
    assert dated.findtext(f"{A}updated") == "2025-07-12T06:30:00Z"
    for name in ("feed.xml", "t/undated/feed.xml", "t/dated/feed.xml"):
        assert_atom_rules(name, ElementTree.fromstring(first.files[name]))
    second = build_site(site, write=False, base_url="https://example.org/")
    assert {n: d for n, d in first.files.items() if n.endswith(".xml")} == {
        n: d for n, d in second.files.items() if n.endswith(".xml")
    }


def test_feed_without_a_host_uses_urn_ids_and_stays_valid(tmp_path: Path) -> None:
    site = make_project(tmp_path / "site", {"content/dated.md": DATED_POST})
    result = build_site(site, base_url="/")
    assert not result.report.errors
    feeds = feeds_of(result.files)
    for name, feed in feeds.items():
        assert_atom_rules(name, feed)
        assert all((i.text or "").startswith("urn:uuid:") for i in feed.iter(f"{A}id"))
    run_jing([site / "public" / name for name in feeds])


HOSTILE = """\
---
title: "Hostile <b>title</b> ]]> & more"
date: 2025-07-10
---
--- comment id=c1 author="<script>alert(1)</script>" date=2025-07-11T00:00:00Z
A comment with <script>alert(2)</script> raw HTML, a ]]> and an <img src=x onerror=alert(3)>.
"""


def test_hostile_text_is_escaped_in_feeds(tmp_path: Path) -> None:
    site = make_project(tmp_path / "site", {"content/bad.md": HOSTILE})
    result = build_site(site, write=False, base_url="https://example.org/")
    feed = ElementTree.fromstring(result.files["t/bad/feed.xml"])  # well-formed
    entry = feed.find(f"{A}entry")
    assert entry is not None
    assert entry.findtext(f"{A}author/{A}name") == "<script>alert(1)</script>"  # text, not markup
    content = entry.findtext(f"{A}content") or ""
    assert "<script>" not in content and "&lt;script&gt;" in content  # the HTML a reader shows as text
    assert "<img" not in content


@pytest.mark.parametrize("limit", [1, 2])
def test_thread_feed_honours_feed_items(tmp_path: Path, limit: int) -> None:
    site = make_project(tmp_path / "site", {"content/dated.md": DATED_POST})
    result = build_site(site, write=False, base_url="https://example.org/", feed_items=limit)
    entries = ElementTree.fromstring(result.files["t/dated/feed.xml"]).findall(f"{A}entry")
    assert len(entries) == limit
    assert entries[0].findtext(f"{A}id") == "https://example.org/t/dated/#comment-c2"  # newest: last of the newest date


def test_folded_comments_link_to_their_continuation_page(tmp_path: Path) -> None:
    deep = "---\ntitle: Deep\ndate: 2025-01-01\n---\n" + "".join(
        f"--- comment id=c{k}{f' parent=c{k - 1}' if k > 1 else ''} date=2025-01-0{k}T00:00:00Z\nLevel {k}.\n\n"
        for k in range(1, 6)
    )  # five levels: the three below the fold are a branch big enough for a page of its own
    site = make_project(tmp_path / "site", {"content/deep.md": deep})
    result = build_site(site, write=False, base_url="https://example.org/", fold_depth=2)
    feed = ElementTree.fromstring(result.files["t/deep/feed.xml"])
    links = [e.find(f"{A}link").get("href") for e in feed.findall(f"{A}entry")]  # type: ignore[union-attr]
    assert links[0] == "https://example.org/t/deep/c/c2/#comment-c5"
    assert check_output(result.files, "https://example.org/").ok


def test_thread_feed_entries_carry_the_comment_once_and_a_theme_may_ask_for_a_summary(tmp_path: Path) -> None:
    long_comment = "A **first** sentence about the ferry. " + "More words follow here. " * 40
    thread = f"---\ntitle: T\ndate: 2025-01-01\n---\nPost.\n\n--- comment id=c1 author=ann\n{long_comment}\n"
    site = make_project(tmp_path / "site", {"content/t.md": thread})
    result = build_site(site, write=False, base_url="https://example.org/")
    entry = ElementTree.fromstring(result.files["t/t/feed.xml"]).find(f"{A}entry")
    assert entry is not None and entry.find(f"{A}summary") is None  # the content is the whole comment
    assert "<strong>first</strong>" in (entry.findtext(f"{A}content") or "")
    own = "{% macro comment_entries(comments) %}{% for c in comments %}<s>{{ c.summary }}</s>{% endfor %}{% endmacro %}"
    site = make_project(tmp_path / "own", {"content/t.md": thread, "templates/partials/feed_comments.html": own})
    feed = build_site(site, write=False, base_url="https://example.org/").files["t/t/feed.xml"].decode()
    summary = feed.split("<s>")[1].split("</s>")[0]
    assert summary.startswith("A first sentence about the ferry.") and summary.endswith("…")
    assert len(summary) <= 281
