"""Issue 17: the whole Urho3D forum archive (../shared/corpus-large, 5,046 topics) imported, its counts checked
against an independent count straight from the JSON (sharing no code with the importer), and every thread
read back from both file formats. Slow: the archive is unpacked to a temporary folder once per session."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

import pytest
from support import SHARED, require_shared

from site_src.importers import import_paths
from site_src.importers.common import depth_of
from site_src.load import decode_source
from site_src.readers import parse_source
from site_src.thread_files import format_json, format_markdown

ARCHIVE = SHARED / "corpus-large" / "urho3d-discourse" / "urho-json.tar.xz"


@pytest.fixture(scope="session")
def forum_topics(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("urho")
    with tarfile.open(require_shared(ARCHIVE)) as archive:
        archive.extractall(folder, filter="data")
    return sorted(folder.glob("posts/json/*.json"))


def _independent_counts(paths: list[Path]) -> dict[str, int]:
    """Topics, comments (every post but post 1), the deepest reply chain, replies to an absent post, stand-in
    posts; the README's rules: a reply to post 1 (or to itself) answers the topic; a reply to a post that is not
    there stays at the top, marked `missing_parent`."""
    topics: dict[str, dict[int, int | None]] = {}
    for path in paths:
        data = json.loads(path.read_text(encoding="utf-8"))
        for post in data["post_stream"]["posts"]:
            target = post.get("reply_to_post_number")
            topic = topics.setdefault(str(post.get("topic_id", data.get("id"))), {})
            topic.setdefault(post["post_number"], target if isinstance(target, int) else None)
    comments = deepest = missing = stand_ins = 0
    for posts in topics.values():
        stand_ins += 1 not in posts
        parent: dict[int, int | None] = {}
        for number, target in posts.items():
            if number == 1:
                continue
            comments += 1
            if target is None or target in (1, number):
                parent[number] = None
            elif target in posts:
                parent[number] = target
            else:
                parent[number] = None
                missing += 1
        for number in parent:
            depth, node = 0, number
            seen: set[int] = set()
            while node is not None and node not in seen:
                seen.add(node)
                depth += 1
                node = parent.get(node)
            deepest = max(deepest, depth)
    return {"topics": len(topics), "comments": comments, "depth": deepest, "missing": missing, "stand_ins": stand_ins}


@pytest.mark.slow
def test_issue_17_whole_forum_archive_counts_and_round_trip(forum_topics: list[Path]) -> None:
    assert len(forum_topics) == 5046
    threads = list(import_paths("discourse", [str(p) for p in forum_topics]))
    found = {
        "topics": len(threads),
        "comments": sum(t.comment_count() for t in threads),
        "depth": max(depth_of(t.comments) for t in threads),
        "missing": sum(1 for t in threads for c, _ in t.walk() if "missing_parent" in c.extra),
        "stand_ins": sum(1 for t in threads if t.extra.get("missing_post")),
    }
    expected = _independent_counts(forum_topics)
    assert found == expected
    # The README's figures for the archive: 5,046 topics, 36,990 posts, chains down to depth 45.
    assert expected["topics"] == 5046 and expected["comments"] + expected["topics"] - expected["stand_ins"] == 36990
    for thread in threads:
        for fmt, text in (("md", format_markdown(thread)), ("json", format_json(thread))):
            back = parse_source(decode_source(f"content/{thread.path}.{fmt}", text.encode("utf-8")), [])
            assert back.comment_count() == thread.comment_count(), thread.path
            assert [c.body for c, _ in back.walk()] == [c.body for c, _ in thread.walk()], thread.path
            assert back.body == thread.body, thread.path
