"""The build, stage by stage: the table of contents of thread-digest.

load -> parse -> enrich (per file, pure) -> assemble (whole site) -> render -> write.

Per-file work (read, parse, enrich) and thread pages (the bulk of rendering)
are pure functions of a file, the config and the theme, so they run on an
`Executor` (a process pool on one machine) when the site is large. The main
process keeps only light records (`EnrichedThread.without_text()`): a thread's
page is rendered from its file again, so memory does not grow with the text.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import TypeVar

from .config import SiteConfig
from .context import ThreadCard
from .diagnostics import Problem, Report, SourceError
from .enrich import EnrichedThread, enrich_thread, thread_slug
from .load import discover, display_path, read_source
from .readers import parse_file
from .render import Renderer, list_pages, related_cards, thread_pages
from .search import search_bundle
from .site import Site, assemble_site
from .themes import Theme, collect_static, load_theme
from .urls import output_file
from .write import OutputError, WriteStats, write_site

Progress = Callable[[str, int, int], None]
"""Called with (stage, done, total) as work goes on."""
PARALLEL_FROM = 200
"""Files from which the default build spreads work over a process pool."""
T = TypeVar("T")
R = TypeVar("R")


@dataclass(slots=True)
class BuildResult:
    report: Report
    """Every problem found."""
    threads: int = 0
    """Threads published."""
    pages: int = 0
    """Files rendered (pages, feeds, static files)."""
    written: WriteStats | None = None
    """What the writer did; None when nothing was written."""
    files: dict[str, bytes] = field(default_factory=dict)
    """The rendered site (kept for callers that ask, e.g. tests and the dev server)."""


@dataclass(slots=True)
class FileResult:
    """What one thread file gave: its threads (one, or several for a raw export) and its problems."""

    items: list[EnrichedThread]
    problems: list[Problem]


def build(
    config: SiteConfig,
    *,
    keep_going: bool = False,
    strict: bool = False,
    write: bool = True,
    progress: Progress | None = None,
    jobs: int | None = None,
    executor: Executor | None = None,
) -> BuildResult:
    """Build the site of `config`; write it unless an error (or, with `strict`, a warning) says not to.

    `jobs`: worker processes (default: one per core for large sites, none for small ones; 1 = in this
    process). `executor`: use this one instead (e.g. a Dask cluster's `client.get_executor()`).
    """
    report = Report()
    if not config.content_path().is_dir():
        shown = display_path(config.content_path(), config.site_dir)
        report.error(shown, 0, "no such folder: a site keeps its threads in content/", "digest new DIR makes a site")
        return BuildResult(report=report)
    theme = _theme(config, report)
    paths = discover(config.content_path(), config.site_dir)
    with _executor(executor, jobs, len(paths)) as pool:
        items = parse_and_enrich(config, report, progress, pool, paths)
        site = assemble_site(items, config, report)
        result = BuildResult(report=report, threads=len(site.threads))
        if theme is None:
            return result
        files = render_all(site, theme, report, progress, pool)
    files.update(collect_static(theme, config.site_dir))
    if config.search:
        files.update(search_bundle(files, config, report))
    result.pages, result.files = len(files), files
    blocked = bool(report.errors) or (strict and bool(report.warnings))
    if write and (keep_going or not blocked):
        try:
            result.written = write_site(files, config.output_path())
        except OutputError as exc:
            report.error(display_path(config.output_path(), config.site_dir), 0, str(exc))
    return result


def _theme(config: SiteConfig, report: Report) -> Theme | None:
    try:
        return load_theme(config.theme, config.site_dir)
    except SourceError as exc:
        report.add(exc.problem)
        return None


@contextmanager
def _executor(given: Executor | None, jobs: int | None, files: int) -> Iterator[Executor | None]:
    if given is not None:
        yield given
        return
    workers = jobs if jobs is not None else (os.cpu_count() or 1) if files >= PARALLEL_FROM else 1
    if workers <= 1:
        yield None
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        yield pool


def _map(function: Callable[[T], R], values: list[T], executor: Executor | None) -> Iterator[R]:
    """`map` in this process, or over the executor in batches (results in order either way).

    Batching here, rather than through `chunksize`, works the same on a process pool and on a
    Dask cluster's executor (which ignores `chunksize`).
    """
    if executor is None:
        return map(function, values)
    size = max(1, min(64, len(values) // 16))
    batches = [values[i : i + size] for i in range(0, len(values), size)]
    results = executor.map(partial(_run_batch, function), batches)
    return (result for batch in results for result in batch)


def _run_batch(function: Callable[[T], R], batch: list[T]) -> list[R]:
    return [function(value) for value in batch]


def parse_and_enrich(
    config: SiteConfig,
    report: Report,
    progress: Progress | None = None,
    executor: Executor | None = None,
    paths: list[Path] | None = None,
) -> list[EnrichedThread]:
    """Read, parse and enrich every thread file; a bad file becomes a problem and is skipped.

    Returns light records (no post or comment text), in discovery order.
    """
    if paths is None:
        paths = discover(config.content_path(), config.site_dir)
    items: list[EnrichedThread] = []
    work = partial(_process_light, config=config)
    for done, result in enumerate(_map(work, paths, executor), start=1):
        report.extend(result.problems)
        items.extend(result.items)
        if progress:
            progress("read", done, len(paths))
    return items


def process_file(path: Path, config: SiteConfig) -> FileResult:
    """One file, start to finish of the per-thread work: a pure function of the file and the config."""
    warnings: list[Problem] = []
    try:
        source = read_source(path, config.site_dir)
        threads = parse_file(source, warnings)
        return FileResult([enrich_thread(thread, config) for thread in threads], warnings)
    except SourceError as exc:
        return FileResult([], [*warnings, exc.problem])


def _process_light(path: Path, config: SiteConfig) -> FileResult:
    result = process_file(path, config)
    return FileResult([item.without_text() for item in result.items], result.problems)


@dataclass(frozen=True, slots=True)
class ThreadJob:
    """Everything a worker needs to render one thread's pages besides its file."""

    item: EnrichedThread
    """The light record, with the site-wide facts (keywords, related, tags) already set."""
    related: list[ThreadCard]
    """Cards of the related threads."""


def render_thread(job: ThreadJob, config: SiteConfig, theme: Theme) -> tuple[dict[str, bytes], list[Problem]]:
    """A thread's pages: its file is read and parsed again, and the light record's facts put back on it."""
    light = job.item
    warnings: list[Problem] = []
    try:
        source = read_source(config.site_dir / light.thread.path, config.site_dir)
        threads = parse_file(source, warnings)
    except SourceError as exc:
        return {}, [exc.problem]
    thread = threads[0] if len(threads) == 1 else next((t for t in threads if thread_slug(t) == light.slug), None)
    if thread is None:
        return {}, [Problem(light.thread.path, 0, "error", f"thread '{light.slug}' vanished while building")]
    full = replace(light, thread=thread)
    renderer = _renderer(config, theme)
    files: dict[str, bytes] = {}
    problems: list[Problem] = []
    for page in thread_pages(full, config, job.related):
        try:
            files[output_file(page.path)] = renderer.render(page)
        except SourceError as exc:
            problems.append(exc.problem)
            break
    return files, problems


_RENDERERS: dict[tuple[SiteConfig, Theme], Renderer] = {}


def _renderer(config: SiteConfig, theme: Theme) -> Renderer:
    """One Jinja environment per process, config and theme (workers render many threads)."""
    key = (config, theme)
    if key not in _RENDERERS:
        _RENDERERS.clear()
        _RENDERERS[key] = Renderer(config, theme)
    return _RENDERERS[key]


def render_all(
    site: Site, theme: Theme, report: Report, progress: Progress | None = None, executor: Executor | None = None
) -> dict[str, bytes]:
    """Render every page; a page that fails is reported (once per distinct problem) and left out."""
    config = site.config
    renderer = Renderer(config, theme)
    files: dict[str, bytes] = {}
    seen: set[tuple[str, int, str]] = set()

    def note(problem: Problem) -> None:
        key = (problem.path, problem.line, problem.message.split(" while rendering ")[0])
        if key not in seen:
            seen.add(key)
            report.add(problem)

    jobs = [ThreadJob(item, related_cards(item, site)) for item in site.threads]
    work = partial(render_thread, config=config, theme=theme)
    for done, (thread_files, problems) in enumerate(_map(work, jobs, executor), start=1):
        files.update(thread_files)
        for problem in problems:
            note(problem)
        if progress and done % 100 == 0:
            progress("render", done, len(jobs))
    for page in list_pages(site):
        try:
            files[output_file(page.path)] = renderer.render(page)
        except SourceError as exc:
            note(exc.problem)
    return dict(sorted(files.items()))
