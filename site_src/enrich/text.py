"""Text for analysis: Markdown to plain blocks, sentence splitting, terms and stop words.

Everything here is pure and deterministic: strings in, strings out, no disk, no
state that changes between calls (the term cache only memoises a pure function).
The output is for *analysis* (summaries, key points, keywords); the page's HTML
comes from the renderer, never from here.

What goes in: untrusted Markdown as the thread file gave it.
What comes out: `PlainText` (paragraph-sized blocks, each flagged when it is a
quotation or a list item, plus how much of the source was URLs), without what is not
the writer's own prose (`_tidy`: attribution lines, mail headers, trailers, greetings,
sign-offs, signatures, `[deleted]`, struck-out text, image alt text), sentences, and
content terms;
`prepare(thread)` does all of it once per thread, for summaries and keywords alike.
What can go wrong: nothing raises; odd input (unclosed fences, broken links,
other scripts) gives a sensible, possibly empty, result.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import chain
from operator import methodcaller

from ..model import Comment, Thread
from ..spoilers import without_spoilers

__all__ = [
    "STOP_WORDS",
    "Block",
    "PlainText",
    "PreparedThread",
    "PreparedUnit",
    "content_terms",
    "fold_term",
    "folded_words",
    "is_cjk",
    "markdown_to_plain",
    "prepare",
    "split_sentences",
    "trim_quote",
]


@dataclass(frozen=True, slots=True)
class Block:
    """One paragraph, list item, heading or quotation of a Markdown text, as plain text."""

    text: str
    """Plain text, whitespace collapsed, Markdown syntax and URLs removed."""
    quoted: bool = False
    """A blockquote (`>`) or a paragraph wrapped in quotation marks: someone else's words."""
    item: bool = False
    """A list item: a sentence of its own only when it is written as one."""
    code: frozenset[str] = frozenset()
    """The words of its inline code spans (`rm -rf`): shown in sentences, never made into terms."""


@dataclass(frozen=True, slots=True)
class PlainText:
    """A Markdown text reduced to plain blocks, with what was dropped."""

    blocks: tuple[Block, ...]
    """Paragraph-sized pieces in reading order; fenced code is left out."""
    url_chars: int = 0
    """Characters of the source that were URLs (bare, autolinks, link targets)."""
    source_chars: int = 0
    """Non-blank characters of the source."""

    @property
    def text(self) -> str:
        """All blocks joined by blank lines."""
        return "\n\n".join(b.text for b in self.blocks)

    def quoted_share(self) -> float:
        """Share (0..1) of the plain text that is quotation."""
        total = sum(len(b.text) for b in self.blocks)
        return sum(len(b.text) for b in self.blocks if b.quoted) / total if total else 0.0

    def url_share(self) -> float:
        """Share (0..1) of the source that was URLs."""
        return self.url_chars / self.source_chars if self.source_chars else 0.0


# --- Markdown -> plain ------------------------------------------------------------------------------------------------

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_HEADING = re.compile(r"^ {0,3}#{1,6}(?:\s+|$)")
_SETEXT = re.compile(r"^ {0,3}(?:=+|-+)\s*$")
_RULE = re.compile(r"^ {0,3}(?:(?:\*\s*){3,}|(?:-\s*){3,}|(?:_\s*){3,})$")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d{1,9}[.)])\s+")
"""A list item, nested ones too (a nested item read as a continuation ran items together into one "sentence")."""
_QUOTE_PREFIX = re.compile(r"^ {0,3}>\s?")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$")
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)\s]*(?:\s+\"[^\"]*\")?\)")
_STRUCK = re.compile(r"~~(?=\S)(.+?)~~")
"""Struck-out text: the writer took it back, so it goes with its marks (`~~Nobody likes~~ A lot of people...`)."""
_SHORTCODE = re.compile(r"(?<![\w:]):[a-z][a-z0-9_+-]{1,30}:(?![\w:])")
"""An emoji shortcode (`:smiley:`, `:+1:`), as Discourse and GitHub write them: not words."""
_LINK = re.compile(r"\[([^\]]*)\]\(\s*(<[^>]*>|[^\s)]*)(?:\s+\"[^\"]*\")?\s*\)?")
_REF_LINK = re.compile(r"\[([^\]]+)\]\[[^\]]*\]")
_LINK_DEF = re.compile(r"^ {0,3}\[[^\]]+\]:\s*\S+.*$")
_LINK_ADDRESS = re.compile(
    r"\s*(?:(?:[a-zA-Z][a-zA-Z0-9+.-]{1,20}://|www\.)\S*|[\w-]+(?:\.[\w-]+)+/\S*)(?:\s*…\s*\S*)?\s*$"
)
"""A link's text that is a web address (`github.com/urho3d/Urho3D`), maybe shortened by the forum with `…` in it."""
_URL = re.compile(r"<?(?:[a-zA-Z][a-zA-Z0-9+.-]{1,20}://|www\.|mailto:)[^\s<>]*>?")
_HTML_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")
_CODE_SPAN = re.compile(r"`(`*)(.+?)`\1")
r"""A code span: as `(`+)(.+?)\1`, spelled to start with a literal so the regex engine skips ahead to a backtick."""
_EMPHASIS = re.compile(r"\*\*{0,2}|_(?:(?<![^\W_]_)_{0,2}|_{0,2}(?![^\W_]))|~~")
r"""Emphasis marks: as `\*{1,3}|(?<![^\W_])_{1,3}|_{1,3}(?![^\W_])|~~` (underscores only at a word's edge), spelled with
a literal first in every branch so the regex engine skips ahead to the next `*`, `_` or `~` (several times faster)."""
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_INLINE_SYNTAX = re.compile(r"[\[`<*_~\\&:wm](?:(?<=[^:wm])|(?<=:)(?=//)|(?<=w)(?=ww\.)|(?<=m)(?=ailto:))")
r"""Finds inline syntax: as `[\[`<*_~\\&]|://|www\.|mailto:`, spelled to start with one character set (quicker)."""
_QUOTE_START = re.compile(r"^(?:[^\s:“\"«„]{1,30}(?: [^\s:“\"«„]{1,30}){0,3}:\s*)?[“\"«„]")


