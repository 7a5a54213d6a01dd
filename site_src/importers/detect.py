"""Recognise a raw export dropped into `content/`, so `serve` shows it without an import step.

In: a path and its text (the loader has read and decoded it). Out: `detect_source` names the source
only when the shape is unambiguous (a native `.json` thread is never taken for an export);
`threads_from_export` imports it. Each Thread keeps the export's own path in `Thread.path` (so
problems point at the file) and gets `slug` from the importer's file name, unique per thread even
when one export (an mbox, a Posts.xml, a dump) holds many threads.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..model import Thread
from .discourse import parse_discourse
from .errors import ImportFailure
from .hn import parse_hn
from .mastodon import parse_mastodon
from .mbox import parse_mbox
from .reddit import parse_reddit_page
from .reddit_dump import parse_reddit_dump
from .stackexchange import parse_stackexchange


def _json_source(data: Any) -> str | None:
    if isinstance(data, list) and len(data) == 2 and all(isinstance(x, dict) for x in data):
        first = data[0].get("data", {}).get("children") if data[0].get("kind") == "Listing" else None
        if isinstance(first, list) and first and isinstance(first[0], dict) and first[0].get("kind") == "t3":
            return "reddit"
        return None
    if not isinstance(data, dict):
        return None
    if isinstance(data.get("post_stream"), dict) and isinstance(data["post_stream"].get("posts"), list):
        return "discourse"
    if isinstance(data.get("descendants"), list) and isinstance(data.get("ancestors"), list):
        return "mastodon"
    if isinstance(data.get("children"), list) and "created_at_i" in data and "author" in data:
        return "hn"  # Algolia
    if isinstance(data.get("comments"), list) and "comments_count" in data and "time_ago" in data:
        return "hn"  # HNPWA
    if {"by", "time", "type"} <= data.keys() and "id" in data and data.get("type") in ("story", "poll", "job", "ask"):
        return "hn"  # Firebase
    return None


def detect_source(path: str, text: str) -> str | None:
    """The source name when `text` (from `path`) is an export of a known shape, else None."""
    suffix = Path(path).suffix.lower()
    stripped = text.lstrip("\ufeff \t\r\n")
    if suffix in (".mbox", ".mbx") or (suffix == "" and stripped.startswith("From ")):
        return "mbox" if stripped.startswith("From ") else None
    if suffix == ".xml":
        head = stripped[:2000]
        return "stackexchange" if "<posts" in head and "PostTypeId=" in head else None
    if suffix in (".ndjson", ".jsonl"):
        first = next((line for line in stripped.splitlines() if line.strip()), "")
        try:
            record = json.loads(first)
        except (ValueError, RecursionError):  # not JSON, absurd numbers, nested too deep: not an export
            return None
        if isinstance(record, dict) and "subreddit" in record and ("link_id" in record or "title" in record):
            return "reddit-dump"
        return None
    if suffix == ".json":
        try:
            return _json_source(json.loads(stripped))
        except (ValueError, RecursionError):  # not JSON, absurd numbers, nested too deep: not an export
            return None
    return None


def threads_from_export(path: str, text: str) -> list[Thread]:
    """Import the export `text` read from `path`; ImportFailure when it is not a recognised export."""
    source = detect_source(path, text)
    if source is None:
        raise ImportFailure(path, 1, "not a recognised export (reddit, hn, discourse, mastodon, mbox, Posts.xml, dump)")
    data = text.encode("utf-8")
    if source == "reddit":
        threads = list(parse_reddit_page(text, path))
    elif source == "reddit-dump":
        threads = list(parse_reddit_dump([path], texts={path: data}))
    elif source == "hn":
        threads = list(parse_hn([(path, text)]))
    elif source == "discourse":
        threads = list(parse_discourse([(path, text)]))
    elif source == "mastodon":
        threads = list(parse_mastodon([(path, text)]))
    elif source == "mbox":
        threads = list(parse_mbox(path, data))
    else:
        threads = list(parse_stackexchange(path, data=data))
    for thread in threads:
        thread.slug = thread.slug or Path(thread.path).stem
        thread.path = path
    return threads
