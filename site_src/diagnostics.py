"""Problems found in the input, reported the way compilers do: `path:line: level: message`.

A stage that meets bad input raises `SourceError` (one problem, stops that file)
or adds a `Problem` to the `Report` (collects, the build goes on). `cli.py`
prints the report and turns it into an exit code.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

log = logging.getLogger(__name__)

Level = Literal["error", "warning"]
NOT_FILES = ("command line", "template")
"""Problem paths that name no file (`template base.html` too): shown as they are."""


_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
"""What a message must not carry to a terminal: control characters (ESC starts the sequences that recolour,
clear, retitle or write the clipboard; a carriage return or backspace overwrites what was printed) and the
bidirectional overrides that show text in another order than it is read. Tab and line feed stay."""
_UNPRINTABLE_IN_PATH = re.compile(_UNPRINTABLE.pattern[:-1] + "\t\n]")
"""...and a tab or line feed in a file name, which would forge a line of its own."""


def printable(text: str, *, path: bool = False) -> str:
    """`text` safe to print: each character of `_UNPRINTABLE` (or `_UNPRINTABLE_IN_PATH`) written as its escape
    (`\\x1b`, `\\n`, `\\u202e`), so a file name or line from a stranger can neither drive the terminal nor forge
    a message line."""
    pattern = _UNPRINTABLE_IN_PATH if path else _UNPRINTABLE
    if pattern.search(text) is None:
        return text
    return pattern.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the input."""

    path: str
    """File, relative to the site folder (or absolute when outside it); or one of `NOT_FILES`."""
    line: int
    """1-based line; 0 when the problem concerns the whole file."""
    level: Level
    """`error` stops the file (and fails the build); `warning` only informs."""
    message: str
    """What was found and what was expected."""
    hint: str = ""
    """The likely fix, when there is one."""
    excerpt: str = ""
    """The offending source line, shown under the message."""

    def format(self, site_dir: Path | None = None) -> str:
        """`path:line: level: message`, then the excerpt and hint indented. With `site_dir` (the folder `path` is
        relative to), the path is shown from where the command runs, so a terminal or editor can open it."""
        path = printable(self.path if site_dir is None else shown_path(self.path, site_dir), path=True)
        where = f"{path}:{self.line}" if self.line else path
        text = f"{where}: {self.level}: {printable(self.message)}"
        if self.excerpt:
            text += "\n    " + printable(self.excerpt.strip("\n"))
        if self.hint:
            text += f"\n    hint: {printable(self.hint)}"
        return text


class SourceError(Exception):
    """Bad input in one file; carries the `Problem` that describes it."""

    def __init__(self, path: str, line: int, message: str, *, hint: str = "", excerpt: str = "") -> None:
        super().__init__(message)
        self.problem = Problem(path, line, "error", message, hint, excerpt)

    def __str__(self) -> str:
        return self.problem.format()


@dataclass(slots=True)
class Report:
    """Everything a build found, in the order found."""

    problems: list[Problem] = field(default_factory=list)
    """Errors and warnings."""

    def add(self, problem: Problem) -> None:
        self.problems.append(problem)

    def error(self, path: str, line: int, message: str, hint: str = "") -> None:
        self.add(Problem(path, line, "error", message, hint))

    def warning(self, path: str, line: int, message: str, hint: str = "") -> None:
        self.add(Problem(path, line, "warning", message, hint))

    def extend(self, problems: list[Problem]) -> None:
        self.problems.extend(problems)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "warning"]

    def sorted(self) -> list[Problem]:
        """Problems by file and line, so output is stable whatever order work finished in."""
        return sorted(self.problems, key=lambda p: (p.path, p.line, p.level, p.message))


def counted(count: int, noun: str) -> str:
    """`1 thread`, `2 threads`, `0 threads`: a count with its noun in the right number (regular plurals only)."""
    return f"{count} {noun}{'s' * (count != 1)}"


def shown_path(path: str | Path, base: Path) -> str:
    """`path` (relative to `base`, or absolute) as a person at the terminal names it: relative to the current
    folder when inside it, absolute otherwise. `digest build sites/a` shows `sites/a/site.toml`."""
    text = str(path)
    if text in NOT_FILES or text.startswith(tuple(f"{name} " for name in NOT_FILES)):
        return text
    full = Path(os.path.abspath(base / path))
    try:
        return full.relative_to(os.getcwd()).as_posix()
    except ValueError:
        return full.as_posix()


def line_of_offset(text: str, offset: int) -> int:
    """1-based line number of a character offset."""
    return text.count("\n", 0, offset) + 1