def _inline_plain(text: str) -> tuple[str, int]:
    """Inline Markdown to plain text; returns the text and the number of URL characters removed.

    Each rewrite runs only when the text holds a substring its pattern cannot match without
    (a few `in` tests cost far less than a regex pass that finds nothing); the rewrites keep
    their order, so the result is the same as running every one.
    """
    if not _INLINE_SYNTAX.search(text):
        return _collapse_spaces(text), 0
    removed: list[int] = []  # lengths of the URLs taken out
    ticks = "\\`" in text  # an escaped backtick (a shell's backquote in mail) opens no code span: kept aside
    if ticks:
        text = text.replace("\\`", _TICK)
    if "`" in text:
        text = _CODE_SPAN.sub(_GROUP_2, text)
    if "![" in text:
        text = _IMAGE.sub(" ", text)  # alt text describes a picture (often "image" or a file name): not prose
    if "](" in text:

        def link(match: re.Match[str]) -> str:
            removed.append(len(match.group(2)))
            label = match.group(1)
            if ("/" in label or "www." in label) and _LINK_ADDRESS.match(label):
                removed.append(len(label))
                return " "  # the address as its own text, often shortened (`host/pa … th.html`): no prose
            return label

        text = _LINK.sub(link, text)
    if "][" in text:
        text = _REF_LINK.sub(_GROUP_1, text)
    if "://" in text or "www." in text or "mailto:" in text:

        def drop_url(match: re.Match[str]) -> str:
            removed.append(len(match.group(0)))
            return " "

        text = _URL.sub(drop_url, text)
    if "<" in text:
        text = _HTML_TAG.sub(" ", text)
    if "~~" in text:
        text = _STRUCK.sub(" ", text)
    escaped = False
    if "\\" in text:
        # an escaped emphasis mark (`apic\_noop`, as mail importers write one) is kept from the emphasis pass
        # under a stand-in, then put back; any other escaped character just loses its backslash
        text = _ESCAPE.sub(_protect, text)
        escaped = "\ue000" in text or "\ue001" in text or "\ue002" in text
    if "*" in text or "_" in text or "~" in text:
        text = _EMPHASIS.sub("", text)
    if escaped:
        text = text.translate(_UNESCAPE)
    if "\x00" in text:
        text = text.replace("\x00", "")
    if "&" in text:
        text = html.unescape(text)
    if ticks:
        text = text.replace(_TICK, "`")
    return _collapse_spaces(text), sum(removed)


_TICK = "\ue003"
"""Stands in for an escaped backtick while `_inline_plain` reads code spans."""


def _protect(match: re.Match[str]) -> str:
    char = match.group(1)
    return _STAND_IN.get(char, char)


_STAND_IN = {"*": "\ue000", "_": "\ue001", "~": "\ue002"}
_UNESCAPE = str.maketrans({"\ue000": "*", "\ue001": "_", "\ue002": "~"})
"""The stand-ins of escaped emphasis marks, back to the marks."""
_GROUP_1 = methodcaller("group", 1)
"""As the replacement `r"\\1"` (its groups always take part), without Python 3.11's template call per match."""
_GROUP_2 = methodcaller("group", 2)

_NEWLINE_SPACES = re.compile(r"\n\s*")
_LINE_SPACES = re.compile(r"[^\S\n]+")


def _collapse_spaces(text: str) -> str:
    """Whitespace runs to one space, or to a line break where the run holds one (after a space if it began with
    some), stripped at both ends; two passes with fixed replacements, no call per match."""
    if "\n" not in text:
        return " ".join(text.split())
    return _LINE_SPACES.sub(" ", _NEWLINE_SPACES.sub("\n", text)).strip()


def _join_lines(lines: list[str]) -> str:
    """Join a paragraph's lines; keep a line break (a sentence boundary) where the writer clearly ended one.

    That is a Markdown hard break (two trailing spaces or a backslash), or a line without
    closing punctuation followed by one that starts like a sentence (`If`, `The`, `I`...).
    """
    out = before = lines[0]
    for line in lines[1:]:
        prev = out.rstrip()
        wrapped, before = len(before) >= _WRAPPED, line
        words = line.split(None, 1)
        first = words[0][:1] if words else ""
        if prev.endswith("\\") or out.endswith("  "):
            # a hard break (Discourse writes one per line, mail importers one per wrapped line): a new line where
            # the next one starts like a sentence, or is no word at all; a lowercase start goes on with the sentence,
            # and so does a bracket after a line cut mid-sentence ("I work as systems administrator  \n(although")
            prev = prev.rstrip("\\").rstrip()
            # a long line (wrapped at a fixed width) cut mid-sentence goes on with a name: `with the  \nPython+Xapian`
            named = wrapped and prev[-1:].islower() and not words[0].isupper() and words[0].lower() not in _STARTERS
            new = (first.isupper() and not named) or (
                not first.isalpha() and not (first in "([" and (prev[-1:].isalnum() or prev.endswith(",")))
            )
            out = prev + ("\n" if new else " ") + line
            continue
        starts = first.isupper() and words[0].lower() in _STARTERS
        ends_sentence = bool(prev) and prev[-1].isalnum() and starts
        out = prev + "\n" + line if ends_sentence else out + " " + line
    return out


_WRAPPED = 60
"""A line this long, cut mid-sentence by a hard break, was wrapped at a fixed width (mail wraps at 72 to 76)."""
_LINE_SYNTAX = frozenset("`~>*-_|:[=#+")
"""Characters a line must start with (after spaces), besides a digit, for a block pattern of `_raw_blocks` to match."""
_FIRST_LINE_START = re.compile(r"\s*[`~>*\-_|:\[=#+\d]")
_NEXT_LINE_START = re.compile(r"\n\s*[`~>*\-_|:\[=#+\d]")
"""A line that starts like that: the first line, or one after a line break. Together they find what
`^\\s*[...]` with `re.MULTILINE` finds, but the second starts with a literal, so the regex engine skips ahead to
the next line break instead of trying `^` at every character (about three times faster)."""


