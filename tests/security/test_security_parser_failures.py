"""Issue 20.2: an exception from a third-party parser on one thread never stops the build.

`ample.co[http://p://` raised `RuntimeError: inline rule didn't increment state.pos` inside markdown-it-py
(4.x, with linkify): every build failed with a traceback, `--keep-going` did not help, and `serve` showed
nothing in the browser. Now such a body is shown as plain text with a warning at its line (`guard.py`),
any other exception while reading or rendering one file is that file's error, and `serve` puts a failed
rebuild in the overlay.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from security_support import check_site
from support import REPO, build_site, make_project

from site_src import readers
from site_src.config import load_config
from site_src.incremental import Rebuild, WarmSite
from site_src.serve import LiveSite, Rebuilder

BODIES = ["ample.co[http://p://", "www.x.com[http://y://z"]
"""The two bodies of the report (22 and 22 bytes). Since bare URLs are linked by our own pass (no
linkify-it-py), neither backend raises on them any more; `failing_markdown` stands in for the next parser
bug, so the guard stays tested."""


@pytest.fixture
def failing_markdown(monkeypatch: pytest.MonkeyPatch) -> None:
    """The Markdown renderer raises, as markdown-it-py 4.3 with linkify did, on any text holding a body of the
    report."""
    from site_src import markup

    real = markup._RENDER

    def render(text: str) -> str:
        if any(body in text for body in BODIES) and not text.startswith("```"):  # not the guard's fenced copy
            raise RuntimeError("inline rule didn't increment state.pos")
        return real(text)

    monkeypatch.setattr(markup, "_RENDER", render)


def _site(root: Path) -> Path:
    return make_project(
        root,
        {
            "content/bad.md": f"---\ntitle: Bad\n---\n\nfine post\n\n--- comment id=c1\nhello\n\n"
            f"--- comment id=c2 parent=c1\n{BODIES[0]}\n",
            "content/jbad.json": '{"title": "J", "body": "' + BODIES[1] + '", "comments": [{"id": "a", "body": "ok"}]}',
            "content/tbad.txt": f"Text one\n\n2 comments\n\n  1. fine\n  2. {BODIES[1]}\n",
            "content/good.md": "---\ntitle: Good\n---\n\nall fine\n",
        },
    )


@pytest.mark.parametrize("backend", ["py", "native"])
def test_issue_20_the_reported_bodies_build_on_both_backends(tmp_path: Path, backend: str) -> None:
    """A real `digest build` of the report's bodies, on each backend: exit 0, every thread published, no
    traceback, nothing unsafe in the output."""
    site = _site(tmp_path / "site")
    env = {**os.environ, "THREAD_DIGEST_MARKDOWN": backend}
    done = subprocess.run(
        [sys.executable, "-m", "site_src", "build", str(site)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    out = site / "public"
    for slug in ("bad", "good", "jbad", "tbad"):
        assert (out / "t" / slug / "index.html").is_file()
    page = (out / "t" / "bad" / "index.html").read_text(encoding="utf-8")
    assert "ample.co[" in page and "<p>hello</p>" in page
    files = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert check_site(files) == []


@pytest.mark.usefixtures("failing_markdown")
def test_issue_20_a_body_markdown_it_fails_on_is_plain_text_with_a_warning(tmp_path: Path) -> None:
    """Every thread published, the failing body shown escaped in a <pre>, a warning at its line."""
    site = _site(tmp_path / "site")
    result = build_site(site)
    assert not result.report.errors
    warnings = [p.format().splitlines()[0] for p in result.report.warnings]
    assert any(
        w.startswith("content/bad.md:10: warning: comment c2's Markdown made the Markdown library fail")
        for w in warnings
    ), warnings
    assert any(w.startswith("content/tbad.txt:6: warning: comment c2's Markdown") for w in warnings), warnings
    assert any(w.startswith("content/jbad.json:1: warning: the post's Markdown") for w in warnings), warnings
    for slug in ("bad", "good", "jbad", "tbad"):
        assert f"t/{slug}/index.html" in result.files
    page = result.files["t/bad/index.html"].decode("utf-8")
    assert '<pre tabindex="0"><code>ample.co[http://p://\n</code></pre>' in page
    assert "<p>hello</p>" in page  # the other comments are Markdown as usual
    assert check_site(result.files) == []


def test_issue_20_any_other_reader_exception_is_that_files_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reader that raises something unexpected (here: a stand-in for a YAML or JSON library bug) costs that
    file only: `path: error:`, the rest is built, and `--keep-going` publishes it."""

    def broken(source: object, warnings: object) -> object:
        raise RuntimeError("library bug")

    monkeypatch.setitem(readers.READERS, ".txt", broken)
    site = _site(tmp_path / "site")
    result = build_site(site, keep_going=True)
    errors = [p.format() for p in result.report.errors]
    assert errors == [
        "content/tbad.txt: error: cannot read: RuntimeError: library bug\n"
        "    hint: a bug in thread-digest or in a library it uses: please report it with this file"
    ]
    assert "t/good/index.html" in result.files and "t/bad/index.html" in result.files


