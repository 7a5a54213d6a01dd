"""Discourse topic JSON -> Threads; several pages of one topic are merged.

In: (path, JSON text) pairs, each a `/t/<slug>/<id>.json` page, a `?page=N` page, or a
`/t/<id>/posts.json` page (posts only, no title). Pages are grouped by topic id and their posts
merged by post number (a post seen twice is kept once), in any page order.
Out: one Thread per topic: post 1 is the post, every other post a comment, `p<number>` its id, placed
under the post it answers (`reply_to_post_number`; a reply to post 1 is top level). `cooked` HTML
becomes Markdown with links resolved against `base_url` when given, else against the forum's own address as
the topic names it (its links to `/t/...` topics and `/u/...` users, its `/user_avatar/<host>/` pictures); when
neither is known, site-relative links are kept and a warning says so. Polls show the votes of the JSON's `polls`
field. Small-action posts ("closed this topic") are kept as comments marked `action`; a missing post 1 gives a
stand-in post.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import orjson

from ..model import Comment, Thread
from .common import build_tree, thread_file_name, utc_from_iso
from .errors import ImportFailure, ImportWarning_
from .html_to_markdown import html_to_markdown

_ACTIONS = {
    "closed.enabled": "closed this topic",
    "closed.disabled": "opened this topic",
    "autoclosed.enabled": "closed this topic automatically",
    "archived.enabled": "archived this topic",
    "pinned.enabled": "pinned this topic",
    "pinned.disabled": "unpinned this topic",
    "visible.enabled": "listed this topic",
    "visible.disabled": "unlisted this topic",
    "split_topic": "split this topic",
}
_KINDS = {2: "moderator_action", 3: "small_action", 4: "whisper"}


@dataclass(slots=True)
class _Topic:
    meta: dict[str, Any] = field(default_factory=dict)
    posts: dict[int, dict[str, Any]] = field(default_factory=dict)
    hosts: Counter[str] = field(default_factory=Counter)
    """Hosts the topic's pages name as the forum's own (see `_FORUM_LINK`), with how often."""
    path: str = ""
    """The first page's path, for warnings."""
    relative: bool = False
    """Whether a page holds a site-relative link or image (`href="/..."`)."""


_FORUM_LINK = re.compile(r"https?://([A-Za-z0-9.-]+)/(?:t|u)/[^\s\"'\\]|/user_avatar/([A-Za-z0-9.-]+)/")
"""Links to the forum's own topics and users, and its avatar paths (`/user_avatar/<host>/...`): the host a
Discourse topic's relative links belong to."""
_RELATIVE = re.compile(r"""(?:href|src)=\\?["']/(?!/)""")  # in JSON text the quote is escaped: href=\"/...


def _load(path: str, text: str | bytes, skipped: list[ImportWarning_] | None = None) -> dict[str, Any]:
    """The page's JSON; a post without a whole-number `post_number` is left out, with a warning put in `skipped`."""
    try:
        data: dict[str, Any] = orjson.loads(text)  # several times quicker; its errors are JSONDecodeErrors
    except json.JSONDecodeError as exc:
        raise ImportFailure(path, exc.lineno, f"not valid JSON ({exc.msg}, column {exc.colno})") from exc
    stream = data.get("post_stream") if isinstance(data, dict) else None
    if not isinstance(stream, dict) or not isinstance(stream.get("posts"), list):
        raise ImportFailure(path, 1, "expected a Discourse topic: an object with post_stream.posts (a list)")
    good = [post for post in stream["posts"] if isinstance(post, dict) and type(post.get("post_number")) is int]
    if len(good) < len(stream["posts"]):
        for index, post in enumerate(stream["posts"]):
            if not (isinstance(post, dict) and type(post.get("post_number")) is int) and skipped is not None:
                message = f"post_stream.posts[{index}] skipped: expected a post with a whole-number 'post_number'"
                skipped.append(ImportWarning_(path, 1, message))
        stream["posts"] = good
    return data


def _likes(post: dict[str, Any]) -> int | None:
    actions = post.get("actions_summary")
    if not isinstance(actions, list):
        return None
    return sum(a.get("count", 0) or 0 for a in actions if isinstance(a, dict) and a.get("id") == 2)


