"""Markdown to plain text, sentence splitting, terms: site_src/enrich/text.py."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from site_src.enrich.text import (
    _ESCAPE,
    _HTML_TAG,
    _IMAGE,
    _LINK,
    _LINK_ADDRESS,
    _REF_LINK,
    _STRUCK,
    _URL,
    _inline_plain,
    content_terms,
    markdown_to_plain,
    split_sentences,
    trim_quote,
)


def test_abbreviations_initials_and_decimals_do_not_split() -> None:
    text = "Mr. Smith paid 3.5 dollars, e.g. for U.S. forces. J. R. R. Tolkien wrote it. It ended."
    assert split_sentences(text) == [
        "Mr. Smith paid 3.5 dollars, e.g. for U.S. forces.",
        "J. R. R. Tolkien wrote it.",
        "It ended.",
    ]


def test_initialism_at_sentence_end_splits_before_a_sentence_starter() -> None:
    assert split_sentences("Prices rose in the U.S. The end came.") == ["Prices rose in the U.S.", "The end came."]


def test_closing_quote_stays_with_its_sentence() -> None:
    assert split_sentences("He said “stop.” Then he left! Why? Because.") == [
        "He said “stop.”",
        "Then he left!",
        "Why?",
        "Because.",
    ]


def test_cjk_terminators_split_without_spaces() -> None:
    assert split_sentences("中国不会停止。这是问题！好吗？") == ["中国不会停止。", "这是问题！", "好吗？"]


def test_markdown_is_reduced_to_text_and_urls_are_counted() -> None:
    plain = markdown_to_plain(
        "# Title\n\nSee [the docs](https://example.org/a_b) and **bold** `code`.\n\n```\nx = 1\n```\n\n- one\n- two\n"
    )
    assert [b.text for b in plain.blocks] == ["Title", "See the docs and bold code.", "one", "two"]
    assert plain.url_chars == len("https://example.org/a_b")


def test_blockquotes_and_quoted_paragraphs_are_marked() -> None:
    plain = markdown_to_plain("> someone else\n\nMichael: “Long quote.\n\n“More of it.”\n\nMy own words here.")
    assert [(b.text, b.quoted) for b in plain.blocks] == [
        ("someone else", True),
        ("Michael: “Long quote.", True),
        ("“More of it.”", True),
        ("My own words here.", False),
    ]


_BBCODE_QUOTES = (
    "\\[quote=“ann”\\]Lighting looks different on each tile.\n\n"
    "Is there a way around it?\\\n\\[/quote\\]\n\n"
    "How did you fix the collisions?\n\n"
    "\\[QUOTE\\]outer \\[quote\\]inner\\[/quote\\] still outer\\[/QUOTE\\] Mine again. \\[quote\\]left open"
)
_BBCODE_MARKUP = (
    "Look at \\[b\\]this\\[/b\\] in \\[color=#00AA00\\]green\\[/color\\].\n\n"
    "\\[code\\]\nvoid f();\n\n# not a heading\n\\[/code\\]\n\n"
    "\\[spoiler\\]The ending.\\[/spoiler\\] It crashes on exit.\n\n"
    "\\[ul\\]\\[li\\]First item here.\\[/li\\]\\[li\\]Second item here.\\[/li\\]\\[/ul\\]"
)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (  # quotations across paragraphs, nested, or inside a paragraph with the writer's own words
            _BBCODE_QUOTES,
            [
                ("Lighting looks different on each tile.", True, False),
                ("Is there a way around it?", True, False),
                ("How did you fix the collisions?", False, False),
                ("outer", True, False),
                ("inner", True, False),
                ("still outer", True, False),
                ("Mine again.", False, False),
                ("left open", True, False),
            ],
        ),
        (  # code and spoilers left out, list items apart, formatting tags gone
            _BBCODE_MARKUP,
            [
                ("Look at this in green.", False, False),
                ("It crashes on exit.", False, False),
                ("First item here.", False, True),
                ("Second item here.", False, True),
            ],
        ),
    ],
)
def test_bbcode_is_read(source: str, expected: list[tuple[str, bool, bool]]) -> None:
    """Old forum posts (phpBB, or posts migrated from it to Discourse) are written in BBCode, the brackets escaped in
    Markdown: the tags the text closes are read."""
    assert [(b.text, b.quoted, b.item) for b in markdown_to_plain(source).blocks] == expected


def test_bbcode_tags_the_text_never_closes_stay() -> None:
    """An array index `a[i]` in a text that never closes `[/i]` is no BBCode."""
    assert [b.text for b in markdown_to_plain("Use a\\[i\\] and b\\[i\\] here.").blocks] == ["Use a[i] and b[i] here."]


def test_a_link_whose_text_is_its_address_leaves_no_text() -> None:
    """Forums show a long link by its address, shortened in the middle (`host/pa … th.html`): not prose, like a bare
    URL. A link named by a file or a name with a dot stays."""
    source = (
        "Android version:  \n[play.google.com/store/apps/deta … om.mds.dnc](https://play.google.com/store/apps/x)\n\n"
        "Read [urho3d.github.io/documentation/H … erial.html](https://urho3d.github.io/x.html) and "
        "[Urho3D.h](https://x.org/Urho3D.h) or [node.js](https://nodejs.org), [read/write](https://x.org/rw) too."
    )
    plain = markdown_to_plain(source)
    assert [b.text for b in plain.blocks] == ["Android version:", "Read and Urho3D.h or node.js, read/write too."]


def test_escaped_backticks_are_backticks_not_code_spans() -> None:
    """A mail's shell backquotes come escaped (`\\``): they open no code span, and no backslash is left over."""
    plain = markdown_to_plain("Link with gcc \\`pkg-config --libs gmime\\` \\`xapian-config --libs\\` now. Run `make`.")
    assert [(b.text, b.code) for b in plain.blocks] == [
        ("Link with gcc `pkg-config --libs gmime` `xapian-config --libs` now. Run make.", frozenset(["make"]))
    ]


