"""Site configuration: `site.toml` (optional) -> `SiteConfig`.

Every key is checked: an unknown or mistyped key is an error naming the key,
its line and the closest known key, and all problems are reported together.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import re
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from .diagnostics import Problem, SourceError
from .load import FOLDER_LINK_HINT, FOLDER_LINK_REFUSED, linked_out

CONFIG_NAME = "site.toml"
CACHE_DIR = ".digest-cache"
"""The build's cache, in the site folder (`cache.py`)."""
SITE_FOLDERS = ("templates", "static", "themes")
"""The site's own templates, static files and themes: read by every build, never through a symbolic link out of
the site folder (as the content folder)."""
READ_FOLDERS = (*SITE_FOLDERS, CACHE_DIR)
"""Folders of the site that a build reads, besides `content_dir`: the output folder is never in, around or one of
them (nor `content_dir`), since a build replaces it whole and the next build would read its pages back."""


@dataclass(frozen=True, slots=True)
class SiteConfig:
    """What a site asks for. Field names are the `site.toml` keys."""

    title: str = "Discussion digest"
    """Site title, shown in the header, feeds and page titles."""
    description: str = ""
    """One sentence about the site, for the home page, feeds and meta tags."""
    base_url: str = "/"
    """Where the site will live: `https://example.org/` or `https://example.org/digest/` (a sub-path)."""
    relative_urls: bool = False
    """Write links relative to each page, so the site also works opened straight from disk."""
    language: str = "en"
    """Language of the site (the `lang` attribute), a BCP 47 tag."""
    author: str = ""
    """Who publishes the site; names the feed's author."""
    theme: str = "default"
    """Theme folder under `themes/` (the site's own, then the bundled ones)."""
    per_page: int = 20
    """Threads per index and tag page."""
    feed_items: int = 20
    """Entries in each Atom feed."""
    fold_depth: int = 8
    """Reply depth past which a branch continues on a page of its own."""
    summary_sentences: int = 3
    """Sentences in an automatic summary."""
    auto_tags: int = 0
    """Add this many suggested tags to each thread (marked automatic); 0 turns it off."""
    search: bool = False
    """Build a full-text search index (Pagefind) and show the search box."""
    output_dir: str = "public"
    """Output folder, relative to the site folder; in `site.toml` it must stay inside the site folder (a folder
    elsewhere is given on the command line, `digest build -o PATH`)."""
    content_dir: str = "content"
    """Folder of thread files, relative to the site folder."""
    site_dir: Path = field(default=Path("."), metadata={"internal": True})
    """The site folder (holds content/, site.toml, templates/, static/); not a key."""

    @classmethod
    def for_tests(cls, **changes: Any) -> SiteConfig:
        """Defaults with a few fields changed, for tests."""
        return dataclasses.replace(cls(), **changes)

    @property
    def base_path(self) -> str:
        """The path part of `base_url`, always starting and ending with `/`."""
        path = urlsplit(self.base_url).path or "/"
        return path if path.endswith("/") else path + "/"

    @property
    def site_origin(self) -> str:
        """`https://example.org` from `base_url`, or "" when it has no host."""
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""

    def absolute_url(self, site_path: str) -> str:
        """Full URL of a site path such as `/t/slug/` (just the path under the base when no host is known)."""
        return self.site_origin + self.base_path + quote(site_path.lstrip("/"), safe="/-_.~#")

    def output_path(self) -> Path:
        out = Path(self.output_dir)
        return out if out.is_absolute() else self.site_dir / out

    def content_path(self) -> Path:
        return self.site_dir / self.content_dir


KEYS = {f.name: f for f in fields(SiteConfig) if not f.metadata.get("internal")}
MAX_FOLD_DEPTH = 50
"""Templates nest one macro call per level: this keeps them far from Python's recursion limit."""
_POSITIVE = {"per_page", "feed_items", "fold_depth", "summary_sentences"}
MAX_CHARS = 1_000
"""Longest string value (a 2 MB `title`, repeated on every page, made 1.2 GB of output: issue 20)..."""
_MAX_CHARS = {"description": 10_000}
"""...but for these keys."""


