"""A thread of hostile and odd content, for tests that compare two ways of rendering it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from site_src.model import Comment, Thread

PAYLOADS = [
    line for line in (Path(__file__).resolve().parents[1] / "xss_payloads.txt").read_text("utf-8").splitlines() if line
]
"""tests/xss_payloads.txt, one payload a line."""


def hostile_thread() -> Thread:
    """Payloads in bodies, names, flair and links; deleted comments; every badge; scores of every kind; a
    chain deeper than the fold; odd ids."""
    comments: list[Comment] = []
    extras: list[dict[str, Any]] = [
        {},
        {"flair": "<b>mod</b> & 'co'", "edited": True},
        {"accepted": True, "more_replies": 1, "more_url": "https://example.org/more?a=1&b=<2>"},
        {"more_replies": 3, "more_url": "javascript:alert(1)"},
        {"more_replies": True, "flair": 0, "edited": ""},
        {"flair": 12, "accepted": 1},
    ]
    authors = [None, "<script>alert(1)</script>", "op_author", '"quoted" & <tag>', "", "x y"]
    scores = [None, 1, -1, 0, 2, -7]
    moments: list[Any] = [None, date(2024, 2, 29), datetime(2024, 3, 1, 12, 5, tzinfo=UTC)]
    for n, payload in enumerate(PAYLOADS):
        comment = Comment(
            body=payload,
            id=["c{}", "id with space {}", "<i>{}</i>", "x0123456789", "a\"'{}"][n % 5].format(n),
            author=authors[n % len(authors)],
            date=moments[n % len(moments)],
            score=scores[n % len(scores)],
            extra=dict(extras[n % len(extras)]),
        )
        parent = comments[(n * 7) % len(comments)] if n % 3 and comments else None
        (parent.replies if parent is not None else comments).append(comment)
    deleted = Comment(body="[deleted]", id="deleted", author=None)
    deleted.replies.append(Comment(body="", id="empty", author="someone"))
    comments.append(deleted)
    chain = Comment(body="level 1", id="chain-1", author="op_author")
    comments.append(chain)
    for level in range(2, 31):
        reply = Comment(body=f"level {level} <em>not html</em> **bold**", id=f"chain-{level}", author="b")
        chain.replies.append(reply)
        chain = reply
    _unique_ids(comments)
    return Thread(
        title="<script>alert('title')</script>",
        path="content/hostile.md",
        author="op_author",
        date=date(2024, 2, 1),
        body="The post & <b>its</b> body",
        source="https://example.org/t?a=1&b=<2>'",
        tags=["<b>tag</b>", "a'b & c"],
        summary="A summary </script> & 'so' on",
        comments=comments,
    )


def _unique_ids(roots: list[Comment]) -> None:
    seen: set[str] = set()
    stack = list(roots)
    while stack:
        comment = stack.pop()
        while comment.id in seen:
            comment.id += "_"
        seen.add(comment.id)
        stack.extend(comment.replies)