def _has_line_syntax(text: str) -> bool:
    """Whether a line starts like a block pattern; a text without one is paragraphs of inline Markdown."""
    return _FIRST_LINE_START.match(text) is not None or _NEXT_LINE_START.search(text) is not None


def _raw_blocks(markdown: str) -> list[tuple[str, bool, bool]]:
    """Split Markdown source into (raw paragraph text, is blockquote, is list item), dropping fenced code."""
    blocks: list[tuple[str, bool, bool]] = []
    current: list[str] = []
    current_quoted = False
    current_item = False
    fence: str | None = None

    def flush() -> None:
        nonlocal current_item
        if current:
            blocks.append((_join_lines(current), current_quoted, current_item))
            current.clear()
        current_item = False

    for line in markdown.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if fence is not None:
            if line.strip().startswith(fence):
                fence = None
            continue
        first = line.lstrip()[:1]
        if not first:
            flush()  # a blank line
            continue
        if first not in _LINE_SYNTAX and not first.isdigit():  # no line pattern can match: a line of a paragraph
            if current_quoted and not current:
                current_quoted = False
            # else: a lazy continuation line goes on with the quoted paragraph, as the page shows it (CommonMark)
            current.append(line)
            continue
        fence_match = _FENCE.match(line)
        if fence_match:
            flush()
            fence = fence_match.group(1)[0] * 3
            continue
        quoted = False
        while (prefix := _QUOTE_PREFIX.match(line)) is not None:
            quoted = True
            line = line[prefix.end() :]
        # each pattern below needs its own first characters after the leading spaces: a look at them rules most out
        start = line.lstrip()[:1]
        if (
            not start
            or (start in "*-_" and _RULE.match(line))
            or (start in "|:-" and _TABLE_RULE.match(line))
            or (start == "[" and _LINK_DEF.match(line))
        ):
            flush()
            continue
        if start in "=-" and _SETEXT.match(line) and current:
            flush()
            continue
        heading = _HEADING.match(line) if start == "#" else None
        item = _LIST_ITEM.match(line) if start in "-*+" or start.isdigit() else None
        if heading or item or quoted != current_quoted:
            flush()
        current_quoted = quoted
        if heading:
            current.append(line[heading.end() :].rstrip("# "))
            flush()
        elif item:
            current_item = True
            current.append(line[item.end() :])
        else:
            current.append(line.replace("|", " ") if line.lstrip().startswith("|") else line)
    flush()
    return blocks


def _without_signature(text: str) -> str:
    """The text above a mail signature: a `-- ` line (or `\\--`, as a Markdown writer escapes it) with at most
    `_SIGNATURE_LINES` lines under it (a name, a list footer: not prose)."""
    lines = text.split("\n")
    for number in range(len(lines) - 1, max(len(lines) - 1 - _SIGNATURE_LINES, 0), -1):
        if lines[number].strip() in _SIGNATURE_MARKS:
            return "\n".join(lines[:number])
    return text


_SIGNATURE_MARKS = frozenset(["--", "\\--"])
"""A signature delimiter line, as written or as a Markdown writer escaped it."""
_SIGNATURE_LINES = 12
"""A `--` line this close to the end of a text starts a signature (longer runs are prose with a dash line)."""


def _looks_quoted(text: str, open_quote: bool) -> tuple[bool, bool]:
    """Whether a paragraph is a quotation in quote marks; returns (quoted, quote still open after it).

    `open_quote` (a quotation left open by the previous paragraph) does not change the
    answer: a paragraph continuing it starts with a quotation mark of its own.
    """
    # _QUOTE_START needs an opening mark first, or a colon within four 30-character words
    if text[:1] not in _OPENERS and ":" not in text[:124]:
        return False, False
    match = _QUOTE_START.match(text)
    if match is None:
        return False, False
    body = text[match.end() :]
    last = max(body.rfind("”"), body.rfind("»"), body.rfind('"'))
    if last < 0:
        return True, True  # a multi-paragraph quotation: closed in a later paragraph
    return last >= 0.6 * len(body), False


_OPENERS = frozenset('“"«„')


def markdown_to_plain(markdown: str, author: str | None = None) -> PlainText:
    """Reduce Markdown to plain blocks for analysis, marking quotations and counting URLs.

    Fenced code is dropped; links keep their text; bare URLs are removed; emphasis,
    headings, list markers and table pipes go. A paragraph is a quotation when it is a
    blockquote, or when it opens with a quotation mark (optionally after a short
    `Name:`) and the quotation runs to its end or on into the next paragraph.

    Most comments are plain prose: when the source holds no Markdown syntax at all it
    takes a fast path (paragraphs split on blank lines) that gives the same result.
    """
    if _is_prose(markdown):
        return _plain_prose(markdown, author)
    text = markdown.replace("\r\n", "\n").replace("\r", "\n") if "\r" in markdown else markdown
    if ":::" in text or ">!" in text:  # what a spoiler hides is no text to summarise
        text = without_spoilers(text)
    if "\n--" in text or "\n\\--" in text:
        text = _without_signature(text)
    # without a line that starts like a block pattern, the blocks are the paragraphs (inline syntax only)
    raw_blocks = _raw_blocks(text) if _has_line_syntax(text) else [(raw, False, False) for raw in _raw_paragraphs(text)]
    blocks: list[Block] = []
    url_chars = 0
    open_quote = False
    card = False
    for raw, quoted, item in raw_blocks:
        plain, urls = _inline_plain(raw)
        url_chars += urls
        if not plain:
            continue
        if urls and _LINK_ONLY.match(raw):
            card = True  # a link on its own (a link card's title): the paragraph after it may be the page's excerpt
            continue
        if not quoted:
            quoted, open_quote = _looks_quoted(plain, open_quote)
            if card and plain.endswith(("...", "…")):
                quoted = True  # a link card's excerpt, cut off: the linked page's words, not the writer's
        else:
            open_quote = False
        card = False
        code = _code_words(raw) if "`" in raw else _NO_CODE
        blocks.append(Block(plain, quoted, item, code))
    if "[/" in text or "quote" in text or "QUOTE" in text:  # BBCode (in Markdown, brackets escaped: `\\[/b\\]`)
        blocks = _bbcode(blocks)
    source_chars = len("".join(markdown.split()))
    return PlainText(_tidy(blocks, author), url_chars, source_chars)


