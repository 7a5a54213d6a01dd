"""The two Markdown backends give the same bytes, and the safety rules hold in both.

`render_reference` (markdown-it-py) is the reference; `render_native` (markdown-it-pyrs plus our post-pass, with
fallback to the reference where they would differ) must match it byte for byte on the example site, the seed,
`../shared/corpus`, the XSS corpus and random Markdown-ish text.

`tests/xss_payloads.txt` holds one payload per line; in a line, `\\n`, `\\t`, `\\xHH`, `\\uHHHH` and `\\\\` are
escapes (see `load_xss_payloads`), any other backslash is literal.
"""

from __future__ import annotations

import glob
import html
import re
import unicodedata
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


def assert_same(texts: list[str], label: str) -> None:
    """Both backends give the same bytes for every text; the message names how many differ and the first one."""
    different = [t for t in texts if markup.render_native(t) != markup.render_reference(t)]
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


# --------------------------------------------------------------------------- the same bytes


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
    assert_same(texts, "seed")


@native_needed
@pytest.mark.parametrize("source", sorted(CORPUS_INPUTS))
def test_corpus_bodies_match(source: str) -> None:
    root = require_shared(CORPUS)
    files = sorted(f for pattern in CORPUS_INPUTS[source] for f in glob.glob(str(root / pattern)))
    files = [f for f in files if Path(f).name not in NOT_THREADS]
    assert files, f"no {source} files under {root}"
    texts = [b for f in files for thread in import_paths(source, [f]) for b in bodies(thread)]
    assert texts, source
    assert_same(texts, f"corpus {source}")


@native_needed
def test_xss_payloads_match() -> None:
    payloads = load_xss_payloads()
    assert len(payloads) >= 100
    assert_same(payloads, "xss corpus")


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


@native_needed
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.sampled_from(MARKDOWNISH), st.text(max_size=4)), max_size=40).map("".join))
def test_random_markdownish_text_matches(text: str) -> None:
    assert markup.render_native(text) == markup.render_reference(text)


@native_needed
@pytest.mark.parametrize(
    "text",
    [
        "```\ncode",
        "- ```\n  x",
        "```\ncode\n```",
        ">",
        ">" * 150 + " deep",
        "- " * 120 + "deep",
        "*a " * 120,
        "http://x.org/a`",
        "\u2028x",
        "x\u00a0",
        "-https://example.org/a",
        "http://en.wikipedia.org/wiki/Rm_%28Unix%29",
        "(http://x.org/a?)",
        "http://x.org!b",
        "see node.js and a@b.org",
        "![a `c` &amp; **b**](https://example.org/i.png)",
        "# H1\n## H2\n###### H6\nT\n===",
        "data:text/html,x![https://example.org/a_b",  # the Rust linkifier drops text before a glued `[`
        "hello x[ https://example.org/a",
        "hello x[https://example.org/a]",
    ],
)
def test_known_differences_are_resolved(text: str) -> None:
    """Inputs where the Rust core alone differs (found while building this): the native backend must still match."""
    assert markup.render_native(text) == markup.render_reference(text)


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
    assert '<a href="/local/">y</a>' in page
    assert '<a href="https://example.org/z" rel="nofollow ugc noopener">' in page
    assert '<a class="image-link" href="https://e.org/c.png" rel="nofollow ugc noopener">[image: cat]</a>' in page
    assert render("<b>hi</b>") == "<p>&lt;b&gt;hi&lt;/b&gt;</p>\n"


@native_needed
@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(MARKDOWNISH), max_size=30).map("".join))
def test_random_text_is_safe_in_native(text: str) -> None:
    assert unsafe_parts(markup.render_native(text)) == []


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


def _needs_reference_as_first_written(text: str) -> bool:
    """`markup._needs_reference` before it was made quicker: the quicker one must answer the same."""
    if markup._UNICODE_SPACE.search(text) or markup._TILDE_RUN in text:
        return True
    if markup._GLUED_BRACKET.search(text) and ("://" in text or "www." in text.lower()):
        return True
    if ">" in text and markup._BARE_LIST_MARKER.search(text):
        return True
    if not text.isascii():
        for near in markup._DELIMITER_NEAR_NON_ASCII.finditer(text):
            if unicodedata.category(near.group())[0] not in "LNM":
                return True
    rest = text
    if ":" in text:
        pieces: list[str] = []
        done = 0
        for start in markup._URL_START.finditer(text):
            at = start.start()
            if at < done:
                continue
            if at and text[at - 1] not in markup._URL_BEFORE_OK:
                return True
            run = markup._RUN.match(text, at)
            assert run is not None
            url = markup._PLAIN_URL.match(run.group())
            if url is None or url.end() != run.end() - at or markup._URL_BAD_PUNCT.search(url.group()):
                return True
            if markup._URL_START.search(url.group(), 1):
                return True
            pieces.append(text[done:at])
            done = run.end()
        if pieces:
            pieces.append(text[done:])
            rest = " ".join(pieces)
    if markup._FUZZY_HINT.search(rest):
        for link in markup._linkify().match(text.translate(markup._MARKUP_TO_SPACE)) or ():
            if link.schema in ("", "//") or (link.schema == "mailto:" and not link.raw.lower().startswith("mailto:")):
                return True
    return False


URLISH = [
    "http://",
    "HTTPS://",
    "hTtP://",
    "ftp:",
    "MAILTO:",
    "mailto:a@b.org",
    "https://example.org/a?b=c#d",
    "x[",
    " [",
    "\u00a0[",
    "[",
    "www.",
    "WWW.",
    "localhost",
    "ſ",
    "K",
    "é",
    ":",
    ".org",
    ".1",
    "@",
    "//",
    "(",
    ")",
    "%2F",
    "!",
    "\n",
    " ",
    "> ",
    "- ",
]


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(URLISH + MARKDOWNISH), st.text(max_size=3)), max_size=25).map("".join))
def test_needs_reference_answers_as_first_written(text: str) -> None:
    assert markup._needs_reference(text) == _needs_reference_as_first_written(text)
