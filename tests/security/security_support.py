"""Helpers for the security tests (issue 8): the payload corpus, hostile sites, static HTML checks, metrics.

Imported as `from security_support import ...` (a unique module name; every folder's conftest.py is a module
called `conftest`).
"""

from __future__ import annotations

import html
import json
import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
SHARED_CORPUS = REPO / "tests" / "xss_payloads.txt"
"""Markdown-body payloads written by the markup owner (used when present)."""
EXTRA_CORPUS = HERE / "payloads_extra.txt"
"""Our own payloads, for every field."""

TEMPLATE_PRODUCT = "426763565"
"""98765*4321: appears in a page only if a template expression from content was evaluated."""
SAFE_SCHEMES = {"", "http", "https", "mailto"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "poster", "data", "background", "cite", "srcset"}
FORBIDDEN_TAGS = {"iframe", "frame", "frameset", "object", "embed", "applet", "base", "form", "isindex", "template"}
METRICS: dict[str, Any] = defaultdict(int)
"""Numbers for the issue-8 table, printed at the end of the session (see conftest.py)."""

_ESCAPE = re.compile(r"\\(?:n|t|\\|x[0-9A-Fa-f]{2}|u[0-9A-Fa-f]{4})")


def _unescape(match: re.Match[str]) -> str:
    code = match.group()
    return {"\\n": "\n", "\\t": "\t", "\\\\": "\\"}.get(code) or chr(int(code[2:], 16))


