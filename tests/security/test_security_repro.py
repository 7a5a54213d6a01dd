"""Issue 8.5: reproducible. Two builds of the same input, in different folders, with different
`PYTHONHASHSEED`s and time zones, give byte-identical output."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from security_support import METRICS, load_payloads, read_tree, write_hostile_site

REPO = Path(__file__).resolve().parents[2]


def _input(root: Path) -> Path:
    """The bundled example site, plus hostile threads, odd ids and a deep chain (dates in many zones)."""
    site = root / "site"
    write_hostile_site(site, load_payloads()[:48], group=8)
    for name in ("content", "templates", "static"):
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, site / name, dirs_exist_ok=True)
    shutil.copy(REPO / "site.toml", site / "site.toml")
    comments: list[dict[str, object]] = []
    node: dict[str, object] = {"id": "leaf", "body": "the end", "date": "2025-03-30T01:30:00+13:45", "replies": []}
    for n in range(40):
        node = {"id": f"Id {n}", "body": f"level {n}", "date": f"2025-10-26T0{n % 10}:30:00-03:30", "replies": [node]}
    comments.append(node)
    data = {
        "title": "Zones",
        "date": "2025-03-30T02:30:00+01:00",
        "tags": ["Zürich", "zurich", "ZÜRICH"],
        "comments": comments,
    }
    (site / "content" / "zones.json").write_text(json.dumps(data), encoding="utf-8")
    return site


def _build(site: Path, seed: str, zone: str) -> dict[str, bytes]:
    env = {**os.environ, "PYTHONHASHSEED": seed, "TZ": zone, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-m", "site_src", "build", str(site), "-q", "--keep-going"],
        cwd=site.parent,
        env=env,
        capture_output=True,
        timeout=300,
    )
    assert done.returncode in (0, 1), done.stderr.decode()[-2000:]
    return read_tree(site / "public")


@pytest.mark.slow
def test_two_builds_in_different_folders_seeds_and_zones_are_byte_identical(tmp_path: Path) -> None:
    first = _input(tmp_path / "one")
    second_root = tmp_path / "two" / "elsewhere"
    shutil.copytree(first, second_root / "site")
    a = _build(first, "0", "UTC")
    b = _build(second_root / "site", "4242", "Pacific/Chatham")
    assert sorted(a) == sorted(b)
    different = [name for name in a if a[name] != b[name]]
    assert different == []
    METRICS["repro: files compared byte for byte"] = len(a)
    METRICS["repro: files that differed"] = len(different)
