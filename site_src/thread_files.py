"""Thread -> thread-file text: the JSON interchange format and the Markdown thread format.

The inverse of `readers/`: what importers write and what `digest show` prints.
`parse(format_markdown(t))` and `parse(format_json(t))` give back the same thread.
"""

from __future__ import annotations

import json
import math
import re
from datetime import datetime
from typing import Any

import yaml

from .model import Comment, Moment, Thread

COMMENT_MARKER = "--- comment"
"""A line starting with this, outside a fenced code block, starts a comment in a `.md` thread."""

FENCE = re.compile(r"^ {0,3}(`{3,}(?=[^`]*$)|~{3,})")
"""A line opening or closing a fenced code block, as CommonMark has it (a backtick fence's info string holds
no backtick): the `.md` reader ignores comment markers between such lines, and the writer closes a fence
a body leaves open so that the next comment's marker is never taken into it."""


def fence_step(line: str, fence: str | None) -> tuple[str | None, bool]:
    """Reading Markdown line by line: the fence open after `line` (its backticks or tildes; None when none) given
    `fence`, the one open before it, and whether `line` is itself a fence line (opening, closing, or a fence of
    another kind inside a code block)."""
    found = FENCE.match(line)
    if found is None:
        return fence, False
    mark = found.group(1)
    if fence is None:
        return mark, True
    if mark[0] == fence[0] and len(mark) >= len(fence) and not line.strip()[len(mark) :].strip():
        return None, True
    return fence, True


def open_fence(text: str) -> str | None:
    """The fence still open at the end of `text` as its opening line begins (```` ``` ````, `  ~~~~`, ...), read as
    the `.md` reader reads it; None when every fence is closed."""
    if "```" not in text and "~~~" not in text:
        return None
    fence: str | None = None
    opener = ""
    for line in text.split("\n"):
        before = fence
        fence, _ = fence_step(line, fence)
        if before is None and fence is not None:
            opener = line[: len(line) - len(line.lstrip(" "))] + fence  # the opening line up to its mark
    return opener if fence is not None else None


