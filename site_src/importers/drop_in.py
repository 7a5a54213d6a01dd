"""Parts of one thread dropped into `content/` as separate files become one thread, merged as `digest import`
merges them (issue 17 item 5): a Reddit page and its "continue this thread" page, a Discourse topic's pages,
a Mastodon context and another view of it, a dump's comments and submissions files.

In: the threads of a build (light records are enough to group them: `thread.extra` names the origin and id,
`thread.path` the file). Out: `part_groups` — the paths of each thread found in more than one file (sorted,
so the first path is the thread's own: problems and its page's source point there); `merge_parts` — the
one thread made of the parts' threads (`merge.merge_all` in path order).
"""

from __future__ import annotations

from collections.abc import Iterable

from ..model import Thread
from .merge import merge_all, thread_key

PartKey = tuple[str, str]
"""(origin, origin id) of a thread found in several files."""


def part_groups(threads: Iterable[Thread]) -> dict[PartKey, list[str]]:
    """Threads of the same origin and id in more than one file -> their files, sorted. (Run on every rebuild
    over every thread, of which few or none are parts: only the keys seen in a second file are gathered and
    sorted.)"""
    first: dict[PartKey, str] = {}
    files: dict[PartKey, set[str]] = {}
    for thread in threads:
        key = thread_key(thread)
        if key is not None:
            path = first.setdefault(key, thread.path)
            if path != thread.path:
                files.setdefault(key, {path}).add(thread.path)
    return {key: sorted(paths) for key, paths in sorted(files.items())}


def merge_parts(parts: list[list[Thread]], key: PartKey) -> Thread | None:
    """The thread `key` made of every part's threads of that key (parts in the order of `part_groups`); the
    result keeps the first part's path and slug. None when no part has it any more."""
    pieces = [thread for threads in parts for thread in threads if thread_key(thread) == key]
    if not pieces:
        return None
    first = pieces[0]
    [(merged, _report)] = merge_all(pieces)
    merged.path, merged.slug = first.path, first.slug
    return merged
