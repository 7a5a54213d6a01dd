"""Related threads, by shared tags and text similarity, for the foot of each thread page.

What goes in: one `RelatedItem` per published thread (a key, its tags, and its keyword
vector from `keywords.keyword_vector`). What comes out: for each key, up to `k` other
keys, most related first.

Score: half the cosine of the tag vectors (each tag weighted by its rarity on the site),
half the cosine of the keyword vectors, over the features (tags, terms) shared by at most
`POSTING_CAP` threads: one carried by more is too common to say much.

Candidates come from a pruned inverted index, so the work per thread is bounded and the
whole site takes time linear in its size: each feature lists only the `POSTING_KEEP`
threads that carry it most strongly, and each thread looks up only its `QUERY_FEATURES`
strongest features. A pair is scored over the features that found it (the thread's own
strongest ones); a pair sharing only weak features of both is missed, which costs little:
such a pair would rank low anyway.

Weights are integers (cosines scaled by `SCALE` and rounded), so every score is an exact
integer whatever the order of the additions, and ties break by key: the same site gives
the same lists on every machine and under every hash seed.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from heapq import nlargest
from operator import itemgetter
from typing import Generic, TypeVar

__all__ = ["POSTING_CAP", "POSTING_KEEP", "QUERY_FEATURES", "RelatedItem", "related_threads"]

K = TypeVar("K", bound=Hashable)

POSTING_CAP = 300
"""A tag or keyword shared by more threads than this links none of them."""
POSTING_KEEP = 16
"""Each tag or keyword leads to at most this many threads: those that carry it most strongly."""
QUERY_FEATURES = 12
"""Each thread looks for related ones through at most this many of its tags and keywords: its strongest."""
MIN_SCORE = 0.05
"""Below this a thread is not related enough to list."""
SCALE = 1 << 15
"""A feature's weight (0..1) is stored as round(weight * SCALE): scores are exact integers up to SCALE**2."""


@dataclass(frozen=True, slots=True)
class RelatedItem(Generic[K]):
    """What related-thread ranking needs to know about one thread."""

    key: K
    """Anything sortable that names the thread (its slug, say)."""
    tags: Sequence[str] = ()
    """Its tags (normalised: equal tags must be equal strings)."""
    terms: Mapping[str, float] = field(default_factory=dict)
    """Keyword vector, e.g. `keyword_vector(counts, df)`."""


_HALF = math.sqrt(0.5)


def _scaled(vec: list[tuple[str, float]]) -> list[tuple[str, int]]:
    """`vec` (positive weights, fixed order) as a vector of length sqrt(1/2), weights scaled to integers."""
    norm = math.sqrt(sum(w * w for _, w in vec))
    if not norm:
        return []
    factor = _HALF * SCALE / norm
    return [(f, int(w * factor + 0.5)) for f, w in vec]


def related_threads(items: Iterable[RelatedItem[K]], k: int = 5) -> dict[K, list[K]]:
    """For every item, up to `k` others sharing tags or distinctive terms, most related first."""
    items = sorted(items, key=lambda item: item.key)  # type: ignore[arg-type, return-value]
    n = len(items)
    tag_sets = [sorted(set(item.tags)) for item in items]
    tag_df = Counter(tag for tags in tag_sets for tag in tags)
    tag_idf = {tag: math.log((1 + n) / df) + 1.0 for tag, df in tag_df.items()}

    # features: tags as ("#", tag), terms as ("=", term) would cost a tuple each; two indexes instead
    tag_vectors = [_scaled([(tag, tag_idf[tag]) for tag in tags]) for tags in tag_sets]
    # sorted: the norm's sum, hence the rounding, must not depend on the mapping's order (already sorted: linear)
    term_vectors = [_scaled(sorted([(t, w) for t, w in item.terms.items() if w > 0])) for item in items]
    tag_index = _index(tag_vectors, tag_df)
    term_df = Counter(term for vec in term_vectors for term, _ in vec)
    term_index = _index(term_vectors, term_df)

    floor = math.ceil(MIN_SCORE * SCALE * SCALE - 1e-6)
    result: dict[K, list[K]] = {}
    by_weight = itemgetter(0)
    for i, item in enumerate(items):
        query = [(w, 0, f) for f, w in tag_vectors[i] if f in tag_index]
        query += [(w, 1, f) for f, w in term_vectors[i] if f in term_index]
        if len(query) > QUERY_FEATURES:
            query.sort(key=by_weight, reverse=True)  # stable: equal weights stay tags first, then by name
            del query[QUERY_FEATURES:]
        scores: dict[int, int] = {}
        get = scores.get
        for w, kind, f in query:
            for wj, j in (term_index if kind else tag_index)[f]:
                scores[j] = get(j, 0) + w * wj
        scores.pop(i, None)
        # best score first, then lowest index (= key order): one integer per candidate
        best = nlargest(k, [s * n + (n - 1 - j) for j, s in scores.items() if s >= floor])
        result[item.key] = [items[n - 1 - c % n].key for c in best]
    return result


def _index(vectors: list[list[tuple[str, int]]], df: Counter[str]) -> dict[str, list[tuple[int, int]]]:
    """Feature -> the `POSTING_KEEP` threads (weight, index) carrying it most, strongest first, ties by index.

    Features carried by more than `POSTING_CAP` threads (too common) and by one thread only are left out.
    """
    postings: dict[str, list[tuple[int, int]]] = {f: [] for f, c in df.items() if 1 < c <= POSTING_CAP}
    for i, vec in enumerate(vectors):
        for f, w in vec:
            plist = postings.get(f)
            if plist is not None:
                plist.append((w, i))
    for plist in postings.values():
        if len(plist) > POSTING_KEEP:
            plist.sort(key=itemgetter(0), reverse=True)  # stable: equal weights stay in index order
            del plist[POSTING_KEEP:]
    return postings
