"""[parse] JSON thread (`.json`): the interchange format of thread-format.md.

Text in, `Thread` out, no disk. Only `title` is required at the top and only
`body` in a comment; unknown keys are kept under `extra`. Problems inside the
comment tree name the comment's place (`comments[2].replies[0]`) and, where
the comment has an id, the line it is on.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from json.scanner import NUMBER_RE
from typing import Any

from ..diagnostics import Problem, SourceError
from ..load import SourceText
from ..model import Comment, Thread
from .fields import assign_missing_ids, comment_from_fields, thread_header

THREAD_KEYS = ("title", "source", "author", "date", "tags", "summary", "slug", "draft", "locked", "body", "comments")
COMMENT_KEYS = ("id", "author", "date", "score", "body", "replies")


def parse(source: SourceText, warnings: list[Problem]) -> Thread:
    """Read a JSON thread file."""
    path, text = source.path, source.text
    data = load_json(path, text)
    if not isinstance(data, dict):
        raise SourceError(path, 1, f"a JSON thread must be an object {{...}}, found {type(data).__name__}")
    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        raise SourceError(path, _line_of_key(text, "title"), "the thread has no 'title' (a non-empty string)")

    def line_of(key: str) -> int:
        return _line_of_key(text, key)

    body = data.get("body", "")
    if not isinstance(body, str):
        raise SourceError(path, line_of("body"), "'body' must be a string of Markdown")
    thread = thread_header(path, data, title.strip(), line_of)
    thread.body = body
    thread.extra = {k: v for k, v in data.items() if k not in THREAD_KEYS}
    thread.comments = _comments(path, text, data.get("comments", []))
    return thread


def load_json(path: str, text: str) -> Any:
    """json.loads with errors as SourceError at the right line; any nesting depth works.

    The C parser recurses, so past about a thousand levels it raises RecursionError;
    such a file is parsed again by `loads_iterative`, which keeps its own stack.
    """
    try:
        try:
            return json.loads(text, object_pairs_hook=_unique_keys)
        except (RecursionError, _DuplicateKey):  # too deep for the C parser; or a key twice: find where
            return loads_iterative(text, unique_keys=True)
    except json.JSONDecodeError as exc:
        raise SourceError(
            path,
            exc.lineno,
            f"invalid JSON: {exc.msg} (column {exc.colno})",
            excerpt=text.split("\n")[exc.lineno - 1][:200],
        ) from exc
    except ValueError as exc:  # a number too long to convert (int_max_str_digits)
        match = _LONG_NUMBER.search(text)
        line = text.count("\n", 0, match.start()) + 1 if match else 0
        raise SourceError(path, line, f"invalid JSON: {exc}".split(";")[0]) from exc


scanstring: Callable[[str, int, bool], tuple[str, int]] = json.decoder.scanstring  # type: ignore[attr-defined]
"""The C string scanner `json` itself uses (not in the type stubs)."""
_LONG_NUMBER = re.compile(r"\d{4000,}")
_WHITESPACE = re.compile(r"[ \t\n\r]*")
_CONSTANTS = {"null": None, "true": True, "false": False, "NaN": float("nan"), "Infinity": float("inf")}
_CONSTANTS["-Infinity"] = float("-inf")


class _DuplicateKey(ValueError):
    """An object of the file gives one key twice (`_unique_keys`)."""


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """`json.loads`'s object hook: the object, or `_DuplicateKey` when a key comes twice. JSON readers keep the
    last value silently, so a second `"replies"` dropped a whole branch of comments without a word."""
    value = dict(pairs)
    if len(value) != len(pairs):
        raise _DuplicateKey
    return value


def loads_iterative(text: str, *, unique_keys: bool = False) -> Any:
    """A JSON document -> Python values like `json.loads`, with an explicit stack instead of recursion.

    Slower than `json.loads`; used only for documents nested too deeply for it, and to find where a key comes
    twice in one object (`unique_keys`: that is an error at the second).
    Raises `json.JSONDecodeError` with the position of the first error.
    """
    end = len(text)
    containers: list[Any] = []
    keys: list[str] = []
    starts: list[int] = []
    """Where each open object's current key starts (for the error about a key given twice)."""
    pos = 0
    while True:  # read one value; text[pos] starts it (after white space)
        pos = _skip(text, pos)
        char = text[pos : pos + 1]
        value: Any
        if char in ("{", "["):
            pos = _skip(text, pos + 1)
            if text[pos : pos + 1] == ("}" if char == "{" else "]"):
                value, pos = ({} if char == "{" else []), pos + 1
            else:
                containers.append({} if char == "{" else [])
                if char == "{":
                    starts.append(pos)
                    key, pos = _key(text, pos)
                    keys.append(key)
                continue
        elif char == '"':
            value, pos = scanstring(text, pos + 1, True)
        else:
            value, pos = _scalar(text, pos)
        while True:  # place the value; close containers until one wants another value
            if not containers:
                pos = _skip(text, pos)
                if pos != end:
                    raise json.JSONDecodeError("Extra data", text, pos)
                return value
            top = containers[-1]
            if isinstance(top, dict):
                if unique_keys and keys[-1] in top:
                    message = f"key {json.dumps(keys[-1])} given twice in one object (JSON would keep only the last)"
                    raise json.JSONDecodeError(message, text, starts[-1])
                top[keys[-1]] = value
            else:
                top.append(value)
            pos = _skip(text, pos)
            char = text[pos : pos + 1]
            if char == ",":
                if isinstance(top, dict):
                    starts[-1] = _skip(text, pos + 1)
                    keys[-1], pos = _key(text, starts[-1])
                else:
                    pos += 1
                break
            if char != ("}" if isinstance(top, dict) else "]"):
                raise json.JSONDecodeError("Expecting ',' delimiter", text, pos)
            value, pos = containers.pop(), pos + 1
            if isinstance(value, dict):
                keys.pop()
                starts.pop()


