"""The distribution works outside the repository: `.ci/wheel_check.py` builds the sdist and the wheel, installs
the wheel into a fresh venv and runs `digest new`, `build`, `check`, `import` and `serve` from an empty folder."""

from __future__ import annotations

import subprocess
import sys

import pytest
from support import REPO, SHARED


@pytest.mark.slow
def test_wheel_installs_and_runs_outside_the_repository() -> None:
    done = subprocess.run(
        [sys.executable, str(REPO / ".ci" / "wheel_check.py"), "--shared", str(SHARED)],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "wheel check: passed" in done.stdout
    assert ("skipped: digest import" in done.stdout) is not (SHARED / "corpus").is_dir()
