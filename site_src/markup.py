"""Untrusted Markdown -> safe HTML, the one door through which content becomes markup.

The renderer of record is markdown-it-pyrs (Rust): its HTML is the output for every body.  It runs with
the rules of markdown-it's `js-default` preset minus raw HTML (so every `<` in its output is a tag it
made), and one pass over the tags it made enforces our rules:

- only http(s), mailto and relative (scheme-less) links stay links; any other link keeps its text and
  loses the tag;
- external links get `rel="nofollow ugc noopener"`; a link to a site path (`/t/b/`) gets `class="site-path"`,
  and each page writes it for its own place (`site_links.py`: under the `base_url` path, or relative);
- images become links (`[image: alt]`): a stranger's comment must not make the reader's browser fetch
  from other hosts; an image with an unsafe source keeps only its text;
- headings move down two levels, so a comment can never add an `<h1>`; then (`render_markdown`) a body's
  levels are numbered by rank from `top` (3 for a comment, under the page's `<h2>`; 2 for the post, under its
  `<h1>`), so a lone `###` is an `<h3>`, never an `<h5>` that skips two levels;
- code blocks and tables, which scroll sideways when wider than the column, get `tabindex="0"`: the
  keyboard reaches them and scrolls them with the arrow keys.

Bare URLs (`http://…`, `https://…`, `www.…`) become links in a second pass over the text between tags
(never inside a link or code), run only on HTML that contains `://` or `www.` (`_linkify_html`).

markdown-it-py is the fallback where the native wheel cannot be installed (`render_reference`, the same
rules as render rules plus the same bare-URL pass), and the renderer of a body the native one cannot take:
one that panics it, or one long and deep enough to exhaust its stack (`_could_overflow`).  Where the two
differ (a few CommonMark corner cases; an unsafe link shows as text in the reference and as its label
natively; an image inside a link) is listed in tests/unit/test_markup_backends.py.

`THREAD_DIGEST_MARKDOWN=py|native|auto` picks the backend (auto, the default: native when
markdown-it-pyrs is importable).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from functools import cache
from typing import TYPE_CHECKING
from urllib.parse import quote, unquote, urlsplit

from markupsafe import Markup

from .spoilers import with_spoilers

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
HEADING_TOP = 3
"""The level of a body's first heading level: a comment sits under the page's `<h2>` ("12 comments")."""
_HEADING_TAG = re.compile(r"<(/?)h([1-6])>")
SITE_PATH_CLASS = "site-path"
"""The class of a link to a path of this site (`/t/b/`): each page writes it for its place (`site_links.py`)."""
SCROLLER_ATTR = ' tabindex="0"'
"""On `<pre>` and `<table>`: a region that scrolls must be reachable from the keyboard (WCAG 2.1.1)."""
BACKEND_ENV = "THREAD_DIGEST_MARKDOWN"
"""Environment variable naming the backend: `py`, `native` or `auto` (the default)."""


_BROWSER_SKIPPED = re.compile("[\x00-\x20\x7f]")
"""Characters a browser drops from a URL before it reads the scheme: controls, space and DEL."""


def is_safe_url(url: str) -> bool:
    """True for http(s) URLs with a usable host, mailto and scheme-less (relative or fragment) URLs.

    The scheme is read the way a browser does: control characters and
    whitespace are stripped, case is ignored.
    """
    cleaned = _BROWSER_SKIPPED.sub("", url)
    try:
        scheme = urlsplit(cleaned).scheme.lower()
    except ValueError:
        return False
    if scheme in ("http", "https"):
        return has_usable_host(cleaned)
    return not scheme or scheme in SAFE_SCHEMES


_AUTHORITY_END = re.compile(r"[/?#]")
_BAD_HOST = re.compile(r"[\s%\"<>\\^`{|}]")
"""Never in a host name a browser can reach (`http://%20http://...` is how a pasted `http:// http://...` arrives)."""


def has_usable_host(url: str) -> bool:
    """True when the `http(s)://` URL `url` names a host: not empty, no space in it (percent-escapes read first:
    the native renderer writes `bücher.de` as `b%C3%BCcher.de`, and `%20` is a space)."""
    authority = _AUTHORITY_END.split(url.split("//", 1)[1] if "//" in url else "", maxsplit=1)[0]
    host = unquote(authority.rpartition("@")[2])
    if not host.startswith("["):  # an IPv6 literal keeps its colons
        host = host.partition(":")[0]
    return bool(host) and _BAD_HOST.search(host) is None


def is_external(url: str) -> bool:
    """True when `url` leaves the site: it has a scheme or a host (`//host/...`), or cannot be parsed."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return True
    return bool(parts.scheme or parts.netloc)


