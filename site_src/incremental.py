"""[serve] The build kept warm: a save re-parses one file and re-renders only the pages it changes.

`WarmSite.rebuild()` runs the same stages as `pipeline.build()` (process_file,
assemble_site, plan, render, collect_static) and gives the same bytes, but
remembers between calls:

- per thread file: the digest of its bytes and what `process_file` made of it,
  so an unchanged file is neither read twice nor parsed again;
- per output file: a fingerprint of everything its bytes depend on, so a page
  whose fingerprint did not change keeps its bytes without being rendered.

Fingerprints (`render_key`, `thread_page_key`, `list_page_key`) are plain
functions of their inputs, meant to be reused by an on-disk build cache:

- a thread page (and its continuation pages) depends on its own file, the
  config and the templates;
- a list page (index, tag, archive, feed, sitemap, ...) depends on its planned
  variables: thread cards (title, date, summary, tags, counts), pagination,
  tag and month links; when no card, tag or month changed (`site_list_key`),
  list pages are not even planned;
- a change of `site.toml`, a template or the theme changes `render_key`, and
  every page is rendered again (and, for `site.toml`, every file re-parsed).

Last good version, per piece: a file that stops parsing keeps its last good
thread (the error is reported); a page that fails to render keeps its last good
bytes. Without errors the result is byte-identical to a cold build.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .config import ConfigError, SiteConfig
from .context import thread_card
from .diagnostics import Problem, Report, SourceError
from .enrich import EnrichedThread
from .enrich.incremental import SiteEnrichment
from .load import discover
from .pipeline import process_file
from .render import Page, Renderer, list_pages, related_cards, thread_pages
from .site import Site, assemble_site
from .themes import Theme, collect_static, load_theme
from .urls import output_file

log = logging.getLogger(__name__)

# --------------------------------------------------------------------------- fingerprints


def digest(data: bytes) -> str:
    """Short content hash used by every fingerprint here."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def config_key(config: SiteConfig) -> str:
    """Everything `process_file` and rendering may read from the config."""
    return digest(repr(config).encode("utf-8"))


def template_files(theme: Theme, site_dir: Path) -> list[Path]:
    """Files that can change how pages render: site templates, each theme's templates and theme.toml."""
    folders = [site_dir / "templates", *(folder / "templates" for folder in theme.chain)]
    found: list[Path] = [folder / "theme.toml" for folder in theme.chain if (folder / "theme.toml").is_file()]
    for folder in folders:
        if folder.is_dir():
            found.extend(sorted(p for p in folder.rglob("*") if p.is_file()))
    return found


def render_key(config: SiteConfig, theme: Theme) -> str:
    """Fingerprint of what every page shares: config, theme chain, the bytes of every template."""
    h = hashlib.blake2b(digest_size=16)
    h.update(config_key(config).encode())
    h.update(repr((theme.name, [str(p) for p in theme.chain])).encode())
    for path in template_files(theme, config.site_dir):
        h.update(str(path).encode() + b"\0")
        try:
            h.update(path.read_bytes())
        except OSError:
            h.update(b"<unreadable>")
    return h.hexdigest()


def thread_page_key(source_digest: str, shared_key: str) -> str:
    """A thread page depends on its own file (through `source_digest`) and on what all pages share."""
    return digest(f"{shared_key}\0{source_digest}".encode())


def list_page_key(page: Page, shared_key: str) -> str:
    """A list page depends on its own planned variables (cards, links, pagination) and on what all pages share."""
    parts = [shared_key, page.path, page.template, page.kind, page.title]
    parts.extend(f"{name}={page.variables[name]!r}" for name in sorted(page.variables))
    return digest("\0".join(parts).encode("utf-8"))


def card_digest(item: EnrichedThread) -> str:
    """Fingerprint of a thread as list pages show it (`context.thread_card`)."""
    return digest(repr(thread_card(item)).encode("utf-8"))


