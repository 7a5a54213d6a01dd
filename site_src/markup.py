"""Untrusted Markdown -> safe HTML, the one door through which content becomes markup.

Two backends sit behind `render_markdown`, and both give the same bytes:

- the reference, markdown-it-py: raw HTML is shown as text (`js-default`),
  links with schemes other than http(s), mailto and relative ones are dropped,
  external links get `rel="nofollow ugc noopener"`, images become links (a
  stranger's comment must not make the reader's browser fetch from other
  hosts), headings are moved down two levels so a comment can never add an
  `<h1>`, and bare URLs become links;
- the native one, markdown-it-pyrs (Rust, ~15x faster), configured with the
  same rules and no raw HTML.  It cannot run Python render rules, so our rules
  are applied by a pass over the tags of its HTML (with raw HTML off, every
  `<` in its output is a tag it made).  Inputs where it is known to differ
  from the reference (fuzzy links, images, unsafe links, deep nesting, an
  unclosed fence at the end, Unicode whitespace, ...) are detected before or
  after rendering and rendered by the reference instead: correctness first.

`THREAD_DIGEST_MARKDOWN=py|native|auto` picks the backend (auto, the default:
native when markdown-it-pyrs is importable).
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Callable, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from markupsafe import Markup, escape

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.renderer import RendererHTML
    from markdown_it.token import Token
    from markdown_it.utils import EnvType, OptionsDict

    # the stub's name for the rule names `MarkdownIt.enable_many` accepts (a Literal); stubs only, no runtime import
    from markdown_it_pyrs.markdown_it_pyrs import _PLUGIN_NAME as NativeRule

SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
EXTERNAL_REL = "nofollow ugc noopener"
HEADING_SHIFT = 2
BACKEND_ENV = "THREAD_DIGEST_MARKDOWN"
"""Environment variable naming the backend: `py`, `native` or `auto` (the default)."""


_BROWSER_SKIPPED = re.compile("[\x00-\x20\x7f]")
"""Characters a browser drops from a URL before it reads the scheme: controls, space and DEL."""


def is_safe_url(url: str) -> bool:
    """True for http(s), mailto and scheme-less (relative or fragment) URLs.

    The scheme is read the way a browser does: control characters and
    whitespace are stripped, case is ignored.
    """
    cleaned = _BROWSER_SKIPPED.sub("", url)
    try:
        scheme = urlsplit(cleaned).scheme.lower()
    except ValueError:
        return False
    return not scheme or scheme in SAFE_SCHEMES


def is_external(url: str) -> bool:
    """True when `url` leaves the site: it has a scheme or a host (`//host/...`), or cannot be parsed."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return True
    return bool(parts.scheme or parts.netloc)


# --------------------------------------------------------------------------- reference backend (markdown-it-py)


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
    """The configured reference parser; `render_markdown` uses one shared instance (`_reference`)."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("js-default", {"linkify": True})
    md.validateLink = is_safe_url  # type: ignore[method-assign]
    md.add_render_rule("link_open", _link_open)
    md.add_render_rule("image", _image)
    md.add_render_rule("heading_open", _heading_open)
    return md


@cache
def _reference() -> MarkdownIt:
    """The shared reference parser, made on first use: most comments never need it, and a rebuild that renders
    a few pages natively then does not import markdown-it-py at all."""
    return make_markdown()


def render_reference(text: str) -> str:
    """HTML from the reference backend (markdown-it-py with our render rules)."""
    return _reference().render(text) if text else ""


# --------------------------------------------------------------------------- native backend (markdown-it-pyrs)

NATIVE_RULES: tuple[NativeRule, ...] = (
    # block rules of js-default, minus html_block (raw HTML is off)
    "blockquote",
    "code",
    "fence",
    "heading",
    "hr",
    "lheading",
    "list",
    "paragraph",
    "reference",
    "table",
    # inline rules of js-default, minus html_inline
    "autolink",
    "backticks",
    "emphasis",
    "entity",
    "escape",
    "image",
    "link",
    "newline",
    "strikethrough",
    # core
    "linkify",
)
"""markdown-it-pyrs rules giving what `MarkdownIt("js-default", {"linkify": True})` gives (typographer is off there)."""


def _linkify() -> Any:
    """The reference's `linkify_it.LinkifyIt` (linkify-it-py ships no types)."""
    linkify = _reference().linkify
    assert linkify is not None
    return linkify


