"""[work] Per-file work: pure functions of one file, the config and the theme, run here or on an `Executor`.

- `process_source`: read, parse and enrich a thread file: its threads as light records (no post or comment
  text) and its problems, with the file's stamp and the digest of the very bytes parsed;
- `render_thread`: a thread's pages, from its light record (with the site-wide facts set) and its file,
  read and parsed again, so no worker ever holds more than one thread's text;
- `run_map`: `map` in this process, or over an executor in batches;
- `start_worker`: run first in each worker process of the build's own pool (it dies with the build).

Both builds use these: `incremental.Builder` (a cold build, a build from `.digest-cache/`, `serve`) and the
commands that only read threads (`digest show`, `digest tags`).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import hashlib
import io
import os
import pickle
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future
from dataclasses import dataclass
from functools import partial
from itertools import islice
from pathlib import Path
from typing import TypeVar

import jinja2

from .config import SiteConfig
from .context import ThreadCard
from .diagnostics import Problem, SourceError
from .enrich import EnrichedThread, enrich_thread, thread_slug
from .guard import crash_problem, plain_bodies
from .load import Stamp, decode_source, display_path, file_stamp, read_inside, read_source
from .markup import render_markdown
from .model import Thread
from .pickling import dump
from .readers import parse_file
from .render import Renderer, thread_pages
from .seal import read_sealed, write_sealed
from .themes import Theme
from .urls import output_file

T = TypeVar("T")
R = TypeVar("R")


def digest(data: bytes) -> str:
    """Short content hash used by every fingerprint of the build."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


@dataclass(slots=True)
class FileResult:
    """What one thread file gave: its threads (one, or several for a raw export) and its problems."""

    items: list[EnrichedThread]
    problems: list[Problem]


@dataclass(slots=True)
class SourceResult:
    """`process_source`'s answer: the file as it was read, and what it gave (light records)."""

    stamp: Stamp
    """`load.file_stamp` just before reading."""
    source_digest: str
    """Digest of the bytes parsed ("" when unreadable)."""
    result: FileResult
    spooled: str = ""
    """Where the parsed threads were left for the render pass (`spool_threads`), or ""."""


def process_source(path: Path, config: SiteConfig, spool: str | None = None) -> SourceResult:
    """One file, start to finish of the per-thread work (a pure function of the file and the config): its
    threads as light records and its problems, plus the stamp and digest of the bytes it parsed.

    `spool`: a folder where the parsed threads are also left (`spool_threads`; where: `SourceResult.spooled`),
    for `render_thread` to take instead of parsing the file a second time.
    """
    shown = display_path(path, config.site_dir)
    warnings: list[Problem] = []
    stamp: Stamp = (0, -1, 0, 0)
    source_digest = ""
    try:
        try:
            st = path.stat()
            stamp = file_stamp(st)
            data = read_inside(path, config.content_path(), shown)
        except OSError as exc:
            raise SourceError(shown, 0, f"cannot read: {exc.strerror}") from exc
        source_digest = digest(data)
        threads = parse_file(decode_source(shown, data), warnings)
        spooled = spool_threads(spool, threads) if spool is not None else ""
        items = [enrich_thread(thread, config).without_text() for thread in threads]
        return SourceResult(stamp, source_digest, FileResult(items, warnings), spooled)
    except SourceError as exc:
        return SourceResult(stamp, source_digest, FileResult([], [*warnings, exc.problem]))
    except Exception as exc:  # a parser's bug on this file's text: this file's error, not the build's (guard.py)
        return SourceResult(
            stamp, source_digest, FileResult([], [*warnings, crash_problem(shown, 0, "cannot read", exc)])
        )


def spool_threads(spool: str, threads: list[Thread]) -> str:
    """Leave `threads` in `spool` for `render_thread`; returns where (`unspool`'s argument), or "" when they
    could not be pickled (e.g. a reply chain thousands deep: the page is then rendered from the file).

    Each process (and thread) appends to a file of its own, so a build makes a few spool files, not one per
    thread file: creating and deleting a file per thread cost more than pickling (on ext4, deleting a file
    written back to disk some seconds before took ~0.7 ms). The caller removes the folder at the end."""
    buffer = io.BytesIO()
    try:
        dump(threads, buffer)
    except (RecursionError, pickle.PicklingError):
        return ""
    data = buffer.getbuffer()
    name = os.path.join(spool, f"{os.getpid()}-{threading.get_ident()}.pickles")
    try:
        with open(name, "ab") as handle:
            offset = handle.tell()
            handle.write(data)
    except OSError:
        return ""
    return f"{name}\0{offset}\0{len(data)}"


