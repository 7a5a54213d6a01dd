"""Screenshots for the docs, from today's output: build the bundled example site, serve it on 127.0.0.1 and
photograph the home page and one thread page in headless Chromium at 1280 px wide (the viewport, not the whole page).

    .venv/bin/python docs/make_screenshots.py        # writes docs/screenshot.png and docs/screenshot-thread.png

Needs the test extra (Playwright) and Debian's chromium (`bash .ci/setup --test`); downloads nothing.
"""

from __future__ import annotations

import functools
import shutil
import sys
import tempfile
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from playwright.sync_api import ViewportSize, sync_playwright

from site_src.config import load_config
from site_src.pipeline import build

REPO = Path(__file__).resolve().parent.parent
DOCS = REPO / "docs"
THREAD = "/t/repairs-that-paid-for-themselves/"
"""A thread with a summary, key points and a deep comment tree."""
VIEWPORT: ViewportSize = {"width": 1280, "height": 860}
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic", "--no-first-run"]
MAX_BYTES = 300_000


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="digest-screenshots-") as tmp:
        out = Path(tmp) / "public"
        config = load_config(REPO, {"output_dir": str(out), "base_url": "/"})
        result = build(config, use_cache=False)
        if result.report.errors or result.written is None:
            for problem in result.report.sorted():
                print(problem.format(REPO), file=sys.stderr)
            return 1
        handler = functools.partial(_Quiet, directory=str(out))
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        root = f"http://127.0.0.1:{server.server_address[1]}"
        try:
            shots = {"screenshot.png": "/", "screenshot-thread.png": THREAD}
            with sync_playwright() as p:
                browser = p.chromium.launch(
                    executable_path=shutil.which("chromium") or "/usr/bin/chromium", headless=True, args=FLAGS
                )
                page = browser.new_page(viewport=VIEWPORT)
                for name, path in shots.items():
                    answer = page.goto(root + path, wait_until="networkidle")
                    if answer is None or answer.status != 200:
                        print(f"{path}: error: the built site does not answer 200", file=sys.stderr)
                        return 1
                    page.screenshot(path=str(DOCS / name), full_page=False)
                    size = (DOCS / name).stat().st_size
                    print(f"docs/{name}: {root}{path}, {size // 1000} KB")
                    if size > MAX_BYTES:
                        print(f"docs/{name}: error: larger than {MAX_BYTES // 1000} KB", file=sys.stderr)
                        return 1
                browser.close()
        finally:
            server.shutdown()
            server.server_close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
