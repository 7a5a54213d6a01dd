"""Helpers shared by all tests, imported as `from support import ...` (a unique module name: every
folder's conftest.py is a module called `conftest`, so importing from one is ambiguous)."""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from site_src.check import read_output
from site_src.config import SiteConfig, load_config
from site_src.pipeline import BuildResult, build

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
"""`../shared` beside the repository (design, seeds, corpus, schemas)."""
SEED = SHARED / "seeds" / "000_c18a89e8402fc855.txt"
IN_CI = os.environ.get("CI") == "true"


CORPUS = SHARED / "corpus"
"""Real exports from public projects (test input only; never copied into the repo)."""


def corpus_dir() -> Path:
    """The corpus folder; skip (fail on CI) when it is not there."""
    return require_shared(CORPUS / "SOURCES.md").parent


def require_shared(path: Path) -> Path:
    """Skip when shared material is absent, except in CI (CI=true), where it must be there."""
    if not path.exists():
        if IN_CI:
            pytest.fail(f"{path} is missing in CI")
        pytest.skip(f"{path} is absent on this machine (tests that read ../shared need it)")
    return path


def make_project(root: Path, files: dict[str, str | bytes], config: str | None = None) -> Path:
    """Write a site folder: `files` maps paths relative to the site (content/x.md) to text or bytes."""
    root.mkdir(parents=True, exist_ok=True)
    if config is not None:
        (root / "site.toml").write_text(config, encoding="utf-8")
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8")
    return root


def build_site(
    root: Path, *, write: bool = True, keep_going: bool = False, jobs: int | None = 1, **overrides: object
) -> BuildResult:
    """Build a site folder made by make_project (in this process by default); returns the result, files in memory."""
    config = load_config(root, dict(overrides))
    return build_and_read(config, write=write, keep_going=keep_going, jobs=jobs)


def build_and_read(config: SiteConfig, **options: Any) -> BuildResult:
    """`build`, with `result.files` read back from the output folder when the build wrote it."""
    result = build(config, **options)
    if result.written is not None:
        result.files = read_output(config.output_path())
    return result


def build_example_site(root: Path, site_toml: str, extra: dict[str, str] | None = None) -> Path:
    """The bundled example site (`content/`, plus `extra` thread files by name) with `site_toml`, built into
    ROOT/out with relative URLs (so pages open from file://); returns the output folder."""
    shutil.copytree(REPO / "content", root / "content")
    for name, text in (extra or {}).items():
        (root / "content" / name).write_text(text, encoding="utf-8")
    (root / "site.toml").write_text(site_toml, encoding="utf-8")
    config = load_config(root, {"relative_urls": True, "output_dir": str(root / "out")})
    result = build(config, write=True)
    assert not result.report.errors, result.report
    return root / "out"


@contextlib.contextmanager
def loopback_server(handler: Callable[..., BaseHTTPRequestHandler]) -> Iterator[str]:
    """Serve `handler` on 127.0.0.1, a free port, on a thread; yields the origin (`http://127.0.0.1:PORT`).
    Stopped and closed on exit."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