def load_config(site_dir: Path, overrides: dict[str, Any] | None = None, config_path: Path | None = None) -> SiteConfig:
    """Read `site.toml` from `site_dir` (if any), apply CLI overrides, check everything.

    Raises `ConfigError` listing every problem found.
    """
    path = config_path or site_dir / CONFIG_NAME
    shown = path.name if config_path is None else os.path.abspath(path)  # problem paths: relative to the site
    values: dict[str, Any] = {}
    text = ""
    if path.is_file():
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8")
            values = tomllib.loads(text)
        except UnicodeDecodeError as exc:
            line = raw.count(b"\n", 0, exc.start) + 1
            raise ConfigError([Problem(shown, line, "error", "not UTF-8 text")], site_dir) from exc
        except tomllib.TOMLDecodeError as exc:
            line = int(m.group(1)) if (m := re.search(r"line (\d+)", str(exc))) else 0
            raise ConfigError([Problem(shown, line, "error", f"invalid TOML: {exc}")], site_dir) from exc
    problems = [_check(shown, text, key, value, site_dir) for key, value in values.items()]
    problems += [_check("command line", "", key, value) for key, value in (overrides or {}).items()]
    found = [p for p in problems if p is not None]
    if found:
        raise ConfigError(found, site_dir)
    merged = {**values, **(overrides or {})}
    config = SiteConfig(site_dir=site_dir, **merged)
    clash = _output_clash(config, shown, text, from_command_line="output_dir" in (overrides or {}))
    if clash is not None:
        raise ConfigError([clash], site_dir)
    read = [(config.content_dir, config.content_path())] + [(name, site_dir / name) for name in SITE_FOLDERS]
    linked = [
        Problem(name, 0, "error", FOLDER_LINK_REFUSED, FOLDER_LINK_HINT) for name, f in read if linked_out(f, site_dir)
    ]
    if linked:
        raise ConfigError(linked, site_dir)
    return config


def _check(shown: str, text: str, key: str, value: Any, site_dir: Path | None = None) -> Problem | None:
    """One key's problem, if any; `site_dir`: the site folder, for a key read from `site.toml` (None for one
    given on the command line)."""
    line = line_of_key(text, key)
    spec = KEYS.get(key)
    if spec is None:
        close = difflib.get_close_matches(key, KEYS, n=1)
        hint = f"did you mean '{close[0]}'?" if close else "known keys: " + ", ".join(sorted(KEYS))
        return Problem(shown, line, "error", f"unknown key '{key}'", hint)
    expected = type(spec.default)
    if expected is bool and not isinstance(value, bool):
        return Problem(shown, line, "error", f"'{key}' must be true or false, not {value!r}")
    if expected is int and (isinstance(value, bool) or not isinstance(value, int)):
        return Problem(shown, line, "error", f"'{key}' must be a whole number, not {value!r}")
    if expected is str and not isinstance(value, str):
        return Problem(shown, line, "error", f"'{key}' must be a string, not {value!r}")
    if expected is str and len(value) > (limit := _MAX_CHARS.get(key, MAX_CHARS)):
        return Problem(shown, line, "error", f"'{key}' is {len(value):,} characters long; at most {limit:,}")
    if key in _INSIDE_THE_SITE and site_dir is not None and not _inside(site_dir, value):
        message, hint = _INSIDE_THE_SITE[key]
        return Problem(shown, line, "error", f"'{key}' = '{value}' {message}", hint.format(value=value))
    if key == "theme" and not is_theme_name(value):
        return Problem(
            shown,
            line,
            "error",
            f"'theme' must be the name of a theme folder, not {value!r}",
            "a theme of the site's own goes in themes/<name>/ beside site.toml",
        )
    if key in _POSITIVE and value < 1:
        return Problem(shown, line, "error", f"'{key}' must be at least 1, not {value}")
    if key == "fold_depth" and value > MAX_FOLD_DEPTH:
        return Problem(shown, line, "error", f"'fold_depth' must be at most {MAX_FOLD_DEPTH}, not {value}")
    if key == "auto_tags" and value < 0:
        return Problem(shown, line, "error", "'auto_tags' must be 0 or more")
    if key == "base_url":
        return _check_base_url(shown, line, value)
    return None