def test_unclosed_link_and_bare_url_leave_no_url_text() -> None:
    plain = markdown_to_plain("Read more: [https://theatln.tc/HSMRby4S](https://theatln.tc/HSMRby4S")
    assert "http" not in plain.text
    assert plain.url_share() > 0.5


def test_terms_fold_plurals_possessives_and_us() -> None:
    assert content_terms("China’s chemicals and policies in the U.S. and the US") == [
        "china",
        "chemical",
        "policy",
        "usa",
        "usa",
    ]


def test_other_scripts_give_terms_not_errors() -> None:
    assert content_terms("中国不会") == ["中国", "国不", "不会"]
    assert content_terms("Москва — столица России") == ["москва", "столица", "россии"]


@given(st.text(alphabet=st.sampled_from("ab cd. ef! “g” h,\n"), max_size=600), st.integers(20, 250))
@example("aaaaaaaaaaaaaaaa  a a", 20)  # found by hypothesis: two spaces inside the cut were kept
@example("aaaaaaaaaaaaaaaa  a\na", 20)
def test_trim_quote_never_cuts_inside_a_word(text: str, limit: int) -> None:
    out = trim_quote(text, limit)
    whole = " ".join(text.split())
    if not out.endswith("…"):
        assert out in (text.strip(), whole)
        return
    body = out.removesuffix("…").strip()
    assert len(body) <= limit
    assert whole.startswith(body)
    if " " not in whole[: limit + 1]:
        return  # a first word longer than the limit can only be cut (found by hypothesis: 21 a's, limit 20)
    assert len(whole) == len(body) or whole[len(body)] in " ,;:-"


@given(st.text(max_size=300))
def test_markdown_to_plain_and_sentences_never_raise(text: str) -> None:
    for block in markdown_to_plain(text).blocks:
        for sentence in split_sentences(block.text):
            assert sentence == sentence.strip()
            assert sentence


