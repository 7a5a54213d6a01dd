"""The build, stage by stage: the table of contents of thread-digest.

load -> parse -> enrich (per thread, pure) -> assemble (whole site) -> render -> write.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .config import SiteConfig
from .diagnostics import Problem, Report, SourceError
from .enrich import EnrichedThread, enrich_thread
from .load import discover, display_path, read_source
from .readers import parse_source
from .render import Renderer, plan_pages, site_view
from .site import Site, assemble_site
from .themes import Theme, collect_static, load_theme
from .urls import output_file
from .write import OutputError, WriteStats, write_site

Progress = Callable[[str, int, int], None]
"""Called with (stage, done, total) as work goes on."""


@dataclass(slots=True)
class BuildResult:
    report: Report
    """Every problem found."""
    threads: int = 0
    """Threads published."""
    pages: int = 0
    """Files rendered (pages, feeds, static files)."""
    written: WriteStats | None = None
    """What the writer did; None when nothing was written."""
    files: dict[str, bytes] = field(default_factory=dict)
    """The rendered site (kept for callers that ask, e.g. tests and the dev server)."""


def build(
    config: SiteConfig,
    *,
    keep_going: bool = False,
    strict: bool = False,
    write: bool = True,
    progress: Progress | None = None,
) -> BuildResult:
    """Build the site of `config`; write it unless an error (or, with `strict`, a warning) says not to."""
    report = Report()
    theme = _theme(config, report)
    items = parse_and_enrich(config, report, progress)
    site = assemble_site(items, config, report)
    result = BuildResult(report=report, threads=len(site.threads))
    if theme is None:
        return result
    files = render_all(site, theme, report, progress)
    files.update(collect_static(theme, config.site_dir))
    result.pages, result.files = len(files), files
    blocked = bool(report.errors) or (strict and bool(report.warnings))
    if write and (keep_going or not blocked):
        try:
            result.written = write_site(files, config.output_path())
        except OutputError as exc:
            report.error(display_path(config.output_path(), config.site_dir), 0, str(exc))
    return result


def _theme(config: SiteConfig, report: Report) -> Theme | None:
    try:
        return load_theme(config.theme, config.site_dir)
    except SourceError as exc:
        report.add(exc.problem)
        return None


def parse_and_enrich(config: SiteConfig, report: Report, progress: Progress | None = None) -> list[EnrichedThread]:
    """Read, parse and enrich every thread file; a bad file becomes a problem and is skipped."""
    paths = discover(config.content_path(), config.site_dir)
    items: list[EnrichedThread] = []
    for done, path in enumerate(paths, start=1):
        item, problems = process_file(path, config)
        report.extend(problems)
        if item is not None:
            items.append(item)
        if progress:
            progress("read", done, len(paths))
    return items


def process_file(path: Path, config: SiteConfig) -> tuple[EnrichedThread | None, list[Problem]]:
    """One file, start to finish of the per-thread work: a pure function of the file and the config."""
    warnings: list[Problem] = []
    try:
        source = read_source(path, config.site_dir)
        thread = parse_source(source, warnings)
        return enrich_thread(thread, config), warnings
    except SourceError as exc:
        return None, [*warnings, exc.problem]


def render_all(site: Site, theme: Theme, report: Report, progress: Progress | None = None) -> dict[str, bytes]:
    """Render every page; a page that fails is reported (once per distinct problem) and left out."""
    renderer = Renderer(site_view(site.config), site.config, theme)
    files: dict[str, bytes] = {}
    seen: set[tuple[str, int, str]] = set()
    pages = list(plan_pages(site))
    for done, page in enumerate(pages, start=1):
        try:
            files[output_file(page.path)] = renderer.render(page)
        except SourceError as exc:
            problem = exc.problem
            key = (problem.path, problem.line, problem.message.split(" while rendering ")[0])
            if key not in seen:
                seen.add(key)
                report.add(problem)
        if progress and done % 200 == 0:
            progress("render", done, len(pages))
    return files
