"""Reddit comments page (`…/comments/<id>.json`) -> one `Thread`.

In: the JSON text Reddit sends for a comments page, a two-element array of listings: `[0]` holds the
submission (`t3`), `[1]` the comment tree (`t1` things nested in `replies`, which is `""` on a leaf).
Out: the submission as the post, every `t1` as a comment under the comment it answers.

- `more` stubs are never turned into comments: their count goes on the parent as `more_replies`,
  with `more_url` pointing at the original (a "continue this thread" stub has no count, only the URL).
- `[deleted]` / `[removed]` bodies are kept as Reddit shows them and flagged; a `[deleted]` author is None,
  with `author_deleted` set so pages say "deleted account" rather than nothing.
- Pages fetched without `raw_json=1` escape `&`, `<`, `>` in `body` and `title`; that is undone exactly
  once, and only when the page is of that kind (its `body_html` is itself escaped).
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Iterator
from typing import Any

from ..model import Comment, Thread
from .common import resolve_site_links, spoilers_at_line_start, thread_file_name, utc_from_epoch
from .errors import ImportFailure, ImportWarning_
from .html_to_markdown import html_to_markdown

REDDIT = "https://www.reddit.com"
GONE = {"[deleted]", "[removed]"}


def unescape_legacy(text: str) -> str:
    """Undo Reddit's legacy escaping of `body`/`title` (only `&lt;`, `&gt;`, `&amp;`, once)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def markdown_text(data: dict[str, Any], key: str, escaped: bool) -> str:
    """The Markdown of `data[key]` (`body`, `selftext`), legacy escaping undone; from `<key>_html` when an
    export carries only the HTML (converted to Markdown; escaped once more on a page without `raw_json`)."""
    text = data.get(key)
    if isinstance(text, str):
        text = unescape_legacy(text) if escaped else text
    else:
        markup = data.get(f"{key}_html")
        if not isinstance(markup, str):
            return ""
        if markup.lstrip().startswith("&lt;"):
            markup = html.unescape(markup)
        text = html_to_markdown(markup, REDDIT + "/")
    return spoilers_at_line_start(resolve_site_links(text, REDDIT))


def comment_from_data(data: dict[str, Any], escaped: bool) -> Comment:
    """One `t1` object (from a page or a dump line) -> Comment, without replies."""
    body = markdown_text(data, "body", escaped)
    author = data.get("author")
    comment = Comment(
        body=body,
        id=str(data.get("id") or ""),
        author=author if isinstance(author, str) and author not in GONE else None,
        date=utc_from_epoch(data.get("created_utc")),
        score=data["score"] if isinstance(data.get("score"), int) and not isinstance(data["score"], bool) else None,
    )
    extra = comment.extra
    if author == "[deleted]":  # the account is gone; the comment may still be there
        extra["author_deleted"] = True
    if body == "[deleted]":
        extra["deleted"] = True
    elif body == "[removed]":
        extra["removed"] = True
    edited = data.get("edited")
    if edited and not isinstance(edited, bool):
        stamp = utc_from_epoch(edited)
        extra["edited"] = stamp.isoformat().replace("+00:00", "Z") if stamp else True
    elif edited is True:
        extra["edited"] = True
    flair = data.get("author_flair_text")
    if isinstance(flair, str) and flair.strip():
        extra["flair"] = unescape_legacy(flair) if escaped else flair
    if isinstance(data.get("distinguished"), str):
        extra["distinguished"] = data["distinguished"]
    if data.get("stickied") is True:
        extra["stickied"] = True
    if data.get("is_submitter") is True:
        extra["op"] = True
    return comment


def thread_from_submission(data: dict[str, Any], escaped: bool) -> Thread:
    """A `t3` object (from a page or a dump line) -> Thread without comments."""
    title = str(data.get("title") or "")
    if escaped:
        title = unescape_legacy(title)
    body = markdown_text(data, "selftext", escaped)
    sub_id = str(data.get("id") or "")
    permalink = data.get("permalink")
    author = data.get("author")
    thread = Thread(
        title=title or f"Reddit thread {sub_id}",
        path=thread_file_name("reddit", sub_id, title or sub_id),
        source=REDDIT + permalink if isinstance(permalink, str) and permalink.startswith("/") else None,
        author=author if isinstance(author, str) and author not in GONE else None,
        date=utc_from_epoch(data.get("created_utc")),
        locked=data.get("locked") is True,
        body=body,
    )
    extra = thread.extra
    extra["origin"] = "reddit"
    extra["origin_id"] = sub_id
    if author == "[deleted]":
        extra["author_deleted"] = True
    if isinstance(data.get("subreddit"), str):
        extra["subreddit"] = data["subreddit"]
    if isinstance(data.get("score"), int) and not isinstance(data["score"], bool):
        extra["score"] = data["score"]
    url = data.get("url")
    if data.get("is_self") is False and isinstance(url, str) and url.startswith(("http", "/")) and url[:2] != "//":
        url = unescape_legacy(url) if escaped else url
        extra["link"] = REDDIT + url if url.startswith("/") else url  # a crosspost's: the original's permalink
    flair = data.get("link_flair_text")
    if isinstance(flair, str) and flair.strip():
        extra["flair"] = flair
    if body in GONE:
        extra["deleted" if body == "[deleted]" else "removed"] = True
    if data.get("archived") is True:
        extra["archived"] = True  # closed to votes and comments (`digest refresh` skips it)
    if isinstance(data.get("num_comments"), int):
        thread.declared_comments = data["num_comments"]
    return thread


