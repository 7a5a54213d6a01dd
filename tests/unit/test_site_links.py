"""`site_links`: a post's or comment's link to a site path, written for the page it is on."""

from __future__ import annotations

from site_src.config import SiteConfig
from site_src.markup import render_markdown
from site_src.site_links import resolve_site_paths
from site_src.urls import Linker


def test_query_fragment_escapes_and_title_survive_under_a_sub_path() -> None:
    body = str(render_markdown('[q](/search/?q=a&b=1 "find") [c](/t/café/#comment-x%201)'))
    linker = Linker(SiteConfig.for_tests(base_url="https://example.org/sub/"), "/t/a/")
    page = resolve_site_paths(body, linker)
    assert '<a href="/sub/search/?q=a&amp;b=1" title="find">q</a>' in page
    assert '<a href="/sub/t/caf%C3%A9/#comment-x%201">c</a>' in page


def test_relative_urls_and_the_escaped_copy_in_a_feed() -> None:
    body = str(render_markdown("[b](/t/b/#comment-c1)"))
    relative = Linker(SiteConfig.for_tests(relative_urls=True), "/t/a/c/c9/")
    assert '<a href="../../../b/index.html#comment-c1">b</a>' in resolve_site_paths(body, relative)
    feed = body.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&#34;")
    written = resolve_site_paths(feed, lambda path: "https://example.org/sub" + path, escaped=True)
    assert "&lt;a href=&#34;https://example.org/sub/t/b/#comment-c1&#34;&gt;b&lt;/a&gt;" in written


def test_text_that_only_looks_like_a_marked_link_is_left_alone() -> None:
    """Typed in a comment, the same characters arrive escaped: nothing to rewrite."""
    body = str(render_markdown('<a href="/x" class="site-path">y</a>'))
    assert resolve_site_paths(body, lambda path: "/sub" + path) == body
