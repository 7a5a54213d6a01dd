"""`SiteEnrichment` (the warm `enrich_site`) gives exactly what a full `enrich_site` run gives, after any edits."""

from __future__ import annotations

import dataclasses
import random

import pytest

from site_src.config import SiteConfig
from site_src.enrich import EnrichedThread, enrich_site, enrich_thread, related
from site_src.enrich.incremental import SiteEnrichment
from site_src.model import Comment, Thread

WORDS = [
    "garden",
    "soil",
    "compost",
    "tomato",
    "seed",
    "water",
    "rota",
    "spreadsheet",
    "script",
    "python",
    "ferry",
    "river",
    "bridge",
    "iron",
    "mill",
    "bread",
    "starter",
    "flour",
    "oven",
    "bus",
    "route",
    "network",
    "timetable",
    "repair",
    "boiler",
    "roof",
    "gutter",
    "paint",
    "cedar",
    "pine",
    "board",
    "game",
    "family",
    "dispute",
    "road",
    "council",
    "budget",
    "library",
    "school",
    "bike",
    "lane",
]
TAGS = ["garden", "food", "transport", "history", "tools", "home", "games"]


def make_thread(rng: random.Random, index: int, version: int) -> Thread:
    """A small thread on a few topic words, so threads share terms, phrases and tags."""
    topic = rng.sample(WORDS, 4)

    def sentence() -> str:
        words = [rng.choice(topic) if rng.random() < 0.6 else rng.choice(WORDS) for _ in range(rng.randint(5, 12))]
        return " ".join(words).capitalize() + "."

    return Thread(
        title=f"{topic[0]} {topic[1]} question {index}",
        path=f"t{index:03d}.md",
        tags=rng.sample(TAGS, rng.randint(0, 2)),
        body=" ".join(sentence() for _ in range(rng.randint(2, 5))),
        comments=[Comment(body=" ".join(sentence() for _ in range(3)), id=f"c{version}-{k}") for k in range(3)],
    )


def outcome(items: list[EnrichedThread]) -> list[tuple[object, ...]]:
    return [(i.slug, i.keywords, i.auto_tags, i.tag_names, i.tag_slugs, i.related) for i in items]


@pytest.mark.parametrize(("seed", "size"), [*((seed, 14) for seed in range(12)), *((seed, 60) for seed in range(4))])
def test_incremental_equals_full_after_random_edits(seed: int, size: int) -> None:
    """14 threads: counts are exact; 60: they are on the `grid` (rounded), where an edit re-weights few terms."""
    _random_edits(seed, size)


