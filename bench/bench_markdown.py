#!/usr/bin/env python3
"""Markdown rendering: the reference backend (markdown-it-py) against the native one (markdown-it-pyrs).

    python bench/gen_corpus.py 1000 /tmp/c1k
    python bench/bench_markdown.py /tmp/c1k [--repeat 3]

Reads every thread under SITE/content (any format `site_src.readers.parse_text` knows), renders every post and
comment body with both backends in one run, and reports the median time of `--repeat` rounds for each, the ratio,
how many bodies the native backend handed to the reference, and whether the HTML is byte-identical.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from site_src import markup
from site_src.readers import parse_text


def load_bodies(site: Path) -> tuple[int, list[str]]:
    """(thread count, every non-empty post and comment body) of the threads under `site/content`."""
    paths = sorted(p for p in (site / "content").rglob("*") if p.is_file() and p.suffix in (".md", ".json", ".txt"))
    texts: list[str] = []
    for path in paths:
        thread = parse_text(path.name, path.read_text(encoding="utf-8"))
        if thread.body:
            texts.append(thread.body)
        texts.extend(comment.body for comment, _depth in thread.walk() if comment.body)
    return len(paths), texts


def time_backend(render: Callable[[str], str], texts: list[str], repeat: int) -> tuple[float, list[str]]:
    """Median seconds over `repeat` rounds, and the HTML of the last round."""
    times: list[float] = []
    out: list[str] = []
    for _ in range(repeat):
        start = time.perf_counter()
        out = [render(t) for t in texts]
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


def count_fallbacks(texts: list[str]) -> int:
    """How many texts the native backend renders with the reference (counted by wrapping it)."""
    calls = 0
    original = markup.render_reference

    def counting(text: str) -> str:
        nonlocal calls
        calls += 1
        return original(text)

    markup.render_reference = counting  # type: ignore[assignment]
    try:
        for text in texts:
            markup.render_native(text)
    finally:
        markup.render_reference = original  # type: ignore[assignment]
    return calls


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("site", type=Path, help="a site folder (with content/), e.g. from bench/gen_corpus.py")
    parser.add_argument("--repeat", type=int, default=3, help="rounds per backend; the median is reported")
    args = parser.parse_args(argv)
    if not markup.NATIVE_AVAILABLE:
        print("markdown-it-pyrs is not installed: nothing to compare", file=sys.stderr)
        return 2
    threads, texts = load_bodies(args.site)
    chars = sum(len(t) for t in texts)
    print(f"{threads} threads, {len(texts)} bodies, {chars / 1e6:.1f} M characters; median of {args.repeat}")
    py_time, py_html = time_backend(markup.render_reference, texts, args.repeat)
    native_time, native_html = time_backend(markup.render_native, texts, args.repeat)
    different = sum(a != b for a, b in zip(py_html, native_html, strict=True))
    fallbacks = count_fallbacks(texts)
    print(f"reference (markdown-it-py): {py_time:8.3f} s")
    print(f"native (markdown-it-pyrs):  {native_time:8.3f} s   ({fallbacks} bodies handed to the reference)")
    print(f"ratio: {py_time / native_time:.1f}x faster; bodies with different HTML: {different}")
    return 1 if different else 0


if __name__ == "__main__":
    raise SystemExit(main())
