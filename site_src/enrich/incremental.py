"""[serve] `enrich_site` kept warm: the same keywords, automatic tags and related threads, redoing only what changed.

`SiteEnrichment.apply(items, config)` sets on each item exactly what `enrich_site(items, config)` would, but keeps
between calls the site's document frequencies (`keywords.FrequencyTracker`), each thread's term analysis and the
related-thread index (`related.RelatedIndex`). A thread's analysis is computed again only when its terms or its
own tags changed, or when one of its terms changed frequency; when the number of threads changes every weight
does, and every thread is analysed again. Threads are told apart by slug.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..config import SiteConfig
from ..text import slugify
from . import KEYWORD_COUNT, RELATED_COUNT, EnrichedThread, enrich_site
from .keywords import FrequencyTracker, TermAnalysis, analyse_terms
from .related import RelatedIndex, RelatedItem

__all__ = ["SiteEnrichment"]


@dataclass(slots=True)
class _Analysed:
    """What `SiteEnrichment` remembers about one thread."""

    terms: dict[str, int]
    """The term counts it was analysed with (the object itself: an unchanged file keeps it)."""
    own: tuple[tuple[str, ...], tuple[str, ...]]
    """Its own tag names and slugs, before automatic ones."""
    analysis: TermAnalysis | None = None
    """Keywords, vector and suggestions against the site; None until computed."""
    fresh: tuple[list[str], list[str]] = ([], [])
    """Automatic tag names and their slugs."""


class SiteEnrichment:
    """State kept by a warm build between `enrich_site` runs (see the module docstring)."""

    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        """Forget everything: the next `apply` computes it all."""
        self._settings: tuple[int, int, int] | None = None
        self._threads: dict[str, _Analysed] = {}
        self._frequencies = FrequencyTracker()
        self._holders: dict[str, set[str]] = {}
        """Term -> slugs of the threads using it."""
        self._related: RelatedIndex[str] = RelatedIndex(RELATED_COUNT)

    def apply(self, items: list[EnrichedThread], config: SiteConfig) -> None:
        """Set keywords, automatic tags and related threads on each item in place, as `enrich_site` does."""
        settings = (config.auto_tags, KEYWORD_COUNT, RELATED_COUNT)
        if len({item.slug for item in items}) != len(items):
            self._reset()  # slugs must tell threads apart
            enrich_site(items, config)
            return
        if settings != self._settings:
            self._reset()
            self._settings = settings
        tracker, holders, threads = self._frequencies, self._holders, self._threads
        current = {item.slug: item for item in items}
        stale: set[str] = set()  # threads to analyse again
        for slug in threads.keys() - current.keys():
            self._forget(slug, threads.pop(slug).terms)
        for slug, item in current.items():
            own = (tuple(item.tag_names), tuple(item.tag_slugs))
            known = threads.get(slug)
            if known is not None and (known.terms is item.terms or known.terms == item.terms):
                known.terms = item.terms
                if known.own != own:
                    known.own = own
                    stale.add(slug)
                continue
            stale.add(slug)
            if known is None:
                threads[slug] = _Analysed(item.terms, own)
                self._count(slug, item.terms.keys())
            else:
                old, new = known.terms.keys(), item.terms.keys()
                self._forget(slug, old - new)
                self._count(slug, new - old)
                known.terms, known.own = item.terms, own
        frequencies = tracker.frequencies(len(items))
        if tracker.reweighted is None:
            stale = set(threads)
        else:
            for term in tracker.reweighted:
                stale.update(holders.get(term, ()))

        suggestions = config.auto_tags
        for slug in stale:
            entry = threads[slug]
            names, slugs = entry.own
            entry.analysis = analyse_terms(
                entry.terms,
                frequencies,
                keyword_count=KEYWORD_COUNT,
                existing_tags=names,
                suggestions=suggestions,
            )
            if suggestions:
                fresh = [tag for tag in entry.analysis.suggested_tags if slugify(tag) not in slugs]
                entry.fresh = (fresh, [slugify(tag) for tag in fresh])
            else:
                entry.fresh = ([], [])

        vectors: list[RelatedItem[str]] = []
        for item in items:
            entry = threads[item.slug]
            assert entry.analysis is not None
            item.keywords = list(entry.analysis.keywords)
            if suggestions:
                fresh, fresh_slugs = entry.fresh
                item.auto_tags = list(fresh)
                item.tag_names = item.tag_names + fresh
                item.tag_slugs = item.tag_slugs + fresh_slugs
            vectors.append(RelatedItem(item.slug, item.tag_slugs, entry.analysis.vector))
        related = self._related.update(vectors)
        for item in items:
            item.related = related.get(item.slug, [])

    def _count(self, slug: str, terms: Iterable[str]) -> None:
        """Count `slug` as using each of `terms` (distinct terms)."""
        terms = set(terms)
        self._frequencies.add(terms)
        holders = self._holders
        for term in terms:
            holders.setdefault(term, set()).add(slug)

    def _forget(self, slug: str, terms: Iterable[str]) -> None:
        """Stop counting `slug` as using each of `terms` (terms `_count` counted for it)."""
        terms = set(terms)
        self._frequencies.remove(terms)
        holders = self._holders
        for term in terms:
            users = holders[term]
            users.discard(slug)
            if not users:
                del holders[term]
