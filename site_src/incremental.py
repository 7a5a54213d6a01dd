"""[build] The one build: a cold build, a build from `.digest-cache/` and every `serve` rebuild run it.

`Builder.rebuild()` runs the stages (process each file, assemble the site, render, static files, search) and
remembers in a `BuildState` what each output file was made from, so the next call redoes only what changed:

- per thread file: its stamp, the digest of its bytes and what `process_source` made of it (light records),
  so an unchanged file is neither read twice nor parsed again;
- per output file: a fingerprint of everything its bytes depend on, so a page whose fingerprint did not
  change is not rendered again, and its bytes stay where they are (in memory for `serve`, on disk for a build).

Fingerprints are plain functions of their inputs:

- a thread page (and its continuation pages) depends on its own file, its site-wide fields (tags, keywords,
  related threads and their cards), the config and the templates;
- a list page (index, tag, archive, feed, sitemap, ...) depends on its planned variables: thread cards (title,
  date, summary, tags, counts), pagination, tag and month links; when no card, tag or month changed
  (`site_list_key`), list pages are not even planned;
- a change of `site.toml`, a template or the theme changes `render_key`, and every page is rendered again
  (and, for `site.toml`, every file processed again).

Bulk work (many files to process, many thread pages to render) goes to an `Executor` when one is given.
Rendered bytes go to an `Output`: `MemoryOutput` (serve, tests) or the writers of `write.py` (a build).

Last good version, per piece: a file that stops parsing keeps its last good threads (the error is reported);
a page that fails to render keeps its last good bytes. Without errors the result is byte-identical to a cold
build.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Executor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Protocol

from .config import ConfigError, SiteConfig
from .context import thread_card
from .diagnostics import Problem, Report, SourceError
from .enrich import EnrichedThread
from .enrich.incremental import SiteEnrichment
from .load import Stamp, discover, stamp_files
from .render import Page, Renderer, list_pages, related_cards
from .search import indexed, search_bundle
from .site import Site, assemble_site
from .themes import Theme, collect_static, load_theme
from .urls import output_file
from .work import (
    Results,
    SourceResult,
    ThreadJob,
    digest,
    process_parts,
    process_source,
    render_thread,
    run_map,
    use_template_cache,
)

log = logging.getLogger(__name__)

BULK_FROM = 32
"""Files to process, or threads to render, from which the work goes to the executor (when there is one)."""

# --------------------------------------------------------------------------- fingerprints


def config_key(config: SiteConfig) -> str:
    """Everything `process_source` and rendering may read from the config."""
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


def page_digest(path: Path, item: EnrichedThread, item_digest: str, fields: tuple[object, ...]) -> str:
    """What a thread page is made from, besides what all pages share and its related threads' cards: its file
    (through `item_digest`, the digest of the bytes the item was made from) and its site-wide fields."""
    return digest(f"{path}\0{item.slug}\0{item_digest}\0{fields!r}".encode())


def thread_page_key(page: str, related: list[str], shared_key: str) -> str:
    """A thread page depends on its `page_digest`, the card digests of its related threads and on what all
    pages share."""
    return digest(f"{shared_key}\0{page}\0{chr(0).join(related)}".encode())


def list_page_key(page: Page, shared_key: str) -> str:
    """A list page depends on its own planned variables (cards, links, pagination) and on what all pages share.

    Hashed a piece at a time: a list variable element by element, so a page listing every thread (the
    sitemap) never spells out all its cards in one string (at 100,000 threads, ~150 MB at once)."""
    h = hashlib.blake2b(digest_size=16)
    h.update("\0".join([shared_key, page.path, page.template, page.kind, page.title]).encode("utf-8"))
    for name in sorted(page.variables):
        value = page.variables[name]
        if isinstance(value, list):
            h.update(f"\0{name}=[{len(value)}".encode())
            for element in value:
                h.update(f"\1{element!r}".encode())
        else:
            h.update(f"\0{name}={value!r}".encode())
    return h.hexdigest()


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


# --------------------------------------------------------------------------- where bytes go


class Output(Protocol):
    """Where a rebuild puts the bytes it renders, and reads back the ones it kept."""

    def put(self, name: str, data: bytes) -> bool:
        """Make `data` the bytes of output file `name`; True when they differ from its current bytes."""
        ...

    def remove(self, name: str) -> None:
        """Output file `name` is no longer part of the site."""
        ...

    def read(self, name: str) -> bytes:
        """The current bytes of output file `name` (one the rebuild kept without rendering)."""
        ...


class MemoryOutput:
    """The site as a dict of bytes (`serve` answers requests from it). Each rebuild works on a copy, so the
    dict a request got stays whole."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self._copied = True

    def begin(self) -> None:
        """A new rebuild: the first change works on a copy (a rebuild that changes nothing keeps the dict)."""
        self._copied = False

    def put(self, name: str, data: bytes) -> bool:
        if self.files.get(name) == data:
            return False
        self._own()[name] = data
        return True

    def remove(self, name: str) -> None:
        if name in self.files:
            del self._own()[name]

    def _own(self) -> dict[str, bytes]:
        if not self._copied:
            self.files, self._copied = dict(self.files), True
        return self.files

    def read(self, name: str) -> bytes:
        return self.files[name]


