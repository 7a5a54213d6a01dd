"""The comment tree's Python twin (`comment_html.py`) writes exactly what the `comment_tree` macro writes.

Each thread page is rendered twice, with the twin standing in for the bundled `partials/comments.html` macro
and with the macro itself (`python_twins=False`), and the bytes compared: on the example site (with a small
`fold_depth`, so continuation pages and their links appear) and on threads of hostile or odd content.
A site's own `partials/comments.html` must still be the one used.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from support import build_site, make_project

from site_src.comment_html import DEFAULT_COMMENT_TREE_SHA256, CommentTree, ThemeTemplate
from site_src.config import SiteConfig, load_config
from site_src.diagnostics import Report
from site_src.enrich import enrich_thread
from site_src.model import Comment, Thread
from site_src.pipeline import parse_and_enrich
from site_src.readers import parse_text
from site_src.render import Page, Renderer, related_cards, thread_pages
from site_src.site import assemble_site
from site_src.themes import BUNDLED_THEMES, load_theme

REPO = Path(__file__).resolve().parents[2]
PAYLOADS = [line for line in (REPO / "tests" / "xss_payloads.txt").read_text("utf-8").splitlines() if line]


def _renderers(config: SiteConfig) -> tuple[Renderer, Renderer]:
    theme = load_theme(config.theme, config.site_dir)
    return Renderer(config, theme), Renderer(config, theme, python_twins=False)


def _assert_same_pages(pages: list[Page], config: SiteConfig) -> int:
    """Render every page both ways; the number of pages with a comment tree."""
    twin, macro = _renderers(config)
    trees = 0
    for page in pages:
        fast, slow = twin.render(page), macro.render(page)
        assert fast == slow, f"{page.path}: the twin and the macro differ"
        trees += b'<ol class="comments">' in fast
    assert twin.env.get_template("partials/comments.html").python_twin is True  # type: ignore[attr-defined]
    assert macro.env.get_template("partials/comments.html").python_twin is False  # type: ignore[attr-defined]
    return trees


def test_the_bundled_partial_is_the_text_the_twin_mirrors() -> None:
    source = (BUNDLED_THEMES / "default" / "templates" / "partials" / "comments.html").read_bytes()
    assert hashlib.sha256(source).hexdigest() == DEFAULT_COMMENT_TREE_SHA256, (
        "partials/comments.html changed: bring site_src/comment_html.py in line with it, then update "
        "DEFAULT_COMMENT_TREE_SHA256 (until then the twin is off and every page uses the macro)"
    )


@pytest.mark.parametrize("fold_depth", [1, 2, 8])
def test_example_site_pages_are_the_same_with_the_twin(fold_depth: int) -> None:
    config = load_config(REPO, {"fold_depth": fold_depth, "base_url": "https://example.org/sub/"})
    site = assemble_site(parse_and_enrich(config, Report()), config, Report())
    pages: list[Page] = []
    for item in site.threads:
        full = replace(item, thread=parse_text(item.thread.path, (REPO / item.thread.path).read_text("utf-8")))
        pages.extend(thread_pages(full, config, related_cards(item, site)))
    assert _assert_same_pages(pages, config) >= len(site.threads)


def _hostile_thread() -> Thread:
    """Payloads in bodies, names, flair and links; deleted comments; every badge; scores of every kind; a
    chain deeper than the fold; odd ids."""
    comments: list[Comment] = []
    extras: list[dict[str, Any]] = [
        {},
        {"flair": "<b>mod</b> & 'co'", "edited": True},
        {"accepted": True, "more_replies": 1, "more_url": "https://example.org/more?a=1&b=<2>"},
        {"more_replies": 3, "more_url": "javascript:alert(1)"},
        {"more_replies": True, "flair": 0, "edited": ""},
        {"flair": 12, "accepted": 1},
    ]
    authors = [None, "<script>alert(1)</script>", "op_author", '"quoted" & <tag>', "", "x y"]
    scores = [None, 1, -1, 0, 2, -7]
    moments: list[Any] = [None, date(2024, 2, 29), datetime(2024, 3, 1, 12, 5, tzinfo=UTC)]
    for n, payload in enumerate(PAYLOADS):
        comment = Comment(
            body=payload,
            id=["c{}", "id with space {}", "<i>{}</i>", "x0123456789", "a\"'{}"][n % 5].format(n),
            author=authors[n % len(authors)],
            date=moments[n % len(moments)],
            score=scores[n % len(scores)],
            extra=dict(extras[n % len(extras)]),
        )
        parent = comments[(n * 7) % len(comments)] if n % 3 and comments else None
        (parent.replies if parent is not None else comments).append(comment)
    deleted = Comment(body="[deleted]", id="deleted", author=None)
    deleted.replies.append(Comment(body="", id="empty", author="someone"))
    comments.append(deleted)
    chain = Comment(body="level 1", id="chain-1", author="op_author")
    comments.append(chain)
    for level in range(2, 31):
        reply = Comment(body=f"level {level} <em>not html</em> **bold**", id=f"chain-{level}", author="b")
        chain.replies.append(reply)
        chain = reply
    return Thread(
        title="<script>alert('title')</script>",
        path="content/hostile.md",
        author="op_author",
        date=date(2024, 2, 1),
        body="The post & <b>its</b> body",
        comments=comments,
    )


def _unique_ids(roots: list[Comment]) -> None:
    seen: set[str] = set()
    stack = list(roots)
    while stack:
        comment = stack.pop()
        while comment.id in seen:
            comment.id += "_"
        seen.add(comment.id)
        stack.extend(comment.replies)


@pytest.mark.parametrize("fold_depth", [1, 3, 8])
def test_hostile_thread_pages_are_the_same_with_the_twin(fold_depth: int) -> None:
    config = SiteConfig.for_tests(fold_depth=fold_depth)
    thread = _hostile_thread()
    _unique_ids(thread.comments)
    item = enrich_thread(thread, config)
    pages = list(thread_pages(item, config, []))
    assert _assert_same_pages(pages, config) >= 2


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
        }
    ]
    rendered = [
        r.env.from_string(source).render(comments=comments, url=lambda path: path, page=None) for r in (twin, macro)
    ]
    assert rendered[0] == rendered[1]
    assert "&lt;a&gt;" in rendered[0] and "&lt;p&gt;" in rendered[0]


def test_twin_stands_in_only_for_the_bundled_partial(tmp_path: Path) -> None:
    thread = "---\ntitle: T\n---\nPost\n\n--- comment id=c1 author=a\nHello\n\n--- comment id=c2 parent=c1\nHi\n"
    own = (
        "{% macro comment_tree(comments) %}<ul class='mine'>{% for c in comments %}<li>{{ c.author_name }}"
        "{% if c.replies %}{{ comment_tree(c.replies) }}{% endif %}</li>{% endfor %}</ul>{% endmacro %}"
    )
    root = make_project(tmp_path / "site", {"content/t.md": thread, "templates/partials/comments.html": own})
    page = build_site(root, write=False).files["t/t/index.html"].decode()
    assert "<ul class='mine'><li>a<ul class='mine'><li>anonymous</li></ul></li></ul>" in page
    assert '<ol class="comments">' not in page
    config = load_config(root)
    twin, _ = _renderers(config)
    template = twin.env.get_template("partials/comments.html")
    assert isinstance(template, ThemeTemplate) and template.python_twin is False
    bundled = twin.env.get_template("!default/partials/comments.html")
    assert isinstance(bundled, ThemeTemplate) and bundled.python_twin is True
    module = bundled.make_module({"url": twin.env.globals.get("url")})
    assert not isinstance(module.comment_tree, CommentTree)  # no `url` from a page: the macro itself