_BB_NAMES = "quote|code|spoiler|b|i|u|s|color|size|font|center|url|li|ul|ol|list"
"""The BBCode tags read; `[*]`, an item of a list, has no closing tag."""
_BB_TAG = re.compile(rf"\[(/?)({_BB_NAMES}|\*)(?:=[^\]\n]*)?\]", re.IGNORECASE)
"""A BBCode tag (`[quote="name"]`, `[/code]`, `[b]`, `[color=#00AA00]`, `[li]`, `[*]`): old forum posts (phpBB, and
posts migrated from it to Discourse) are written with them."""
_BB_CLOSE = re.compile(rf"\[/({_BB_NAMES})\]", re.IGNORECASE)
_BB_DROPPED = frozenset(["code", "spoiler"])
"""BBCode whose content is no prose to summarise: code, and what a spoiler hides."""
_BB_LIST = frozenset(["li", "ul", "ol", "list", "*"])


def _bbcode_closed(blocks: list[Block]) -> frozenset[str]:
    """The BBCode tags the text closes somewhere (`[/b]`), and `quote` when it opens one: only those are read as
    BBCode, so an array index `a[i]` in a text without `[/i]` stays as written, and a tag whose closing a link took
    along (`[url]http://...[/url]`) hides nothing."""
    closed: set[str] = set()
    for block in blocks:
        if "[/" in block.text:
            closed.update(m.group(1).lower() for m in _BB_CLOSE.finditer(block.text))
        if "[quote" in block.text.lower():
            closed.add("quote")  # a quotation left open runs to the end
    if closed & _BB_LIST:
        closed.add("*")  # `[*]` (its star read as emphasis leaves `[]`) opens an item of a closed list
    return frozenset(closed)


def _bb_block(out: list[Block], text: str, block: Block, quoted: bool, item: bool) -> None:
    """Add a piece of `block` (between BBCode boundaries) to `out`, unless it is blank."""
    text = _tidy_spaces(text)
    if text:
        out.append(Block(text, block.quoted or quoted, block.item or item, block.code))


def _bbcode(blocks: list[Block]) -> list[Block]:
    """The blocks with the BBCode they close read (`_bbcode_closed`): a quotation (`[quote="name"]...[/quote]`,
    nested or across paragraphs) is marked quoted; code and spoilers are left out; list items (`[li]`, `[*]`) are
    blocks of their own; formatting tags (`[b]`, `[color=...]`, `[url]`) go and their text stays. What is around a
    quotation, in its paragraph or not, stays the writer's own."""
    closed = _bbcode_closed(blocks)
    if not closed:
        return blocks
    out: list[Block] = []
    quoting = dropping = listing = 0
    for block in blocks:
        text = block.text.replace("[]", "[*]") if "*" in closed and "[]" in block.text else block.text
        if "[" not in text:
            if not dropping:
                quoted, item = block.quoted or quoting > 0, block.item or listing > 0
                same = quoted == block.quoted and item == block.item
                out.append(block if same else Block(text, quoted, item, block.code))
            continue
        piece: list[str] = []  # the text since the last boundary, formatting tags left out
        start = 0
        for tag in _BB_TAG.finditer(text):
            name = tag.group(2).lower()
            if name not in closed:
                continue
            piece.append(text[start : tag.start()])
            start = tag.end()
            if name in _BB_DROPPED or name == "quote" or name in _BB_LIST:  # a boundary: what came before is a block
                if not dropping:
                    _bb_block(out, "".join(piece), block, quoting > 0, listing > 0)
                piece.clear()
                step = -1 if tag.group(1) else 1
                if name in _BB_DROPPED:
                    dropping = max(dropping + step, 0)
                elif name == "quote":
                    quoting = max(quoting + step, 0)
                elif name != "*":
                    listing = max(listing + step, 0)
        piece.append(text[start:])
        if not dropping:
            _bb_block(out, "".join(piece), block, quoting > 0, listing > 0)
    return out


_NO_CODE: frozenset[str] = frozenset()

_LINK_ONLY = re.compile(r"^\s*(?:!\[[^\]]*\]\([^)]*\)\s*)?\[[^\]]*\]\([^)]*\)\s*$")
"""A paragraph or heading that is one link (a Discourse onebox title, `### [owner/repo](url)`), maybe after an icon."""


def _code_words(raw: str) -> frozenset[str]:
    """The words of a paragraph's inline code spans (escaped backticks open none, as in `_inline_plain`)."""
    if "\\`" in raw:
        raw = raw.replace("\\`", _TICK)
    return frozenset(w for m in _CODE_SPAN.finditer(raw) for w in m.group(2).split())


_MARKUP_CHARS = ("`", "*", "_", "~", "[", "<", ">", "#", "|", "\\", "&", "\r", "://", "www.", "mailto:")
"""Substrings that make `markdown_to_plain` take its full path (a few `in` tests beat one regex scan)."""
_LIST_NUMBER = re.compile(r"\d{1,9}[.)](?:\s|$)")


def _is_prose(markdown: str) -> bool:
    """Whether the text has nothing `markdown_to_plain`'s full path would treat as syntax.

    No syntax character, no URL, and no line that starts (after spaces) like a list item,
    rule, setext underline or table: then the text is plain prose.
    """
    if any(map(markdown.__contains__, _MARKUP_CHARS)):
        return False
    for line in markdown.split("\n") if "\n" in markdown else (markdown,):
        start = line.lstrip()[:1]
        if start and (start in "-+=:" or (start.isdigit() and _LIST_NUMBER.match(line.lstrip()))):
            return False
    return True


