"""Keywords, tag suggestions: site_src/enrich/keywords.py."""

from __future__ import annotations

from site_src.enrich.keywords import DocumentFrequencies, keyword_vector, keywords, suggest_tags, term_counts
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
