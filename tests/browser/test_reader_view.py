"""The reader's view (issue 15), in real Chromium: every page type of both bundled themes at 390 and 1280 px, light
and dark, and the layout facts a reader notices in the first minute.

The example site (content/) plus three threads written here is built once per theme with relative URLs and
opened from file://:
- `pasted.txt`, a pasted digest: no comment names its author, the date is known only to its month (`/2025/07/`);
- `reddit.json`, what the Reddit importer writes: a submitted link, deleted, removed, dead and hidden comments,
  a deleted account, a reply whose parent is not in the archive, the poster replying;
- `ama.md`, a 30-minute AMA with two stray comments months later.

Per (theme, width, scheme) one browser context loads every page type and checks: nothing sits on the header's
or the footer's rule (main keeps its space above and below), nothing is wider than the viewport, no username is
broken inside a word, every chart label is at least 11 CSS px. Thread-specific facts (numbers, month dates,
what the source said, navigation, folding without JavaScript) and axe (no serious or critical violation) follow.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support import build_example_site

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
AXE_JS = REPO / "tests" / "tools" / "node_modules" / "axe-core" / "axe.min.js"
THEMES = ("default", "broadsheet")
FOLD_DEPTH = 3
"""Low, so the example threads continue on `/t/<slug>/c/<id>/` pages."""
PASTED = """Why the ferry timetable changed in July

https://news.example.org/2025/07/ferry-timetable-change/

Posted by harbour_watch

Read the notice at the pier and I still do not understand why the 7:40 is gone.

4 comments
  1. The 7:40 ran half empty all winter. The operator said so at the council meeting.

  2. Like #1 said, it was empty. The 8:10 is fuller and now runs every day.

  3. Nobody asked the people who work early shifts at the cannery, though.

  4. The council minutes are online if you want the numbers. Page 14 has the passenger counts.
"""
REDDIT = {
    "title": "New study on bike lanes and traffic deaths",
    "source": "https://www.reddit.com/r/urbanplanning/comments/abc123/new_study/",
    "author": "lane_fan",
    "date": "2025-03-01T09:00:00Z",
    "origin": "reddit",
    "link": "https://journal.example.com/articles/bike-lanes-2025",
    "body": "",
    "comments": [
        {
            "id": "k1",
            "author": "civil_engineer_from_portland_42",
            "date": "2025-03-01T10:00:00Z",
            "body": "Protected lanes matter more than painted ones; the study separates the two.",
            "replies": [
                {"id": "k2", "author": "lane_fan", "date": "2025-03-01T10:30:00Z", "body": "Good point, thanks."},
                {
                    "id": "k3",
                    "author": None,
                    "date": "2025-03-01T11:00:00Z",
                    "body": "[deleted]",
                    "deleted": True,
                    "author_deleted": True,
                },
            ],
        },
        {
            "id": "k4",
            "author": None,
            "date": "2025-03-01T12:00:00Z",
            "body": "I still think this is all a plot.",
            "author_deleted": True,
        },
        {"id": "k5", "author": "mod_bot", "date": "2025-03-01T13:00:00Z", "body": "[removed]", "removed": True},
        {"id": "k6", "author": "hn_style", "date": "2025-03-01T14:00:00Z", "body": "Flagged text.", "dead": True},
        {"id": "k7", "author": "forum_user", "date": "2025-03-01T15:00:00Z", "body": "Hidden.", "hidden": True},
        {
            "id": "k8",
            "author": "late_reader",
            "date": "2025-03-02T09:00:00Z",
            "body": "Replying to something that was cut from the export.",
            "missing_parent": "k0",
        },
    ],
}
AMA = (
    "---\ntitle: Ask me anything about lighthouses\nauthor: keeper\ndate: 2025-05-01T18:00:00Z\n---\nAsk away.\n\n"
    + "".join(
        f"--- comment id=q{n} author=reader{n} date=2025-05-01T18:{n * 2:02d}:00Z\nQuestion {n} about lamps.\n\n"
        for n in range(1, 15)
    )
    + (
        "--- comment id=late1 author=latecomer date=2025-11-20T09:00:00Z\nStill open?\n\n"
        "--- comment id=late2 author=latecomer2 date=2025-12-02T09:00:00Z\nSeven months later, thanks.\n"
    )
)

SIZES = [(1280, 800), (390, 844)]
SCHEMES = ("light", "dark")


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The example site plus the threads above, built with each bundled theme; theme -> output folder."""
    built: dict[str, Path] = {}
    for theme in THEMES:
        built[theme] = build_example_site(
            tmp_path_factory.mktemp(f"reader-{theme}"),
            f'title = "Example digest"\ndescription = "Threads, kept."\nbase_url = "https://example.org/"\n'
            f'theme = "{theme}"\nfold_depth = {FOLD_DEPTH}\nper_page = 5\nsearch = false\n',
            {"pasted.txt": PASTED, "reddit.json": json.dumps(REDDIT), "ama.md": AMA},
        )
    return built