@pytest.mark.parametrize("seed", range(4))
def test_warm_equals_full_with_crowded_terms(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """With a tiny posting cap most terms are crowded (counted, their carriers not listed), and some cross back."""
    monkeypatch.setattr(related, "POSTING_CAP", 2)
    _random_edits(seed, 12)


def test_a_crowded_term_gets_its_carriers_listed_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """A term carried by more than twice the cap keeps only a count; when it falls back to the cap, a scan lists
    its carriers again and its posting comes back: the lists stay what `related_threads` gives."""
    monkeypatch.setattr(related, "POSTING_CAP", 2)

    def item(key: str, shared: bool) -> related.RelatedItem[str]:
        terms = {f"own{key}": 1.0, "other": 0.5, **({"shared": 2.0} if shared else {})}
        return related.RelatedItem(key, ("t",) if key < "c" else (), terms)

    keys = [chr(ord("a") + i) for i in range(7)]
    index: related.RelatedIndex[str] = related.RelatedIndex(2)
    first = [item(k, True) for k in keys]
    assert index.update(first) == related.related_threads(first, 2)
    terms = index._terms
    assert terms.crowded == {"shared": 7, "other": 7} and "shared" not in terms.carriers
    second = [item(k, k in ("a", "b")) for k in keys]  # five threads drop the term: two carry it
    assert index.update(second) == related.related_threads(second, 2)
    assert "shared" not in terms.crowded and terms.carriers["shared"] == {"a", "b"}
    assert [key for _, key in terms.postings["shared"]] == ["a", "b"]


def _random_edits(seed: int, size: int) -> None:
    """Random edits, retags, additions and removals; after each, the warm enrichment must give what a full run
    gives, and every crowded term counts exactly its carriers."""
    rng = random.Random(seed)
    config = dataclasses.replace(SiteConfig(), auto_tags=2)
    records: dict[int, EnrichedThread] = {i: enrich_thread(make_thread(rng, i, 0), config) for i in range(size)}
    next_index = len(records)
    state = SiteEnrichment()
    for step in range(40):
        order = sorted(records)
        warm = [dataclasses.replace(records[i]) for i in order]  # copies, as the warm build makes
        cold = [dataclasses.replace(records[i]) for i in order]
        state.apply(warm, config)
        enrich_site(cold, config)
        assert outcome(warm) == outcome(cold), f"seed {seed}, step {step}"
        terms = state._related._terms
        for f, count in terms.crowded.items():
            assert count == len(terms.members(f)) > related.POSTING_CAP
        action = rng.random()
        if action < 0.6 or len(records) < size - 3:  # edit (new terms, maybe new tags); keep >= 10 threads mostly
            i = rng.choice(order)
            records[i] = enrich_thread(make_thread(rng, i, step + 1), config)
        elif action < 0.7:  # retag only: same terms object, other tags
            i = rng.choice(order)
            thread = dataclasses.replace(records[i].thread, tags=rng.sample(TAGS, rng.randint(0, 3)))
            records[i] = dataclasses.replace(
                records[i], thread=thread, tag_names=list(thread.tags), tag_slugs=[t.lower() for t in thread.tags]
            )
        elif action < 0.85:
            records[next_index] = enrich_thread(make_thread(rng, next_index, step + 1), config)
            next_index += 1
        else:
            del records[rng.choice(order)]


def test_unchanged_site_changes_nothing_and_duplicate_slugs_fall_back() -> None:
    rng = random.Random(7)
    config = dataclasses.replace(SiteConfig(), auto_tags=2)
    records = [enrich_thread(make_thread(rng, i, 0), config) for i in range(12)]
    state = SiteEnrichment()
    first = [dataclasses.replace(r) for r in records]
    state.apply(first, config)
    again = [dataclasses.replace(r) for r in records]
    state.apply(again, config)
    assert outcome(first) == outcome(again)
    twins = [dataclasses.replace(r) for r in records] + [dataclasses.replace(records[0])]
    cold = [dataclasses.replace(r) for r in twins]
    state.apply(twins, config)
    enrich_site(cold, config)
    assert outcome(twins) == outcome(cold)


def test_grid_is_exact_for_small_counts_and_close_for_large_ones() -> None:
    from site_src.enrich.keywords import GRID_EXACT, grid

    assert [grid(n) for n in range(GRID_EXACT + 1)] == [float(n) for n in range(GRID_EXACT + 1)]
    for n in range(GRID_EXACT + 1, 200_000, 7):
        assert abs(grid(n) - n) / n < 0.045
    assert len({grid(n) for n in range(10_000, 10_100)}) <= 2  # one thread more rarely moves the weights


def test_one_thread_more_reweights_few_terms() -> None:
    from site_src.enrich.keywords import FrequencyTracker

    tracker = FrequencyTracker()
    terms = [f"term{n}" for n in range(20, 480)]  # each used by n of the 1,000 threads: none too common
    for document in range(1000):
        tracker.add([t for n, t in zip(range(20, 480), terms, strict=True) if document < n])
    tracker.frequencies(1000)
    assert tracker.reweighted is None  # the first call weighs everything
    tracker.add(terms)  # a new thread uses every term: every count moves by one
    tracker.frequencies(1001)
    assert tracker.reweighted is not None
    assert len(tracker.reweighted) < len(terms) / 10, len(tracker.reweighted)


def test_copy_keeps_every_field_and_shares_nothing_it_should_not() -> None:
    """`EnrichedThread.copy` lists the fields by hand (for speed): a field added later must be copied too."""
    thread = Thread(title="Soil", path="content/soil.md", body="Compost the soil.", tags=["garden"])
    item = enrich_thread(thread, SiteConfig())
    item.keywords, item.related, item.packed = ["soil"], ["other"], b"x"
    copy = item.copy()
    for f in dataclasses.fields(EnrichedThread):
        assert getattr(copy, f.name) is getattr(item, f.name), f.name
    assert copy is not item
