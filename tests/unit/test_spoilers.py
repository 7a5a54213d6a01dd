"""Spoilers hidden until clicked (issue 17 item 13): the `::: spoiler` block and Reddit's inline `>!text!<`, the
same HTML from both Markdown backends, the inside rendered by the same safe rules."""

from __future__ import annotations

import re
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from support import build_site, make_project
from test_markup_backends import BACKENDS, backends, known_differences_removed, native_needed, unsafe_parts

from site_src import markup
from site_src.enrich.text import markdown_to_plain
from site_src.spoilers import MAX_NESTING, inline_spoilers, render_blocks, without_spoiler_html


@pytest.mark.parametrize("backend", backends())
def test_block_becomes_details_with_its_inside_rendered_by_the_same_rules(backend: str) -> None:
    render = BACKENDS[backend]
    text = "Before.\n\n::: spoiler\nThe *end*: [x](https://x.org) <b>raw</b>\n\n# Heading\n:::\n\nAfter."
    assert render(text) == (
        "<p>Before.</p>\n"
        '<details class="spoiler"><summary>Spoiler</summary>\n'
        '<p>The <em>end</em>: <a href="https://x.org" rel="nofollow ugc noopener">x</a> &lt;b&gt;raw&lt;/b&gt;</p>\n'
        "<h3>Heading</h3>\n</details>\n<p>After.</p>\n"
    )
    assert not unsafe_parts(render("::: spoiler\n[x](javascript:alert(1)) ![i](data:x)\n:::"))


@pytest.mark.parametrize("backend", backends())
def test_block_title_nesting_and_an_unclosed_block(backend: str) -> None:
    render = BACKENDS[backend]
    nested = render(':::: spoiler Who <i>"dies"</i>\n::: spoiler\ninner\n:::\nouter\n::::\nafter')
    assert nested == (
        '<details class="spoiler"><summary>Who &lt;i&gt;&quot;dies&quot;&lt;/i&gt;</summary>\n'
        '<details class="spoiler"><summary>Spoiler</summary>\n<p>inner</p>\n</details>\n<p>outer</p>\n'
        "</details>\n<p>after</p>\n"
    )
    assert render("::: spoiler\nruns on\n\n- to the end") == (
        '<details class="spoiler"><summary>Spoiler</summary>\n<p>runs on</p>\n<ul>\n<li>to the end</li>\n</ul>\n'
        "</details>\n"
    )


@pytest.mark.parametrize("backend", backends())
def test_colons_in_code_or_without_the_word_are_text(backend: str) -> None:
    render = BACKENDS[backend]
    assert "details" not in render("```\n::: spoiler\n```\n")
    assert "details" not in render("    ::: spoiler\n    indented code")
    assert "details" not in render("::: note\ntext\n:::")
    assert "details" not in render("\\::: spoiler\ntext")


@pytest.mark.parametrize("backend", backends())
def test_inline_spoiler_hides_text_emphasis_and_links_but_not_code(backend: str) -> None:
    render = BACKENDS[backend]
    assert render("It was >!the butler *himself* [see](https://x.org)!<, sadly.") == (
        '<p>It was <span class="spoiler" tabindex="0">the butler <em>himself</em> '
        '<a href="https://x.org" rel="nofollow ugc noopener">see</a></span>, sadly.</p>\n'
    )
    assert render("\\>!at the start!< of a line") == (
        '<p><span class="spoiler" tabindex="0">at the start</span> of a line</p>\n'
    )
    assert "spoiler" not in render("`>!code!<` and\n\n```\n>!block!<\n```")
    assert "spoiler" not in render("a >!across\na line!< b")  # one line only
    assert "spoiler" not in render("a >!!< b")  # nothing to hide
    assert "spoiler" not in render("a >!*x!< y*")  # emphasis that does not close inside


@pytest.mark.parametrize("backend", backends())
def test_inline_spoiler_is_never_made_inside_a_tag(backend: str) -> None:
    page = BACKENDS[backend]('[a](http://x.org/">!x!<) ![i](http://x.org/>!y!<) <a title=">!q!<">')
    assert not unsafe_parts(page)
    assert page.count("<span") == page.count("</span>")
    for attribute in ("href", "title"):
        assert f'{attribute}="<' not in page


def test_nesting_is_bounded() -> None:
    deep = "::: spoiler\n" * 5000 + "x\n" + ":::\n" * 5000
    for render in BACKENDS.values():
        page = render(deep)
        assert page.count("<details") == MAX_NESTING == page.count("</details>")


