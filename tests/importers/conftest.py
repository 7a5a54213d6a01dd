"""Importer fixtures: the real-data corpus (`../shared/corpus` beside the repo), skipped when absent."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import corpus_dir


@pytest.fixture
def corpus() -> Path:
    return corpus_dir()
