"""The process-pool build gives the same bytes as the in-process build."""

from __future__ import annotations

from pathlib import Path

from support import REPO

from site_src.config import load_config
from site_src.pipeline import build


def test_parallel_build_is_byte_identical_to_serial(tmp_path: Path) -> None:
    config = load_config(REPO, {"output_dir": str(tmp_path / "unused")})
    serial = build(config, write=False, jobs=1)
    parallel = build(config, write=False, jobs=2)
    assert not serial.report.errors
    assert serial.files.keys() == parallel.files.keys()
    assert [name for name in serial.files if serial.files[name] != parallel.files[name]] == []
