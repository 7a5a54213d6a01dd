"""Warnings about a build that worked but is probably not what was meant: nothing in it, or a sitemap and feeds
whose addresses cannot be absolute. Each is said once per build (a warning, so `--strict` stops on it)."""

from __future__ import annotations

from .config import CONFIG_NAME, SiteConfig, line_of_key_in
from .diagnostics import Problem, Report
from .load import display_path


def advise(config: SiteConfig, threads: int, report: Report) -> list[Problem]:
    """The warnings for a build of `config` that published `threads` threads and found what `report` holds."""
    found: list[Problem] = []
    if threads == 0 and not report.errors:
        found.append(
            Problem(
                display_path(config.content_path(), config.site_dir),
                0,
                "warning",
                "no threads: the site was built without a single thread page",
                "add .txt, .md or .json thread files here, or turn an export into them with 'digest import'",
            )
        )
    if not config.site_origin:
        found.append(
            Problem(
                CONFIG_NAME,
                line_of_key_in(config.site_dir / CONFIG_NAME, "base_url"),
                "warning",
                f"base_url {config.base_url!r} has no scheme and host, so sitemap.xml and the feeds hold addresses "
                "without them (the sitemap protocol and feed readers need absolute URLs)",
                'set base_url to where the site will be served, e.g. base_url = "https://example.org/digest/"',
            )
        )
    return found