def test_inline_pass_is_a_no_op_without_spoilers() -> None:
    assert inline_spoilers("<p>a &gt; b ! c</p>") == "<p>a &gt; b ! c</p>"
    assert render_blocks("no colons", lambda t: f"[{t}]") == "[no colons]"


class _Balance(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.broken = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("span", "details", "summary"):
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("span", "details", "summary") and (not self.stack or self.stack.pop() != tag):
            self.broken = True


_PIECES = st.sampled_from(
    [
        "::: spoiler",
        ":::: spoiler t",
        ":::",
        "::::",
        ">!",
        "!<",
        "\\>!",
        "`",
        "```",
        "*",
        "[a](http://x.org)",
        "<b>",
        "\n",
        "\n\n",
        "> ",
        "- ",
        "text",
        " ",
    ]
)


_UNSAFE_AUTOLINK = re.compile(r"<[a-zA-Z][a-zA-Z0-9+.-]{1,31}:")


def _without_spoiler_pass(*renders: Callable[[str], str], text: str) -> list[str]:
    """What each of `renders` makes of `text` with the spoiler pass turned off (plain Markdown rendering)."""
    original = markup.with_spoilers
    markup.with_spoilers = lambda body, render: render(body)
    try:
        return [render(text) for render in renders]
    finally:
        markup.with_spoilers = original


@native_needed
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_PIECES, max_size=30).map("".join))
@example(">!\n*")  # found by hypothesis: the backends differ on a lazy quote line before an empty list item
@example("!<text:::\\>!")  # found by hypothesis: an unsafe autolink
def test_random_spoiler_syntax_is_safe_balanced_and_the_same_in_both(text: str) -> None:
    native, reference = markup.render_native(text), markup.render_reference(text)
    for page in (native, reference):
        assert not unsafe_parts(page)
        balance = _Balance()
        balance.feed(page)
        assert not balance.broken and not balance.stack, page
    if _UNSAFE_AUTOLINK.search(text):  # `<text:::>`: a documented difference, whose text varies with escapes
        return
    plain_native, plain_reference = _without_spoiler_pass(markup.render_native, markup.render_reference, text=text)
    if known_differences_removed(plain_native) != known_differences_removed(plain_reference):
        return  # the backends differ on this Markdown itself (a CommonMark corner case, `>!\n*`): not the spoilers'
    assert known_differences_removed(native) == known_differences_removed(reference)  # the documented ones


def test_summaries_and_key_points_never_read_what_a_spoiler_hides() -> None:
    text = "It was >!the butler!< all along.\n\n:::: spoiler Who\nThe gardener.\n::: spoiler\nDeep.\n:::\n::::\n\nEnd."
    plain = " ".join(block.text for block in markdown_to_plain(text).blocks)
    assert plain == "It was [spoiler] all along. End."  # the gap shows, the words do not
    assert "colons" in markdown_to_plain("Three ::: colons, and a > quote sign!").blocks[0].text


def test_a_built_page_shows_spoilers_only_inside_their_hidden_elements(tmp_path: Path) -> None:
    """The summary, key points, meta description and JSON-LD never hold what a spoiler hides; the comment does,
    hidden."""
    thread = (
        "---\ntitle: Gamma\ndate: 2025-07-12\n---\nPost about quolls and their habits in the wild.\n\n"
        "--- comment id=c1 author=z\nIt was >!the numbat!< all along, everyone agreed afterwards.\n\n"
        "::: spoiler Who\nThe bilby did it.\n:::\n"
    )
    result = build_site(make_project(tmp_path / "site", {"content/c.md": thread}))
    assert not result.report.errors
    page = result.files["t/c/index.html"].decode()
    for word in ("numbat", "bilby"):
        assert without_spoiler_html(page).count(word) == 0, word
    assert '<span class="spoiler" tabindex="0">the numbat</span>' in page
    assert '<details class="spoiler"><summary>Who</summary>\n<p>The bilby did it.</p>\n</details>' in page


def test_without_spoiler_html_removes_nested_blocks_and_keeps_the_rest() -> None:
    html = markup.render_reference("a >!b!< c\n\n:::: spoiler\n::: spoiler\nd\n:::\ne\n::::\n\nf")
    assert without_spoiler_html(html) == "<p>a [spoiler] c</p>\n<p>f</p>\n"
