"""HTML -> Markdown for the bodies sources send as HTML (HN, Discourse `cooked`, Mastodon, Stack Exchange, mail).

In: an HTML fragment (untrusted, often sloppy: HN's unclosed `<p>`, entities everywhere).
Out: Markdown that renders to the same text and structure: paragraphs, links, emphasis, code and
`pre`, block quotes, lists, headings, line breaks, images. Text is escaped so that it never turns
into markup it was not. Built on the stdlib `html.parser`; nothing is executed or fetched.
The result is still untrusted: it is later rendered with raw HTML off.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin

_VOID = {"br", "hr", "img", "input", "meta", "link", "area", "base", "col", "embed", "source", "track", "wbr"}
_SKIP = {"script", "style", "head", "title", "template", "noscript", "svg", "button", "iframe"}
_BLOCK = {
    "p", "div", "section", "article", "header", "footer", "aside", "figure", "figcaption", "details",
    "summary", "main", "nav", "table", "thead", "tbody", "tfoot", "tr", "dl", "dt", "dd", "center",
    "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "ul", "ol", "li", "hr", "html", "body",
}  # fmt: skip
_MAX_DEPTH = 100
"""Deeper nesting is flattened into its ancestor: hostile input cannot exhaust the stack."""


@dataclass(slots=True)
class _Node:
    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[_Node | str] = field(default_factory=list)


class _TreeBuilder(HTMLParser):
    """A forgiving DOM: closes `p`/`li` implicitly, ignores stray end tags, drops script/style."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = _Node("root")
        self.stack = [self.root]
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.skipping or tag in _SKIP:
            self.skipping += tag in _SKIP and tag not in _VOID
            return
        if tag in ("p", "li", "dt", "dd") or tag in _BLOCK:
            self._close_implicit(tag)
        node = _Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in _VOID and len(self.stack) < _MAX_DEPTH:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if not self.skipping and tag not in _SKIP:
            self.stack[-1].children.append(_Node(tag, {k: v or "" for k, v in attrs}))

    def _close_implicit(self, tag: str) -> None:
        if self.stack[-1].tag == "p" and tag in _BLOCK:
            self.stack.pop()
        if tag == "li":
            self._pop_to({"li"}, stop={"ul", "ol"})
        elif tag in ("dt", "dd"):
            self._pop_to({"dt", "dd"}, stop={"dl"})

    def _pop_to(self, tags: set[str], stop: set[str]) -> None:
        for index in range(len(self.stack) - 1, 0, -1):
            if self.stack[index].tag in stop:
                return
            if self.stack[index].tag in tags:
                del self.stack[index:]
                return

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skipping = max(0, self.skipping - 1)
            return
        if self.skipping:
            return
        for index in range(len(self.stack) - 1, 0, -1):
            if self.stack[index].tag == tag:
                del self.stack[index:]
                return

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.stack[-1].children.append(data)


