#!/usr/bin/env python3
"""What the text analysis costs: cold builds with parts of it switched off, beside Hugo (issue 19).

    python bench/bench_floor.py [--site real|generated] [--repeat 3] [--jobs N] [--work DIR]

A measurement, not a product setting: the builds below are the real `digest build SITE -o OUT --no-cache -q`,
run in a child process that first replaces `site_src.enrich.analyse` (the per-thread analysis: plain text and
terms, summaries and key points, statistics) with a cheaper one. The workers are forked from that child, so
they run the replacement too. Modes, alternating with Hugo within each repeat:

full         the build as shipped
no-summary   no summaries or key points (the plain text and terms are still made: keywords and related threads
             need them)
no-analysis  no plain text, terms, summaries or key points; statistics only: what is left is reading, parsing,
             Markdown, templates, feeds, list pages and writing, i.e. a renderer that knows nothing of the text

`--site real` (default) is the Urho3D forum archive as `bench_archive.py` imports it (the same `--work` folder;
it is imported first when missing); `--site generated` is `run.py`'s 10,000-thread corpus (`bench/corpora/`,
generated first when missing). Wall, CPU and peak RSS are measured as `run.py` measures them; the table gives
the median of the repeats and each mode's ratio to Hugo.
"""

from __future__ import annotations

import argparse
import shlex
import shutil
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO))

MODES = ("full", "no-summary", "no-analysis")


def _patch(mode: str) -> None:
    """Replace the per-thread analysis in this process (and the workers it forks) for `mode`."""
    import site_src.enrich as enrich
    from site_src.enrich import summaries
    from site_src.enrich.stats import thread_stats

    if mode == "no-summary":

        def analyse(thread, *, sentences=3, key_points=5, term_limit=summaries.TERM_LIMIT):  # type: ignore[no-untyped-def]
            prepared = summaries.prepare(thread)
            terms = summaries.term_counts_prepared(prepared, limit=term_limit)
            stats = summaries.thread_stats_walked(thread, prepared.walked)
            return summaries.Summary("", (), (), automatic=True), terms, stats

        enrich.analyse = analyse  # type: ignore[assignment]
    elif mode == "no-analysis":

        def analyse(thread, *, sentences=3, key_points=5, term_limit=summaries.TERM_LIMIT):  # type: ignore[no-untyped-def]
            return summaries.Summary("", (), (), automatic=True), {}, thread_stats(thread)

        enrich.analyse = analyse  # type: ignore[assignment]


def child(mode: str, site: str, out: str, jobs: str | None) -> int:
    _patch(mode)
    from site_src.cli import main

    return main(["build", site, "-o", out, "--no-cache", "-q", *(["-j", jobs] if jobs else [])])


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        mode, site, out, jobs = sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5] if len(sys.argv) > 5 else None
        return child(mode, site, out, jobs)
    from bench_archive import ARCHIVE
    from bench_archive import prepare as prepare_archive
    from run import Run, corpus, digest_available, digest_env, hugo_available, machine, measure, spare_of, version

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--site", choices=("real", "generated"), default="real")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--jobs", help="thread-digest -j (default: its own choice)")
    parser.add_argument("--work", type=Path, default=Path("/tmp/thread-digest-bench/urho3d"))
    parser.add_argument("--modes", default=",".join(MODES))
    args = parser.parse_args()
    modes = [m for m in args.modes.split(",") if m]
    if set(modes) - set(MODES):
        parser.error(f"unknown modes {sorted(set(modes) - set(MODES))}; known: {', '.join(MODES)}")
    python = sys.executable
    why = digest_available(python) or hugo_available()
    if why:
        print(why, file=sys.stderr)
        return 2
    if args.site == "real":
        if not ARCHIVE.is_dir():
            print(f"archive not found: {ARCHIVE}", file=sys.stderr)
            return 2
        work = args.work.resolve()
        site, hugo = prepare_archive(ARCHIVE, work, python)
        label = "urho3d archive (5,046 topics)"
    else:
        generated = corpus(HERE / "corpora", 10000, 1)
        site, hugo = generated.site, generated.hugo
        work = HERE / "out" / "floor"
        label = "generated corpus (10,000 threads)"
    work.mkdir(parents=True, exist_ok=True)
    env = digest_env()
    runs: dict[str, list[Run]] = {}
    for r in range(args.repeat):
        print(f"repeat {r + 1}/{args.repeat}", file=sys.stderr, flush=True)
        order = ["hugo", *modes] if r % 2 else [*modes, "hugo"]
        for tool in order:
            out = work / f"out-floor-{tool}"
            shutil.rmtree(out, ignore_errors=True)
            shutil.rmtree(spare_of(out), ignore_errors=True)
            if tool == "hugo":
                shutil.rmtree(hugo / "resources", ignore_errors=True)
                run = measure(["hugo", "--quiet", "-s", str(hugo), "-d", str(out)], hugo, None)
            else:
                cmd = [python, str(HERE / "bench_floor.py"), "--child", tool, str(site), str(out)]
                run = measure([*cmd, *([args.jobs] if args.jobs else [])], REPO, env)
            runs.setdefault(tool, []).append(run)
            note = "" if run.ok else f"  FAILED {run.note}"
            print(f"  {tool}: {run.wall_s:.2f} s wall, {run.cpu_s:.1f} s CPU{note}", file=sys.stderr, flush=True)
    m = machine()
    command = "python " + " ".join(shlex.quote(a) for a in ["bench/bench_floor.py", *sys.argv[1:]])
    print(f"\nMachine: {m['nproc']} cores ({m['cpu']}), {m['memory_gb']} GB RAM, Python {m['python']}")
    print(f"Hugo: {version(['hugo', 'version'])}")
    print(f"Command: `{command}`  (median of {args.repeat}; modes and Hugo alternate)\n")
    print(f"| {label}, cold | wall: median (min-max) | CPU | wall / Hugo | CPU / Hugo | load |")
    print("|---|--:|--:|--:|--:|--:|")
    hugo_runs = [x for x in runs.get("hugo", []) if x.ok]
    hugo_wall = statistics.median(x.wall_s for x in hugo_runs) if hugo_runs else 0.0
    hugo_cpu = statistics.median(x.cpu_s for x in hugo_runs) if hugo_runs else 0.0
    for tool in [*modes, "hugo"]:
        good = [x for x in runs.get(tool, []) if x.ok]
        if not good:
            print(f"| {tool} | failed | | | | |")
            continue
        wall = statistics.median(x.wall_s for x in good)
        cpu = statistics.median(x.cpu_s for x in good)
        name = "Hugo" if tool == "hugo" else f"thread-digest, {tool}"
        print(
            f"| {name} | {wall:.2f} s ({min(x.wall_s for x in good):.2f}-{max(x.wall_s for x in good):.2f})"
            f" | {cpu:.1f} s | {wall / hugo_wall if hugo_wall else 0:.2f}x | {cpu / hugo_cpu if hugo_cpu else 0:.2f}x"
            f" | {max(x.load1 for x in good):.1f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
