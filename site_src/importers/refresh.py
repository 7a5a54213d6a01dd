"""`digest refresh [SITE] [THREAD...] [--older-than 1d] [--include-locked]`: follow imported threads.

In: a site folder (its `content/`), optionally some of its thread files (paths, file names, or the
`<origin>-<id>` a file name starts with), and the fetch options of `digest import URL`.
Out: each imported thread fetched again from where it came from and merged into its file (`merge.py`:
new comments added, edits taken, comments deleted upstream kept with their last text and marked
`deleted_upstream`; `tags`, `summary`, `slug`, `draft` left as people wrote them), one line per thread on
stderr, and exit code 1 when any thread could not be refreshed (the others still are).

Where a thread came from: the address `digest import URL` noted in `content/.digest-fetched.json`, else
the thread's `source`. Locked and archived threads cannot change much and are skipped unless
`--include-locked`; `--older-than` skips threads fetched more recently than that (the fetch log's time,
else the file's modification time).
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from .url_args import add_fetch_arguments

_DURATION = re.compile(r"^(\d+(?:\.\d+)?)\s*([smhdw]?)$")
_UNIT = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the `refresh` subcommand's arguments on `parser`."""
    parser.add_argument(
        "targets", nargs="*", metavar="[SITE] [THREAD]", help="site folder (default: .), then thread files to refresh"
    )
    parser.add_argument("--older-than", metavar="AGE", help="only threads fetched longer ago than AGE (30m, 12h, 1d)")
    parser.add_argument("--include-locked", action="store_true", help="refresh locked and archived threads too")
    add_fetch_arguments(parser)


def parse_age(text: str) -> float:
    """`90`, `30m`, `12h`, `1d`, `2w` -> seconds; ValueError otherwise."""
    match = _DURATION.match(text.strip().lower())
    if not match:
        raise ValueError(f"--older-than: expected a number with s, m, h, d or w (e.g. 1d), found {text!r}")
    return float(match.group(1)) * _UNIT[match.group(2)]


def _age(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds / size:.0f}{unit}"
    return f"{seconds:.0f}s"


def run(args: argparse.Namespace) -> int:
    """Refresh, report, return the exit code."""
    from ..config import ConfigError, load_config
    from ..load import discover, display_path
    from .errors import ImportFailure
    from .http import Fetcher, FetchError
    from .merge import thread_key
    from .url_cli import describe, fetch_and_import, fetch_options, read_fetch_log
    from .write import read_thread_file

    targets: list[str] = list(args.targets)
    site = Path(".")
    if targets and Path(targets[0]).is_dir():
        site = Path(targets.pop(0))
    try:
        older = parse_age(args.older_than) if args.older_than else None
        config = load_config(site, {})
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ConfigError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 2
    files = [p for p in discover(config.content_path(), config.site_dir) if p.suffix in (".md", ".json")]
    chosen = _choose(files, targets)
    if isinstance(chosen, str):
        print(f"error: {chosen}", file=sys.stderr)
        return 2
    failed = refreshed = 0
    now = time.time()
    with Fetcher(fetch_options(args, config.content_path() / ".digest-http")) as fetcher:
        for path in chosen:
            shown = display_path(path, Path.cwd())
            known = read_thread_file(path)
            key = thread_key(known) if known is not None else None
            if known is None or key is None:
                if targets:
                    print(f"{shown}: error: not an imported thread (no origin in it)", file=sys.stderr)
                    failed += 1
                continue
            noted = read_fetch_log(path.parent).get(f"{key[0]}-{key[1]}", {})
            url = noted.get("url") or known.source
            if not url:
                hint = "import it with `digest import URL` once"
                print(f"{shown}: error: no address to fetch it from (hint: {hint})", file=sys.stderr)
                failed += 1
                continue
            if (known.locked or known.extra.get("archived") is True) and not args.include_locked:
                why = "locked" if known.locked else "archived"
                print(f"{shown}: skipped ({why}; --include-locked refreshes it anyway)", file=sys.stderr)
                continue
            if older is not None:
                age = now - _fetched_at(noted.get("fetched"), path)
                if age < older:
                    print(f"{shown}: skipped (fetched {_age(age)} ago)", file=sys.stderr)
                    continue
            try:
                done = fetch_and_import(url, fetcher, path.parent, path.suffix[1:], refresh=True)
            except FetchError as exc:
                fetcher.done()
                hint = f" (hint: {exc.hint})" if exc.hint else ""
                print(f"{url}: error: {exc.message}{hint}", file=sys.stderr)
                failed += 1
                continue
            except ImportFailure as exc:  # the source sent something the importer refuses
                print(f"{url}: error: {exc.message}", file=sys.stderr)
                failed += 1
                continue
            refreshed += 1
            for written in done.written:
                print(f"{display_path(written.path, Path.cwd())}: {describe(written)}", file=sys.stderr)
            for note in done.download.notes:
                print(f"{url}: note: {note}", file=sys.stderr)
    print(f"refresh: {refreshed} thread(s) fetched, {failed} failed, {fetcher.requests} request(s)", file=sys.stderr)
    return 1 if failed else 0


def _choose(files: list[Path], targets: list[str]) -> list[Path] | str:
    """The files named by `targets` (all when none), or a message naming a target that matches nothing."""
    if not targets:
        return files
    chosen: list[Path] = []
    for target in targets:
        wanted = Path(target)
        found = [
            p
            for p in files
            if (wanted.exists() and p.resolve() == wanted.resolve())
            or p.name == target
            or p.stem == target
            or p.name.startswith(target.rstrip("-") + "-")
        ]
        if not found:
            return f"{target}: no such thread file in the site's content folder"
        chosen.extend(p for p in found if p not in chosen)
    return chosen


def _fetched_at(noted: str | None, path: Path) -> float:
    if noted:
        try:
            return datetime.fromisoformat(noted.replace("Z", "+00:00")).astimezone(UTC).timestamp()
        except ValueError:
            pass
    return path.stat().st_mtime
