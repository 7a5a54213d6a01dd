#!/usr/bin/env python3
"""What summaries cost in a full build (issue 4: "add no more than 25% to a full build").

    python bench/bench_analysis_cost.py SITE [--repeat 3]

Builds SITE (a generated corpus: `python bench/gen_corpus.py 1000 /tmp/c1k`) from scratch, in one process
(`-j 1`, so CPU time is the build's work and nothing else), into a temporary folder, without the build cache,
three ways, each `--repeat` times, alternating so that a busy machine disturbs all three alike:

- `full`: the real build;
- `no summaries`: summaries and key points replaced by empty ones (`summarize_prepared` stubbed); text
  preparation, keywords and statistics still run, as other features need them;
- `no analysis`: the whole per-thread analysis stubbed (`enrich.analyse` returns an empty summary, no terms,
  and only the statistics, which the pages show): what the build costs with no text analysis at all.

Prints the median CPU time (user + system of the child) of each and the shares:
summaries = (full - no summaries) / no summaries, analysis = (full - no analysis) / no analysis.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

CHILD = r"""
import sys
from pathlib import Path
sys.path.insert(0, {repo!r})
import site_src.enrich as enrich
import site_src.enrich.summaries as summaries
from site_src.enrich.stats import thread_stats
mode = {mode!r}
if mode == "no summaries":
    summaries.summarize_prepared = lambda prepared, **_: summaries.Summary("", (), (), automatic=True)
elif mode == "no analysis":
    enrich.analyse = lambda thread, **_: (summaries.Summary("", (), (), automatic=True), {{}}, thread_stats(thread))
from site_src.config import load_config
from site_src.pipeline import build
config = load_config(Path({site!r}), {{"output_dir": {out!r}}})
result = build(config, jobs=1, use_cache=False)
assert not result.report.errors, [p.format() for p in result.report.errors[:5]]
"""

MODES = ("full", "no summaries", "no analysis")


def cpu_of(mode: str, site: Path) -> float:
    with tempfile.TemporaryDirectory(prefix="bench-analysis-") as tmp:
        code = CHILD.format(repo=str(REPO), mode=mode, site=str(site), out=str(Path(tmp) / "out"))
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run([sys.executable, "-c", code], check=True, env={**os.environ, "PYTHONHASHSEED": "0"})
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("site", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    runs: dict[str, list[float]] = {mode: [] for mode in MODES}
    for round_ in range(args.repeat):
        for mode in MODES:
            runs[mode].append(cpu_of(mode, args.site.resolve()))
            print(f"round {round_ + 1}: {mode:13s} {runs[mode][-1]:7.2f} s CPU", file=sys.stderr)
    median = {mode: statistics.median(values) for mode, values in runs.items()}
    threads = len(list((args.site / "content").glob("*")))
    print(f"\n{args.site} ({threads} thread files), median CPU of {args.repeat} one-process builds:")
    for mode in MODES:
        print(f"  {mode:13s} {median[mode]:7.2f} s")
    summaries = (median["full"] - median["no summaries"]) / median["no summaries"]
    analysis = (median["full"] - median["no analysis"]) / median["no analysis"]
    print(f"  summaries and key points add {summaries:.0%} to the build; all text analysis adds {analysis:.0%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
