"""Faster spellings in site_src/enrich/text.py give what the plain ones gave."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from site_src.enrich.text import (
    _HEADING,
    _LINK_DEF,
    _LIST_ITEM,
    _RULE,
    _SETEXT,
    _TABLE_RULE,
    _US,
    _has_line_syntax,
    content_terms,
    folded_words,
    prepare,
)
from site_src.model import Comment, Thread

_LINE_START = re.compile(r"^\s*[`~>*\-_|:\[=#+\d]", re.MULTILINE)
"""The plain spelling of `_has_line_syntax`."""

_LINE_PIECES = [
    "word", " ", "   ", "\n", "\n\n", "\t", "\u2028", "\x0b", "\x1c", "\u00a0", "`", "~", ">", "*", "-", "_", "|", ":",
    "[", "=", "#", "+", "1", "\u0663", "\u00b2", "a", "é",
]  # fmt: skip


@settings(max_examples=500)
@given(st.lists(st.sampled_from(_LINE_PIECES), max_size=20).map("".join))
def test_line_syntax_is_found_as_the_multiline_pattern_finds_it(text: str) -> None:
    assert _has_line_syntax(text) == (_LINE_START.search(text) is not None)


_FIRST_CHARACTERS = [
    (_RULE, "*-_"),
    (_TABLE_RULE, "|:-"),
    (_LINK_DEF, "["),
    (_SETEXT, "=-"),
    (_HEADING, "#"),
]
"""The line patterns `_raw_blocks` tries only on a line whose first character after spaces is one of these."""


@settings(max_examples=1000)
@given(st.lists(st.sampled_from([*_LINE_PIECES, "]", "]: x", ")", ".", "\u0663.", "1."]), max_size=12).map("".join))
def test_line_patterns_match_only_lines_starting_with_their_characters(line: str) -> None:
    start = line.lstrip()[:1]
    for pattern, characters in _FIRST_CHARACTERS:
        if pattern.match(line):
            assert start and start in characters, (pattern.pattern, line)
    if _LIST_ITEM.match(line):
        assert start and (start in "-*+" or start.isdigit()), line


_WORD_PIECES = [
    "US", "U.S.", "U.S.A.", "USA", "USB", "xUS", "US-made", "(US)", "US.", "the", "river", "rivers", "Mr.", "e.g.",
    "3.5", "it's", "don't", "今日は。", "नमस्ते।", "done.", "“quoted.”", " ", "  ", "\n", "\t", "\u00a0", "-", ",",
]  # fmt: skip


def _rewritten_first(text: str) -> list[str | None]:
    """`folded_words` as it was spelled before: `US`/`U.S.` rewritten in the whole text, then each token folded."""
    return folded_words(_US.sub("USA", text))


@settings(max_examples=500)
@given(st.lists(st.sampled_from(_WORD_PIECES), max_size=25).map("".join))
def test_us_rewritten_per_token_as_in_the_whole_text(text: str) -> None:
    assert folded_words(text) == _rewritten_first(text)
    assert content_terms(text) == [word for word in _rewritten_first(text) if word]


@settings(max_examples=100)
@given(st.lists(st.lists(st.sampled_from(_WORD_PIECES), max_size=12).map("".join), min_size=1, max_size=5))
def test_prepare_words_are_each_blocks_words_then_a_none(bodies: list[str]) -> None:
    thread = Thread(
        "US rivers", "t.md", body=bodies[0], comments=[Comment(body, id=f"c{i}") for i, body in enumerate(bodies)]
    )
    prepared = prepare(thread)
    expected: list[str | None] = []
    for unit in prepared.units:
        words: list[str | None] = []
        for block in unit.plain.blocks:
            words += [*_rewritten_first(block.text), None]
        assert unit.terms == [word for word in words if word]
        expected += words
    assert prepared.words == expected
    assert prepared.title_terms == ["usa", "river"]
