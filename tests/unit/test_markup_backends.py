"""The safety rules hold in both Markdown backends, and where their HTML differs is written down.

`render_native` (markdown-it-pyrs plus our pass over its tags) is the renderer of record; `render_reference`
(markdown-it-py with the same rules) is the fallback where the native wheel cannot be installed. Both are
checked for safety on the XSS corpus and random Markdown-ish text; their HTML is the same on the example site,
and the same up to the differences `known_differences_removed` lists on the seed and `../shared/corpus`.

`tests/xss_payloads.txt` holds one payload per line; in a line, `\\n`, `\\t`, `\\xHH`, `\\uHHHH` and `\\\\` are
escapes (see `load_xss_payloads`), any other backslash is literal.
"""

from __future__ import annotations

import glob
import html
import re
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import CORPUS, SEED, require_shared

from site_src import markup
from site_src.importers import import_paths
from site_src.model import Thread
from site_src.readers import parse_text

REPO = Path(__file__).resolve().parents[2]
CONTENT = REPO / "content"
XSS_FILE = REPO / "tests" / "xss_payloads.txt"

CORPUS_INPUTS = {
    "reddit": ["reddit-json/*.json"],
    "reddit-dump": ["reddit-ndjson/*.ndjson"],
    "hn": ["hn-algolia/*.json", "hn-firebase/*.json", "other/hnpwa_*.json"],
    "discourse": ["discourse/*.json"],
    "mbox": ["mbox/*.mbox"],
    "stackexchange": ["other/stackexchange_*.xml"],
    "mastodon": ["other/mastodon_*.json"],
}
"""Importer name -> corpus files it reads (globs under ../shared/corpus)."""
NOT_THREADS = {"praw_3hahrw_morechildren_response.json"}
"""Corpus files that are not whole threads (an API fragment the importer rightly refuses)."""

native_needed = pytest.mark.skipif(not markup.NATIVE_AVAILABLE, reason="markdown-it-pyrs is not installed")

_ESCAPE = re.compile(r"\\(?:n|t|\\|x[0-9A-Fa-f]{2}|u[0-9A-Fa-f]{4})")


def _unescape(match: re.Match[str]) -> str:
    code = match.group()
    if code == "\\n":
        return "\n"
    if code == "\\t":
        return "\t"
    if code == "\\\\":
        return "\\"
    return chr(int(code[2:], 16))


