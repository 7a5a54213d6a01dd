"""Discovery: sitemap.xml follows the sitemaps.org 0.9 schema (its XSD rules as asserts, stdlib only),
robots.txt names the sitemap, every page has a canonical URL under base_url."""

from __future__ import annotations

import re
from pathlib import Path
from xml.etree import ElementTree

import pytest
from publishing import Built
from support import build_site, make_project

from site_src.urls import output_file

SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
W3C_DATETIME = re.compile(
    r"\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?)?)?"
)  # the XSD's tLastmod: xsd:date | xsd:dateTime (the protocol's W3C Datetime subset)
CHANGEFREQ = {"always", "hourly", "daily", "weekly", "monthly", "yearly", "never"}


def assert_sitemap_schema(data: bytes, base_url: str) -> list[str]:
    """sitemap.xsd 0.9 as asserts: <urlset> of 1..50,000 <url>, each with one <loc> (absolute http(s) URL,
    12..2048 characters) first, then optional lastmod, changefreq, priority, in that order. Returns the locs."""
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    root = ElementTree.fromstring(data)
    assert root.tag == f"{SM}urlset"
    urls = list(root)
    assert 1 <= len(urls) <= 50_000 and len(data) <= 50 * 1024 * 1024
    order = [f"{SM}loc", f"{SM}lastmod", f"{SM}changefreq", f"{SM}priority"]
    locs: list[str] = []
    for url in urls:
        assert url.tag == f"{SM}url"
        tags = [child.tag for child in url]
        assert tags and tags[0] == f"{SM}loc", tags
        assert tags == sorted(tags, key=order.index) and len(set(tags)) == len(tags), tags
        loc = (url.findtext(f"{SM}loc") or "").strip()
        assert 12 <= len(loc) <= 2048 and re.fullmatch(r"https?://[^\s<>\"]+", loc), loc
        assert loc.startswith(base_url), (loc, base_url)
        if (lastmod := url.findtext(f"{SM}lastmod")) is not None:
            assert W3C_DATETIME.fullmatch(lastmod), lastmod
        if (freq := url.findtext(f"{SM}changefreq")) is not None:
            assert freq in CHANGEFREQ
        if (priority := url.findtext(f"{SM}priority")) is not None:
            assert 0.0 <= float(priority) <= 1.0
        locs.append(loc)
    assert len(set(locs)) == len(locs), "duplicate locs"
    return locs


@pytest.mark.parametrize("mode", ["root", "subpath", "relative"])
def test_sitemap_follows_the_schema_and_lists_real_pages(example_builds: dict[str, Built], mode: str) -> None:
    built = example_builds[mode]
    base = built.config.base_url
    locs = assert_sitemap_schema(built.result.files["sitemap.xml"], base)
    for loc in locs:
        assert output_file("/" + loc.removeprefix(base)) in built.result.files, loc
    threads = {n for n in built.result.files if re.fullmatch(r"t/[^/]+/index\.html", n)}
    assert {output_file("/" + loc.removeprefix(base)) for loc in locs} >= threads


@pytest.mark.parametrize("mode", ["root", "subpath"])
def test_robots_txt_points_at_the_sitemap(example_builds: dict[str, Built], mode: str) -> None:
    built = example_builds[mode]
    robots = built.result.files["robots.txt"].decode()
    assert robots.startswith("User-agent: *\n")
    assert re.findall(r"(?m)^Sitemap: (\S+)$", robots) == [built.config.base_url + "sitemap.xml"]


def test_robots_txt_without_a_host_names_no_relative_sitemap(tmp_path: Path) -> None:
    site = make_project(tmp_path / "site", {"content/a.md": "---\ntitle: A\n---\nPost.\n"})
    robots = build_site(site, write=False).files["robots.txt"].decode()
    assert "Sitemap:" not in robots.replace("# No Sitemap", "")


@pytest.mark.parametrize("mode", ["root", "subpath", "relative"])
def test_every_page_has_its_canonical_url(example_builds: dict[str, Built], mode: str) -> None:
    built = example_builds[mode]
    pages = {n: d.decode() for n, d in built.result.files.items() if n.endswith(".html") and n != "404.html"}
    pages = {n: t for n, t in pages.items() if not n.startswith("pagefind/")}
    assert len(pages) >= 40
    for name, text in pages.items():
        found = re.findall(r'<link rel="canonical" href="([^"]+)"', text)
        expected = built.config.base_url + name.removesuffix("index.html")
        assert found == [expected], name
