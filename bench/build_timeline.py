#!/usr/bin/env python3
"""Timeline of one cold build: where the wall time goes, per process (issue 19).

Run from the repository root (the output folder and its spare are deleted first):

    python bench/build_timeline.py SITE OUT [-j 2] [--log DIR]

The build runs in this process as `digest build SITE -o OUT --no-cache -q -j N` does, with time stamps put
around its steps (nothing in `site_src` is changed; the workers are forked, so they inherit the stamps):

- in the build process: listing, the first pass (`_refresh_sources`), the site-wide step (`assemble_site`),
  card digests, the render pass (`_render_threads`, and the list pages rendered meanwhile), static files,
  search, publishing (`OutputFolder.commit`), and the time spent waiting on a worker's answer;
- in each worker: every batch it ran (first pass or render pass), with its CPU clock.

It prints the build process's steps (start, end, wall, CPU), then per worker its busy time in each pass, the
gaps between its batches and how long it sat idle during each of the build process's steps. A step during
which every worker is idle is serial: the wall a second core cannot help with. Wall under other load is
stretched; the CPU columns are the steadier figures.
"""

from __future__ import annotations

import argparse
import collections
import functools
import os
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

T0 = time.time()
_LOGS: dict[int, Any] = {}
_LOG_DIR = ""

STEPS = ("_refresh_sources", "assemble_site", "_card_digests", "_render_threads", "collect_static", "_search", "commit")


def _event(kind: str, name: str, start: float, end: float) -> None:
    pid = os.getpid()
    handle = _LOGS.get(pid)
    if handle is None:
        handle = _LOGS[pid] = open(os.path.join(_LOG_DIR, f"{pid}.tsv"), "a", buffering=1)  # noqa: SIM115
    handle.write(f"{kind}\t{name}\t{start - T0:.4f}\t{end - T0:.4f}\t{time.process_time():.4f}\n")


def _stamped(owner: Any, attr: str) -> None:
    original = getattr(owner, attr)

    @functools.wraps(original)
    def stamped(*args: Any, **kwargs: Any) -> Any:
        start = time.time()
        try:
            return original(*args, **kwargs)
        finally:
            _event("step", attr, start, time.time())

    setattr(owner, attr, stamped)


_RUN_BATCH: Callable[[Callable[[Any], Any], list[Any]], list[Any]] | None = None


def _batch(function: Callable[[Any], Any], values: list[Any]) -> list[Any]:
    """`work._run_batch`, stamped (module-level: the pool pickles it by name; forked workers have it)."""
    assert _RUN_BATCH is not None
    start = time.time()
    try:
        return _RUN_BATCH(function, values)
    finally:
        _event("batch", getattr(getattr(function, "func", function), "__name__", "?"), start, time.time())


def install() -> None:
    """Put the time stamps in (before the pool forks its workers)."""
    import concurrent.futures._base as futures_base

    from site_src import incremental, pipeline, work, write

    global _RUN_BATCH
    _RUN_BATCH = work._run_batch
    work._run_batch = _batch
    for owner, attr in [
        (incremental.Builder, "_refresh_sources"),
        (incremental.Builder, "_card_digests"),
        (incremental.Builder, "_render_threads"),
        (incremental.Builder, "_render_lists"),
        (incremental.Builder, "_search"),
        (incremental, "assemble_site"),
        (incremental, "collect_static"),
        (write.OutputFolder, "commit"),
        (pipeline, "discover"),
    ]:
        _stamped(owner, attr)
    result = futures_base.Future.result

    def waited(self: Any, timeout: float | None = None) -> Any:
        start = time.time()
        answer = result(self, timeout)
        if time.time() - start > 0.0005:
            _event("wait", "answer", start, time.time())
        return answer

    futures_base.Future.result = waited  # type: ignore[method-assign]


def report(log_dir: str) -> None:
    rows: dict[str, list[tuple[str, str, float, float, float]]] = {}
    for name in os.listdir(log_dir):
        with open(os.path.join(log_dir, name)) as handle:
            fields = [line.rstrip("\n").split("\t") for line in handle]
        rows[name.removesuffix(".tsv")] = [(k, n, float(a), float(b), float(c)) for k, n, a, b, c in fields]
    main = next(pid for pid, events in rows.items() if any(e[0] == "step" for e in events))
    print(f"build process {main} (seconds from the start of this script)")
    print(f"  {'step':18s} {'start':>7s} {'end':>7s} {'wall':>6s}")
    steps: list[tuple[str, float, float]] = []
    for kind, name, start, end, _cpu in sorted(rows[main], key=lambda e: e[2]):
        if kind == "step":
            print(f"  {name:18s} {start:7.2f} {end:7.2f} {end - start:6.2f}")
            if name in STEPS:
                steps.append((name, start, end))
    waits = sum(e[3] - e[2] for e in rows[main] if e[0] == "wait")
    print(f"  waiting on workers' answers: {waits:.2f} s in all")
    for pid, events in sorted(rows.items()):
        batches = sorted((a, b, n, c) for k, n, a, b, c in events if k == "batch")
        if pid == main or not batches:
            continue
        print(
            f"worker {pid}: first batch at {batches[0][0]:.2f}, last done at {batches[-1][1]:.2f}, "
            f"CPU {batches[-1][3]:.2f} s"
        )
        passes: dict[str, list[float]] = collections.defaultdict(lambda: [0.0, 1e9, 0.0])
        for start, end, name, _cpu in batches:
            total = passes[name]
            total[0] += end - start
            total[1], total[2] = min(total[1], start), max(total[2], end)
        for name, (busy, first, last) in passes.items():
            gaps = last - first - busy
            print(f"  {name:16s} busy {busy:6.2f} s from {first:6.2f} to {last:6.2f}, gaps {gaps:5.2f} s")
        for name, start, end in steps:
            inside = sum(max(0.0, min(end, b) - max(start, a)) for a, b, _n, _c in batches)
            print(f"  during {name:16s} {end - start:6.2f} s: busy {inside:6.2f}, idle {end - start - inside:6.2f}")
    times = os.times()
    own, workers = times.user + times.system, times.children_user + times.children_system
    print(f"CPU: build process {own:.2f} s, workers {workers:.2f} s")


def main() -> int:
    global _LOG_DIR
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("site", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("-j", "--jobs", type=int, default=2)
    parser.add_argument("--log", default="", help="folder for the raw time stamps (default: a temporary one)")
    options = parser.parse_args()
    from site_src.cli import main as digest
    from site_src.write import spare_folder

    for folder in (options.out, spare_folder(options.out)):
        shutil.rmtree(folder, ignore_errors=True)
    _LOG_DIR = options.log or os.path.join("/tmp", f"build-timeline-{os.getpid()}")
    shutil.rmtree(_LOG_DIR, ignore_errors=True)
    os.makedirs(_LOG_DIR)
    install()
    start = time.time()
    code = digest(["build", str(options.site), "-o", str(options.out), "--no-cache", "-q", "-j", str(options.jobs)])
    _event("step", "build", start, time.time())
    report(_LOG_DIR)
    if not options.log:
        shutil.rmtree(_LOG_DIR, ignore_errors=True)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
