"""Themes: find a theme folder, follow `extends` in its theme.toml, gather static files.

A theme is `themes/<name>/` with `templates/`, `static/` and `theme.toml`
(`name`, `description`, `extends = "default"`). The site's own `themes/`
folder is searched before the bundled ones, which are the package data of
`site_src.bundled_themes` (the repository's `themes/`), found through
`importlib.resources` wherever thread-digest is installed. `Theme.chain` lists
the theme first, then the themes it extends.
"""

from __future__ import annotations

import difflib
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from .config import CONFIG_NAME, is_theme_name, line_of_key_in
from .diagnostics import Problem, SourceError
from .load import FOLDER_LINK_HINT, FOLDER_LINK_REFUSED, LINK_HINT, display_path, escapes, link_refused, linked_out


def _bundled_themes() -> Path:
    folder = resources.files("site_src.bundled_themes")
    if not isinstance(folder, Path):  # a zipped install: templates must be real files for Jinja and the watcher
        raise RuntimeError(f"thread-digest's bundled themes are not on disk ({folder}); install it unzipped")
    return folder


BUNDLED_THEMES = _bundled_themes()
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
        if _is_theme(folder):
            return folder
    return None


def available_themes(site_dir: Path) -> list[str]:
    """Names of the themes a site can use: its own and the bundled ones."""
    roots = [root for root in (site_dir / "themes", BUNDLED_THEMES) if root.is_dir()]
    return sorted({p.name for root in roots for p in root.iterdir() if _is_theme(p)})


def _is_theme(folder: Path) -> bool:
    return (folder / "templates").is_dir() or (folder / "theme.toml").is_file()


def load_theme(name: str, site_dir: Path) -> Theme:
    """Resolve a theme and the themes it extends; errors name site.toml or the theme.toml at fault."""
    chain: list[Path] = []
    current: str | None = name
    asked_by = site_dir / CONFIG_NAME
    key = "theme"
    while current is not None:
        folder = find_theme_dir(current, site_dir)
        shown, line = _shown(asked_by, site_dir), line_of_key_in(asked_by, key)
        if folder is None:
            known = available_themes(site_dir)
            close = difflib.get_close_matches(current, known, n=1)
            hint = f"did you mean '{close[0]}'?" if close else "themes available: " + ", ".join(known)
            raise SourceError(shown, line, f"theme '{current}' not found", hint=hint)
        if folder.is_relative_to(site_dir / "themes") and linked_out(folder, site_dir):
            raise SourceError(display_path(folder, site_dir), 0, FOLDER_LINK_REFUSED, hint=FOLDER_LINK_HINT)
        if folder in chain:
            raise SourceError(shown, line, f"theme '{current}' extends itself through {[p.name for p in chain]}")
        chain.append(folder)
        asked_by, key = folder / "theme.toml", "extends"
        current = _extends(folder, site_dir)
    return Theme(name=name, chain=tuple(chain))


def _shown(path: Path, site_dir: Path) -> str:
    """A problem's path: relative to the site folder when inside it (a bundled theme's stays absolute)."""
    try:
        return path.relative_to(site_dir).as_posix()
    except ValueError:
        return path.as_posix()


def _extends(folder: Path, site_dir: Path) -> str | None:
    path = folder / "theme.toml"
    if not path.is_file():
        return None
    shown = _shown(path, site_dir)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SourceError(shown, 0, f"invalid theme.toml: {exc}") from exc
    unknown = sorted(set(data) - set(THEME_KEYS))
    if unknown:
        line = line_of_key_in(path, unknown[0])
        raise SourceError(shown, line, f"unknown key '{unknown[0]}' (known: {', '.join(THEME_KEYS)})")
    extends = data.get("extends")
    if extends is not None and not (isinstance(extends, str) and is_theme_name(extends)):
        raise SourceError(shown, line_of_key_in(path, "extends"), f"'extends' must be a theme name, not {extends!r}")
    return extends


def collect_static(theme: Theme, site_dir: Path, problems: list[Problem] | None = None) -> dict[str, bytes]:
    """`static/...` output files: the base themes first, the theme over them, the site's `static/` over all.

    A symbolic link is followed only to a file inside the site folder (for the site's `static/`) or the theme's
    folder (for a theme's), never into a hidden part of it; any other is left out, with an error in `problems`.
    """
    files: dict[str, bytes] = {}
    folders = [(f / "static", f, f"the theme folder {f.name}/") for f in reversed(theme.chain)]
    folders.append((site_dir / "static", site_dir, "the site folder"))
    for folder, root, where in folders:
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            rel = path.relative_to(folder)
            if path.is_file() and not any(part.startswith(".") for part in rel.parts):
                if path.is_symlink() and escapes(path, root):
                    if problems is not None:
                        shown = display_path(path, site_dir)
                        problems.append(Problem(shown, 0, "error", link_refused(where), LINK_HINT))
                    continue
                files["static/" + rel.as_posix()] = path.read_bytes()
    return files
