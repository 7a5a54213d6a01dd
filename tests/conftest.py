"""Fixtures and options for the whole suite; plain helpers live in support.py."""

from __future__ import annotations

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
