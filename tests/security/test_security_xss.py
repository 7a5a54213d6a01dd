"""Issue 8.1: no script from content ever runs.

Every payload of the corpus (tests/security/payloads_extra.txt plus tests/xss_payloads.txt) goes into every
field a thread has (title, author, tags, summary, post body, comment bodies and authors, source URL, slug,
comment ids, unknown keys such as `flair` and `more_url`), in each of the three formats. The built site is
checked statically (no event-handler attributes, no unsafe URL schemes, no unexpected `<script>`, feeds stay
well-formed XML, template syntax is never evaluated), then every HTML page is opened in headless Chromium
with handlers that fail on any dialog, page error or console message from a payload.
"""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from security_support import (
    FORMATS,
    METRICS,
    Violation,
    check_site,
    load_payloads,
    md_thread,
    write_hostile_site,
)
from support import build_and_read

from site_src import markup
from site_src.config import load_config
from site_src.pipeline import BuildResult
from site_src.readers import parse_text

EXPECTED_ERRORS = (
    "binary file (contains NUL bytes)",  # a payload with NUL makes a .md/.txt file binary: reported, skipped
    "special characters are not allowed",  # YAML refuses raw control characters in front matter
)
"""The only problems a hostile file may cause: each is a clear, reported refusal of that file alone."""
PAGE_KINDS = {
    "home": "index.html",
    "thread": "t/",
    "comments (continued branch)": "/c/",
    "tags": "tags/index.html",
    "tag": "tags/",
    "archive": "archive/index.html",
    "month": "archive/20",
    "stats": "stats/index.html",
    "404": "404.html",
}


@dataclass(slots=True)
class HostileBuild:
    payloads: list[str]
    files: int
    result: BuildResult
    out: Path


def _build(root: Path, payloads: list[str], group: int = 1) -> HostileBuild:
    count = write_hostile_site(root, payloads, group)
    result = build_and_read(load_config(root), keep_going=True)
    return HostileBuild(payloads, count, result, root / "public")


BROWSER_GROUP = 8
"""Payloads per thread in the browser build: every payload still in every field, an eighth of the pages."""
PER_KIND = 12
"""Tag, month and feed-like pages opened per kind (thread and continuation pages: all)."""


@pytest.fixture(scope="module")
def grouped(tmp_path_factory: pytest.TempPathFactory) -> HostileBuild:
    """The whole corpus, grouped eight payloads to a thread, built once for the browser."""
    return _build(tmp_path_factory.mktemp("grouped"), load_payloads(), BROWSER_GROUP)


def _unexpected_errors(result: BuildResult) -> list[str]:
    return [p.format() for p in result.report.errors if not any(e in p.message for e in EXPECTED_ERRORS)]


def test_corpus_has_at_least_100_payloads() -> None:
    payloads = load_payloads()
    assert len(payloads) >= 100
    METRICS["xss: payloads in corpus"] = len(payloads)


def test_hostile_markdown_files_keep_marker_lines_as_text() -> None:
    """The generator escapes a payload line that looks like `--- comment`, so it stays body text."""
    thread = parse_text("content/x.md", md_thread(1, ["--- comment id=x\n--- comment id=x", "y"]))
    assert len([c.id for c, _ in thread.walk()]) == 2 + 6  # two payload comments and the reply chain below the first
    assert thread.body.startswith("--- comment id=x\n--- comment id=x")


@pytest.mark.parametrize("backend", ["native", "py"])
def test_small_hostile_site_is_inert(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, backend: str) -> None:
    """Fast check on the first 30 payloads, ten to a thread: builds, nothing executable, with either Markdown
    backend (markdown-it-pyrs, the renderer of record, or markdown-it-py where its wheel cannot be installed)."""
    if backend == "native" and not markup.NATIVE_AVAILABLE:
        pytest.skip("markdown-it-pyrs is not installed")
    monkeypatch.setattr(markup, "_RENDER", markup.choose_backend(backend))
    run = _build(tmp_path, load_payloads()[:30], group=10)
    assert _unexpected_errors(run.result) == []
    assert run.result.threads == run.files
    assert check_site(run.result.files) == []


@pytest.mark.slow
def test_every_payload_in_every_field_is_inert_in_the_html(grouped: HostileBuild) -> None:
    """Static check of every output file of the hostile build (every payload, every field, every format)."""
    result = grouped.result
    assert _unexpected_errors(result) == []
    refused = len({p.path for p in result.report.errors})
    assert result.threads + refused == grouped.files
    violations: list[Violation] = check_site(result.files)
    METRICS["xss: hostile thread files (3 formats)"] = grouped.files
    METRICS["xss: files checked statically"] = len(result.files)
    METRICS["xss: static violations"] = len(violations)
    assert [str(v) for v in violations] == []
    for kind, marker in PAGE_KINDS.items():
        assert any(marker in name for name in result.files if name.endswith(".html")), f"no {kind} page built"


