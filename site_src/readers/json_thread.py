"""[parse] JSON thread (`.json`): the interchange format of thread-format.md.

Text in, `Thread` out, no disk. Only `title` is required at the top and only
`body` in a comment; unknown keys are kept under `extra`. Problems inside the
comment tree name the comment's place (`comments[2].replies[0]`) and, where
the comment has an id, the line it is on.
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any

from ..diagnostics import Problem, SourceError
from ..load import SourceText
from ..model import Comment, Thread
from .fields import assign_missing_ids, optional_bool, optional_text, parse_moment, parse_score, parse_tags

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
    raw_date = data.get("date")
    thread = Thread(
        title=title.strip(),
        path=path,
        source=optional_text(data.get("source"), path, line_of("source"), "source"),
        author=optional_text(data.get("author"), path, line_of("author"), "author"),
        date=parse_moment(raw_date, path, line_of("date")) if raw_date is not None else None,
        tags=parse_tags(data.get("tags"), path, line_of("tags")),
        summary=optional_text(data.get("summary"), path, line_of("summary"), "summary") or None,
        slug=optional_text(data.get("slug"), path, line_of("slug"), "slug") or None,
        draft=optional_bool(data.get("draft"), path, line_of("draft"), "draft"),
        locked=optional_bool(data.get("locked"), path, line_of("locked"), "locked"),
        body=body,
        extra={k: v for k, v in data.items() if k not in THREAD_KEYS},
    )
    thread.comments = _comments(path, text, data.get("comments", []))
    return thread


def load_json(path: str, text: str) -> Any:
    """json.loads with errors as SourceError at the right line."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise SourceError(
            path,
            exc.lineno,
            f"invalid JSON: {exc.msg} (column {exc.colno})",
            excerpt=text.split("\n")[exc.lineno - 1][:200],
        ) from exc
    except RecursionError as exc:
        raise SourceError(
            path, 0, f"JSON nested too deeply (more than about {sys.getrecursionlimit()} levels)"
        ) from exc


def _comments(path: str, text: str, raw: Any) -> list[Comment]:
    """Build the comment tree without recursion, so any depth that json.loads accepts works."""
    if not isinstance(raw, list):
        raise SourceError(path, _line_of_key(text, "comments"), "'comments' must be a list")
    top: list[Comment] = []
    ordered: list[tuple[Comment, int]] = []
    stack: list[tuple[Any, str, list[Comment]]] = [
        (item, f"comments[{i}]", top) for i, item in reversed(list(enumerate(raw)))
    ]
    while stack:
        item, where, siblings = stack.pop()
        comment, replies = _comment(path, text, item, where)
        siblings.append(comment)
        ordered.append((comment, comment.line))
        stack.extend(
            (reply, f"{where}.replies[{i}]", comment.replies) for i, reply in reversed(list(enumerate(replies)))
        )
    assign_missing_ids(ordered, path)
    return top


def _comment(path: str, text: str, item: Any, where: str) -> tuple[Comment, list[Any]]:
    if not isinstance(item, dict):
        raise SourceError(path, 0, f"{where}: a comment must be an object, found {type(item).__name__}")
    raw_id = item.get("id")
    if raw_id is not None and (not isinstance(raw_id, str | int) or isinstance(raw_id, bool)):
        raise SourceError(path, 0, f"{where}: 'id' must be a string or number")
    comment_id = str(raw_id) if raw_id is not None else ""
    line = _line_of_id(text, comment_id) if comment_id else 0
    body = item.get("body")
    if not isinstance(body, str):
        problem = "has no 'body'" if body is None else "'body' must be a string of Markdown"
        raise SourceError(path, line, f"{where}: comment {problem}")
    replies = item.get("replies", [])
    if replies in ("", None):
        replies = []
    if not isinstance(replies, list):
        raise SourceError(path, line, f"{where}: 'replies' must be a list")
    raw_date = item.get("date")
    try:
        comment = Comment(
            body=body,
            id=comment_id,
            author=optional_text(item.get("author"), path, line, "author"),
            date=parse_moment(raw_date, path, line) if raw_date is not None else None,
            score=parse_score(item.get("score"), path, line),
            line=line,
            extra={k: v for k, v in item.items() if k not in COMMENT_KEYS},
        )
    except SourceError as exc:
        problem = exc.problem
        raise SourceError(path, problem.line, f"{where}: {problem.message}", hint=problem.hint) from exc
    return comment, replies


def _line_of_key(text: str, key: str) -> int:
    match = re.search(rf'"{re.escape(key)}"\s*:', text)
    return text.count("\n", 0, match.start()) + 1 if match else 1


def _line_of_id(text: str, comment_id: str) -> int:
    match = re.search(rf'"id"\s*:\s*"?{re.escape(comment_id)}"?\s*[,}}]', text)
    return text.count("\n", 0, match.start()) + 1 if match else 0
