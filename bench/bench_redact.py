"""Time `--redact-authors` on real threads: `python bench/bench_redact.py SOURCE FILE...` (e.g. `hn` and a big
HN thread). Prints names, comments and seconds for the redaction alone (the import is not timed)."""

from __future__ import annotations

import sys
import time

from site_src.importers import import_paths
from site_src.importers.redact import redact_thread


def main(argv: list[str]) -> int:
    source, files = argv[0], argv[1:]
    threads = list(import_paths(source, files))
    names = {c.author for t in threads for c, _ in t.walk() if c.author}
    start = time.perf_counter()
    for thread in threads:
        redact_thread(thread, b"k" * 32)
    elapsed = time.perf_counter() - start
    comments = sum(t.comment_count() for t in threads)
    print(f"{source}: {len(names)} names, {comments} comments redacted in {elapsed:.2f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