# Bare URLs are linked by linkify-it-py in the reference and by the Rust linkifier natively; they agree on plain
# `http(s)://host/path` runs between spaces or ordinary punctuation, and differ on the edges (odd characters after
# the host, `(`, `[`, backquotes in the path, runs of trailing punctuation, percent escapes, non-ASCII): any URL not
# of the plain kind sends the text to the reference.  Fuzzy links (`example.org`, `user@example.org`) and
# protocol-relative ones (`//example.org`) are linked by the reference only: once the plain URLs are masked out,
# what is left is checked cheaply, then exactly.
_URL_START = re.compile(r"(?:https?|ftp|mailto):", re.IGNORECASE)
_URL_START_LOWER = re.compile(r"(?:https?|ftp|mailto):")
"""`_URL_START` for lower-cased ASCII text."""
_URL_BEFORE_OK = frozenset(" \t\n(<[*_\"'>|~")
"""Characters after which both linkifiers agree that a URL starts (the Rust one is odd after letters and digits)."""
_PLAIN_URL = re.compile(
    r"https?://(?:localhost|[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})(?::[0-9]+)?"
    r"(?:[/?][A-Za-z0-9/._~%?=&#+,;:!-]*)?(?:\)[.,;:!?]?)?",
    re.IGNORECASE,
)
_URL_BAD_PUNCT = re.compile(r"[!',.:;?](?=[^A-Za-z0-9/=&#~+-])|:\Z|%[0-9A-Fa-f]{2}")
_RUN = re.compile(r"\S*")
_MARKUP_TO_SPACE = str.maketrans(dict.fromkeys("*_~`[]()<>\\!", " "))
_FUZZY_HINT = re.compile(r"\.[^\W\d_]{2}|\.[0-9]|@|//|localhost|www\.", re.IGNORECASE)
"""Matches wherever linkify-it's `host_fuzzy_test` does (and more): a cheap first look (`_fuzzy_hint` is quicker)."""
_DOT_HINT = re.compile(r"\.[^\W\d_]{2}|\.[0-9]", re.IGNORECASE)
_NAME_HINT = re.compile(r"localhost|www\.", re.IGNORECASE)


def _fuzzy_hint(text: str) -> bool:
    """`_FUZZY_HINT.search(text)`, one alternative at a time, the quick ones first (literals and a pattern
    starting with one); for ASCII text, `lower()` finds exactly what case-insensitive matching finds."""
    if "@" in text or "//" in text or _DOT_HINT.search(text):
        return True
    if text.isascii():
        lowered = text.lower()
        return "localhost" in lowered or "www." in lowered
    return _NAME_HINT.search(text) is not None


