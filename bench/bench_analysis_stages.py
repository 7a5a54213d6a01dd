#!/usr/bin/env python3
"""CPU of the analysis stages of a build, stage by stage, over every thread of a site, in one process (issue 19).

    python bench/bench_analysis_stages.py SITE [--repeat 3] [--profile STAGE] [--digest]

For SITE (the imported forum archive: `bench_archive.py` leaves it in `WORK/site`; or a generated corpus) it
reads every thread file into memory once, then times, with `time.process_time`, each stage a build runs on
the text, over every thread:

parse      `readers.parse_file` of every file (decoded text in, threads out)
plain      `text.prepare`: Markdown to plain blocks, tidying, terms of the post and every comment (with the
           word caches emptied first, as in a fresh worker)
summaries  `summaries.summarize_prepared` (summaries and key points)
terms      `keywords.term_counts_prepared`
stats      `stats.thread_stats_walked` and the thread's activity chart (`charts.activity_svg`)
site       `enrich.enrich_site` over the light records: site-wide keywords, tags, related threads
markdown   `markup.render_markdown` of the post and every comment (the page's HTML)
feed text  `text.markdown_to_plain` of every comment, as a thread's feed summarises its newest ones (an upper
           bound: the feed takes the newest `feed_comments` of each thread)

Prints the fastest of `--repeat` runs of each stage and its share of their sum. `--digest` also prints a
digest of what the stages produced (plain blocks, terms, summaries, keywords, related threads, HTML): equal
digests before and after a change mean the analysis gave the same results (run with `PYTHONHASHSEED=0`: the
digest is of `repr`, and a set's order follows the hash seed). `--profile STAGE` prints a cProfile
(CPU clock) of one run of that stage instead.
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import pstats
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from site_src.config import load_config
from site_src.enrich import EnrichedThread, enrich_site, enrich_thread, text
from site_src.enrich.charts import activity_svg
from site_src.enrich.keywords import term_counts_prepared
from site_src.enrich.stats import thread_stats_walked
from site_src.enrich.summaries import summarize_prepared
from site_src.enrich.text import PreparedThread, fold_term, markdown_to_plain, prepare
from site_src.load import decode_source, discover, display_path
from site_src.markup import render_markdown
from site_src.model import Thread
from site_src.readers import parse_file

STAGES = ("parse", "plain", "summaries", "terms", "stats", "site", "markdown", "feed text")


class Corpus:
    """The site's files in memory, and what each stage made of them (input to the next)."""

    def __init__(self, site: Path) -> None:
        self.config = load_config(site.resolve())
        paths = discover(self.config.content_path(), self.config.site_dir)
        self.sources = [decode_source(display_path(p, self.config.site_dir), p.read_bytes()) for p in paths]
        self.threads: list[Thread] = []
        self.prepared: list[PreparedThread] = []
        self.records: list[EnrichedThread] = []
        self.out: dict[str, list[Any]] = {}

    def parse(self) -> list[Any]:
        warnings: list[Any] = []
        self.threads = [t for source in self.sources for t in parse_file(source, warnings)]
        return [(t.path, t.title, t.body, [(c.id, c.body) for c, _ in t.walk()]) for t in self.threads]

    def plain(self) -> list[Any]:
        text._TOKENS.clear()  # as in a fresh worker process: every run starts with no word folded yet
        fold_term.cache_clear()
        self.prepared = [prepare(t) for t in self.threads]
        return [(p.title_terms, [(u.id, u.plain, u.terms) for u in p.units], p.words) for p in self.prepared]

    def summaries(self) -> list[Any]:
        sentences = self.config.summary_sentences
        return [summarize_prepared(p, sentences=sentences) for p in self.prepared]

    def terms(self) -> list[Any]:
        return [term_counts_prepared(p) for p in self.prepared]

    def stats(self) -> list[Any]:
        out = []
        for p in self.prepared:
            stats = thread_stats_walked(p.thread, p.walked)
            out.append((stats, activity_svg(stats.activity, height=80, outside=stats.activity_outside)))
        return out

    def records_for_site(self) -> None:
        """The light records `site` starts from (the first pass of a build makes them): not timed."""
        self.records = [enrich_thread(t, self.config).without_text() for t in self.threads]

    def site(self) -> list[Any]:
        items = [r.copy() for r in self.records]
        enrich_site(items, self.config)
        return [(i.slug, i.keywords, i.tag_names, i.related) for i in items]

    def markdown(self) -> list[Any]:
        return [[render_markdown(t.body)] + [render_markdown(c.body) for c, _ in t.walk()] for t in self.threads]

    def feed_text(self) -> list[Any]:
        return [[markdown_to_plain(c.body).text for c, _ in t.walk()] for t in self.threads]

    def stage(self, name: str) -> Callable[[], list[Any]]:
        return getattr(self, name.replace(" ", "_"))  # type: ignore[no-any-return]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("site", type=Path, help="site folder (with content/ and site.toml)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each stage; the fastest is reported")
    parser.add_argument("--profile", choices=STAGES, help="print a cProfile of one run of this stage instead")
    parser.add_argument("--lines", type=int, default=35, help="profile lines to print")
    parser.add_argument("--digest", action="store_true", help="also print a digest of each stage's results")
    args = parser.parse_args()
    corpus = Corpus(args.site)
    print(f"{args.site}: {len(corpus.sources)} files", file=sys.stderr)
    best: dict[str, float] = {}
    for name in STAGES:
        run = corpus.stage(name)
        if name == "site":
            corpus.records_for_site()
        if args.profile == name:
            profile = cProfile.Profile(time.process_time)
            profile.runcall(run)
            pstats.Stats(profile).sort_stats("tottime").print_stats(args.lines)
            return 0
        times = []
        for _ in range(args.repeat):
            start = time.process_time()
            result = run()
            times.append(time.process_time() - start)
        best[name] = min(times)
        if args.digest:
            text = repr(result).encode("utf-8", "surrogatepass")
            print(f"  {name:10s} digest {hashlib.blake2b(text, digest_size=8).hexdigest()}")
    total = sum(best.values())
    print(f"\nCPU seconds, fastest of {args.repeat} (one process):")
    for name, seconds in best.items():
        print(f"  {name:10s} {seconds:7.2f} s  {seconds / total:6.1%}")
    print(f"  {'total':10s} {total:7.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
