"""A thread's web address -> the export files `digest import SOURCE FILE` reads, downloaded from the source's API.

In: a URL a person copied from a browser. Out: a `Download`: the source name, the files (name, bytes) exactly
as `digest import SOURCE` takes them, the `--base-url` to import them with, and whether the thread is whole.
Importing is then the same code path as for saved files (`url_cli.py`), so a URL import and an import of the
saved files give the same thread files.

- reddit: `…/r/x/comments/<id>/…`, a comment permalink, `redd.it/<id>`, `old.`/`new.`/`np.` hosts -> the
  comments page with its `more` stubs expanded (`fetch_reddit.py`).
- hn: `news.ycombinator.com/item?id=<id>` -> Algolia `items/<id>` (the whole tree).
- discourse: `<any host>/t/<slug>/<id>` -> `/t/<id>.json` (confirms it is a topic), then the post stream's
  other ids, 20 a call, from `/t/<id>/posts.json`.
- mastodon: `<any host>/@user/<id>`, `/users/<u>/statuses/<id>` -> `/api/v1/statuses/<id>` and its `/context`.
- stackexchange: `…/questions/<id>`, `/q/<id>`, `/a/<id>` on any site of the network -> the question and its
  answers with bodies (API 2.3), written as a data dump's `Posts.xml` (`fetch_stackexchange.py`).

API bases: Reddit, HN and Stack Exchange are read from `DIGEST_REDDIT_API`, `DIGEST_HN_API`,
`DIGEST_STACKEXCHANGE_API` when set (tests point them at a local server); Discourse and Mastodon are asked
on the host of the address itself.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from typing import Any
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
    """Stack Exchange: `a` when the address names an answer; Reddit: `share` for a share link (`site` is its
    path, `ident` is found by following it)."""


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
        if re.match(r"^/r/[^/]+/s/[A-Za-z0-9]+/?$", path):  # a share link: Reddit redirects it to the thread
            return Target("reddit", "", path.rstrip("/"), "share")
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
        from .fetch_reddit import fetch_reddit

        return fetch_reddit(url, target, fetcher)
    if target.source == "hn":
        return _hn(url, target, fetcher)
    if target.source == "discourse":
        return _discourse(url, target, fetcher)
    if target.source == "mastodon":
        return _mastodon(url, target, fetcher)
    from .fetch_stackexchange import fetch_stackexchange

    return fetch_stackexchange(url, target, fetcher)


def json_bytes(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")


# --------------------------------------------------------------------------- hacker news


def _hn(url: str, target: Target, fetcher: Fetcher) -> Download:
    api = os.environ.get("DIGEST_HN_API", HN_API).rstrip("/")
    item = fetcher.get_json(f"{api}/items/{target.ident}", delay=1.0)
    if not isinstance(item, dict) or "id" not in item:
        raise FetchError(url, "Hacker News sent no item", "check the id")
    item.setdefault("children", [])
    return Download("hn", url, [(f"hn-{target.ident}.json", json_bytes(item))])


# --------------------------------------------------------------------------- discourse


def _discourse(url: str, target: Target, fetcher: Fetcher) -> Download:
    base = target.site
    topic = fetcher.get_json(f"{base}/t/{target.ident}.json", delay=1.0)
    stream = topic.get("post_stream") if isinstance(topic, dict) else None
    if not isinstance(stream, dict) or not isinstance(stream.get("posts"), list):
        raise NotAThread(url, "not a Discourse topic (its JSON has no post_stream)", "is this a forum topic address?")
    result = Download("discourse", url, base_url=base)
    result.files.append((f"discourse-{target.ident}.json", json_bytes(topic)))
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
        result.files.append((f"discourse-{target.ident}-posts-{start // DISCOURSE_BATCH + 1}.json", json_bytes(page)))
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
        (f"mastodon-{target.ident}.json", json_bytes(status)),
        (f"mastodon-{target.ident}-context.json", json_bytes(context)),
    ]
    return Download("mastodon", url, files)