_ESCAPE = re.compile(r"([\\`*\[\]<])")
_UNDERSCORE = re.compile(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
_ENTITY_LIKE = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
_LINE_START = re.compile(r"^(\s*)([#>+=\-|]|\d+(?=[.)]))", re.MULTILINE)
_HARD_BREAK = "\\\n"


def _escape(text: str) -> str:
    text = _ESCAPE.sub(r"\\\1", text)
    text = _UNDERSCORE.sub(r"\\_", text)
    text = text.replace("~~", "\\~\\~")
    return _ENTITY_LIKE.sub("\\&", text)


def _escape_line_starts(text: str) -> str:
    def fix(match: re.Match[str]) -> str:
        lead, mark = match.group(1), match.group(2)
        return f"{lead}{mark}\\" if mark[0].isdigit() else f"{lead}\\{mark}"

    return _LINE_START.sub(fix, text)


def _text_of(node: _Node | str) -> str:
    if isinstance(node, str):
        return node
    if node.tag == "br":
        return "\n"
    return "".join(_text_of(child) for child in node.children)


def _fence(code: str, lang: str = "") -> str:
    longest = max((len(run) for run in re.findall(r"`+", code)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}{lang}\n{code.rstrip()}\n{ticks}"


def _inline_code(code: str) -> str:
    code = " ".join(code.split("\n"))
    longest = max((len(run) for run in re.findall(r"`+", code)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if code.startswith("`") or code.endswith("`") or longest else ""
    return f"{ticks}{pad}{code}{pad}{ticks}" if code.strip() else code


def _wrap(inner: str, mark: str) -> str:
    stripped = inner.strip()
    if not stripped:
        return inner
    lead = inner[: len(inner) - len(inner.lstrip())]
    trail = inner[len(inner.rstrip()) :]
    return f"{lead}{mark}{stripped}{mark}{trail}"


def _link_target(href: str) -> str:
    if re.search(r"[\s<>()]", href):
        return "<" + href.replace("<", "%3C").replace(">", "%3E").replace(" ", "%20") + ">"
    return href


class _Renderer:
    def __init__(self, base_url: str | None) -> None:
        self.base_url = base_url

    def url(self, href: str) -> str:
        href = href.strip()
        return urljoin(self.base_url, href) if self.base_url and href else href

    def blocks(self, node: _Node) -> str:
        """The node's children as Markdown blocks separated by blank lines."""
        out: list[str] = []
        inline: list[str] = []

        def flush() -> None:
            text = "".join(inline)
            inline.clear()
            text = re.sub(r"[ \t]*\\\n[ \t]*", _HARD_BREAK, text)
            text = re.sub(r"(\\\n)+$", "", text.strip())
            text = re.sub(r"^(\\\n)+", "", text).strip()
            text = re.sub(r"(?<=\S) {2,}", " ", text)
            if text:
                out.append(_escape_line_starts(text))

        for child in node.children:
            if isinstance(child, str):
                inline.append(_escape(re.sub(r"\s+", " ", child)))
            elif child.tag in _BLOCK:
                flush()
                block = self.block(child)
                if block.strip():
                    out.append(block)
            else:
                inline.append(self.inline(child))
        flush()
        return "\n\n".join(out)

    def block(self, node: _Node) -> str:
        tag = node.tag
        if tag == "pre":
            lang = ""
            for child in node.children:
                if isinstance(child, _Node) and child.tag == "code":
                    found = re.search(r"(?:lang(?:uage)?-)([\w+#-]+)", child.attrs.get("class", ""))
                    lang = found.group(1) if found else ""
            return _fence(_text_of(node).strip("\n"), lang)
        if tag == "blockquote":
            inner = self.blocks(node)
            return "\n".join(f"> {line}" if line else ">" for line in inner.split("\n"))
        if tag in ("ul", "ol"):
            return self.list_block(node)
        if tag == "hr":
            return "* * *"
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            text = " ".join(self.blocks(node).replace(_HARD_BREAK, " ").split())
            return f"{'#' * int(tag[1])} {text}" if text else ""
        if tag == "tr":
            cells = [self.blocks(c).replace("\n\n", " ") for c in node.children if isinstance(c, _Node)]
            return " | ".join(cell for cell in cells if cell)
        if tag == "li":  # an <li> outside a list
            return self.list_items([node], ordered=False, start=1)
        if tag == "img":
            return self.inline(node)
        return self.blocks(node)

    def list_block(self, node: _Node) -> str:
        items = [c for c in node.children if isinstance(c, _Node) and c.tag == "li"]
        # Text or other tags straight inside the list become items of their own.
        if not items:
            return self.blocks(node)
        start = int(node.attrs.get("start", "1")) if node.attrs.get("start", "1").isdigit() else 1
        return self.list_items(items, ordered=node.tag == "ol", start=start)

    def list_items(self, items: list[_Node], ordered: bool, start: int) -> str:
        lines: list[str] = []
        for number, item in enumerate(items, start):
            marker = f"{number}. " if ordered else "- "
            body = self.blocks(item) or ""
            pad = " " * len(marker)
            body_lines = body.split("\n")
            lines.append(marker + body_lines[0])
            lines.extend(pad + line if line else "" for line in body_lines[1:])
        return "\n".join(lines)

    def inline(self, node: _Node) -> str:
        tag = node.tag
        if tag == "br":
            return _HARD_BREAK
        if tag == "img":
            classes = node.attrs.get("class", "")
            alt = node.attrs.get("alt", "") or node.attrs.get("title", "")
            if "avatar" in classes:
                return ""
            if "emoji" in classes:
                return _escape(alt)
            src = self.url(node.attrs.get("src", ""))
            return f"![{_escape(alt)}]({_link_target(src)})" if src else _escape(alt)
        if tag == "code" or tag in ("kbd", "samp", "tt"):
            return _inline_code(_text_of(node))
        inner = "".join(
            _escape(re.sub(r"\s+", " ", c)) if isinstance(c, str) else self.inline_or_flat(c) for c in node.children
        )
        if tag in ("em", "i", "cite", "var", "dfn"):
            return _wrap(inner, "*")
        if tag in ("strong", "b"):
            return _wrap(inner, "**")
        if tag in ("del", "s", "strike"):
            return _wrap(inner, "~~")
        if tag == "a":
            href = self.url(node.attrs.get("href", ""))
            text = inner.strip()
            if not href or href.startswith("#"):
                return inner
            plain = _text_of(node).strip()
            if plain == href and re.fullmatch(r"https?://[^\s<>]+", href):
                return f"<{href}>"
            return f"[{text or _escape(href)}]({_link_target(href)})"
        return inner

    def inline_or_flat(self, node: _Node) -> str:
        """A block inside an inline element (a `div` inside a link): its text, on one line."""
        if node.tag in _BLOCK:
            return " " + " ".join(self.blocks(node).replace(_HARD_BREAK, " ").split()) + " "
        return self.inline(node)


def html_to_markdown(html: str, base_url: str | None = None) -> str:
    """Convert an HTML fragment; relative links are resolved against `base_url` when given."""
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return _Renderer(base_url).blocks(builder.root).strip()
