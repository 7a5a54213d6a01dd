"""An imported Thread made exactly what a thread file gives back: `parse(format(t)) == t` in `.md` and `.json`.

In: a Thread straight from an importer, whose texts come from strangers' JSON and mail (a `\\ud800` or
`\\u0000` escape, a lone CR, a code fence never closed, a name with a line break in it).
Out: the same Thread, changed in place, deterministically, and only where a file could not hold it:
- characters no page or feed can carry (C0 controls but tab and line breaks, lone surrogates) become
  U+FFFD, as the readers do (`readers.fields.clean_text`), so nothing writes a NUL or fails to encode;
- CR LF and lone CR become LF (the loader reads any of them as a line break);
- a body's open code fence is closed (`thread_files.safe_body`): it renders the same, and the next
  comment's marker can no longer fall inside it; leading and trailing blank lines go, as the reader drops them;
- titles and names are one line, runs of white space made one space; an empty name is no name;
- a comment id outside the `.md` alphabet (`A-Z a-z 0-9 _ . : -`) has the other characters made `_`,
  and made unique; a score beyond 64 bits (no vote count) is dropped.
"""

from __future__ import annotations

import re
from typing import Any

from ..model import Thread
from ..readers.fields import MAX_SCORE, clean_text
from ..thread_files import safe_body

_ID = re.compile(r"[A-Za-z0-9_.:-]+")
_NOT_ID = re.compile(r"[^A-Za-z0-9_.:-]+")


def _text(value: str) -> str:
    value = clean_text(value)
    return value.replace("\r\n", "\n").replace("\r", "\n") if "\r" in value else value


def _body(value: str) -> str:
    return safe_body(clean_text(value)).strip("\n")


def _line(value: str) -> str:
    return " ".join(clean_text(value).split())


def _name(value: str | None) -> str | None:
    return (_line(value) or None) if value is not None else None


def _value(value: Any) -> Any:
    """Strings in an `extra` value (lists and dicts too) cleaned, the container rebuilt."""
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, list):
        return [_value(item) for item in value]
    if isinstance(value, dict):
        return {_text(str(key)): _value(item) for key, item in value.items()}
    return value


def normalize_thread(thread: Thread) -> Thread:
    """Normalise `thread` in place (see the module text) and return it."""
    thread.title = _line(thread.title) or "Untitled"
    thread.author = _name(thread.author)
    if thread.source is not None:
        thread.source = _line(thread.source) or None
    thread.body = _body(thread.body)
    thread.extra = _value(thread.extra)
    seen: set[str] = set()
    for comment, _depth in thread.walk():
        comment.body = _body(comment.body)
        comment.author = _name(comment.author)
        comment.extra = _value(comment.extra)
        if comment.score is not None and abs(comment.score) > MAX_SCORE:
            comment.score = None
        if not _ID.fullmatch(comment.id):
            comment.id = _NOT_ID.sub("_", comment.id) or "c"
        if comment.id in seen:
            base, number = comment.id, 2
            while f"{base}-{number}" in seen:
                number += 1
            comment.id = f"{base}-{number}"
        seen.add(comment.id)
    return thread
