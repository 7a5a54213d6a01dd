"""Benchmark the render pass of a build: thread pages (`render.thread_pages` + `Renderer.render`) and list pages.

Run from the repository root:

    python bench/bench_render_pass.py bench/corpora/digest-1000-s1             # CPU seconds, fastest of 3
    python bench/bench_render_pass.py bench/corpora/digest-1000-s1 --profile   # cProfile of one run, by own time

Every thread file is read, parsed and enriched first (not timed), and the site assembled as a build does; then
the CPU seconds (`time.process_time`) of rendering every thread's pages (its page, continuation pages and its
feed) and every list page are printed, the fastest of `--repeat` runs, in one process: no worker start-up, no
writing, no reading or parsing of the files again. What was loaded is frozen out of the garbage collector's
sight (`gc.freeze`): a worker holds one thread's text at a time, not the whole corpus.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from site_src.config import SiteConfig, load_config
from site_src.diagnostics import Report
from site_src.enrich import EnrichedThread, enrich_thread, thread_slug
from site_src.load import discover, read_source
from site_src.readers import parse_file
from site_src.render import Renderer, list_pages, related_cards, thread_pages
from site_src.site import Site, assemble_site
from site_src.themes import load_theme


def load_site(config: SiteConfig) -> tuple[Site, dict[str, EnrichedThread]]:
    """The assembled site (light records, as a build has them) and each thread's full record by url."""
    full: dict[str, EnrichedThread] = {}
    light: list[EnrichedThread] = []
    for path in discover(config.content_path(), config.site_dir):
        for thread in parse_file(read_source(path, config.site_dir), []):
            item = enrich_thread(thread, config)
            full[thread_slug(thread)] = item
            light.append(item.without_text())
    site = assemble_site(light, config, Report())
    texts = {item.slug: full[item.slug].thread for item in site.threads}
    return site, {item.url: item.with_text(texts[item.slug]) for item in site.threads}


def render_threads(site: Site, full: dict[str, EnrichedThread], renderer: Renderer) -> int:
    """Every thread's pages, as `work.render_thread` makes them; the bytes written."""
    size = 0
    for item in site.threads:
        for page in thread_pages(full[item.url], site.config, related_cards(item, site)):
            size += len(renderer.render(page))
    return size


def render_lists(site: Site, renderer: Renderer) -> int:
    """Every page that is not a thread's; the bytes written."""
    return sum(len(renderer.render(page)) for page in list_pages(site))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("site", type=Path, help="site folder (with content/ and site.toml)")
    parser.add_argument("--repeat", type=int, default=3, help="runs; the fastest is reported")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of one run instead")
    parser.add_argument("--lines", type=int, default=30, help="profile lines to print")
    parser.add_argument("--sort", default="tottime", help="profile order (tottime, cumulative, ...)")
    args = parser.parse_args()
    config = load_config(args.site.resolve())
    renderer = Renderer(config, load_theme(config.theme, config.site_dir))
    site, full = load_site(config)
    # a worker holds one thread at a time, not the whole corpus: keep the garbage collector off what is loaded
    gc.freeze()
    if args.profile:
        profile = cProfile.Profile()
        profile.runcall(lambda: (render_threads(site, full, renderer), render_lists(site, renderer)))
        pstats.Stats(profile).sort_stats(args.sort).print_stats(args.lines)
        return
    render_threads(site, full, renderer)  # templates compiled, caches warm, as in a worker after its first thread
    best_threads = best_lists = float("inf")
    size = 0
    for _ in range(args.repeat):
        start = time.process_time()
        size = render_threads(site, full, renderer)
        middle = time.process_time()
        size += render_lists(site, renderer)
        end = time.process_time()
        best_threads = min(best_threads, middle - start)
        best_lists = min(best_lists, end - middle)
    print(f"{len(site.threads)} threads, {size / 1e6:.1f} MB rendered")
    print(f"thread pages (thread_pages + render): {best_threads:.3f} s CPU")
    print(f"list pages (list_pages + render):     {best_lists:.3f} s CPU")
    print(f"render pass:                          {best_threads + best_lists:.3f} s CPU")


if __name__ == "__main__":
    main()