def _plain_prose(markdown: str, author: str | None = None) -> PlainText:
    """`markdown_to_plain` for text `_is_prose` passed: paragraphs are runs of non-blank lines."""
    paragraphs = [_collapse_spaces(raw) for raw in _raw_paragraphs(markdown)]
    blocks: list[Block] = []
    open_quote = False
    for text in paragraphs:
        if not text:
            continue
        quoted, open_quote = _looks_quoted(text, open_quote)
        blocks.append(Block(text, quoted))
    # the paragraphs hold every non-blank character of the source, with single spaces and line breaks between words
    source_chars = sum(len(text) - text.count(" ") - text.count("\n") for text in paragraphs)
    return PlainText(_tidy(blocks, author), 0, source_chars)


# --- what is not the writer's own prose ---------------------------------------------------------------------------

_ATTRIBUTION = re.compile(
    r"(?:\b(?:wrote|writes|a écrit|schrieb|escribió|escreveu|skrev|scrisse|napisał)\b[^.!?]{0,60}|"
    r"\bdid gyre and gimble):?\s*$",
    re.IGNORECASE,
)
"""The line that introduces a quoted reply: `On Fri, 25 Jun 2010, X <x@y> wrote:`, `Le 14/02/2011, X a écrit :`,
`X wrote on 06/25/2010 04:05 PM:`, `Twas brillig at ... when x did gyre and gimble:` (a known mail client's)."""
_TRAILER = re.compile(
    r"^(?:Signed-off-by|Acked-by|Reviewed-by|Tested-by|Reported-by|Suggested-by|Co-developed-by|Cc|CC|Bcc|"
    r"From|To|Subject|Date|Sent|Reply-To)\s*:\s"
)
"""A commit trailer (`Signed-off-by: ...`) or a mail header line, at the start of a block."""
_CLOSING = re.compile(
    r"^\W*(?:thanks|thank you|thx|cheers|regards|best regards|kind regards|warm regards|best wishes|best|"
    r"sincerely|yours|happy hacking|hth|ciao|greetings|take care|all the best)\b[\s,.!]*(?:[-\w.']+[\s,.!]*){0,3}$",
    re.IGNORECASE,
)
"""A sign-off: `Thanks,`, `Cheers, Lars`, `Happy hacking, -Carl` (at most three words after it)."""
_GREETING = re.compile(r"^(?:hi|hello|hey|dear|greetings|hallo|bonjour)(?:\s+[\w.'-]+){0,3}\s*[,!.:]?$", re.IGNORECASE)
_BOILERPLATE = frozenset(["[deleted]", "[removed]", "[deleted by user]", "[ Removed by Reddit ]"])
_LEAD_IN_WORDS = 30
"""A paragraph ending with `:` right before a quotation, this many words or fewer, introduces it."""


def _tidy(blocks: list[Block], author: str | None) -> tuple[Block, ...]:
    """Leave out what is not the writer's own prose: attribution lines and lead-ins of quotations, mail
    headers and commit trailers, greetings, sign-offs and the writer's name under them, `[deleted]`;
    emoji shortcodes and stray hard-break backslashes go from the text that stays.

    Each test starts with a look at a character or a substring, so plain prose costs a few comparisons.
    """
    kept: list[Block] = []
    polite: list[Block] = []  # greetings and sign-offs: kept after all when they are all the text has ("Thanks!")
    for i, block in enumerate(blocks):
        text = block.text
        if ":" in text:
            if _SHORTCODE.search(text):
                text = _tidy_spaces(_SHORTCODE.sub(" ", text))
                if not text:
                    continue
            if text[-1] == ":" and (
                _ATTRIBUTION.search(text)
                or (
                    i + 1 < len(blocks)
                    and blocks[i + 1].quoted
                    and not block.quoted
                    and text.count(" ") < _LEAD_IN_WORDS
                )
            ):
                continue  # introduces a quotation, or is the header of a quoted reply
            if ":" in text[:20] and _TRAILER.match(text):
                continue
        elif ("wrote" in text or "écrit" in text or "schrieb" in text) and _ATTRIBUTION.search(text):
            continue
        if text[0] == "[" and text in _BOILERPLATE:
            continue
        if text[0] == ">" and not block.quoted:  # `\> quoted words`: a quotation in the plain-text way (HN, mail)
            text = text.lstrip("> ")
            if not text:
                continue
            block = Block(text, True, block.item, block.code)
        if len(text) < 50 and (_GREETING.match(text) or _CLOSING.match(text)):
            polite.append(block)
            continue
        if "\\" in text:
            text = _tidy_spaces(_HARD_BREAK.sub("\n", text))
            if not text:
                continue
        kept.append(block if text is block.text else Block(text, block.quoted, block.item, block.code))
    while len(kept) > 1 and _is_signature(kept[-1].text, author):
        kept.pop()
    return tuple(kept) if kept or not polite else tuple(polite)


def _tidy_spaces(text: str) -> str:
    """Single spaces within lines, no blank or space-edged lines (after a rewrite left gaps)."""
    return "\n".join(filter(None, (" ".join(line.split()) for line in text.split("\n"))))


_HARD_BREAK = re.compile(r"\\(?=\s|$)")
"""A backslash left at a line end or before a space: a Markdown hard break, not text."""


def _is_signature(text: str, author: str | None) -> bool:
    """Whether a comment's last block is its writer's name or initials (`David`, `-keith`, `-- Lars`)."""
    if len(text) > 40 or text.count(" ") > 2:
        return False
    if text[0] == "-":
        return True
    if author:
        names = {w.strip(".,").casefold() for w in author.replace('"', " ").split()}
        return all(w.strip(".,-").casefold() in names for w in text.split())
    return False


def _raw_paragraphs(markdown: str) -> list[str]:
    """Runs of non-blank lines, each joined by `_join_lines`: what `_raw_blocks` gives a text without line syntax."""
    if "\n" not in markdown:
        return [markdown] if markdown.strip() else []
    paragraphs: list[str] = []
    current: list[str] = []
    for line in markdown.split("\n"):
        if line.strip():
            current.append(line)
        elif current:
            paragraphs.append(_join_lines(current))
            current = []
    if current:
        paragraphs.append(_join_lines(current))
    return paragraphs


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# --- sentences --------------------------------------------------------------------------------------------------------

