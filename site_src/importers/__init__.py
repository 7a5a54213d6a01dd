"""Importers: real discussions (Reddit, Reddit dumps, HN, Discourse, mbox, Stack Exchange, Mastodon) -> `Thread`s.

In: a source name and input paths (or text), plus options. Out: an iterator of `site_src.model.Thread`,
Markdown bodies, UTC dates, stable comment ids from the source, `Thread.path` = the file name to write.
Importers are pure: they never write files (`write.py` does) and never render HTML.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime

from ..model import Thread
from .errors import ImportError_, ImportFailure, ImportWarning_

__all__ = [
    "SOURCES",
    "ImportError_",
    "ImportFailure",
    "ImportOptions",
    "ImportWarning_",
    "import_each",
    "import_paths",
]

SOURCES = ("reddit", "reddit-dump", "hn", "discourse", "mbox", "stackexchange", "mastodon")
"""The names `digest import SOURCE` accepts."""
PER_FILE = frozenset({"reddit", "mbox", "stackexchange"})
"""Sources whose files are independent (the others assemble threads across the files given together)."""


@dataclass(slots=True)
class ImportOptions:
    """Everything an importer may be told besides its input."""

    base_url: str | None = None
    """Site root for sources whose data has relative links (Discourse, Stack Exchange)."""
    subreddits: set[str] = field(default_factory=set)
    """reddit-dump: keep only these subreddits (lower case); empty keeps all."""
    since: datetime | None = None
    """reddit-dump: drop lines created before this instant."""
    min_comments: int = 0
    """reddit-dump: write only threads with at least this many comments."""
    warn: Callable[[ImportWarning_], None] = lambda _w: None
    """Called for every skipped record."""
    jobs: int | None = None
    """Processes converting threads where an importer can spread them (discourse); None: its own choice."""


def import_paths(source: str, paths: list[str], options: ImportOptions | None = None) -> Iterator[Thread]:
    """Import `paths` as `source`; raises ImportFailure naming the file and place when an input is unusable.

    Each thread comes normalised (`normalize.py`): written as `.md` or `.json` and read back, it is the same.
    """
    from .normalize import normalize_thread

    for thread in _threads(source, paths, options):
        yield normalize_thread(thread)


def _threads(source: str, paths: list[str], options: ImportOptions | None) -> Iterator[Thread]:
    # each parser is imported when asked for: `digest build` reaches this package (for exports in content/)
    # and should not pay for every parser and the email package
    opts = options or ImportOptions()
    if source != "reddit-dump":
        from .common import read_text
    if source == "reddit":
        from .reddit import parse_reddit_page

        for path in paths:
            yield from parse_reddit_page(read_text(path), path, opts.warn)
    elif source == "reddit-dump":
        from .reddit_dump import DumpFilter, parse_reddit_dump

        keep = DumpFilter(opts.subreddits, opts.since, opts.min_comments)
        yield from parse_reddit_dump(paths, keep, opts.warn)
    elif source == "hn":
        from .hn import parse_hn

        yield from parse_hn([(p, read_text(p)) for p in paths], opts.warn)
    elif source == "discourse":
        from .common import read_bytes
        from .discourse import parse_discourse_paths

        yield from parse_discourse_paths(paths, read_bytes, opts.base_url, opts.warn, opts.jobs)
    elif source == "mbox":
        from .mbox import parse_mbox

        for path in paths:
            yield from parse_mbox(path)
    elif source == "stackexchange":
        from .stackexchange import is_api_json, is_comments_xml, parse_stackexchange, parse_stackexchange_api

        api = [path for path in paths if is_api_json(path)]
        notes = [path for path in paths if path not in api and is_comments_xml(path)]
        posts = [path for path in paths if path not in api and path not in notes]
        if notes and not posts:
            raise ImportFailure(notes[0], 1, "a Comments.xml alone: give the dump's Posts.xml with it")
        for path in posts:
            yield from parse_stackexchange(path, opts.base_url, warn=opts.warn, comment_files=notes)
        if api:
            yield from parse_stackexchange_api([(p, read_text(p)) for p in api], opts.base_url, opts.warn)
    elif source == "mastodon":
        from .mastodon import parse_mastodon

        yield from parse_mastodon([(p, read_text(p)) for p in paths])
    else:
        raise ValueError(f"unknown source {source!r}; known: {', '.join(SOURCES)}")


def import_each(
    source: str, paths: list[str], options: ImportOptions | None = None
) -> tuple[list[Thread], list[ImportFailure]]:
    """Import `paths` so that an unusable file costs only itself: its `ImportFailure`, and every other file's
    threads. Files of a `PER_FILE` source are imported one by one; the others together, again without a file
    that failed (a failure that names no file of the group is found by importing each alone). Any exception
    from a parser counts as the failure of the file it came from. Warnings are passed on (to `options.warn`)
    for the attempt whose threads are kept."""
    opts = options or ImportOptions()
    groups = [[p] for p in paths] if source in PER_FILE else [list(paths)]
    if source == "stackexchange":  # a dump's Posts.xml stands alone; saved API answers are read together
        from .stackexchange import is_api_json, is_comments_xml

        api = [p for p in paths if is_api_json(p)]
        notes = [p for p in paths if p not in api and is_comments_xml(p)]  # read with each Posts.xml
        posts = [p for p in paths if p not in api and p not in notes]
        groups = [[p, *notes] for p in posts] + ([api] if api else []) + ([notes] if notes and not posts else [])
    threads: list[Thread] = []
    failures: list[ImportFailure] = []
    for group in groups:
        while group:
            warned: list[ImportWarning_] = []
            try:
                found = list(import_paths(source, group, replace(opts, warn=warned.append)))
            except Exception as exc:
                culprit, failure = _culprit(source, group, opts, exc)
                failures.append(failure)
                group = [p for p in group if p != culprit] if culprit is not None else []
                continue
            for warning in warned:
                opts.warn(warning)
            threads.extend(found)
            break
    return threads, failures


def _culprit(source: str, group: list[str], opts: ImportOptions, exc: Exception) -> tuple[str | None, ImportFailure]:
    """The file of `group` that `exc` (raised importing the group) belongs to, and its failure."""
    if isinstance(exc, ImportFailure) and exc.path in group:
        return exc.path, exc
    if len(group) == 1:
        return group[0], _failure(group[0], exc)
    quiet = replace(opts, warn=lambda _w: None)
    for path in group:
        try:
            list(import_paths(source, [path], quiet))
        except Exception as alone:
            return path, alone if isinstance(alone, ImportFailure) and alone.path == path else _failure(path, alone)
    return None, _failure(", ".join(group), exc)


def _failure(path: str, exc: Exception) -> ImportFailure:
    if isinstance(exc, ImportFailure):
        return ImportFailure(path, 0, f"{exc.path}: {exc.message}") if exc.path != path else exc
    text = " ".join(str(exc).split())[:160]
    return ImportFailure(path, 0, f"cannot import: {type(exc).__name__}: {text}".rstrip(": "))
