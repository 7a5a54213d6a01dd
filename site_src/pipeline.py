"""The build, stage by stage: the table of contents of thread-digest.

load -> parse -> enrich (per file, pure) -> assemble (whole site) -> render -> write.

The stages themselves are run by `incremental.Builder` (the same code for a cold build, a build from
`.digest-cache/` and every `serve` rebuild); per-file work lives in `work.py`. `build()` here decides how to
start: with nothing changed since the cached build it stops at once (`cache.py`); otherwise it gives the
builder the cached state (or none), an executor (a process pool for a large site, or the one given, e.g. a
Dask cluster's) and the output folder (`write.OutputFolder`, which publishes only when the build has no
errors). The main process keeps only light records (`EnrichedThread.without_text()`): a thread's page is
rendered from its file again, and rendered pages go to disk as they come, so memory does not grow with the
text.
"""

from __future__ import annotations

import os
import signal
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from . import cache
from .advice import advise
from .config import SiteConfig
from .diagnostics import Report, SourceError
from .enrich import EnrichedThread
from .incremental import Builder, BuildState, MemoryOutput, Progress, Rebuild
from .load import discover, display_path, stamp_files
from .themes import Theme, load_theme
from .work import process_source, run_map, start_worker
from .write import OutputError, OutputFolder, WriteStats

PARALLEL_FROM = 200
"""Files from which the default build spreads work over a process pool."""


@dataclass(slots=True)
class BuildResult:
    report: Report
    """Every problem found."""
    threads: int = 0
    """Threads published."""
    pages: int = 0
    """Output files of the site (pages, feeds, static files, search index)."""
    written: WriteStats | None = None
    """What the writer did; None when nothing was written."""
    files: dict[str, bytes] = field(default_factory=dict)
    """The rendered site, for a build with `write=False` (tests, `digest check` of an unwritten site)."""
    rendered: int = 0
    """Pages rendered by this build (fewer than `pages` when the cache had the rest)."""
    parsed: int = 0
    """Thread files read and parsed by this build."""
    cached: str = "none"
    """How the build used `.digest-cache/`: "none" (cold, or --no-cache), "state" (redid what changed),
    "unchanged" (nothing to do)."""
    state: BuildState | None = None
    """The state the build ended with, as `.digest-cache/` now holds it (None when the cache was not written)."""


def build(
    config: SiteConfig,
    *,
    keep_going: bool = False,
    strict: bool = False,
    write: bool = True,
    progress: Progress | None = None,
    jobs: int | None = None,
    executor: Executor | None = None,
    use_cache: bool = True,
) -> BuildResult:
    """Build the site of `config`; write it unless an error (or, with `strict`, a warning) says not to.

    `jobs`: worker processes (default: one per core for large sites, none for small ones; 1 = in this
    process). `executor`: use this one instead (e.g. a Dask cluster's `client.get_executor()`).
    `use_cache`: read and write `.digest-cache/` (only when writing).
    """
    report = Report()
    if not config.content_path().is_dir():
        shown = display_path(config.content_path(), config.site_dir)
        report.error(shown, 0, "no such folder: a site keeps its threads in content/", "digest new DIR makes a site")
        return BuildResult(report=report)
    theme = _theme(config, report)
    if theme is None:
        return BuildResult(report=report)
    listing = discover(config.content_path(), config.site_dir)
    if not write:
        memory = MemoryOutput()
        with _executor(executor, jobs, len(listing)) as pool, tempfile.TemporaryDirectory() as spool:
            builder = Builder(lambda: config, executor=pool, progress=progress, spool=spool)
            done = builder.rebuild(memory, listing=listing)
        result = _result(done, dict(sorted(memory.files.items())), None, "none")
        result.report.extend(advise(config, result.threads, result.report))
        return result

    out = config.output_path()
    if use_cache and (refusal := cache.refused(config)) is not None:
        report.add(refusal)
        use_cache = False
    listed = stamp_files(listing)
    quick = cache.quick_key(config, theme, listed) if use_cache else ""
    manifest = cache.load_manifest(config) if use_cache else None
    if manifest is not None and manifest.quick == quick and not cache.changed_outputs(out, manifest.outputs):
        report.extend(manifest.problems)
        result = BuildResult(report=report, threads=manifest.threads, pages=len(manifest.outputs), cached="unchanged")
        result.written = WriteStats(written=0, unchanged=len(manifest.outputs), removed=0)
        return result

    state = cache.load_state(config, listing) if manifest is not None else None
    if state is not None:
        assert manifest is not None
        state.forget_outputs(cache.changed_outputs(out, manifest.outputs))
    update = state is not None and (out / ".thread-digest").is_file()
    try:
        folder = OutputFolder(out, update=update)
    except OutputError as exc:
        report.error(display_path(out, config.site_dir), 0, str(exc))
        return BuildResult(report=report)
    try:
        with _executor(executor, jobs, len(listing)) as pool, folder.spool() as spool:
            templates = cache.template_cache(config) if use_cache else None
            builder = Builder(
                lambda: config,
                state or BuildState(),
                executor=pool,
                progress=progress,
                spool=spool,
                template_cache=templates,
            )
            done = builder.rebuild(folder, listing=listing, stamps=listed)
    except OutputError as exc:
        folder.abort()
        report.error(display_path(out, config.site_dir), 0, str(exc))
        return BuildResult(report=report)
    except BaseException:
        folder.abort()
        raise
    result = _result(done, {}, report, "state" if state is not None else "none")
    result.report.extend(advise(config, result.threads, result.report))
    blocked = bool(result.report.errors) or (strict and bool(result.report.warnings))
    if blocked and not keep_going:
        folder.abort()
        return result
    if use_cache and folder.update:
        cache.invalidate(config)
    try:
        result.written = folder.commit(done.outputs)
    except OutputError as exc:
        result.report.error(display_path(out, config.site_dir), 0, str(exc))
        return result
    if use_cache:
        if folder.from_spare and manifest is not None:
            stamps = dict(manifest.outputs)
            for name in done.removed:
                stamps.pop(name, None)
            stamps.update(cache.output_stamps(out, sorted(folder.written | (set(done.outputs) - stamps.keys()))))
        else:
            stamps = cache.output_stamps(out, done.outputs)
        problems = result.report.sorted()
        fresh = cache.Manifest(cache.code_version(), str(out.resolve()), quick, stamps, result.threads, problems)
        cache.save(config, fresh, builder.state)
        result.state = builder.state
    return result


