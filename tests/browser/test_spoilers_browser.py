"""Spoilers in real Chromium, both themes: hidden until clicked, with no script on the page doing it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from support import build_example_site

pytestmark = pytest.mark.browser

THREAD = """---
title: Spoiler test
date: 2025-01-02
---

The plot, for those who saw it.

--- comment id=c1 author=ann
It was >!the butler, *obviously*!< all along.

::: spoiler Who did it
The gardener, with [a rake](https://example.org/rake).
:::
"""


@pytest.fixture(scope="module", params=["default", "broadsheet"])
def site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp(f"spoilers-{request.param}")
    toml = f'title = "Example"\nbase_url = "https://example.org/"\ntheme = "{request.param}"\n'
    return build_example_site(root, toml, {"spoiler-test.md": THREAD})


def test_spoilers_open_only_when_clicked(site: Path, browser: Any) -> None:
    context = browser.new_context(java_script_enabled=False)  # CSS and HTML alone do it
    page = context.new_page()
    page.goto((site / "t" / "spoiler-test" / "index.html").as_uri())
    inline = page.locator("span.spoiler")
    block = page.locator("details.spoiler")
    text_colour = "el => getComputedStyle(el).color"
    assert inline.evaluate(text_colour) == "rgba(0, 0, 0, 0)"
    assert inline.locator("em").evaluate(text_colour) == "rgba(0, 0, 0, 0)"
    assert not block.evaluate("el => el.open") and not page.get_by_text("The gardener").is_visible()
    assert block.locator("summary").inner_text() == "Who did it"
    inline.click()
    assert inline.evaluate(text_colour) != "rgba(0, 0, 0, 0)"
    block.locator("summary").click()
    assert block.evaluate("el => el.open") and page.get_by_text("The gardener").is_visible()
    context.close()
