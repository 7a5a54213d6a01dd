"""The Python twins of bundled macros (`twins.py`) write exactly what the macros write.

Twins: the comment tree (`comment_html.py`, `partials/comments.html`) and a thread feed's entries
(`feed_xml.py`, `partials/feed_comments.html`). Each thread's pages and feed are rendered twice, with the twins
standing in and with the macros themselves (`python_twins=False`), and the bytes compared: on the example site
(with small `fold_depth`s, so continuation pages and their links appear, and with and without a host in
`base_url`) and on threads of hostile or odd content. A site's own copy of a partial must still be the one used.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

import pytest
from hostile import hostile_thread
from markupsafe import Markup
from support import build_site, make_project

from site_src import comment_html, feed_xml
from site_src.absolute_urls import AbsoluteUrl, AtomId
from site_src.comment_html import CommentTree
from site_src.config import SiteConfig, load_config
from site_src.context import comment_pages
from site_src.diagnostics import Report
from site_src.enrich import enrich_thread
from site_src.feeds import CommentEntry, thread_feed
from site_src.pipeline import parse_and_enrich
from site_src.readers import parse_text
from site_src.render import Page, Renderer, related_cards, thread_pages
from site_src.site import assemble_site
from site_src.themes import BUNDLED_THEMES, load_theme
from site_src.twins import ThemeTemplate, Twin
from site_src.urls import Linker

REPO = Path(__file__).resolve().parents[2]
TWINS = [(comment_html.TWIN, "partials/comments.html"), (feed_xml.TWIN, "partials/feed_comments.html")]


def _renderers(config: SiteConfig) -> tuple[Renderer, Renderer]:
    theme = load_theme(config.theme, config.site_dir)
    return Renderer(config, theme), Renderer(config, theme, python_twins=False)


def _template(renderer: Renderer, name: str) -> ThemeTemplate:
    template = renderer.env.get_template(name)
    assert isinstance(template, ThemeTemplate) and template.twin_checked
    return template


def _assert_same_pages(pages: list[Page], config: SiteConfig) -> tuple[int, int]:
    """Render every page both ways; how many pages had a comment tree, and how many feeds had entries."""
    twin, macro = _renderers(config)
    trees = entries = 0
    for page in pages:
        fast, slow = twin.render(page), macro.render(page)
        assert fast == slow, f"{page.path}: the twins and the macros differ"
        trees += b'<ol class="comments">' in fast
        entries += page.kind == "feed" and b"<content " in fast
    for expected, name in TWINS:
        assert _template(twin, name).twin is expected
        assert _template(macro, name).twin is None
    return trees, entries


@pytest.mark.parametrize(("twin", "name"), TWINS)
def test_the_bundled_partials_are_the_texts_the_twins_mirror(twin: Twin, name: str) -> None:
    source = (BUNDLED_THEMES / "default" / "templates" / name).read_bytes()
    assert hashlib.sha256(source).hexdigest() == twin.sha256, (
        f"{name} changed: bring its twin in site_src/ in line with it, then update the twin's sha256 "
        "(until then the twin is off and every page uses the macro)"
    )


@pytest.mark.parametrize("fold_depth", [1, 2, 8])
@pytest.mark.parametrize("base_url", ["https://example.org/sub/", "/local/"])
def test_example_site_pages_are_the_same_with_the_twins(fold_depth: int, base_url: str) -> None:
    config = load_config(REPO, {"fold_depth": fold_depth, "base_url": base_url, "feed_items": 50})
    site = assemble_site(parse_and_enrich(config, Report()), config, Report())
    pages: list[Page] = []
    for item in site.threads:
        full = replace(item, thread=parse_text(item.thread.path, (REPO / item.thread.path).read_text("utf-8")))
        pages.extend(thread_pages(full, config, related_cards(item, site)))
    trees, entries = _assert_same_pages(pages, config)
    assert trees >= len(site.threads) and entries == len(site.threads)


@pytest.mark.parametrize("fold_depth", [1, 3, 8])
@pytest.mark.parametrize("base_url", ["https://example.org/", "/"])
def test_hostile_thread_pages_are_the_same_with_the_twins(fold_depth: int, base_url: str) -> None:
    config = SiteConfig.for_tests(fold_depth=fold_depth, base_url=base_url, feed_items=1000)
    thread = hostile_thread()
    item = enrich_thread(thread, config)
    pages = list(thread_pages(item, config, []))
    trees, entries = _assert_same_pages(pages, config)
    assert trees >= 2 and entries == 1


def test_comment_tree_falls_back_to_the_macro_for_other_comments() -> None:
    twin, macro = _renderers(SiteConfig.for_tests())
    source = '{% from "partials/comments.html" import comment_tree with context %}{{ comment_tree(comments) }}'
    comments = [
        {
            "depth": 1,
            "anchor": "comment-a",
            "author_name": "<a>",
            "is_op": False,
            "flair": "",
            "date": "",
            "date_text": "",
            "score_text": "",
            "edited": False,
            "accepted": False,
            "body_html": "<p>",
            "more_text": "",
            "more_url": "",
            "replies": [],
            "continue_url": "",
            "gone": False,
            "label": "<a>",
            "number": 1,
            "states": (),
            "prev_anchor": "",
            "next_anchor": "",
        }
    ]
    rendered = [
        r.env.from_string(source).render(comments=comments, url=lambda path: path, page=None) for r in (twin, macro)
    ]
    assert rendered[0] == rendered[1]
    assert "&lt;a&gt;" in rendered[0] and "&lt;p&gt;" in rendered[0]


def test_feed_entries_fall_back_to_the_macro_for_other_entries() -> None:
    twin, macro = _renderers(SiteConfig.for_tests(base_url="https://example.org/"))
    source = (
        '{% from "partials/feed_comments.html" import comment_entries with context %}{{ comment_entries(comments) }}'
    )
    entry = CommentEntry("c1", "/t/a/#comment-c1", "<t>", "<a>", "2024-01-01T00:00:00Z", True, "s&", Markup(" <p> "))
    others = [
        [{"title": "<t>", "url": "/t/a/#c", "updated": "u", "author": "", "content_html": " <b> "}],
        [replace(entry, content_html=" <i>not markup</i> ")],  # type: ignore[arg-type]
    ]
    for comments in [[entry], *others]:
        rendered = [
            r.env.from_string(source).render(comments=comments, absolute_url=r.absolute_url) for r in (twin, macro)
        ]
        assert rendered[0] == rendered[1]
        assert "&lt;t&gt;" in rendered[0] and "&lt;" in rendered[0].split("<content")[1]


def test_twins_stand_in_only_for_the_bundled_partials(tmp_path: Path) -> None:
    thread = "---\ntitle: T\n---\nPost\n\n--- comment id=c1 author=a\nHello\n\n--- comment id=c2 parent=c1\nHi\n"
    own_tree = (
        "{% macro comment_tree(comments) %}<ul class='mine'>{% for c in comments %}<li>{{ c.author_name }}"
        "{% if c.replies %}{{ comment_tree(c.replies) }}{% endif %}</li>{% endfor %}</ul>{% endmacro %}"
    )
    own_entries = (
        "{% macro comment_entries(comments) %}{% for c in comments %}<mine>{{ c.id }}</mine>{% endfor %}{% endmacro %}"
    )
    files = {
        "content/t.md": thread,
        "templates/partials/comments.html": own_tree,
        "templates/partials/feed_comments.html": own_entries,
    }
    root = make_project(tmp_path / "site", files)
    built = build_site(root, write=False).files
    page = built["t/t/index.html"].decode()
    assert "<ul class='mine'><li>a<ul class='mine'><li>unknown</li></ul></li></ul>" in page
    assert '<ol class="comments">' not in page
    feed = built["t/t/feed.xml"].decode()
    assert "<mine>c2</mine><mine>c1</mine>" in feed and "<entry>" not in feed
    twin, _ = _renderers(load_config(root))
    for expected, name in TWINS:
        assert _template(twin, name).twin is None
        assert _template(twin, f"!default/{name}").twin is expected
    module = _template(twin, "!default/partials/comments.html").make_module({"url": twin.env.globals.get("url")})
    assert not isinstance(module.comment_tree, CommentTree)  # no `url` from a page: the macro itself


def test_the_twins_write_pages_of_the_site_themselves() -> None:
    """What the build gives them is what they were written for: no silent fallback to the macros."""
    config = SiteConfig.for_tests(fold_depth=3, base_url="https://example.org/")
    item = enrich_thread(hostile_thread(), config)
    parts = comment_pages(item, config.fold_depth)
    for part in parts:
        assert comment_html.comment_tree_html(part.roots, Linker(config, part.path)) is not None
    feed = thread_feed(item, {}, config.feed_items)
    absolute_url = AbsoluteUrl(config)
    entries = feed_xml.comment_entries_xml(feed["comments"], AtomId(config.title, absolute_url), absolute_url)
    assert entries is not None and entries.count("<entry>") == config.feed_items
