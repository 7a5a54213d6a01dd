"""The shortcuts that make terms cheaper (issue 19) give the same terms as the plain way.

`_fold_token` skips its regex looks for a token that is one ASCII word (maybe with punctuation after it), for a
token without CJK and for one that cannot end a sentence; `fold_term` skips NFKC for ASCII. Checked against the
plain computation.
"""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from site_src.enrich.text import (
    _ADDRESS,
    _CJK,
    _ENDS_SENTENCE,
    _TERM,
    _fold_token,
    fold_term,
)


def _fold_token_plain(token: str) -> tuple[str | None, ...]:
    """`_fold_token` without its shortcuts: every regex look runs."""
    if ("@" in token or "." in token) and _ADDRESS.search(token):
        return (None,)
    folded: list[str | None] = []
    for word in _TERM.findall(token):
        if len(word) > 1 and _CJK.search(word):
            folded.extend(word[i : i + 2] for i in range(len(word) - 1))
        else:
            folded.append(fold_term(word))
    if _ENDS_SENTENCE.search(token) and folded and folded[-1] is not None:
        folded.append(None)
    return tuple(folded)


_TOKEN_PIECES = [
    "flour", "Flours", "the", "x86", "4chan", "1vanK", "42", "3.14", "1,000", "policies", "calories", "it's",
    "Bob's", "Bob\u2019s", "don't", ".", ",", "!", "?", "...", "\u2026", "\u3002", "\u0964", '"', "\u201d", "'", ")",
    "]", "\u300d", "(", "-", "_", "@", "x@y.org", "igalia.com", "www", "日本語", "한국어", "é", "ﬁ", "Ⅻ", "²", "ß",
    "U.S.", "US", "a", "b", ":", ";", "]", "co", ".com",
]  # fmt: skip


@given(st.lists(st.sampled_from(_TOKEN_PIECES), min_size=1, max_size=6).map("".join))
@example("Straße.")
@example("ﬁne")
@example("日本語。")
@example("done.\u201d")
def test_fold_token_shortcuts_change_nothing(token: str) -> None:
    assert _fold_token(token) == _fold_token_plain(token)
