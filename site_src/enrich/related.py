"""Related threads, by shared tags and text similarity, for the foot of each thread page.

What goes in: one `RelatedItem` per published thread (a key, its tags, and its keyword
vector from `keywords.keyword_vector`). What comes out: for each key, up to `k` other
keys, most related first.

Score: half the cosine of the tag vectors (each tag weighted by its rarity on the site),
half the cosine of the keyword vectors. Candidates come from an inverted index; a tag
or term carried by more than `POSTING_CAP` threads is too common to say much and is
skipped, so 10,000 threads take seconds, not hours. Ties break by key: the same site
gives the same lists on every machine.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

__all__ = ["POSTING_CAP", "RelatedItem", "related_threads"]

K = TypeVar("K", bound=Hashable)

POSTING_CAP = 300
"""A tag or keyword shared by more threads than this links none of them."""
MIN_SCORE = 0.05
"""Below this a thread is not related enough to list."""


@dataclass(frozen=True, slots=True)
class RelatedItem(Generic[K]):
    """What related-thread ranking needs to know about one thread."""

    key: K
    """Anything sortable that names the thread (its slug, say)."""
    tags: Sequence[str] = ()
    """Its tags (normalised: equal tags must be equal strings)."""
    terms: Mapping[str, float] = field(default_factory=dict)
    """Keyword vector, e.g. `keyword_vector(counts, df)`."""


def _unit(vec: Mapping[str, float]) -> dict[str, float]:
    norm = math.sqrt(sum(w * w for w in vec.values()))
    return {t: w / norm for t, w in vec.items()} if norm else {}


def related_threads(items: Iterable[RelatedItem[K]], k: int = 5) -> dict[K, list[K]]:
    """For every item, up to `k` others sharing tags or distinctive terms, most related first."""
    items = sorted(items, key=lambda item: item.key)  # type: ignore[arg-type, return-value]
    tag_df: Counter[str] = Counter()
    for item in items:
        tag_df.update(set(item.tags))
    n = len(items)
    vectors: list[dict[str, float]] = []
    for item in items:
        tags = _unit({"#" + t: math.log((1 + n) / tag_df[t]) + 1.0 for t in set(item.tags)})
        terms = _unit({"=" + t: w for t, w in item.terms.items() if w > 0})
        half = math.sqrt(0.5)
        vectors.append({f: w * half for f, w in tags.items()} | {f: w * half for f, w in terms.items()})
    postings: dict[str, list[tuple[int, float]]] = {}
    for i, vec in enumerate(vectors):
        for f, w in vec.items():
            postings.setdefault(f, []).append((i, w))
    result: dict[K, list[K]] = {}
    for i, item in enumerate(items):
        scores: dict[int, float] = {}
        for f, w in vectors[i].items():
            plist = postings[f]
            if len(plist) > POSTING_CAP:
                continue
            for j, wj in plist:
                if j != i:
                    scores[j] = scores.get(j, 0.0) + w * wj
        ranked = sorted(
            ((round(s, 9), j) for j, s in scores.items() if round(s, 9) >= MIN_SCORE), key=lambda p: (-p[0], p[1])
        )
        result[item.key] = [items[j].key for _, j in ranked[:k]]
    return result
