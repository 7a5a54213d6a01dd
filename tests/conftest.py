"""Fixtures and options for the whole suite; plain helpers live in support.py.

Real Chromium for browser tests: ONE browser per session for the whole suite (each start costs about a
second, and Playwright's sync API cannot run two at once in a process), a new context per test. Debian's
Chromium (`shutil.which("chromium")`), never a downloaded one. Without Chromium or Playwright the browser
tests skip, except on CI (CI=true), where they fail.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any, NoReturn

import pytest
from hypothesis import settings
from support import IN_CI, SEED, require_shared

# Shared, noisy machines: no per-example deadline. In CI, the same examples every run (derandomize), so a
# rare input found by exploration shows up on a developer's machine, not as a flaky CI failure.
settings.register_profile("dev", deadline=None)
settings.register_profile("ci", deadline=None, derandomize=True, print_blob=True)
settings.load_profile("ci" if IN_CI else "dev")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="rewrite tests/golden/*/expected from the build")


@pytest.fixture
def seed_text() -> str:
    """The real seed thread (../shared/seeds), skipped when absent except in CI."""
    return require_shared(SEED).read_text(encoding="utf-8")


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


def _unavailable(reason: str) -> NoReturn:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (required on CI)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """A headless Chromium `playwright.sync_api.Browser` shared by the session."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (pip install playwright; never `playwright install`)")
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        _unavailable("chromium is not installed (apt-get install -y --no-install-recommends chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, headless=True, args=FLAGS)
        try:
            yield launched
        finally:
            launched.close()