# --------------------------------------------------------------------------- what a build remembers


@dataclass(slots=True)
class SourceEntry:
    """What a build remembers about one thread file."""

    stamp: Stamp
    """`load.file_stamp` when last read: a cheap first check."""
    source_digest: str
    """Digest of the bytes last read."""
    problems: list[Problem]
    """What processing the current bytes found."""
    items: list[EnrichedThread]
    """The last good result: its threads as light records (kept while the file is broken)."""
    item_digest: str = ""
    """Digest of the bytes `items` were made from."""
    cards: list[tuple[tuple[object, ...], str, str]] = field(default_factory=list)
    """Per item: (the `site_fields` they were computed with, `card_digest(item)`: what list pages show of it,
    `page_digest`: what its own page is made from besides the cards of its related threads)."""


@dataclass(slots=True)
class BuildState:
    """Everything a build remembers for the next one; picklable (`cache.py` keeps it in `.digest-cache/`)."""

    process_key: str = ""
    """`config_key` the sources were processed with."""
    shared_key: str = ""
    """`render_key` the pages were rendered with."""
    paths: list[Path] = field(default_factory=list)
    """Thread files in discovery order."""
    sources: dict[Path, SourceEntry] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)
    """Every output file of the current site -> fingerprint of what its bytes were made from ("" after a
    failed render or for files checked on every build, such as static files)."""
    thread_outputs: dict[str, tuple[str, list[str]]] = field(default_factory=dict)
    """Thread url -> (thread page key, output files it made)."""
    list_key: str = ""
    list_outputs: list[str] = field(default_factory=list)
    search_key: str = ""
    search_outputs: list[str] = field(default_factory=list)
    enrichment: SiteEnrichment = field(default_factory=SiteEnrichment)
    """Site-wide enrichment kept between rebuilds."""
    parts: dict[tuple[str, str], tuple[str, EnrichedThread | None]] = field(default_factory=dict)
    """Threads found in several files (origin, id) -> (fingerprint of those files, the merged item)."""
    changed: set[Path] = field(default_factory=set)
    """Thread files whose entry in `sources` was added, changed or removed since the state was last loaded or
    saved: `cache.py` writes again only the parts of the cache that hold them."""
    stored: list[str] = field(default_factory=list)
    """The cache files holding `sources`, one per shard, as last loaded or saved ([] when there are none)."""

    def forget_outputs(self, names: Iterable[str]) -> None:
        """These output files are not (or no longer) as the state says: the next rebuild makes them again."""
        for name in names:
            self.keys.pop(name, None)


@dataclass(slots=True)
class Rebuild:
    """The outcome of one `Builder.rebuild()`."""

    changed: list[str]
    """Output files added, changed or removed by this rebuild, sorted."""
    problems: list[Problem]
    """Every current problem (errors and warnings), sorted."""
    outputs: list[str] = field(default_factory=list)
    """Every output file of the site now, sorted."""
    removed: list[str] = field(default_factory=list)
    """Output files the site no longer has."""
    threads: int = 0
    """Threads published."""
    threads_changed: list[str] = field(default_factory=list)
    """Site paths of published threads whose file changed (for "navigate to the edited page")."""
    parsed: int = 0
    """Thread files processed again."""
    rendered: int = 0
    """Pages rendered again."""
    seconds: float = 0.0
    """Wall time of the rebuild."""
    files: dict[str, bytes] = field(default_factory=dict)
    """The whole site, output file -> bytes (`WarmSite` only)."""
    config: SiteConfig | None = None
    """The config this rebuild used (None when it could not be read)."""

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "error"]


Progress = Callable[[str, int, int], None]
"""Called with (stage, done, total) as work goes on."""


