"""Characters no page can carry: the quick test finds what the character class finds."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from site_src.readers.fields import _NOT_TEXT, _has_not_text, clean_text

_PIECES = ["a", "word ", "\t", "\n", "\r", "\x00", "\x01", "\x08", "\x0b", "\x0c", "\x0e", "\x1f", " ", "\x7f", "é",
           "日本", "\ud800", "\udfff", "\ufffe", "\uffff", "\ufffd", "\u2028"]  # fmt: skip


@settings(max_examples=500)
@given(st.lists(st.sampled_from(_PIECES), max_size=12).map("".join))
def test_quick_test_finds_what_the_pattern_finds(text: str) -> None:
    assert _has_not_text(text) == (_NOT_TEXT.search(text) is not None)
    assert clean_text(text) == _NOT_TEXT.sub("\ufffd", text)
