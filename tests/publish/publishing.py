"""Helpers of the publishing tests, imported as `from publishing import ...` (a unique module name; every
folder's conftest.py is a module called `conftest`): the three URL modes, building the example site, a
static server, skip-unless-CI."""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
from support import REPO, build_and_read, loopback_server

from site_src.config import SiteConfig, load_config
from site_src.pipeline import BuildResult

ATOM_RNC = Path(__file__).resolve().parents[2].parent / "shared" / "schemas" / "atom.rnc"
"""RFC 4287's RELAX NG schema, in ../shared beside the repository (CI has it there; no internet needed)."""
IN_CI = os.environ.get("CI") == "true"

MODES: dict[str, dict[str, Any]] = {
    "root": {},
    "subpath": {"base_url": "https://example.org/digest/"},
    "relative": {"relative_urls": True},
}
"""The three ways a site is published: at a domain root (the example's own base_url), under a sub-path,
and opened straight from disk."""


@dataclass(frozen=True)
class Built:
    """One build of the example site."""

    mode: str
    config: SiteConfig
    out: Path
    result: BuildResult


def need(condition: bool, reason: str) -> None:
    """Skip when a tool or file is missing, except in CI (CI=true), where it must be there."""
    if not condition:
        if IN_CI:
            pytest.fail(f"{reason} (required in CI)")
        pytest.skip(reason)


def need_pagefind() -> None:
    try:
        from pagefind.service import get_executable
    except ImportError:
        get_executable = None  # type: ignore[assignment]
    need(get_executable is not None and get_executable() is not None, "Pagefind is not installed (pagefind[bin])")


def build_example(out: Path, mode: str = "custom", **overrides: Any) -> Built:
    """Build the bundled example site (REPO/site.toml, REPO/content) into `out`."""
    config = load_config(REPO, {"output_dir": str(out), **overrides})
    result = build_and_read(config, jobs=1, use_cache=False)
    assert not result.report.errors, [p.format() for p in result.report.errors]
    return Built(mode, config, out, result)


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def static_server(folder: Path) -> Iterator[str]:
    """Serve `folder` as any static host would (Python's http.server) on 127.0.0.1, a free port; yields the
    origin (`http://127.0.0.1:PORT`). Stopped and closed on exit."""
    with loopback_server(functools.partial(_QuietHandler, directory=str(folder))) as origin:
        yield origin
