"""Command-line words of downloads, kept apart from the HTTP client so `digest --help` does not load it.

In: an argument string or parser. Out: whether a word is a web address; the fetch options declared.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def looks_like_url(text: str) -> bool:
    """`https://…`, `http://…`, or a bare known host (`redd.it/abc`, `news.ycombinator.com/item?id=1`)."""
    lowered = text.lower()
    if lowered.startswith(("http://", "https://")):
        return True
    host = lowered.split("/", 1)[0]
    return "/" in lowered and "." in host and not Path(text).exists() and not host.endswith((".json", ".xml"))


def add_fetch_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of a download (shared by `import URL` and `refresh`)."""
    parser.add_argument(
        "--max-requests",
        type=int,
        default=200,
        help="at most this many requests per run (default 200); Reddit 'more' stubs beyond it stay as links",
    )
    parser.add_argument(
        "--delay", type=float, help="seconds between requests to one host (default: 2 for Reddit, 1 else)"
    )
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for an answer (default 30)")
    parser.add_argument("--retries", type=int, default=4, help="retries after 429/5xx/network errors (default 4)")
    parser.add_argument("--max-wait", type=float, default=120.0, help="longest Retry-After waited for (default 120 s)")
