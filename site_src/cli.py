"""Command line: `digest build | serve | show | new | check | import | refresh | tags`. The only module that prints.

Exit codes: 0 success; 1 the input has errors (or warnings, with --strict);
2 the command itself is wrong (bad arguments, bad site.toml).
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import os
import signal
import sys
import time
from collections.abc import Iterator
from concurrent.futures import Executor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

from . import version
from .config import ConfigError, SiteConfig, load_config
from .diagnostics import Problem, Report, SourceError, counted, printable, shown_path
from .importers import cli as import_cli
from .importers import refresh as refresh_cli
from .load import display_path, read_source
from .pipeline import build
from .readers import parse_source
from .thread_files import format_moment, thread_to_dict

EXIT_OK, EXIT_ERRORS, EXIT_USAGE = 0, 1, 2
EXIT_INTERRUPTED, EXIT_TERMINATED = 128 + signal.SIGINT, 128 + signal.SIGTERM


class Terminated(BaseException):
    """SIGTERM (`timeout`, systemd, a CI cancel) during a build: it stops as Ctrl-C stops it, cleanly."""


_stopped: list[int] = []
"""The stop signals a build got: a handler's exception can be lost (Python ignores one raised where it cannot
propagate, such as a fork hook or a finaliser), the record is not."""


def _raise_terminated(signum: int, frame: object) -> None:
    _stopped.append(signum)
    raise Terminated


def _raise_interrupted(signum: int, frame: object) -> None:
    _stopped.append(signum)
    raise KeyboardInterrupt


def run() -> None:
    """The `digest` command (its console script, and `python -m site_src`): `main` on this process's arguments,
    ending the process when done (unless a profiler or tracer, such as cProfile or coverage, must write its
    results at exit)."""
    quiet_exit = sys.getprofile() is None and sys.gettrace() is None
    # The cyclic garbage collector scans the young objects every 50,000 allocations instead of 700: a build makes
    # millions of short-lived containers that reference counting frees (it makes almost no cycles) and keeps
    # hundreds of thousands of long-lived ones, which the default thresholds had it scan again and again (about
    # 5% of a one-thread rebuild at 10,000 threads). Worker processes are forked from this one and inherit it.
    gc.set_threshold(50_000, 20, 100)
    raise SystemExit(main(end_process=quiet_exit))


def main(argv: list[str] | None = None, *, end_process: bool = False) -> int:
    """`end_process`: a build ends the process itself (see `_end_process`); for `run` only, never in tests."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args:
        args = ["build"]
    parser = make_parser()
    options = parser.parse_args(args)
    options.end_process = end_process
    logging.basicConfig(
        level=logging.DEBUG if options.verbose else logging.WARNING, format="%(levelname)s: %(message)s"
    )
    try:
        return int(options.run(options))
    except ConfigError as exc:
        for problem in exc.problems:
            print(problem.format(exc.site_dir), file=sys.stderr)
        return EXIT_USAGE
    except (KeyboardInterrupt, Terminated) as exc:
        stopped = isinstance(exc, Terminated)
        print("terminated" if stopped else "interrupted", file=sys.stderr)
        code = EXIT_TERMINATED if stopped else EXIT_INTERRUPTED
        if end_process:  # no waiting at exit for a stopped worker pool's thread (`pipeline._PoolOnDemand`)
            _end_process(code)
        return code
    except BrokenPipeError:  # `digest tags | head`
        sys.stderr.close()
        return EXIT_OK


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="digest", description="Discussion threads in, a static digest site out.")
    parser.add_argument("--version", action=_PrintVersion, help="show the version and exit")
    parser.add_argument("-v", "--verbose", action="store_true", help="show causes of errors and debug logging")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    build_cmd = commands.add_parser("build", help="build the site into its output folder")
    _site_options(build_cmd)
    build_cmd.add_argument("--keep-going", action="store_true", help="publish the good threads even when some fail")
    build_cmd.add_argument("--strict", action="store_true", help="treat warnings as errors")
    build_cmd.add_argument("-q", "--quiet", action="store_true", help="print only problems")
    build_cmd.add_argument("-j", "--jobs", type=int, help="worker processes (default: one per core on large sites)")
    build_cmd.add_argument(
        "--no-cache", action="store_true", help="ignore .digest-cache/ (neither read nor written): a cold build"
    )
    build_cmd.add_argument(
        "--executor", metavar="URL", help="render on a running Dask cluster: dask://HOST:PORT (the [dask] extra)"
    )
    build_cmd.set_defaults(run=run_build)

    check_cmd = commands.add_parser("check", help="check the built site offline: links, anchors and assets")
    _site_options(check_cmd)
    check_cmd.set_defaults(run=run_check)

    show_cmd = commands.add_parser("show", help="print how one thread file was understood, as JSON")
    show_cmd.add_argument("file", type=Path)
    show_cmd.add_argument("--site", type=Path, default=Path("."), help="site folder for config (default: .)")
    show_cmd.set_defaults(run=run_show)

    new_cmd = commands.add_parser("new", help="create a new site folder with an example thread")
    new_cmd.add_argument("dir", type=Path)
    new_cmd.set_defaults(run=run_new)

    tags_cmd = commands.add_parser("tags", help="list tags, or suggest tags for each thread (--suggest)")
    tags_cmd.add_argument("site", nargs="?", type=Path, default=Path("."), help="site folder (default: .)")
    tags_cmd.add_argument("--suggest", action="store_true", help="print suggested tags per thread, to accept by hand")
    tags_cmd.add_argument("-n", type=int, default=3, help="suggestions per thread (default 3)")
    tags_cmd.set_defaults(run=run_tags)

    import_cmd = commands.add_parser("import", help="turn exports (Reddit, HN, Discourse, mbox, ...) into thread files")
    import_cli.add_arguments(import_cmd)
    import_cmd.set_defaults(run=import_cli.run)

    refresh_cmd = commands.add_parser("refresh", help="fetch imported threads again and merge what changed")
    refresh_cli.add_arguments(refresh_cmd)
    refresh_cmd.set_defaults(run=refresh_cli.run)

    serve_cmd = commands.add_parser("serve", help="preview the site on localhost, rebuilt and reloaded on every save")
    serve_cmd.add_argument("site", nargs="?", type=Path, default=Path("."), help="site folder (default: .)")
    serve_cmd.add_argument("--config", type=Path, help="config file (default: SITE/site.toml)")
    serve_cmd.add_argument("--base-url", help="override base_url (its path is where the preview is served)")
    serve_cmd.add_argument("--host", default="127.0.0.1", help="interface to bind (default: 127.0.0.1, this machine)")
    serve_cmd.add_argument("-p", "--port", type=int, help="port (default: 8000, or the next free one; 0: any)")
    serve_cmd.add_argument("--navigate", action="store_true", help="on save, open the page of the edited thread")
    serve_cmd.add_argument("--poll", action="store_true", help="poll for changes (network drives, some containers)")
    serve_cmd.set_defaults(run=run_serve)
    return parser


