"""Related threads: site_src/enrich/related.py."""

from __future__ import annotations

import random
import time

from site_src.enrich.related import RelatedItem, related_threads


def test_shared_tags_and_terms_relate_threads() -> None:
    items = [
        RelatedItem("bread", ("baking",), {"flour": 0.8, "oven": 0.6}),
        RelatedItem("rye", ("baking",), {"flour": 0.6, "rye": 0.8}),
        RelatedItem("ferry", ("transit",), {"ferry": 1.0}),
        RelatedItem("oven", (), {"oven": 1.0}),
    ]
    related = related_threads(items, k=5)
    assert related["bread"] == ["rye", "oven"]
    assert related["ferry"] == []
    assert related_threads(list(reversed(items))) == related


def test_ten_thousand_threads_are_fast() -> None:
    rng = random.Random(5)
    tags = [f"tag{i}" for i in range(60)]
    words = [f"w{i}" for i in range(3000)]
    items = [
        RelatedItem(f"t{i:05d}", tuple(rng.sample(tags, 2)), {w: rng.random() for w in rng.sample(words, 12)})
        for i in range(10_000)
    ]
    start = time.perf_counter()
    related = related_threads(items, k=5)
    assert time.perf_counter() - start < 30
    assert all(len(v) <= 5 for v in related.values())
