"""Mailing-list archives (mbox) -> one Thread per mail thread, threaded the JWZ way.

In: the path of an mbox file (plain or compressed), or of a Maildir or MH folder (a file a message).
An mbox is split on `From ` lines (mboxrd `>From ` escaping undone); each message is parsed with the
stdlib `email` package.
Out: one Thread per thread: the first mail is the post, every reply a comment under the mail it
answers. Threading follows Jamie Zawinski's algorithm (https://www.jwz.org/doc/threading.html):
`References` chains (plus `In-Reply-To`) link containers, absent messages stay as empty containers,
empty containers are pruned and their children promoted. When the thread's first mail is absent (several
roots under one absent message, or one root that answers an absent message: the discussion began in
another month's mailbox) the post is a stand-in (`missing_post`), the thread named after the oldest
message referenced, so the same discussion from two mailboxes of one run is merged (`write.py`). Subject
grouping (JWZ step 5) is left out on purpose: on mailing lists it joins unrelated "Re: help" threads.
Broken headers (folded, empty, garbage around ids) are tolerated; a Message-ID seen again (a resend, a
tracker's copy with another body) is the first message only. Bodies: the text/plain part (else HTML,
converted), decoded by `mail_text.decode_bytes` (UTF-8 when it is, else the declared charset, else
Windows-1252), then `mail_text.fold_plain_text`: line structure kept, signature, quotes and notices folded.
Authors are display names (`Name <addr>`, or the `addr (Name)` of Mailman 2; else the address's local
part), never whole addresses.
"""

from __future__ import annotations

import email
import email.errors
import email.policy
import hashlib
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.header import decode_header
from email.message import EmailMessage
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import Path

from ..model import Comment, Thread
from .common import REFERENCES, build_tree, iter_lines, thread_file_name, utc_from_iso
from .errors import ImportFailure
from .html_to_markdown import html_to_markdown
from .mail_text import decode_bytes, fold_plain_text

_ID = re.compile(r"<([^<>\s@]+@[^<>\s]+)>")
"""A message id as RFC 5322 has it: `<left@right>`; things like `<yes>` in broken headers are not ids."""


@dataclass(slots=True)
class Mail:
    """One parsed message, as much as threading and the page need."""

    msgid: str
    refs: list[str]
    subject: str
    author: str | None
    date: datetime | None
    body: str
    extra: dict[str, object]
    line: int


@dataclass(slots=True)
class _Container:
    mail: Mail | None = None
    parent: _Container | None = None
    children: list[_Container] = field(default_factory=list)


def short_id(msgid: str) -> str:
    """A stable comment id for a Message-ID: `m` + 10 hex digits of its SHA-1."""
    return "m" + hashlib.sha1(msgid.encode("utf-8", "replace")).hexdigest()[:10]


_SEPARATOR = re.compile(rb"From (?:\S.*?\s\d{1,2}:\d\d(?::\d\d)?\s.*?\b\d{4}\b|\S+@\S+\s*$)")
"""A `From ` line that separates messages: a sender, then the time and year of its asctime date
(`From jo@x.org Sat Nov 14 21:29:28 2015`, pipermail's `From jo at x.org  Sat Nov...`), or an address alone;
a body line that begins with an unquoted "From what I see" (mboxo writers do not always quote it) does not
end a message."""


def split_mbox(path: str, data: bytes | None = None) -> Iterator[tuple[int, bytes]]:
    """(first line number, message bytes) for each message of the mbox at `path` (or in `data`)."""
    lines: list[bytes] = []
    start = 0
    previous_blank = True
    for number, line in iter_lines(path, data):
        if number == 1 and not line.startswith(b"From "):
            raise ImportFailure(path, 1, "not an mbox file: the first line should be a 'From ' separator line")
        if line.startswith(b"From ") and previous_blank and (number == 1 or _SEPARATOR.match(line)):
            if lines:
                yield start, b"".join(lines)
            lines, start = [], number
        else:
            if line.startswith(b">") and line.lstrip(b">").startswith(b"From "):
                line = line[1:]
            lines.append(line)
        previous_blank = not line.strip()
    if lines:
        yield start, b"".join(lines)


def _raw_header(msg: EmailMessage, name: str) -> str | None:
    """The header as the mail has it (RFC 2047 words still encoded), 8-bit bytes decoded by `decode_bytes`."""
    wanted = name.lower()
    raw = next((str(value) for key, value in msg.raw_items() if key.lower() == wanted), None)
    if raw is not None and _ESCAPED_BYTES.search(raw):
        raw = decode_bytes(raw.encode("ascii", "surrogateescape"), None)
    return raw


_ESCAPED_BYTES = re.compile("[\udc80-\udcff]")
"""How the `email` parser keeps the 8-bit bytes of a header it could not decode (surrogateescape)."""


def _header(msg: EmailMessage, name: str) -> str:
    raw = _raw_header(msg, name)
    if raw is not None and (not raw.isascii() or "=?" in raw):
        value: object = _decode_words(raw)  # 8-bit text (the parser would make it U+FFFD), or encoded words
    else:
        try:
            value = msg.get(name)
        except Exception:  # a header the parser cannot model: fall back to its raw text
            value = raw
    return " ".join(str(value).split()) if value is not None else ""


