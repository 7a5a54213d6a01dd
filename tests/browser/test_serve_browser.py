"""`digest serve` in real Chromium: a save shows up, CSS swaps in place, errors show as an overlay and clear,
atomic saves work, a burst of writes reloads once, a sub-path base_url serves and links work."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
THREAD = """---
title: {title}
author: ann
date: 2024-05-01
tags: [alpha]
---

{body}

--- comment id=c1 author=bob date=2024-05-02T10:00:00Z
A first comment.
"""


class Preview:
    """A `python -m site_src serve` process on a temporary site."""

    def __init__(self, site: Path) -> None:
        self.site = site
        self.log = site.parent / f"{site.name}-serve.log"
        with self.log.open("w") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "site_src", "serve", str(site), "--port", "0"],
                cwd=REPO,
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
            )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()  # the first line names the URL
        assert line.startswith("serving "), line + self.log.read_text()
        self.url = line.split()[1]

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()

    def write(self, name: str, text: str) -> Path:
        path = self.site / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path


@pytest.fixture(scope="module")
def preview(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Preview]:
    site = tmp_path_factory.mktemp("serve-site")
    (site / "site.toml").write_text('title = "Live"\nbase_url = "https://example.org/digest/"\n', encoding="utf-8")
    (site / "content").mkdir()
    (site / "static").mkdir()
    (site / "static" / "style.css").write_text("body { background: rgb(255, 255, 255); }\n", encoding="utf-8")
    for name in ("one", "two"):
        (site / "content" / f"{name}.md").write_text(THREAD.format(title=name.title(), body="Hello."), "utf-8")
    server = Preview(site)
    yield server
    server.stop()


@pytest.fixture
def page(browser: Any, preview: Preview) -> Iterator[Any]:
    context = browser.new_context()
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.goto(preview.url + "t/one/")
    tab.wait_for_function("() => window.__digestLive === true")
    tab.evaluate("() => { window.__marker = 1; }")  # survives only while there is no reload
    yield tab
    context.close()
    assert not errors


def wait_text(page: Any, text: str, timeout_ms: int = 5000) -> None:
    page.wait_for_function("(t) => document.body.innerText.includes(t)", arg=text, timeout=timeout_ms)


def test_sub_path_serves_and_links_work(page: Any, preview: Preview) -> None:
    assert page.url == preview.url + "t/one/"
    page.goto(preview.url.replace("/digest/", "/"))
    assert page.url == preview.url
    page.click("a[href='/digest/t/two/']")
    assert page.url == preview.url + "t/two/"
    assert "Two" in page.title()


def test_edit_shows_new_text(page: Any, preview: Preview) -> None:
    preview.write("content/one.md", THREAD.format(title="One", body="Edited text appears."))
    wait_text(page, "Edited text appears.")


def test_css_swaps_without_reload(page: Any, preview: Preview) -> None:
    preview.write("static/style.css", "body { background: rgb(1, 2, 3); }\n")
    page.wait_for_function("() => getComputedStyle(document.body).backgroundColor === 'rgb(1, 2, 3)'", timeout=5000)
    assert page.evaluate("() => window.__marker") == 1


def test_error_overlay_appears_and_clears(page: Any, preview: Preview) -> None:
    preview.write("content/one.md", "---\ntitle: [unclosed\n---\nBroken.\n")
    page.wait_for_selector("#__digest_errors", timeout=5000)
    assert "content/one.md:2:" in page.inner_text("#__digest_errors")
    preview.write("content/one.md", THREAD.format(title="One", body="Fixed and current."))
    wait_text(page, "Fixed and current.")
    assert page.query_selector("#__digest_errors") is None


def test_atomic_save(page: Any, preview: Preview) -> None:
    temp = preview.write("content/.one.md.tmp123", THREAD.format(title="One", body="Saved atomically."))
    os.replace(temp, preview.site / "content" / "one.md")
    wait_text(page, "Saved atomically.")


def test_burst_of_writes_reloads_once(page: Any, preview: Preview) -> None:
    page.evaluate("() => sessionStorage.setItem('loads', '0')")
    page.add_init_script("sessionStorage.setItem('loads', String(Number(sessionStorage.getItem('loads')) + 1))")
    for n in range(30):
        preview.write("content/one.md", THREAD.format(title="One", body=f"Burst write {n}."))
    wait_text(page, "Burst write 29.")
    page.wait_for_timeout(800)  # a second reload, if any, would land in this window
    assert page.evaluate("() => sessionStorage.getItem('loads')") == "1"