_ABBREVIATIONS = _words(
    "mr mrs ms mx dr prof rev hon st sr jr gen col lt sgt capt cmdr adm gov sen rep pres vs v cf fig figs vol "
    "vols pp ch sec art approx ca al e.g i.e viz esp dept univ assn bros jan feb mar apr jun jul aug sep sept oct "
    "nov dec "
    "mt ft mon tue wed thu fri sat sun op ed eds est min max avg"
)
_MAYBE_FINAL = _words("etc inc ltd co corp llc plc a.m p.m am pm u.s u.k u.n e.u d.c")
_STARTERS = _words(
    "a an the i it its this that these those there they we he she you my our his her their what why how when where "
    "who but and so if in on at for as however also then now yet still"
)
_BOUNDARY = re.compile(
    r"(\.{2,}|…|[.!?‽]+)([\"”\u2019'»)\]]*)(\s+)|([\u3002\uff01\uff1f]+[」』”\uff09)]*)\s*|([।॥]+)\s*"
)
_TERMINATOR = re.compile(r"[.!?‽…\u3002\uff01\uff1f।॥]")
"""The characters a `_BOUNDARY` match can start with."""
_TERMINATOR_RUN = re.compile(r"[.!?‽]+")
"""A run of the terminators `_BOUNDARY`'s first group repeats."""
_ASCII_TERMINATOR = re.compile(r"[.!?]")
"""The same, in ASCII text (a character class of ASCII only is much faster to scan for)."""
_INITIALISM = re.compile(r"^(?:[A-Za-z]\.)+[A-Za-z]?$")
_LEADING_PUNCT = re.compile(r"^[\"“\u2018'(\[«„]+")


_WINDOW = 48
"""Characters looked at around a full stop to find the words either side (more only for longer words)."""


def _word_before(text: str, start: int, end: int) -> str:
    """The last whitespace-separated word of `text[start:end]` (as `rsplit(None, 1)[-1]`), or ''."""
    low = max(start, end - _WINDOW)
    words = text[low:end].rsplit(None, 1)
    if low > start and (not words or (len(words) == 1 and not text[low - 1].isspace())):
        words = text[start:end].rsplit(None, 1)  # the word runs past the window
    return words[-1] if words else ""


def _word_after(text: str, pos: int) -> str:
    """The first whitespace-separated word of `text[pos:]`, or ''."""
    words = text[pos : pos + _WINDOW].split(None, 1)
    if len(words) == 1 and pos + _WINDOW < len(text):
        words = text[pos:].split(None, 1)  # the word runs past the window
    return words[0] if words else ""


def _is_boundary(text: str, start: int, mark_start: int, mark: str, after: int) -> bool:
    """Whether the terminator `mark` at `mark_start` ends the sentence begun at `start` (the next begins at `after`)."""
    if after >= len(text):
        return True
    first = text[after]
    if mark in "!?‽" or mark[0] in "!?":
        end = mark_start + len(mark)
        # `"... we created!" your choice`, `(amazed!) that`: a quotation or aside closed, the sentence goes on
        return not (first.islower() and end < after and text[end] in _CLOSING_MARKS)
    if mark != ".":  # an ellipsis: a sentence ends only if the next word starts like a sentence
        return first.isupper() or not first.isalpha()
    prev = _word_before(text, start, mark_start)
    if prev.isdigit() and len(prev) < 4 and not text[start : mark_start - len(prev)].strip():
        return False  # `1. Open Settings`: a list number written inline opens the sentence, it is not one
    if prev[:1] in _LEADING_QUOTES:
        prev = _LEADING_PUNCT.sub("", prev)
    key = prev.lower()
    if key in _ABBREVIATIONS or (key in ("no", "nos") and first.isdigit()):
        return False
    if len(prev) == 1 and prev.isalpha() and prev.isupper():
        return False  # an initial: J. R. R. Tolkien
    if key in _MAYBE_FINAL or _INITIALISM.match(prev):
        next_word = _word_after(text, after).strip("\"“\u2018'([«„").lower()
        return first.isupper() and next_word.rstrip(",") in _STARTERS
    # "approx. ten": an unknown short abbreviation when the next word is lowercase
    return not (first.islower() and len(prev) <= 3 and prev.isalpha())


_CLOSING_MARKS = frozenset("\"\u201d\u2019')]\u00bb")
_LEADING_QUOTES = frozenset("\"“\u2018'([«„")


def split_sentences(text: str) -> list[str]:
    """Split one plain-text block into whole sentences.

    Survives abbreviations (`Mr.`, `e.g.`, `U.S. forces`), initials, decimals, ellipses,
    closing quotes after the full stop, and CJK or Devanagari terminators. Text with no
    terminator is one sentence. Never cuts inside a word. Work is linear in the text.
    """
    if "\n" in text:
        return [s for line in text.split("\n") for s in split_sentences(line)]
    sentences: list[str] = []
    start = 0
    # as _BOUNDARY.finditer, faster: every match starts at a terminator, which a character class finds quickly
    find = (_ASCII_TERMINATOR if text.isascii() else _TERMINATOR).search
    boundary = _BOUNDARY.match
    found = find(text)
    while found is not None:
        match = boundary(text, found.start())
        if match is None:
            # no match inside this run of `.!?‽` either (each would end where this one tried to): skip it whole,
            # or a long run (`.....`, `!?!?`) was matched again from each of its characters, in the square of its
            # length (100,000 dots took more than 100 s)
            run = _TERMINATOR_RUN.match(text, found.start())
            found = find(text, run.end() if run is not None else found.start() + 1)
            continue
        found = find(text, match.end())
        mark = match.group(1)
        if mark is not None:
            end = match.end(2)
            if not _is_boundary(text, start, match.start(1), mark, match.end()):
                continue
        else:
            end = match.end(4) if match.group(4) is not None else match.end(5)
        piece = text[start:end].strip()
        if piece:
            sentences.append(piece)
        start = match.end()
    rest = text[start:].strip()
    if rest:
        sentences.append(rest)
    return sentences


