"""import -> thread file (.md and .json) -> parse keeps every comment, author, date, score, parent and body."""

from __future__ import annotations

from typing import Any

import pytest
from support import corpus_dir

from site_src.importers import import_paths
from site_src.model import Thread
from site_src.thread_files import format_json, format_markdown

readers = pytest.importorskip("site_src.readers", reason="site_src.readers (native formats) is not there yet")

INPUTS = {
    "reddit": ["reddit-json/praw_3hahrw_funny_full.json", "reddit-json/rtv_2xmo63_python_complete.json"],
    "reddit-dump": ["reddit-ndjson/pushshift-api-2022_r-science_comments.ndjson"],
    "hn": ["other/hnpwa_item_26312516_circumflex.json", "hn-algolia/algolia_item_17.json"],
    "discourse": ["discourse/urho3d_migration-from-custom-container-library-to-augmented-eastl.5872.json"],
    "mbox": ["mbox/lkml_threads_converted-from-maildir.mbox", "mbox/apache_users-ponymail_2019-09.mbox"],
    "stackexchange": ["other/stackexchange_coffee_2015_Posts.xml"],
    "mastodon": ["other/mastodon_context_109294719267373593.json"],
}


def _facts(thread: Thread) -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = [("post", thread.title, thread.author, thread.date, thread.body.strip())]
    stack = [(c, None) for c in thread.comments]
    while stack:
        comment, parent = stack.pop()
        rows.append((comment.id, parent, comment.author, comment.date, comment.score, comment.body.strip()))
        stack.extend((reply, comment.id) for reply in comment.replies)
    return sorted(rows, key=repr)


@pytest.mark.parametrize("fmt", ["md", "json"])
@pytest.mark.parametrize("source", sorted(INPUTS))
def test_round_trip(source: str, fmt: str) -> None:
    root = corpus_dir()
    threads = list(import_paths(source, [str(root / name) for name in INPUTS[source]]))
    assert threads
    for thread in threads:
        name = thread.path.removesuffix(".md") + "." + fmt
        text = format_markdown(thread) if fmt == "md" else format_json(thread)
        back = readers.parse_text(name, text)
        assert back.comment_count() == thread.comment_count(), name
        assert _facts(back) == _facts(thread), name
        for (mine, _), (theirs, _) in zip(thread.walk(), back.walk(), strict=True):
            assert theirs.extra == mine.extra, (name, mine.id)
