"""Time `--redact-authors` on real threads: `python bench/bench_redact.py SOURCE FILE...` (e.g. `hn` and a big
HN thread). Prints names, comments and seconds for the redaction alone (the import is not timed).

`--one-thread` joins the comments of all the files into one thread first: a thread with as many names as the
files hold together (the Reddit corpus gives about 1,900), to time the per-thread work (the thread's vocabulary,
the name tables) at the scale of a 2,000-comment thread when no such file is at hand. CPU seconds, best of
`--repeat` runs, are printed too: they are less disturbed by other work on the machine than wall time."""

from __future__ import annotations

import argparse
import copy
import time

from site_src.importers import import_each
from site_src.importers.redact import redact_thread
from site_src.model import Thread


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("source")
    parser.add_argument("files", nargs="+")
    parser.add_argument("--one-thread", action="store_true", help="join all comments into one thread first")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args(argv)
    threads, failures = import_each(args.source, args.files)
    for failure in failures:
        print(f"skipped: {failure}")
    if args.one_thread and threads:
        whole = Thread(title=threads[0].title, path="all.md", author=threads[0].author, body=threads[0].body)
        for thread in threads:
            whole.comments += thread.comments
        threads = [whole]
    names = {c.author for t in threads for c, _ in t.walk() if c.author}
    walls, cpus = [], []
    for _ in range(max(1, args.repeat)):
        work = copy.deepcopy(threads)
        start, start_cpu = time.perf_counter(), time.process_time()
        for thread in work:
            redact_thread(thread, b"k" * 32)
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - start_cpu)
    comments = sum(t.comment_count() for t in threads)
    print(
        f"{args.source}: {len(names)} names, {comments} comments in {len(threads)} thread(s) redacted in"
        f" {min(walls):.2f}s wall, {min(cpus):.2f}s CPU (best of {len(walls)})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
