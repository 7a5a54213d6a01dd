"""Issue 6 item 4: a raw export dropped into content/ is read as threads, no import step needed."""

from __future__ import annotations

import shutil
from pathlib import Path

from support import SHARED, build_site, make_project, require_shared


def test_reddit_page_and_mbox_in_content_become_threads(tmp_path: Path) -> None:
    corpus = require_shared(SHARED / "corpus")
    site = make_project(tmp_path, {"content/native.md": "---\ntitle: Native\n---\n"})
    shutil.copy(corpus / "reddit-json" / "rtv_2xmo63_python_complete.json", site / "content")
    shutil.copy(corpus / "mbox" / "apache_users-ponymail_2022-01.mbox", site / "content")
    result = build_site(site, write=False, jobs=1)
    assert not result.report.errors
    threads = sorted(
        n.split("/")[1] for n in result.files if n.startswith("t/") and n.endswith("/index.html") and n.count("/") == 2
    )
    assert len(threads) == 4  # the native thread, one Reddit thread, two mail threads
    assert "native" in threads and any(t.startswith("reddit-2xmo63-") for t in threads)
    reddit = next(n for n in result.files if n.startswith("t/reddit-2xmo63-") and n.endswith("/index.html"))
    assert result.files[reddit].count(b'<article class="comment') == 45  # deleted ones are "comment gone"


def test_unrecognised_json_is_still_a_native_thread_error(tmp_path: Path) -> None:
    site = make_project(tmp_path, {"content/odd.json": '{"kind": "something else"}'})
    result = build_site(site, write=False)
    assert [p.format() for p in result.report.errors] == [
        "content/odd.json:1: error: the thread has no 'title' (a non-empty string)"
    ]
