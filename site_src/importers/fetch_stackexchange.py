"""Stack Exchange, for `digest import URL`: a question and its answers from the API, as a data dump's `Posts.xml`.

In: the question (or answer) id, the site's host and a `Fetcher`. Out: a `Posts.xml` holding the question
and its answers with their bodies (API 2.3, `filter=withbody`), the rows shaped as a site dump's, so the
`stackexchange` importer reads it as it reads a dump. The API's `backoff` is honoured.
"""

from __future__ import annotations

import html
import os
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from typing import Any, cast
from urllib.parse import urlsplit

from .http import Fetcher, FetchError
from .remote import SE_API, Download, Target


def fetch_stackexchange(url: str, target: Target, fetcher: Fetcher) -> Download:
    """The question `target` names (or the question of the answer it names) with all its answers."""
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
