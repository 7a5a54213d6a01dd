"""`text.text_direction`: the direction a page in a language is laid out in (`<html dir="rtl">`)."""

from __future__ import annotations

import pytest

from site_src.text import text_direction


@pytest.mark.parametrize(
    ("language", "direction"),
    [
        ("ar", "rtl"),
        ("he", "rtl"),
        ("fa-IR", "rtl"),
        ("ur_PK", "rtl"),
        ("yi", "rtl"),
        ("az-Arab", "rtl"),  # a script subtag decides
        ("pa-Arab-PK", "rtl"),
        ("ku-Latn", "ltr"),
        ("ar-Latn", "ltr"),
        ("en", "ltr"),
        ("ja", "ltr"),
        ("zh-Hant-TW", "ltr"),
        ("", "ltr"),
        (" AR ", "rtl"),
    ],
)
def test_text_direction(language: str, direction: str) -> None:
    assert text_direction(language) == direction