# --------------------------------------------------------------------------- bare URLs -> links (both backends)

_URL = re.compile(
    r"(?<![\w@/.:-])"  # a URL starts a word: not `xhttp://`, `a@www.`, `/www.`, `.www.`
    r"(?:((?i:https?)://)[\w-]+(?:\.[\w-]+)*|(?:www|WWW)\.[\w-]+(?:\.[\w-]+)+)"  # scheme and host, or `www.` host
    r"(?::[0-9]{1,5})?"  # port
    r"(?:[/?#](?:[^\s<>&\"'`\[\]{}|\\^]|&amp;)*)?"  # path, query, fragment: escaped text, so `&` only as `&amp;`
)
"""A bare URL in escaped HTML text (what both renderers give: `&`, `<`, `>` and `"` are entities)."""
_TRAILING_PUNCT = ".,;:!?"
"""Characters that end a sentence, not a bare URL (`&amp;` too)."""
_SKIP_OR_URL = re.compile(
    r"(?=[<hHwW])(?:(<a\b.*?</a>|<code\b.*?</code>|<[^>]*>)|" + _URL.pattern + ")",
    re.DOTALL,
)
"""One pass over the HTML: a link, a code span or block, or any other tag is kept as it is (group 1);
anything else that matches is a bare URL in text. Every match starts with `<`, `h`, `H`, `w` or `W`: the lookahead
saying so first lets the regex engine skip ahead to such a character (about twice as fast)."""
_URL_SAFE_CHARS = "!#$%&'()*+,-./:;=?@[]~_"


def _url_link(match: re.Match[str]) -> str:
    kept = match.group(1)
    if kept is not None:
        return kept
    url = match.group(0)
    end = _url_end(url)
    url, trailing = url[:end], url[end:]
    if url.lower().startswith("www."):
        href = "http://" + url
    elif match.group(2) is not None and len(url) == len(match.group(2)):
        return match.group(0)  # `http://` and nothing after it
    else:
        href = url
    if not href.isascii():
        href = quote(href.replace("&amp;", "&"), safe=_URL_SAFE_CHARS).replace("&", "&amp;")
    return f'<a href="{href}" rel="{EXTERNAL_REL}">{url}</a>{trailing}'


def _url_end(url: str) -> int:
    """Where a bare URL ends: before its trailing punctuation (`_TRAILING_PUNCT`, `&amp;`), then before each `)`
    closing a parenthesis opened before the URL (`(see http://x.org/a)`). One pass from the end: a regex search
    for the punctuation, and counting the parentheses again per `)`, took time in the square of the URL's length
    (a 100 KB comment of `http://x.org/a.,;:!?...x` took two minutes)."""
    end = len(url)
    while end:
        if url.endswith("&amp;", 0, end):
            end -= 5
        elif url[end - 1] in _TRAILING_PUNCT:
            end -= 1
        else:
            break
    unbalanced = url.count(")", 0, end) - url.count("(", 0, end)
    while unbalanced > 0 and url[end - 1] == ")":
        end -= 1
        unbalanced -= 1
    return end


def _linkify_html(html: str) -> str:
    """Bare URLs in the text of `html` (outside links and code) become external links; quick when there are none."""
    if "://" not in html and "www." not in html and "WWW." not in html:
        return html
    return _SKIP_OR_URL.sub(_url_link, html)


# --------------------------------------------------------------------------- reference backend (markdown-it-py)


