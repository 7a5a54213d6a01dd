"""Fixtures for the publishing tests: the bundled example site built in its three URL modes (once per
session) and a Chromium browser (Debian's, never a downloaded one)."""

from __future__ import annotations

import pytest
from publishing import MODES, Built, build_example, need_pagefind


@pytest.fixture(scope="session")
def example_builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Built]:
    """The example site built once per session in each URL mode: mode -> Built."""
    need_pagefind()
    root = tmp_path_factory.mktemp("example-builds")
    return {mode: build_example(root / mode, mode, **overrides) for mode, overrides in MODES.items()}
