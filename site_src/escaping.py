"""What Jinja's autoescaping writes for `{{ value }}`, as a plain function (templates and their Python twins).

`escape_output(value)` is `str(markupsafe.escape(value))` without wrapping each piece in a `Markup` first:
pieces written out are only joined into the page, so the wrapper is wasted work.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import markupsafe
from markupsafe import Markup, escape


def _markupsafe_escape_text() -> Callable[[str], str]:
    """markupsafe's own escaping of a `str` (its C speedup), or `escape` itself if that ever moves."""
    inner: Callable[[str], str] | None = getattr(markupsafe, "_escape_inner", None)
    probe = '<a href="x">&\'</a>'
    if inner is not None and inner(probe) == str(escape(probe)):
        return inner
    return lambda text: str(escape(text))


escape_text = _markupsafe_escape_text()
"""`str(escape(text))` for a `str` (exactly `str`, not a subclass such as `Markup`)."""


def escape_output(value: Any) -> str:
    """What autoescaping writes for `{{ value }}`: `str(markupsafe.escape(value))`."""
    kind = type(value)
    if kind is str:
        return escape_text(value)
    if kind is Markup:
        return value  # type: ignore[no-any-return]
    if kind is int:  # depths, counts: digits need no escaping
        return str(value)
    return escape(value)
