"""Markers importers record are shown by both themes: `archived` and `deleted_upstream` on the thread page,
`deleted_upstream` on a comment (issue 17, small leftovers)."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import build_site, make_project

from site_src.importers.merge import merge_thread
from site_src.model import Comment, Thread
from site_src.thread_files import format_markdown


def _imported() -> str:
    """A thread as `digest refresh` leaves it when the source took the post and a comment down since."""
    known = Thread(title="Kept words", path="reddit-abc-kept-words.md", author="ann", body="The post's text.")
    known.extra.update({"origin": "reddit", "origin_id": "abc", "archived": True})
    known.comments = [Comment("First words.", id="c1", author="bob"), Comment("Second.", id="c2", author="cy")]
    fresh = Thread(title="Kept words", path="reddit-abc-kept-words.md", author=None, body="[deleted]")
    fresh.extra.update({"origin": "reddit", "origin_id": "abc", "archived": True})
    fresh.comments = [Comment("[removed]", id="c1"), Comment("Second.", id="c2", author="cy")]
    merged, report = merge_thread(known, fresh)
    assert report.deleted == ["c1"] and report.post == "deleted upstream"
    return format_markdown(merged)


@pytest.mark.parametrize("theme", ["default", "broadsheet"])
def test_archived_and_deleted_upstream_are_shown(tmp_path: Path, theme: str) -> None:
    root = make_project(
        tmp_path / "site",
        {"content/reddit-abc-kept-words.md": _imported()},
        f'title = "T"\nbase_url = "https://example.org/"\ntheme = "{theme}"\n',
    )
    result = build_site(root)
    assert not result.report.errors, result.report
    pages = {name: data.decode() for name, data in result.files.items() if name.endswith("index.html")}
    [page] = [text for text in pages.values() if "Kept words</h1>" in text]
    start = page.index('<header class="thread-header">')
    header = page[start : page.index("</header>", start)]
    assert '<span class="badge state archived">archived at the source: closed to new comments</span>' in header
    assert '<span class="badge state deleted_upstream">deleted at the source since it was imported</span>' in header
    assert "text.</p>" in page[start:]  # the post's last text is kept, and shown
    first = page[page.index('id="comment-c1"') :]
    assert 'class="badge state deleted_upstream"' in first[: first.index("</header>")]
    second = page[page.index('id="comment-c2"') :]
    assert "deleted_upstream" not in second[: second.index("</header>")]  # the other comment is not marked
