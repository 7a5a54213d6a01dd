"""Search without a server: the Pagefind index covers every thread page, is byte-reproducible, is written with
the rest of the site (one atomic swap), and is absent when `search = false`."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pytest
from publishing import Built, need_pagefind
from support import build_site, make_project

from site_src.search import indexed, search_files

THREADS = {
    "content/a.md": "---\ntitle: Alpha\ndate: 2025-07-10\n---\nPost.\n\n--- comment id=c1 author=x\nQuokka facts.\n",
    "content/b.md": "---\ntitle: Beta\ndate: 2025-07-11\n---\nPost.\n\n--- comment id=c1 author=y\nWombat lore.\n",
}


def test_index_covers_every_thread_page(example_builds: dict[str, Built]) -> None:
    files = example_builds["subpath"].result.files
    entry = json.loads(files["pagefind/pagefind-entry.json"])
    thread_pages = [n for n in files if indexed(n)]
    assert len(thread_pages) >= 14
    assert sum(language["page_count"] for language in entry["languages"].values()) == len(thread_pages)
    assert "pagefind/pagefind.js" in files and "search/index.html" in files and "static/search.js" in files
    page = files["search/index.html"].decode()
    assert 'data-bundle="/digest/pagefind/pagefind.js"' in page and 'data-root="/digest/"' in page


def test_index_is_byte_reproducible(example_builds: dict[str, Built]) -> None:
    built = example_builds["root"]
    site_files = {n: d for n, d in built.result.files.items() if not n.startswith("pagefind/")}
    again = search_files(site_files, built.config)
    assert again == {n: d for n, d in built.result.files.items() if n.startswith("pagefind/")}


def test_only_thread_pages_are_indexed() -> None:
    assert indexed("t/slug/index.html") and indexed("t/slug/c/c9/index.html")
    assert not any(map(indexed, ["index.html", "tags/x/index.html", "t/slug/feed.xml", "search/index.html"]))


def test_search_off_means_no_bundle_and_no_page(tmp_path: Path) -> None:
    result = build_site(make_project(tmp_path / "site", THREADS), write=False)
    assert not any(n.startswith("pagefind/") or n.startswith("search/") for n in result.files)
    assert "site-search" not in result.files["index.html"].decode()


def test_search_on_in_a_small_site(tmp_path: Path) -> None:
    need_pagefind()
    result = build_site(make_project(tmp_path / "site", THREADS), search=True)
    assert not result.report.errors
    out = tmp_path / "site" / "public"
    assert (out / "pagefind" / "pagefind.js").is_file() and (out / "search" / "index.html").is_file()
    fragments = [n for n in result.files if re.fullmatch(r"pagefind/fragment/.+\.pf_fragment", n)]
    assert len(fragments) == 2


def test_a_missing_pagefind_is_an_error_and_leaves_the_output_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(tmp_path / "no-such-pagefind"))
    site = make_project(tmp_path / "site", THREADS)
    result = build_site(site, search=True)
    assert [p.message.split(":")[0] for p in result.report.errors] == ["search"]
    assert "Pagefind" in result.report.errors[0].message
    assert not (site / "public").exists()


def test_what_a_spoiler_hides_is_not_indexed(tmp_path: Path) -> None:
    """A result's excerpt comes from the indexed text: spoiler blocks and inline spoilers stay out of it."""
    need_pagefind()
    thread = (
        "---\ntitle: Gamma\ndate: 2025-07-12\n---\nPost about quolls.\n\n--- comment id=c1 author=z\n"
        "It was >!the numbat!< all along.\n\n::: spoiler Who\nThe bilby did it.\n:::\n"
    )
    result = build_site(make_project(tmp_path / "site", {"content/c.md": thread}), search=True)
    assert not result.report.errors
    [fragment] = [d for n, d in result.files.items() if re.fullmatch(r"pagefind/fragment/.+\.pf_fragment", n)]
    text = gzip.decompress(fragment).decode("utf-8", "replace")
    assert "quolls" in text and "all along" in text
    assert "numbat" not in text and "bilby" not in text