def load_xss_payloads(path: Path = XSS_FILE) -> list[str]:
    """The XSS corpus: one payload per non-empty line, with `\\n`, `\\t`, `\\xHH`, `\\uHHHH`, `\\\\` decoded."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [_ESCAPE.sub(_unescape, line) for line in lines if line]


def bodies(thread: Thread) -> Iterator[str]:
    """The post body and every comment body of a thread (non-empty ones)."""
    if thread.body:
        yield thread.body
    for comment, _depth in thread.walk():
        if comment.body:
            yield comment.body


_WHITESPACE = re.compile(r"\s+")
_EMPTY_QUOTE = re.compile(r"<blockquote>\n</blockquote>")
_IMAGE_LABEL = re.compile(r"\[image: [^\]<]*(?:\][^<\]]*)?\]")
_AUTOLINK_TEXT = re.compile(r'(<a href="([^"]*)" rel="[^"]*">)([^<]*)</a>')
_UNSAFE_AUTOLINK = re.compile(r"&lt;([a-zA-Z][a-zA-Z0-9+.-]{1,31}:[^\s<>&]*)&gt;")
_LINK_SOURCE = re.compile(r"\[([^\[\]<]*)\]\(([^()\s<]*)\)")
"""`[label](url)` left as text (markdown-it-py's unsafe link)."""


def _unsafe_link_label(match: re.Match[str]) -> str:
    return match.group(0) if markup.is_safe_url(html.unescape(match.group(2))) else match.group(1)


def _autolink_text(match: re.Match[str]) -> str:
    text = match.group(3)
    if "%" not in text:
        return match.group(0)
    return f"{match.group(1)}{html.escape(urllib.parse.unquote(html.unescape(text)), quote=False)}</a>"


def known_differences_removed(page: str) -> str:
    """`page` with the documented differences between the backends written one way.

    Where the two backends' HTML differs (42 of 36,970 bodies of the real Urho3D forum archive):
    - an empty blockquote: `<blockquote>\\n</blockquote>` natively, `<blockquote></blockquote>` in markdown-it-py;
    - the text of an image (its alt) built from Markdown: markdown-it-py keeps `\\[`, `\\_` escapes' characters and
      the text of emphasis markers more often than the Rust core (`[image: a_b]` vs `[image: ab]`);
    - the text of an autolink with percent escapes: markdown-it-py decodes them (`a b`), the Rust core does not
      (`a%20b`);
    - whitespace: Unicode spaces (a no-break space) at the edges of a line, which markdown-it-py strips and the
      Rust core keeps, and tabs in indented code inside a list item (written here without any whitespace);
    - an unsafe link (`[a](ftp://x)`, `[a](http://%20x)` without a usable host): its label as text natively, its
      Markdown source as text in markdown-it-py;
      the same for an unsafe autolink (`<text:::>`: `text:::` natively, `&lt;text:::&gt;` in markdown-it-py);
    - CommonMark corner cases of emphasis next to non-ASCII punctuation, lazy blockquote continuations and
      empty list items, where the Rust core does not follow CommonMark 0.31 (tests below list them).
    """
    page = _EMPTY_QUOTE.sub("<blockquote></blockquote>", page)
    page = _IMAGE_LABEL.sub("[image: ...]", page)
    page = _UNSAFE_AUTOLINK.sub(r"\1", page)
    page = _LINK_SOURCE.sub(_unsafe_link_label, page)
    return _WHITESPACE.sub("", _AUTOLINK_TEXT.sub(_autolink_text, page))


def assert_same(texts: list[str], label: str, *, exact: bool = True) -> None:
    """Both backends give the same HTML (`exact`), or the same once their documented differences are removed."""

    def same(text: str) -> bool:
        native, reference = markup.render_native(text), markup.render_reference(text)
        if exact:
            return native == reference
        return known_differences_removed(native) == known_differences_removed(reference)

    different = [t for t in texts if not same(t)]
    first = different[0] if different else ""
    assert not different, f"{label}: {len(different)} of {len(texts)} differ; first: {first[:300]!r}"


# --------------------------------------------------------------------------- safety, checked independently of markup.py

_TAG = re.compile(r"<([a-zA-Z][a-zA-Z0-9]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>")
_ATTR = re.compile(r"""\s([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?""")
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")
EXTERNAL_REL = "nofollow ugc noopener"


def unsafe_parts(page: str) -> list[str]:
    """Every broken safety rule in an HTML fragment (empty when it is safe)."""
    problems: list[str] = []
    lower = page.lower()
    if "<script" in lower:
        problems.append("<script")
    for name, attrs in _TAG.findall(page):
        tag = name.lower()
        if tag in ("img", "h1", "h2", "iframe", "object", "embed", "svg", "style", "base", "meta", "form"):
            problems.append(f"<{tag}>")
        found = {m[1].lower(): html.unescape(next(filter(None, m.groups()[1:]), "")) for m in _ATTR.finditer(attrs)}
        problems += [f"{tag} {key}=" for key in found if key.startswith("on")]
        for key in ("href", "src", "action", "formaction", "xlink:href"):
            if key in found:
                url = "".join(ch for ch in found[key] if ch > " " and ch != "\x7f")
                scheme = _SCHEME.match(url)
                if scheme and scheme.group(1).lower() not in ("http", "https", "mailto"):
                    problems.append(f"{tag} {key}={found[key]!r}")
                external = tag == "a" and key == "href" and (scheme or url.startswith("//"))
                if external and found.get("rel") != EXTERNAL_REL:
                    problems.append(f"external link without rel: {found[key]!r}")
    return problems


BACKENDS: dict[str, Callable[[str], str]] = {"py": markup.render_reference, "native": markup.render_native}


def backends() -> list[object]:
    return [
        pytest.param("py", id="py"),
        pytest.param("native", id="native", marks=native_needed),
    ]


# --------------------------------------------------------------------------- the same HTML, or a documented difference


@native_needed
def test_example_site_bodies_match() -> None:
    paths = sorted(p for p in CONTENT.iterdir() if p.is_file())
    texts = [b for p in paths for b in bodies(parse_text(p.name, p.read_text(encoding="utf-8")))]
    assert len(paths) >= 10 and len(texts) >= 200
    assert_same(texts, "example site")


@native_needed
def test_seed_bodies_match() -> None:
    texts = list(bodies(parse_text(SEED.name, require_shared(SEED).read_text(encoding="utf-8"))))
    assert texts
    assert_same(texts, "seed", exact=False)


@native_needed
@pytest.mark.parametrize("source", sorted(CORPUS_INPUTS))
def test_corpus_bodies_match(source: str) -> None:
    root = require_shared(CORPUS)
    files = sorted(f for pattern in CORPUS_INPUTS[source] for f in glob.glob(str(root / pattern)))
    files = [f for f in files if Path(f).name not in NOT_THREADS]
    assert files, f"no {source} files under {root}"
    texts = [b for f in files for thread in import_paths(source, [f]) for b in bodies(thread)]
    assert texts, source
    assert_same(texts, f"corpus {source}", exact=False)


MARKDOWNISH = [
    *"*_`~[]()<>!#>-+=|\\&:;'\".,?/@ \n\t",
    "\n\n",
    "  \n",
    "    ",
    "> ",
    "- ",
    "1. ",
    "# ",
    "### ",
    "```",
    "~~~",
    "---",
    "***",
    "===",
    "|---|",
    "**",
    "~~",
    "](",
    "![",
    "[x]: ",
    "&amp;",
    "&#58;",
    "&nbsp;",
    "&#x6A;",
    "http://",
    "https://example.org/a_b",
    "https://example.org/path?q=1&x=2#frag",
    "http://localhost:8000/",
    "www.example.com",
    "example.org",
    "node.js",
    "user@example.org",
    "mailto:a@b.org",
    "//example.org/x",
    "ftp://example.org/",
    "javascript:alert(1)",
    "JaVaScRiPt:",
    "data:text/html,x",
    "vbscript:",
    "%28",
    "%20",
    "xn--bcher-kva.example",
    "<script>",
    "</script>",
    "<img src=x onerror=alert(1)>",
    "<a href='x'>",
    "<!-- c -->",
    '" onmouseover="',
    "{{ 7*7 }}",
    "{% if %}",
    "word",
    "the quick",
    "é",
    "中文",
    "😀",
    "\u00a0",
    "\u2028",
    "\u200b",
    "\x00",
    "\r\n",
    "ü.example",
]


DIFFERENCES = [
    # (Markdown, native HTML, markdown-it-py HTML)
    (">", "<blockquote>\n</blockquote>\n", "<blockquote></blockquote>\n"),
    (
        "![a\\_b](/i.png)",
        '<p><a class="image-link" href="/i.png">[image: ab]</a></p>\n',
        '<p><a class="image-link" href="/i.png">[image: a_b]</a></p>\n',
    ),
    (
        "<https://e.org/a%20b>",
        '<p><a href="https://e.org/a%20b" rel="nofollow ugc noopener">https://e.org/a%20b</a></p>\n',
        '<p><a href="https://e.org/a%20b" rel="nofollow ugc noopener">https://e.org/a b</a></p>\n',
    ),
    ("[a](ftp://e.org/x)", "<p>a</p>\n", "<p>[a](ftp://e.org/x)</p>\n"),
    ("![a](data:image/png;base64,AA)", "<p>[image: a]</p>\n", "<p>![a](data:image/png;base64,AA)</p>\n"),
]
"""Where the backends differ, each way written out (the classes `known_differences_removed` describes)."""


@native_needed
@pytest.mark.parametrize(("text", "native", "reference"), DIFFERENCES, ids=[d[0][:20] for d in DIFFERENCES])
def test_documented_differences(text: str, native: str, reference: str) -> None:
    assert markup.render_native(text) == native
    assert markup.render_reference(text) == reference
    assert unsafe_parts(native) == unsafe_parts(reference) == []


@native_needed
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.sampled_from(MARKDOWNISH), st.text(max_size=4)), max_size=40).map("".join))
def test_random_markdownish_text_is_safe_in_both(text: str) -> None:
    """Random text never makes either backend raise or emit anything unsafe (their HTML may differ)."""
    assert unsafe_parts(markup.render_native(text)) == []
    assert unsafe_parts(markup.render_reference(text)) == []


