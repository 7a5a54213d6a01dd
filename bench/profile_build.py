#!/usr/bin/env python3
"""Where a cold build's CPU goes, by part of the program, in shares that add up to 100% (issue 19).

    python bench/profile_build.py SITE OUT [--save FILE.prof] [--from FILE.prof]

Builds SITE into OUT cold (`--no-cache`, one process: `-j 1`) under cProfile with a CPU clock, then sums every
function's own time by the part of the program its module belongs to (summaries, plain text and terms,
Jinja templates, parsing, ...). A built-in's own time (`str.split`, a regex's `sub`, `pickle.dumps`...) goes
to the parts of the functions that called it, in proportion to what each call site spent. The profiler
inflates pure-Python code more than C, so read the shares, not the seconds. `--from` only reads a saved profile.
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import pstats
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# (part, substrings of a module's path that put a function in it), first match wins
PARTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("summaries and key points (`enrich/summaries.py`)", ("/site_src/enrich/summaries.py",)),
    ("plain text and terms (`enrich/text.py`)", ("/site_src/enrich/text.py",)),
    ("site-wide keywords and related threads", ("/site_src/enrich/keywords.py", "/site_src/enrich/related.py")),
    ("statistics and the activity chart", ("/site_src/enrich/stats.py", "/site_src/enrich/charts.py")),
    ("enrichment records", ("/site_src/enrich/",)),
    ("parsing thread files (readers, YAML)", ("/site_src/readers/", "/site_src/thread_files.py", "/yaml/")),
    ("Jinja templates", ("/jinja2/", ".html", ".xml", ".txt")),
    ("Markdown to HTML", ("/site_src/markup.py", "/site_src/spoilers.py", "markdown_it")),
    (
        "thread and comment views, JSON-LD",
        ("/site_src/context.py", "/site_src/jsonld.py", "/site_src/twins.py", "/site_src/comment_html.py"),
    ),
    ("feeds", ("/site_src/feeds.py", "/site_src/feed_xml.py")),
    (
        "spool, cache, writing, work records",
        (
            "/site_src/write.py",
            "/site_src/cache.py",
            "/site_src/incremental.py",
            "/site_src/pickling.py",
            "/site_src/work.py",
        ),
    ),
    ("pipeline, site-wide step, list pages, sitemap, rest of `site_src`", ("/site_src/",)),
    ("standard library (`re`, `pathlib`, `urllib.parse`, `dataclasses`, `html`...)", ("/lib/python3", "<frozen")),
)
OTHER = "other libraries (markupsafe, generated dataclass methods...)"


def part_of(path: str) -> str:
    for name, marks in PARTS:
        if any(mark in path for mark in marks):
            return name
    return OTHER


def shares(stats: pstats.Stats) -> dict[str, float]:
    """Own CPU time by part; a built-in's own time split among its callers' parts."""
    parts: collections.Counter[str] = collections.Counter()
    for (path, _line, _name), (_cc, _nc, own, _cum, callers) in stats.stats.items():  # type: ignore[attr-defined]
        if path == "~" and callers:
            for (caller_path, _l, _n), (_c, _n2, spent, _cu) in callers.items():
                parts[part_of(caller_path) if caller_path != "~" else OTHER] += spent
        else:
            parts[part_of(path)] += own
    return dict(parts)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("site", type=Path, nargs="?")
    parser.add_argument("out", type=Path, nargs="?")
    parser.add_argument("--save", type=Path, help="also keep the profile here")
    parser.add_argument("--from", dest="saved", type=Path, help="read this saved profile instead of building")
    args = parser.parse_args()
    if args.saved:
        stats = pstats.Stats(str(args.saved))
    else:
        if not args.site or not args.out:
            parser.error("SITE and OUT are needed unless --from is given")
        from site_src.config import load_config
        from site_src.pipeline import build

        shutil.rmtree(args.out, ignore_errors=True)
        shutil.rmtree(args.out.parent / f".{args.out.name}.prev", ignore_errors=True)
        config = load_config(args.site.resolve(), {"output_dir": str(args.out.resolve())})
        profile = cProfile.Profile(time.process_time)
        start = time.process_time()
        profile.enable()
        result = build(config, jobs=1, use_cache=False)
        profile.disable()
        print(f"cold build, -j 1, under cProfile: {time.process_time() - start:.1f} s CPU, "
              f"{len(result.report.errors)} errors")  # fmt: skip
        if args.save:
            profile.dump_stats(str(args.save))
        stats = pstats.Stats(profile)
    parts = shares(stats)
    total = sum(parts.values())
    print("\n| part (own time of its functions; built-ins to their callers) | CPU under cProfile | share |")
    print("|---|--:|--:|")
    for name, spent in sorted(parts.items(), key=lambda item: -item[1]):
        print(f"| {name} | {spent:.1f} s | {100 * spent / total:.1f}% |")
    print(f"| **total** | {total:.1f} s | 100.0% |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
