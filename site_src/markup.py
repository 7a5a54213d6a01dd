"""Untrusted Markdown -> safe HTML, the one door through which content becomes markup.

One configured MarkdownIt instance: raw HTML is shown as text (`js-default`),
links with schemes other than http(s), mailto and relative ones are dropped,
external links get `rel="nofollow ugc noopener"`, images become links (a
stranger's comment must not make the reader's browser fetch from other hosts),
headings are moved down two levels so a comment can never add an `<h1>`, and
bare URLs become links.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from markupsafe import Markup, escape

SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
EXTERNAL_REL = "nofollow ugc noopener"
HEADING_SHIFT = 2


def is_safe_url(url: str) -> bool:
    """True for http(s), mailto and scheme-less (relative or fragment) URLs.

    The scheme is read the way a browser does: control characters and
    whitespace are stripped, case is ignored.
    """
    cleaned = "".join(ch for ch in url if ch > " " and ch != "\x7f")
    try:
        scheme = urlsplit(cleaned).scheme.lower()
    except ValueError:
        return False
    return not scheme or scheme in SAFE_SCHEMES


def is_external(url: str) -> bool:
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return True
    return bool(parts.scheme or parts.netloc)


def _link_open(self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    token = tokens[idx]
    href = str(token.attrGet("href") or "")
    if is_external(href):
        token.attrSet("rel", EXTERNAL_REL)
    return self.renderToken(tokens, idx, options, env)


def _image(self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    token = tokens[idx]
    src = str(token.attrGet("src") or "")
    alt = self.renderInlineAsText(token.children or [], options, env) or "image"
    rel = f' rel="{EXTERNAL_REL}"' if is_external(src) else ""
    return f'<a class="image-link" href="{escape(src)}"{rel}>[image: {escape(alt)}]</a>'


def _heading_open(self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    token = tokens[idx]
    level = min(6, int(token.tag[1]) + HEADING_SHIFT)
    token.tag = f"h{level}"
    if idx + 2 < len(tokens) and tokens[idx + 2].type == "heading_close":
        tokens[idx + 2].tag = token.tag
    return self.renderToken(tokens, idx, options, env)


def make_markdown() -> MarkdownIt:
    """The configured parser; `render_markdown` uses one shared instance."""
    md = MarkdownIt("js-default", {"linkify": True})
    md.validateLink = is_safe_url  # type: ignore[method-assign]
    md.add_render_rule("link_open", _link_open)
    md.add_render_rule("image", _image)
    md.add_render_rule("heading_open", _heading_open)
    return md


_MARKDOWN = make_markdown()


def render_markdown(text: str) -> Markup:
    """Markdown source from anyone -> HTML safe to put in a page."""
    if not text:
        return Markup("")
    return Markup(_MARKDOWN.render(text))


def render_plain(text: str) -> Markup:
    """Plain text -> escaped HTML (for titles, names, generated summaries)."""
    return escape(text)


def markdown_tokens(text: str) -> list[Token]:
    """Block tokens of a Markdown text (for analysis that wants structure, not HTML)."""
    return _MARKDOWN.parse(text)
