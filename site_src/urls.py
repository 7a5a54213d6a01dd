"""Site paths -> links and output files.

Pages are addressed by site paths (`/`, `/t/slug/`, `/tags/`, `/feed.xml`).
A link is written for the page it appears on: under the `base_url` path
(`/digest/t/slug/`), or, with `relative_urls`, relative to the page
(`../../t/slug/index.html`) so the site works opened straight from disk.
"""

from __future__ import annotations

import posixpath
from functools import lru_cache
from urllib.parse import quote

from .config import SiteConfig


def output_file(site_path: str) -> str:
    """Output file of a site path, relative to the output folder: `/t/x/` -> `t/x/index.html`."""
    path = site_path.lstrip("/")
    return path + "index.html" if path == "" or path.endswith("/") else path


class Linker:
    """Writes links for one page; templates call it as `url('/t/slug/')`."""

    __slots__ = ("base_path", "page_dir", "relative")

    def __init__(self, config: SiteConfig, page_path: str) -> None:
        self.base_path = config.base_path
        self.relative = config.relative_urls
        self.page_dir = posixpath.dirname(output_file(page_path))

    def __call__(self, target: str) -> str:
        if self.relative:
            return _link(target, "", True, self.page_dir)
        return _link(target, self.base_path, False, "")


@lru_cache(maxsize=4096)
def _link(target: str, base_path: str, relative: bool, page_dir: str) -> str:
    """The link to `target` (pages share most links: navigation, tags, static files)."""
    path, hash_mark, fragment = target.partition("#")
    suffix = f"#{quote(fragment, safe='-_.~')}" if hash_mark else ""
    if not path:
        return suffix or "#"
    encoded = quote(path, safe="/-_.~")
    if not relative:
        return base_path + encoded.lstrip("/") + suffix
    file = output_file(encoded)
    relative_path = posixpath.relpath(file, page_dir or ".")
    return relative_path + suffix
