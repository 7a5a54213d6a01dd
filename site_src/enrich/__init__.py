"""[enrich] Thread -> EnrichedThread: slug, summary, key points, stats, terms; then site-wide facts.

`enrich_thread` is a pure function of one thread and the config, so it can be
cached and spread over processes. `enrich_site` runs once over every thread:
keywords against the whole site, automatic tags, related threads.
"""

from __future__ import annotations

import hashlib
import io
import pickle
from dataclasses import dataclass, field, replace
from pathlib import PurePosixPath

from ..config import SiteConfig
from ..model import Thread
from ..pickling import dump
from ..text import slugify
from .keywords import KEYWORD_COUNT as KEYWORD_COUNT  # re-exported: the CLI and the warm enrichment use it
from .keywords import DocumentFrequencies, thread_terms
from .packed import INTS, Terms, pack, unpack
from .related import RelatedItem, related_threads, series_tag
from .stats import ThreadStats
from .summaries import KeyPoint, analyse

RELATED_COUNT = 5


@dataclass(slots=True)
class EnrichedThread:
    """A thread and what enrichment learned about it."""

    thread: Thread
    """The parsed thread (in the main process of a parallel build: without body and comments)."""
    slug: str
    """URL segment: `/t/<slug>/`."""
    summary: str
    """Plain text: the hand-written summary, or sentences drawn from the discussion."""
    summary_is_auto: bool
    """True when `summary` was generated."""
    key_points: tuple[KeyPoint, ...]
    """The comments that best represent the discussion."""
    stats: ThreadStats
    """Counts, depth, time span, activity."""
    terms: Terms
    """Content terms and their counts (input to keywords and related threads); packed in a light record
    (`term_counts()` gives a dict either way)."""
    terms_digest: str = ""
    """Digest of `terms` (`terms_digest`): equal digests, equal terms ("" when not computed)."""
    tag_names: list[str] = field(default_factory=list)
    """Tags to publish: the thread's own, then automatic ones."""
    tag_slugs: list[str] = field(default_factory=list)
    """URL segments of `tag_names`, same order."""
    auto_tags: list[str] = field(default_factory=list)
    """Names in `tag_names` that were suggested, not written."""
    keywords: list[str] = field(default_factory=list)
    """Distinctive terms against the whole site (set by `enrich_site`)."""
    related: list[str] = field(default_factory=list)
    """Slugs of related threads, most related first (set by `enrich_site`)."""
    packed: bytes = b""
    """In a light record: its key points and activity buckets, pickled (see `without_text`)."""

    @property
    def url(self) -> str:
        """Site path of the thread page."""
        return f"/t/{self.slug}/"

    @property
    def comment_count(self) -> int:
        return self.stats.comments

    @property
    def participants(self) -> int:
        """Distinct named authors; 0 when no comment names its author (the poster alone is not "people")."""
        return self.stats.participants or 0

    @property
    def max_depth(self) -> int:
        return self.stats.max_depth

    def term_counts(self) -> dict[str, int]:
        """`terms` as a dict (unpacked from a light record)."""
        return unpack(self.terms)

    def copy(self) -> EnrichedThread:
        """A shallow copy (as `dataclasses.replace(self)`, several times faster: a warm build copies every
        cached record, since `enrich_site` sets site-wide fields in place)."""
        return EnrichedThread(
            self.thread,
            self.slug,
            self.summary,
            self.summary_is_auto,
            self.key_points,
            self.stats,
            self.terms,
            self.terms_digest,
            self.tag_names,
            self.tag_slugs,
            self.auto_tags,
            self.keywords,
            self.related,
            self.packed,
        )

    def without_text(self) -> EnrichedThread:
        """A light record: what lists, feeds and site-wide work need, without the post and comment bodies.

        What only the thread's own page shows (key points, the activity buckets) is packed into one bytes
        value: a build keeps a light record of every thread in memory and in its cache, and those parts were
        two thirds of its objects. `with_text` gives the full record back.
        """
        if self.packed:
            return self
        buffer = io.BytesIO()
        dump((self.key_points, self.stats.activity), buffer)
        light = replace(self.thread, body="", comments=[])
        stats = replace(self.stats, activity=())
        terms = pack(self.terms, INTS) if isinstance(self.terms, dict) else self.terms
        return replace(self, thread=light, key_points=(), stats=stats, terms=terms, packed=buffer.getvalue())

    def with_text(self, thread: Thread) -> EnrichedThread:
        """The full record again, from a light one (or a full one) and the thread parsed from its file."""
        if not self.packed:
            return replace(self, thread=thread)
        key_points, activity = pickle.loads(self.packed)  # made by `without_text` in this build
        stats = replace(self.stats, activity=activity)
        return replace(self, thread=thread, key_points=key_points, stats=stats, packed=b"")