def _output_clash(config: SiteConfig, shown: str, text: str, *, from_command_line: bool) -> Problem | None:
    """The problem when the output folder is the site folder, holds it, or is, holds or lies in a folder the
    build reads (`content_dir`, `READ_FOLDERS`): its pages would be read back as threads, templates (content run
    as Jinja code) or static files by the next build, or the build would replace its own input."""
    out = os.path.realpath(config.output_path())
    site = os.path.realpath(config.site_dir)
    read = [(f"content folder ({config.content_dir}/)", config.content_path())]
    read += [(f"{name}/ folder", config.site_dir / name) for name in READ_FOLDERS]
    clash = ""
    if _within(site, out):
        clash = "is the site folder" if out == site else "holds the site folder"
    for label, folder in read:
        real = os.path.realpath(folder)
        if not clash and _within(out, real):
            clash = f"is the site's {label}" if out == real else f"is inside the site's {label}"
        elif not clash and _within(real, out):
            clash = f"holds the site's {label}"
    if not clash:
        return None
    if from_command_line:
        where, line, subject = "command line", 0, f"the output folder {out}"
    else:
        where, line, subject = shown, line_of_key(text, "output_dir"), f"'output_dir' = '{config.output_dir}'"
    return Problem(
        where,
        line,
        "error",
        f"{subject} {clash}",
        "a build replaces its output folder whole, and the next build would read its pages back:"
        ' give the output a folder of its own, such as output_dir = "public"',
    )


def _within(path: str, folder: str) -> bool:
    """Whether the resolved `path` is the resolved `folder` or lies inside it."""
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def is_theme_name(value: str) -> bool:
    """A theme is named by its folder's name (found in `themes/` of the site, then the bundled themes), never by
    a path: no separator, not `.`, `..`, empty or absolute."""
    return value not in ("", ".", "..") and not any(c in value for c in "/\\\0")


_INSIDE_THE_SITE = {
    "output_dir": (
        "is outside the site folder",
        "a build writes outside the site only when told on the command line: digest build -o {value}",
    ),
    "content_dir": (
        "is not a folder inside the site folder",
        'thread files are read only from inside the site, e.g. content_dir = "content"',
    ),
}
"""Keys of `site.toml` naming a folder that must be inside the site folder: what is wrong, and the hint."""


def _inside(site_dir: Path, value: str) -> bool:
    """Whether the folder `value` (relative to the site folder, or absolute) is in the site folder, once `..`
    and symbolic links are followed."""
    site = site_dir.resolve()
    return site in (site_dir / value).resolve().parents


def _check_base_url(shown: str, line: int, value: str) -> Problem | None:
    try:
        parts = urlsplit(value)
    except ValueError:  # "http://[x": an unclosed IPv6 host
        parts = None
    if parts is not None and value.startswith("/") and not parts.netloc:
        return None
    if parts and parts.scheme in ("http", "https") and parts.netloc and not parts.query and not parts.fragment:
        return None
    return Problem(
        shown,
        line,
        "error",
        f"'base_url' must be an http(s) URL or a path starting with '/', not {value!r}",
        'for example base_url = "https://example.org/digest/"',
    )


def line_of_key(text: str, key: str) -> int:
    """The 1-based line of TOML `text` that sets top-level `key`; 0 when none does."""
    match = re.search(rf"^\s*\"?{re.escape(key)}\"?\s*=", text, re.MULTILINE)
    return text.count("\n", 0, match.start()) + 1 if match else 0


def line_of_key_in(path: Path, key: str) -> int:
    """`line_of_key` of a file (0 when it cannot be read)."""
    try:
        return line_of_key(path.read_text(encoding="utf-8"), key)
    except (OSError, UnicodeDecodeError):
        return 0


class ConfigError(Exception):
    """`site.toml` or the command line asked for something impossible."""

    def __init__(self, problems: list[Problem], site_dir: Path = Path(".")) -> None:
        super().__init__("\n".join(p.format() for p in problems))
        self.problems = problems
        """Their paths are relative to `site_dir` (or absolute)."""
        self.site_dir = site_dir


__all__ = ["CACHE_DIR", "CONFIG_NAME", "ConfigError", "SiteConfig", "SourceError", "load_config"]
