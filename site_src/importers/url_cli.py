"""`digest import URL...`: download each thread and import it exactly as its saved files would be.

In: web addresses and the import options (`--out`, `--format`, `--redact-authors`, the fetch options
`add_fetch_arguments` declares). Out: thread files in `--out` (merged into earlier imports of the same
thread), one line per URL on stderr, `URL: error: … (hint)` for a URL that failed (the others are still
imported) and exit code 1 when any failed.

After the download the path is the one of `digest import SOURCE FILE`: the files `remote.download` made
are written to a folder (`--save DIR`, or a temporary one) and imported from there by `import_paths`.
The time and address of each fetch go to `OUT/.digest-fetched.json` (a dot file: never published), for
`digest refresh --older-than`.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ..diagnostics import printable
from ..model import Thread
from . import ImportFailure, ImportOptions, ImportWarning_, import_paths
from .http import Fetcher, FetchError, FetchOptions, stderr_progress
from .merge import thread_key
from .remote import Download, download
from .write import Written, write_threads

FETCH_LOG = ".digest-fetched.json"
"""In the folder of the thread files: `<origin>-<id>` -> {"url": …, "fetched": ISO time}."""


def fetch_options(args: argparse.Namespace, cache_dir: Path | None) -> FetchOptions:
    return FetchOptions(
        delay=args.delay,
        timeout=args.timeout,
        retries=args.retries,
        max_wait=args.max_wait,
        max_requests=args.max_requests,
        cache_dir=cache_dir,
        progress=stderr_progress(),
    )


@dataclass(slots=True)
class Fetched:
    """One URL imported."""

    download: Download
    written: list[Written]


def fetch_and_import(
    url: str,
    fetcher: Fetcher,
    out: Path,
    fmt: str,
    *,
    save: Path | None = None,
    redact: bool = False,
    warn: Callable[[ImportWarning_], None] | None = None,
    refresh: bool = False,
) -> Fetched:
    """Download `url`, import the files as `digest import SOURCE FILE` does, write (merging) into `out`.

    Raises FetchError or ImportFailure. `refresh`: a whole fresh download marks what vanished upstream."""
    got = download(url, fetcher)
    fetcher.done()
    with tempfile.TemporaryDirectory(prefix="digest-fetch-") as temp:
        folder = save or Path(temp)
        folder.mkdir(parents=True, exist_ok=True)
        paths = []
        for name, data in got.files:
            (folder / name).write_bytes(data)
            paths.append(str(folder / name))
        options = ImportOptions(base_url=got.base_url, warn=warn or (lambda _w: None))
        threads: list[Thread] = list(import_paths(got.source, paths, options))
    if redact and threads:
        from .redact import load_key, redact_thread

        key = load_key(out)
        for thread in threads:
            redact_thread(thread, key)
    written = write_threads(threads, out, fmt, complete=refresh and got.complete)
    note_fetches(out, [w.thread for w in written], url)
    return Fetched(got, written)


def read_fetch_log(folder: Path) -> dict[str, dict[str, str]]:
    try:
        data = json.loads((folder / FETCH_LOG).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {k: v for k, v in data.items() if isinstance(v, dict)} if isinstance(data, dict) else {}


def note_fetches(folder: Path, threads: list[Thread], url: str, now: datetime | None = None) -> None:
    """Remember when and from where these threads were fetched."""
    log = read_fetch_log(folder)
    stamp = (now or datetime.now(UTC)).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    for thread in threads:
        key = thread_key(thread)
        if key is not None:
            log[f"{key[0]}-{key[1]}"] = {"url": url, "fetched": stamp}
    with contextlib.suppress(OSError):  # refresh then falls back to the thread's source and the file's age
        (folder / FETCH_LOG).write_text(json.dumps(log, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def describe(written: Written) -> str:
    """`created`, `unchanged`, or `updated: 3 new, 1 edited`."""
    if written.merge is not None and written.status != "created":
        return f"{written.status}: {written.merge.describe()}" if written.merge.changed else written.status
    return written.status


def run_urls(urls: list[str], args: argparse.Namespace) -> int:
    """Import every URL; exit code 1 when any failed."""
    out = Path(args.out)
    save = Path(args.save) if getattr(args, "save", None) else None
    failed = 0

    def warn(warning: ImportWarning_) -> None:
        print(warning, file=sys.stderr)

    with Fetcher(fetch_options(args, out / ".digest-http")) as fetcher:
        for url in urls:
            before = fetcher.requests
            try:
                done = fetch_and_import(
                    url, fetcher, out, args.format, save=save, redact=args.redact_authors, warn=warn
                )
            except (FetchError, ImportFailure) as exc:
                fetcher.done()
                failed += 1
                message = exc.message if isinstance(exc, ImportFailure) else _with_hint(exc)
                print(f"{printable(url, path=True)}: error: {printable(message)}", file=sys.stderr)
                continue
            used = fetcher.requests - before
            for written in done.written:
                comments = written.thread.comment_count()
                print(
                    f"{url}: {written.path} ({describe(written)}; {comments} comments, {used} request(s))",
                    file=sys.stderr,
                )
            for note in done.download.notes:
                print(f"{url}: note: {note}", file=sys.stderr)
    return 1 if failed else 0


def _with_hint(exc: FetchError) -> str:
    return f"{exc.message} (hint: {exc.hint})" if exc.hint else exc.message