def unspool(spooled: str) -> list[Thread] | None:
    """The threads `spool_threads` left at `spooled`; None when they cannot be read back."""
    name, _, rest = spooled.partition("\0")
    offset, _, length = rest.partition("\0")
    try:
        with open(name, "rb") as handle:
            handle.seek(int(offset))
            data = handle.read(int(length))
        threads = pickle.loads(data)  # the build's own file, written by `spool_threads` in this build
    except Exception:  # cut or misplaced bytes raise anything pickle can (the file is parsed again instead)
        return None
    return threads if isinstance(threads, list) else None


@dataclass(frozen=True, slots=True)
class ThreadJob:
    """Everything a worker needs to render one thread's pages besides its file."""

    item: EnrichedThread
    """The light record, with the site-wide facts (keywords, related, tags) already set."""
    related: list[ThreadCard]
    """Cards of the related threads."""
    spooled: str = ""
    """Where `process_source` left the parsed threads (`spool_threads`; "" or unreadable: parse the file again)."""
    parts: tuple[str, ...] = ()
    """For a thread made of several files (`process_parts`): those files, as shown; () for one file."""


def render_thread(
    job: ThreadJob, config: SiteConfig, theme: Theme, template_cache: str | None = None, templates: str = ""
) -> tuple[dict[str, bytes], list[Problem]]:
    """A thread's pages: its threads as the first pass parsed them (`spooled`), or its file read and parsed
    again, and the light record's facts put back on it. `template_cache`, `templates`: see `renderer_for`."""
    light = job.item
    warnings: list[Problem] = []
    threads = unspool(job.spooled) if job.spooled else None
    path = light.thread.path
    if job.parts and threads is None:
        try:
            threads = _merged(job.parts, light, config)
        except SourceError as exc:
            return {}, [exc.problem]
        except Exception as exc:  # see guard.py
            return {}, [crash_problem(path, 0, "cannot read", exc)]
    if threads is None:
        try:
            source = read_source(config.site_dir / path, config.site_dir, config.content_path())
            threads = parse_file(source, warnings)
        except SourceError as exc:
            return {}, [exc.problem]
        except Exception as exc:  # see guard.py
            return {}, [crash_problem(path, 0, "cannot read", exc)]
    thread = threads[0] if len(threads) == 1 else next((t for t in threads if thread_slug(t) == light.slug), None)
    if thread is None:
        return {}, [Problem(path, 0, "error", f"thread '{light.slug}' vanished while building")]
    renderer = renderer_for(config, theme, template_cache, templates)
    try:
        return _render_pages(light.with_text(thread), config, job.related, renderer)
    except Exception as exc:  # a body the Markdown library fails on: shown as plain text instead (guard.py)
        failure = exc
    try:
        text = read_source(config.site_dir / path, config.site_dir, config.content_path()).text
    except SourceError:
        text = ""
    fallbacks = plain_bodies(thread, render_markdown, text)
    if not fallbacks:
        return {}, [crash_problem(path, 0, "cannot render", failure)]
    try:
        files, problems = _render_pages(light.with_text(thread), config, job.related, renderer)
    except Exception as exc:
        return {}, [crash_problem(path, 0, "cannot render", exc)]
    return files, [*fallbacks, *problems]


def _render_pages(
    full: EnrichedThread, config: SiteConfig, related: list[ThreadCard], renderer: Renderer
) -> tuple[dict[str, bytes], list[Problem]]:
    files: dict[str, bytes] = {}
    problems: list[Problem] = []
    for page in thread_pages(full, config, related):
        try:
            files[output_file(page.path)] = renderer.render(page)
        except SourceError as exc:
            problems.append(exc.problem)
            break
    return files, problems