class Builder:
    """Runs rebuilds from a `BuildState`, which it updates; see the module docstring."""

    def __init__(
        self,
        load: Callable[[], SiteConfig],
        state: BuildState | None = None,
        *,
        executor: Executor | None = None,
        progress: Progress | None = None,
        spool: str | None = None,
        template_cache: str | None = None,
    ) -> None:
        """`load` reads the config afresh (site.toml plus command-line overrides); it may raise `ConfigError`.

        `spool`: a folder (the caller's, emptied by the caller) where the first pass leaves each file's parsed
        threads for its pages to be rendered from, instead of parsing every file twice. `template_cache`: a
        folder where compiled templates are kept between builds (`work.use_template_cache`).
        """
        self._load = load
        self.state = state or BuildState()
        self.executor = executor
        self.progress = progress
        self.spool = spool
        self.template_cache = template_cache
        self._known: dict[str, Path] | None = None
        """Absolute path -> the entry in `state.paths` (made when watcher events name files)."""
        self._renderer: tuple[str, Renderer] | None = None
        self._current: dict[int, tuple[Path, SourceEntry, int]] = {}
        """id of each item given to `assemble_site` in this rebuild -> its file, cache entry and place there."""
        self._parts: dict[int, tuple[str, ...]] = {}
        """id of each item made of several files (`_merge_parts`) -> those files, as shown."""
        self._spooled: dict[int, str] = {}
        """id of each item whose parsed thread this rebuild left in `spool` -> where (`work.spool_threads`)."""
        self._cards: dict[int, str] = {}
        """id of each published item -> its `card_digest` in this rebuild."""
        self._pages: dict[int, str] = {}
        """id of each published item -> its `page_digest` in this rebuild."""
        self.config: SiteConfig | None = None
        """The config of the last build that could read it."""

    def rebuild(
        self,
        output: Output,
        touched: Iterable[Path] | None = None,
        listing: list[Path] | None = None,
        stamps: Mapping[Path, Stamp] | None = None,
    ) -> Rebuild:
        """Bring the site in `output` up to date with the files on disk.

        `touched=None` checks every file (by modification time and size, then by content). Otherwise
        `touched` lists the files known to have changed (watcher events): only they are read again, and the
        content folder is listed again only when one of them is new, gone or a folder. `listing`: the thread
        files, when the caller has just listed them (`load.discover`); `stamps`: their stamps, when the caller
        has just taken them (`load.stamp_files`).
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
        state = self.state
        process_key = config_key(config)
        if process_key != state.process_key:
            state.sources.clear()
            state.stored = []  # every entry is made again: no stored shard still holds
            state.process_key = process_key
            touched = None
        shared_key = state.shared_key = render_key(config, theme)
        if self._renderer is None or self._renderer[0] != shared_key:
            self._renderer = (shared_key, use_template_cache(Renderer(config, theme), self.template_cache))

        items, fresh, parsed = self._refresh_sources(config, touched, report, listing, stamps)
        site = assemble_site(items, config, report, state.enrichment)
        run = _Run(state, output, report)
        self._card_digests(site)
        # thread pages go to the executor first, so its workers render them while this process does the lists
        self._render_threads(site, theme, run, meanwhile=partial(self._render_lists, site, run))
        refused: list[Problem] = []
        for name, data in collect_static(theme, config.site_dir, refused).items():
            run.put(name, data, "")
        for problem in refused:
            run.note(problem)
        if config.search:
            self._search(config, run)

        old = set(state.keys)
        state.keys = run.keys
        removed = sorted(old - run.keys.keys())
        for name in removed:
            output.remove(name)
        return Rebuild(
            changed=sorted(run.changed | set(removed)),
            problems=report.sorted(),
            outputs=sorted(run.keys),
            removed=removed,
            threads=len(site.threads),
            threads_changed=[item.url for item in site.threads if id(item) in fresh],
            parsed=parsed,
            rendered=run.rendered,
            seconds=time.perf_counter() - started,
            config=config,
        )

    def _unchanged(self, problems: list[Problem]) -> Rebuild:
        """Config or theme unreadable: keep the last site, report why."""
        return Rebuild(changed=[], problems=sorted(problems, key=_problem_order), outputs=sorted(self.state.keys))

    # ------------------------------------------------------------------ sources

    def _refresh_sources(
        self,
        config: SiteConfig,
        touched: Iterable[Path] | None,
        report: Report,
        listing: list[Path] | None,
        listed_stamps: Mapping[Path, Stamp] | None,
    ) -> tuple[list[EnrichedThread], set[int], int]:
        """Process new and changed files. Returns the good items in discovery order, the ids of those made by
        this call, and how many files were processed."""
        state = self.state
        check: set[Path] | None = None  # None: check every file's stamp
        if touched is not None:
            content = os.path.abspath(config.content_path()) + os.sep
            check = set()
            if self._known is None:
                self._known = {os.path.abspath(p): p for p in state.paths}
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
            state.paths = listing if listing is not None else discover(config.content_path(), config.site_dir)
            self._known = None
        if check is None and listing is not None and listed_stamps is not None:
            stamps = listed_stamps  # taken by the caller with its listing
        else:  # a file gone since the folder was listed is left out (the watcher will tell)
            stamps = stamp_files([p for p in state.paths if check is None or p in check or p not in state.sources])
        to_process: list[Path] = []
        for path, stamp in stamps.items():
            entry = state.sources.get(path)
            if entry is None or entry.stamp != stamp or check is not None:
                to_process.append(path)

        made: dict[Path, SourceEntry] = {}
        spooled: dict[Path, tuple[str, str]] = {}  # file -> (digest of the bytes spooled, where)
        work = partial(process_source, config=config, spool=self.spool)
        executor = self.executor if len(to_process) >= BULK_FROM else None
        answers = run_map(work, to_process, executor)
        for done, (path, answer) in enumerate(zip(to_process, answers, strict=True), start=1):
            entry, new = self._entry(state.sources.get(path), answer)
            if answer.spooled:
                spooled[path] = (answer.source_digest, answer.spooled)
            state.changed.add(path)
            if new:
                made[path] = entry
            else:
                state.sources[path] = entry
            if self.progress:
                self.progress("read", done, len(to_process))

        entries: dict[Path, SourceEntry] = {}
        items: list[EnrichedThread] = []
        fresh: set[int] = set()
        self._current, self._spooled = {}, {}
        for path in state.paths:
            entry = made.get(path) or state.sources.get(path)
            if entry is None or (path not in stamps and check is None):
                continue
            new = path in made and entry.item_digest == entry.source_digest and bool(entry.items)
            entries[path] = entry
            report.extend(entry.problems)
            for index, cached in enumerate(entry.items):
                # a copy: `enrich_site` sets site-wide fields in place; the cached item stays as processed
                item = cached.copy()
                if new:
                    fresh.add(id(item))
                items.append(item)
                self._current[id(item)] = (path, entry, index)
                digest_spooled, where = spooled.get(path, ("", ""))
                if where and digest_spooled == entry.item_digest:  # not when the last good threads were kept
                    self._spooled[id(item)] = where
        state.changed.update(state.sources.keys() - entries.keys())
        state.sources = entries
        return self._merge_parts(items, config), fresh, len(made)

    def _merge_parts(self, items: list[EnrichedThread], config: SiteConfig) -> list[EnrichedThread]:
        """Threads found in several files (parts of one thread dropped into content/) become one item, made by
        `process_parts` from all its files (again only when one of them changed); see `importers/drop_in.py`."""
        from .importers.drop_in import part_groups

        self._parts = {}
        groups = part_groups(item.thread for item in items)
        if not groups:
            self.state.parts = {}
            return items
        path_of = {item.thread.path: self._current[id(item)][0] for item in items}
        digests = {item.thread.path: self._current[id(item)][1].item_digest for item in items}
        kept: dict[tuple[str, str], tuple[str, EnrichedThread | None]] = {}
        todo: dict[tuple[str, str], list[Path]] = {}
        for key, shown in groups.items():
            fingerprint = digest("\0".join([*key, *(f"{name}={digests[name]}" for name in shown)]).encode())
            known = self.state.parts.get(key)
            if known is not None and known[0] == fingerprint:
                kept[key] = known
            else:
                kept[key] = (fingerprint, None)
                todo[key] = [path_of[name] for name in shown]
        spooled: dict[tuple[str, str], str] = {}
        for key, (item_made, where) in process_parts(todo, config, self.spool).items():
            kept[key] = (kept[key][0], item_made)
            spooled[key] = where
        self.state.parts = kept
        merged_keys = {key for key, (_f, done) in kept.items() if done is not None}
        out: list[EnrichedThread] = []
        for item in items:
            key = (str(item.thread.extra.get("origin")), str(item.thread.extra.get("origin_id")))
            if key not in merged_keys:
                out.append(item)
                continue
            fingerprint, made = kept[key]
            if made is None or item.thread.path != groups[key][0]:
                continue  # a later part: its thread is in the first part's item
            whole = made.copy()
            path, own, _index = self._current[id(item)]
            entry = SourceEntry(own.stamp, fingerprint, [], [whole], fingerprint)
            self._current[id(whole)] = (path, entry, 0)
            self._parts[id(whole)] = tuple(groups[key])
            if spooled.get(key):
                self._spooled[id(whole)] = spooled[key]
            out.append(whole)
        return out

    @staticmethod
    def _entry(entry: SourceEntry | None, answer: SourceResult) -> tuple[SourceEntry, bool]:
        """The entry for a file just processed, and whether its bytes are new."""
        stamp, source_digest, result = answer.stamp, answer.source_digest, answer.result
        if entry is not None and source_digest and entry.source_digest == source_digest:
            entry.stamp = stamp  # same bytes (touched, or a new stamp): what it gave before still holds
            return entry, False
        broken = any(p.level == "error" for p in result.problems)
        if broken and entry is not None and entry.items:
            # broken now: keep the last good threads, and report what is wrong
            kept = dataclasses.replace(entry, stamp=stamp, source_digest=source_digest, problems=result.problems)
            return kept, True
        return SourceEntry(stamp, source_digest, result.problems, result.items, source_digest), True

    # ------------------------------------------------------------------ pages

    def _render_lists(self, site: Site, run: _Run, between: Callable[[], None]) -> None:
        """Render the list pages whose key changed, calling `between` after each."""
        assert self._renderer is not None
        renderer = self._renderer[1]
        state = self.state
        shared = state.shared_key
        cards = [self._cards[id(item)] for item in site.threads]
        list_key = site_list_key(site, cards, shared)
        if list_key == state.list_key and all(run.keep(n, run.old_keys.get(n, "")) for n in state.list_outputs):
            return
        outputs: list[str] = []
        ok = True
        for page in list_pages(site):
            name = output_file(page.path)
            outputs.append(name)
            key = list_page_key(page, shared)
            if not run.keep(name, key):
                ok = run.render(name, partial(renderer.render, page), key) and ok
                between()
        state.list_key, state.list_outputs = (list_key if ok else ""), outputs

    def _render_threads(
        self, site: Site, theme: Theme, run: _Run, meanwhile: Callable[[Callable[[], None]], None]
    ) -> None:
        """Render the thread pages whose key changed. `meanwhile` runs once their work has been handed out, with a
        function to call now and then: it takes the pages rendered so far (so the workers stay fed and rendered
        pages do not pile up)."""
        state, config = self.state, site.config
        shared = state.shared_key
        cards, pages = self._cards, self._pages
        outputs: dict[str, tuple[str, list[str]]] = {}
        todo: list[tuple[str, EnrichedThread, str]] = []  # (page key, item, where it was spooled)
        by_slug = site.by_slug
        for item in site.threads:
            url = item.url
            related = [f"{slug}={cards[id(by_slug[slug])]}" for slug in item.related if slug in by_slug]
            key = thread_page_key(pages[id(item)], related, shared)
            previous = state.thread_outputs.get(url)
            if previous is not None and previous[0] == key and all(run.keep(n, key) for n in previous[1]):
                outputs[url] = previous
                continue
            todo.append((key, item, self._spooled.get(id(item), "")))
        work = partial(render_thread, config=config, theme=theme, template_cache=self.template_cache, templates=shared)
        executor = self.executor if len(todo) >= BULK_FROM else None
        parts = self._parts
        jobs = (
            ThreadJob(item, related_cards(item, site), spooled, parts.get(id(item), ())) for _, item, spooled in todo
        )
        answers = run_map(work, jobs, executor, count=len(todo))  # on an executor: the first ones handed out now
        order = iter(todo)
        done = 0

        def take(answer: tuple[dict[str, bytes], list[Problem]]) -> None:
            nonlocal done
            key, item, _ = next(order)
            files, problems = answer
            url = item.url
            names = list(files)
            for name, data in files.items():
                run.put(name, data, key)
            run.rendered += len(files)
            for problem in problems:
                run.note(problem)
            if problems:  # keep the last good bytes of pages it no longer gives; the empty key retries
                names = sorted(set(names) | set(state.thread_outputs.get(url, ("", []))[1]))
                for name in names:
                    if name not in files:
                        run.kept_failed(name)
            outputs[url] = ("" if problems else key, names)
            done += 1
            if self.progress and (done % 100 == 0 or done == len(todo)):
                self.progress("render", done, len(todo))

        def take_ready() -> None:
            if isinstance(answers, Results):
                for answer in answers.ready():
                    take(answer)

        meanwhile(take_ready)
        for answer in answers:
            take(answer)
        state.thread_outputs = outputs

    def _search(self, config: SiteConfig, run: _Run) -> None:
        """The Pagefind bundle, made again when an indexed page changed."""
        state = self.state
        pages = sorted(name for name in run.keys if indexed(name))
        key = digest("\0".join(f"{n}={run.keys[n]}" for n in pages).encode() + state.shared_key.encode())
        unchanged = "" not in (run.keys[n] for n in pages) and key == state.search_key
        if unchanged and all(run.keep(n, run.old_keys.get(n, "")) for n in state.search_outputs):
            return
        bundle = search_bundle(_Pages(pages, run), config, run.report)
        for name, data in bundle.items():
            run.put(name, data, "")
        state.search_key, state.search_outputs = (key if bundle else ""), sorted(bundle)

    def _card_digests(self, site: Site) -> None:
        """`card_digest` and `page_digest` of every thread, remembered per item of a file while the file and
        the item's site-wide fields stay the same."""
        self._cards, self._pages = {}, {}
        for item in site.threads:
            path, entry, index = self._current[id(item)]
            fields = site_fields(item)
            if len(entry.cards) != len(entry.items):
                entry.cards = [((), "", "")] * len(entry.items)
            known = entry.cards[index]
            if known[0] != fields or not known[1]:
                known = (fields, card_digest(item), page_digest(path, item, entry.item_digest, fields))
                entry.cards[index] = known
                self.state.changed.add(path)
            self._cards[id(item)] = known[1]
            self._pages[id(item)] = known[2]