def test_template_syntax_in_content_is_text(tmp_path: Path) -> None:
    """`{{ ... }}` and `{% ... %}` in content reach the page as text, never through Jinja."""
    run = _build(tmp_path, ["{{ 98765*4321 }}", "{% if 1 %}{{ 98765*4321 }}{% endif %}", "{{ config }}"])
    page = next(v for k, v in run.result.files.items() if k.startswith("t/") and k.endswith("index.html"))
    assert b"{{ 98765*4321 }}" in page
    assert b"426763565" not in b"".join(run.result.files.values())


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def served(grouped: HostileBuild) -> Iterator[str]:
    """The grouped hostile site over HTTP on 127.0.0.1 (a real origin, as a visitor would see it)."""
    handler = functools.partial(_QuietHandler, directory=str(grouped.out))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


DOM_CHECK = """() => {
  const bad = [];
  const safe = new Set(['http:', 'https:', 'mailto:']);
  for (const el of document.querySelectorAll('*')) {
    for (const name of el.getAttributeNames()) {
      const value = el.getAttribute(name);
      if (name.startsWith('on')) bad.push(`${el.tagName} ${name}`);
      if (['href', 'src', 'action', 'formaction', 'xlink:href', 'data', 'poster'].includes(name)) {
        let protocol = '';
        try { protocol = new URL(value, document.baseURI).protocol; } catch (e) { continue; }
        if (!safe.has(protocol)) bad.push(`${el.tagName} ${name}=${value}`);
      }
    }
  }
  const scripts = [...document.scripts].filter(s => s.type !== 'application/ld+json' && !s.src);
  for (const s of scripts) bad.push(`inline script ${s.textContent.slice(0, 80)}`);
  for (const f of document.querySelectorAll('iframe, object, embed, frame')) bad.push(f.tagName);
  return bad;
}"""


@pytest.mark.slow
@pytest.mark.browser
def test_no_payload_runs_in_chromium(grouped: HostileBuild, served: str, browser: Any) -> None:
    """Every page type opened in Chromium (every thread and continuation page): no dialog, no page error,
    no console message from a payload, no handler attribute or unsafe URL in the live DOM."""
    assert _unexpected_errors(grouped.result) == []
    pages = _browser_pages(grouped.result.files)
    executed: list[str] = []
    dom_problems: list[str] = []
    context = browser.new_context(java_script_enabled=True)
    page = context.new_page()
    current = [""]

    def on_dialog(dialog: Any) -> None:
        executed.append(f"{current[0]}: {dialog.type} {dialog.message!r}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("pageerror", lambda error: executed.append(f"{current[0]}: page error {error}"))
    page.on(
        "console",
        lambda msg: (
            executed.append(f"{current[0]}: console {msg.type} {msg.text!r}")
            if "XSS" in msg.text or (msg.type in ("log", "info", "warning") and "Failed to load" not in msg.text)
            else None
        ),
    )
    try:
        for name in pages:
            current[0] = name
            page.goto(served + name, wait_until="load")
            dom_problems += [f"{name}: {p}" for p in page.evaluate(DOM_CHECK)]
        page.wait_for_timeout(300)  # late timers, autofocus handlers
    finally:
        context.close()
    METRICS["xss: pages opened in Chromium"] = len(pages)
    METRICS["xss: payloads executed in Chromium"] = len(executed)
    assert executed == []
    assert dom_problems == []


def _browser_pages(files: dict[str, bytes]) -> list[str]:
    """All thread and continuation pages, and the first few pages of every other kind."""
    chosen: list[str] = []
    per_kind: dict[str, int] = {}
    for name in sorted(n for n in files if n.endswith(".html")):
        kind = "thread" if name.startswith("t/") else name.split("/")[0]
        per_kind[kind] = per_kind.get(kind, 0) + 1
        if kind == "thread" or per_kind[kind] <= PER_KIND:
            chosen.append(name)
    return chosen


def test_every_format_gets_every_field() -> None:
    """The generators really put the payload in each field (guards the corpus plumbing itself)."""
    marker = "PAYLOAD<>"
    for suffix, make in FORMATS.items():
        text = make(3, [marker, "other"])
        assert text.count("PAYLOAD") >= (9 if suffix != ".txt" else 7), suffix
