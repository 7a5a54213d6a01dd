"""Spoilers: text hidden until the reader clicks it, without JavaScript, for both Markdown backends.

In: a Markdown body and the backend's render function (`markup.py`); its HTML. Out: the same HTML with
two constructions turned into hidden text:

- a block, the fenced container readers know from Pandoc and markdown-it-container:

      ::: spoiler Optional title
      Any Markdown, rendered by the same rules.
      :::

  becomes `<details class="spoiler"><summary>Optional title</summary>…</details>` (the title defaults to
  "Spoiler"). The fence is three or more colons at the start of a line (up to three spaces before it), outside
  code; a closing fence has at least as many colons as its opener; one left open runs to the end of the body.
  Blocks nest (to `MAX_NESTING` levels; deeper openers stay text). The body is split at the blocks and each
  part rendered on its own, so a block cannot sit inside a list item or a quote.
- inline, Reddit's `>!hidden text!<` (on one line; at the start of a line write `\\>!` so it is not a quote):
  becomes `<span class="spoiler" tabindex="0">hidden text</span>`, which the themes' CSS blanks until it is
  focused (clicked or tabbed to). It may hold emphasis, links and code, never a block or a line break.

Both work on what the backend made (the block on the source lines, the inline form on the HTML text between
tags, never inside a tag, code or `<pre>`), so the two backends give the same HTML around the same inside.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from .thread_files import fence_step

MAX_NESTING = 8
"""Spoiler blocks inside spoiler blocks, at most: an opener deeper than this is text."""

_OPEN = re.compile(r"^ {0,3}(:{3,})[ \t]*spoiler(?:[ \t]+(.*?))?[ \t]*$", re.IGNORECASE)
_CLOSE = re.compile(r"^ {0,3}(:{3,})[ \t]*$")


def _escape(text: str) -> str:
    """Escaped as both renderers escape text: exactly & < > \"."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _split(text: str, nesting: int) -> list[tuple[str | None, str]]:
    """The body as (None, Markdown outside blocks) and (title, inside of a top-level block) parts, in order;
    openers deeper than `nesting` levels are text."""
    parts: list[tuple[str | None, str]] = []
    outside: list[str] = []
    inside: list[str] = []
    title = ""
    stack: list[int] = []  # colons of the open blocks' fences
    fence: str | None = None  # the open code fence
    for line in text.split("\n"):
        fence, is_fence = fence_step(line, fence)
        if fence is not None or is_fence:
            (inside if stack else outside).append(line)
            continue
        opened = _OPEN.match(line) if len(stack) < nesting else None
        if opened is not None:
            if not stack:
                if outside:
                    parts.append((None, "\n".join(outside)))
                    outside = []
                title = " ".join((opened.group(2) or "").split())
                stack.append(len(opened.group(1)))
                continue
            stack.append(len(opened.group(1)))
            inside.append(line)
            continue
        closed = _CLOSE.match(line) if stack else None
        if closed is not None and len(closed.group(1)) >= stack[-1]:
            stack.pop()
            if not stack:
                parts.append((title, "\n".join(inside)))
                inside = []
                continue
        (inside if stack else outside).append(line)
    if stack:
        parts.append((title, "\n".join(inside)))
    if outside:
        parts.append((None, "\n".join(outside)))
    return parts


def render_blocks(text: str, render: Callable[[str], str], depth: int = 0) -> str:
    """`render(text)`, with each spoiler block rendered (by `render`, recursively) inside a `<details>`."""
    if ":::" not in text or depth >= MAX_NESTING:
        return render(text)
    parts = _split(text, MAX_NESTING - depth)
    if len(parts) == 1 and parts[0][0] is None:
        return render(text)
    out: list[str] = []
    for title, markdown in parts:
        if title is None:
            out.append(render(markdown) if markdown.strip() else "")
        else:
            inner = render_blocks(markdown, render, depth + 1)
            out.append(
                f'<details class="spoiler"><summary>{_escape(title or "Spoiler")}</summary>\n{inner}</details>\n'
            )
    return "".join(out)


_TAG = re.compile(r"(<[^>]*>)")
_TAG_NAME = re.compile(r"<(/?)([a-zA-Z0-9]+)")
_INLINE_TAGS = frozenset({"a", "em", "strong", "s", "del", "code"})
"""Tags an inline spoiler may hold (balanced): what an inline Markdown span makes, except images and breaks."""
_OPENER, _CLOSER = "&gt;!", "!&lt;"


