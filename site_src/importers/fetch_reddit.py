"""Reddit, for `digest import URL`: a thread's comments page, completed by expanding its `more` stubs.

In: the thread id and a `Fetcher`. Out: one comments page (`[submission listing, comment listing]`) in which
the `more` stubs were replaced, in document order while the request budget lasts, by the comments they hide:
`/api/morechildren` (100 ids a call; its flat things are put under their parents) and "continue this thread"
pages (the branch's replies spliced under its comment). A stub whose comments do not come (deleted since, a
failed request, the budget spent) stays as it was, so the importer shows it as "N more replies".
"""

from __future__ import annotations

import os
from typing import Any

from .http import Fetcher, FetchError
from .remote import REDDIT_API, Download, Target, json_bytes, recognise

MORECHILDREN_BATCH = 100
"""Comment ids Reddit's `/api/morechildren` takes in one call."""

_REDDIT_DELAY = 2.0
"""Seconds between requests to Reddit (its unauthenticated limit is about 30 a minute)."""


def fetch_reddit(url: str, target: Target, fetcher: Fetcher) -> Download:
    """The thread `target` names, as one comments page with its hidden comments spliced in."""
    api = os.environ.get("DIGEST_REDDIT_API", REDDIT_API).rstrip("/")
    link = target.ident
    if target.kind == "share":
        where = fetcher.location(f"{api}{target.site}", delay=_REDDIT_DELAY)
        found = recognise(where) if where else None
        if found is None or not found.ident:
            raise FetchError(url, "this share link does not lead to a thread", "open it in a browser and copy that")
        link = found.ident
    page = fetcher.get_json(
        f"{api}/comments/{link}.json", delay=_REDDIT_DELAY, params=[("raw_json", "1"), ("limit", "500")]
    )
    if not (isinstance(page, list) and len(page) == 2 and isinstance(page[1], dict)):
        raise FetchError(url, "Reddit did not send a comments page", "is the thread public?")
    result = Download("reddit", url)
    _expand_reddit(api, link, page, fetcher, result)
    result.files.append((f"reddit-{link}.json", json_bytes(page)))
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