def _merged(parts: tuple[str, ...], light: EnrichedThread, config: SiteConfig) -> list[Thread]:
    """The thread `light` is, made again from each of its files (see `process_parts`)."""
    from .importers.drop_in import merge_parts

    key = (str(light.thread.extra.get("origin")), str(light.thread.extra.get("origin_id")))
    inside = config.content_path()
    parsed = [parse_file(read_source(config.site_dir / part, config.site_dir, inside), []) for part in parts]
    merged = merge_parts(parsed, key)
    return [merged] if merged is not None else []


def process_parts(
    groups: dict[tuple[str, str], list[Path]], config: SiteConfig, spool: str | None = None
) -> dict[tuple[str, str], tuple[EnrichedThread, str]]:
    """Threads found in several files (origin, id -> the files, the thread's own first): each made into one
    thread (`importers.drop_in.merge_parts`) and enriched, as a light record, with where it was spooled ("" when
    not). Each file is parsed once; a file that cannot be read leaves its group out (its own problem is
    reported by `process_source`). `spool`: a folder to leave each merged thread in for `render_thread` (as
    `process_source` does)."""
    from .importers.drop_in import merge_parts

    parsed: dict[Path, list[Thread]] = {}
    out: dict[tuple[str, str], tuple[EnrichedThread, str]] = {}
    for key, paths in groups.items():
        try:
            for path in paths:
                if path not in parsed:
                    parsed[path] = parse_file(read_source(path, config.site_dir, config.content_path()), [])
        except Exception:  # SourceError, or a parser's bug (guard.py): reported by `process_source` for the file
            continue
        merged = merge_parts([parsed[path] for path in paths], key)
        if merged is not None:
            spooled = spool_threads(spool, [merged]) if spool is not None else ""
            out[key] = (enrich_thread(merged, config).without_text(), spooled)
    return out


_RENDERERS: dict[tuple[SiteConfig, Theme, str | None, str], Renderer] = {}


def renderer_for(config: SiteConfig, theme: Theme, template_cache: str | None = None, templates: str = "") -> Renderer:
    """One Jinja environment per process, config, theme and set of templates (workers render many threads).

    `template_cache`: a folder where compiled templates are kept between builds (`use_template_cache`).
    `templates`: a fingerprint of every template file (`incremental.render_key`): when a template is added
    (a site's own override of a theme's) or changed, a new environment looks templates up again (one kept
    from before would keep serving the theme's)."""
    key = (config, theme, template_cache, templates)
    if key not in _RENDERERS:
        _RENDERERS.clear()
        _RENDERERS[key] = use_template_cache(Renderer(config, theme), template_cache)
    return _RENDERERS[key]


def use_template_cache(renderer: Renderer, folder: str | None) -> Renderer:
    """Keep `renderer`'s compiled templates in `folder` (Jinja's bytecode cache, keyed by template and source):
    a build that renders a few pages then loads them instead of compiling every template again. The folder
    must be one per version of thread-digest (`cache.template_cache`): how templates compile is part of it."""
    if folder is not None:
        renderer.env.bytecode_cache = SealedBytecodeCache(folder)
    return renderer


class SealedBytecodeCache(jinja2.FileSystemBytecodeCache):
    """Jinja's bytecode cache with each file sealed (seal.py): compiled code another hand put in the folder
    (a `.digest-cache/` committed to the site's repository) is never loaded, the template is compiled instead."""

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            payload = read_sealed(self._get_cache_filename(bucket))
        except OSError:
            return
        if payload is not None:
            bucket.bytecode_from_string(bytes(payload))

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        name = self._get_cache_filename(bucket)
        temporary = f"{name}.{os.getpid()}.{threading.get_ident()}.tmp"  # workers write the same template at once
        with contextlib.suppress(OSError):  # a cache that cannot be written costs the next build a compile, no more
            write_sealed(name, bucket.bytecode_to_string(), temporary)


WINDOW = 16
"""Batches handed to an executor at a time (`Results`)."""


def run_map(
    function: Callable[[T], R], values: Iterable[T], executor: Executor | None, count: int | None = None
) -> Iterator[R]:
    """`map` in this process, or over the executor in batches (results in order either way); `count`: how many
    `values` there are, when they are not a sized collection (they are then made only as they are handed out).

    Batching here, rather than through `chunksize`, works the same on a process pool and on a
    Dask cluster's executor (which ignores `chunksize`).
    """
    total = count if count is not None else len(values)  # type: ignore[arg-type]
    if executor is None or total < 2:
        return map(function, values)
    return Results(executor, partial(_run_batch, function), _batches(values, total))


