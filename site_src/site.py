"""Whole-site facts, gathered before anything is rendered: slug collisions, tags, archives, order.

Input: every enriched thread (in discovery order). Output: a `Site` in which
every thread has a unique slug, threads are ordered newest first, and tags
and months list their threads in that same order.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from .config import SiteConfig
from .diagnostics import Report
from .enrich import EnrichedThread, enrich_site
from .model import Moment

if TYPE_CHECKING:
    from .enrich.incremental import SiteEnrichment


@dataclass(slots=True)
class Tag:
    """A tag and its threads, newest first."""

    name: str
    """Display name (the first spelling met, in file order)."""
    slug: str
    """URL segment: `/tags/<slug>/`."""
    threads: list[EnrichedThread] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"/tags/{self.slug}/"


@dataclass(slots=True)
class Month:
    """A calendar month of the archive and its threads, newest first."""

    year: int
    month: int
    threads: list[EnrichedThread] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def label(self) -> str:
        return f"{calendar.month_name[self.month]} {self.year}"

    @property
    def url(self) -> str:
        return f"/archive/{self.year:04d}/{self.month:02d}/"


@dataclass(slots=True)
class Site:
    """Everything the renderer needs to know about the whole site."""

    config: SiteConfig
    threads: list[EnrichedThread]
    """Published threads, newest first; undated ones last, by title."""
    tags: list[Tag]
    """Tags by name (case-insensitive)."""
    months: list[Month]
    """Months that have threads, newest first."""
    by_slug: dict[str, EnrichedThread]
    """Published threads by slug."""

    def undated(self) -> list[EnrichedThread]:
        return [t for t in self.threads if t.thread.date is None]


def moment_key(moment: Moment | None) -> float:
    """Seconds since the epoch (a day counts from its midnight, UTC); undated sorts as oldest."""
    if moment is None:
        return float("-inf")
    if not isinstance(moment, datetime):
        moment = datetime(moment.year, moment.month, moment.day, tzinfo=UTC)
    return moment.timestamp()


def newest_first(item: EnrichedThread) -> tuple[float, str, str]:
    return (-moment_key(item.thread.date), item.thread.title.casefold(), item.slug)


def assemble_site(
    items: list[EnrichedThread], config: SiteConfig, report: Report, enrichment: SiteEnrichment | None = None
) -> Site:
    """Check whole-site rules and group threads; problems go to `report`.

    `enrichment` (a warm build's): state that gives the same site-wide enrichment as `enrich_site`, faster.
    """
    published: list[EnrichedThread] = []
    by_slug: dict[str, EnrichedThread] = {}
    for item in sorted(items, key=lambda i: i.thread.path):
        if item.thread.draft:
            continue
        first = by_slug.get(item.slug)
        if first is not None:
            report.error(
                item.thread.path,
                0,
                f"slug '{item.slug}' is already used by {first.thread.path}",
                hint="rename one file or give one of them a different 'slug'",
            )
            continue
        by_slug[item.slug] = item
        published.append(item)
    published.sort(key=newest_first)
    if enrichment is None:
        enrich_site(published, config)
    else:
        enrichment.apply(published, config)
    return Site(
        config=config,
        threads=published,
        tags=_group_tags(published),
        months=_group_months(published),
        by_slug=by_slug,
    )


def _group_tags(threads: list[EnrichedThread]) -> list[Tag]:
    tags: dict[str, Tag] = {}
    for item in sorted(threads, key=lambda i: i.thread.path):
        for name, slug in zip(item.tag_names, item.tag_slugs, strict=True):
            tags.setdefault(slug, Tag(name=name, slug=slug))
    for item in threads:
        for slug in dict.fromkeys(item.tag_slugs):
            tags[slug].threads.append(item)
    return sorted(tags.values(), key=lambda t: (t.name.casefold(), t.slug))


def _group_months(threads: list[EnrichedThread]) -> list[Month]:
    months: dict[tuple[int, int], Month] = {}
    for item in threads:
        moment = item.thread.date
        if moment is None:
            continue
        day = moment.date() if isinstance(moment, datetime) else moment
        key = (day.year, day.month)
        if key not in months:
            months[key] = Month(day.year, day.month)
        months[key].threads.append(item)
    return [months[k] for k in sorted(months, reverse=True)]


__all__ = ["Month", "Site", "Tag", "assemble_site", "moment_key", "newest_first"]
