"""Sentence splitters side by side: `site_src.enrich.text.split_sentences` against pysbd (issue 16).

    python bench/bench_sentence_split.py                     # the reference threads of bench/summaries/
    python bench/bench_sentence_split.py --site /tmp/c1k     # every thread of a site as well
    python bench/bench_sentence_split.py --show 20           # print 20 blocks where the two disagree

Both split the same plain-text blocks (`markdown_to_plain` of every post and comment). Prints the CPU time of
each, the number of sentences, how many blocks they split differently, and (with `--show`) such blocks, to
judge by reading which one is right. Needs the bench extra (pysbd).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import pysbd  # noqa: E402

from site_src.enrich.text import markdown_to_plain, split_sentences  # noqa: E402
from site_src.model import Thread  # noqa: E402


def blocks_of(threads: list[Thread]) -> list[str]:
    out = []
    for thread in threads:
        bodies = [thread.body] + [c.body for c, _ in thread.walk()]
        for body in bodies:
            for block in markdown_to_plain(body).blocks:
                out.extend(line for line in block.text.split("\n") if line.strip())
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--site", type=Path, help="also every thread of this site")
    parser.add_argument("--show", type=int, default=0, help="print this many blocks split differently")
    args = parser.parse_args()
    from bench_summary_quality import REFERENCES, load_references

    threads = [ref.thread for ref in load_references(REFERENCES, set())]
    if args.site:
        from site_src.config import load_config
        from site_src.load import discover, read_source
        from site_src.readers import parse_file

        config = load_config(args.site)
        for path in discover(config.content_path(), config.site_dir):
            threads.extend(parse_file(read_source(path, config.site_dir), []))
    blocks = blocks_of(threads)
    chars = sum(map(len, blocks))
    segmenter = pysbd.Segmenter(language="en", clean=False)

    start = time.process_time()
    ours = [split_sentences(b) for b in blocks]
    t_ours = time.process_time() - start
    start = time.process_time()
    theirs = [[s.strip() for s in segmenter.segment(b) if s.strip()] for b in blocks]
    t_theirs = time.process_time() - start

    differ = [(b, o, t) for b, o, t in zip(blocks, ours, theirs, strict=True) if o != t]
    print(f"{len(threads)} threads, {len(blocks)} blocks, {chars / 1e6:.2f} M characters")
    print(f"  split_sentences: {t_ours:.3f} s CPU, {sum(map(len, ours))} sentences")
    print(f"  pysbd:           {t_theirs:.3f} s CPU, {sum(map(len, theirs))} sentences ({t_theirs / t_ours:.0f}x)")
    print(f"  blocks split differently: {len(differ)} ({len(differ) / max(len(blocks), 1):.1%})")
    for block, o, t in differ[: args.show]:
        print(f"\n  BLOCK: {block[:300]}\n    ours:  {o}\n    pysbd: {t}")


if __name__ == "__main__":
    main()
