"""Fixtures and options for the whole suite; plain helpers live in support.py."""

from __future__ import annotations

import pytest
from support import SEED, require_shared


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="rewrite tests/golden/*/expected from the build")


@pytest.fixture
def seed_text() -> str:
    """The real seed thread (../shared/seeds), skipped when absent except in CI."""
    return require_shared(SEED).read_text(encoding="utf-8")
