"""The issue-8 table printed at the end of the session (the shared Chromium is the root conftest's `browser`)."""

from __future__ import annotations

from typing import Any

from security_support import METRICS


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """The issue-8 table: what was tried and what got through, for the tests that ran."""
    if not METRICS:
        return
    terminalreporter.section("security (issue 8)")
    for key in sorted(METRICS):
        terminalreporter.write_line(f"{key:<48} {METRICS[key]}")
