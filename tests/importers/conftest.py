"""Shared fixtures: where the real-data corpus is (`../shared/corpus` beside the repo), skipped when absent."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CORPUS = Path(__file__).parents[2].parent / "shared" / "corpus"


def corpus_dir() -> Path:
    """The corpus folder; skip (fail on CI) when it is not there."""
    if not (CORPUS / "SOURCES.md").exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"corpus missing at {CORPUS}: CI must have ../shared/corpus beside the repo")
        pytest.skip(f"corpus not found at {CORPUS} (it lives in ../shared/corpus beside the repo)")
    return CORPUS


@pytest.fixture
def corpus() -> Path:
    return corpus_dir()
