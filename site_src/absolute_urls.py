"""Absolute URLs and Atom ids of site paths, as templates get them: `absolute_url(path)` and `atom_id(path)`.

Feeds and JSON-LD call both once per comment, so the origin and base path are worked out once per site.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Callable
from urllib.parse import quote

from .config import SiteConfig

_PATH_PLAIN = re.compile(r"[A-Za-z0-9_.~/#-]*")
"""Site paths `quote(path, safe="/-_.~#")` leaves as they are (most: feeds quote three per comment)."""


class AbsoluteUrl:
    """`absolute_url(path)` in templates: `config.absolute_url`, with the origin and base path worked out once
    (templates call it per comment)."""

    __slots__ = ("prefix",)

    def __init__(self, config: SiteConfig) -> None:
        self.prefix = config.absolute_url("")

    def __call__(self, site_path: str) -> str:
        path = site_path.lstrip("/")
        return self.prefix + (path if _PATH_PLAIN.fullmatch(path) else quote(path, safe="/-_.~#"))


class AtomId:
    """`atom_id(path)` in templates: the Atom id of a site path, its full URL when `base_url` has a host, else
    a `urn:uuid:` named by the site title and the path (the same in every build)."""

    __slots__ = ("absolute_url", "site_title")

    def __init__(self, site_title: str, absolute_url: Callable[[str], str]) -> None:
        self.site_title = site_title
        self.absolute_url = absolute_url

    def __call__(self, path: str) -> str:
        full = self.absolute_url(path)
        if full.startswith(("http://", "https://")):
            return full
        return f"urn:uuid:{uuid5_text(f'{self.site_title} {path}')}"


_URL_NAMESPACE = uuid.NAMESPACE_URL.bytes


def uuid5_text(name: str) -> str:
    """`str(uuid.uuid5(uuid.NAMESPACE_URL, name))`, without a `UUID` object (feeds name one per comment)."""
    number = int.from_bytes(hashlib.sha1(_URL_NAMESPACE + name.encode("utf-8")).digest()[:16])
    number = (number & ~(0xC000 << 48) | 0x8000 << 48) & ~(0xF000 << 64) | 5 << 76  # variant RFC 4122, version 5
    text = f"{number:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"
