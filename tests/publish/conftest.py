"""Fixtures for the publishing tests: the bundled example site built in its three URL modes (once per
session) and a Chromium browser (Debian's, never a downloaded one)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from publishing import CHROMIUM_FLAGS, MODES, Built, build_example, need, need_pagefind


@pytest.fixture(scope="session")
def example_builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Built]:
    """The example site built once per session in each URL mode: mode -> Built."""
    need_pagefind()
    root = tmp_path_factory.mktemp("example-builds")
    return {mode: build_example(root / mode, mode, **overrides) for mode, overrides in MODES.items()}


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Debian Chromium for the session (a new context per test)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    executable = shutil.which("chromium") or "/usr/bin/chromium"
    need(Path(executable).exists(), "chromium is not installed (apt-get install chromium)")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_FLAGS)
        try:
            yield chromium
        finally:
            chromium.close()