def _result(done: Rebuild, files: dict[str, bytes], report: Report | None, cached: str) -> BuildResult:
    full = report or Report()
    full.extend(done.problems)
    return BuildResult(
        report=full,
        threads=done.threads,
        pages=len(done.outputs),
        files=files,
        rendered=done.rendered,
        parsed=done.parsed,
        cached=cached,
    )


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
    with _PoolOnDemand(workers) as pool:
        yield pool


T = TypeVar("T")


@contextmanager
def _stop_signals_held() -> Iterator[None]:
    """SIGTERM and SIGINT wait while the pool forks its workers: Python runs a signal handler between any two
    steps, and one raised in the fork hooks (logging's, ours) is printed and ignored, so the build would go on.
    Threads started meanwhile keep them blocked, so they come to this thread, once the fork is done."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


class _PoolOnDemand(Executor):
    """A process pool started when first given work: a build that renders a few pages in this process (an
    edit of a large cached site) neither imports nor starts one.

    Its workers end with the build (`work.start_worker`); a build stopped by an exception (SIGTERM, Ctrl-C, an
    error) terminates them instead of waiting for the work handed out."""

    def __init__(self, workers: int) -> None:
        self._workers = workers
        self._pool: Executor | None = None

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        if self._pool is None:
            from concurrent.futures import ProcessPoolExecutor

            with _stop_signals_held():  # the first submit forks every worker (and starts the pool's threads)
                self._pool = ProcessPoolExecutor(
                    max_workers=self._workers, initializer=start_worker, initargs=(os.getpid(),)
                )
                return self._pool.submit(fn, *args, **kwargs)
        return self._pool.submit(fn, *args, **kwargs)

    def __exit__(self, kind: type[BaseException] | None, value: object, traceback: object) -> None:
        if kind is not None and self._pool is not None:
            # Stopped: terminate the workers and do not wait for the pool's thread, which may be blocked for
            # good reading a result a worker was writing when it ended (the command ends its process with
            # `os._exit`, which does not wait for it either).
            processes = getattr(self._pool, "_processes", None) or {}  # no public way before Python 3.14
            for process in list(processes.values()):
                process.terminate()
            self._pool.shutdown(wait=False, cancel_futures=True)
            return
        self.shutdown(wait=True)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=wait, cancel_futures=cancel_futures)


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
    work = partial(process_source, config=config)
    for done, answer in enumerate(run_map(work, paths, executor), start=1):
        result = answer.result
        report.extend(result.problems)
        items.extend(result.items)
        if progress:
            progress("read", done, len(paths))
    return items