def site_list_key(site: Site, card_digests: list[str], shared_key: str) -> str:
    """Fingerprint of everything list pages are planned from: the threads' cards in site order, the tags and
    months with their threads. Unchanged means no list page changed, so none need planning."""
    h = hashlib.blake2b(digest_size=16)
    h.update(shared_key.encode())
    h.update("\0".join(card_digests).encode())
    for tag in site.tags:
        h.update(f"\1{tag.name}\0{tag.slug}\0".encode() + "\0".join(t.url for t in tag.threads).encode())
    for month in site.months:
        h.update(f"\1{month.key}\0".encode() + "\0".join(t.url for t in month.threads).encode())
    return h.hexdigest()


def site_fields(item: EnrichedThread) -> tuple[object, ...]:
    """What `enrich_site` sets on a thread from the rest of the site (tags, keywords, related)."""
    return (
        tuple(item.tag_names),
        tuple(item.tag_slugs),
        tuple(item.auto_tags),
        tuple(item.keywords),
        tuple(item.related),
    )


# --------------------------------------------------------------------------- the warm site


@dataclass(slots=True)
class SourceEntry:
    """What the warm site remembers about one thread file."""

    stamp: tuple[int, int]
    """(mtime_ns, size) when last read: a cheap first check."""
    source_digest: str
    """Digest of the bytes last read."""
    problems: list[Problem]
    """What processing the current bytes found."""
    items: list[EnrichedThread]
    """The last good result: its threads (kept while the file is broken)."""
    item_digest: str = ""
    """Digest of the bytes `items` were made from."""
    card_digest: tuple[tuple[object, ...], str] = ((), "")
    """(site-wide fields it was computed with, `card_digest(item)`): what list pages show of it."""


@dataclass(slots=True)
class Rebuild:
    """The outcome of one `WarmSite.rebuild()`."""

    files: dict[str, bytes]
    """The whole site now served: output file -> bytes."""
    changed: list[str]
    """Output files added, changed or removed by this rebuild, sorted."""
    problems: list[Problem]
    """Every current problem (errors and warnings), sorted."""
    threads_changed: list[str] = field(default_factory=list)
    """Site paths of published threads whose file changed (for "navigate to the edited page")."""
    parsed: int = 0
    """Thread files processed again."""
    rendered: int = 0
    """Pages rendered again."""
    seconds: float = 0.0
    """Wall time of the rebuild."""

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "error"]


