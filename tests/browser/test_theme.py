"""The bundled themes in real Chromium: the comment tree, collapsing replies with the mouse and the keyboard,
deep links into collapsed replies, no console errors and no request to another host.

The example site (content/) is built with relative URLs into a temporary folder and opened from file://.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from site_src.config import load_config
from site_src.pipeline import build
from site_src.readers import parse_text

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
SLUG = "repairs-that-paid-for-themselves"
"""A thread deep enough (9 levels) to continue on another page at fold depth 6 (a branch of more than two
comments past the fold gets a page of its own; smaller ones stay inline)."""
FOLD_DEPTH = 6
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]"}


@pytest.fixture(scope="module", params=["default", "broadsheet"])
def site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example site built with one bundled theme; returns the output folder."""
    root = tmp_path_factory.mktemp(f"site-{request.param}")
    shutil.copytree(REPO / "content", root / "content")
    (root / "site.toml").write_text(
        f'title = "Example"\nbase_url = "https://example.org/"\ntheme = "{request.param}"\n'
        f"fold_depth = {FOLD_DEPTH}\nper_page = 5\n",
        encoding="utf-8",
    )
    config = load_config(root, {"relative_urls": True, "output_dir": str(root / "out")})
    result = build(config, write=True)
    assert not result.report.errors, result.report
    return root / "out"


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh page that records console errors, page errors and any request leaving file:// or localhost."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    problems: list[str] = []

    def guard(route: Any) -> None:
        url = route.request.url
        parts = urlsplit(url)
        if parts.scheme in ("file", "data", "about") or (parts.hostname or "") in LOCAL_HOSTS:
            route.continue_()
        else:
            problems.append(f"request to another host: {url}")
            route.abort()

    context.route("**/*", guard)
    tab = context.new_page()
    tab.on("console", lambda message: problems.append(f"console: {message.text}") if message.type == "error" else None)
    tab.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    tab.problems = problems
    yield tab
    context.close()
    assert problems == []


def comments_on_thread_page() -> int:
    """Comments the thread page shows, counted from the source: every comment down to the fold depth."""
    path = REPO / "content" / f"{SLUG}.md"
    thread = parse_text(str(path), path.read_text(encoding="utf-8"))
    return sum(1 for _, depth in thread.walk() if depth <= FOLD_DEPTH)


def thread_url(site: Path, fragment: str = "") -> str:
    return (site / "t" / SLUG / "index.html").as_uri() + (f"#{fragment}" if fragment else "")


def test_comment_tree_renders_every_comment_on_the_page(site: Path, page: Any) -> None:
    page.goto(thread_url(site))
    expected = comments_on_thread_page()
    assert expected > 0
    assert page.locator("article.comment").count() == expected
    assert page.locator("h1").count() == 1
    assert page.locator("main#main").count() == 1
    assert page.locator("details.replies[open]").count() > 0
    continuation = page.locator("p.continue a").first
    assert (continuation.get_attribute("href") or "").startswith("c/")


def test_clicking_a_summary_collapses_and_expands_the_replies(site: Path, page: Any) -> None:
    page.goto(thread_url(site))
    details = page.locator("details.replies").first
    nested = details.locator("article.comment").first
    assert nested.is_visible()
    details.locator("> summary").click()
    assert details.evaluate("d => d.open") is False
    assert nested.is_hidden()
    assert details.locator("article.comment").evaluate_all("els => els.every(e => e.checkVisibility() === false)")
    details.locator("> summary").click()
    assert nested.is_visible()


def test_keyboard_reaches_a_summary_and_toggles_it(site: Path, page: Any) -> None:
    page.goto(thread_url(site))
    for _ in range(300):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.matches('details.replies > summary')"):
            break
    else:
        pytest.fail("Tab never reached a replies <summary>")
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("", "none"), "focus is not visible on the summary"
    is_open = "() => document.activeElement.parentElement.open"
    assert page.evaluate(is_open) is True
    page.keyboard.press("Enter")
    assert page.evaluate(is_open) is False
    page.keyboard.press(" ")
    assert page.evaluate(is_open) is True


def test_deep_link_into_collapsed_replies_opens_them_and_scrolls_there(site: Path, page: Any) -> None:
    page.goto(thread_url(site))
    # The deepest comment on the page, inside several <details>; collapse them all, back at the top.
    target = page.evaluate(
        """() => {
            const all = [...document.querySelectorAll('article.comment')];
            const depth = el => {
                let n = 0;
                for (let d = el.closest('details'); d; d = d.parentElement.closest('details')) n++;
                return n;
            };
            return all.reduce((best, el) => depth(el) > depth(best) ? el : best).id;
        }"""
    )
    collapse_all = "() => { for (const d of document.querySelectorAll('details')) d.open = false; scrollTo(0, 0); }"
    page.evaluate(collapse_all)
    comment = page.locator(f"#{target}")
    assert comment.is_hidden()
    page.goto(thread_url(site, target))
    page.wait_for_function("id => document.getElementById(id).checkVisibility()", arg=target, timeout=5000)
    assert comment.is_visible()
    box = comment.bounding_box()
    viewport = page.viewport_size
    assert box is not None and 0 <= box["y"] < viewport["height"], f"#{target} is not scrolled into view: {box}"
    assert page.evaluate("() => document.querySelector(':target').id") == target


def test_fresh_load_of_a_deep_link_lands_on_the_comment(site: Path, page: Any) -> None:
    page.goto(thread_url(site, "comment-zip-drawer"))
    comment = page.locator("#comment-zip-drawer")
    assert comment.is_visible()
    box = comment.bounding_box()
    assert box is not None and 0 <= box["y"] < page.viewport_size["height"]
