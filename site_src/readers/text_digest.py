"""[parse] Plain-text digest (`.txt`): a discussion as copied out of a forum page.

Text in, `Thread` out, no disk. Shape (see docs/formats.md, "Plain-text digest"):
title line; optional source URL, `Posted by`, `Tags:`, `Date:`, `Summary:`,
`N comments` header lines; post body; numbered comments (`  1. `) with
indented continuation lines; an optional `Comments are closed.` footer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..diagnostics import Problem, SourceError
from ..load import SourceText
from ..model import Comment, Thread
from .fields import assign_missing_ids, date_from_url, parse_moment, parse_tags

_COMMENT_START = re.compile(r"^ {1,3}(\d{1,9})\. ?(.*)$")  # longer numbers are text, not comments
_URL_LINE = re.compile(r"^https?://\S+$")
_POSTED_BY = re.compile(r"^Posted by\s+(.+?)\s*$", re.IGNORECASE)
_COUNT = re.compile(r"^(\d[\d,]{0,14})\s+comments?\s*$", re.IGNORECASE)
_HEADER_FIELD = re.compile(r"^(Tags|Date|Summary):\s*(.*?)\s*$", re.IGNORECASE)
_FOOTER = re.compile(r"^Comments are closed\.?\s*$", re.IGNORECASE)
_CONTINUATION_INDENT = 4


@dataclass(slots=True)
class _Header:
    source: str | None = None
    author: str | None = None
    declared: int | None = None
    declared_line: int = 0
    fields: dict[str, tuple[str, int]] = field(default_factory=dict)
    body: list[str] = field(default_factory=list)


def parse(source: SourceText, warnings: list[Problem]) -> Thread:
    """Read a plain-text digest; a comment-count mismatch is added to `warnings`."""
    path, lines = source.path, source.text.split("\n")
    if not lines or not lines[0].strip():
        raise SourceError(path, 1, "the first line must be the thread's title, found an empty line")
    title = lines[0].strip()
    first_comment = next((i for i in range(1, len(lines)) if _COMMENT_START.match(lines[i])), len(lines))
    footer = _footer_index(lines, first_comment)
    header = _read_header(lines[1:first_comment], path, warnings)
    comment_lines = lines[first_comment : footer if footer is not None else len(lines)]
    comments = _read_comments(comment_lines, first_comment + 1, path, warnings)
    assign_missing_ids([(c, c.line) for c in comments], path)

    date = None
    if "date" in header.fields:
        value, line = header.fields["date"]
        date = parse_moment(value, path, line)
    else:
        date = date_from_url(header.source)
    tags = parse_tags(header.fields["tags"][0], path, header.fields["tags"][1]) if "tags" in header.fields else []
    summary = header.fields["summary"][0] if "summary" in header.fields else None
    if header.declared is not None and header.declared != len(comments):
        warnings.append(
            Problem(
                path,
                header.declared_line,
                "warning",
                f"header says {header.declared} comments, parsed {len(comments)}",
            )
        )
    return Thread(
        title=title,
        path=path,
        source=header.source,
        author=header.author,
        date=date,
        tags=tags,
        summary=summary or None,
        locked=footer is not None,
        body="\n".join(header.body).strip("\n"),
        comments=comments,
        declared_comments=header.declared,
    )


def _footer_index(lines: list[str], first_comment: int) -> int | None:
    """Index of the `Comments are closed.` line when it is the last non-blank line."""
    for i in range(len(lines) - 1, first_comment - 1, -1):
        if lines[i].strip():
            return i if _FOOTER.match(lines[i]) else None
    return None


def _read_header(lines: list[str], path: str, warnings: list[Problem]) -> _Header:
    """The lines between the title and the first comment. A field (`Tags:`, `Date:`, `Summary:`) is taken from
    its first line; a later line naming it again stays text of the post, with a warning (it used to replace the
    first without a word)."""
    header = _Header()
    for offset, raw in enumerate(lines):
        line_no = offset + 2
        text = raw.strip()
        field_match = _HEADER_FIELD.match(text)
        name = field_match.group(1).lower() if field_match else ""
        if field_match and name not in header.fields:
            header.fields[name] = (field_match.group(2), line_no)
        elif field_match:
            first = header.fields[name][1]
            message = f"a second '{field_match.group(1)}:' line is kept as text of the post (line {first} gives it)"
            warnings.append(Problem(path, line_no, "warning", message))
            header.body.append(raw)
        elif header.source is None and not any(header.body) and _URL_LINE.match(text):
            header.source = text
        elif header.author is None and not any(header.body) and (posted := _POSTED_BY.match(text)):
            header.author = posted.group(1)
        elif header.declared is None and (count := _COUNT.match(text)):
            header.declared = int(count.group(1).replace(",", ""))
            header.declared_line = line_no
        else:
            header.body.append(raw)
    return header


def _read_comments(lines: list[str], first_line: int, path: str, warnings: list[Problem]) -> list[Comment]:
    comments: list[Comment] = []
    body: list[str] = []
    previous_number = 0

    def close() -> None:
        if comments:
            comments[-1].body = "\n".join(body).strip("\n")

    for offset, raw in enumerate(lines):
        line_no = first_line + offset
        start = _COMMENT_START.match(raw)
        if start:
            close()
            number = int(start.group(1))
            if number != previous_number + 1:
                warnings.append(
                    Problem(
                        path,
                        line_no,
                        "warning",
                        f"comment numbered {number} follows comment {previous_number}",
                    )
                )
            previous_number = number
            comments.append(Comment(body="", line=line_no))
            body = [start.group(2).rstrip()]
        else:
            body.append(_dedent(raw))
    close()
    for comment in comments:
        if not comment.body.strip():
            raise SourceError(path, comment.line, "comment has no text")
    return comments


def _dedent(line: str) -> str:
    stripped = line.lstrip(" ")
    indent = len(line) - len(stripped)
    return line[min(indent, _CONTINUATION_INDENT) :].rstrip("\n")
