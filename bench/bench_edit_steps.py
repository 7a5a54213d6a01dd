"""Where a cached build's time goes: runs `digest build ARGS` in this process and prints the time of each step.

    python bench/bench_edit_steps.py build SITE -o OUT -q

Run it after appending a sentence to one thread of a site built before (a one-thread edit), e.g. the 10,000-thread
corpus of `run.py`. Prints one line: the import time, then seconds spent in each step (the listing and stamps of
thread files, the cache's manifest and state, the check of output stamps, each stage of the rebuild, saving).
Steps nest: `rebuild` holds the stages after it, up to `save`.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

started = time.perf_counter()
from site_src import cache, cli, incremental, pipeline  # noqa: E402

IMPORTED = time.perf_counter() - started
SECONDS: dict[str, float] = {}


def timed(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    def run(*args: Any, **kwargs: Any) -> Any:
        begun = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            SECONDS[name] = SECONDS.get(name, 0.0) + time.perf_counter() - begun

    return run


def main() -> int:
    for name in ("load_manifest", "load_state", "changed_outputs", "save"):
        setattr(cache, name, timed(name, getattr(cache, name)))
    for module, names in ((pipeline, ("discover", "stamp_files")), (incremental, ("assemble_site",))):
        for name in names:
            setattr(module, name, timed(name, getattr(module, name)))
    for name in ("rebuild", "_refresh_sources", "_card_digests", "_render_threads", "_render_lists", "_search"):
        setattr(incremental.Builder, name, timed(name, getattr(incremental.Builder, name)))
    begun = time.perf_counter()
    code = cli.main(sys.argv[1:])
    steps = " ".join(f"{name} {seconds:.3f}" for name, seconds in SECONDS.items())
    print(f"import {IMPORTED:.3f} main {time.perf_counter() - begun:.3f} {steps}")
    return code


if __name__ == "__main__":
    raise SystemExit(main())