class _PrintVersion(argparse.Action):
    """`--version`: looks the version up only when asked (see `site_src.version`)."""

    def __init__(self, option_strings: list[str], dest: str, help: str | None = None) -> None:
        super().__init__(option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, nargs=0, help=help)

    def __call__(self, parser: argparse.ArgumentParser, *args: Any, **kwargs: Any) -> NoReturn:
        print(f"thread-digest {version()}")  # on stdout, as argparse's own "version" action does
        parser.exit()


def _site_options(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("site", nargs="?", type=Path, default=Path("."), help="site folder (default: .)")
    cmd.add_argument("-o", "--output", type=Path, help="output folder (default: public/ in the site)")
    cmd.add_argument("--config", type=Path, help="config file (default: SITE/site.toml)")
    cmd.add_argument("--base-url", help="override base_url for this build")
    cmd.add_argument("--relative-urls", action="store_true", default=None, help="links that work opened from disk")


def config_from_args(options: argparse.Namespace) -> SiteConfig:
    overrides: dict[str, Any] = {}
    if getattr(options, "output", None) is not None:
        overrides["output_dir"] = str(options.output.resolve())
    if getattr(options, "base_url", None) is not None:
        overrides["base_url"] = options.base_url
    if getattr(options, "relative_urls", None):
        overrides["relative_urls"] = True
    site_dir: Path = options.site
    if not site_dir.is_dir():
        raise ConfigError([Problem(os.path.abspath(site_dir), 0, "error", "no such site folder")])
    return load_config(site_dir, overrides, config_path=getattr(options, "config", None))


def run_build(options: argparse.Namespace) -> int:
    """`digest build`. SIGTERM and SIGINT stop it cleanly: the previous site stays (or the new one is already
    published), worker processes are stopped, and the exit code is 143 or 130."""
    _stopped.clear()
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    interrupt = signal.signal(signal.SIGINT, _raise_interrupted)
    try:
        return _run_build(options)
    finally:
        signal.signal(signal.SIGTERM, previous)
        signal.signal(signal.SIGINT, interrupt)


def _run_build(options: argparse.Namespace) -> int:
    config = config_from_args(options)
    started = time.perf_counter()
    tty = sys.stderr.isatty() and not options.quiet

    def progress(stage: str, done: int, total: int) -> None:
        if tty and total >= 200:
            print(f"\r{stage}: {done}/{total}", end="" if done < total else "\n", file=sys.stderr, flush=True)

    with remote_executor(options.executor) as executor:
        result = build(
            config,
            keep_going=options.keep_going,
            strict=options.strict,
            progress=progress,
            jobs=options.jobs,
            executor=executor,
            use_cache=not options.no_cache,
        )
    print_problems(result.report, config.site_dir)
    elapsed = time.perf_counter() - started
    failed = bool(result.report.errors) or (options.strict and bool(result.report.warnings))
    out = shown_path(config.output_path(), Path("."))
    if result.written is not None and not options.quiet:
        w = result.written
        if result.cached == "unchanged":
            counts = f"{counted(result.threads, 'thread')}, {counted(result.pages, 'file')}"
            what = f"nothing changed since the last build ({counts})"
        else:
            what = (
                f"built {counted(result.threads, 'thread')}, {counted(result.pages, 'file')} ({w.written} written, "
                f"{w.unchanged} unchanged, {w.removed} removed; {counted(result.parsed, 'thread')} read, "
                f"{counted(result.rendered, 'page')} rendered)"
            )
        print(f"{what} in {elapsed:.2f} s -> {out}", file=sys.stderr)
    code = EXIT_OK
    if failed:
        published = result.written is not None and result.cached != "unchanged"
        kept = "published anyway (--keep-going)" if published else f"{out} left as it was"
        print(f"{_count(result.report)}; {kept}", file=sys.stderr)
        code = EXIT_ERRORS
    if _stopped:  # the signal's exception was lost (see `_stopped`): the build went on to its end
        print("terminated" if _stopped[0] == signal.SIGTERM else "interrupted", file=sys.stderr)
        code = 128 + _stopped[0]
    if options.end_process:
        _end_process(code)  # here, while `result` (and the build state it holds) is still referenced
    return code


def _end_process(code: int) -> NoReturn:
    """Exit now, without freeing the build's objects one by one: a build of 10,000 threads leaves about a million
    (its cache state, records, site), and tearing them down, then the interpreter, took ~0.06 s of a one-thread
    rebuild (mypy ends the same way). Output is flushed and logging shut down first; worker pools and remote
    clients have been shut down by then."""
    sys.stdout.flush()
    sys.stderr.flush()
    logging.shutdown()
    os._exit(code)


def run_check(options: argparse.Namespace) -> int:
    """`digest check`: every internal link, `#anchor` and asset of the built output must resolve."""
    from .check import check_output, read_output

    config = config_from_args(options)
    out = config.output_path()
    if not out.is_dir():
        print(f"{shown_path(out, Path('.'))}: error: no built site here; run 'digest build' first", file=sys.stderr)
        return EXIT_ERRORS
    result = check_output(read_output(out), config.base_url, relative=config.relative_urls)
    for problem in result.problems:  # paths relative to the output folder
        print(problem.format(out), file=sys.stderr)
    print(f"{shown_path(out, Path('.'))}: {result.summary()}", file=sys.stderr)
    return EXIT_OK if result.ok else EXIT_ERRORS


@contextmanager
def remote_executor(url: str | None) -> Iterator[Executor | None]:
    """`dask://HOST:PORT` -> that cluster's `concurrent.futures` executor; None -> the default."""
    if url is None:
        yield None
        return
    if not url.startswith("dask://"):
        raise ConfigError([Problem("command line", 0, "error", f"--executor must be dask://HOST:PORT, not {url!r}")])
    try:
        from distributed import Client
    except ImportError as exc:
        hint = "install it with: pip install 'thread-digest[dask]'"
        raise ConfigError([Problem("command line", 0, "error", "--executor dask:// needs Dask", hint)]) from exc
    with Client(url.removeprefix("dask://"), timeout=10) as client:  # type: ignore[no-untyped-call]
        yield client.get_executor()


def print_problems(report: Report, site_dir: Path) -> None:
    """Every problem, its path shown from the current folder (problem paths are relative to `site_dir`)."""
    for problem in report.sorted():
        print(problem.format(site_dir), file=sys.stderr)


def _count(report: Report) -> str:
    errors, warnings = len(report.errors), len(report.warnings)
    return f"{counted(errors, 'error')}, {counted(warnings, 'warning')}"


def run_tags(options: argparse.Namespace) -> int:
    from .enrich import suggested_tags
    from .pipeline import parse_and_enrich

    config = load_config(options.site)
    report = Report()
    items = parse_and_enrich(config, report)
    print_problems(report, config.site_dir)
    if options.suggest:
        for path, tags in suggested_tags(items, options.n).items():
            print(f"{printable(path, path=True)}: {', '.join(tags) if tags else '(none)'}")
    else:
        counts: dict[str, int] = {}
        for item in items:
            for name in item.tag_names:
                counts[name] = counts.get(name, 0) + 1
        for name, count in sorted(counts.items(), key=lambda p: (-p[1], p[0].casefold())):
            print(f"{count:5d}  {name}")
    return EXIT_ERRORS if report.errors else EXIT_OK


def run_show(options: argparse.Namespace) -> int:
    from .enrich import enrich_thread
    from .enrich.keywords import DocumentFrequencies, thread_terms
    from .guard import crash_problem
    from .pipeline import parse_and_enrich

    path: Path = options.file
    config = load_config(options.site) if options.site.is_dir() else SiteConfig.for_tests()
    warnings: list[Problem] = []
    try:
        thread = parse_source(read_source(path, Path(".")), warnings)
    except SourceError as exc:
        for problem in [*warnings, exc.problem]:
            print(problem.format(), file=sys.stderr)
        return EXIT_ERRORS
    except Exception as exc:  # a parser's bug on this file's text (guard.py)
        print(crash_problem(path.as_posix(), 0, "cannot read", exc).format(), file=sys.stderr)
        return EXIT_ERRORS
    for problem in warnings:
        print(problem.format(), file=sys.stderr)
    item = enrich_thread(thread, config)
    site_items = parse_and_enrich(config, Report()) if config.content_path().is_dir() else []
    # the site's threads without this one (by its path inside the site: the file may be named from elsewhere)
    inside = display_path(path.resolve(), config.site_dir.resolve()) if config.content_path().is_dir() else ""
    # (`merge` is a class method: `frequencies.merge([this])` counted this thread alone, and show disagreed with
    # the page)
    others = [i.term_counts() for i in site_items if i.thread.path not in (item.thread.path, inside)]
    frequencies = DocumentFrequencies.from_counts([*others, item.term_counts()])
    terms = thread_terms(item.term_counts(), frequencies, thread.tags, config.auto_tags or 3)  # as the page does
    stats = item.stats
    data = thread_to_dict(thread)
    data["enrichment"] = {
        "slug": item.slug,
        "url": item.url,
        "summary": item.summary,
        "summary_is_auto": item.summary_is_auto,
        "key_points": [
            {"id": k.comment_id, "author": k.author, "quote": k.quote, "score": k.score, "role": k.role}
            for k in item.key_points
        ],
        "keywords": terms.keywords,
        "suggested_tags": terms.suggested_tags,
        "stats": {
            "comments": stats.comments,
            "participants": stats.participants,
            "max_depth": stats.max_depth,
            "first_date": format_moment(stats.first_date) if stats.first_date else None,
            "last_date": format_moment(stats.last_date) if stats.last_date else None,
            "most_replied": list(stats.most_replied) if stats.most_replied else None,
            "top_scored": list(stats.top_scored) if stats.top_scored else None,
        },
    }
    print(json.dumps(data, ensure_ascii=False, indent=2))
    return EXIT_OK


NEW_SITE_TOML = """\
# thread-digest site configuration. Every key is optional; see docs/configuration.md.
title = "My discussion digest"
description = "Discussions worth keeping."
base_url = "/"  # before deploying: the site's address, e.g. "https://example.org/digest/"
language = "en"
theme = "default"
per_page = 20
"""

NEW_THREAD = """\
---
title: Welcome to your digest
author: you
date: 2025-01-01
tags: [meta]
---

This is the post. Edit `content/welcome.md`, or drop `.txt`, `.md` and `.json`
thread files beside it, then run `digest build` or `digest serve`.

--- comment id=c1 author=reader date=2025-01-01T10:00:00Z score=3
A first comment.

--- comment id=c2 parent=c1 author=you
A reply to it: replies point at their parent with `parent=`.
"""


def run_new(options: argparse.Namespace) -> int:
    folder: Path = options.dir
    if folder.exists() and any(folder.iterdir()):
        print(f"{folder}: error: folder exists and is not empty", file=sys.stderr)
        return EXIT_ERRORS
    (folder / "content").mkdir(parents=True, exist_ok=True)
    (folder / "templates").mkdir(exist_ok=True)
    (folder / "static").mkdir(exist_ok=True)
    (folder / "site.toml").write_text(NEW_SITE_TOML, encoding="utf-8")
    (folder / "content" / "welcome.md").write_text(NEW_THREAD, encoding="utf-8")
    print(f"created {folder}: site.toml, content/welcome.md, templates/, static/", file=sys.stderr)
    print(f"next: digest build {folder}   or   digest serve {folder}", file=sys.stderr)
    return EXIT_OK


def run_serve(options: argparse.Namespace) -> int:
    from .serve import ServeOptions, serve

    config_from_args(options)  # a bad site.toml stops here, before anything is bound
    serve_options = ServeOptions(
        host=options.host,
        port=8000 if options.port is None else options.port,
        port_given=options.port is not None,
        navigate=options.navigate,
        poll=options.poll,
    )
    return serve(
        lambda: config_from_args(options), serve_options, config_path=options.config, out=sys.stdout, err=sys.stderr
    )
