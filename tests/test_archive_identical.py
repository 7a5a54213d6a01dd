"""Issue 19, nothing lost for speed: a real forum archive builds to the same bytes with `-j 1` and `-j 2`, cold
and from the build cache (after an edit that is undone). The first topics of the Urho3D archive in
`../shared/corpus-large/` are imported (never copied into the repository); `bench/bench_archive.py --scenarios
identical` checks the whole archive the same way."""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest
from support import SHARED, build_and_read, require_shared

from site_src.config import load_config
from site_src.importers import ImportOptions, import_paths
from site_src.importers.write import write_threads
from site_src.pipeline import build

ARCHIVE = SHARED / "corpus-large" / "urho3d-discourse" / "urho-json.tar.xz"
TOPICS = 240
"""Topics taken from the archive: enough for replies deep and wide, links, code, tables and images."""


def _import_topics(root: Path) -> Path:
    posts = root / "posts"
    with tarfile.open(require_shared(ARCHIVE)) as tar:  # stream: stop after TOPICS topic files
        taken = 0
        for member in tar:
            if member.isfile() and member.name.endswith(".json"):
                tar.extract(member, posts, filter="data")
                taken += 1
                if taken == TOPICS:
                    break
    files = sorted(str(p) for p in posts.rglob("*.json"))
    site = root / "site"
    written = write_threads(list(import_paths("discourse", files, ImportOptions(jobs=2))), site / "content")
    assert len(written) == TOPICS
    return site


def _differing(a: dict[str, bytes], b: dict[str, bytes]) -> list[str]:
    return sorted(set(a) ^ set(b)) + [name for name in sorted(set(a) & set(b)) if a[name] != b[name]]


@pytest.mark.slow
def test_archive_output_is_the_same_serial_parallel_cold_and_cached(tmp_path: Path) -> None:
    site = _import_topics(tmp_path)
    config = load_config(site, {"output_dir": str(tmp_path / "out")})
    serial = build(config, write=False, jobs=1, use_cache=False)
    assert not serial.report.errors, [p.format() for p in serial.report.errors[:5]]
    assert len(serial.files) > 2 * TOPICS
    parallel = build(config, write=False, jobs=2, use_cache=False)
    assert _differing(serial.files, parallel.files) == []

    build_and_read(config, jobs=2)  # fills .digest-cache
    edited = sorted((site / "content").glob("*.md"))[TOPICS // 2]
    original = edited.read_bytes()
    edited.write_bytes(original + b"\nA sentence added, then taken away again.\n")
    changed = build_and_read(config, jobs=1)
    assert changed.cached == "state" and _differing(serial.files, changed.files) != []
    edited.write_bytes(original)
    cached = build_and_read(config, jobs=1)
    assert cached.cached == "state" and cached.parsed == 1
    assert _differing(serial.files, cached.files) == []
