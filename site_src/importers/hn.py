"""Hacker News JSON -> Threads, in the three shapes HN data comes in.

In: JSON text of
- Algolia `items/<id>`: one item with nested `children` (`author`, `created_at_i`, `text`, `points`);
- Firebase `item/<id>`: flat items (`by`, `time`, `text`, `kids`, `parent`), one per file, or a list of
  them, or one a line (NDJSON), or several files given together; they are assembled by `kids`, and by
  `parent` for an item its parent does not list (fetched later than its parent, or rows without `kids`);
- HNPWA / node-hnapi `item/<id>`: nested `comments` (`user`, `time`, `content`, `level`);
- Algolia `search?tags=comment,story_<id>` pages (`hits`): flat, assembled as Firebase items by `parent_id`;
  comments whose story is not among the hits answer a stand-in post (`missing_post`) named from `story_title`.
Out: one Thread per root item (story, ask, job, poll, or a comment whose parent is not in the input),
replies under the item they answer; HTML text converted to Markdown. Kids named by an item but absent
from the input are counted as `more_replies`, never invented. A poll's options found in the input are
listed in its body; an option without its poll is a warning.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from ..model import Comment, Thread
from .common import build_tree, thread_file_name, title_from_text, utc_from_epoch, utc_from_iso
from .errors import ImportFailure, ImportWarning_
from .html_to_markdown import html_to_markdown

HN = "https://news.ycombinator.com"
_ROOT_TYPES = {"story", "job", "poll", "link", "ask", "show"}


def _item_url(item_id: Any) -> str:
    return f"{HN}/item?id={item_id}"


def _flags(node: dict[str, Any], extra: dict[str, Any]) -> None:
    for key in ("deleted", "dead"):
        if node.get(key) is True:
            extra[key] = True


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _new_thread(item_id: Any, title: str | None, body: str, node: dict[str, Any], author: Any, when: Any) -> Thread:
    is_comment = not title
    name = title or title_from_text(body) or f"HN item {item_id}"
    thread = Thread(
        title=name,
        path=thread_file_name("hn", str(item_id), name),
        source=_item_url(item_id),
        author=author if isinstance(author, str) and author else None,
        date=utc_from_epoch(when),
        body=body,
    )
    thread.extra.update({"origin": "hn", "origin_id": str(item_id)})
    if is_comment:
        thread.extra["root_kind"] = "comment"
        parent = node.get("parent_id", node.get("parent"))
        if parent is not None:
            thread.extra["parent_url"] = _item_url(parent)
    url = node.get("url")
    if isinstance(url, str) and url.startswith("http"):
        thread.extra["link"] = url
    score = _int(node.get("points", node.get("score")))
    if score is not None:
        thread.extra["score"] = score
    _flags(node, thread.extra)
    return thread


def _algolia_or_hnpwa(root: dict[str, Any], kids_key: str) -> Thread:
    """Nested shapes: Algolia (`children`) and HNPWA (`comments`)."""
    algolia = kids_key == "children"

    def fields(node: dict[str, Any]) -> tuple[str, Any, Any]:
        html = node.get("text" if algolia else "content")
        body = html_to_markdown(html, HN + "/") if isinstance(html, str) else ""
        when = node.get("created_at_i" if algolia else "time")
        if algolia and when is None:  # an item with only the ISO `created_at` (older Algolia records)
            moment = utc_from_iso(node.get("created_at"))
            when = int(moment.timestamp()) if moment else None
        return body, node.get("author" if algolia else "user"), when

    body, author, when = fields(root)
    thread = _new_thread(root.get("id"), root.get("title"), body, root, author, when)
    if not algolia and _int(root.get("comments_count")) is not None:
        thread.declared_comments = root["comments_count"]
    stack: list[tuple[list[Any], list[Comment]]] = [(root.get(kids_key) or [], thread.comments)]
    while stack:
        kids, into = stack.pop()
        for kid in kids:
            if not isinstance(kid, dict):
                continue
            text, who, at = fields(kid)
            comment = Comment(
                body=text,
                id=str(kid.get("id")),
                author=who if isinstance(who, str) and who else None,
                date=utc_from_epoch(at),
                score=_int(kid.get("points")) if algolia else None,
            )
            _flags(kid, comment.extra)
            into.append(comment)
            stack.append((kid.get(kids_key) or [], comment.replies))
    return thread


def _firebase(items: list[tuple[dict[str, Any], str]], warn: Callable[[ImportWarning_], None]) -> Iterator[Thread]:
    """Flat (item, path) pairs -> one thread per item whose parent is not in the set."""
    by_id: dict[Any, dict[str, Any]] = {}
    paths: dict[Any, str] = {}
    for item, path in items:
        by_id.setdefault(item.get("id"), item)
        paths.setdefault(item.get("id"), path)
    options: dict[Any, list[dict[str, Any]]] = {}
    for item in by_id.values():
        if item.get("type") == "pollopt":
            if item.get("poll") in by_id:
                options.setdefault(item["poll"], []).append(item)
            else:
                message = f"poll option {item.get('id')} skipped: its poll {item.get('poll')} is not in the input"
                warn(ImportWarning_(paths[item.get("id")], 1, message + " (an option alone is not a discussion)"))
    unlisted: dict[Any, list[dict[str, Any]]] = {}
    for item in by_id.values():
        parent = by_id.get(item.get("parent"))
        if parent is not None and item.get("id") not in (parent.get("kids") or []):
            unlisted.setdefault(item["parent"], []).append(item)
    for item in by_id.values():
        if item.get("type") == "pollopt" or item.get("parent") in by_id:
            continue
        yield _firebase_thread(item, by_id, options.get(item.get("id"), []), unlisted)


def _kid_ids(item: dict[str, Any], unlisted: dict[Any, list[dict[str, Any]]]) -> list[Any]:
    """The replies of `item`: its `kids` (newest first, as HN orders them), then the items of the input that
    name it as `parent` but are not among its kids (fetched after it, or from a dump without `kids`), oldest
    first."""
    late = sorted(unlisted.get(item.get("id"), []), key=lambda kid: (_int(kid.get("time")) or 0, str(kid["id"])))
    kids = item.get("kids")
    return [*(kids if isinstance(kids, list) else []), *(kid["id"] for kid in late)]


def _firebase_thread(
    root: dict[str, Any],
    by_id: dict[Any, dict[str, Any]],
    options: list[dict[str, Any]],
    unlisted: dict[Any, list[dict[str, Any]]],
) -> Thread:
    body = html_to_markdown(root["text"], HN + "/") if isinstance(root.get("text"), str) else ""
    if options:
        lines = [f"- {html_to_markdown(o.get('text') or '')} ({o.get('score', 0)} points)" for o in options]
        body = (body + "\n\n" if body else "") + "\n".join(lines)
    thread = _new_thread(root.get("id"), root.get("title"), body, root, root.get("by"), root.get("time"))
    if root.get("missing") is True:  # made from search hits of its comments (`_with_stand_ins`)
        thread.extra["missing_post"] = True
    if _int(root.get("descendants")) is not None:
        thread.declared_comments = root["descendants"]
    pairs: list[tuple[Comment, str | None]] = []
    queue: list[tuple[dict[str, Any], str | None]] = [(root, None)]  # (item, its comment id; None for the root)
    while queue:
        item, own_id = queue.pop(0)
        missing = 0
        for kid_id in _kid_ids(item, unlisted):
            kid = by_id.get(kid_id)
            if kid is None:
                missing += 1
                continue
            text = kid.get("text")
            comment = Comment(
                body=html_to_markdown(text, HN + "/") if isinstance(text, str) else "",
                id=str(kid_id),
                author=kid.get("by") if isinstance(kid.get("by"), str) else None,
                date=utc_from_epoch(kid.get("time")),
            )
            _flags(kid, comment.extra)
            pairs.append((comment, None if item is root else str(item.get("id"))))
            queue.append((kid, str(kid_id)))
        if missing:
            target = thread.extra if own_id is None else next(c.extra for c, _ in pairs if c.id == own_id)
            target["more_replies"] = missing
            target["more_url"] = _item_url(item.get("id"))
    thread.comments = build_tree(pairs)
    return thread


def parse_hn(texts: list[tuple[str, str]], warn: Callable[[ImportWarning_], None] | None = None) -> Iterator[Thread]:
    """(path, JSON text) pairs -> threads. Firebase items from all the texts are assembled together."""
    warnings: Callable[[ImportWarning_], None] = warn or (lambda _w: None)
    flat: list[tuple[dict[str, Any], str]] = []
    for path, text in texts:
        data, lines = _load(path, text, warnings)
        if isinstance(data, dict) and isinstance(data.get("hits"), list):  # an Algolia search page
            flat.extend((item, path) for item in _from_hits(data["hits"], path, warnings))
            continue
        items = data if isinstance(data, list) else [data]
        problems: list[ImportFailure] = []
        for index, item in enumerate(items):
            line = lines[index] if lines else 1
            if not isinstance(item, dict) or "id" not in item:
                problems.append(ImportFailure(path, line, f"item {index}: expected a Hacker News item with an 'id'"))
            elif isinstance(item.get("children"), list):
                yield _algolia_or_hnpwa(item, "children")
            elif isinstance(item.get("comments"), list):
                yield _algolia_or_hnpwa(item, "comments")
            elif "by" in item or "kids" in item or item.get("type") in _ROOT_TYPES | {"comment", "pollopt"}:
                flat.append((item, path))
            else:
                message = f"item {index}: not an HN item (no 'children', 'comments' or 'kids')"
                problems.append(ImportFailure(path, line, message))
        if problems and len(problems) == len(items):
            raise problems[0]
        for problem in problems:  # a bad item among good ones: skipped, the rest imported
            warnings(ImportWarning_(path, problem.line, problem.message.replace(":", " skipped:", 1)))
    if flat:
        yield from _firebase(_with_stand_ins(flat), warnings)


def _load(path: str, text: str, warn: Callable[[ImportWarning_], None]) -> tuple[Any, list[int]]:
    """The JSON of one file, and for items one a line (NDJSON: a table export, a crawler's log) the line of each;
    a line of those that is not JSON is a warning and skipped."""
    try:
        return json.loads(text), []
    except json.JSONDecodeError as exc:
        failure = ImportFailure(path, exc.lineno, f"not valid JSON ({exc.msg}, column {exc.colno})")
        rows = [(number, line) for number, line in enumerate(text.splitlines(), 1) if line.strip()]
        if len(rows) < 2 or not all(line.lstrip().startswith("{") for _number, line in rows[:2]):
            raise failure from exc
    items: list[Any] = []
    lines: list[int] = []
    skipped: list[ImportWarning_] = []
    for number, line in rows:
        try:
            items.append(json.loads(line))
        except json.JSONDecodeError as bad:
            skipped.append(
                ImportWarning_(path, number, f"line skipped: not valid JSON ({bad.msg}, column {bad.colno})")
            )
            continue
        lines.append(number)
    if not items:
        raise failure
    for warning in skipped:
        warn(warning)
    return items, lines


_HIT_TYPES = ("story", "comment", "poll", "pollopt", "job")


def _from_hits(hits: list[Any], path: str, warn: Callable[[ImportWarning_], None]) -> Iterator[dict[str, Any]]:
    """Algolia `search` / `search_by_date` hits (`objectID`, `author`, `comment_text`/`story_text`,
    `created_at_i`, `parent_id`, `story_id`, `_tags`) -> Firebase-shaped items, assembled by `parent`."""
    for index, hit in enumerate(hits):
        ident = hit.get("objectID") if isinstance(hit, dict) else None
        if not (isinstance(ident, str) and ident.isdigit()):
            warn(ImportWarning_(path, 1, f"hits[{index}] skipped: expected a search hit with a numeric 'objectID'"))
            continue
        tags = hit.get("_tags") if isinstance(hit.get("_tags"), list) else []
        kind = next((t for t in _HIT_TYPES if t in tags), "comment" if hit.get("parent_id") else "story")
        moment = hit.get("created_at_i")
        if moment is None and (iso := utc_from_iso(hit.get("created_at"))) is not None:
            moment = int(iso.timestamp())
        item: dict[str, Any] = {"id": int(ident), "type": kind, "by": hit.get("author"), "time": moment}
        item["text"] = hit.get("comment_text") if kind == "comment" else hit.get("story_text")
        for key, name in (("title", "title"), ("url", "url"), ("points", "score"), ("num_comments", "descendants")):
            if kind != "comment" and hit.get(key) is not None:
                item[name] = hit[key]
        if kind == "comment" and hit.get("parent_id") is not None:
            item["parent"] = hit["parent_id"]
            item["story"] = {"id": hit.get("story_id"), "title": hit.get("story_title"), "url": hit.get("story_url")}
        yield item


def _with_stand_ins(flat: list[tuple[dict[str, Any], str]]) -> list[tuple[dict[str, Any], str]]:
    """Search hits of a story's comments without the story itself: a stand-in story (`missing_post`) from what
    the hits say of it, so they make one thread under it, not a thread per top-level comment."""
    present = {item.get("id") for item, _path in flat}
    stand_ins: dict[Any, tuple[dict[str, Any], str]] = {}
    for item, path in flat:
        story = item.pop("story", None)
        if isinstance(story, dict) and isinstance(story.get("id"), int) and story["id"] not in present:
            title = story.get("title") if isinstance(story.get("title"), str) else None
            stand_in = {"id": story["id"], "type": "story", "title": title or f"HN item {story['id']}", "missing": True}
            if isinstance(story.get("url"), str):
                stand_in["url"] = story["url"]
            stand_ins.setdefault(story["id"], (stand_in, path))
    return flat + list(stand_ins.values())
