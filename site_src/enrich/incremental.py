"""[serve] `enrich_site` kept warm: the same keywords, automatic tags and related threads, redoing only what changed.

`SiteEnrichment.apply(items, config)` sets on each item exactly what `enrich_site(items, config)` would, but keeps
between calls the site's document frequencies (`keywords.FrequencyTracker`), each thread's term analysis and the
related-thread index (`related.RelatedIndex`). A thread's analysis is computed again only when its terms or its
own tags changed, or when one of its terms changed weight (then every thread using it is found by a scan of the
term names kept per thread: cheaper than keeping, for every term, the set of threads using it). Threads are told
apart by slug. Of each thread's terms it keeps only their digest and names (one string), not the counts. What it
keeps per thread (`record`) and what all threads share (`shell`) can be stored apart, and it tracks which
threads' records changed (`changed_slugs`), so the build cache writes again only those.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..config import SiteConfig
from ..text import slugify
from . import KEYWORD_COUNT, RELATED_COUNT, EnrichedThread, enrich_site, related_tags, terms_digest
from .keywords import FrequencyTracker, thread_terms
from .packed import FLOATS, SEPARATOR, Packed, pack, split_names
from .packed import names as term_names
from .related import RelatedIndex, RelatedItem

__all__ = ["SiteEnrichment"]


@dataclass(slots=True)
class _Analysed:
    """What `SiteEnrichment` remembers about one thread."""

    terms: str
    """`terms_digest` of the term counts it was analysed with."""
    names: str
    """The names of those terms, joined by NUL (what its document frequencies counted)."""
    own: tuple[tuple[str, ...], tuple[str, ...]]
    """Its own tag names and slugs, before automatic ones."""
    keywords: list[str] | None = None
    """Its keywords against the site; None until computed."""
    vector: dict[str, float] | Packed[float] = field(default_factory=dict)
    """Its keyword vector against the site, packed (for related threads)."""
    fresh: tuple[list[str], list[str]] = ([], [])
    """Automatic tag names and their slugs."""


class SiteEnrichment:
    """State kept by a warm build between `enrich_site` runs (see the module docstring)."""

    def __init__(self) -> None:
        self.touched: set[str] = set()
        """Slugs whose record (`record`) changed since `touched` was last emptied."""
        self._reset()

    def _reset(self) -> None:
        """Forget everything: the next `apply` computes it all."""
        self._settings: tuple[int, int, int] | None = None
        self._threads: dict[str, _Analysed] = {}
        self._frequencies = FrequencyTracker()
        self._related: RelatedIndex[str] = RelatedIndex(RELATED_COUNT)

    @property
    def reset(self) -> bool:
        """True when every record was forgotten since `clear_touched` (then every record changed)."""
        return self._related.reset

    def clear_touched(self) -> None:
        """What changed has been written: start tracking changes again."""
        self.touched.clear()
        self._related.touched.clear()
        self._related.reset = False

    def changed_slugs(self) -> set[str]:
        """Slugs whose record changed since `clear_touched` (a slug gone counts: its record is None now)."""
        return self.touched | self._related.touched

    def slugs(self) -> list[str]:
        """Every slug with a record."""
        return list(self._threads)

    def record(self, slug: str) -> tuple[object, ...] | None:
        """What is kept about one thread (None when nothing is): a cache keeps the records apart from what all
        threads share (`shell`), so it can write again only the records that changed (`changed_slugs`)."""
        analysed = self._threads.get(slug)
        return None if analysed is None else (analysed, self._related.record(slug))

    def restore(self, records: dict[str, tuple[object, ...]]) -> None:
        """Put back what `record` gave, for every slug of `records`, into a `shell`."""
        threads, related = self._threads, self._related
        for slug, (analysed, related_record) in records.items():
            threads[slug] = analysed  # type: ignore[assignment]
            if related_record is not None:
                related.restore(slug, related_record)  # type: ignore[arg-type]

    def shell(self) -> SiteEnrichment:
        """A copy with what all threads share (settings, document frequencies, carriers and postings) and no
        thread's record."""
        shell = SiteEnrichment()
        shell._settings, shell._frequencies = self._settings, self._frequencies
        shell._related = self._related.shell()
        return shell

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
        tracker, threads = self._frequencies, self._threads
        current = {item.slug: item for item in items}
        stale: set[str] = set()  # threads to analyse again
        added: list[str] = []  # the terms of each new thread, joined (counted at once)
        touched = self.touched
        for slug in threads.keys() - current.keys():
            touched.add(slug)
            tracker.remove(split_names(threads.pop(slug).names))
        for slug, item in current.items():
            own = (tuple(item.tag_names), tuple(item.tag_slugs))
            digest = item.terms_digest or terms_digest(item.term_counts())
            known = threads.get(slug)
            if known is not None and known.terms == digest:
                if known.own != own:
                    known.own = own
                    stale.add(slug)
                    touched.add(slug)
                continue
            stale.add(slug)
            touched.add(slug)
            names = term_names(item.terms)
            if known is None:
                threads[slug] = _Analysed(digest, names, own)
                added.append(names)
            else:
                old, new = set(split_names(known.names)), set(split_names(names))
                tracker.remove(old - new)
                tracker.add(new - old)
                known.terms, known.names, known.own = digest, names, own
        tracker.add_all(map(split_names, added))
        frequencies = tracker.frequencies(len(items))
        reweighted = tracker.reweighted
        if reweighted is None:
            stale = set(threads)
        elif reweighted:  # every thread using a reweighted term (the names are NUL-separated: find "\0term\0")
            wanted = [f"{SEPARATOR}{term}{SEPARATOR}" for term in reweighted]
            for slug, entry in threads.items():
                padded = f"{SEPARATOR}{entry.names}{SEPARATOR}"
                if any(term in padded for term in wanted):
                    stale.add(slug)

        suggestions = config.auto_tags
        touched.update(stale)
        for slug in stale:
            entry = threads[slug]
            own_names, slugs = entry.own
            analysis = thread_terms(current[slug].term_counts(), frequencies, own_names, suggestions)
            entry.keywords, entry.vector = analysis.keywords, pack(analysis.vector, FLOATS)
            if suggestions:
                fresh = [tag for tag in analysis.suggested_tags if slugify(tag) not in slugs]
                entry.fresh = (fresh, [slugify(tag) for tag in fresh])
            else:
                entry.fresh = ([], [])

        vectors: list[RelatedItem[str]] = []
        for item in items:
            entry = threads[item.slug]
            assert entry.keywords is not None
            item.keywords = list(entry.keywords)
            if suggestions:
                fresh, fresh_slugs = entry.fresh
                item.auto_tags = list(fresh)
                item.tag_names = item.tag_names + fresh
                item.tag_slugs = item.tag_slugs + fresh_slugs
            vectors.append(RelatedItem(item.slug, related_tags(item), entry.vector))
        related = self._related.update(vectors)
        for item in items:
            item.related = related.get(item.slug, [])
