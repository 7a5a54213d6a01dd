#!/usr/bin/env python3
"""Save-to-screen latency of `digest serve`: time from a file save to the open page showing the new text.

    python bench/bench_serve.py [N ...] [--saves 7] [--corpus-dir DIR]

For each N (default 1000 and 10000) a corpus is generated with bench/gen_corpus.py (kept in --corpus-dir and
reused), `python -m site_src serve` starts on it, headless Chromium (Debian's) opens one thread page, and then
`--saves` times a line is appended to that thread's file; the clock runs from just before the write until the
new line is in the page's text (polled in the page every animation frame). Prints the median and the range,
and the server's own rebuild times from its log. Not a test: numbers depend on the machine.

`--breakdown` also prints, per save, where the time went (milliseconds after the write, wall clock shared by
the server, the browser and this script): `event`, the server's first file event; `start`, its rebuild
starting; `publishe(d)`, the build published; `recv`, the Server-Sent Event arriving in the page; `fetched`,
the page's new HTML received; `upd`, the page updated in place (or `nav`, the reloaded document starting);
`shown`, the text found in the page (at an animation frame); `seen`, this script learning it (the figure the
median is taken of).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
MARKS = ("event", "start", "published", "recv", "fetched", "upd", "nav", "shown", "seen")
RECORD = """
addEventListener("digest:event", (e) => {
  if (e.detail.type !== "build") return;
  sessionStorage.setItem("bench-event", JSON.stringify({...e.detail.timing, recv: Date.now()}));
});
addEventListener("digest:updated", (e) => sessionStorage.setItem("bench-updated", JSON.stringify(e.detail.timing)));
"""


def corpus(n: int, root: Path) -> Path:
    site = root / f"serve-{n}"
    if not (site / "content").is_dir():
        subprocess.run([sys.executable, str(HERE / "gen_corpus.py"), str(n), str(site)], check=True)
    return site


def measure(n: int, saves: int, root: Path, breakdown: bool = False, site: Path | None = None) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    if site is None:
        site = corpus(n, root)
    else:  # a site of one's own (the real archive: bench_archive.py imports it into WORK/site)
        n = len(list((site / "content").glob("*.md")))
    target = sorted((site / "content").glob("*.md"))[n // 2]
    original = target.read_bytes()
    log = root / f"serve-{n}.log"
    with log.open("w") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "site_src", "serve", str(site), "--port", "0"],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
        )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().split()[1]
        started = time.perf_counter()
        slug = target.stem
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=shutil.which("chromium"), headless=True, args=FLAGS)
            page = browser.new_page()
            page.add_init_script(RECORD)
            page.goto(f"{url}t/{slug}/", timeout=3_600_000)  # held until the first build is done
            page.wait_for_function("() => window.__digestLive === true")
            cold = time.perf_counter() - started
            page.wait_for_timeout(1000)
            times: list[float] = []
            if breakdown:
                print(f"{n} threads:" + "".join(f"{m[:8]:>9}" for m in MARKS))
            for k in range(saves):
                marker = f"benchmark-marker-{k}-{time.time_ns()}"
                page.evaluate("() => sessionStorage.clear()")
                wall0 = time.time() * 1000
                t0 = time.perf_counter()
                with target.open("a", encoding="utf-8") as f:
                    f.write(f"\n{marker}\n")
                shown = page.wait_for_function(
                    "(t) => document.body && document.body.innerText.includes(t) && Date.now()",
                    arg=marker,
                    polling="raf",
                    timeout=120_000,
                ).json_value()
                times.append((time.perf_counter() - t0) * 1000)
                if breakdown:
                    marks = json.loads(page.evaluate(BREAKDOWN))
                    marks.update(shown=shown, seen=wall0 + times[-1])
                    print(f"{'save ' + str(k):>{len(str(n)) + 9}}" + "".join(_ms(marks.get(m), wall0) for m in MARKS))
                page.wait_for_timeout(500)
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        if proc.stdout is not None:
            proc.stdout.close()
        target.write_bytes(original)
    builds = [float(m) for m in re.findall(r"built in (\d+) ms", log.read_text())][1:]
    return {
        "threads": n,
        "cold_start_s": cold,
        "median_ms": statistics.median(times),
        "min_ms": min(times),
        "max_ms": max(times),
        "rebuild_median_ms": statistics.median(builds) if builds else float("nan"),
    }


BREAKDOWN = """() => JSON.stringify({
  ...JSON.parse(sessionStorage.getItem("bench-event") || "{}"),
  fetched: JSON.parse(sessionStorage.getItem("bench-updated") || "{}").fetched,
  upd: JSON.parse(sessionStorage.getItem("bench-updated") || "{}").swapped,
  nav: performance.getEntriesByType("navigation")[0].type === "reload" ? performance.timeOrigin : undefined,
})"""


def _ms(mark: float | None, wall0: float) -> str:
    return f"{mark - wall0:>9.1f}" if mark else f"{'-':>9}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sizes", nargs="*", type=int, default=[1000, 10000])
    parser.add_argument("--saves", type=int, default=7)
    parser.add_argument("--corpus-dir", type=Path, default=HERE / "out")
    parser.add_argument("--breakdown", action="store_true", help="print where the time of each save went")
    parser.add_argument("--site", type=Path, help="measure this site (its content/*.md) instead of generated ones")
    args = parser.parse_args()
    if args.site is not None:
        args.sizes = [0]
    args.corpus_dir.mkdir(parents=True, exist_ok=True)
    print(f"{'threads':>8} {'median ms':>10} {'min':>7} {'max':>7} {'rebuild ms':>11} {'cold start s':>13}  load")
    for n in args.sizes:
        r = measure(n, args.saves, args.corpus_dir, args.breakdown, args.site)
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())  # the machine may be shared: figures are noisy
        print(
            f"{r['threads']:>8.0f} {r['median_ms']:>10.0f} {r['min_ms']:>7.0f} {r['max_ms']:>7.0f} "
            f"{r['rebuild_median_ms']:>11.0f} {r['cold_start_s']:>13.1f}  {load}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