class _Run:
    """One rebuild's bookkeeping: the new keys, what changed, problems reported once."""

    def __init__(self, state: BuildState, output: Output, report: Report) -> None:
        self.old_keys = state.keys
        self.keys: dict[str, str] = {}
        self.output = output
        self.report = report
        self.changed: set[str] = set()
        self.rendered = 0
        self._seen: set[tuple[str, int, str]] = set()

    def keep(self, name: str, key: str) -> bool:
        """Keep the current bytes of `name` when they were made from `key`."""
        if key and self.old_keys.get(name) == key:
            self.keys[name] = key
            return True
        return False

    def put(self, name: str, data: bytes, key: str) -> None:
        self.keys[name] = key
        if self.output.put(name, data):
            self.changed.add(name)

    def render(self, name: str, make: Callable[[], bytes], key: str) -> bool:
        self.rendered += 1
        try:
            data = make()
        except SourceError as exc:
            self.note(exc.problem)
            self.kept_failed(name)
            return False
        self.put(name, data, key)
        return True

    def kept_failed(self, name: str) -> None:
        """A page failed to render: its last good bytes (if any) stay, with an empty key to retry next time."""
        if name in self.old_keys:
            self.keys[name] = ""

    def note(self, problem: Problem) -> None:
        marker = (problem.path, problem.line, problem.message.split(" while rendering ")[0])
        if marker not in self._seen:
            self._seen.add(marker)
            self.report.add(problem)


class _Pages(Mapping[str, bytes]):
    """The indexed pages, read from the output when asked (so search never holds the whole site)."""

    def __init__(self, names: list[str], run: _Run) -> None:
        self._names, self._run = names, run

    def __getitem__(self, name: str) -> bytes:
        return self._run.output.read(name)

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


# --------------------------------------------------------------------------- serve's warm site


class WarmSite:
    """A site kept in memory between builds (`serve`): `rebuild()` redoes only what changed."""

    def __init__(self, load: Callable[[], SiteConfig]) -> None:
        self._builder = Builder(load)
        self._output = MemoryOutput()

    @property
    def files(self) -> dict[str, bytes]:
        """The current site."""
        return self._output.files

    @property
    def config(self) -> SiteConfig | None:
        """The config of the last build that could read it."""
        return self._builder.config

    def rebuild(self, touched: Iterable[Path] | None = None) -> Rebuild:
        self._output.begin()
        result = self._builder.rebuild(self._output, touched)
        result.files = self._output.files
        return result


def _problem_order(p: Problem) -> tuple[str, int, str, str]:
    return (p.path, p.line, p.level, p.message)


__all__ = [
    "BuildState",
    "Builder",
    "MemoryOutput",
    "Output",
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