class WarmSite:
    """A site kept in memory between builds; `rebuild()` redoes only what changed."""

    def __init__(self, load: Callable[[], SiteConfig]) -> None:
        """`load` reads the config afresh (site.toml plus command-line overrides); it may raise `ConfigError`."""
        self._load = load
        self._paths: list[Path] = []
        """Thread files in discovery order."""
        self._known: dict[str, Path] = {}
        """Absolute path -> the entry in `_paths`."""
        self._sources: dict[Path, SourceEntry] = {}
        self._process_key = ""
        self._shared_key = ""
        self._renderer: Renderer | None = None
        self._keys: dict[str, str] = {}
        """Output file -> fingerprint of its bytes in `files` ("" after a failed render: try again)."""
        self._thread_outputs: dict[str, tuple[str, list[str]]] = {}
        """Thread url -> (thread page key, output files it made)."""
        self._list_key = ""
        self._list_outputs: list[str] = []
        self._enrichment = SiteEnrichment()
        """Site-wide enrichment kept between rebuilds."""
        self._current: dict[int, tuple[Path, SourceEntry]] = {}
        """id of each item given to `assemble_site` in this rebuild -> its file and cache entry."""
        self.files: dict[str, bytes] = {}
        """The current site."""
        self.config: SiteConfig | None = None
        """The config of the last build that could read it."""

    def rebuild(self, touched: Iterable[Path] | None = None) -> Rebuild:
        """Bring the site up to date with the files on disk.

        `touched=None` checks every file (by modification time and size, then
        by content). Otherwise `touched` lists the files known to have changed
        (watcher events): only they are read again, and the content folder is
        listed again only when one of them is new, gone or a folder.
        """
        started = time.perf_counter()
        report = Report()
        try:
            config = self._load()
        except ConfigError as exc:
            return self._unchanged(exc.problems)
        try:
            theme = load_theme(config.theme, config.site_dir)
        except SourceError as exc:
            return self._unchanged([exc.problem])
        self.config = config
        process_key = config_key(config)
        if process_key != self._process_key:
            self._sources.clear()
            self._process_key = process_key
            touched = None
        shared_key = render_key(config, theme)
        if shared_key != self._shared_key or self._renderer is None:
            self._renderer = Renderer(config, theme)
            self._shared_key = shared_key

        items, fresh, parsed = self._refresh_sources(config, touched, report)
        site = assemble_site(items, config, report, self._enrichment)
        files, rendered = self._render(site, fresh, report)
        files.update(collect_static(theme, config.site_dir))

        old = self.files
        changed = sorted(name for name in files.keys() | old.keys() if old.get(name) != files.get(name))
        self.files = files
        return Rebuild(
            files=files,
            changed=changed,
            problems=report.sorted(),
            threads_changed=[item.url for item in site.threads if id(item) in fresh],
            parsed=parsed,
            rendered=rendered,
            seconds=time.perf_counter() - started,
        )

    def _unchanged(self, problems: list[Problem]) -> Rebuild:
        """Config or theme unreadable: keep serving the last site, report why."""
        return Rebuild(files=self.files, changed=[], problems=sorted(problems, key=_problem_order))

    def _refresh_sources(
        self, config: SiteConfig, touched: Iterable[Path] | None, report: Report
    ) -> tuple[list[EnrichedThread], set[int], int]:
        """Process new and changed files. Returns the good items in discovery order, the ids of those made by
        this call, and how many files were processed."""
        check: set[Path] | None = None  # None: check every file's stamp
        if touched is not None:
            content = os.path.abspath(config.content_path()) + os.sep
            check = set()
            for path in touched:
                absolute = os.path.abspath(path)
                if not absolute.startswith(content):
                    continue
                known = self._known.get(absolute)
                if known is None or not os.path.isfile(absolute):
                    check = None  # a file came, went or moved: list the folder again
                    break
                check.add(known)
        if check is None:
            self._paths = discover(config.content_path(), config.site_dir)
            self._known = {os.path.abspath(p): p for p in self._paths}
        entries: dict[Path, SourceEntry] = {}
        items: list[EnrichedThread] = []
        fresh: set[int] = set()
        parsed = 0
        self._current = {}
        for path in self._paths:
            entry: SourceEntry | None = self._sources.get(path)
            if check is None or path in check or entry is None:
                entry, made = self._refresh_one(path, entry, config, forced=check is not None)
                parsed += made
                if entry is None:
                    continue
                if made and entry.item_digest == entry.source_digest:
                    fresh.update(id(item) for item in entry.items)
            entries[path] = entry
            report.extend(entry.problems)
            for cached in entry.items:
                # a copy: `enrich_site` sets site-wide fields in place; the cached item stays as process_file made it
                item = dataclasses.replace(cached)
                if id(cached) in fresh:
                    fresh.add(id(item))
                items.append(item)
                self._current[id(item)] = (path, entry)
        self._sources = entries
        return items, fresh, parsed

    def _refresh_one(
        self, path: Path, entry: SourceEntry | None, config: SiteConfig, *, forced: bool
    ) -> tuple[SourceEntry | None, bool]:
        try:
            st = path.stat()
        except OSError:
            return None, False  # gone since the folder was listed; the watcher will tell
        stamp = (st.st_mtime_ns, st.st_size)
        if entry is not None and entry.stamp == stamp and not forced:
            return entry, False
        try:
            source_digest = digest(path.read_bytes())
        except OSError:
            source_digest = ""
        if entry is not None and source_digest and entry.source_digest == source_digest:
            entry.stamp = stamp
            return entry, False
        result = process_file(path, config)
        broken = any(p.level == "error" for p in result.problems)
        if broken and entry is not None and entry.items:
            # broken now: keep serving the last good threads, and report what is wrong
            return dataclasses.replace(entry, stamp=stamp, source_digest=source_digest, problems=result.problems), True
        return SourceEntry(stamp, source_digest, result.problems, result.items, source_digest), True

    def _render(self, site: Site, fresh: set[int], report: Report) -> tuple[dict[str, bytes], int]:
        """Render the pages whose fingerprint changed; reuse the bytes of the others."""
        renderer = self._renderer
        assert renderer is not None
        config, shared = site.config, self._shared_key
        old_files, old_keys = self.files, self._keys
        files: dict[str, bytes] = {}
        keys: dict[str, str] = {}
        seen: set[tuple[str, int, str]] = set()
        rendered = 0

        def render(name: str, page: Page, key: str) -> bool:
            nonlocal rendered
            rendered += 1
            try:
                files[name], keys[name] = renderer.render(page), key
                return True
            except SourceError as exc:
                problem = exc.problem
                marker = (problem.path, problem.line, problem.message.split(" while rendering ")[0])
                if marker not in seen:
                    seen.add(marker)
                    report.add(problem)
                if name in old_files:  # the last good bytes; an empty key makes the next rebuild try again
                    files[name], keys[name] = old_files[name], ""
                return False

        def reuse(name: str, key: str) -> bool:
            if key and old_keys.get(name) == key and name in old_files:
                files[name], keys[name] = old_files[name], key
                return True
            return False

        current = self._current
        cards = {id(item): self._card_digest(item) for item in site.threads}
        list_key = site_list_key(site, [cards[id(t)] for t in site.threads], shared)
        if list_key == self._list_key and all(reuse(n, old_keys.get(n, "")) for n in self._list_outputs):
            list_outputs = self._list_outputs
        else:
            list_outputs = []
            for page in list_pages(site):
                name = output_file(page.path)
                list_outputs.append(name)
                key = list_page_key(page, shared)
                if not reuse(name, key):
                    render(name, page, key)
            if any(not keys.get(n) for n in list_outputs):
                list_key = ""  # a page failed: plan again next time

        thread_outputs: dict[str, tuple[str, list[str]]] = {}
        for item in site.threads:
            path, entry = current[id(item)]
            related = [f"{slug}={cards[id(site.by_slug[slug])]}" for slug in item.related if slug in site.by_slug]
            inputs = f"{path}\0{item.slug}\0{entry.item_digest}\0{site_fields(item)!r}\0{related!r}"
            key = thread_page_key(inputs, shared)
            previous = self._thread_outputs.get(item.url)
            if previous is not None and previous[0] == key and all(reuse(n, key) for n in previous[1]):
                thread_outputs[item.url] = previous
                continue
            names, ok = [], True
            for page in thread_pages(item, config, related_cards(item, site)):
                name = output_file(page.path)
                names.append(name)
                ok = render(name, page, key) and ok
            thread_outputs[item.url] = (key if ok else "", names)

        self._keys, self._thread_outputs = keys, thread_outputs
        self._list_key, self._list_outputs = list_key, list_outputs
        return files, rendered

    def _card_digest(self, item: EnrichedThread) -> str:
        """`card_digest(item)`, remembered per file while the file and its site-wide fields stay the same."""
        entry = self._current[id(item)][1]
        fields = site_fields(item)
        if entry.card_digest[0] != fields or not entry.card_digest[1]:
            entry.card_digest = (fields, card_digest(item))
        return entry.card_digest[1]


def _problem_order(p: Problem) -> tuple[str, int, str, str]:
    return (p.path, p.line, p.level, p.message)


__all__ = [
    "Rebuild",
    "SourceEntry",
    "WarmSite",
    "card_digest",
    "config_key",
    "digest",
    "list_page_key",
    "render_key",
    "site_fields",
    "site_list_key",
    "thread_page_key",
]