class Results(Iterator[R]):
    """The results of `run_map` on an executor, in order, with at most `WINDOW` batches handed out at a time:
    a batch more goes out as each one's results are taken. So the values are made, and the results held, only
    a window at a time (at 100,000 threads, handing every page out at once held gigabytes of rendered pages
    while this process was busy with something else); `ready` takes what is done without waiting, so a caller
    busy with other work keeps the workers fed."""

    def __init__(self, executor: Executor, function: Callable[[list[T]], list[R]], batches: Iterator[list[T]]):
        self._executor, self._function, self._batches = executor, function, batches
        self._pending: deque[Future[list[R]]] = deque()
        self._taken: deque[R] = deque()
        while len(self._pending) < WINDOW and self._hand_out():
            pass

    def _hand_out(self) -> bool:
        batch = next(self._batches, None)
        if batch is None:
            return False
        self._pending.append(self._executor.submit(self._function, batch))
        return True

    def _take(self) -> None:
        self._taken.extend(self._pending.popleft().result())
        self._hand_out()

    def __next__(self) -> R:
        if not self._taken:
            if not self._pending:
                raise StopIteration
            self._take()
        return self._taken.popleft()

    def ready(self) -> list[R]:
        """The results that are done now, in order (none when the next one is not)."""
        while self._pending and self._pending[0].done():
            self._take()
        taken, self._taken = list(self._taken), deque()
        return taken


_PR_SET_PDEATHSIG = 1
PARENT_POLL_S = 0.5
"""How often a worker whose OS cannot signal it on its parent's death looks for its parent."""


def start_worker(parent: int) -> None:
    """The initializer of each worker process of a build's pool: the worker ends with the build.

    A build stopped by SIGKILL runs no clean-up, and workers blocked on the task queue would wait forever (and,
    before the lock descriptor was closed in forked children, hold the output lock: issue 20). On Linux the
    kernel sends SIGKILL to the worker when its parent dies (`PR_SET_PDEATHSIG`); elsewhere a thread looks for
    the parent every `PARENT_POLL_S`. Ctrl-C reaches the whole foreground process group: workers ignore it and
    the build process, which gets it too, stops them (SIGTERM, which ends a worker at once)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the build's handler: a stopped worker just ends
    if hasattr(signal, "pthread_sigmask"):  # forked while the build held them back (`pipeline._stop_signals_held`)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    if not _kernel_ends_with_parent():
        threading.Thread(target=_watch_parent, args=(parent,), name="digest-parent-watch", daemon=True).start()
    if os.getppid() != parent:  # the parent died before the above took effect
        os._exit(1)


def _kernel_ends_with_parent() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    libc_name = ctypes.util.find_library("c")
    if libc_name is None:
        return False
    try:
        prctl = ctypes.CDLL(libc_name, use_errno=True).prctl
    except (OSError, AttributeError):
        return False
    prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    return bool(prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0)


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_POLL_S)
    os._exit(1)


BATCH = 64
"""Most values in one batch (one task of the executor)."""
TAIL = 32
"""Batches get smaller towards the end: at most 1/TAIL of the values left, so the last ones are small and every
worker stays busy until the end (a last batch of 64 threads kept one core alone for a quarter of a second)."""


def _batches(values: Iterable[T], total: int) -> Iterator[list[T]]:
    """`values` (`total` of them) in batches: up to `BATCH` (and at most a sixteenth of all), fewer near the end."""
    iterator = iter(values)
    left = total
    most = max(1, min(BATCH, total // 16))
    while batch := list(islice(iterator, max(1, min(most, left // TAIL)))):
        left -= len(batch)
        yield batch


def _run_batch(function: Callable[[T], R], batch: list[T]) -> list[R]:
    return [function(value) for value in batch]


__all__ = [
    "FileResult",
    "Results",
    "SourceResult",
    "ThreadJob",
    "digest",
    "process_parts",
    "process_source",
    "render_thread",
    "renderer_for",
    "run_map",
    "spool_threads",
    "start_worker",
    "unspool",
    "use_template_cache",
]