DEEP = [
    ">" * 150 + " deep",
    "- " * 120 + "deep",
    "*a " * 120,
    ">" * 60_000 + " deeper than the Rust parser's stack",
    ">" * 100_000 + " deep",  # rendered by the Rust core alone, this killed the process (stack overflow)
    "- " * 30_000 + "deep",
    "- " * 60_000 + "deep",  # so did this
    "[" * 30_000 + "x" + "](y)" * 30_000,
]
"""Nested past what a page can show: both parsers stop nesting (markdown-it-py at 100 levels; the Rust one
would overflow its stack, so `_could_overflow` hands the longest to markdown-it-py)."""
ODD = [
    "```\ncode",
    "- ```\n  x",
    "http://x.org/a`",
    "\u2028x",
    "x\u00a0\x00",
    "data:text/html,x![https://example.org/a_b",
    "hello x[ https://example.org/a",  # the Rust linkifier dropped the text before a glued `[`
    "hello x[https://example.org/a]",
]


@native_needed
@pytest.mark.parametrize("text", DEEP + ODD, ids=lambda text: repr(text[:24]))
def test_odd_input_renders_safely(text: str) -> None:
    """Inputs that made the Rust core differ, drop text or overflow its stack: rendered and safe."""
    page = markup.render_native(text)
    assert unsafe_parts(page) == []
    if text in ODD:
        assert all(word in page for word in re.findall(r"[a-z]{4,}", text)), page


