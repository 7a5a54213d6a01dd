"""[search] The rendered site -> a Pagefind full-text index (`pagefind/...` output files), in memory.

Search runs in the browser with no server: Pagefind (the `pagefind` Python package with its binary,
`pagefind[bin]`) turns the thread pages into a static index that `static/search.js` queries.

`search_files(files, config)` takes the rendered site (output file -> bytes, read as it is iterated), copies
the pages worth finding (thread pages `t/<slug>/index.html` and their continuation pages) into a temporary
folder, runs Pagefind on it and returns the bundle as more output files (`pagefind/pagefind.js`, ...). The
build puts them with the pages before it publishes, so the index always matches the pages beside it, and it
runs Pagefind again only when an indexed page changed. Pagefind's output depends only on its input (same pages, same
bytes), so builds stay reproducible.

What is indexed: the page's `<main>` (title, tags, summary, post, comments with their authors), without the
parts listed in `PAGEFIND_CONFIG` (related threads, stats, key points, dates, scores) or anything marked
`data-pagefind-ignore`.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path, PurePosixPath

from .config import SiteConfig
from .diagnostics import Report

log = logging.getLogger(__name__)

BUNDLE_DIR = "pagefind"
"""Output folder of the search bundle: `/pagefind/pagefind.js` and its index files."""
PAGEFIND_CONFIG = {
    "root_selector": "main",
    "exclude_selectors": [
        ".related",  # other threads' titles
        ".glance",  # stats
        ".key-points",  # quotes of comments that are indexed where they stand
        ".source",
        "time",
        ".score",
        ".permalink",
        "details > summary",  # "3 replies to ..."
        ".continue",
        ".spoiler",  # hidden until clicked (spoilers.py): a result's excerpt must not show it
    ],
}
"""Given to Pagefind as `pagefind.json` in its working folder. The selectors name the default theme's parts
that would only add noise to results; any theme can also mark an element `data-pagefind-ignore`."""
TIMEOUT = 600
"""Seconds Pagefind may take before the build gives up on search (it indexes ~10,000 pages a minute)."""


class SearchError(Exception):
    """Pagefind is missing or failed; the message says what to do."""


def indexed(name: str) -> bool:
    """Whether an output file is a page search should find: a thread page or one of its continuation pages."""
    parts = PurePosixPath(name).parts
    return len(parts) >= 3 and parts[0] == "t" and parts[-1] == "index.html"


def search_files(files: Mapping[str, bytes], config: SiteConfig) -> dict[str, bytes]:
    """The Pagefind bundle for the rendered site `files`: `pagefind/...` output file -> bytes.

    Raises `SearchError` when the Pagefind binary is not installed or fails.
    """
    pages = {name: data for name, data in files.items() if indexed(name)}
    with tempfile.TemporaryDirectory(prefix="thread-digest-search-") as tmp:
        work = Path(tmp)
        site, out = work / "site", work / "out"
        for name, data in sorted(pages.items()):
            target = site.joinpath(*PurePosixPath(name).parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        site.mkdir(exist_ok=True)
        (work / "pagefind.json").write_text(json.dumps(PAGEFIND_CONFIG), encoding="utf-8")
        _run_pagefind(work, site, out)
        bundle: dict[str, bytes] = {}
        for path in sorted(out.rglob("*")):
            rel = path.relative_to(out)
            if path.is_file() and rel.parts[0] != "playground":
                bundle[f"{BUNDLE_DIR}/{rel.as_posix()}"] = path.read_bytes()
    log.debug("search index: %d pages, %d files", len(pages), len(bundle))
    return bundle


def search_bundle(files: Mapping[str, bytes], config: SiteConfig, report: Report) -> dict[str, bytes]:
    """`search_files`, for the pipeline: a failure becomes an error in `report` (naming site.toml's `search`)
    and no bundle, so the rest of the build is still checked and reported."""
    try:
        return search_files(files, config)
    except SearchError as exc:
        report.error("site.toml", 0, f"search: {exc}", hint="install Pagefind, or set search = false")
        return {}


def _run_pagefind(work: Path, site: Path, out: Path) -> None:
    command = [sys.executable, "-m", "pagefind", "--site", str(site), "--output-path", str(out), "--silent"]
    environment = {**os.environ, "NO_COLOR": "1"}
    try:
        done = subprocess.run(
            command, cwd=work, env=environment, capture_output=True, text=True, timeout=TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise SearchError(f"Pagefind took more than {TIMEOUT} s") from exc
    message = (done.stderr or done.stdout).strip()
    if done.returncode != 0 and "Could not find pagefind binary" in message:
        raise SearchError("search = true needs the Pagefind binary: pip install 'pagefind[bin]'")
    if done.returncode != 0 or not (out / "pagefind.js").is_file():
        last = message.splitlines()[-1] if message else f"exit code {done.returncode}"
        raise SearchError(f"Pagefind failed: {last}")


__all__ = ["BUNDLE_DIR", "SearchError", "indexed", "search_bundle", "search_files"]