def _break_rendering(monkeypatch: pytest.MonkeyPatch, title: str) -> None:
    """Rendering the pages of the thread called `title` raises, as a renderer bug would."""
    from site_src import work

    real = work.thread_pages

    def broken(full: object, config: object, related: object) -> object:
        if getattr(getattr(full, "thread", None), "title", "") == title:
            raise TypeError("renderer bug")
        return real(full, config, related)  # type: ignore[arg-type]

    monkeypatch.setattr(work, "thread_pages", broken)


def test_issue_20_any_render_exception_is_that_threads_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An exception while rendering that no body explains is the thread's error; the others are published."""
    _break_rendering(monkeypatch, "Good")
    site = _site(tmp_path / "site")
    result = build_site(site, keep_going=True)
    assert [p.format().splitlines()[0] for p in result.report.errors] == [
        "content/good.md: error: cannot render: TypeError: renderer bug"
    ]
    assert "t/bad/index.html" in result.files and "t/good/index.html" not in result.files


@pytest.mark.usefixtures("failing_markdown")
def test_issue_20_serve_keeps_rebuilding_other_files(tmp_path: Path) -> None:
    """The warm site (what `serve` rebuilds) publishes the thread with the warning, and edits to other files
    still appear."""
    site = _site(tmp_path / "site")
    warm = WarmSite(lambda: load_config(site))
    first = warm.rebuild()
    assert not first.errors
    assert any(p.line == 10 and "Markdown library fail" in p.message for p in first.problems)
    good = site / "content" / "good.md"
    good.write_text("---\ntitle: Good\n---\n\nedited text\n", encoding="utf-8")
    second = warm.rebuild([good])
    assert b"edited text" in warm.files["t/good/index.html"]
    assert any(p.path == "content/bad.md" for p in second.problems)  # still reported on every rebuild


class _CrashingSite:
    files: dict[str, bytes] = {}  # noqa: RUF012

    def rebuild(self, touched: list[Path] | None = None) -> Rebuild:
        raise RuntimeError("inline rule didn't increment state.pos")


def test_issue_20_a_failed_rebuild_shows_in_the_overlay() -> None:
    """Before: the traceback went to the terminal only and the browser kept waiting."""
    live = LiveSite(base_path="/")
    rebuilder = Rebuilder(_CrashingSite(), live, lambda result: None)  # type: ignore[arg-type]
    with pytest.raises(RuntimeError):
        rebuilder.build_now(None)
    assert not live.pending
    assert live.errors == [
        "digest serve: error: the rebuild failed: RuntimeError: inline rule didn't increment state.pos\n"
        "    hint: a bug in thread-digest or in a library it uses: please report it with this file"
    ]
    assert live.history[live.epoch]["errors"] == live.errors


def test_issue_20_serve_shows_a_threads_error_in_the_overlay(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A thread that cannot be rendered at all is an error in the browser's overlay; the other threads are
    served, and an edit of another file still appears."""
    _break_rendering(monkeypatch, "Bad")
    site = _site(tmp_path / "site")
    warm = WarmSite(lambda: load_config(site))
    live = LiveSite(base_path="/")
    live.publish(warm.rebuild())
    assert [e.splitlines()[0] for e in live.errors] == ["content/bad.md: error: cannot render: TypeError: renderer bug"]
    assert "t/good/index.html" in live.files
    good = site / "content" / "good.md"
    good.write_text("---\ntitle: Good\n---\n\nedited again\n", encoding="utf-8")
    live.publish(warm.rebuild([good]))
    assert b"edited again" in live.files["t/good/index.html"]
    assert len(live.errors) == 1
