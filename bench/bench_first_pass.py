"""Benchmark the first pass of a build: `work.process_source` (read, parse, spool, enrich) over a site's files.

Run from the repository root:

    python bench/bench_first_pass.py bench/corpora/digest-1000-s1             # CPU seconds, fastest of 3
    python bench/bench_first_pass.py bench/corpora/digest-1000-s1 --profile   # cProfile of one run, by own time

Prints the CPU seconds (`time.process_time`) of `process_source` over every thread file, spooling into a
temporary folder as a build does, and of reading the spooled threads back (`unspool`, which the second pass
does once per thread), the fastest of `--repeat` runs; in one process, so the figures leave out worker
start-up and everything after the first pass.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from site_src.config import SiteConfig, load_config
from site_src.load import discover
from site_src.work import process_source, unspool


def first_pass(paths: list[Path], config: SiteConfig, spool: str) -> list[str]:
    """`process_source` of every file, spooling into `spool`; where each thread was spooled."""
    spooled = []
    for path in paths:
        result = process_source(path, config, spool)
        if result.spooled:
            spooled += [result.spooled] * len(result.result.items)
    return spooled


def read_back(spooled: list[str]) -> int:
    """Unspool every thread (as `render_thread` does); how many threads came back."""
    return sum(len(unspool(where) or ()) for where in spooled)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("site", type=Path, help="site folder (with content/ and site.toml)")
    parser.add_argument("--repeat", type=int, default=3, help="runs; the fastest is reported")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of one run instead")
    parser.add_argument("--lines", type=int, default=30, help="profile lines to print")
    args = parser.parse_args()
    config = load_config(args.site.resolve())
    paths = discover(config.content_path(), config.site_dir)
    if args.profile:
        with tempfile.TemporaryDirectory() as spool:
            profile = cProfile.Profile()
            profile.runcall(first_pass, paths, config, spool)
        pstats.Stats(profile).sort_stats("tottime").print_stats(args.lines)
        return
    best_first = best_back = float("inf")
    threads = 0
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as spool:
            start = time.process_time()
            spooled = first_pass(paths, config, spool)
            middle = time.process_time()
            threads = read_back(spooled)
            end = time.process_time()
        best_first = min(best_first, middle - start)
        best_back = min(best_back, end - middle)
    print(f"{len(paths)} files, {threads} threads")
    per_file = best_first / max(1, len(paths)) * 1000
    print(f"first pass (process_source): {best_first:.3f} s CPU  ({per_file:.2f} ms/file)")
    print(f"spool read back (unspool):   {best_back:.3f} s CPU")


if __name__ == "__main__":
    main()