# --------------------------------------------------------------------------- safety in both


@pytest.mark.parametrize("backend", backends())
def test_xss_payloads_are_inert(backend: str) -> None:
    render = BACKENDS[backend]
    failures = {p: unsafe_parts(render(p)) for p in load_xss_payloads()}
    failures = {p: f for p, f in failures.items() if f}
    assert not failures


@pytest.mark.parametrize("backend", backends())
def test_rules_apply_in_both(backend: str) -> None:
    render = BACKENDS[backend]
    page = render("# Big\n\n[x](https://example.org) [y](/local/) <https://example.org/z> ![cat](https://e.org/c.png)")
    assert "<h3>Big</h3>" in page
    assert '<a href="https://example.org" rel="nofollow ugc noopener">x</a>' in page
    assert '<a href="/local/" class="site-path">y</a>' in page
    assert '<a href="https://example.org/z" rel="nofollow ugc noopener">' in page
    assert '<a class="image-link" href="https://e.org/c.png" rel="nofollow ugc noopener">[image: cat]</a>' in page
    assert render("<b>hi</b>") == "<p>&lt;b&gt;hi&lt;/b&gt;</p>\n"


@pytest.mark.parametrize("backend", backends())
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "see http://e.org/a.",
            '<p>see <a href="http://e.org/a" rel="nofollow ugc noopener">http://e.org/a</a>.</p>\n',
        ),
        ("(www.e.org)", '<p>(<a href="http://www.e.org" rel="nofollow ugc noopener">www.e.org</a>)</p>\n'),
        (
            "https://e.org/w/A_(b)?x=1&y=2",
            '<p><a href="https://e.org/w/A_(b)?x=1&amp;y=2" rel="nofollow ugc noopener">'
            "https://e.org/w/A_(b)?x=1&amp;y=2</a></p>\n",
        ),
        (
            '"http://e.org/q"',
            '<p>&quot;<a href="http://e.org/q" rel="nofollow ugc noopener">http://e.org/q</a>&quot;</p>\n',
        ),
        ("`http://e.org` and [x](http://e.org/y) and http://", None),
        ("xhttp://e.org ftp://e.org javascript://e.org a@www.e.org", None),
    ],
)
def test_bare_urls_become_links(backend: str, text: str, expected: str | None) -> None:
    """Bare http(s) and `www.` URLs become external links; never inside code or a link, never other schemes."""
    page = BACKENDS[backend](text)
    if expected is not None:
        assert page == expected
    else:
        assert page.count("<a ") == text.count("](")
        assert unsafe_parts(page) == []


def test_safety_checker_catches_what_it_should() -> None:
    assert unsafe_parts('<a href="javascript:alert(1)">x</a>')
    assert unsafe_parts('<a href="java&#x09;script:x">x</a>')
    assert unsafe_parts('<a href="https://e.org">x</a>')
    assert unsafe_parts('<p onclick="x">y</p>')
    assert unsafe_parts("<img src=x>") and unsafe_parts("<h2>x</h2>") and unsafe_parts("<SCRIPT>")
    assert unsafe_parts('<a href="/x">x</a><a href="https://e.org" rel="nofollow ugc noopener">y</a>') == []


# --------------------------------------------------------------------------- backend choice


def test_backend_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    assert markup.choose_backend("py") is markup.render_reference
    assert markup.choose_backend("native") is markup.render_native
    expected = markup.render_native if markup.NATIVE_AVAILABLE else markup.render_reference
    assert markup.choose_backend("auto") is expected
    monkeypatch.setenv(markup.BACKEND_ENV, "py")
    assert markup.choose_backend() is markup.render_reference
    with pytest.raises(ValueError, match="py, native or auto"):
        markup.choose_backend("cmark")
