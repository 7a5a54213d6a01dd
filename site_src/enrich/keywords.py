"""Keywords and suggested tags: each thread's distinctive terms, measured against the whole site.

Two phases, so a build can spread the per-thread half over processes:

1. `term_counts(thread)` per thread (pure, picklable result);
2. `DocumentFrequencies.from_counts(all_counts)` once for the site (or `merge` partial ones);
3. `keywords(counts, df)`, `keyword_vector(counts, df)` and `suggest_tags(counts, df, tags)` per thread.

Scores are TF-IDF with a smoothed IDF; every ranking breaks ties by the term itself, so
results are the same on every machine. Nothing raises on odd input.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from itertools import chain, islice
from operator import itemgetter

from ..model import Thread
from .text import PreparedThread, prepare

__all__ = [
    "TERM_LIMIT",
    "DocumentFrequencies",
    "keyword_vector",
    "keywords",
    "suggest_tags",
    "term_counts",
    "term_counts_prepared",
]

TERM_LIMIT = 200
"""Most terms `term_counts` keeps per thread (the most frequent), to bound site-wide memory."""
_TITLE_WEIGHT = 3
"""A term in the title counts this many times."""
_PHRASE_MIN = 2
"""A two-word phrase must occur this often in a thread to count."""


def term_counts(thread: Thread, *, limit: int = TERM_LIMIT) -> dict[str, int]:
    """How often each content term occurs in the thread: title (weighted), post and comments.

    Terms are folded words (`chemicals` -> `chemical`) and two-word phrases seen at least
    twice (`supply chain`). Quotations count (they set the topic); URLs and code do not.
    At most `limit` terms are kept, the most frequent first, ties by term; returned in term order.
    """
    return term_counts_prepared(prepare(thread), limit=limit)


def term_counts_prepared(prepared: PreparedThread, *, limit: int = TERM_LIMIT) -> dict[str, int]:
    """`term_counts` for a thread already prepared by `text.prepare` (as `summaries.analyse` does)."""
    counts = Counter(chain.from_iterable(unit.terms for unit in prepared.units))
    for term in prepared.title_terms:
        counts[term] += _TITLE_WEIGHT
    words = prepared.words
    # adjacent content words, no stop word, number, sentence or paragraph end between (`words` has None there)
    pairs = Counter(zip(words, islice(words, 1, None), strict=False))
    for (a, b), n in pairs.items():
        if n >= _PHRASE_MIN and a and b and a != b and len(a) > 2 and len(b) > 2:
            counts[f"{a} {b}"] = n
    items = sorted(counts.items())
    if len(items) > limit:
        items.sort(key=itemgetter(1), reverse=True)  # stable: equal counts stay in term order
        items = sorted(items[:limit])
    return dict(items)


@dataclass(frozen=True, slots=True)
class DocumentFrequencies:
    """In how many threads each term occurs, across the whole site."""

    documents: int = 0
    """Threads counted."""
    counts: Mapping[str, int] = field(default_factory=dict)
    """Term -> number of threads using it. Treat as read-only."""

    @classmethod
    def from_counts(cls, per_thread: Iterable[Mapping[str, int] | Collection[str]]) -> DocumentFrequencies:
        """Count each thread's terms once (from `term_counts` results or plain term sets)."""
        df: Counter[str] = Counter()
        documents = 0
        for terms in per_thread:
            documents += 1
            df.update(set(terms))
        return cls(documents, dict(sorted(df.items())))

    @classmethod
    def merge(cls, parts: Iterable[DocumentFrequencies]) -> DocumentFrequencies:
        """Add up frequencies counted separately (one per worker process)."""
        df: Counter[str] = Counter()
        documents = 0
        for part in parts:
            documents += part.documents
            df.update(part.counts)
        return cls(documents, dict(sorted(df.items())))

    def idf(self, term: str) -> float:
        """Smoothed inverse document frequency: rare terms high, common ones near 1."""
        return math.log((1 + self.documents) / (1 + self.counts.get(term, 0))) + 1.0

    def share(self, term: str) -> float:
        """Share (0..1) of threads using the term."""
        return self.counts.get(term, 0) / self.documents if self.documents else 0.0


def _scores(counts: Mapping[str, int], df: DocumentFrequencies) -> list[tuple[str, float]]:
    """TF-IDF score of every term, best first, ties by term; terms in over half the threads are skipped."""
    common = df.documents >= 10
    scored = []
    for term, n in counts.items():
        if n <= 0 or (common and df.share(term) > 0.5):
            continue
        boost = 1.25 if " " in term else 1.0
        scored.append((term, round((1 + math.log(n)) * df.idf(term) * boost, 9)))
    scored.sort(key=lambda item: (-item[1], item[0]))
    return scored


def keywords(counts: Mapping[str, int], df: DocumentFrequencies, n: int = 8) -> list[str]:
    """The thread's `n` most distinctive terms, best first.

    A word already inside a chosen phrase is skipped unless it stands on its own much
    more often (`supply chain` makes `chain` redundant, not `china`).
    """
    chosen: list[str] = []
    for term, _score in _scores(counts, df):
        if len(chosen) >= n:
            break
        if _redundant(term, chosen, counts):
            continue
        chosen.append(term)
    return chosen


def _redundant(term: str, chosen: list[str], counts: Mapping[str, int]) -> bool:
    for other in chosen:
        if " " in other and term in other.split() and counts.get(term, 0) < 2 * counts.get(other, 0):
            return True
        if " " in term and other in term.split() and counts.get(other, 0) < 2 * counts.get(term, 0):
            return True
    return False


def keyword_vector(counts: Mapping[str, int], df: DocumentFrequencies, n: int = 20) -> dict[str, float]:
    """The top `n` TF-IDF terms as a unit-length vector (for related threads), weights rounded."""
    top = _scores(counts, df)[:n]
    norm = math.sqrt(sum(w * w for _, w in top)) or 1.0
    return {term: round(w / norm, 6) for term, w in sorted(top)}


def _slug(term: str) -> str:
    return re.sub(r"[^\w]+", "-", term.casefold()).strip("-_")


def suggest_tags(
    counts: Mapping[str, int], df: DocumentFrequencies, existing_tags: Collection[str], n: int = 3
) -> list[str]:
    """Up to `n` lowercase, slug-like tags for a person to accept, best first.

    Taken from the keywords, skipping what the thread is already tagged with (also in
    singular/plural form). On a site of ten threads or more a tag must fit at least two
    threads: a tag only one thread could carry groups nothing.
    """
    have = {_slug(tag) for tag in existing_tags}
    have |= {t[:-1] for t in have if t.endswith("s")} | {t + "s" for t in have}
    suggestions: list[str] = []
    for term in keywords(counts, df, n=max(4 * n, 12)):
        if len(suggestions) >= n:
            break
        slug = _slug(term)
        if not slug or slug in have or slug in suggestions or slug.isdigit():
            continue
        if df.documents >= 10 and df.counts.get(term, 0) < 2:
            continue
        suggestions.append(slug)
    return suggestions