def page_types(out: Path) -> dict[str, Path]:
    """One page of every type, and the special threads."""

    def first(pattern: str) -> Path:
        found = sorted(out.glob(pattern))
        assert found, f"no page matches {pattern} in {out}"
        return found[0]

    return {
        "home": out / "index.html",
        "index": out / "page" / "2" / "index.html",
        "thread": out / "t" / "repairs-that-paid-for-themselves" / "index.html",
        "pasted": out / "t" / "pasted" / "index.html",
        "reddit": out / "t" / "reddit" / "index.html",
        "ama": out / "t" / "ama" / "index.html",
        "continuation": first("t/*/c/*/index.html"),
        "tag": first("tags/*/index.html"),
        "tags": out / "tags" / "index.html",
        "archive": out / "archive" / "index.html",
        "month": first("archive/*/*/index.html"),
        "stats": out / "stats" / "index.html",
        "404": out / "404.html",
    }


@pytest.fixture
def tab(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A page of a fresh context; `request.param` is (width, height, scheme), default desktop light."""
    width, height, scheme = getattr(request, "param", (1280, 800, "light"))
    context = browser.new_context(viewport={"width": width, "height": height}, color_scheme=scheme)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert errors == []


LAYOUT_JS = r"""() => {
    for (const d of document.querySelectorAll('details.glance')) d.open = true;  // its chart and names too
    const visible = el => {
        const r = el.getBoundingClientRect();
        const s = getComputedStyle(el);
        return r.width > 1 && r.height > 1 && s.visibility !== 'hidden' && s.display !== 'none'
            && !el.closest('.visually-hidden');
    };
    const header = document.querySelector('body > header').getBoundingClientRect();
    const footer = document.querySelector('body > footer').getBoundingClientRect();
    const boxes = [...document.querySelectorAll('main *')].filter(visible).map(el => {
        const r = el.getBoundingClientRect();
        const name = typeof el.className === 'string' && el.className ? '.' + el.className.split(' ')[0] : '';
        return {tag: el.tagName.toLowerCase() + name, top: r.top + scrollY, bottom: r.bottom + scrollY};
    });
    const highest = boxes.reduce((a, b) => a.top <= b.top ? a : b);
    const lowest = boxes.reduce((a, b) => a.bottom >= b.bottom ? a : b);
    // a username (no white space in it) laid out on more than one line is broken inside a word
    const broken = [];
    for (const el of document.querySelectorAll('.author, .attribution a, .glance dd a, .meta .author')) {
        const text = el.textContent.trim();
        if (!text || /\s/.test(text) || !visible(el)) continue;
        const range = document.createRange();
        range.selectNodeContents(el);
        const lines = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
        if (lines.size > 1) broken.push(text);
    }
    const charts = [...document.querySelectorAll('.chart text')].filter(visible).map(el => {
        const scale = el.getScreenCTM() ? Math.hypot(el.getScreenCTM().a, el.getScreenCTM().b) : 1;
        return {text: el.textContent, px: parseFloat(getComputedStyle(el).fontSize) * scale};
    });
    return {
        headerBottom: header.bottom + scrollY, footerTop: footer.top + scrollY,
        highest, lowest, broken, charts,
        overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
    };
}"""
RHYTHM_PX = 16
"""The least space between the header's rule and the first thing in main, and between the last and the footer."""


@pytest.mark.parametrize(
    "tab",
    [(w, h, scheme) for w, h in SIZES for scheme in SCHEMES],
    ids=[f"{w}-{scheme}" for w, _ in SIZES for scheme in SCHEMES],
    indirect=True,
)
@pytest.mark.parametrize("theme", THEMES)
def test_layout_of_every_page_type(sites: dict[str, Path], theme: str, tab: Any) -> None:
    """Issue 15 items 1, 6 and 7: space under the header and above the footer, no sideways scrolling, usernames
    whole, chart text of 11 px or more, on every page type."""
    problems: list[str] = []
    charts = 0
    for kind, path in page_types(sites[theme]).items():
        tab.goto(path.as_uri())
        facts = tab.evaluate(LAYOUT_JS)
        above = facts["highest"]["top"] - facts["headerBottom"]
        below = facts["footerTop"] - facts["lowest"]["bottom"]
        if above < RHYTHM_PX:
            problems.append(f"{kind}: {facts['highest']['tag']} is {above:.0f}px under the header's rule")
        if below < RHYTHM_PX:
            problems.append(f"{kind}: {facts['lowest']['tag']} is {below:.0f}px above the footer's rule")
        if facts["overflow"] > 0:
            problems.append(f"{kind}: the page scrolls sideways by {facts['overflow']}px")
        problems += [f"{kind}: username {name!r} is broken across lines" for name in facts["broken"]]
        for label in facts["charts"]:
            charts += 1
            if label["px"] < 11:
                problems.append(f"{kind}: chart text {label['text']!r} is {label['px']:.1f}px")
    assert charts > 0, "no chart was measured"
    assert problems == [], "\n".join(problems)


def _sentences(text: str) -> list[str]:
    return [s.strip(" …") for s in re.split(r"(?<=[.!?])\s+", text) if len(s.split()) >= 4]


THREADS_WITH_SUMMARIES = sorted(p.stem for p in (REPO / "content").iterdir() if p.suffix in {".md", ".txt", ".json"})


@pytest.mark.parametrize("theme", ["default"])  # markup, the same in both themes
def test_no_summary_sentence_repeated_in_the_key_points(sites: dict[str, Path], theme: str, tab: Any) -> None:
    """Issue 15 item 5: never the same sentence twice on a page (the summary repeats neither the key points
    below it nor the post above it)."""
    repeated = []
    for slug in THREADS_WITH_SUMMARIES:
        page = sites[theme] / "t" / slug / "index.html"
        assert page.exists(), slug
        tab.goto(page.as_uri())
        summary = tab.locator(".in-brief .summary")
        if summary.count() == 0:
            continue
        quotes = " ".join(tab.locator(".key-points q").all_text_contents())
        post = " ".join(" ".join(tab.locator(".post-body").all_inner_texts()).split())
        for sentence in _sentences(summary.inner_text()):
            if sentence in quotes:
                repeated.append(f"{slug}: in the key points: {sentence!r}")
            if " ".join(sentence.split()) in post:
                repeated.append(f"{slug}: in the post above: {sentence!r}")
    assert repeated == []


@pytest.mark.parametrize("theme", ["default"])  # markup, the same in both themes
def test_post_comes_before_the_summary_and_the_summary_before_the_comments(
    sites: dict[str, Path], theme: str, tab: Any
) -> None:
    """Issue 15 item 5: the question first, then the digest of answers (compact), then the discussion."""
    tab.goto((sites[theme] / "t" / "repairs-that-paid-for-themselves" / "index.html").as_uri())
    tops = tab.evaluate(
        """() => ['.post-body', '.in-brief', '.discussion']
            .map(s => document.querySelector(s).getBoundingClientRect().top)"""
    )
    assert tops == sorted(tops)
    key_points = tab.locator(".key-points li")
    assert key_points.count() > 0
    for text in key_points.all_text_contents():
        assert len(text.split()) >= 8, f"a key point is a fragment: {text!r}"


@pytest.mark.parametrize("theme", ["default"])  # markup, the same in both themes
def test_thread_without_authors_numbers_its_comments(sites: dict[str, Path], theme: str, tab: Any) -> None:
    """Issue 15 item 3: #1..#n visible and linkable, "4 comments, authors not recorded", no "anonymous", no
    figures that say nothing; item 4: a date known to the month is a month everywhere."""
    tab.goto((sites[theme] / "t" / "pasted" / "index.html").as_uri())
    numbers = tab.locator("article.comment .permalink.number")
    assert numbers.evaluate_all("els => els.map(e => e.firstChild.textContent)") == ["#1", "#2", "#3", "#4"]
    ids = tab.locator("article.comment").evaluate_all("els => els.map(e => e.id)")
    assert numbers.evaluate_all("els => els.map(e => e.getAttribute('href').slice(1))") == ids
    numbers.nth(2).click()
    assert tab.evaluate("() => document.querySelector(':target').id") == ids[2]
    text = tab.inner_text("main")
    assert "4 comments, authors not recorded" in tab.inner_text(".thread-header .meta")
    assert "numbered #1 to #4" in tab.inner_text(".discussion-note")
    assert "anonymous" not in text.lower()
    assert "People" not in text and "Deepest reply chain" not in text
    assert tab.locator(".glance").count() == 0, "a box of figures that say nothing"
    when = tab.locator(".thread-header time")
    assert when.get_attribute("datetime") == "2025-07"
    assert when.inner_text() == "July 2025"
    jsonld = json.loads(tab.locator("script[type='application/ld+json']").inner_text())
    assert jsonld["datePublished"] == "2025-07"
    assert tab.locator("meta[property='article:published_time']").get_attribute("content") == "2025-07"


@pytest.mark.parametrize("theme", ["default"])  # markup, the same in both themes
def test_what_the_source_said_is_shown(sites: dict[str, Path], theme: str, tab: Any) -> None:
    """Issue 15 item 8: the submitted link, deleted/removed/dead/hidden comments and orphans marked, a deleted
    account named so, the poster's badge says OP."""
    tab.goto((sites[theme] / "t" / "reddit" / "index.html").as_uri())
    link = tab.locator(".thread-header a.submitted-link")
    assert link.get_attribute("href") == REDDIT["link"]
    assert link.is_visible()

    def badges(comment_id: str) -> list[str]:
        return tab.locator(f"#comment-{comment_id} .comment-meta .badge").all_inner_texts()

    assert [b.strip().lower() for b in badges("k2")] == ["op"]
    assert "deleted" in " ".join(badges("k3")).lower()
    assert tab.locator("#comment-k3").evaluate("e => e.classList.contains('gone')")
    assert "removed" in " ".join(badges("k5")).lower()
    assert "dead" in " ".join(badges("k6")).lower()
    assert "hidden" in " ".join(badges("k7")).lower()
    assert "not in this archive" in " ".join(badges("k8")).lower()
    assert tab.locator("#comment-k4 .author").inner_text().lower() == "deleted account"
    for badge in tab.locator(".comment-meta .badge").all():
        assert badge.is_visible()
    assert "anonymous" not in tab.inner_text("main").lower()


@pytest.mark.parametrize("theme", ["default"])  # markup, the same in both themes
def test_stray_comments_do_not_set_the_time_span(sites: dict[str, Path], theme: str, tab: Any) -> None:
    """Issue 15 item 6: a 30-minute AMA with two comments months later says "most comments within 26 minutes"
    and draws the half hour, not one bar for seven months."""
    tab.goto((sites[theme] / "t" / "ama" / "index.html").as_uri())
    assert "most within 26 minutes" in tab.inner_text(".glance > summary")
    tab.click(".glance > summary")
    glance = tab.inner_text(".glance")
    assert re.search(r"Most comments within\s+26 minutes", glance, re.IGNORECASE), glance
    assert re.search(r"All within\s+7 months", glance, re.IGNORECASE), glance
    assert tab.locator(".glance .chart rect.chart-bar").count() > 10
    assert "2 comments far from the rest are not shown" in glance
    tips = tab.locator(".glance .chart rect.chart-bar title").all_text_contents()
    assert all(not re.search(r"\b1 comments\b", tip) for tip in tips), tips


@pytest.mark.parametrize("theme", ["default"])  # markup, the same in both themes
def test_stats_charts_have_scales_counts_and_plurals(sites: dict[str, Path], theme: str, tab: Any) -> None:
    tab.goto((sites[theme] / "stats" / "index.html").as_uri())
    labels = " ".join(tab.locator(".chart text").all_text_contents())
    assert re.search(r"\d+ threads? a month", labels), labels
    tips = tab.locator(".chart rect title").all_text_contents()
    assert tips and all(not re.search(r"\b1 (threads|comments)\b", tip) for tip in tips)
    assert any(re.search(r"\b1 thread\b", tip) for tip in tips)


@pytest.mark.parametrize("tab", [(390, 844, "light")], ids=["390"], indirect=True)
def test_top_level_comments_link_to_each_other(sites: dict[str, Path], tab: Any) -> None:
    """Issue 15 item 9: next and previous links between top-level comments, from the keyboard."""
    tab.goto((sites["default"] / "t" / "repairs-that-paid-for-themselves" / "index.html").as_uri())
    tops = tab.locator(".discussion > .comments > li > article.comment").evaluate_all("els => els.map(e => e.id)")
    assert len(tops) > 3
    first = tab.locator(f"#{tops[0]} a.next-top")
    assert tab.locator(f"#{tops[0]} a.prev-top").count() == 0
    first.focus()
    tab.keyboard.press("Enter")
    assert tab.evaluate("() => document.querySelector(':target').id") == tops[1]
    box = tab.locator(f"#{tops[1]}").bounding_box()
    assert box is not None and 0 <= box["y"] < 844
    back = tab.locator(f"#{tops[1]} a.prev-top")
    assert back.get_attribute("href") == f"#{tops[0]}"
    assert tab.locator(f"#{tops[-1]} a.next-top").count() == 0


@pytest.mark.parametrize("theme", THEMES)
def test_folding_to_top_level_comments_works_without_javascript(
    sites: dict[str, Path], theme: str, browser: Any
) -> None:
    """Issue 15 item 9: one control shows only the top-level comments and back, keyboard only, no script."""
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto((sites[theme] / "t" / "repairs-that-paid-for-themselves" / "index.html").as_uri())
    nested = page.locator("details.replies article.comment").first
    top = page.locator(".discussion > .comments > li > article.comment").first
    assert nested.is_visible()
    page.focus("#fold-all")
    page.keyboard.press("Space")
    assert nested.is_hidden() and top.is_visible()
    outline = page.evaluate("() => getComputedStyle(document.querySelector('.fold-all-label')).outlineStyle")
    assert outline not in ("", "none"), "the focused control shows no focus"
    page.keyboard.press("Space")
    assert nested.is_visible()
    context.close()


@pytest.mark.parametrize("theme", ["default"])  # markup, the same in both themes
def test_a_branch_too_small_for_a_page_stays_inline(sites: dict[str, Path], theme: str, tab: Any) -> None:
    """Issue 15 item 9: no continuation page holds fewer than three comments."""
    pages = sorted(sites[theme].glob("t/*/c/*/index.html"))
    assert pages
    for path in pages:
        tab.goto(path.as_uri())
        assert tab.locator(".discussion article.comment").count() > 2, path


@pytest.mark.parametrize("theme", ["default"])  # markup, the same in both themes
def test_archive_lists_titles(sites: dict[str, Path], theme: str, tab: Any) -> None:
    """Issue 15 item 10: the archive shows each month's thread titles, linked."""
    out = sites[theme]
    tab.goto((out / "archive" / "index.html").as_uri())
    titles = tab.locator(".archive-titles a")
    dated = len(list(out.glob("archive/*/*/index.html")))
    assert titles.count() >= dated
    assert "Ask me anything about lighthouses" in titles.all_inner_texts()


@pytest.mark.parametrize("theme", ["default"])  # markup, the same in both themes
def test_search_indexes_the_discussion_not_the_page_chrome(sites: dict[str, Path], theme: str, tab: Any) -> None:
    """Issue 15 item 10: Pagefind reads only `data-pagefind-body` parts: the post, summary and comments."""
    tab.goto((sites[theme] / "t" / "repairs-that-paid-for-themselves" / "index.html").as_uri())
    body = " ".join(tab.locator("[data-pagefind-body]").all_inner_texts())
    assert "Posted by" not in body and "At a glance" not in body and "In brief" not in body
    assert tab.locator(".thread-header [data-pagefind-body], .glance [data-pagefind-body]").count() == 0
    assert tab.locator(".post-body[data-pagefind-body], .discussion[data-pagefind-body]").count() == 2


@pytest.mark.parametrize("tab", [(1280, 800, "light")], ids=["1280"], indirect=True)
def test_header_search_form_stays_on_the_title_row(tmp_path: Path, tab: Any) -> None:
    """Issue 15 item 10: with search on, the default header keeps title, nav and search box on one row at
    1280 px, and the search page shows only its own box."""
    from support import build_site, make_project

    site = make_project(
        tmp_path / "site",
        {"content/a.md": "---\ntitle: A\ndate: 2025-01-02\n---\nBody.\n"},
        config='title = "Threadbare: a digest of good discussions"\nbase_url = "https://example.org/"\n',
    )
    result = build_site(site, search=True, relative_urls=True)
    assert not result.report.errors
    tab.goto((site / "public" / "index.html").as_uri())
    rows = tab.evaluate(
        """() => ['.site-title', '.site-header nav', '.site-search'].map(s => {
            const r = document.querySelector(s).getBoundingClientRect(); return Math.round(r.top + r.height / 2);
        })"""
    )
    assert max(rows) - min(rows) <= 8, f"header items are on different rows: {rows}"
    tab.goto((site / "public" / "search" / "index.html").as_uri())
    assert tab.locator(".site-search").is_hidden()
    assert tab.locator(".search-page-form").is_visible()


AXE_RUN = """async () => {
    const options = {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']},
                     resultTypes: ['violations']};
    return (await axe.run(document, options)).violations
        .filter(v => v.impact === 'serious' || v.impact === 'critical')
        .map(v => `${v.id}: ${v.nodes.slice(0, 3).map(n => n.target).join(' ')}`);
}"""


@pytest.mark.parametrize(("theme", "width", "scheme"), [("default", 390, "dark"), ("broadsheet", 1280, "light")])
def test_axe_finds_nothing_serious(sites: dict[str, Path], theme: str, width: int, scheme: str, browser: Any) -> None:
    """axe-core on the thread pages written here (tests/test_validity.py runs it over every page type)."""
    if not AXE_JS.is_file():
        pytest.skip("axe-core is not installed (npm ci --prefix tests/tools --ignore-scripts)")
    found: list[str] = []
    context = browser.new_context(viewport={"width": width, "height": 800}, color_scheme=scheme)
    page = context.new_page()
    for kind in ("pasted", "reddit", "ama"):
        page.goto(page_types(sites[theme])[kind].as_uri())
        page.add_script_tag(path=str(AXE_JS))
        found += [f"{kind}: {v}" for v in page.evaluate(AXE_RUN)]
    context.close()
    assert found == [], "\n".join(found)
