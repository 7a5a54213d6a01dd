"""Keywords, tag suggestions: site_src/enrich/keywords.py."""

from __future__ import annotations

import math
import random

from site_src.enrich.keywords import (
    DocumentFrequencies,
    _scores,
    analyse_terms,
    keyword_vector,
    keywords,
    suggest_tags,
    term_counts,
)
from site_src.model import Comment, Thread


def _thread(title: str, *bodies: str) -> Thread:
    return Thread(title=title, path=f"{title}.md", comments=[Comment(body=b, id=f"c{i}") for i, b in enumerate(bodies)])


SITE = [
    _thread("Sourdough starter", "My sourdough starter smells of acetone.", "Feed the sourdough starter twice a day."),
    _thread("Bread flour", "Strong flour makes better bread.", "Bread needs a hot oven and strong flour."),
    _thread("Ferry timetable", "The ferry leaves at six.", "The ferry is late again, the bread stall too."),
    _thread("Rye sourdough", "Rye sourdough is dense.", "Sourdough with rye needs a long proof."),
]


def test_distinctive_terms_beat_site_wide_ones() -> None:
    counts = [term_counts(t) for t in SITE]
    df = DocumentFrequencies.from_counts(counts)
    assert keywords(counts[2], df, n=2) == ["ferry", "timetable"]
    assert keywords(counts[0], df)[0] in {"sourdough starter", "starter"}


def test_results_are_stable_and_ordered() -> None:
    counts = [term_counts(t) for t in SITE]
    df = DocumentFrequencies.from_counts(counts)
    assert keywords(counts[1], df) == keywords(dict(reversed(list(counts[1].items()))), df)
    assert list(term_counts(SITE[1])) == sorted(term_counts(SITE[1]))


def test_merge_equals_counting_at_once() -> None:
    counts = [term_counts(t) for t in SITE]
    whole = DocumentFrequencies.from_counts(counts)
    parts = DocumentFrequencies.merge(
        [DocumentFrequencies.from_counts(counts[:1]), DocumentFrequencies.from_counts(counts[1:])]
    )
    assert parts == whole


def test_suggested_tags_are_slugs_and_skip_existing_ones() -> None:
    counts = [term_counts(t) for t in SITE]
    df = DocumentFrequencies.from_counts(counts)
    tags = suggest_tags(counts[0], df, existing_tags=["Starters"], n=3)
    assert tags
    assert all(tag == tag.lower() and " " not in tag for tag in tags)
    assert "starter" not in tags


def test_keyword_vector_is_unit_length() -> None:
    counts = [term_counts(t) for t in SITE]
    vec = keyword_vector(counts[3], DocumentFrequencies.from_counts(counts))
    assert abs(sum(w * w for w in vec.values()) - 1) < 1e-4


def test_empty_thread_has_no_keywords() -> None:
    counts = term_counts(Thread(title="", path="e.md"))
    assert keywords(counts, DocumentFrequencies.from_counts([counts])) == []


def _reference_scores(counts: dict[str, int], df: DocumentFrequencies) -> list[tuple[str, float]]:
    """The scoring before the single-pass rewrite: every term scored, rounded and sorted."""
    scored = []
    for term, n in counts.items():
        if n <= 0 or (df.documents >= 10 and df.share(term) > 0.5):
            continue
        boost = 1.25 if " " in term else 1.0
        scored.append((term, round((1 + math.log(n)) * df.idf(term) * boost, 9)))
    scored.sort(key=lambda item: (-item[1], item[0]))
    return scored


def _random_site(seed: int, threads: int = 40) -> list[dict[str, int]]:
    rng = random.Random(seed)
    words = [f"w{i}" for i in range(60)] + [f"w{i} w{i + 1}" for i in range(0, 60, 3)]
    return [
        {w: rng.choice([1, 1, 2, 3, 300]) for w in sorted(rng.sample(words, rng.randint(0, 30)))}
        for _ in range(threads)
    ]


def test_one_pass_equals_the_separate_functions_and_the_reference_ranking() -> None:
    for seed in range(5):
        site = _random_site(seed)
        df = DocumentFrequencies.from_counts(site)
        for counts in site:
            reference = _reference_scores(counts, df)
            assert _scores(counts, df) == reference
            assert keyword_vector(counts, df) == {
                t: round(w / (math.sqrt(sum(x * x for _, x in reference[:20])) or 1.0), 6)
                for t, w in sorted(reference[:20])
            }
            both = analyse_terms(counts, df, existing_tags=["w1"], suggestions=3)
            assert both.keywords == keywords(counts, df)
            assert both.vector == keyword_vector(counts, df)
            assert both.suggested_tags == suggest_tags(counts, df, ["w1"], 3)
            assert analyse_terms(counts, df).suggested_tags == []


def test_weights_are_cached_idf_and_skip_common_terms() -> None:
    site = [dict(counts, everywhere=1) if i < 8 else counts for i, counts in enumerate(_random_site(1, threads=12))]
    df = DocumentFrequencies.from_counts(site)
    weights = df.weights()
    assert weights is df.weights()
    assert weights["everywhere"] == 0.0  # in 8 of 12 threads: too common to score
    for term, n in df.counts.items():
        assert weights[term] == (0.0 if n > 6 else df.idf(term) * (1.25 if " " in term else 1.0))
    assert keywords({"novel": 2, "new phrase": 2}, df) == ["new phrase", "novel"]  # terms the site does not know
    assert df == DocumentFrequencies(df.documents, dict(df.counts))  # the cache is not part of equality


def test_document_frequencies_accept_sets_lists_and_mappings() -> None:
    df = DocumentFrequencies.from_counts([{"a": 2, "b": 1}, {"a"}, ["b", "b", "c"]])
    assert df == DocumentFrequencies(3, {"a": 2, "b": 2, "c": 1})
    assert list(df.counts) == ["a", "b", "c"]