def _polls(post: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """`{name: {"voters": n, "options": {option id: votes}}}` from a post's `polls` field."""
    out: dict[str, dict[str, Any]] = {}
    polls = post.get("polls")
    for poll in polls if isinstance(polls, list) else []:
        if not isinstance(poll, dict):
            continue
        options = poll.get("options")
        votes = {
            str(o.get("id")): o["votes"]
            for o in (options if isinstance(options, list) else [])
            if isinstance(o, dict) and isinstance(o.get("votes"), int)
        }
        out[str(poll.get("name", "poll"))] = {"voters": poll.get("voters"), "options": votes}
    return out


def _body(post: dict[str, Any], base_url: str | None) -> str:
    cooked = post.get("cooked")
    body = html_to_markdown(cooked, base_url, _polls(post)) if isinstance(cooked, str) else ""
    code = post.get("action_code")
    if not body and isinstance(code, str):
        body = f"*{_ACTIONS.get(code, code.replace('_', ' ').replace('.', ' '))}*"
    return body


def _comment(post: dict[str, Any], base_url: str | None) -> Comment:
    comment = Comment(
        body=_body(post, base_url),
        id=f"p{post['post_number']}",
        author=post.get("username") if isinstance(post.get("username"), str) else None,
        date=utc_from_iso(post.get("created_at")),
        score=_likes(post),
    )
    extra = comment.extra
    kind = _KINDS.get(post.get("post_type", 1))
    if kind:
        extra["kind"] = kind
    if isinstance(post.get("action_code"), str):
        extra["action"] = post["action_code"]
    if isinstance(post.get("version"), int) and post["version"] > 1:
        extra["edited"] = True
    if post.get("deleted_at") or post.get("user_deleted") is True:
        extra["deleted"] = True
    if post.get("accepted_answer") is True:
        extra["accepted"] = True
    if post.get("hidden") is True:
        extra["hidden"] = True
    return comment


def _add_page(topic: _Topic, data: dict[str, Any], text: str, base_url: str | None) -> None:
    if base_url is None:
        topic.hosts.update(a or b for a, b in _FORUM_LINK.findall(text))
        topic.relative = topic.relative or _RELATIVE.search(text) is not None
    for key, value in data.items():
        if key != "post_stream" and value is not None:
            topic.meta.setdefault(key, value)
    for post in data["post_stream"]["posts"]:
        topic.posts.setdefault(post["post_number"], post)


def _topic_id(data: dict[str, Any]) -> str:
    posts = data["post_stream"]["posts"]
    return str(posts[0].get("topic_id", data.get("id")) if posts else data.get("id"))


def _finish(topic_id: str, topic: _Topic, base_url: str | None) -> tuple[Thread, list[ImportWarning_]]:
    """The topic's Thread, and the warning about its links when there is one."""
    root = base_url
    warnings: list[ImportWarning_] = []
    if root is None:
        if topic.hosts:
            root = f"https://{max(topic.hosts.items(), key=lambda item: (item[1], item[0]))[0]}/"
        elif topic.relative:
            warnings.append(
                ImportWarning_(
                    topic.path,
                    1,
                    f"topic {topic_id}: site-relative links (/t/..., /uploads/...) kept as they are: the forum's "
                    "address is not in the export; give --base-url https://forum.example",
                )
            )
    return _thread(topic_id, topic, root), warnings


def _pass_on(warnings: list[ImportWarning_], warn: Callable[[ImportWarning_], None] | None) -> None:
    if warn is not None:
        for warning in warnings:
            warn(warning)


def parse_discourse(
    texts: list[tuple[str, str]],
    base_url: str | None = None,
    warn: Callable[[ImportWarning_], None] | None = None,
) -> Iterator[Thread]:
    """(path, JSON text) pairs -> one Thread per topic id found in them."""
    topics: dict[str, _Topic] = {}
    skipped: list[ImportWarning_] = []
    for path, text in texts:
        data = _load(path, text, skipped)
        _add_page(topics.setdefault(_topic_id(data), _Topic(path=path)), data, text, base_url)
    _pass_on(skipped, warn)
    for topic_id, topic in topics.items():
        thread, warnings = _finish(topic_id, topic, base_url)
        _pass_on(warnings, warn)
        yield thread


def parse_discourse_paths(
    paths: list[str],
    read: Callable[[str], bytes],
    base_url: str | None = None,
    warn: Callable[[ImportWarning_], None] | None = None,
    jobs: int | None = None,
) -> Iterator[Thread]:
    """Topic files -> one Thread per topic id, as `parse_discourse` gives, holding one topic at a time.

    A first pass reads each file only for its topic id (and to refuse a bad file before any thread is made);
    the second reads a topic's pages again, makes its Thread and lets it go. Parsing twice costs less than
    holding every topic: the archive of 5,046 topics is 125 MB of JSON. The second pass runs on `jobs`
    processes (default: one per core from `PARALLEL_FROM` topics on), a window of topics at a time, in order.
    """
    pages: dict[str, list[str]] = {}
    for path in paths:
        pages.setdefault(_topic_id(_load(path, read(path))), []).append(path)
    work = partial(_topic_thread, read=read, base_url=base_url)
    workers = jobs if jobs is not None else (os.cpu_count() or 1) if len(pages) >= PARALLEL_FROM else 1
    if workers <= 1:
        done: Iterator[tuple[Thread, list[ImportWarning_]]] = map(work, pages.items())
        for thread, warnings in done:
            _pass_on(warnings, warn)
            yield thread
        return
    from ..work import run_map

    with ProcessPoolExecutor(max_workers=workers) as pool:
        for thread, warnings in run_map(work, pages.items(), pool, len(pages)):
            _pass_on(warnings, warn)
            yield thread


PARALLEL_FROM = 200
"""Topics from which `parse_discourse_paths` converts on a process pool by default."""


def _topic_thread(
    topic: tuple[str, list[str]], read: Callable[[str], bytes], base_url: str | None
) -> tuple[Thread, list[ImportWarning_]]:
    """One topic's Thread (and its warnings) from its page files (run in a worker process, or here)."""
    topic_id, topic_paths = topic
    merged = _Topic(path=topic_paths[0])
    skipped: list[ImportWarning_] = []
    for path in topic_paths:
        data = read(path)
        _add_page(merged, _load(path, data, skipped), data.decode("utf-8") if base_url is None else "", base_url)
    thread, warnings = _finish(topic_id, merged, base_url)
    return thread, skipped + warnings


def _thread(topic_id: str, topic: _Topic, base_url: str | None) -> Thread:
    meta, posts = topic.meta, topic.posts
    any_post = next(iter(posts.values()), {})
    slug = meta.get("slug") or any_post.get("topic_slug") or ""
    title = meta.get("title") or (str(slug).replace("-", " ").capitalize() if slug else f"Topic {topic_id}")
    base = base_url.rstrip("/") if base_url else None
    first = posts.get(1)
    thread = Thread(
        title=str(title),
        path=thread_file_name("discourse", topic_id, str(title)),
        source=f"{base}/t/{slug or 'topic'}/{topic_id}" if base else None,
        author=first.get("username") if first else None,
        date=utc_from_iso(first.get("created_at")) if first else None,
        locked=meta.get("closed") is True,
        body=_body(first, base_url) if first else "",
    )
    thread.extra.update({"origin": "discourse", "origin_id": topic_id})
    if first is None:
        thread.extra["missing_post"] = True
    elif _likes(first) is not None:
        thread.extra["score"] = _likes(first)
    if "title" not in meta:
        thread.extra["title_from"] = "slug"
    if isinstance(meta.get("posts_count"), int):
        thread.declared_comments = meta["posts_count"] - 1
    pairs: list[tuple[Comment, str | None]] = []
    for number in sorted(posts):
        if number == 1:
            continue
        post = posts[number]
        target = post.get("reply_to_post_number")
        parent = f"p{target}" if isinstance(target, int) and target != 1 and target != number else None
        pairs.append((_comment(post, base_url), parent))
    thread.comments = build_tree(pairs)
    return thread
