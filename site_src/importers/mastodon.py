"""Mastodon status + `context` JSON -> one Thread per conversation.

In: (path, JSON text) pairs: a status (`GET /api/v1/statuses/<id>`) and/or its context
(`GET /api/v1/statuses/<id>/context`: `{"ancestors": [...], "descendants": [...]}`), in any order;
all statuses found are pooled by id.
Out: the conversation's first status is the post, every other status a comment under the status
it answers (`in_reply_to_id`). A context alone lacks the status it was asked for: when the root is
absent, the post is a stand-in (`missing_post`) whose author and URL come from the replies' mentions.
HTML `content` becomes Markdown; a content warning is kept as `cw` and the text behind it is a `::: spoiler`
block titled with it (hidden until clicked, as Mastodon shows it), attachments as image links.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from ..model import Comment, Thread
from .common import build_tree, thread_file_name, title_from_text, utc_from_iso
from .errors import ImportFailure
from .html_to_markdown import html_to_markdown, spoiler_block


def _statuses(path: str, text: str) -> list[dict[str, Any]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFailure(path, exc.lineno, f"not valid JSON ({exc.msg}, column {exc.colno})") from exc
    if isinstance(data, dict) and isinstance(data.get("descendants"), list):
        found = list(data.get("ancestors") or []) + list(data["descendants"])
    elif isinstance(data, dict) and "content" in data and "account" in data:
        found = [data]
    else:
        raise ImportFailure(path, 1, "expected a Mastodon status or a context ({ancestors, descendants})")
    for index, status in enumerate(found):
        if not isinstance(status, dict) or not status.get("id") or not isinstance(status.get("account"), dict):
            raise ImportFailure(path, 1, f"status {index}: expected an object with 'id' and 'account'")
    return found


def _body(status: dict[str, Any]) -> str:
    body = html_to_markdown(status.get("content") or "")
    for media in status.get("media_attachments") or []:
        if isinstance(media, dict) and isinstance(media.get("url"), str):
            alt = (media.get("description") or media.get("type") or "attachment").replace("]", "")
            body += f"\n\n![{alt}]({media['url']})"
    warning = status.get("spoiler_text")
    if isinstance(warning, str) and warning.strip():  # behind its content warning, as Mastodon shows it
        return spoiler_block(body, " ".join(warning.split()))
    return body.strip()


def _comment(status: dict[str, Any]) -> Comment:
    account = status["account"]
    comment = Comment(
        body=_body(status),
        id=str(status["id"]),
        author=account.get("acct") or account.get("username"),
        date=utc_from_iso(status.get("created_at")),
        score=status.get("favourites_count") if isinstance(status.get("favourites_count"), int) else None,
    )
    if status.get("spoiler_text"):
        comment.extra["cw"] = status["spoiler_text"]
    if status.get("edited_at"):
        comment.extra["edited"] = status["edited_at"]
    if isinstance(status.get("url"), str):
        comment.extra["url"] = status["url"]
    return comment


def parse_mastodon(texts: list[tuple[str, str]]) -> Iterator[Thread]:
    """(path, JSON text) pairs -> one Thread per conversation root."""
    by_id: dict[str, dict[str, Any]] = {}
    for path, text in texts:
        for status in _statuses(path, text):
            by_id.setdefault(str(status["id"]), status)
    groups: dict[str, list[dict[str, Any]]] = {}
    for status in sorted(by_id.values(), key=lambda s: (str(s.get("created_at")), str(s["id"]))):
        groups.setdefault(_root_of(status, by_id), []).append(status)
    for root_id, members in groups.items():
        yield _thread(root_id, members, by_id)


def _root_of(status: dict[str, Any], by_id: dict[str, dict[str, Any]]) -> str:
    seen: set[str] = set()
    current = status
    while True:
        parent = current.get("in_reply_to_id")
        if parent is None or str(parent) in seen:
            return str(current["id"])
        seen.add(str(current["id"]))
        if str(parent) not in by_id:
            return str(parent)
        current = by_id[str(parent)]


def _thread(root_id: str, members: list[dict[str, Any]], by_id: dict[str, dict[str, Any]]) -> Thread:
    root = by_id.get(root_id)
    if root is not None:
        post = _comment(root)
        warning = post.extra.get("cw")  # a post behind a content warning is known by it, not by what it hides
        title = title_from_text(warning if isinstance(warning, str) else post.body) or f"Mastodon post {root_id}"
        thread = Thread(
            title=title,
            path=thread_file_name("mastodon", root_id, title),
            source=root.get("url"),
            author=post.author,
            date=post.date,
            body=post.body,
        )
        thread.extra.update({k: v for k, v in post.extra.items() if k != "url"})
    else:
        author, source = _guess_root(root_id, members)
        title = f"Replies to a post by @{author}" if author else f"Replies to Mastodon post {root_id}"
        thread = Thread(title=title, path=thread_file_name("mastodon", root_id, title), source=source, author=author)
        thread.extra["missing_post"] = True
    thread.extra.update({"origin": "mastodon", "origin_id": root_id})
    pairs: list[tuple[Comment, str | None]] = []
    for status in members:
        if str(status["id"]) == root_id:
            continue
        parent = str(status.get("in_reply_to_id"))
        pairs.append((_comment(status), None if parent == root_id else parent))
    thread.comments = build_tree(pairs)
    return thread


def _guess_root(root_id: str, members: list[dict[str, Any]]) -> tuple[str | None, str | None]:
    """The absent root's author (from a direct reply's mention of the account it answers) and URL."""
    for status in members:
        if str(status.get("in_reply_to_id")) != root_id:
            continue
        account = status["account"]
        if str(account.get("id")) == str(status.get("in_reply_to_account_id")):  # a reply to one's own post
            mention_like = {"id": account.get("id"), "acct": account.get("acct"), "url": account.get("url")}
            status = {**status, "mentions": [mention_like]}
        for mention in status.get("mentions") or []:
            if isinstance(mention, dict) and str(mention.get("id")) == str(status.get("in_reply_to_account_id")):
                url = mention.get("url")
                if isinstance(url, str) and url.startswith("http"):
                    parts = urlsplit(url)
                    return mention.get("acct"), f"{parts.scheme}://{parts.netloc}{parts.path}/{root_id}"
                return mention.get("acct"), None
    return None, None
