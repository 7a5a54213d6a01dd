"""In Chromium: the sub-path build served by a real static server (every internal link of a few pages answers
200, no console errors, no request leaves the sub-path), search from the search box, and the relative build
opened straight from disk."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from publishing import Built, static_server

pytestmark = pytest.mark.browser

SUBPATH = "/digest/"
MAX_PAGES = 80
LINKS_JS = """() => [
  ...Array.from(document.querySelectorAll('a[href], link[href]'), e => e.href),
  ...Array.from(document.querySelectorAll('script[src], img[src]'), e => e.src),
]"""


@pytest.fixture(scope="module")
def served(example_builds: dict[str, Built], tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The sub-path build copied under `digest/` of a folder served on 127.0.0.1: yields the site's URL."""
    root = tmp_path_factory.mktemp("www")
    shutil.copytree(example_builds["subpath"].out, root / SUBPATH.strip("/"))
    with static_server(root) as origin:
        yield origin + SUBPATH


def watch(page: Any) -> list[str]:
    """Collect console errors, page errors, failed requests and error responses of `page`."""
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on(
        "requestfailed",  # a fetch cut short by leaving the page is not a failure; every link's status is checked
        lambda r: None if "ERR_ABORTED" in (r.failure or "") else problems.append(f"failed: {r.url} {r.failure}"),
    )
    page.on("response", lambda r: problems.append(f"{r.status}: {r.url}") if r.status >= 400 else None)
    return problems


def test_subpath_site_served_over_http_has_no_broken_links(served: str, browser: Any) -> None:
    """Breadth-first over the site's pages from the home page (plus a search), in Chromium: every page loads
    with no console error, every internal link and asset answers 200, nothing is requested outside /digest/."""
    context = browser.new_context()
    page = context.new_page()
    problems = watch(page)
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    origin = served.removesuffix(SUBPATH)
    queue, seen, links = [served, f"{served}search/?q=spokes"], set(), set()
    while queue and len(seen) < MAX_PAGES:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = page.goto(url)
        assert response is not None and response.status == 200, url
        if "?q=" in url:
            page.wait_for_selector("#search-results li")  # the index loaded and answered
        for link in page.evaluate(LINKS_JS):
            bare = link.split("#")[0]
            if not bare.startswith(origin):
                continue
            links.add(bare)
            if bare.endswith("/") and bare not in seen:
                queue.append(bare)
    statuses = {link: context.request.get(link).status for link in sorted(links)}
    assert {link: status for link, status in statuses.items() if status != 200} == {}
    assert problems == []
    assert all(urlsplit(url).path.startswith(SUBPATH) for url in requested if url.startswith(origin)), requested
    assert all(url.startswith(origin) for url in requested), "no request leaves 127.0.0.1"
    assert len(seen) >= 40
    print(f"\nserved sub-path crawl: {len(seen)} pages, {len(links)} distinct internal links and assets, 0 broken")
    context.close()


def test_search_page_finds_a_thread_from_a_word_in_a_comment(served: str, browser: Any) -> None:
    context = browser.new_context()
    page = context.new_page()
    problems = watch(page)
    page.goto(f"{served}search/")
    page.fill("#search-q", "lockring")  # only in one comment of the spokes thread
    page.wait_for_selector("#search-results li a")
    results = page.eval_on_selector_all("#search-results li a", "els => els.map(e => e.href)")
    assert len(results) == 1 and "/digest/t/why-do-my-spokes-ping/#comment-" in results[0]
    assert "lockring" in page.inner_text("#search-results mark").lower()
    # issue 15: the title comes from the page's h1, the excerpt only from the indexed body (no page chrome)
    assert "spokes" in page.inner_text("#search-results li a").lower()
    excerpt = page.inner_text("#search-results li")
    assert not any(chrome in excerpt for chrome in ("Posted by", "In brief", "At a glance", "Summary."))
    assert "q=lockring" in page.url
    page.click("#search-results li a")
    page.wait_for_load_state()
    assert page.url == results[0]
    assert "spokes" in page.inner_text("h1").lower()
    anchor = results[0].split("#")[1]
    assert page.locator(f"#{anchor}").count() == 1
    assert problems == []
    context.close()


def test_search_box_in_the_header_leads_to_results(served: str, browser: Any) -> None:
    context = browser.new_context()
    page = context.new_page()
    problems = watch(page)
    page.goto(served)
    if page.locator("form.site-search").count() == 0:
        context.close()
        pytest.skip("base.html does not include partials/search.html yet")
    page.fill("form.site-search input[name=q]", "acetone")
    page.press("form.site-search input[name=q]", "Enter")
    page.wait_for_selector("#search-results li a")
    results = page.eval_on_selector_all("#search-results li a", "els => els.map(e => e.href)")
    assert any("/digest/t/sourdough-starter-smells-like-nail-polish/" in r for r in results)
    assert problems == []
    context.close()


def test_search_results_show_markup_as_text(tmp_path: Path, browser: Any) -> None:
    """A comment's `<img onerror>` is found as words and shown as text: nothing in it runs."""
    from support import build_site, make_project

    hostile = (
        "---\ntitle: Hostile\ndate: 2025-07-10\n---\n"
        "--- comment id=c1\nZebrafish <img src=x onerror=alert(1)> and <script>alert(2)</script> here.\n"
    )
    site = make_project(tmp_path / "site", {"content/bad.md": hostile})
    assert not build_site(site, search=True).report.errors
    context = browser.new_context()
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    with static_server(site / "public") as origin:
        page.goto(f"{origin}/search/?q=zebrafish")
        page.wait_for_selector("#search-results li")
        page.wait_for_timeout(200)
        assert page.locator("#search-results img, #search-results script").count() == 0
        assert dialogs == []
    context.close()


def test_relative_build_works_opened_from_disk(example_builds: dict[str, Built], browser: Any) -> None:
    out = example_builds["relative"].out
    context = browser.new_context()
    page = context.new_page()
    problems = watch(page)
    page.goto((out / "index.html").as_uri())
    assert page.evaluate("getComputedStyle(document.body).fontFamily") != ""
    first = page.locator("main a[href*='t/']").first
    target = first.get_attribute("href") or ""
    assert target.endswith("/index.html")
    first.click()
    page.wait_for_load_state()
    assert page.url.startswith("file://") and page.url.endswith("/index.html")
    page.click("a[href$='tags/index.html']")
    page.wait_for_load_state()
    assert page.url.endswith("/tags/index.html")
    sheets = page.evaluate("Array.from(document.styleSheets, s => s.href)")
    assert sheets and all(str(s).startswith("file://") for s in sheets if s)
    assert problems == []
    context.close()