def _decode_words(raw: str) -> str:
    """RFC 2047 `=?charset?q?...?=` words decoded as bodies are (`decode_bytes`: UTF-8 declared as Latin-1 is
    read as UTF-8); text that is not one is kept as it is."""
    try:
        parts = decode_header(raw)
    except (LookupError, ValueError, UnicodeError, email.errors.HeaderParseError):
        return raw
    return "".join(decode_bytes(part, charset) if isinstance(part, bytes) else part for part, charset in parts)


def _author(msg: EmailMessage) -> str | None:
    """The display name: `Name <addr>`, `"Name" <addr>`, or the old `addr (Name)` (Mailman 2 / pipermail), read
    from the raw header (the parser's model makes `andy at example.com (Andy)` one address and drops the name);
    else the address's local part (pipermail writes `user at host`)."""
    raw = " ".join(_decode_words(_raw_header(msg, "From") or "").split())
    pairs = getaddresses([raw])
    name, address = pairs[0] if pairs else ("", "")
    name = name.strip().strip("\"'").strip()
    if name and "@" not in name:
        return name
    local = re.split(r"@| at ", address or raw)[0].strip(" <>\"'")
    return local or None


def _date(msg: EmailMessage) -> datetime | None:
    """The `Date`; without a usable one, the time the first server took the mail (the date after the `;` of
    the last `Received` header, the one nearest the sender), else None."""
    moment = _parse_date(_header(msg, "Date"))
    if moment is None:
        stamps = [str(value).rpartition(";")[2] for key, value in msg.raw_items() if key.lower() == "received"]
        moment = next((found for stamp in reversed(stamps) if (found := _parse_date(stamp)) is not None), None)
    return moment


def _parse_date(raw: str) -> datetime | None:
    """An RFC 5322 date, or an ISO 8601 one (some archivers' and tools' `Date`); None when it is neither."""
    try:
        moment = parsedate_to_datetime(" ".join(raw.split()))
    except (TypeError, ValueError, IndexError):
        return utc_from_iso(raw.strip())
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(microsecond=0)


def _body(msg: EmailMessage) -> tuple[str, dict[str, object]]:
    try:
        part = msg.get_body(preferencelist=("plain", "html"))
    except Exception:
        part = None
    if part is None:  # its only text is marked as an attachment (a patch, a forwarded text): that is the body
        texts = [p for p in msg.walk() if p.get_content_maintype() == "text"]
        part = next((p for p in texts if p.get_content_subtype() == "plain"), None) or next(
            (p for p in texts if p.get_content_subtype() == "html"), None
        )
    if part is None:
        return "", {}
    try:
        payload = part.get_payload(decode=True)  # transfer encoding undone; broken base64 gives what it can
    except Exception:
        payload = None
    if not isinstance(payload, bytes):
        return "", {}
    content = decode_bytes(payload, part.get_content_charset())
    if part.get_content_subtype() == "html":
        return html_to_markdown(content), {}
    flowed = part.get_param("format", "", header="content-type") == "flowed"
    delsp = part.get_param("delsp", "", header="content-type") == "yes"
    return fold_plain_text(content, flowed=flowed, delsp=delsp)


def parse_mail(data: bytes, line: int, path: str) -> Mail:
    """One message's bytes -> Mail."""
    msg = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    ids = _ID.findall(_header(msg, "Message-ID"))
    msgid = ids[0] if ids else _header(msg, "Message-ID").strip() or "no-id-" + hashlib.sha1(data).hexdigest()
    refs = _ID.findall(_header(msg, "References"))
    reply_to = _ID.findall(_header(msg, "In-Reply-To"))
    if reply_to and (not refs or refs[-1] != reply_to[0]):
        refs = [r for r in refs if r != reply_to[0]] + [reply_to[0]]
    refs = [r for r in refs if r != msgid]
    body, extra = _body(msg)
    return Mail(msgid, refs, _header(msg, "Subject"), _author(msg), _date(msg), body, extra, line)


def _is_ancestor(maybe: _Container, node: _Container) -> bool:
    current: _Container | None = node
    while current is not None:
        if current is maybe:
            return True
        current = current.parent
    return False


def _link(child: _Container, parent: _Container) -> None:
    if child.parent is not None:
        child.parent.children.remove(child)
    child.parent = parent
    parent.children.append(child)


def thread_mails(mails: list[Mail]) -> list[tuple[_Container, list[Mail]]]:
    """JWZ steps 1-4: -> (root container, mails in the thread) per thread, in order of first mail."""
    table: dict[str, _Container] = {}
    for mail in mails:
        container = table.setdefault(mail.msgid, _Container())
        if container.mail is not None:
            continue  # the same Message-ID again (a resend, an archive's or a bug tracker's copy): one message
        container.mail = mail
        previous: _Container | None = None
        for ref in mail.refs:
            ref_container = table.setdefault(ref, _Container())
            if previous is not None and ref_container.parent is None and not _is_ancestor(ref_container, previous):
                _link(ref_container, previous)
            previous = ref_container
        if previous is not None and not _is_ancestor(container, previous):
            _link(container, previous)
        elif previous is None and container.parent is not None:
            container.parent.children.remove(container)
            container.parent = None
    groups: dict[int, tuple[_Container, list[Mail]]] = {}
    for container in table.values():
        if container.mail is None:
            continue
        top = container
        while top.parent is not None:
            top = top.parent
        groups.setdefault(id(top), (top, []))[1].append(container.mail)
    ordered = sorted(groups.values(), key=lambda g: min(m.line for m in g[1]))
    return ordered


