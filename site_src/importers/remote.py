"""A thread's web address -> the export files `digest import SOURCE FILE` reads, downloaded from the source's API.

In: a URL a person copied from a browser. Out: a `Download`: the source name, the files (name, bytes) exactly
as `digest import SOURCE` takes them, the `--base-url` to import them with, and whether the thread is whole.
Importing is then the same code path as for saved files (`url_cli.py`), so a URL import and an import of the
saved files give the same thread files.

- reddit: `…/r/x/comments/<id>/…`, a comment permalink, `redd.it/<id>`, `old.`/`new.`/`np.` hosts -> the
  comments page; `more` stubs through `/api/morechildren` (100 ids a call) and "continue this thread" pages,
  spliced into the page while the request budget lasts (the rest stays as stubs: `more_replies`/`more_url`).
- hn: `news.ycombinator.com/item?id=<id>` -> Algolia `items/<id>` (the whole tree).
- discourse: `<any host>/t/<slug>/<id>` -> `/t/<id>.json` (confirms it is a topic), then the post stream's
  other ids, 20 a call, from `/t/<id>/posts.json`.
- mastodon: `<any host>/@user/<id>`, `/users/<u>/statuses/<id>` -> `/api/v1/statuses/<id>` and its `/context`.
- stackexchange: `…/questions/<id>`, `/q/<id>`, `/a/<id>` on any site of the network -> the question and its
  answers with bodies (API 2.3), written as a data dump's `Posts.xml`.

API bases: Reddit, HN and Stack Exchange are read from `DIGEST_REDDIT_API`, `DIGEST_HN_API`,
`DIGEST_STACKEXCHANGE_API` when set (tests point them at a local server); Discourse and Mastodon are asked
on the host of the address itself.
"""

from __future__ import annotations

import html
import json
import os
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast
from urllib.parse import parse_qs, urlsplit

from .http import Fetcher, FetchError

REDDIT_API = "https://www.reddit.com"
HN_API = "https://hn.algolia.com/api/v1"
SE_API = "https://api.stackexchange.com/2.3"

_REDDIT_HOSTS = re.compile(r"^(?:(?:www|old|new|np|m|i|amp)\.)?reddit\.com$")
_REDDIT_THREAD = re.compile(r"^(?:/r/[^/]+)?/comments/([a-z0-9]+)(?:/[^/]*(?:/([a-z0-9]+))?)?/?(?:\.json)?$", re.I)
_SE_HOSTS = re.compile(
    r"^(?:[a-z0-9-]+\.)*(?:stackexchange\.com|stackoverflow\.com|serverfault\.com|superuser\.com|askubuntu\.com"
    r"|mathoverflow\.net|stackapps\.com)$"
)
_SE_PATH = re.compile(r"^/(questions|q|a|answers)/(\d+)(?:/|$)")
_DISCOURSE_PATH = re.compile(r"^(.*?)/t/(?:([^/]+)/)?(\d+)(?:/\d+)?/?(?:\.json)?$")
_MASTODON_PATH = re.compile(r"^/(?:@[^/]+|users/[^/]+/statuses|web/statuses|web/@[^/]+)/(\d+)/?$")

DISCOURSE_BATCH = 20
"""Post ids asked for in one `posts.json` request (Discourse's own chunk size)."""
MORECHILDREN_BATCH = 100
"""Comment ids Reddit's `/api/morechildren` takes in one call."""


@dataclass(slots=True)
class Target:
    """What a URL names."""

    source: str
    """`reddit`, `hn`, `discourse`, `mastodon` or `stackexchange`."""
    ident: str
    """The thread's (or status', question's, answer's) id at the source."""
    site: str = ""
    """Site root (`https://forum.example`, `https://mastodon.social`) or Stack Exchange host; "" if fixed."""
    kind: str = ""
    """Stack Exchange: `a` when the address names an answer."""


@dataclass(slots=True)
class Download:
    """Files to import, as `digest import SOURCE FILE...` would be given them."""

    source: str
    url: str
    """The address the user gave."""
    files: list[tuple[str, bytes]] = field(default_factory=list)
    """(file name, bytes) in import order."""
    base_url: str | None = None
    """`--base-url` for the import (Discourse, Stack Exchange)."""
    complete: bool = True
    """False when the request budget ran out before every hidden comment was fetched."""
    notes: list[str] = field(default_factory=list)
    """What a person should know (budget spent, ...)."""


