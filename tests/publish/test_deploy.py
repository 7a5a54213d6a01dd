"""Deploying: a rebuild leaves unchanged files untouched (same inode and modification time), so rsync, S3
sync and static hosts upload only what changed; the search index included."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from publishing import need_pagefind
from support import build_site, make_project

OLD = 1_000_000_000  # 2001-09-09: a modification time no build would write
THREADS = {
    "content/a.md": "---\ntitle: Alpha\ndate: 2025-07-10\ntags: [one]\n---\nPost.\n\n--- comment id=c1\nQuokka.\n",
    "content/b.md": "---\ntitle: Beta\ndate: 2025-07-11\ntags: [two]\n---\nPost.\n\n--- comment id=c1\nWombat.\n",
}


def stamps(out: Path) -> dict[str, tuple[int, float]]:
    """Inode and mtime of every published file (the writer's own `.thread-digest` marker is not published:
    the deploy recipes exclude it)."""
    return {
        p.relative_to(out).as_posix(): (p.stat().st_ino, p.stat().st_mtime)
        for p in out.rglob("*")
        if p.is_file() and p.name != ".thread-digest"
    }


@pytest.mark.slow
def test_unchanged_files_keep_their_mtime_across_rebuilds(tmp_path: Path) -> None:
    need_pagefind()
    site = make_project(tmp_path / "site", THREADS, config='base_url = "https://example.org/"\nsearch = true\n')
    out = site / "public"
    assert not build_site(site).report.errors
    for path in out.rglob("*"):
        if path.is_file():
            os.utime(path, (OLD, OLD))
    before = stamps(out)
    assert any(name.startswith("pagefind/") for name in before)

    assert not build_site(site).report.errors
    assert stamps(out) == before  # nothing changed: every file kept, inode and mtime

    (site / "content" / "b.md").write_text(THREADS["content/b.md"].replace("Wombat", "Numbat"), encoding="utf-8")
    assert not build_site(site).report.errors
    after = stamps(out)
    changed = {name for name in after if after[name] != before.get(name)}
    assert "t/b/index.html" in changed and "t/b/feed.xml" in changed
    assert "t/a/index.html" not in changed and "t/a/feed.xml" not in changed and "tags/one/index.html" not in changed
    assert "static/style.css" not in changed and "pagefind/pagefind.js" not in changed
    assert any(name.startswith("pagefind/fragment/") for name in changed)  # the index follows the content