def thread_slug(thread: Thread) -> str:
    """From the file's `slug`, else its file name; always a safe path segment."""
    wanted = thread.slug or PurePosixPath(thread.path).stem
    return slugify(wanted, fallback_seed=thread.path)


def terms_digest(terms: dict[str, int]) -> str:
    """A fingerprint of term counts, in their order: what a warm enrichment keeps instead of the counts."""
    text = "\0".join([f"{term}\1{count}" for term, count in terms.items()])
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()


def enrich_thread(thread: Thread, config: SiteConfig) -> EnrichedThread:
    """Everything that needs only this thread and the config."""
    summary, terms, stats = analyse(thread, sentences=config.summary_sentences)
    text = thread.summary or summary.text
    return EnrichedThread(
        thread=thread,
        slug=thread_slug(thread),
        summary=" ".join(text.split()),
        summary_is_auto=not thread.summary,
        key_points=summary.key_points,
        stats=stats,
        terms=terms,
        terms_digest=terms_digest(terms),
        tag_names=list(thread.tags),
        tag_slugs=[slugify(tag) for tag in thread.tags],
    )


def enrich_site(items: list[EnrichedThread], config: SiteConfig) -> None:
    """Keywords against the whole site, automatic tags, related threads: set on each item in place.

    One TF-IDF pass per thread gives its keywords, its suggested tags and its keyword vector; related
    threads then come from a pruned index over tags and keyword vectors (`related.related_threads`).
    """
    counts = [item.term_counts() for item in items]
    frequencies = DocumentFrequencies.from_counts(counts)
    vectors: list[RelatedItem[str]] = []
    for item, item_counts in zip(items, counts, strict=True):
        terms = thread_terms(item_counts, frequencies, item.tag_names, config.auto_tags)
        item.keywords = terms.keywords
        if config.auto_tags:
            fresh = [tag for tag in terms.suggested_tags if slugify(tag) not in item.tag_slugs]
            item.auto_tags = fresh
            item.tag_names = item.tag_names + fresh
            item.tag_slugs = item.tag_slugs + [slugify(tag) for tag in fresh]
        vectors.append(RelatedItem(item.slug, related_tags(item), terms.vector))
    related = related_threads(vectors, k=RELATED_COUNT)
    for item in items:
        item.related = related.get(item.slug, [])


def related_tags(item: EnrichedThread) -> list[str]:
    """The features related threads are found by besides text: the tag slugs, and the mail series if any."""
    series = series_tag(item.thread.title, item.thread.author)
    return [*item.tag_slugs, series] if series else item.tag_slugs


def suggested_tags(items: list[EnrichedThread], count: int) -> dict[str, list[str]]:
    """For `digest tags --suggest`: thread path -> tags a person might add."""
    counts = [item.term_counts() for item in items]
    frequencies = DocumentFrequencies.from_counts(counts)
    return {
        item.thread.path: thread_terms(item_counts, frequencies, item.thread.tags, count).suggested_tags
        for item, item_counts in zip(items, counts, strict=True)
    }