class NotAThread(FetchError):
    """The address is not one of a thread this importer knows."""


def recognise(url: str) -> Target:
    """What `url` names, from its shape alone (Discourse and Mastodon are confirmed by the download)."""
    text = url.strip()
    if "://" not in text:
        text = "https://" + text
    parts = urlsplit(text)
    host = (parts.hostname or "").lower()
    path = re.sub(r"/{2,}", "/", parts.path)
    site = f"{parts.scheme}://{parts.netloc}"
    if host == "redd.it":
        match = re.match(r"^/([a-z0-9]+)/?$", path, re.I)
        if match:
            return Target("reddit", match.group(1).lower())
    if _REDDIT_HOSTS.match(host):
        match = _REDDIT_THREAD.match(path)
        if match:
            return Target("reddit", match.group(1).lower())
        raise NotAThread(url, "a Reddit address, but not of a thread", "copy the address of the comments page")
    if host in ("news.ycombinator.com", "hn.algolia.com"):
        ids = parse_qs(parts.query).get("id") or re.findall(r"/items?/(\d+)", path)
        if ids and ids[0].isdigit():
            return Target("hn", ids[0])
        raise NotAThread(url, "a Hacker News address, but not of an item", "use news.ycombinator.com/item?id=N")
    if _SE_HOSTS.match(host):
        match = _SE_PATH.match(path)
        if match:
            return Target("stackexchange", match.group(2), host.removeprefix("www."), match.group(1)[0])
        raise NotAThread(url, "a Stack Exchange address, but not of a question", "use …/questions/<id>")
    match = _MASTODON_PATH.match(path)
    if match:
        return Target("mastodon", match.group(1), site)
    match = _DISCOURSE_PATH.match(path)
    if match:
        return Target("discourse", match.group(3), site + match.group(1).rstrip("/"))
    raise NotAThread(
        url,
        "not the address of a thread this tool can import",
        "Reddit, Hacker News, Stack Exchange, a Discourse topic (/t/<slug>/<id>) or a Mastodon status",
    )


def download(url: str, fetcher: Fetcher) -> Download:
    """Recognise `url` and fetch its thread; FetchError (with a hint) when that cannot be done."""
    target = recognise(url)
    fetcher.status(url)
    if target.source == "reddit":
        return _reddit(url, target, fetcher)
    if target.source == "hn":
        return _hn(url, target, fetcher)
    if target.source == "discourse":
        return _discourse(url, target, fetcher)
    if target.source == "mastodon":
        return _mastodon(url, target, fetcher)
    return _stackexchange(url, target, fetcher)


