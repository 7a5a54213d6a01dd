"""A third-party parser that fails on one thread's text fails that thread, never the build.

The libraries the build calls (markdown-it-pyrs, markdown-it-py, PyYAML, the JSON and TOML parsers, the
archive readers) can raise on input that breaks no rule of ours: with markdown-it-py 4.x and linkify-it-py
(no longer used), a 22-byte comment `ample.co[http://p://` raised `RuntimeError: inline rule didn't
increment state.pos`. The guard is per thread file, in `work.py`:

- reading (`process_source`): any exception becomes that file's `path: error:` (`crash_problem`);
- rendering (`render_thread`): the bodies the Markdown renderer cannot take are found (`plain_bodies`) and
  shown as preformatted text (a fenced code block: escaped, no link, no markup), each with a warning at
  its line, and the pages are rendered again; an exception that no body explains is that thread's error.

Only on the failing path is anything rendered twice: a site without such text pays nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from .diagnostics import Problem
from .model import Thread

REPORT_HINT = "a bug in thread-digest or in a library it uses: please report it with this file"
_BACKTICKS = re.compile("`+")


def fenced(text: str) -> str:
    """Markdown that shows `text` exactly, as preformatted text: a backtick fence longer than any run of
    backticks in it (so no line of the text can close it), with no info string."""
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}\n{text}\n{fence}\n"


def plain_bodies(thread: Thread, render: Callable[[str], object], source: str = "") -> list[Problem]:
    """Replace each body of `thread` that `render` raises on by `fenced(body)`; a warning for each, at the
    comment's line (the post body's line is looked up in `source`, the file's text, when given)."""
    warnings: list[Problem] = []
    failure = _failure(render, thread.body)
    if failure is not None:
        line = _line_in(source, thread.body)
        warnings.append(_fallback_warning(thread.path, line, "the post's", failure))
        thread.body = fenced(thread.body)
    for comment, _depth in thread.walk():
        failure = _failure(render, comment.body)
        if failure is not None:
            who = f"comment {comment.id}'s" if comment.id else "a comment's"
            warnings.append(_fallback_warning(thread.path, comment.line, who, failure))
            comment.body = fenced(comment.body)
    return warnings


def crash_problem(path: str, line: int, doing: str, exc: BaseException) -> Problem:
    """`path:line: error:` for an exception no rule of ours expected, while `doing` (e.g. "cannot read this file")."""
    return Problem(path, line, "error", f"{doing}: {describe(exc)}", REPORT_HINT)


def describe(exc: BaseException) -> str:
    """`RuntimeError: message`, on one line and at most 200 characters (the message may quote the input)."""
    text = " ".join(str(exc).split())
    if len(text) > 160:
        text = text[:159] + "…"
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _failure(render: Callable[[str], object], body: str) -> Exception | None:
    if not body:
        return None
    try:
        render(body)
    except Exception as exc:  # the renderer's bug, whatever its class: that is what is guarded
        return exc
    return None


def _fallback_warning(path: str, line: int, whose: str, exc: Exception) -> Problem:
    return Problem(
        path,
        line,
        "warning",
        f"{whose} Markdown made the Markdown library fail ({describe(exc)}); shown as plain text",
        "rewording the text around the failing link or bracket usually avoids it",
    )


def _line_in(source: str, body: str) -> int:
    """The line of `source` where `body` starts (0 when it cannot be found as written, e.g. JSON-escaped)."""
    first = next((line.strip() for line in body.split("\n") if line.strip()), "")
    if not source or not first:
        return 0
    at = source.find(first)
    return source.count("\n", 0, at) + 1 if at >= 0 else 0
