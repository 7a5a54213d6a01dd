"""Every page type of both bundled themes is valid HTML (Nu HTML checker) and has no serious or critical
accessibility violation (axe-core in headless Chromium, light and dark).

The checkers are pinned in tests/tools/package.json and installed, when missing, with
`npm ci --prefix tests/tools --ignore-scripts --no-audit --no-fund` (node_modules is git-ignored).
Without java, npm or Chromium the tests skip, except on CI (CI=true), where they fail.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest
from support import build_example_site

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent
TOOLS = REPO / "tests" / "tools"
VNU_JAR = TOOLS / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE_JS = TOOLS / "node_modules" / "axe-core" / "axe.min.js"
THEMES = ("default", "broadsheet")
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
AXE_RUN = """async tags => {
    const options = {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']};
    return (await axe.run(document, options)).violations;
}"""
FOLD_DEPTH = 3
"""Low, so the example threads continue on `/t/<slug>/c/<id>/` pages."""


def _unavailable(reason: str) -> NoReturn:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (required on CI)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def tools() -> Path:
    """tests/tools/node_modules, installed from the lock file on first use."""
    if shutil.which("java") is None:
        _unavailable("java is not installed (the Nu HTML checker runs on Java)")
    if not (VNU_JAR.is_file() and AXE_JS.is_file()):
        npm = shutil.which("npm")
        if npm is None:
            _unavailable("npm is not installed (needed once to fetch vnu-jar and axe-core)")
        command = [npm, "ci", "--prefix", str(TOOLS), "--ignore-scripts", "--no-audit", "--no-fund"]
        done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
        if done.returncode != 0:
            _unavailable(f"`{' '.join(command)}` failed: {done.stderr.strip()[-500:]}")
    return TOOLS


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The example site built with each bundled theme (relative URLs, opened from file://)."""
    built: dict[str, Path] = {}
    for theme in THEMES:
        built[theme] = build_example_site(
            tmp_path_factory.mktemp(f"valid-{theme}"),
            f'title = "Example <digest> & co"\ndescription = "Threads, kept."\nbase_url = "https://example.org/"\n'
            f'theme = "{theme}"\nfold_depth = {FOLD_DEPTH}\nper_page = 5\nauthor = "Tester"\n',
        )
    return built


def page_types(out: Path) -> dict[str, Path]:
    """One page of every type: home, index page 2, thread, continuation, tag, tags, archive, month, stats, 404."""

    def first(pattern: str) -> Path:
        found = sorted(out.glob(pattern))
        assert found, f"no page matches {pattern} in {out}"
        return found[0]

    return {
        "home": out / "index.html",
        "index": out / "page" / "2" / "index.html",
        "thread": out / "t" / "repairs-that-paid-for-themselves" / "index.html",
        "continuation": first("t/*/c/*/index.html"),
        "tag": first("tags/*/index.html"),
        "tags": out / "tags" / "index.html",
        "archive": out / "archive" / "index.html",
        "month": first("archive/*/*/index.html"),
        "stats": out / "stats" / "index.html",
        "404": out / "404.html",
    }


@pytest.fixture(scope="module")
def vnu(tools: Path, sites: dict[str, Path]) -> Iterator[subprocess.Popen[str]]:
    """The Nu HTML checker over every page type of both themes, one JVM, started early to run beside axe."""
    pages = [path for out in sites.values() for path in page_types(out).values()]
    assert len(pages) == len(THEMES) * 10 and all(path.is_file() for path in pages)
    command = ["java", "-jar", str(VNU_JAR), "--errors-only", "--format", "json", *map(str, pages)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    yield process
    if process.poll() is None:
        process.kill()
        process.wait()


@pytest.mark.browser
def test_no_serious_accessibility_violations(vnu: subprocess.Popen[str], sites: dict[str, Path], browser: Any) -> None:
    """Light at desktop width for every page; dark at phone width for the thread page. (Starts vnu first.)"""
    runs = [
        (theme, kind, path, scheme, width)
        for theme, out in sites.items()
        for kind, path in page_types(out).items()
        for scheme, width in [("light", 1280), *([("dark", 360)] if kind == "thread" else [])]
    ]
    found: list[str] = []
    for scheme in ("light", "dark"):
        for width in (1280, 360):
            batch = [r for r in runs if r[3] == scheme and r[4] == width]
            if not batch:
                continue
            context = browser.new_context(color_scheme=scheme, viewport={"width": width, "height": 800})
            page = context.new_page()
            for theme, kind, path, _, _ in batch:
                page.goto(path.as_uri())
                page.add_script_tag(path=str(AXE_JS))
                violations = page.evaluate(AXE_RUN, AXE_TAGS)
                for v in violations:
                    if v["impact"] in ("serious", "critical"):
                        targets = [node["target"] for node in v["nodes"][:3]]
                        found.append(f"{theme} {kind} ({scheme}, {width}px): {v['id']} {v['impact']}: {targets}")
            context.close()
    assert found == [], "\n".join(found)


def test_every_page_type_is_valid_html(vnu: subprocess.Popen[str]) -> None:
    _, report = vnu.communicate(timeout=180)
    messages = json.loads(report)["messages"]
    errors = [
        f"{m.get('url', '?')}:{m.get('lastLine', '?')}: {m.get('message')}"
        for m in messages
        if m.get("type") in ("error", "non-document-error")
    ]
    assert errors == [], "\n".join(errors)