def _json_bytes(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")


# --------------------------------------------------------------------------- reddit

_REDDIT_DELAY = 2.0
"""Seconds between requests to Reddit (its unauthenticated limit is about 30 a minute)."""


def _reddit(url: str, target: Target, fetcher: Fetcher) -> Download:
    api = os.environ.get("DIGEST_REDDIT_API", REDDIT_API).rstrip("/")
    link = target.ident
    page = fetcher.get_json(
        f"{api}/comments/{link}.json", delay=_REDDIT_DELAY, params=[("raw_json", "1"), ("limit", "500")]
    )
    if not (isinstance(page, list) and len(page) == 2 and isinstance(page[1], dict)):
        raise FetchError(url, "Reddit did not send a comments page", "is the thread public?")
    result = Download("reddit", url)
    _expand_reddit(api, link, page, fetcher, result)
    result.files.append((f"reddit-{link}.json", _json_bytes(page)))
    return result


def _listing(children: list[Any]) -> dict[str, Any]:
    return {"kind": "Listing", "data": {"children": children}}


def _id(thing: Any) -> str:
    data = thing.get("data") if isinstance(thing, dict) else None
    return str(data.get("id")) if isinstance(data, dict) else ""


class _RedditTree:
    """A comments page being completed in place: its comments by id and the `more` stubs still in it."""

    def __init__(self, page: list[Any]) -> None:
        self.top: list[Any] = page[1].setdefault("data", {}).setdefault("children", [])
        self.comments: dict[str, dict[str, Any]] = {}
        self.stubs: list[tuple[list[Any], dict[str, Any]]] = []
        """(the children list holding the stub, the stub), in document order."""
        self.index(self.top)

    def index(self, children: list[Any], holder: list[Any] | None = None) -> None:
        """Learn the comments and stubs in `children` (which sit in `holder`, itself by default) and below."""
        work = [(children, holder if holder is not None else children)]
        while work:
            things, into = work.pop(0)
            for thing in things:
                if not isinstance(thing, dict) or not isinstance(thing.get("data"), dict):
                    continue
                if thing.get("kind") == "t1":
                    data = thing["data"]
                    self.comments[str(data.get("id"))] = data
                    replies = data.get("replies")
                    if isinstance(replies, dict) and isinstance(replies.get("data"), dict):
                        below = replies["data"].setdefault("children", [])
                        work.append((below, below))
                elif thing.get("kind") == "more":
                    self.stubs.append((into, thing))

    def children_of(self, parent: str) -> list[Any]:
        """The list the replies to `parent` (`t1_…` or `t3_…`) go in."""
        data = self.comments.get(parent[3:]) if parent.startswith("t1_") else None
        if data is None:
            return self.top
        if not isinstance(data.get("replies"), dict):
            data["replies"] = _listing([])
        children: Any = data["replies"]["data"].setdefault("children", [])
        return children if isinstance(children, list) else self.top

    def add(self, things: list[Any]) -> int:
        """Flat things from `/api/morechildren` put under their parents; returns how many comments were new."""
        fresh = [
            t
            for t in things
            if isinstance(t, dict)
            and t.get("kind") in ("t1", "more")
            and isinstance(t.get("data"), dict)
            and not (t["kind"] == "t1" and _id(t) in self.comments)  # already on the page
        ]
        for thing in fresh:  # all first: a reply listed before its parent still finds it
            if thing["kind"] == "t1":
                self.comments[_id(thing)] = thing["data"]
        for thing in fresh:
            owner = self.children_of(str(thing["data"].get("parent_id") or ""))
            owner.append(thing)
            if thing["kind"] == "more":
                self.stubs.append((owner, thing))
        return sum(1 for t in fresh if t["kind"] == "t1")


def _expand_reddit(api: str, link: str, page: list[Any], fetcher: Fetcher, result: Download) -> None:
    """Replace `more` stubs by the comments they hide, in document order, while the request budget lasts.
    A stub whose comments do not come (deleted since, or a failed request) stays, as the page had it."""
    tree = _RedditTree(page)
    failures = 0
    while tree.stubs:
        if fetcher.budget_left() == 0:
            result.complete = False
            result.notes.append(f"{len(tree.stubs)} 'more' stub(s) left unexpanded: --max-requests reached")
            return
        holder, stub = tree.stubs.pop(0)
        data = stub["data"]
        ids = [str(i) for i in data.get("children") or []]
        parent = str(data.get("parent_id") or "")
        try:
            if ids:
                _more_children(api, link, tree, holder, stub, ids, fetcher)
            elif parent.startswith("t1_"):
                _continue_thread(api, link, tree, holder, stub, parent[3:], fetcher)
            elif stub in holder:
                holder.remove(stub)  # an empty stub: nothing hidden
        except FetchError as exc:
            failures += 1
            result.complete = False
            if failures == 1:
                result.notes.append(f"a 'more' stub stays unexpanded: {exc.message}")


def _more_children(
    api: str, link: str, tree: _RedditTree, holder: list[Any], stub: dict[str, Any], ids: list[str], fetcher: Fetcher
) -> None:
    batch, rest = ids[:MORECHILDREN_BATCH], ids[MORECHILDREN_BATCH:]
    answer = fetcher.get_json(
        f"{api}/api/morechildren.json",
        delay=_REDDIT_DELAY,
        params=[
            ("api_type", "json"),
            ("link_id", f"t3_{link}"),
            ("children", ",".join(batch)),
            ("raw_json", "1"),
            ("limit_children", "false"),
        ],
    )
    tree.add(_morechildren_things(answer))
    unanswered = [i for i in batch if i not in tree.comments]
    data = stub["data"]
    if rest:
        data["children"] = unanswered + rest
        data["count"] = len(unanswered) + len(rest)
        tree.stubs.insert(0, (holder, stub))  # the rest, next
    elif unanswered:
        data["children"], data["count"] = unanswered, len(unanswered)  # stays, not asked for again
    elif stub in holder:
        holder.remove(stub)


def _continue_thread(
    api: str, link: str, tree: _RedditTree, holder: list[Any], stub: dict[str, Any], parent: str, fetcher: Fetcher
) -> None:
    """A "continue this thread" stub: the branch's own page, its replies spliced under `parent`."""
    branch = fetcher.get_json(f"{api}/comments/{link}/_/{parent}.json", delay=_REDDIT_DELAY, params=[("raw_json", "1")])
    if not (isinstance(branch, list) and len(branch) == 2 and isinstance(branch[1], dict)):
        raise FetchError(f"{api}/comments/{link}/_/{parent}", "not a comments page", "")
    for thing in branch[1].get("data", {}).get("children") or []:
        if _id(thing) != parent:
            continue
        replies = thing["data"].get("replies")
        new = replies.get("data", {}).get("children", []) if isinstance(replies, dict) else []
        if stub in holder:
            holder.remove(stub)
        owner = tree.children_of(f"t1_{parent}")
        known = {_id(t) for t in owner}
        added = [t for t in new if isinstance(t, dict) and (_id(t) not in known or t.get("kind") == "more")]
        owner.extend(added)
        tree.index(added, owner)
        return


def _morechildren_things(answer: Any) -> list[dict[str, Any]]:
    data = answer.get("json", {}).get("data", {}) if isinstance(answer, dict) else {}
    things = data.get("things") if isinstance(data, dict) else None
    return [t for t in things if isinstance(t, dict)] if isinstance(things, list) else []


# --------------------------------------------------------------------------- hacker news


def _hn(url: str, target: Target, fetcher: Fetcher) -> Download:
    api = os.environ.get("DIGEST_HN_API", HN_API).rstrip("/")
    item = fetcher.get_json(f"{api}/items/{target.ident}", delay=1.0)
    if not isinstance(item, dict) or "id" not in item:
        raise FetchError(url, "Hacker News sent no item", "check the id")
    item.setdefault("children", [])
    return Download("hn", url, [(f"hn-{target.ident}.json", _json_bytes(item))])


# --------------------------------------------------------------------------- discourse


def _discourse(url: str, target: Target, fetcher: Fetcher) -> Download:
    base = target.site
    topic = fetcher.get_json(f"{base}/t/{target.ident}.json", delay=1.0)
    stream = topic.get("post_stream") if isinstance(topic, dict) else None
    if not isinstance(stream, dict) or not isinstance(stream.get("posts"), list):
        raise NotAThread(url, "not a Discourse topic (its JSON has no post_stream)", "is this a forum topic address?")
    result = Download("discourse", url, base_url=base)
    result.files.append((f"discourse-{target.ident}.json", _json_bytes(topic)))
    have = {p.get("id") for p in stream["posts"] if isinstance(p, dict)}
    missing = [i for i in stream.get("stream") or [] if i not in have]
    for start in range(0, len(missing), DISCOURSE_BATCH):
        if fetcher.budget_left() == 0:
            result.complete = False
            result.notes.append(f"{len(missing) - start} post(s) not fetched: --max-requests reached")
            break
        batch = missing[start : start + DISCOURSE_BATCH]
        page = fetcher.get_json(
            f"{base}/t/{target.ident}/posts.json", delay=1.0, params=[("post_ids[]", str(i)) for i in batch]
        )
        posts = page.get("post_stream", {}).get("posts") if isinstance(page, dict) else None
        if not isinstance(posts, list):
            raise FetchError(url, "a posts.json page without post_stream.posts", "the forum answered oddly")
        result.files.append((f"discourse-{target.ident}-posts-{start // DISCOURSE_BATCH + 1}.json", _json_bytes(page)))
    return result


# --------------------------------------------------------------------------- mastodon


def _mastodon(url: str, target: Target, fetcher: Fetcher) -> Download:
    base = target.site
    status = fetcher.get_json(f"{base}/api/v1/statuses/{target.ident}", delay=1.0)
    if not (isinstance(status, dict) and "content" in status and "account" in status):
        raise NotAThread(url, "not a Mastodon status", "use the address of a post (…/@user/<id>)")
    context = fetcher.get_json(f"{base}/api/v1/statuses/{target.ident}/context", delay=1.0)
    if not (isinstance(context, dict) and isinstance(context.get("descendants"), list)):
        raise FetchError(url, "the status' context has no descendants list", "the server answered oddly")
    files = [
        (f"mastodon-{target.ident}.json", _json_bytes(status)),
        (f"mastodon-{target.ident}-context.json", _json_bytes(context)),
    ]
    return Download("mastodon", url, files)


# --------------------------------------------------------------------------- stack exchange


def _stackexchange(url: str, target: Target, fetcher: Fetcher) -> Download:
    api = os.environ.get("DIGEST_STACKEXCHANGE_API", SE_API).rstrip("/")
    site = target.site
    common = [("site", site), ("filter", "withbody")]
    question_id = target.ident
    if target.kind == "a":
        answer = _se_items(
            fetcher.get_json(f"{api}/answers/{target.ident}", delay=1.0, params=common), url, fetcher, api
        )
        if not answer:
            raise FetchError(url, "no such answer", "it may have been deleted", 404)
        question_id = str(answer[0].get("question_id"))
    found = _se_items(fetcher.get_json(f"{api}/questions/{question_id}", delay=1.0, params=common), url, fetcher, api)
    if not found:
        raise FetchError(url, "no such question", "it may have been deleted", 404)
    answers: list[dict[str, Any]] = []
    result = Download("stackexchange", url, base_url=f"https://{site}")
    page = 1
    while True:
        if fetcher.budget_left() == 0:
            result.complete = False
            result.notes.append("answers not all fetched: --max-requests reached")
            break
        params = [*common, ("pagesize", "100"), ("page", str(page)), ("sort", "creation"), ("order", "asc")]
        body = fetcher.get_json(f"{api}/questions/{question_id}/answers", delay=1.0, params=params)
        answers.extend(_se_items(body, url, fetcher, api))
        if not (isinstance(body, dict) and body.get("has_more") is True):
            break
        page += 1
    result.files.append((f"se-{question_id}-Posts.xml", posts_xml(found[0], answers)))
    return result


def _se_items(body: Any, url: str, fetcher: Fetcher | None = None, api: str = "") -> list[dict[str, Any]]:
    if isinstance(body, dict) and body.get("error_id"):
        raise FetchError(
            url,
            f"Stack Exchange API: {body.get('error_message') or body.get('error_name')}",
            "check the address",
            int(body.get("error_id") or 0),
        )
    if fetcher is not None and isinstance(body, dict) and isinstance(body.get("backoff"), int):
        fetcher.hold(urlsplit(api).hostname or "", body["backoff"])  # the API asks for a pause before the next call
    items = body.get("items") if isinstance(body, dict) else None
    return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []


def _se_time(epoch: Any) -> str | None:
    if not isinstance(epoch, int):
        return None
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.000")


def _se_row(item: dict[str, Any], post_type: str) -> dict[str, str]:
    """One API item -> the attributes of a data dump's `<row>`."""
    row: dict[str, str] = {
        "Id": str(item.get("question_id" if post_type == "1" else "answer_id")),
        "PostTypeId": post_type,
    }
    if post_type == "2":
        row["ParentId"] = str(item.get("question_id"))
    elif item.get("accepted_answer_id") is not None:
        row["AcceptedAnswerId"] = str(item["accepted_answer_id"])
    for key, name in (
        ("creation_date", "CreationDate"),
        ("last_edit_date", "LastEditDate"),
        ("closed_date", "ClosedDate"),
    ):
        stamp = _se_time(item.get(key))
        if stamp:
            row[name] = stamp
    if isinstance(item.get("score"), int):
        row["Score"] = str(item["score"])
    row["Body"] = str(item.get("body") or "")
    found = item.get("owner")
    owner: dict[str, Any] = found if isinstance(found, dict) else {}
    if owner.get("user_id") is not None:
        row["OwnerUserId"] = str(owner["user_id"])
    if owner.get("display_name"):
        row["OwnerDisplayName"] = html.unescape(str(owner["display_name"]))
    if post_type == "1":
        row["Title"] = html.unescape(str(item.get("title") or ""))
        row["Tags"] = "".join(f"<{t}>" for t in item.get("tags") or [] if isinstance(t, str))
        if isinstance(item.get("answer_count"), int):
            row["AnswerCount"] = str(item["answer_count"])
    return row


def posts_xml(question: dict[str, Any], answers: list[dict[str, Any]]) -> bytes:
    """A question and its answers from the API as a data dump's `Posts.xml` (what `stackexchange` imports)."""
    root = ET.Element("posts")
    root.text = "\n  "
    rows = [_se_row(question, "1")] + [_se_row(a, "2") for a in answers]
    for index, attributes in enumerate(rows):
        element = ET.SubElement(root, "row", attributes)
        element.tail = "\n" if index == len(rows) - 1 else "\n  "
    body = cast(bytes, ET.tostring(root, encoding="utf-8", xml_declaration=False))
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + body + b"\n"