# Whitespace beyond space, tab and newline: Python's str.strip() removes it where the Rust core keeps it; and NUL.
_UNICODE_SPACE = re.compile("[\x00\x0b\x0c\x1c-\x1f\x85\xa0\u1680\u180e\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]")
# A list marker alone on a line (an empty item) after a lazy blockquote line: the two disagree on interruption.
_BARE_LIST_MARKER = re.compile(r"^[ \t>]*(?:[*+-]|[0-9]{1,9}[.)])[ \t]*$", re.MULTILINE)
# Emphasis delimiters next to non-ASCII punctuation or symbols (CommonMark 0.31 counts symbols as punctuation,
# the Rust core does not) and runs of three or more tildes are parsed differently.
_DELIMITER_NEAR_NON_ASCII = re.compile(r"(?<=[*_~])[^\x00-\x7f]|[^\x00-\x7f](?=[*_~])")
_TILDE_RUN = "~~~"
# A one-column table: the reference wants a pipe in the header line, the Rust core does not.
_ONE_COLUMN_TABLE = re.compile(r"<thead>\n<tr>\n<th[^\n]*</th>\n</tr>")
# A code span of spaces only: the two strip a line ending inside it differently.
_BLANK_CODE = re.compile(r"<code> +</code>")
# An unclosed code fence running to the last line (no final newline): the reference drops the last "\n".
# When the last line is itself a fence line, the block is closed (or empty) and both agree.
_ENDS_IN_CODE = re.compile(r"</code></pre>\n(?:</(?:li|ul|ol|blockquote)>\n)*\Z")
_LAST_LINE_FENCE = re.compile(r"(?:\A|\n)[ >]*(?:`{3,}|~{3,})[ \t]*\Z")
_TAG = re.compile(r"<(a|img|/?h[1-6])\b([^>]*)>")
_HREF = re.compile(r' href="([^"]*)"')
_TO_CHECK = re.compile(r"<(?:/code></pre>\n|thead>|code> |blockquote>\n</blockquote>|a\b|img\b|/?h[1-6]\b)")
"""Where any check or fix of the native HTML below could apply (`_ENDS_IN_CODE`, `_ONE_COLUMN_TABLE`,
`_BLANK_CODE`, the empty blockquote, `_TAG`): HTML without a match goes out as it is."""
_NESTING_LIMIT = 90
"""Below markdown-it-py's maxNesting (100), counted generously: more container or inline tags than this -> reference."""


class _Fallback(Exception):
    """The native output may differ from the reference for this text."""


def _unescape_attr(value: str) -> str:
    """Undo the Rust renderer's attribute escaping (it escapes exactly & < > ")."""
    if "&" not in value:
        return value
    return value.replace("&quot;", '"').replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _fix_tag(match: re.Match[str]) -> str:
    name, attrs = match.group(1), match.group(2)
    if name == "a":
        found = _HREF.match(attrs)
        if found is None:
            raise _Fallback
        href = _unescape_attr(found.group(1))
        if href.startswith(("https://", "http://")) and "[" not in href and "]" not in href:
            return f'<a{attrs} rel="{EXTERNAL_REL}">'  # what is_safe_url and is_external say, without urlsplit
        if not is_safe_url(href):
            raise _Fallback
        if is_external(href):
            return f'<a{attrs} rel="{EXTERNAL_REL}">'
        return match.group(0)
    if name == "img":
        # alt text is built differently (code spans, entities, escapes, breaks): leave images to the reference
        raise _Fallback
    if attrs:
        raise _Fallback
    closing = name[0] == "/"
    level = min(6, int(name[-1]) + HEADING_SHIFT)
    return f"</h{level}>" if closing else f"<h{level}>"


_GLUED_BRACKET = re.compile(r"\S\[")


def _glued_bracket(text: str) -> bool:
    """`_GLUED_BRACKET.search(text)`, looking only at each `[` (`\\S` is what `str.isspace` is not)."""
    at = text.find("[", 1)
    while at != -1:
        if not text[at - 1].isspace():
            return True
        at = text.find("[", at + 1)
    return False


def _needs_reference(text: str) -> bool:
    """Cheap checks on the source for input classes where the native backend is known to differ."""
    if _UNICODE_SPACE.search(text) or _TILDE_RUN in text:
        return True
    ascii_only = text.isascii()
    lowered = text.lower()
    if ("://" in text or "www." in lowered) and _glued_bracket(text):
        return True  # markdown-it-pyrs's linkify drops the text before a `[` glued to a word: `he x[ http://…`
    if ">" in text and _BARE_LIST_MARKER.search(text):
        return True
    if not ascii_only:
        for near in _DELIMITER_NEAR_NON_ASCII.finditer(text):
            if unicodedata.category(near.group())[0] not in "LNM":
                return True
    rest = text
    if ":" in text:
        # ASCII text: the case-sensitive pattern on the lower-cased text finds the same (at the same offsets),
        # and finds it quicker (the engine can skip to the possible first letters)
        scanned, url_start = (lowered, _URL_START_LOWER) if ascii_only else (text, _URL_START)
        pieces: list[str] = []
        done = 0
        for start in url_start.finditer(scanned):
            at = start.start()
            if at < done:
                continue
            if at and text[at - 1] not in _URL_BEFORE_OK:
                return True
            run = _RUN.match(text, at)
            assert run is not None
            url = _PLAIN_URL.match(run.group())
            if url is None or url.end() != run.end() - at or _URL_BAD_PUNCT.search(url.group()):
                return True
            if url_start.search(scanned, at + 1, at + url.end()):
                return True
            pieces.append(text[done:at])
            done = run.end()
        if pieces:
            pieces.append(text[done:])
            rest = " ".join(pieces)
    if _fuzzy_hint(rest):
        # markup characters become spaces: the reference linkifies text between delimiters (`_www.example.com_`)
        for link in _linkify().match(text.translate(_MARKUP_TO_SPACE)) or ():
            if link.schema in ("", "//") or (link.schema == "mailto:" and not link.raw.lower().startswith("mailto:")):
                return True
    return False


