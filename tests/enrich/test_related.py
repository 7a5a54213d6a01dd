"""Related threads: site_src/enrich/related.py."""

from __future__ import annotations

import math
import random
import time
from collections import Counter

import pytest

from site_src.enrich import related as related_module
from site_src.enrich.related import POSTING_CAP, RelatedItem, related_threads


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


def _random_items(seed: int, n: int, tags: int = 12, words: int = 200) -> list[RelatedItem[str]]:
    rng = random.Random(seed)
    tag_names = [f"tag{i}" for i in range(tags)]
    word_names = [f"w{i}" for i in range(words)]
    return [
        RelatedItem(
            f"t{i:05d}",
            tuple(rng.sample(tag_names, rng.randint(0, 3))),
            {w: round(rng.random(), 6) for w in rng.sample(word_names, rng.randint(0, 20))},
        )
        for i in range(n)
    ]


def _brute_force(items: list[RelatedItem[str]], k: int = 5) -> dict[str, list[str]]:
    """Every pair's full cosine over the features `POSTING_CAP` lets through, ranked with ties by key."""
    n = len(items)
    tag_df = Counter(t for item in items for t in set(item.tags))
    vectors = {}
    for item in items:
        parts = []
        for vec in ({t: related_module.tag_weight(n, tag_df[t]) for t in set(item.tags)}, dict(item.terms)):
            norm = math.sqrt(sum(w * w for w in vec.values() if w > 0))
            parts.append({f: w / norm * math.sqrt(0.5) for f, w in vec.items() if w > 0} if norm else {})
        tag_weights = [related_module.tag_weight(n, tag_df[t]) for t in set(item.tags)]
        if tag_weights:  # the tag half shrinks by the tags' mean specificity
            specificity = sum(tag_weights) / (len(tag_weights) * related_module.tag_weight(n, 1))
            parts[0] = {f: w * specificity for f, w in parts[0].items()}
        vectors[item.key] = {("#", f): w for f, w in parts[0].items()} | {("=", f): w for f, w in parts[1].items()}
    df = Counter(f for vec in vectors.values() for f in vec)
    result = {}
    for a, va in vectors.items():
        scores = []
        for b, vb in vectors.items():
            s = sum(w * vb[f] for f, w in va.items() if f in vb and df[f] <= POSTING_CAP)
            if b != a and s >= related_module.MIN_SCORE:
                scores.append((-round(s, 4), b))
        result[a] = [b for _, b in sorted(scores)[:k]]
    return result


def test_unpruned_index_gives_the_exact_ranking(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(related_module, "POSTING_KEEP", 10**6)
    monkeypatch.setattr(related_module, "QUERY_FEATURES", 10**6)
    items = _random_items(3, 150)
    got, want = related_threads(items), _brute_force(items)
    # scores are integers of 2**-30: near-ties (< 1e-4 apart) may order differently from rounded floats
    assert sum(got[key] == want[key] for key in want) >= 0.97 * len(want)
    assert sum(len(set(got[key]) & set(want[key])) for key in want) >= 0.99 * sum(len(v) for v in want.values())


def test_pruned_index_keeps_most_of_the_similarity() -> None:
    items = _random_items(4, 600, tags=30, words=400)
    got, want = related_threads(items), _brute_force(items)
    found = sum(len(set(got[key]) & set(want[key])) for key in want)
    assert found >= 0.6 * sum(len(v) for v in want.values())
    assert sum(bool(v) for v in got.values()) >= 0.95 * sum(bool(v) for v in want.values())


def test_order_and_tag_repetition_do_not_matter() -> None:
    items = _random_items(5, 300)
    shuffled = items[:]
    random.Random(1).shuffle(shuffled)
    doubled = [RelatedItem(i.key, tuple(i.tags) * 2, dict(reversed(list(i.terms.items())))) for i in shuffled]
    assert related_threads(doubled) == related_threads(items)


@pytest.mark.slow
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


def test_one_more_thread_does_not_rank_every_thread_again(monkeypatch: pytest.MonkeyPatch) -> None:
    items = _random_items(11, 400, tags=200, words=3000)
    index: related_module.RelatedIndex[str] = related_module.RelatedIndex(5)
    index.update(items)
    queries = 0
    real = related_module.RelatedIndex._query

    def counting(self: related_module.RelatedIndex[str], key: str) -> list[str]:
        nonlocal queries
        queries += 1
        return real(self, key)

    monkeypatch.setattr(related_module.RelatedIndex, "_query", counting)
    more = [*items, *_random_items(12, 1, tags=200, words=3000)]
    more[-1] = related_module.RelatedItem("t99999", more[-1].tags, more[-1].terms)
    assert index.update(more) == related_threads(more)
    assert queries < len(more) / 2, queries


def test_issue_16_text_outweighs_a_tag_most_of_the_site_carries() -> None:
    """A Stack Exchange site: nearly every question is tagged `brewing`; the one on cholesterol shares the text."""
    items = [
        RelatedItem("bulletproof", ("brewing",), {"butter": 0.7, "cholesterol": 0.5, "fat": 0.5}),
        RelatedItem("cholesterol", ("health",), {"cholesterol": 0.8, "caffeine": 0.4, "fat": 0.4}),
        *[
            RelatedItem(f"brew{i:02d}", ("brewing",), {f"grind{i}": 0.9, f"kettle{i}": 0.4, "water": 0.1})
            for i in range(30)
        ],
    ]
    assert related_threads(items)["bulletproof"] == ["cholesterol"]


def test_issue_16_the_parts_of_one_mail_series_are_related() -> None:
    titles = [
        "[RFC][PATCH 03/10] cifs: register cifs for caching",
        "[RFC][PATCH 06/10] cifs: define inode-level cache object and register them",
        "Re: [RFC][PATCH 09/10] cifs: read pages from FS-Cache",
        "[PATCH 2/6] x86: ifdef enable_IR_x2apic() out",
    ]
    tags = [related_module.series_tag(title, "Suresh Jayaraman") for title in titles]
    assert tags[0] == tags[1] == tags[2] is not None
    assert tags[3] != tags[0]
    assert related_module.series_tag("Speed is the killer feature", "bdickason") is None
    assert related_module.series_tag("[RFC][PATCH 04/10] cifs: x", "Someone Else") != tags[0]
    items = [RelatedItem(f"p{i}", (tag,) if tag else (), {f"only{i}": 1.0}) for i, tag in enumerate(tags[:3])] + [
        RelatedItem(f"other{i}", (), {f"only{i}": 0.5, "noise": 0.5}) for i in range(3)
    ]
    related = related_threads(items)
    assert {"p1", "p2"} <= set(related["p0"])
    assert {"p0", "p2"} <= set(related["p1"])
