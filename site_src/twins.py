"""Python twins of bundled theme macros: the same bytes as a macro, written without Jinja, where it matters.

A few macros of the default theme run once per comment of every thread (the comment tree, the thread feed's
entries), and a Jinja macro costs more than the text it writes. Each has a twin in Python (`comment_html.py`,
`feed_xml.py`) that writes exactly what the macro writes.

When a twin stands in: the theme environment (`render.py`) gives a template a `Twin` when the template's text
is exactly the bundled partial the twin was written from (by SHA-256). `ThemeTemplate.make_module`, which
`{% from ... import ... with context %}` calls, then exports the twin's stand-in in place of the macro. So:

- a theme or site with its own copy of the partial gets its own template, as the lookup order says;
- an edit of the bundled partial turns its twin off (the macro renders, slower and correct) until the twin is
  brought in line and its SHA-256 updated (its tests fail meanwhile);
- a stand-in hands anything it was not written for (other objects, keyword arguments) to the macro itself.

The text is read for this when Jinja loads a template (a build makes a new environment when a template's bytes
change), so an edit during `serve` is seen by the next rebuild, as the edit itself is.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import jinja2
from jinja2.environment import TemplateModule
from jinja2.runtime import Context
from jinja2.utils import missing


@dataclass(frozen=True, slots=True)
class Twin:
    """A macro of a bundled partial and how to stand in for it."""

    sha256: str
    """SHA-256 of the partial's text (UTF-8) the twin was written from."""
    macro: str
    """Name of the macro it replaces."""
    stand_in: Callable[[Any, Context], Any | None]
    """(the macro, the imported module's context) -> the callable to export instead, or None to keep the macro."""


def source_digest(source: str) -> str:
    return hashlib.sha256(source.encode("utf-8")).hexdigest()


class ThemeTemplate(jinja2.Template):
    """A theme template; one given a `Twin` exports the twin's stand-in instead of the macro when imported."""

    twin: Twin | None = None
    """Set by the environment when the template is loaded."""
    twin_checked: bool = False
    """Whether the environment has looked for this template's twin."""

    def make_module(
        self, vars: dict[str, Any] | None = None, shared: bool = False, locals: Mapping[str, Any] | None = None
    ) -> TemplateModule:
        context = self.new_context(vars, shared, locals)
        module = TemplateModule(self, context)
        twin = self.twin
        if twin is not None:
            macro = getattr(module, twin.macro, missing)
            stand_in = None if macro is missing else twin.stand_in(macro, context)
            if stand_in is not None:
                setattr(module, twin.macro, stand_in)
        return module
