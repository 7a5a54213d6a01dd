"""What can go wrong while importing: one error type that names the file and the place.

In: nothing. Out: `ImportFailure` (raised: the whole input is unusable) and `ImportWarning_`
(collected: one bad record skipped, the rest imported). Both format as the compiler-style
`path:line: level: message` that `cli.py` prints. Until `site_src/diagnostics.py` lands these
are the importers' own; they map one to one onto `Problem(path, line, level, message)`.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..diagnostics import printable


@dataclass(slots=True)
class ImportWarning_:
    """A record that was skipped or repaired; the import went on."""

    path: str
    """The input file, as given on the command line."""
    line: int
    """Line (1-based) or record number where the problem is; 0 when unknown."""
    message: str
    """What was found and what was done about it."""

    def __str__(self) -> str:
        return f"{printable(self.path, path=True)}:{self.line}: warning: {printable(self.message)}"


class ImportFailure(Exception):
    """The input cannot be imported at all (wrong shape, truncated, unreadable)."""

    def __init__(self, path: str, line: int, message: str) -> None:
        shown = printable(path, path=True) + (f":{line}" if line else "")
        super().__init__(f"{shown}: error: {printable(message)}")
        self.path = path
        """The input file, as given."""
        self.line = line
        """Line (1-based), record number or 0 when unknown."""
        self.message = message
        """What was found and what was expected."""

    def __reduce__(self) -> tuple[type[ImportFailure], tuple[str, int, str]]:
        """Pickled by its three fields: a failure in an import worker process reaches the command as it was."""
        return (ImportFailure, (self.path, self.line, self.message))


ImportError_ = ImportFailure
"""The name the issue uses; the same class."""
