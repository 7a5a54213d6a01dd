"""HTML -> Markdown for the bodies sources send as HTML (HN, Discourse `cooked`, Mastodon, Stack Exchange, mail).

In: an HTML fragment (untrusted, often sloppy: HN's unclosed `<p>`, entities everywhere).
Out: Markdown that renders to the same text and structure: paragraphs, links, emphasis, code and
`pre`, block quotes, lists, headings, line breaks (two trailing spaces), images. Inline formatting open
when a paragraph starts goes on inside it, as browsers do. Widgets become what they stand for (`embed`):
a YouTube / `<video>` / `<iframe>` embed a `▶ title` link, a lightbox its image without the caption, a
onebox a quoted link card, a Discourse emoji its character, a poll its options and votes, a spoiler a
marked quote. Text is escaped so that it never turns into markup it was not. Built on the stdlib
`html.parser`; nothing is executed or fetched.
The result is still untrusted: it is later rendered with raw HTML off.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

_VOID = {"br", "hr", "img", "input", "meta", "link", "area", "base", "col", "embed", "source", "track", "wbr"}
_SKIP = {"script", "style", "head", "title", "template", "noscript", "svg", "button"}
_BLOCK = {
    "p", "div", "section", "article", "header", "footer", "aside", "figure", "figcaption", "details",
    "summary", "main", "nav", "table", "thead", "tbody", "tfoot", "tr", "dl", "dt", "dd", "center",
    "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "ul", "ol", "li", "hr", "html", "body",
}  # fmt: skip
_FORMATTING = {"i", "em", "b", "strong", "s", "strike", "del", "u", "cite", "small", "big", "font", "tt"}
"""Inline formatting that HTML parsers carry into the next paragraph (HTML's "active formatting elements"):
HN's `<i>a<p>b<p>c</i>` italicises three paragraphs, it does not make them one."""
_NO_REOPEN = {"ul", "ol", "dl", "table", "thead", "tbody", "tfoot", "tr", "hr", "pre"}
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
        self.pending: list[_Node] = []
        """Formatting a block's end tag closed while it was open (`<p><i>a</p><p>b</i>`): it goes on in what comes
        next, as browsers reconstruct "active formatting elements"."""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.skipping or tag in _SKIP:
            self.skipping += tag in _SKIP and tag not in _VOID
            return
        carried: list[_Node] = []
        if tag in _BLOCK:
            while len(self.stack) > 1 and self.stack[-1].tag in _FORMATTING:
                carried.append(self.stack.pop())
            carried.extend(reversed(self.pending))
            self.pending = []
            self._close_implicit(tag)
        elif self.pending:
            self._reopen_pending()
        node = _Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in _VOID and len(self.stack) < _MAX_DEPTH:
            self.stack.append(node)
            if tag not in _NO_REOPEN:
                for formatting in reversed(carried):  # the formatting goes on inside the new block
                    clone = _Node(formatting.tag, dict(formatting.attrs))
                    self.stack[-1].children.append(clone)
                    self.stack.append(clone)

    def _reopen_pending(self) -> None:
        for formatting in self.pending:
            if len(self.stack) >= _MAX_DEPTH:
                break
            clone = _Node(formatting.tag, dict(formatting.attrs))
            self.stack[-1].children.append(clone)
            self.stack.append(clone)
        self.pending = []

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
                if tag in _BLOCK:
                    self.pending = [n for n in self.stack[index + 1 :] if n.tag in _FORMATTING]
                else:
                    self.pending = [n for n in self.pending if n.tag != tag]
                del self.stack[index:]
                return
        self.pending = [n for n in self.pending if n.tag != tag]  # `</i>` of an `<i>` a block end closed

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            if self.pending and data.strip():
                self._reopen_pending()
            self.stack[-1].children.append(data)


_ESCAPE = re.compile(r"([\\`*\[\]<])")
_UNDERSCORE = re.compile(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
_ENTITY_LIKE = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
_LINE_START = re.compile(r"^(\s*)([#>+=\-|]|:{3,}|\d+(?=[.)]))", re.MULTILINE)
_HARD_BREAK = "  \n"
"""A hard line break as two trailing spaces: markdown-it makes it `<br>`, and plain-text readers (summaries,
key points) see a line end, where the backslash form would leave them a backslash."""


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


def spoiler_block(inner: str, title: str = "") -> str:
    """A block hidden until clicked, in the thread files' `::: spoiler` container (`site_src/spoilers.py`); its
    fence is longer than any colon fence inside it. The title is plain text on one line (shown as it is)."""
    longest = max((len(run) for run in re.findall(r"(?m)^ {0,3}(:{3,})", inner)), default=2)
    fence = ":" * max(3, longest + 1)
    head = f"{fence} spoiler {' '.join(title.split())}".rstrip()
    return f"{head}\n{inner.strip(chr(10))}\n{fence}" if inner.strip() else ""


def _link_target(href: str) -> str:
    if re.search(r"[\s<>()]", href):
        return "<" + href.replace("<", "%3C").replace(">", "%3E").replace(" ", "%20") + ">"
    return href


class _Renderer:
    def __init__(self, base_url: str | None, polls: dict[str, dict[str, Any]] | None = None) -> None:
        self.base_url = base_url
        self.polls = polls or {}

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
            text = re.sub(r"[ \t]*\n[ \t]*", "\n", text.strip())  # breaks at the ends go with strip()
            text = re.sub(r"\n{3,}", "\n\n", text)  # <br><br>: the blank line it shows, a paragraph break
            text = re.sub(r"(?<!\n)\n(?!\n)", _HARD_BREAK, text)
            text = re.sub(r"(?<=\S) {2,}(?![ \n])", " ", text)
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
        special = self.embed(node)
        if special is not None:
            return special
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
            cells = [" ".join(self.blocks(c).split()) for c in node.children if isinstance(c, _Node)]
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
                return _escape(emoji_character(alt))
            src = self.url(node.attrs.get("src", ""))
            return f"![{_escape(alt)}]({_link_target(src)})" if src else _escape(alt)
        if tag == "code" or tag in ("kbd", "samp", "tt"):
            return _inline_code(_text_of(node))
        special = self.embed(node)
        if special is not None:
            return special
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

    def embed(self, node: _Node) -> str | None:
        """Forum and site widgets (Discourse's lazy YouTube, oneboxes, lightboxes, polls, spoilers; `<video>`,
        `<iframe>`, `<audio>`) as the plain Markdown that says what they were, or None for any other node."""
        tag, classes = node.tag, node.attrs.get("class", "").split()
        attrs = node.attrs
        video_id = attrs.get("data-youtube-id") or (
            attrs.get("data-video-id") if "lazy-video-container" in classes else None
        )
        if video_id:
            title = attrs.get("data-youtube-title") or attrs.get("data-video-title") or "Video"
            provider = attrs.get("data-provider-name", "youtube")
            url = _find_href(node) or (f"https://www.youtube.com/watch?v={video_id}" if provider == "youtube" else "")
            return f"[▶ {_escape(title)}]({_link_target(url)})" if url else _escape(title)
        if tag in ("video", "audio", "iframe"):
            src = attrs.get("src") or next(
                (c.attrs.get("src", "") for c in _descendants(node) if c.tag == "source" and c.attrs.get("src")), ""
            )
            src = self.url(src)
            if not src:
                return ""
            label = attrs.get("title") or attrs.get("aria-label") or _embed_label(tag, src)
            return f"[▶ {_escape(label)}]({_link_target(_watch_url(src))})"
        if tag == "a" and "lightbox" in classes:
            image = next((c for c in _descendants(node) if c.tag == "img"), None)
            if image is None:
                return None
            picture = self.inline(image)
            href = self.url(attrs.get("href", ""))
            return (
                f"[{picture}]({_link_target(href)})"
                if href and href != self.url(image.attrs.get("src", ""))
                else picture
            )
        if tag == "aside" and "onebox" in classes:
            return self.onebox(node)
        if tag == "div" and "poll" in classes:
            return self.poll(node)
        if tag == "details":
            summary = next((c for c in node.children if isinstance(c, _Node) and c.tag == "summary"), None)
            title = " ".join(_text_of(summary).split()) if summary is not None else ""
            return spoiler_block(
                self.blocks(_Node("div", children=[c for c in node.children if c is not summary])), title
            )
        if "spoiler" in classes or "spoiled" in classes:
            if tag in _BLOCK:
                return spoiler_block(self.blocks(node))
            inner = "".join(self.inline_or_flat(c) if isinstance(c, _Node) else _escape(c) for c in node.children)
            inner = " ".join(inner.replace(_HARD_BREAK, " ").split())
            return f"\\>!{inner}!<" if inner else ""
        return None

    def onebox(self, node: _Node) -> str:
        """A link preview as a compact quoted card: the linked title, one line of description, the site."""
        heading = next((c for c in _descendants(node) if c.tag in ("h3", "h4", "h2")), None)
        url = self.url(
            node.attrs.get("data-onebox-src") or (_find_href(heading) if heading else None) or _find_href(node) or ""
        )
        title = " ".join(_text_of(heading).split()) if heading else ""
        header = next((c for c in _descendants(node) if c.tag == "header"), None)
        site = " ".join(_text_of(header).split()) if header else ""
        body = next((c for c in _descendants(node) if c.tag == "article"), node)
        paragraph = next((c for c in _descendants(body) if c.tag == "p"), None)
        description = " ".join(_text_of(paragraph).split()) if paragraph else ""
        if len(description) > 200:
            description = description[:200].rsplit(" ", 1)[0] + "…"
        if not url:
            return self.blocks(node)
        lines = [f"**[{_escape(title or url)}]({_link_target(url)})**"]
        if description:
            lines.append(_escape_line_starts(_escape(description)))
        if site and site != title:
            lines.append(f"— {_escape(site)}")
        return "\n".join("> " + line for line in "  \n".join(lines).split("\n"))

    def poll(self, node: _Node) -> str:
        """A poll's options with their votes from the source's data (the static HTML says "0 voters")."""
        data = self.polls.get(node.attrs.get("data-poll-name", "poll"), {})
        votes = data.get("options", {}) if isinstance(data.get("options"), dict) else {}
        lines: list[str] = []
        for item in _descendants(node):
            if item.tag != "li" or "data-poll-option-id" not in item.attrs:
                continue
            text = " ".join(self.blocks(item).split())
            count = votes.get(item.attrs["data-poll-option-id"])
            lines.append(
                f"- {text}" + (f" — {count} vote{'' if count == 1 else 's'}" if isinstance(count, int) else "")
            )
        voters = data.get("voters")
        if isinstance(voters, int):
            lines.append(f"\n*Poll: {voters} voter{'' if voters == 1 else 's'}*")
        return "\n".join(lines)

    def inline_or_flat(self, node: _Node) -> str:
        """A block inside an inline element (a `div` inside a link): its text, on one line."""
        if node.tag in _BLOCK:
            return " " + " ".join(self.blocks(node).replace(_HARD_BREAK, " ").split()) + " "
        return self.inline(node)


def html_to_markdown(html: str, base_url: str | None = None, polls: dict[str, dict[str, Any]] | None = None) -> str:
    """Convert an HTML fragment; relative links are resolved against `base_url` when given. `polls` maps a
    poll's name to `{"voters": n, "options": {option id: votes}}` (Discourse's `polls` field)."""
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return _Renderer(base_url, polls).blocks(builder.root).strip()


def _descendants(node: _Node) -> list[_Node]:
    """Every element under `node`, in document order, without recursion."""
    out: list[_Node] = []
    stack = [c for c in reversed(node.children) if isinstance(c, _Node)]
    while stack:
        item = stack.pop()
        out.append(item)
        stack.extend(c for c in reversed(item.children) if isinstance(c, _Node))
    return out


def _find_href(node: _Node) -> str | None:
    if node.tag == "a" and node.attrs.get("href"):
        return node.attrs["href"]
    return next((c.attrs["href"] for c in _descendants(node) if c.tag == "a" and c.attrs.get("href")), None)


_YOUTUBE_EMBED = re.compile(r"^https?://(?:www\.)?youtube(?:-nocookie)?\.com/embed/([\w-]+)")


def _watch_url(src: str) -> str:
    """An embed address made the page a reader can open (YouTube's `/embed/ID` -> `/watch?v=ID`)."""
    found = _YOUTUBE_EMBED.match(src)
    return f"https://www.youtube.com/watch?v={found.group(1)}" if found else src


def _embed_label(tag: str, src: str) -> str:
    name = urlsplit(src).path.rstrip("/").rsplit("/", 1)[-1]
    host = urlsplit(src).hostname or ""
    kind = {"video": "Video", "audio": "Audio"}.get(tag, "Embedded content")
    return f"{kind}: {name}" if tag != "iframe" and name else f"{kind} ({host})" if host else kind


_EMOJI_ALIASES = {
    "slight_smile": "\U0001f642",
    "slight_frown": "\U0001f641",
    "crazy_face": "\U0001f92a",
    "nerd": "\U0001f913",
    "frowning_with_open_mouth": "\U0001f626",
    "upside_down": "\U0001f643",
    "white_smiling_face": "\u263a\ufe0f",
}
"""Discourse's (emojione / twemoji) names that the `emoji` package spells otherwise."""


def emoji_character(shortcode: str) -> str:
    """`:wink:` -> 😉 (GitHub / Discourse / Slack names), or the text unchanged when it is no known emoji."""
    name = shortcode.strip()
    if not (name.startswith(":") and name.endswith(":") and len(name) > 2):
        return shortcode
    if name[1:-1] in _EMOJI_ALIASES:
        return _EMOJI_ALIASES[name[1:-1]]
    import emoji  # here: only bodies with emoji pay for loading its tables

    for language in ("alias", "en"):
        found = emoji.emojize(name, language=language)
        if found != name:
            return str(found)
    return shortcode