_CASES = json.loads((Path(__file__).parent / "cases" / "markdown_to_plain.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", _CASES, ids=[case["name"] for case in _CASES])
def test_markdown_to_plain_matches_the_recorded_conversion(case: dict[str, Any]) -> None:
    """Tricky Markdown (links, code, quotes, lists, tables, HTML-looking text, entities, escapes) gives
    exactly what the conversion gave before it skipped rewrites and line patterns that cannot apply."""
    plain = markdown_to_plain(case["markdown"])
    assert [[b.text, b.quoted] for b in plain.blocks] == case["blocks"]
    assert (plain.url_chars, plain.source_chars) == (case["url_chars"], case["source_chars"])


_CODE_SPAN = re.compile(r"(`+)(.+?)\1")
_EMPHASIS = re.compile(r"\*{1,3}|(?<![^\W_])_{1,3}|_{1,3}(?![^\W_])|~~")
_INLINE_SYNTAX = re.compile(r"[\[`<*_~\\&]|://|www\.|mailto:")
"""The plain spellings of three patterns that `text` spells differently for speed."""


def _every_rewrite(text: str) -> tuple[str, int]:
    """`_inline_plain` without its shortcuts: every rewrite runs (once the text holds any inline syntax at all),
    with a call per match and the plain spellings of the patterns."""
    url_chars = 0
    spaces = re.compile(r"[^\S\n]+|[^\S\n]*\n\s*")
    if not _INLINE_SYNTAX.search(text):
        return spaces.sub(lambda m: "\n" if "\n" in m.group(0) else " ", text).strip(), 0

    def count(match: re.Match[str], group: int, keep: str) -> str:
        nonlocal url_chars
        url_chars += len(match.group(group))
        return keep or match.group(1)

    text = text.replace("\\`", "\ue003")  # an escaped backtick opens no code span
    text = _CODE_SPAN.sub(lambda m: m.group(2), text)
    text = _IMAGE.sub(" ", text)

    def link(m: re.Match[str]) -> str:
        label = count(m, 2, "")
        if ("/" in label or "www." in label) and _LINK_ADDRESS.match(label):
            return count(m, 1, " ")  # a link whose text is its own address
        return label

    text = _LINK.sub(link, text)
    text = _REF_LINK.sub(lambda m: m.group(1), text)
    text = _URL.sub(lambda m: count(m, 0, " "), text)
    text = _HTML_TAG.sub(" ", text)
    text = _STRUCK.sub(" ", text)
    marks = {"*": "\ue000", "_": "\ue001", "~": "\ue002"}
    text = _ESCAPE.sub(lambda m: marks.get(m.group(1), m.group(1)), text)
    back = {v: k for k, v in marks.items()}
    text = "".join(back.get(c, c) for c in _EMPHASIS.sub("", text))
    text = html.unescape(text.replace("\x00", "")).replace("\ue003", "`")
    text = spaces.sub(lambda m: "\n" if "\n" in m.group(0) else " ", text)
    return text.strip(), url_chars


_INLINE_PIECES = [
    "word", " ", "  ", "\n", "\n  ", "\t", "\u00a0", "\x00", "*", "**", "_", "~~", "`", "``", "[", "]", "(", ")",
    "![", "](", "][", "<", ">", "<b>", "</a>", "\\", "\\*", "&amp;", "&", "http://x.org/a", "www.y.com", "mailto:z",
    "<https://x.org>", '"', "é", "日本", "a_b", "_a", "b_", "___", "~", "w", "www.", "m", "mailto:", ":", "//", "1",
    "\\`", "/", "x.org/a", " … ",
]  # fmt: skip


@given(st.lists(st.sampled_from(_INLINE_PIECES), max_size=30).map("".join))
def test_inline_plain_shortcuts_change_nothing(text: str) -> None:
    assert _inline_plain(text) == _every_rewrite(text)