def read_corpus(path: Path) -> list[str]:
    """One payload per non-empty line, with the escapes of tests/xss_payloads.txt (`\\n`, `\\t`, `\\xHH`, ...)."""
    if not path.is_file():
        return []
    return [_ESCAPE.sub(_unescape, line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def load_payloads() -> list[str]:
    """Both corpora, without repeats, in a fixed order."""
    return list(dict.fromkeys(read_corpus(EXTRA_CORPUS) + read_corpus(SHARED_CORPUS)))


# ---------------------------------------------------------------- hostile sites


def _yaml(text: str) -> str:
    """A YAML double-quoted scalar (JSON string syntax is a subset YAML reads)."""
    return json.dumps(text, ensure_ascii=False)


def _attr(text: str) -> str:
    """A `--- comment` attribute value: quoted, with `\\`, `"` and newlines escaped."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _md_body(text: str) -> str:
    """Body text for a .md thread: a line starting `--- comment` gets the format's backslash escape."""
    return "\n".join("\\" + line if re.match(r"\\*--- comment", line) else line for line in text.split("\n"))


def _line(text: str) -> str:
    return " ".join(text.split()) or "x"


MD_IDS = ["..", "...", ".", ":", "-", "_", "javascript:alert.1.", "CON", "a..b", "x0123456789"]
"""Comment ids the Markdown format admits ([A-Za-z0-9_.:-]+) that look like paths or schemes."""


def _title(chunk: list[str], n: int) -> str:
    joined = " ".join(chunk)
    return joined if joined.strip() else f"blank {n}"


def _date(n: int) -> str | None:
    return f"20{10 + n % 15}-{1 + n % 12:02d}-0{1 + n % 9}" if n % 4 else None


def json_thread(n: int, chunk: list[str]) -> str:
    """A JSON thread with each payload of `chunk` in every field; a reply chain deep enough to fold (fold_depth 2)."""
    first = chunk[0]
    chain: dict[str, Any] = {"id": first + "\x00deep", "author": first, "body": first, "replies": []}
    for level in range(6):  # past fold_depth 2, more replies than a small branch (kept inline)
        chain = {"id": f"{first}/{level}", "author": first, "body": first, "replies": [chain]}
    comments: list[dict[str, Any]] = [
        {
            "id": payload,
            "author": payload,
            "body": payload,
            "score": n,
            "flair": payload,
            "edited": True,
            "more_replies": 2,
            "more_url": payload,
            "replies": [{"id": payload + "/r", "author": payload, "body": payload}],
        }
        for payload in dict.fromkeys(chunk)
    ]
    data = {
        "title": _title(chunk, n),
        "author": " ".join(chunk),
        "tags": [*chunk, "safe"],
        "summary": " ".join(chunk),
        "source": first,
        "slug": f"json {n} {first}",
        "date": _date(n),
        "body": "\n\n".join(chunk),
        "flair": first,
        first: first,
        "comments": [*comments, chain],
    }
    return json.dumps(data, ensure_ascii=False, indent=1)


def md_thread(n: int, chunk: list[str]) -> str:
    """A Markdown thread with each payload of `chunk` in every field the format has."""
    first = chunk[0]
    joined = " ".join(chunk)
    front = [
        "---",
        f"title: {_yaml(_title(chunk, n))}",
        f"author: {_yaml(joined)}",
        f"tags: [{', '.join(_yaml(p) for p in chunk)}, safe]",
        f"summary: {_yaml(joined)}",
        f"source: {_yaml(first)}",
        f"slug: {_yaml(f'md {n} {first}')}",
        f"flair: {_yaml(first)}",
    ]
    if _date(n):
        front.append(f"date: {_date(n)}")
    lines = [*front, "---", "", *(_md_body(p) + "\n" for p in chunk)]
    for k, payload in enumerate(chunk):
        ident = MD_IDS[(n + k) % len(MD_IDS)] + f"{k}" * (k > 0)
        lines += [
            f"--- comment id={ident} author={_attr(payload)} flair={_attr(payload)} more_replies=2 "
            f"more_url={_attr(payload)} score={n}",
            _md_body(payload),
        ]
    ident = MD_IDS[n % len(MD_IDS)]
    for level in range(6):  # a chain below the first comment, deep enough to fold (and not a small branch)
        lines += [f"--- comment id=r{level} parent={ident} author={_attr(first)}", _md_body(first)]
        ident = f"r{level}"
    return "\n".join(lines) + "\n"


def txt_thread(n: int, chunk: list[str]) -> str:
    """A plain-text digest with each payload of `chunk` in every field the format has."""
    joined = _line(" ".join(chunk))
    lines = [
        _line(_title(chunk, n)),
        "",
        _line(chunk[0]),
        f"Posted by {joined}",
        f"Tags: {', '.join(_line(p) for p in chunk)}",
        f"Summary: {joined}",
    ]
    if _date(n):
        lines.append(f"Date: {_date(n)}")
    lines += [f"{len(chunk)} comments", "", joined, ""]
    lines += [f"  {k}. {_line(p)}\n    {_line(p)}" for k, p in enumerate(chunk, start=1)]
    return "\n".join(lines) + "\n"


FORMATS = {".json": json_thread, ".md": md_thread, ".txt": txt_thread}

HOSTILE_CONFIG = """\
title = "Hostile <script>alert(1)</script> site"
description = "\\"><img src=x onerror=alert(1)>"
base_url = "/"
per_page = 400
feed_items = 400
fold_depth = 2
"""


def write_hostile_site(root: Path, payloads: list[str], group: int = 1) -> int:
    """A site folder: per format, one thread per `group` payloads (each payload in every field); returns the count.

    With `group` 1 every payload is alone in each field (plus the next payload, so tags and ids come in twos);
    a larger group makes fewer pages (for the browser) with the payloads side by side.
    """
    content = root / "content"
    content.mkdir(parents=True, exist_ok=True)
    (root / "site.toml").write_text(HOSTILE_CONFIG, encoding="utf-8")
    count = 0
    for n, start in enumerate(range(0, len(payloads), group)):
        chunk = payloads[start : start + group] if group > 1 else [payloads[n], payloads[(n + 1) % len(payloads)]]
        for suffix, make in FORMATS.items():
            (content / f"p{n:03d}{suffix}").write_text(make(n, chunk), encoding="utf-8")
            count += 1
    return count


# ---------------------------------------------------------------- static checks


def url_scheme(value: str) -> str:
    """The scheme a browser would see: control characters and white space removed, lower case; "" when relative."""
    cleaned = "".join(ch for ch in html.unescape(value) if ch > " " and ch != "\x7f")
    match = re.match(r"([A-Za-z][A-Za-z0-9+.\-]*):", cleaned)
    return match.group(1).lower() if match else ""


@dataclass(frozen=True, slots=True)
class Violation:
    file: str
    what: str

    def __str__(self) -> str:
        return f"{self.file}: {self.what}"


class _Checker(HTMLParser):
    """Collects anything in a page that could run script: handlers, unsafe URLs, scripts, frames, forms."""

    def __init__(self, name: str) -> None:
        super().__init__(convert_charrefs=True)
        self.name = name
        self.found: list[Violation] = []
        self.scripts: list[tuple[dict[str, str | None], list[str]]] = []
        self._in_script: list[str] | None = None

    def bad(self, what: str) -> None:
        self.found.append(Violation(self.name, what[:300]))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in FORBIDDEN_TAGS:
            self.bad(f"<{tag}> element")
        if tag == "meta" and (values.get("http-equiv") or "").lower() == "refresh":
            self.bad("<meta http-equiv=refresh>")
        for key, value in attrs:
            if key.startswith("on"):
                self.bad(f"event handler attribute {key}={value!r} on <{tag}>")
            if key == "srcdoc":
                self.bad(f"srcdoc on <{tag}>")
            if key in URL_ATTRIBUTES and value is not None:
                candidates = [part.strip().split(" ")[0] for part in value.split(",")] if key == "srcset" else [value]
                for candidate in candidates:
                    if url_scheme(candidate) not in SAFE_SCHEMES:
                        self.bad(f"{key}={value!r} on <{tag}> (scheme {url_scheme(candidate)!r})")
            if key == "style" and value and re.search(r"expression\s*\(|javascript:|url\s*\(", value, re.I):
                self.bad(f"style={value!r} on <{tag}>")
        if tag == "script":
            self._in_script = []
            self.scripts.append((values, self._in_script))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag == "script":
            self._in_script = None

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = None

    def handle_data(self, data: str) -> None:
        if self._in_script is not None:
            self._in_script.append(data)


def check_html(name: str, text: str) -> list[Violation]:
    """Everything in one HTML page that could run script; JSON-LD must parse and keep `<` escaped."""
    checker = _Checker(name)
    checker.feed(text)
    checker.close()
    found = list(checker.found)
    for attrs, parts in checker.scripts:
        kind = (attrs.get("type") or "").lower()
        body = "".join(parts)
        if kind == "application/ld+json":
            try:
                json.loads(body)
            except ValueError as exc:
                found.append(Violation(name, f"JSON-LD does not parse ({exc}): {body[:200]!r}"))
            if "<" in body:
                found.append(Violation(name, f"JSON-LD holds a raw '<': {body[:200]!r}"))
            continue
        src = attrs.get("src") or ""
        if src and not url_scheme(src) and not body.strip():
            continue  # the theme's own script file
        found.append(Violation(name, f"unexpected <script {attrs}>: {body[:200]!r}"))
    return found


def check_xml(name: str, data: bytes) -> list[Violation]:
    """A feed or sitemap must stay well-formed XML whatever the content (no injected elements)."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        return [Violation(name, f"not well-formed XML: {exc}")]
    found = []
    for element in root.iter():
        local = element.tag.rsplit("}", 1)[-1]
        if local in {"script", "img", "svg", "iframe"}:
            found.append(Violation(name, f"injected <{local}> element"))
    return found


def check_site(files: dict[str, bytes]) -> list[Violation]:
    """Every file of a built site: HTML pages and XML documents checked, template output never evaluated."""
    found: list[Violation] = []
    for name, data in sorted(files.items()):
        if TEMPLATE_PRODUCT.encode() in data:
            found.append(Violation(name, "a template expression from content was evaluated (98765*4321 appears)"))
        if name.endswith(".html"):
            found += check_html(name, data.decode("utf-8"))
        elif name.endswith(".xml"):
            found += check_xml(name, data)
    return found


def read_tree(folder: Path) -> dict[str, bytes]:
    """Every file under `folder`: relative POSIX path -> bytes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