def _too_deep(html: str) -> bool:
    if html.count("<") < _NESTING_LIMIT:  # every tag counted below starts with its own `<`
        return False
    blocks = html.count("<blockquote>") + html.count("<li>") + html.count("<ul>") + html.count("<ol")
    if blocks >= _NESTING_LIMIT:
        return True
    inline = html.count("<em>") + html.count("<strong>") + html.count("<s>") + html.count("<a ")
    return inline >= _NESTING_LIMIT


def _make_native() -> Callable[[str], str] | None:
    """The native renderer, or None when markdown-it-pyrs is not importable."""
    try:
        import markdown_it_pyrs
    except ImportError:
        return None
    md = markdown_it_pyrs.MarkdownIt("zero")
    md.enable_many(list(NATIVE_RULES))
    rust_render = md.render

    def render_native(text: str) -> str:
        """HTML from markdown-it-pyrs plus our rules; falls back to the reference where they would differ."""
        if not text:
            return ""
        if _needs_reference(text):
            return render_reference(text)
        try:
            html: str = rust_render(text, xhtml=False)
        except BaseException as error:  # a Rust panic arrives as pyo3's PanicException, a BaseException
            if isinstance(error, (KeyboardInterrupt, SystemExit, GeneratorExit)):
                raise
            return render_reference(text)
        if _too_deep(html):
            return render_reference(text)
        if _TO_CHECK.search(html) is None:  # most comments: plain paragraphs, nothing below would change
            return html
        if not text.endswith("\n") and _ENDS_IN_CODE.search(html) and not _LAST_LINE_FENCE.search(text):
            return render_reference(text)
        if "<thead>" in html and _ONE_COLUMN_TABLE.search(html):
            return render_reference(text)
        if "<code> " in html and _BLANK_CODE.search(html):
            return render_reference(text)
        if "<blockquote>\n</blockquote>" in html:
            html = html.replace("<blockquote>\n</blockquote>", "<blockquote></blockquote>")
        try:
            return _TAG.sub(_fix_tag, html)
        except _Fallback:
            return render_reference(text)

    return render_native


_NATIVE = _make_native()
NATIVE_AVAILABLE = _NATIVE is not None


def render_native(text: str) -> str:
    """HTML from the native backend (byte-identical to `render_reference`); raises when it is not installed."""
    if _NATIVE is None:
        raise RuntimeError("markdown-it-pyrs is not installed")
    return _NATIVE(text)


def choose_backend(name: str | None = None) -> Callable[[str], str]:
    """The render function for `name` (`py`, `native`, `auto`; default: the environment variable, else auto)."""
    choice = (name if name is not None else os.environ.get(BACKEND_ENV, "auto")).strip().lower() or "auto"
    if choice == "py":
        return render_reference
    if choice == "native":
        return render_native
    if choice == "auto":
        return render_native if _NATIVE is not None else render_reference
    raise ValueError(f"{BACKEND_ENV} must be py, native or auto, not {choice!r}")


_RENDER = choose_backend()


def render_markdown(text: str) -> Markup:
    """Markdown source from anyone -> HTML safe to put in a page."""
    if not text:
        return Markup("")
    return Markup(_RENDER(text))