def _link_open(self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    token = tokens[idx]
    href = str(token.attrGet("href") or "")
    if is_external(href):
        token.attrSet("rel", EXTERNAL_REL)
    elif href.startswith("/"):
        token.attrSet("class", SITE_PATH_CLASS)  # written for each page by site_links.py
    env["in_link"] = True
    return self.renderToken(tokens, idx, options, env)


def _link_close(self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    env["in_link"] = False
    return self.renderToken(tokens, idx, options, env)


def _image(self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    token = tokens[idx]
    src = str(token.attrGet("src") or "")
    alt = self.renderInlineAsText(token.children or [], options, env) or "image"
    if env.get("in_link"):  # links do not nest: the image's text only, inside the link
        return f"[image: {escape_attr(alt)}]"
    rel = f' rel="{EXTERNAL_REL}"' if is_external(src) else ""
    return f'<a class="image-link" href="{escape_attr(src)}"{rel}>[image: {escape_attr(alt)}]</a>'


def escape_attr(value: str) -> str:
    """Escape as both renderers escape attributes: exactly & < > \"."""
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _heading_open(self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    token = tokens[idx]
    level = min(6, int(token.tag[1]) + HEADING_SHIFT)
    token.tag = f"h{level}"
    if idx + 2 < len(tokens) and tokens[idx + 2].type == "heading_close":
        tokens[idx + 2].tag = token.tag
    return self.renderToken(tokens, idx, options, env)


def _table_open(self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    tokens[idx].attrSet("tabindex", "0")
    return self.renderToken(tokens, idx, options, env)


def _focusable_pre(rule: Callable[[Sequence[Token], int, OptionsDict, EnvType], str]) -> Callable[..., str]:
    """The renderer's own `fence` or `code_block` rule, with SCROLLER_ATTR on the `<pre>` it writes."""

    def render(self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        html = rule(tokens, idx, options, env)
        return f"<pre{SCROLLER_ATTR}{html[4:]}" if html.startswith("<pre") else html

    return render


def make_markdown() -> MarkdownIt:
    """The configured reference parser (bare URLs are linked after it, by `_linkify_html`)."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("js-default")
    md.validateLink = is_safe_url  # type: ignore[method-assign]
    md.add_render_rule("link_open", _link_open)
    md.add_render_rule("link_close", _link_close)
    md.add_render_rule("image", _image)
    md.add_render_rule("heading_open", _heading_open)
    md.add_render_rule("table_open", _table_open)
    rules = md.renderer.rules  # type: ignore[attr-defined]  # RendererHTML's, typed as the protocol
    for name in ("fence", "code_block"):
        md.add_render_rule(name, _focusable_pre(rules[name]))
    return md


@cache
def _reference() -> MarkdownIt:
    """The shared reference parser, made on first use (the native backend seldom needs it)."""
    return make_markdown()


def render_reference(text: str) -> str:
    """HTML from the reference backend (markdown-it-py with our render rules, then bare URLs linked), spoilers
    hidden (`spoilers.py`)."""
    if not text:
        return ""
    return with_spoilers(text, _reference_html)


def _reference_html(text: str) -> str:
    # A parser bug raises here: the build's guard (guard.py) shows that body as plain text, with a warning.
    return _linkify_html(_reference().render(text)) if text else ""


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
)
"""markdown-it-pyrs rules giving what `MarkdownIt("js-default")` gives (bare URLs: `_linkify_html`)."""

_SHORT_ENOUGH = 20_000
"""Characters: the Rust parser recurses once per nesting level, and nests at most one level per character;
20,000 levels run in the 8 MB stack of a main thread (about 50,000 overflow it: the process dies)."""
_NESTERS = str.maketrans("", "", ">-+*_~[.)")
"""Deleted from a long text to count what can open a nesting level: quotes, list markers, delimiters, brackets."""

_NATIVE_TAG = re.compile(r"<(a|img|/a|h[1-6]|/h[1-6]|pre|table)(?=[\s>])([^>]*)>")
"""Tags our rules change or check: links, images, headings, code blocks and tables."""
_ATTR = re.compile(r'\s([a-z]+)="([^"]*)"')
_FIXED_HINTS = ("<a ", "<img ", "<h", "<pre", "<table")
"""HTML containing none of these goes out without the tag pass (most comments: paragraphs, emphasis, code)."""


def _could_overflow(text: str) -> bool:
    """True when `text` might nest deeper than the Rust parser's stack allows (long and full of openers)."""
    return len(text) > _SHORT_ENOUGH and len(text) - len(text.translate(_NESTERS)) > _SHORT_ENOUGH


def _unescape_attr(value: str) -> str:
    """Undo the Rust renderer's attribute escaping (it escapes exactly & < > ")."""
    if "&" not in value:
        return value
    return value.replace("&quot;", '"').replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _link_attrs(href: str, *, image: bool = False) -> str | None:
    """` rel=...`, ` class="site-path"` or "" for a link to `href` (as escaped in the HTML; `image`: an image's
    link, never marked), None when it must not be a link."""
    url = _unescape_attr(href)
    if url.startswith(("https://", "http://")):  # what is_safe_url and is_external say, without urlsplit
        return f' rel="{EXTERNAL_REL}"' if has_usable_host(url) else None
    if not is_safe_url(url):
        return None
    if is_external(url):
        return f' rel="{EXTERNAL_REL}"'
    return f' class="{SITE_PATH_CLASS}"' if url.startswith("/") and not image else ""


def _apply_rules(html: str) -> str:
    """Our rules on the tags markdown-it-pyrs made: links checked and marked, images made links, headings moved,
    code blocks and tables made focusable."""
    dropped = False  # the last <a> was unsafe: its </a> goes too
    in_link = False

    def fix(match: re.Match[str]) -> str:
        nonlocal dropped, in_link
        name, attrs = match.group(1), match.group(2)
        if name == "a":
            found = dict(_ATTR.findall(attrs))
            rel = _link_attrs(found.get("href", ""))
            in_link = True
            dropped = rel is None
            return "" if rel is None else f"<a{attrs}{rel}>"
        if name == "/a":
            in_link = False
            return "" if dropped else "</a>"
        if name == "img":
            found = dict(_ATTR.findall(attrs))
            label = f"[image: {found.get('alt') or 'image'}]"  # alt is escaped already, as text must be
            src = found.get("src", "")
            rel = _link_attrs(src, image=True)
            if rel is None or in_link:  # an unsafe source, or inside a link (links do not nest): text only
                return label
            return f'<a class="image-link" href="{src}"{rel}>{label}</a>'
        if name in ("pre", "table"):
            return f"<{name}{SCROLLER_ATTR}{attrs}>"
        closing = name[0] == "/"
        level = min(6, int(name[-1]) + HEADING_SHIFT)
        return f"</h{level}>" if closing else f"<h{level}>"

    return _NATIVE_TAG.sub(fix, html)


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
        """HTML from markdown-it-pyrs with our rules applied to it, spoilers hidden (`spoilers.py`)."""
        return with_spoilers(text, native_html) if text else ""

    def native_html(text: str) -> str:
        if not text:
            return ""
        if _could_overflow(text):
            return _reference_html(text)  # markdown-it-py stops nesting at 100 levels
        try:
            html: str = rust_render(text, xhtml=False)
        except BaseException as error:  # a Rust panic arrives as pyo3's PanicException, a BaseException
            if isinstance(error, (KeyboardInterrupt, SystemExit, GeneratorExit)):
                raise
            return _reference_html(text)
        if any(map(html.__contains__, _FIXED_HINTS)):  # a few substring tests, with no generator around them
            html = _apply_rules(html)
        return _linkify_html(html)

    return render_native


_NATIVE = _make_native()
NATIVE_AVAILABLE = _NATIVE is not None


def render_native(text: str) -> str:
    """HTML from the native backend; raises when it is not installed."""
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


def render_markdown(text: str, top: int = HEADING_TOP) -> Markup:
    """Markdown source from anyone -> HTML safe to put in a page; its headings start at `<h{top}>`."""
    if not text:
        return Markup("")
    html = _RENDER(text)
    return Markup(_rank_headings(html, top) if "<h" in html else html)


def _rank_headings(html: str, top: int) -> str:
    """The heading levels used in `html`, renumbered by rank so that no level is skipped: the first heading is
    `<h{top}>`, each level below it one deeper (at most 6), and a level above the first one is `top` too
    (`## a`, `# b` give `<h3>`, `<h3>`).

    Every `<` in the HTML is a tag the renderer made (raw HTML is off), so the pattern sees only real headings."""
    found = [int(level) for _, level in _HEADING_TAG.findall(html)]
    if not found:
        return html
    levels = sorted(set(found))
    first = levels.index(found[0])
    rank = {level: min(6, top + max(0, n - first)) for n, level in enumerate(levels)}
    if all(rank[level] == level for level in levels):
        return html
    return _HEADING_TAG.sub(lambda m: f"<{m.group(1)}h{rank[int(m.group(2))]}>", html)
