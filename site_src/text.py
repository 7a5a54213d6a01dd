"""Small text helpers shared by stages: slugs and truncation."""

from __future__ import annotations

import hashlib
import re
import unicodedata

_SLUG_DROP = re.compile(r"[^\w\-]+")
_DASHES = re.compile(r"[-_\s]+")
_SPELLED = {"+": "plus", "#": "sharp", "&": "and", "@": "at"}
MAX_SLUG = 80
MAX_SLUG_BYTES = 200
"""File systems allow 255 bytes per name: 80 four-byte letters would not fit."""
WINDOWS_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}


def slugify(text: str, fallback_seed: str = "") -> str:
    """Lower-case words joined by `-`: safe as one path segment on every file system.

    Unicode letters are kept (`/tags/日本語/` is a fine URL). No `/`, no `.`,
    never empty: when nothing is left, a short hash of `fallback_seed` (or the
    text) stands in; names Windows reserves get a `-` suffix.
    """
    folded = unicodedata.normalize("NFKC", text).casefold()
    for char, word in _SPELLED.items():
        folded = folded.replace(char, f"-{word}-")
    slug = _DASHES.sub("-", _SLUG_DROP.sub("-", folded)).strip("-")
    slug = slug[:MAX_SLUG]
    while len(slug.encode("utf-8")) > MAX_SLUG_BYTES:
        slug = slug[:-1]
    slug = slug.rstrip("-")
    if not slug:
        digest = hashlib.sha1((fallback_seed or text).encode("utf-8")).hexdigest()[:8]
        return f"x-{digest}"
    if slug in WINDOWS_RESERVED:
        slug += "-"
    return slug


def truncate_words(text: str, limit: int) -> str:
    """At most `limit` characters, cut at a word boundary with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-") + "…"


RTL_LANGUAGES = frozenset({"ar", "arc", "ckb", "dv", "fa", "he", "iw", "ks", "ps", "sd", "syr", "ug", "ur", "yi"})
"""Languages written right to left (primary subtags of BCP 47), unless a script subtag says otherwise."""
RTL_SCRIPTS = frozenset({"adlm", "arab", "hebr", "nkoo", "rohg", "syrc", "thaa"})
"""ISO 15924 scripts written right to left (`az-Arab`, `pa-Arab`)."""


def text_direction(language: str) -> str:
    """`rtl` or `ltr`: the direction a page in `language` (a BCP 47 tag: `ar`, `fa-IR`, `az-Arab`) is laid out in."""
    primary, *rest = language.strip().lower().replace("_", "-").split("-")
    script = next((part for part in rest if len(part) == 4 and part.isalpha()), None)
    if script is not None:
        return "rtl" if script in RTL_SCRIPTS else "ltr"
    return "rtl" if primary in RTL_LANGUAGES else "ltr"
