"""Benchmark the analysis half of issue 4: summaries, key points, stats, keywords on synthetic threads.

Run from the repository root:

    python bench/bench_summaries.py                 # 2,000 x ~40 comments, one 5,000 and one 100,000
    python bench/bench_summaries.py --threads 200 --huge 20000
    python bench/gen_corpus.py 1000 /tmp/c1k && python bench/bench_summaries.py --site /tmp/c1k   # real Markdown

Prints the CPU time per thread of `summarize`, `term_counts` and `thread_stats` (and of
`analyse`, which does all three from one text preparation, where the tree has it) on
the ordinary corpus, then time per comment as the comment count grows, which should
stay flat (the sentence and comment graphs are capped, everything else is one pass).
Threads are generated in memory from a fixed seed, so runs are comparable; the file
also runs against an older tree (it then skips `analyse`).

With `--site DIR` it instead parses every thread file of a site (say one `gen_corpus.py` made, whose comments
carry links, code, emphasis, quotes and lists, as the synthetic threads here do not) and prints the CPU time of
`analyse` per thread, the fastest of `--repeat` runs: the per-thread analysis a build does.

Issue 4's budget: all three together at most ~0.5 ms for an average 40-comment thread.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from site_src.enrich.keywords import DocumentFrequencies, keywords, term_counts
from site_src.enrich.stats import thread_stats
from site_src.enrich.summaries import summarize
from site_src.model import Comment, Thread

T = TypeVar("T")

TOPICS = [
    ["river", "bridge", "ferry", "flood", "bank", "current", "silt", "delta", "map", "survey"],
    ["battery", "charger", "voltage", "cell", "lithium", "heat", "laptop", "cable", "port", "firmware"],
    ["garden", "tomato", "soil", "compost", "seed", "frost", "water", "pest", "mulch", "harvest"],
    ["tariff", "trade", "export", "factory", "supply", "demand", "price", "market", "chemical", "leverage"],
    ["train", "station", "ticket", "delay", "timetable", "platform", "signal", "track", "commuter", "fare"],
]
VOCABULARY = [
    f"{a}{b}"
    for a in ("lo", "ma", "ri", "ven", "tor", "sal", "quin", "der")
    for b in (
        "bit",
        "con",
        "dra",
        "fel",
        "gan",
        "hol",
        "jet",
        "kim",
        "mor",
        "nap",
        "pel",
        "rus",
        "sim",
        "tav",
        "wex",
        "zor",
    )
]
"""128 made-up content words shared by all topics: real threads have wide vocabularies."""
FILLER = [
    "the",
    "a",
    "this",
    "that",
    "it",
    "really",
    "seems",
    "because",
    "but",
    "so",
    "and",
    "of",
    "to",
    "in",
    "with",
    "for",
    "on",
]


def _sentence(rng: random.Random, topic: list[str]) -> str:
    def word() -> str:
        roll = rng.random()
        return rng.choice(topic if roll < 0.15 else VOCABULARY if roll < 0.55 else FILLER)

    words = [word() for _ in range(rng.randint(7, 22))]
    return words[0].capitalize() + " " + " ".join(words[1:]) + rng.choice([".", ".", ".", "?", "!"])


def make_thread(rng: random.Random, comments: int, name: str) -> Thread:
    """A thread with `comments` comments in a random reply tree, with authors, scores and dates."""
    topic = rng.choice(TOPICS)
    start = datetime(2025, 1, 1, tzinfo=UTC) + timedelta(hours=rng.randint(0, 8000))
    thread = Thread(title=" ".join(rng.sample(topic, 4)).title(), path=f"{name}.json", date=start)
    thread.body = " ".join(_sentence(rng, topic) for _ in range(rng.randint(1, 5)))
    made: list[Comment] = []
    for i in range(comments):
        body = " ".join(_sentence(rng, topic) for _ in range(rng.randint(1, 4)))
        if rng.random() < 0.1:
            body += "\n\n> " + _sentence(rng, topic) + "\n\nSee https://example.org/x/" + str(i)
        comment = Comment(
            body=body,
            id=f"c{i + 1}",
            author=f"user{rng.randint(1, max(2, comments // 3))}",
            date=start + timedelta(minutes=rng.randint(1, 60 * 24 * 7)),
            score=rng.randint(-3, 200),
        )
        if made and rng.random() < 0.6:
            rng.choice(made[-50:]).replies.append(comment)
        else:
            thread.comments.append(comment)
        made.append(comment)
    return thread


def _time(fn: Callable[..., T], *args: object) -> tuple[float, T]:
    """CPU seconds of this process for one call (steadier than wall time on a shared machine), and the result."""
    start = time.process_time()
    value = fn(*args)
    return time.process_time() - start, value


def _analyse_or_none() -> Callable[[Thread], object] | None:
    try:
        from site_src.enrich.summaries import analyse
    except ImportError:  # an older tree: only the separate functions
        return None
    return analyse  # type: ignore[no-any-return]


def bench_site(site: Path, repeat: int) -> None:
    """CPU time of `analyse` over every thread of a site, fastest of `repeat` runs."""
    from site_src.config import load_config
    from site_src.load import discover, read_source
    from site_src.readers import parse_file

    analyse = _analyse_or_none()
    if analyse is None:
        raise SystemExit("--site needs summaries.analyse")
    config = load_config(site)
    threads = [
        thread
        for path in discover(config.content_path(), config.site_dir)
        for thread in parse_file(read_source(path, config.site_dir), [])
    ]
    comments = sum(t.comment_count() for t in threads)
    runs = [sum(_time(analyse, t)[0] for t in threads) for _ in range(max(repeat, 1))]
    best, count = min(runs), max(len(threads), 1)
    print(f"site {site}: {len(threads)} threads, {comments} comments (mean {comments / count:.1f})")
    print(
        f"  analyse: fastest of {len(runs)} runs {best:.3f} s CPU, per thread {best / count * 1000:.3f} ms,"
        f" per comment {best / max(comments, 1) * 1e6:.1f} us"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=2000)
    parser.add_argument("--comments", type=int, default=40)
    parser.add_argument("--big", type=int, default=5000)
    parser.add_argument("--huge", type=int, default=100_000)
    parser.add_argument("--site", type=Path, help="time analyse over this site's threads instead")
    parser.add_argument("--repeat", type=int, default=3, help="runs over the site (default 3)")
    args = parser.parse_args()
    if args.site is not None:
        bench_site(args.site, args.repeat)
        return
    rng = random.Random(4)
    corpus = [make_thread(rng, max(1, int(rng.gauss(args.comments, 10))), f"t{i}") for i in range(args.threads)]
    total_comments = sum(t.comment_count() for t in corpus)

    t_sum = sum(_time(summarize, t)[0] for t in corpus)
    t_stats = sum(_time(thread_stats, t)[0] for t in corpus)
    t_counts, counts = 0.0, []
    for t in corpus:
        dt, c = _time(term_counts, t)
        t_counts += dt
        counts.append(c)
    analyse = _analyse_or_none()
    t_analyse = sum(_time(analyse, t)[0] for t in corpus) if analyse else None
    t_df, df = _time(DocumentFrequencies.from_counts, counts)
    t_kw = sum(_time(keywords, c, df)[0] for c in counts)
    print(f"corpus: {args.threads} threads, {total_comments} comments (mean {total_comments / args.threads:.1f})")
    print("CPU time per thread (process_time):")
    rows = [
        ("summarize", t_sum),
        ("term_counts", t_counts),
        ("thread_stats", t_stats),
        ("total (3 calls)", t_sum + t_counts + t_stats),
    ]
    if t_analyse is not None:
        rows.append(("analyse (all 3)", t_analyse))
    rows.append(("keywords", t_kw))
    for label, seconds in rows:
        print(
            f"  {label:<16} total {seconds:7.2f} s   per thread {seconds / args.threads * 1000:7.3f} ms"
            f"   per comment {seconds / total_comments * 1e6:7.1f} us"
        )
    print(f"  DocumentFrequencies.from_counts: {t_df * 1000:.1f} ms")

    print("scaling of summarize (per comment should stay flat):")
    for n in [10, 40, 200, 1000, args.big, args.huge]:
        thread = make_thread(random.Random(n), n, f"n{n}")
        dt, summary = _time(summarize, thread)
        print(
            f"  {n:>7} comments: {dt:8.3f} s   {dt / n * 1e6:7.1f} us/comment   "
            f"{len(summary.sentences)} sentences, {len(summary.key_points)} key points"
        )


if __name__ == "__main__":
    main()
