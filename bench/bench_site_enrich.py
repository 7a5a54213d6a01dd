#!/usr/bin/env python3
"""Site-wide enrichment: `site_src.enrich.enrich_site` (keywords, automatic tags, related threads).

    python bench/gen_corpus.py 1000 /tmp/c1k
    python bench/bench_site_enrich.py /tmp/c1k [--repeat 5] [--auto-tags 3] [--profile]
    python bench/bench_site_enrich.py /tmp/c1k --dump /tmp/before.json      # keep what it produced ...
    python bench/bench_site_enrich.py /tmp/c1k --compare /tmp/before.json   # ... and compare a later run to it

Parses and enriches every thread of SITE once (with `--jobs` worker processes) and caches the light records
(no post or comment text, as the build keeps them) in `--cache` (default `/tmp/items-<site name>.pkl`; delete it
after changing the readers or `enrich_thread`). Then times `enrich_site` over a fresh copy of them `--repeat`
times and prints the median and the fastest run, plus a digest of what it set (keywords, automatic tags, related
threads): the same digest under every PYTHONHASHSEED and on every machine means the output is reproducible.

`--compare` reports how many threads got exactly the same keywords, tags and related threads as the dump, and the
share of related threads the two runs have in common (recall of the dumped lists).
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import json
import pickle
import pstats
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from site_src.config import SiteConfig, load_config
from site_src.diagnostics import Report
from site_src.enrich import EnrichedThread, enrich_site
from site_src.load import discover
from site_src.pipeline import _executor, parse_and_enrich


def load_items(site: Path, config: SiteConfig, cache: Path, jobs: int) -> bytes:
    """The pickled light records of every thread of `site`, from `cache` when it exists."""
    if cache.exists():
        return cache.read_bytes()
    start = time.perf_counter()
    paths = discover(config.content_path(), config.site_dir)
    with _executor(None, jobs, len(paths)) as pool:
        items = parse_and_enrich(config, Report(), None, pool, paths)
    data = pickle.dumps(items)
    cache.write_bytes(data)
    print(f"parsed {len(items)} threads in {time.perf_counter() - start:.1f} s (cached in {cache})")
    return data


def outcome(items: list[EnrichedThread]) -> dict[str, dict[str, list[str]]]:
    """What `enrich_site` set, per thread slug."""
    return {
        item.slug: {"keywords": item.keywords, "auto_tags": item.auto_tags, "related": item.related} for item in items
    }


def compare(now: dict[str, dict[str, list[str]]], before: dict[str, dict[str, list[str]]]) -> None:
    """Print how close `now` is to `before`."""
    shared = sorted(now.keys() & before.keys())
    for field in ("keywords", "auto_tags", "related"):
        same = sum(now[s][field] == before[s][field] for s in shared)
        print(f"  {field:9s} identical for {same}/{len(shared)} threads")
    wanted = sum(len(before[s]["related"]) for s in shared)
    found = sum(len(set(now[s]["related"]) & set(before[s]["related"])) for s in shared)
    first = sum(bool(before[s]["related"]) and now[s]["related"][:1] == before[s]["related"][:1] for s in shared)
    with_any = sum(bool(before[s]["related"]) for s in shared)
    print(f"  related recall {found}/{wanted} ({found / max(wanted, 1):.1%}), same first {first}/{with_any}")
    print(f"  threads with related: before {with_any}, now {sum(bool(now[s]['related']) for s in shared)}")


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("site", type=Path, help="a site directory (site.toml, content/)")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs (default 5)")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes for the one-off parse (default 2)")
    parser.add_argument("--cache", type=Path, help="pickle of the parsed records (default /tmp/items-<name>.pkl)")
    parser.add_argument("--auto-tags", type=int, help="override the site's auto_tags")
    parser.add_argument("--profile", action="store_true", help="also profile one run (cProfile, by own time)")
    parser.add_argument("--dump", type=Path, help="write what enrich_site set to this JSON file")
    parser.add_argument("--compare", type=Path, help="compare what enrich_site set to this JSON file (from --dump)")
    options = parser.parse_args(argv)

    config = load_config(options.site)
    if options.auto_tags is not None:
        config = replace(config, auto_tags=options.auto_tags)
    cache = options.cache or Path(f"/tmp/items-{options.site.resolve().name}.pkl")
    data = load_items(options.site, config, cache, options.jobs)

    times: list[float] = []
    items: list[EnrichedThread] = []
    for _ in range(max(options.repeat, 1)):
        items = pickle.loads(data)  # enrich_site sets fields in place: every run starts from the parsed records
        start = time.perf_counter()
        enrich_site(items, config)
        times.append(time.perf_counter() - start)
    result = outcome(items)
    digest = hashlib.sha256(json.dumps(result, sort_keys=True).encode()).hexdigest()[:16]
    print(
        f"enrich_site over {len(items)} threads (auto_tags={config.auto_tags}): "
        f"median {statistics.median(times) * 1000:.1f} ms, fastest {min(times) * 1000:.1f} ms "
        f"({len(times)} runs); output digest {digest}"
    )
    if options.profile:
        items = pickle.loads(data)
        profile = cProfile.Profile()
        profile.runcall(enrich_site, items, config)
        pstats.Stats(profile).sort_stats("tottime").print_stats(15)
    if options.dump:
        options.dump.write_text(json.dumps(result, indent=0, sort_keys=True), encoding="utf-8")
    if options.compare:
        print(f"against {options.compare}:")
        compare(result, json.loads(options.compare.read_text(encoding="utf-8")))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