def trim_quote(text: str, limit: int = 200) -> str:
    """Shorten plain text to at most about `limit` characters, at a sentence or else a word boundary.

    Whole sentences are kept while they fit; when even the first does not, it is cut at
    the last space before the limit and ends with an ellipsis. Cuts inside a word only when
    the first word alone is longer than the limit.
    """
    text = text.strip()
    if len(text) <= limit:
        return text
    text = " ".join(text.split())  # a text to shorten: runs of white space count as one space
    if len(text) <= limit:
        return text
    kept = ""
    for sentence in split_sentences(text):
        candidate = f"{kept} {sentence}".strip()
        if len(candidate) > limit:
            break
        kept = candidate
    if kept:
        return kept + " …"
    cut = text[: limit + 1].rsplit(None, 1)[0] if " " in text[: limit + 1] else text[:limit]
    return cut.rstrip(",;:\u2014\u2013- ") + "…"


# --- terms ------------------------------------------------------------------------------------------------------------

STOP_WORDS = _words(
    """
    a about above according across actually after again against ago ahead all almost along already also although
    always am among an and another any anybody anyone anything anyway anyways are aren't around as ask asked at away
    back be became because become been before behind being below best better between beyond both but by came can
    can't cannot could couldn't did didn't do does doesn't doing don't done down during each edit either else enough
    especially even ever every everyone everything exactly far few find first for from further get gets getting give
    given go goes going gone got gotten had hadn't has hasn't have haven't having he he'd he'll he's her here here's
    hers herself him himself his how how's however i i'd i'll i'm i've ie if im in instead into is isn't it it'd
    it'll it's its itself just keep know known last least less let let's like likely lol lot lots made make makes
    making many may maybe me mean means might mine more most mostly much must mustn't my myself need needs never new
    next no nobody non none nor not nothing now of off often oh ok okay old on once one ones only onto or other
    others otherwise ought our ours ourselves out over own per perhaps please point pretty probably put quite rather
    re really right said same saw say saying says see seem seemed seems seen several shall shan't she she'd she'll
    she's should shouldn't since so some somebody someone something sometimes somewhat soon still such sure take
    taken than thank thanks that that's the their theirs them themselves then there there's therefore these they
    they'd they'll they're they've thing things think this those though thought through thus to today together too
    took toward towards tried tries truly try trying two under unless until up upon us use used uses using usually
    very via want wants was wasn't way ways we we'd we'll we're we've well went were weren't what what's whatever
    when where where's whether which while who who's whole whom whose why will with within without won't would
    wouldn't yeah yes yet you you'd you'll you're you've your yours yourself yourselves
    """
)
"""English function words and forum filler, lowercase, with straight apostrophes."""

_TERM = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*|\d+(?:[.,]\d+)*")
"""A word, letters and digits together (`4chan`, `x86`, `1vanK` stay whole: no term is a name with its digits cut
off), or a number."""
_ADDRESS = re.compile(r"@|\w\.(?:com|org|net|edu|gov|io|de|uk|fr|jp|ru|info|co|us|ch|nl|hu|it|es)\b", re.IGNORECASE)
"""A token that is, or holds, an e-mail address or a host name (`x@y.org`, `igalia.com`): no term comes of it."""
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]")


def is_cjk(term: str) -> bool:
    """Whether a term holds Chinese, Japanese or Korean script (a character pair `_fold_token` made, say)."""
    return not term.isascii() and _CJK.search(term) is not None


_US = re.compile(r"\bU\.S\.(?:A\.)?(?!\w)|\bUSA?\b")
_IE_NOUNS = _words(
    "calorie cookie movie zombie rookie hippie pie tie lie die genie prairie goalie selfie freebie newbie smoothie "
    "brownie hoodie techie foodie sortie auntie birdie bookie collie lingerie menagerie eerie boogie veggie indie "
    "aussie barbie budgie cabbie groupie junkie yuppie specie"
)
"""Nouns ending in -ie: their plural folds to -ie (`calories` -> `calorie`), not -y (`policies` -> `policy`)."""
_PLURAL_KEEP = ("ss", "us", "is", "ous", "ics", "news", "series", "species", "always", "perhaps", "whereas")


@lru_cache(maxsize=1 << 16)
def fold_term(word: str) -> str | None:
    """Normalise one word to a term, or None for a stop word, number or scrap.

    NFKC, case-folded, curly apostrophes straightened, possessive `'s` dropped, and
    English plurals folded conservatively (`chemicals` -> `chemical`, `policies` ->
    `policy`), so the result is still a readable word.
    """
    # NFKC leaves ASCII as it is, and ASCII holds no curly apostrophe
    word = word.casefold() if word.isascii() else unicodedata.normalize("NFKC", word).casefold().replace("\u2019", "'")
    if word in STOP_WORDS:
        return None
    if word.endswith("'s"):
        word = word[:-2]
    if "'" in word or word in STOP_WORDS or len(word) < 2 or (word[0].isdigit() and not word.isalnum()):
        return None
    if word.isdigit() or (word[0].isdigit() and word[-1].isdigit()):
        return None  # a number, not a name
    if len(word) > 4 and word.isascii() and not word.endswith(_PLURAL_KEEP) and not word[-2].isdigit():
        if word.endswith("ies") and len(word) > 5:
            word = word[:-1] if word[:-1] in _IE_NOUNS else word[:-3] + "y"
        elif word.endswith("sses"):
            word = word[:-2]
        elif word.endswith("s"):
            word = word[:-1]
    return None if word in STOP_WORDS else word


def _fold_token(token: str) -> tuple[str | None, ...]:
    """The words of one whitespace-free token, each folded by `fold_term` (None for a stop word or number).

    Runs of Chinese or Japanese characters (written without spaces) become overlapping
    character pairs, so other scripts give usable terms rather than one giant token.
    """
    if token.isascii():
        if token.isalnum():  # most tokens: one ASCII word, which `_TERM` matches whole
            return (fold_term(token),)
        word = token.rstrip(_WORD_TAIL)
        if word.isalnum():  # one ASCII word and punctuation after it (`flour,`): no address, no other word
            if (term := fold_term(word)) is not None and _ENDS_SENTENCE.search(token, len(word)):
                return (term, None)  # a phrase does not run on into the next sentence
            return (term,)
    if ("@" in token or "." in token) and _ADDRESS.search(token):
        return (None,)
    folded: list[str | None] = []
    ascii_token = token.isascii()  # no CJK character: no word needs the regex look
    for word in _TERM.findall(token):
        if len(word) > 1 and not ascii_token and _CJK.search(word):
            folded.extend(word[i : i + 2] for i in range(len(word) - 1))
        else:
            folded.append(fold_term(word))
    if token[-1] in _SENTENCE_TAIL and _ENDS_SENTENCE.search(token) and folded and folded[-1] is not None:
        folded.append(None)  # a phrase does not run on into the next sentence
    return tuple(folded)


