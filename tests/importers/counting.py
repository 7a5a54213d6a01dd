"""Independent counts straight from the raw files, sharing no code with `site_src.importers`.

Each function returns a list of (comments, deepest nesting) per thread, depth 1 = a direct answer to
the opening message. They follow the rules the importers document (a reply whose parent is absent
counts at the top; Discourse post 1 and a mail thread's first message are the post, not a comment).
"""

from __future__ import annotations

import json
import mailbox
import re
import xml.etree.ElementTree as ET
from pathlib import Path

Counts = list[tuple[int, int]]


def _depths(parents: dict[str, str | None]) -> dict[str, int]:
    """id -> depth, following parent links that stay inside `parents`."""
    depth: dict[str, int] = {}
    for start in parents:
        chain = []
        node: str | None = start
        while node is not None and node not in depth:
            chain.append(node)
            parent = parents.get(node)
            node = parent if parent in parents else None
        base = depth[node] if node is not None else 0
        for offset, name in enumerate(reversed(chain), 1):
            depth[name] = base + offset
    return depth


def reddit_page(path: Path) -> Counts:
    page = json.loads(path.read_text(encoding="utf-8"))
    count, deepest = 0, 0
    stack = [(thing, 1) for thing in page[1]["data"]["children"]]
    while stack:
        thing, depth = stack.pop()
        if thing["kind"] != "t1":
            continue
        count += 1
        deepest = max(deepest, depth)
        replies = thing["data"].get("replies")
        if replies:
            stack.extend((child, depth + 1) for child in replies["data"]["children"])
    return [(count, deepest)]


def _b36(number: int) -> str:
    alphabet = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while number:
        number, digit = divmod(number, 36)
        out = alphabet[digit] + out
    return out or "0"


def reddit_dump(paths: list[Path]) -> Counts:
    threads: dict[str, dict[str, str | None]] = {}
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            if "title" in row and "body" not in row:
                threads.setdefault(row["id"], {})
                continue
            link = row["link_id"][3:]
            parent = row.get("parent_id")
            if isinstance(parent, int):
                parent = _b36(parent)
            elif isinstance(parent, str):
                parent = None if parent.startswith("t3_") else parent[3:]
            threads.setdefault(link, {}).setdefault(row["id"], parent)
    out = []
    for parents in threads.values():
        depths = _depths(parents)
        out.append((len(parents), max(depths.values(), default=0)))
    return out


def hn_nested(path: Path, key: str) -> Counts:
    root = json.loads(path.read_text(encoding="utf-8"))
    count, deepest = 0, 0
    stack = [(child, 1) for child in root.get(key) or []]
    while stack:
        node, depth = stack.pop()
        count += 1
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in node.get(key) or [])
    return [(count, deepest)]


def discourse(paths: list[Path]) -> Counts:
    posts: dict[int, int | None] = {}
    for path in paths:
        for post in json.loads(path.read_text(encoding="utf-8"))["post_stream"]["posts"]:
            posts.setdefault(post["post_number"], post.get("reply_to_post_number"))
    parents = {str(n): (str(r) if r not in (None, 1) else None) for n, r in posts.items() if n != 1}
    depths = _depths(parents)
    return [(len(parents), max(depths.values(), default=0))]


def mastodon(path: Path) -> Counts:
    data = json.loads(path.read_text(encoding="utf-8"))
    statuses = data["ancestors"] + data["descendants"]
    parents = {s["id"]: s.get("in_reply_to_id") for s in statuses}
    depths = _depths(parents)
    return [(len(parents), max(depths.values(), default=0))]


def stackexchange(path: Path) -> Counts:
    rows = [row.attrib for row in ET.parse(path).getroot().iter("row")]
    answers: dict[str, int] = {r["Id"]: 0 for r in rows if r.get("PostTypeId") == "1"}
    for row in rows:
        if row.get("PostTypeId") == "2" and row.get("ParentId") in answers:
            answers[row["ParentId"]] += 1
    return [(n, 1 if n else 0) for n in answers.values()]


_MSGID = re.compile(r"<([^<>\s@]+@[^<>\s]+)>")


def mbox(path: Path) -> Counts:
    """Union the References chains; parent = the last referenced message present; dedupe Message-IDs."""
    refs: dict[str, list[str]] = {}
    box = mailbox.mbox(str(path), create=False)
    messages = list(box)
    box.close()
    for message in messages:
        ids = _MSGID.findall(" ".join(str(message.get("Message-ID", "")).split()))
        chain = _MSGID.findall(" ".join(str(message.get("References", "")).split()))
        reply = _MSGID.findall(" ".join(str(message.get("In-Reply-To", "")).split()))
        if reply and (not chain or chain[-1] != reply[0]):
            chain = [r for r in chain if r != reply[0]] + reply[:1]
        if ids and ids[0] not in refs:
            refs[ids[0]] = [r for r in chain if r != ids[0]]
    group: dict[str, str] = {}

    def find(x: str) -> str:
        while group.setdefault(x, x) != x:
            group[x] = group[group[x]]
            x = group[x]
        return x

    for msgid, chain in refs.items():
        for a, b in zip([*chain, msgid], [*chain, msgid][1:], strict=False):
            group[find(a)] = find(b)
    parents = {m: next((r for r in reversed(chain) if r in refs), None) for m, chain in refs.items()}
    depths = _depths(parents)
    members: dict[str, list[str]] = {}
    for msgid in refs:
        members.setdefault(find(msgid), []).append(msgid)
    out = []
    for ids in members.values():
        tops = [m for m in ids if parents[m] is None]
        if len(tops) == 1 and not refs[tops[0]]:  # one first mail, and it answers nothing: the post
            out.append((len(ids) - 1, max(depths[m] - 1 for m in ids)))
        else:
            out.append((len(ids), max(depths[m] for m in ids)))
    return out
