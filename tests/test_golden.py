"""Golden-file build: a tiny site in, its whole expected output tree compared file by file.

Static files (`static/...`) are copies of the theme's and are left out of the expected tree.

After an intended change of output, rewrite the expected tree with `pytest tests/test_golden.py --update-golden`
and review the diff like code.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from support import build_site

GOLDEN = Path(__file__).parent / "golden"
SITES = sorted(p.name for p in GOLDEN.iterdir() if (p / "content").is_dir())


@pytest.mark.parametrize("name", SITES)
def test_golden_site(name: str, request: pytest.FixtureRequest) -> None:
    site = GOLDEN / name
    result = build_site(site, write=False)
    assert [p.format() for p in result.report.problems] == []
    files = {name: data for name, data in result.files.items() if not name.startswith("static/")}
    expected_dir = site / "expected"
    if request.config.getoption("--update-golden"):
        shutil.rmtree(expected_dir, ignore_errors=True)
        for file, data in files.items():
            target = expected_dir / file
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
    expected = {p.relative_to(expected_dir).as_posix(): p.read_bytes() for p in expected_dir.rglob("*") if p.is_file()}
    assert sorted(files) == sorted(expected), "the set of output files changed"
    changed = [file for file in sorted(expected) if files[file] != expected[file]]
    assert changed == [], f"output differs from tests/golden/{name}/expected (run with --update-golden to accept)"
