"""`digest import SOURCE FILE... [--out content/] [--format md|json] [--redact-authors] [filters]`.

In: parsed command-line arguments (`add_arguments` declares them; `site_src/cli.py` wires the
subcommand). Out: thread files in `--out`, progress and problems on stderr as `path:line: level:
message`, and an exit code: 0 when every input was imported, 1 when any input failed (the others are
still imported), 2 for bad arguments.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, date, datetime

from ..diagnostics import counted
from . import SOURCES, ImportOptions, ImportWarning_, import_each
from .common import utc_from_iso
from .url_args import add_fetch_arguments, looks_like_url

_MERGES_SHOWN = 20
"""Threads merged into an earlier import that are listed one by one (the rest are counted)."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the `import` subcommand's arguments on `parser`."""
    parser.add_argument(
        "source", metavar="SOURCE|URL", help=f"kind of export ({', '.join(SOURCES)}), or a thread's web address"
    )
    parser.add_argument(
        "files", nargs="*", metavar="FILE|URL", help="export files (.gz/.bz2/.xz/.zst are read too), or more URLs"
    )
    parser.add_argument("--out", default="content/", help="folder to write thread files into (default: content/)")
    parser.add_argument("--format", choices=("md", "json"), default="md", help="thread file format (default: md)")
    parser.add_argument(
        "--redact-authors", action="store_true", help="replace user names by stable pseudonyms (key in OUT/.redact-key)"
    )
    parser.add_argument(
        "-j", "--jobs", type=int, help="processes converting topics (discourse; default: one per core for 200+ topics)"
    )
    parser.add_argument("--base-url", help="site root for relative links (discourse, stackexchange)")
    parser.add_argument(
        "--subreddit", action="append", default=[], help="reddit-dump: keep this subreddit (repeatable)"
    )
    parser.add_argument("--since", help="reddit-dump: drop posts before this date (YYYY-MM-DD or ISO time)")
    parser.add_argument("--min-comments", type=int, default=0, help="reddit-dump: only threads with this many comments")
    parser.add_argument("--save", metavar="DIR", help="URL: keep the downloaded files in DIR (importable as FILEs)")
    add_fetch_arguments(parser)


def _since(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
        return datetime(day.year, day.month, day.day, tzinfo=UTC)
    except ValueError:
        moment = utc_from_iso(value)
        if moment is None:
            raise ValueError(f"--since: expected YYYY-MM-DD or an ISO 8601 time, found {value!r}") from None
        return moment


def run(args: argparse.Namespace) -> int:
    """Import, write, report. Returns the exit code."""
    from .redact import load_key, redact_thread  # here: every other command imports this module, for its help
    from .write import write_threads

    if looks_like_url(args.source):
        from .url_cli import run_urls

        return run_urls([args.source, *args.files], args)
    if args.source not in SOURCES:
        known = ", ".join(SOURCES)
        print(f"error: unknown source {args.source!r} (known: {known}; or give a thread's URL)", file=sys.stderr)
        return 2
    if not args.files:
        print(f"error: digest import {args.source}: give at least one FILE", file=sys.stderr)
        return 2
    try:
        since = _since(args.since)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    warnings: list[ImportWarning_] = []

    def warn(warning: ImportWarning_) -> None:
        warnings.append(warning)
        print(warning, file=sys.stderr)

    options = ImportOptions(
        base_url=args.base_url,
        subreddits={s.lower().removeprefix("r/") for s in args.subreddit},
        since=since,
        min_comments=args.min_comments,
        warn=warn,
        jobs=args.jobs,
    )
    started = time.perf_counter()
    threads, failures = import_each(args.source, list(args.files), options)
    for failure in failures:
        print(failure, file=sys.stderr)
    failed = len(failures)
    if args.redact_authors and threads:
        key = load_key(args.out)
        for thread in threads:
            redact_thread(thread, key)
    written = write_threads(threads, args.out, args.format)
    merged = [w for w in written if w.merge is not None and w.merge.changed]
    for w in merged[:_MERGES_SHOWN]:
        print(f"{w.path}: merged into the earlier import: {w.merge.describe() if w.merge else ''}", file=sys.stderr)
    if len(merged) > _MERGES_SHOWN:
        print(f"... and {len(merged) - _MERGES_SHOWN} more thread(s) merged", file=sys.stderr)
    counts = {status: sum(1 for w in written if w.status == status) for status in ("created", "updated", "unchanged")}
    comments = sum(w.thread.comment_count() for w in written)
    elapsed = time.perf_counter() - started
    print(
        f"{args.source}: {counted(len(written), 'thread')}, {counted(comments, 'comment')} from "
        f"{counted(len(args.files), 'file')} in {elapsed:.2f}s"
        f" -> {args.out} ({counts['created']} created, {counts['updated']} updated, {counts['unchanged']} unchanged)"
        + (f"; {len(warnings)} warning(s)" if warnings else "")
        + (f"; {failed} input(s) failed" if failed else ""),
        file=sys.stderr,
    )
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry point until `digest import` is wired: `python -m site_src.importers.cli`."""
    parser = argparse.ArgumentParser(prog="digest import", description=__doc__.split("\n")[0] if __doc__ else None)
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