def safe_body(text: str) -> str:
    """A body as a `.md` thread file can hold it: line breaks as `\\n` (the loader reads a lone CR as a line
    break, so one left in would split a line the marker escaping saw whole) and a fence left open closed (as it
    was opened, indentation too, so a fence in a list item closes inside it)."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    fence = open_fence(text)
    return text if fence is None else text.rstrip("\n") + "\n" + fence


def format_moment(moment: Moment) -> str:
    """ISO 8601: `2025-07-10` for a day, `2025-07-10T14:02:00Z` for an instant in UTC."""
    if isinstance(moment, datetime):
        text = moment.isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text
    return moment.isoformat()


def comment_to_dict(comment: Comment) -> dict[str, Any]:
    """One comment and its replies as JSON-ready data (iteratively, so any depth works)."""
    root = _comment_fields(comment)
    stack = [(comment, root)]
    while stack:
        node, data = stack.pop()
        for reply in node.replies:
            child = _comment_fields(reply)
            data["replies"].append(child)
            stack.append((reply, child))
    return root


def _comment_fields(comment: Comment) -> dict[str, Any]:
    data: dict[str, Any] = {"id": comment.id}
    if comment.author is not None:
        data["author"] = comment.author
    if comment.date is not None:
        data["date"] = format_moment(comment.date)
    if comment.score is not None:
        data["score"] = comment.score
    data.update(json_value(comment.extra))
    data["body"] = comment.body
    data["replies"] = []
    return data


def _header_fields(thread: Thread) -> dict[str, Any]:
    """The thread-level fields both file formats write, in their documented order, unset ones left out."""
    data: dict[str, Any] = {"title": thread.title}
    if thread.source:
        data["source"] = thread.source
    if thread.author is not None:
        data["author"] = thread.author
    if thread.date is not None:
        data["date"] = format_moment(thread.date)
    if thread.tags:
        data["tags"] = list(thread.tags)
    if thread.summary:
        data["summary"] = thread.summary
    if thread.slug:
        data["slug"] = thread.slug
    if thread.draft:
        data["draft"] = True
    return data


def json_value(value: Any) -> Any:
    """`value` with every float JSON cannot hold (YAML's `.nan` and `.inf`, Python's `NaN` in a `.json` file) as
    the text Python's `json` writes for it: `json.dumps` would write `NaN` and `Infinity`, which no other JSON
    reader takes."""
    if isinstance(value, float) and not math.isfinite(value):
        return json.dumps(value)
    if isinstance(value, dict):
        return {key: json_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [json_value(item) for item in value]
    return value


def thread_to_dict(thread: Thread) -> dict[str, Any]:
    """The thread in the JSON interchange format of thread-format.md."""
    data = _header_fields(thread)
    data["locked"] = thread.locked
    data.update(json_value(thread.extra))
    data["body"] = thread.body
    data["comments"] = [comment_to_dict(c) for c in thread.comments]
    return data


def format_json(thread: Thread) -> str:
    """A `.json` thread file, written without recursion so a reply chain of any depth works.

    The same text as `json.dumps(thread_to_dict(thread), ensure_ascii=False, indent=2)`, which would hit
    Python's recursion limit on chains a few thousand replies deep.
    """
    data = thread_to_dict(thread)
    comments = data.pop("comments")
    head = json.dumps(data, ensure_ascii=False, indent=2)
    out = [head[:-2], ',\n  "comments": ']
    _write_comments(out, comments, 1)
    out.append("\n}\n")
    return "".join(out)


def _write_comments(out: list[str], comments: list[dict[str, Any]], level: int) -> None:
    """Append a list of comment objects, as json.dumps(indent=2) lays them out at nesting `level`."""
    # Each stack entry is a piece of work: a list to open, or text to append when its children are done.
    stack: list[tuple[list[dict[str, Any]], int] | str] = [(comments, level)]
    while stack:
        work = stack.pop()
        if isinstance(work, str):
            out.append(work)
            continue
        items, depth = work
        if not items:
            out.append("[]")
            continue
        pad, inner = "  " * depth, "  " * (depth + 1)
        out.append("[")
        pending: list[tuple[list[dict[str, Any]], int] | str] = []
        for index, item in enumerate(items):
            fields = {key: value for key, value in item.items() if key != "replies"}
            opened = json.dumps(fields, ensure_ascii=False, indent=2)[:-2]  # without the closing "\n}"
            pending.append("\n" + inner + opened.replace("\n", "\n" + inner) + f',\n{inner}  "replies": ')
            pending.append((item["replies"], depth + 2))
            pending.append("\n" + inner + "}" + ("," if index < len(items) - 1 else ""))
        pending.append("\n" + pad + "]")
        stack.extend(reversed(pending))


def format_markdown(thread: Thread) -> str:
    """A `.md` thread file: YAML front matter, the post, then one `--- comment` block per comment."""
    meta = _header_fields(thread)
    if thread.locked:
        meta["locked"] = True
    meta.update(thread.extra)
    front = yaml.dump(meta, Dumper=_FrontMatterDumper, allow_unicode=True, sort_keys=False, width=1_000_000)
    parts = ["---\n", front, "---\n"]
    if thread.body:
        parts.append("\n" + _escape_body(thread.body).rstrip("\n") + "\n")
    stack: list[tuple[Comment, str | None]] = [(c, None) for c in reversed(thread.comments)]
    while stack:
        comment, parent = stack.pop()
        parts.append("\n" + _marker_line(comment, parent) + "\n")
        if comment.body:
            parts.append(_escape_body(comment.body).rstrip("\n") + "\n")
        stack.extend((reply, comment.id) for reply in reversed(comment.replies))
    return "".join(parts)


class _FrontMatterDumper(yaml.SafeDumper):
    """`yaml.safe_dump`, but a string holding a line break (of any kind YAML knows), a tab or edge spaces is
    written double-quoted with escapes: on one line, so no line of it can read as the closing `---`."""


_NEEDS_QUOTES = re.compile("[\n\r\t\x85\u2028\u2029]|^\\s|\\s$")


def _represent_text(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    style = '"' if _NEEDS_QUOTES.search(data) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_FrontMatterDumper.add_representer(str, _represent_text)


def _marker_line(comment: Comment, parent: str | None) -> str:
    fields: list[tuple[str, Any]] = [("id", comment.id)]
    if parent is not None:
        fields.append(("parent", parent))
    if comment.author is not None:
        fields.append(("author", comment.author))
    if comment.date is not None:
        fields.append(("date", format_moment(comment.date)))
    if comment.score is not None:
        fields.append(("score", comment.score))
    fields.extend(comment.extra.items())
    return COMMENT_MARKER + "".join(f" {key}={_attr_value(value)}" for key, value in fields)


_BARE_VALUE = re.compile(r"[A-Za-z0-9_.:/@+\-]+")
_MARKER_LIKE = re.compile(r"^\\*" + re.escape(COMMENT_MARKER))
_NUMBER = re.compile(r"[+-]?\d+(\.\d*)?([eE][+-]?\d+)?")


def _attr_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int | float):
        return repr(value)
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    if _BARE_VALUE.fullmatch(text) and text not in ("true", "false", "null") and not _NUMBER.fullmatch(text):
        return text
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{escaped}"'


def _escape_body(body: str) -> str:
    """Add a backslash before body lines that would read as a marker; the reader takes one off again."""
    body = safe_body(body)
    return "\n".join("\\" + line if _MARKER_LIKE.match(line) else line for line in body.split("\n"))