def _is_escaped(page: Any) -> bool:
    """True when the page came without `raw_json=1`: its `*_html` fields are themselves entity-escaped."""
    stack = [page]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key in ("body_html", "selftext_html"):
                value = node.get(key)
                if isinstance(value, str) and value:
                    return value.lstrip().startswith("&lt;")
            stack.extend(v for v in node.values() if isinstance(v, dict | list))
        elif isinstance(node, list):
            stack.extend(node)
    return False


def _shape_error(path: str, page: Any) -> ImportFailure:
    if isinstance(page, dict) and isinstance(page.get("json"), dict) and "things" in page["json"].get("data", {}):
        return ImportFailure(
            path,
            1,
            "this is a /api/morechildren reply (loose comments, no submission), not a comments page; "
            "import the thread's …/comments/<id>.json instead",
        )
    found = type(page).__name__ + (f" of {len(page)}" if isinstance(page, list) else "")
    return ImportFailure(
        path,
        1,
        f"expected a Reddit comments page: a 2-element array [submission listing, comment listing]; found {found}",
    )


def _children(listing: Any, path: str, where: str) -> list[Any]:
    if listing == "" or listing is None:
        return []
    if not isinstance(listing, dict) or not isinstance(listing.get("data"), dict):
        raise ImportFailure(path, 1, f'{where}: expected a Listing object or "", found {type(listing).__name__}')
    children = listing["data"].get("children")
    if not isinstance(children, list):
        raise ImportFailure(path, 1, f"{where}.data.children: expected a list")
    return children


def _more_url(thread: Thread, parent_id: str) -> str | None:
    if not thread.source:
        return None
    base = thread.source.rstrip("/")
    return f"{base}/{parent_id}/" if parent_id else thread.source


def parse_reddit_page(text: str, path: str, warn: Callable[[ImportWarning_], None] | None = None) -> Iterator[Thread]:
    """The comments page in `text` (read from `path`, used in messages and names) -> one Thread.

    A comment that cannot be read (not a `{kind, data}` object, or without an id) is left out with a warning
    to `warn`; the replies of one without an id stay, in its place, marked `missing_parent`."""
    skipped: Callable[[ImportWarning_], None] = warn or (lambda _w: None)
    try:
        page = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFailure(path, exc.lineno, f"not valid JSON ({exc.msg}, column {exc.colno})") from exc
    if not (isinstance(page, list) and len(page) == 2):
        raise _shape_error(path, page)
    escaped = _is_escaped(page)
    posts = _children(page[0], path, "[0]")
    if not posts or not isinstance(posts[0], dict) or posts[0].get("kind") != "t3":
        raise ImportFailure(path, 1, "[0].data.children[0]: expected the submission (kind t3)")
    thread = thread_from_submission(posts[0].get("data") or {}, escaped)
    top = _children(page[1], path, "[1]")
    # Iterative walk: (things, where to put comments, the comment that owns them or None for the thread).
    work: list[tuple[list[Any], list[Comment], Comment | None, str]] = [(top, thread.comments, None, "[1]")]
    while work:
        things, into, owner, where = work.pop()
        for index, thing in enumerate(things):
            here = f"{where}.data.children[{index}]"
            if not isinstance(thing, dict) or not isinstance(thing.get("data"), dict):
                skipped(ImportWarning_(path, 1, f"{here} skipped: expected a {{kind, data}} object"))
                continue
            kind, data = thing.get("kind"), thing["data"]
            if kind == "more":
                _note_more(thread, owner, data)
            elif kind == "t1":
                comment = comment_from_data(data, escaped)
                replies = _children(data.get("replies"), path, f"{here}.data.replies")
                if not comment.id:
                    skipped(ImportWarning_(path, 1, f"{here} skipped: a comment without an id"))
                    work.append((replies, into, None, f"{here}.data.replies"))  # its replies: marked, in its place
                    continue
                parent = data.get("parent_id")
                if owner is None and isinstance(parent, str) and parent.startswith("t1_"):
                    comment.extra["missing_parent"] = parent[3:]  # a "continue this thread" or context page
                into.append(comment)
                if replies:
                    work.append((replies, comment.replies, comment, f"{here}.data.replies"))
    yield thread


def _note_more(thread: Thread, owner: Comment | None, data: dict[str, Any]) -> None:
    """A `more` stub: add its count to the parent (comment or thread) with a link to see them on Reddit."""
    extra = owner.extra if owner is not None else thread.extra
    count = data.get("count")
    hidden = max(count if isinstance(count, int) else 0, len(data.get("children") or []))
    if hidden:
        extra["more_replies"] = int(extra.get("more_replies", 0)) + hidden
    url = _more_url(thread, owner.id if owner is not None else "")
    if url:
        extra["more_url"] = url