def _skip(text: str, pos: int) -> int:
    """The position after any JSON white space at `pos`."""
    match = _WHITESPACE.match(text, pos)
    return match.end() if match else pos


def _key(text: str, pos: int) -> tuple[str, int]:
    """`"name" :` at `pos` -> the name and the position after the colon."""
    if text[pos : pos + 1] != '"':
        raise json.JSONDecodeError("Expecting property name enclosed in double quotes", text, pos)
    key, pos = scanstring(text, pos + 1, True)
    pos = _skip(text, pos)
    if text[pos : pos + 1] != ":":
        raise json.JSONDecodeError("Expecting ':' delimiter", text, pos)
    return key, pos + 1


def _scalar(text: str, pos: int) -> tuple[Any, int]:
    for word, value in _CONSTANTS.items():
        if text.startswith(word, pos):
            return value, pos + len(word)
    match = NUMBER_RE.match(text, pos)
    if match is None:
        raise json.JSONDecodeError("Expecting value", text, pos)
    integer, fraction, exponent = match.groups()
    if fraction or exponent:
        return float(integer + (fraction or "") + (exponent or "")), match.end()
    return int(integer), match.end()


def _comments(path: str, text: str, raw: Any) -> list[Comment]:
    """Build the comment tree without recursion, so any depth that json.loads accepts works."""
    if not isinstance(raw, list):
        raise SourceError(path, _line_of_key(text, "comments"), "'comments' must be a list")
    top: list[Comment] = []
    ordered: list[tuple[Comment, int]] = []
    lines = _lines_of_ids(text)
    stack: list[tuple[Any, str, list[Comment]]] = [
        (item, f"comments[{i}]", top) for i, item in reversed(list(enumerate(raw)))
    ]
    while stack:
        item, where, siblings = stack.pop()
        comment, replies = _comment(path, lines, item, where)
        siblings.append(comment)
        ordered.append((comment, comment.line))
        stack.extend(
            (reply, f"{where}.replies[{i}]", comment.replies) for i, reply in reversed(list(enumerate(replies)))
        )
    assign_missing_ids(ordered, path)
    return top


def _comment(path: str, lines: dict[str, list[int]], item: Any, where: str) -> tuple[Comment, list[Any]]:
    if not isinstance(item, dict):
        raise SourceError(path, 0, f"{where}: a comment must be an object, found {type(item).__name__}")
    raw_id = item.get("id")
    if raw_id is not None and (not isinstance(raw_id, str | int) or isinstance(raw_id, bool)):
        raise SourceError(path, 0, f"{where}: 'id' must be a string or number")
    comment_id = str(raw_id) if raw_id is not None else ""
    line = _take_line(lines, comment_id) if comment_id else 0
    body = item.get("body")
    if not isinstance(body, str):
        problem = "has no 'body'" if body is None else "'body' must be a string of Markdown"
        raise SourceError(path, line, f"{where}: comment {problem}")
    replies = item.get("replies", [])
    if replies in ("", None):
        replies = []
    if not isinstance(replies, list):
        raise SourceError(path, line, f"{where}: 'replies' must be a list")
    try:
        comment = comment_from_fields(path, line, item, body, comment_id, COMMENT_KEYS)
    except SourceError as exc:
        found = exc.problem
        raise SourceError(path, found.line, f"{where}: {found.message}", hint=found.hint) from exc
    return comment, replies


def _line_of_key(text: str, key: str) -> int:
    match = re.search(rf'"{re.escape(key)}"\s*:', text)
    return text.count("\n", 0, match.start()) + 1 if match else 1


_ID_VALUE = re.compile(r'"id"\s*:\s*("(?:[^"\\]|\\.)*"|-?\d+)')


def _lines_of_ids(text: str) -> dict[str, list[int]]:
    """Lines of every `"id": value` for every id in the text, in order, in one pass (a search per comment was
    quadratic: minutes for 10,000 comments). Comments take them in reading order (`_take_line`), so the second
    comment with an id is placed on its own line, not on the first one's."""
    lines: dict[str, list[int]] = {}
    line, counted = 1, 0
    for match in _ID_VALUE.finditer(text):
        raw = match.group(1)
        try:
            value = str(json.loads(raw)) if raw.startswith('"') else raw
        except ValueError:
            continue
        line += text.count("\n", counted, match.start())
        counted = match.start()
        lines.setdefault(value, []).append(line)
    return lines


def _take_line(lines: dict[str, list[int]], comment_id: str) -> int:
    """The line of the next comment with `comment_id` (the last one seen when the text has fewer)."""
    found = lines.get(comment_id)
    if not found:
        return 0
    return found.pop(0) if len(found) > 1 else found[0]