_ENDS_SENTENCE = re.compile(r"[.!?‽…\u3002\uff01\uff1f।॥][\"”\u2019'»)\]」』\uff09]*$")
_WORD_TAIL = ".,!?:;)]\"'"
"""ASCII punctuation that ends a word (`flour,`, `done."`): no term and no address in it."""
_SENTENCE_TAIL = frozenset(".!?‽…\u3002\uff01\uff1f।॥\"”\u2019'»)]」』\uff09")
"""The characters an `_ENDS_SENTENCE` match can end with (a token ending otherwise needs no regex look)."""


class _TokenCache(dict[str, tuple[str | None, ...]]):
    """Whitespace-separated token (`chemicals,`) -> its folded words; fills itself, bounded.

    `U.S.` and `US` become `USA` first: `_US` looks no further than the token (its matches hold no space, and
    whitespace or the end of the text on either side look the same to `\\b` and `(?!\\w)`), so rewriting each
    token gives the tokens of the rewritten text.
    """

    __slots__ = ()
    limit = 1 << 18

    def __missing__(self, token: str) -> tuple[str | None, ...]:
        if len(self) >= self.limit:
            self.clear()
        if token == _BLOCK_END:
            value: tuple[str | None, ...] = (None,)
        elif "US" in token or "U.S." in token:
            value = _fold_token(_US.sub("USA", token))
        else:
            value = _fold_token(token)
        self[token] = value
        return value


_BLOCK_END = "\n"
"""A token that ends a block in `prepare` (folds to one None); whitespace, so `str.split` never makes it from text."""


_TOKENS = _TokenCache()
_tokens = _TOKENS.__getitem__


def folded_words(text: str) -> list[str | None]:
    """The words of a plain text in order, folded by `fold_term`; None for a stop word or number and after a sentence.

    Same words as `content_terms` (which is this without the Nones); the Nones mark
    where two-word phrases must not span. Tokens are split on whitespace and memoised,
    so a word seen before costs one dictionary lookup.
    """
    return list(chain.from_iterable(map(_tokens, text.split())))


def content_terms(text: str) -> list[str]:
    """The content terms of a plain text, in order: stop words, numbers and URLs left out.

    Runs of Chinese or Japanese characters (written without spaces) become overlapping
    character pairs, so other scripts give usable terms rather than one giant token.
    """
    return list(filter(None, chain.from_iterable(map(_tokens, text.split()))))


# --- one preparation per thread ---------------------------------------------------------------------------------------


@dataclass(slots=True)
class PreparedUnit:
    """The post or one comment, reduced to plain text and terms."""

    id: str
    """Comment id, or `"post"`."""
    author: str | None
    """Who wrote it, if known."""
    score: int | None
    """Its score, where the source has one (None for the post)."""
    replies: int
    """Direct replies (for the post: top-level comments)."""
    plain: PlainText
    """Its text as plain blocks."""
    terms: list[str] = field(default_factory=list)
    """Its content terms, in order (`content_terms` of each block)."""
    answer: bool = False
    """The thread's author answering someone else (an AMA's answers, a patch author answering review)."""
    accepted: bool = False
    """Marked as the accepted answer by the source (Stack Exchange, Discourse)."""


@dataclass(slots=True)
class PreparedThread:
    """A thread's text analysed once: plain text and terms, shared by summaries and keywords.

    Made by `prepare`; sentences are split later, and only where needed (`summaries`
    splits the comments it considers quoting).
    """

    thread: Thread
    """The thread it was made from."""
    title_terms: list[str]
    """Content terms of the title."""
    walked: list[tuple[Comment, int]]
    """`list(thread.walk())`: every comment with its depth, in reading order."""
    units: list[PreparedUnit] = field(default_factory=list)
    """The post (when it has a body), then every comment, in reading order."""
    words: list[str | None] = field(default_factory=list)
    """All folded words of post and comments in order (`folded_words`), None between blocks too."""


def prepare(thread: Thread) -> PreparedThread:
    """Reduce a thread's post and comments to plain text and terms, once.

    Linear in the thread's text; no recursion (the comment tree is walked with a stack).
    """
    walked = list(thread.walk())
    prepared = PreparedThread(thread, content_terms(thread.title), walked)
    units = prepared.units
    words = prepared.words
    tokens = _tokens
    if thread.body.strip():
        post = markdown_to_plain(thread.body, thread.author)
        units.append(PreparedUnit("post", thread.author, None, len(thread.comments), post))
    op = thread.author
    parents: list[str | None] = [op]  # author of the last comment seen at each depth (depth 0: the post)
    for c, depth in walked:
        del parents[depth:]
        parent = parents[-1] if parents else None
        parents.append(c.author)
        units.append(
            PreparedUnit(
                c.id,
                c.author,
                c.score,
                len(c.replies),
                markdown_to_plain(c.body, c.author),
                answer=op is not None and c.author == op and depth > 1 and parent != op,
                accepted=c.extra.get("accepted") is True,
            )
        )
    for unit in units:
        # the folded words of every block, each block closed by a None (`_BLOCK_END`)
        folded: list[str | None] = []
        for block in unit.plain.blocks:
            pieces = block.text.split()
            if block.code:  # inline code is shown, but `rm -rf` is no keyword: its tokens break a phrase instead
                folded += chain.from_iterable((None,) if w in block.code else tokens(w) for w in pieces)
            else:
                folded += chain.from_iterable(map(tokens, pieces))
            folded.append(None)
        unit.terms = list(filter(None, folded))
        words += folded
    return prepared