def _closing(parts: list[str], index: int, position: int) -> tuple[int, int] | None:
    """Where the inline spoiler opened in `parts[index]` just before `position` closes: (part, offset), or None
    when it does not close on its line with only balanced inline tags inside."""
    stack: list[str] = []
    for at in range(index, len(parts)):
        piece = parts[at]
        if at % 2:  # a tag
            found = _TAG_NAME.match(piece)
            if found is None or found.group(2).lower() not in _INLINE_TAGS:
                return None
            name = found.group(2).lower()
            if not found.group(1):
                stack.append(name)
            elif not stack or stack.pop() != name:
                return None
            continue
        start = position if at == index else 0
        if "code" in stack:  # text in code is code, whatever it says
            if "\n" in piece[start:]:
                return None
            continue
        # the closer must come before the next opener and the end of the line: look only that far (looking to
        # the end of the text for each opener took the square of its length: 20,000 openers, 2 s)
        again = piece.find(_OPENER, start)
        stop = again if again >= 0 else len(piece)
        line_end = piece.find("\n", start, stop)
        stop = line_end if line_end >= 0 else stop
        close = piece.find(_CLOSER, start, stop)
        if close < 0:
            if stop < len(piece):
                return None
            continue
        if stack or (at == index and close == start):
            return None
        return at, close
    return None


def inline_spoilers(html: str) -> str:
    """`&gt;!text!&lt;` in the text of `html` (outside tags, code and `<pre>`) as a hidden span."""
    if _CLOSER not in html or _OPENER not in html:
        return html
    parts = _TAG.split(html)
    out: list[str] = []
    code = 0
    index, position = 0, 0
    while index < len(parts):
        piece = parts[index]
        if index % 2:
            found = _TAG_NAME.match(piece)
            if found is not None and found.group(2).lower() in ("code", "pre"):
                code += -1 if found.group(1) else 1
            out.append(piece)
            index, position = index + 1, 0
            continue
        opener = piece.find(_OPENER, position) if code == 0 else -1
        if opener < 0:
            out.append(piece[position:])
            index, position = index + 1, 0
            continue
        closing = _closing(parts, index, opener + len(_OPENER))
        if closing is None:
            out.append(piece[position : opener + len(_OPENER)])
            position = opener + len(_OPENER)
            continue
        end, close = closing
        out.append(piece[position:opener])
        out.append('<span class="spoiler" tabindex="0">')
        if end == index:
            out.append(piece[opener + len(_OPENER) : close])
        else:
            out.append(piece[opener + len(_OPENER) :])
            out.extend(parts[index + 1 : end])
            out.append(parts[end][:close])
        out.append("</span>")
        index, position = end, close + len(_CLOSER)
    return "".join(out)


def with_spoilers(text: str, render: Callable[[str], str]) -> str:
    """`render(text)` with spoiler blocks and inline spoilers hidden until clicked."""
    return inline_spoilers(render_blocks(text, render))


_INLINE_SOURCE = re.compile(r"\\?>!(?=\S|\s+\S)[^\n]*?!<")


HIDDEN = "[spoiler]"
"""What text taken from a body says in place of an inline spoiler, so that the sentence around it still reads as
one with a gap, not as a whole sentence ("I guessed it: [spoiler] from chapter three.")."""


def without_spoilers(markdown: str) -> str:
    """`markdown` without what spoilers hide (blocks, then inline `>!…!<`, which leaves `HIDDEN` in its place):
    text summaries, key points and keywords are read from must not give away what the page hides until clicked."""
    if ":::" in markdown:
        parts = _split(markdown, MAX_NESTING)
        if len(parts) > 1 or parts[0][0] is not None:
            markdown = "\n\n".join(text for title, text in parts if title is None)
    return _without_inline(markdown) if ">!" in markdown else markdown


def _without_inline(markdown: str) -> str:
    """`_INLINE_SOURCE.sub(HIDDEN, markdown)`, each line searched only up to its last `!<` (a match ends at one):
    an opener with no closer after it on its line was searched to the line's end, once per opener, in the square
    of the line's length (20,000 openers, 7 s)."""
    lines = markdown.split("\n")
    for number, line in enumerate(lines):
        end = line.rfind("!<") + 2
        if end >= 2 and ">!" in line[:end]:
            lines[number] = _INLINE_SOURCE.sub(HIDDEN, line[:end]) + line[end:]
    return "\n".join(lines)


_HIDDEN_SPAN = re.compile(r'<span class="spoiler" tabindex="0">.*?</span>', re.DOTALL)
_HIDDEN_BLOCK = re.compile(r'<details class="spoiler">(?:(?!<details[ >]).)*?</details>\n?', re.DOTALL)


def without_spoiler_html(html: str) -> str:
    """Rendered body HTML without what its spoilers hide (for text taken from the page: structured data)."""
    if 'class="spoiler"' not in html:
        return html
    html = _HIDDEN_SPAN.sub(HIDDEN, html)  # inline spoilers hold no span of their own
    while True:  # innermost blocks first: blocks nest
        html, count = _HIDDEN_BLOCK.subn("", html)
        if not count:
            return html
