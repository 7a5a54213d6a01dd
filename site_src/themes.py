"""Themes: find a theme folder, follow `extends` in its theme.toml, gather static files.

A theme is `themes/<name>/` with `templates/`, `static/` and `theme.toml`
(`name`, `description`, `extends = "default"`). The site's own `themes/`
folder is searched before the bundled one. `Theme.chain` lists the theme
first, then the themes it extends.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from .diagnostics import SourceError

BUNDLED_THEMES = Path(__file__).resolve().parent.parent / "themes"
"""The themes shipped with thread-digest (`default`, `broadsheet`)."""
THEME_KEYS = ("name", "description", "extends")


@dataclass(frozen=True, slots=True)
class Theme:
    name: str
    chain: tuple[Path, ...]
    """Folders, most specific first: the theme, then each theme it extends."""


def find_theme_dir(name: str, site_dir: Path) -> Path | None:
    for root in (site_dir / "themes", BUNDLED_THEMES):
        folder = root / name
        if (folder / "templates").is_dir() or (folder / "theme.toml").is_file():
            return folder
    return None


def load_theme(name: str, site_dir: Path) -> Theme:
    """Resolve a theme and the themes it extends; errors name site.toml or the theme.toml at fault."""
    chain: list[Path] = []
    current: str | None = name
    asked_by = "site.toml"
    while current is not None:
        folder = find_theme_dir(current, site_dir)
        if folder is None:
            known = sorted(
                p.name
                for root in (site_dir / "themes", BUNDLED_THEMES)
                if root.is_dir()
                for p in root.iterdir()
                if p.is_dir()
            )
            raise SourceError(asked_by, 0, f"theme '{current}' not found", hint="themes available: " + ", ".join(known))
        if folder in chain:
            raise SourceError(asked_by, 0, f"theme '{current}' extends itself through {[p.name for p in chain]}")
        chain.append(folder)
        asked_by = str(folder / "theme.toml")
        current = _extends(folder)
    return Theme(name=name, chain=tuple(chain))


def _extends(folder: Path) -> str | None:
    path = folder / "theme.toml"
    if not path.is_file():
        return None
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SourceError(str(path), 0, f"invalid theme.toml: {exc}") from exc
    unknown = sorted(set(data) - set(THEME_KEYS))
    if unknown:
        raise SourceError(str(path), 0, f"unknown key '{unknown[0]}' (known: {', '.join(THEME_KEYS)})")
    extends = data.get("extends")
    if extends is not None and not isinstance(extends, str):
        raise SourceError(str(path), 0, "'extends' must be a theme name")
    return extends


def collect_static(theme: Theme, site_dir: Path) -> dict[str, bytes]:
    """`static/...` output files: the base themes first, the theme over them, the site's `static/` over all."""
    files: dict[str, bytes] = {}
    folders = [folder / "static" for folder in reversed(theme.chain)] + [site_dir / "static"]
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            rel = path.relative_to(folder)
            if path.is_file() and not any(part.startswith(".") for part in rel.parts):
                files["static/" + rel.as_posix()] = path.read_bytes()
    return files