_MAX_REFS = 32
"""Ancestors recorded per mail whose parent is absent: the first (the thread's root) and the nearest others."""


def _kept_refs(refs: list[str]) -> list[str]:
    return refs if len(refs) <= _MAX_REFS else [refs[0], *refs[-(_MAX_REFS - 1) :]]


def _nearest_mail(container: _Container) -> _Container | None:
    current = container.parent
    while current is not None and current.mail is None:
        current = current.parent
    return current


def split_folder(path: str) -> Iterator[tuple[int, bytes]]:
    """(place, message bytes) for each message of a Maildir (the files of its `cur/` and `new/`, in name order:
    a Maildir name starts with the delivery time) or of a folder of one-message files (MH's numbered files,
    `.eml` files), in name order, numbers as numbers; dot files (`.mh_sequences`) are not messages."""
    folder = Path(path)
    parts = [folder / "cur", folder / "new"]
    if any(part.is_dir() for part in parts):
        files = sorted((f for part in parts if part.is_dir() for f in part.iterdir()), key=lambda f: f.name)
    else:
        files = sorted(
            folder.iterdir(), key=lambda f: [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", f.name)]
        )
    messages = [f for f in files if f.is_file() and not f.name.startswith(".")]
    if not messages:
        raise ImportFailure(path, 0, "no messages: expected an mbox file, a Maildir (cur/, new/) or a folder of mails")
    for place, message in enumerate(messages, 1):
        yield place, b"".join(line for _number, line in iter_lines(message))


def parse_mbox(path: str, data: bytes | None = None) -> Iterator[Thread]:
    """The mbox at `path` (or `data` read from it), or the Maildir or MH folder at `path` -> one Thread per
    thread, in order of first message."""
    messages = split_folder(path) if data is None and os.path.isdir(path) else split_mbox(path, data)
    mails = [parse_mail(raw, line, path) for line, raw in messages]
    table_by_id: dict[str, _Container] = {}
    for root, members in thread_mails(mails):
        stack = [root]
        while stack:
            node = stack.pop()
            if node.mail is not None:
                table_by_id[node.mail.msgid] = node
            stack.extend(node.children)
        yield _thread(members, table_by_id)


def _thread(members: list[Mail], containers: dict[str, _Container]) -> Thread:
    members.sort(key=lambda m: (m.date or datetime.min.replace(tzinfo=UTC), m.line))
    tops = [m for m in members if _nearest_mail(containers[m.msgid]) is None]
    # The post is the one mail without a present ancestor, unless it answers a mail that is absent (the
    # discussion began in another month's archive): then the post is a stand-in for that first mail.
    post = tops[0] if len(tops) == 1 and not tops[0].refs else None
    subject = (post or tops[0]).subject or "(no subject)"
    title = subject if post else re.sub(r"^(\s*(re|fwd?|aw|sv)\s*:\s*)+", "", subject, flags=re.IGNORECASE)
    key = post.msgid if post else (tops[0].refs[0] if tops[0].refs else tops[0].msgid)
    thread = Thread(
        title=title or "(no subject)",
        path=thread_file_name("mail", short_id(key)[1:], title or "no subject"),
        author=post.author if post else None,
        date=post.date if post else None,
        body=post.body if post else "",
    )
    thread.extra.update({"origin": "mail", "origin_id": short_id(key)[1:]})
    if post:
        thread.extra.update(post.extra)
    else:
        thread.extra["missing_post"] = True
    pairs: list[tuple[Comment, str | None]] = []
    for mail in members:
        if mail is post:
            continue
        container = containers[mail.msgid]
        parent = _nearest_mail(container)
        comment = Comment(body=mail.body, id=short_id(mail.msgid), author=mail.author, date=mail.date)
        comment.extra.update(mail.extra)
        absent_parent = container.parent is not None and container.parent.mail is None and bool(mail.refs)
        if absent_parent and (post is not None or mail.refs[-1] != key):  # an answer to a stand-in answers the post
            comment.extra["missing_parent"] = short_id(mail.refs[-1])
        if absent_parent:  # what a later import (another month's mailbox) needs to place it
            comment.extra[REFERENCES] = " ".join(short_id(r) for r in _kept_refs(mail.refs))
        if mail.subject and mail.subject != subject and not re.match(r"(?i)\s*re\s*:", mail.subject):
            comment.extra["subject"] = mail.subject
        parent_id = None if parent is None or parent.mail is post else short_id(parent.mail.msgid)  # type: ignore[union-attr]
        pairs.append((comment, parent_id))
    thread.comments = build_tree(pairs)
    return thread
