"""Fixtures of the security tests: a shared Chromium, and the issue-8 table printed at the end of the session."""

from __future__ import annotations

import importlib.util
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from security_support import METRICS

_BROWSER_CONFTEST = Path(__file__).resolve().parent.parent / "browser" / "conftest.py"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
"""Chromium flags proven on these machines (design/TESTING.md)."""


def _shared_browser_fixture() -> Any:
    """The session `browser` fixture of tests/browser/conftest.py, when that file exists."""
    if not _BROWSER_CONFTEST.is_file():
        return None
    spec = importlib.util.spec_from_file_location("browser_conftest_for_security", _BROWSER_CONFTEST)
    if spec is None or spec.loader is None:
        return None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, "browser", None)


def _local_browser() -> Iterator[Any]:
    """A headless Debian Chromium; skip when missing, except on CI (CI=true), where it fails."""
    unavailable = pytest.fail if os.environ.get("CI") == "true" else pytest.skip
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("playwright is not installed (pip install playwright; never `playwright install`)")
    executable = shutil.which("chromium")
    if executable is None:
        unavailable("chromium is not installed (apt-get install -y --no-install-recommends chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, headless=True, args=FLAGS)
        try:
            yield launched
        finally:
            launched.close()


browser = _shared_browser_fixture() or pytest.fixture(scope="session", name="browser")(_local_browser)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """The issue-8 table: what was tried and what got through, for the tests that ran."""
    if not METRICS:
        return
    terminalreporter.section("security (issue 8)")
    for key in sorted(METRICS):
        terminalreporter.write_line(f"{key:<48} {METRICS[key]}")
