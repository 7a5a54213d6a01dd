"""Mail bytes -> text (`decode_bytes`), and a plain-text mail body -> Markdown that shows it line for line,
with the noise folded: signature, a top-posted copy of the parent, Mailman's scrubber notices, list footer.

In: the decoded text/plain content of one mail and its `format=flowed` / `delsp` parameters.
Out: (Markdown body, extra) where extra may hold `signature` (the text after the `-- ` line) and
`quoted` (how many lines of a quote at the end of a top-posted reply, or of an Outlook-style copy
below `-----Original Message-----` / a `From:` `Sent:` block, were folded away: the parent is on the
page already). The rest keeps its lines (`plain_to_markdown`): hard line breaks, `>` quotes as block
quotes, nothing typed turning into markup; a patch (from a `diff`/`Index:` line, or the `---` line
that starts its diffstat) is put in a fenced `diff` block so Markdown leaves it alone.
"""

from __future__ import annotations

import codecs
import re

_ATTRIBUTION = re.compile(
    r"(wrote|writes|schrieb|a écrit|escribió|scripsit)\s*:\s*$|^-+\s*original message\s*-+$|^on .+ at .+$",
    re.IGNORECASE,
)
_PATCH_START = re.compile(r"^(diff --git |diff -|Index: |--- a/|--- [\w./-]+\t)")
_FOOTER = re.compile(r"^_{20,}\s*$")


_NOT_ASCII_COMPATIBLE = ("utf-16", "utf-32", "utf_16", "utf_32")


def decode_bytes(data: bytes, declared: str | None) -> str:
    """Mail bytes -> text, whatever the mail says its charset is.

    - 8-bit bytes that are valid UTF-8 are UTF-8, even when the mail declares another charset: a mailbox
      that says iso-8859-1 and holds UTF-8 is common (archivers relabel), and Latin text is almost never
      valid UTF-8 by chance (`BalÃ¡s` would need `Ã` followed by a continuation byte);
    - else the declared charset, when Python knows it and it decodes;
    - else (no charset, the normal shape of a pipermail archive, or a wrong one) cp1252, the superset
      of latin-1 that mail clients wrote when they wrote no charset, and latin-1 where cp1252 has a hole.
      A statistical detector (charset-normalizer) was left out: on a few lines of mail it guesses
      unreliably, and the archives that lack a charset are overwhelmingly Western European.
    """
    charset = (declared or "").strip().lower()
    known = _codec(charset)
    if not data.isascii() and not (known or "").startswith(_NOT_ASCII_COMPATIBLE):
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            pass
    if known is not None:
        try:
            return data.decode(known)
        except UnicodeDecodeError:
            pass
    if data.isascii():
        return data.decode("ascii")
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _codec(charset: str) -> str | None:
    """Python's codec name for a MIME charset, or None when unknown (or the placeholders mailers write)."""
    if not charset or charset in ("unknown-8bit", "x-unknown", "unknown", "8bit", "default"):
        return None
    try:
        return codecs.lookup(charset).name
    except LookupError:
        return None


def unflow(text: str, delsp: bool) -> str:
    """RFC 3676: a line ending in a space continues on the next line (quote depth must match)."""
    out: list[str] = []
    for line in text.split("\n"):
        if line.startswith(" "):
            line = line[1:]  # space-stuffing
        if out and out[-1].endswith(" ") and out[-1] != "-- " and _depth(out[-1]) == _depth(line):
            joined = out[-1][:-1] if delsp else out[-1]
            out[-1] = joined + line[_depth(line) :].lstrip(" ") if _depth(line) else joined + line
        else:
            out.append(line)
    return "\n".join(out)


def _depth(line: str) -> int:
    return len(line) - len(line.lstrip(">"))


def _split_patch(lines: list[str]) -> tuple[list[str], list[str]]:
    """(text lines, patch lines): the patch starts at a `diff`/`Index:` line, or at the `---` before its diffstat."""
    start = None
    for index, line in enumerate(lines):
        if _PATCH_START.match(line):
            start = index
            # The "---" line before a diffstat belongs to the patch too.
            for back in range(index - 1, max(-1, index - 60), -1):
                if lines[back].rstrip() == "---":
                    start = back
                    break
            break
    if start is None:
        return lines, []
    return lines[:start], lines[start:]


def _fenced(patch: list[str]) -> str:
    longest = max((len(run) for line in patch for run in re.findall(r"`{3,}", line)), default=0)
    fence = "`" * max(3, longest + 1)
    return "\n".join([fence + "diff", *patch, fence])


_SCRUBBER_RULE = re.compile(r"^-{3,} ?next part ?-{3,}\s*$", re.IGNORECASE)
_SCRUBBER_LINE = re.compile(
    r"^(an html attachment was scrubbed|a non-text attachment was scrubbed|skipped content of type|"
    r"(name|type|size|desc|url|description)\s*:)",
    re.IGNORECASE,
)


def _drop_scrubber_notices(lines: list[str]) -> list[str]:
    """Mailman's `-------------- next part --------------` sections that only say an attachment was scrubbed
    (a text attachment that Mailman inlined after such a rule is kept)."""
    rules = [index for index, line in enumerate(lines) if _SCRUBBER_RULE.match(line)]
    for start, end in reversed(list(zip(rules, [*rules[1:], len(lines)], strict=False))):
        section = [line for line in lines[start + 1 : end] if line.strip()]
        if all(_SCRUBBER_LINE.match(line) for line in section):
            del lines[start:end]
    return lines


_OUTLOOK_HEADER = re.compile(r"^\*?(from|von|de)\s*:\*?\s+\S", re.IGNORECASE)
_OUTLOOK_NEXT = re.compile(r"^\*?(sent|date|gesendet|datum|envoyé|to|an|à|subject|betreff|objet)\s*:", re.IGNORECASE)
_ORIGINAL = re.compile(r"^\s*-+\s*(original message|ursprüngliche nachricht|message d'origine)\s*-+\s*$", re.I)
_DATED_ATTRIBUTION = re.compile(r"(\d{4}|@| at |<[^<>]+>).*:\s*$")
"""`2015-11-15 23:43 GMT+01:00 Jesus <jgb at example.com>:` (Gmail's), a line ending in `:` naming a date
or an address, just above a trailing quote."""


def _unquoted_tail(lines: list[str]) -> int | None:
    """Where a top-posted reply's unprefixed copy of the parent starts (Outlook: `-----Original Message-----`,
    or `From:` followed by `Sent:`/`To:`/`Subject:` lines), if there is text above it."""
    for index, line in enumerate(lines):
        if not any(text.strip() for text in lines[:index]):
            continue
        if _ORIGINAL.match(line):
            return index
        following = [text for text in lines[index + 1 : index + 5] if text.strip()]
        if _OUTLOOK_HEADER.match(line) and len(following) >= 2 and all(_OUTLOOK_NEXT.match(t) for t in following[:2]):
            return index
    return None


def fold_plain_text(text: str, flowed: bool = False, delsp: bool = False) -> tuple[str, dict[str, object]]:
    """Fold the signature, a trailing quote and scrubber notices; keep everything else as the author wrote it,
    line for line (see `plain_to_markdown`)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if flowed:
        text = unflow(text, delsp)
    lines = _drop_scrubber_notices(text.split("\n"))
    extra: dict[str, object] = {}
    # A mailing-list footer (a rule of underscores and the list's blurb) at the very end.
    for index in range(len(lines) - 1, max(-1, len(lines) - 12), -1):
        if _FOOTER.match(lines[index]):
            lines = lines[:index]
            break
    if "-- " in lines:
        cut = len(lines) - 1 - lines[::-1].index("-- ")
        signature = "\n".join(lines[cut + 1 :]).strip()
        if signature and signature.count("\n") < 15:
            extra["signature"] = signature
            lines = lines[:cut]
    while lines and not lines[-1].strip():
        lines.pop()
    # A quote at the end, below the reply: fold it (and its attribution line).
    end = len(lines)
    while end and (lines[end - 1].startswith(">") or not lines[end - 1].strip()):
        end -= 1
    if end < len(lines) and any(line.strip() for line in lines[:end]):
        folded = sum(1 for line in lines[end:] if line.startswith(">"))
        while end and (
            not lines[end - 1].strip()
            or _ATTRIBUTION.search(lines[end - 1].strip())
            or _DATED_ATTRIBUTION.search(lines[end - 1].strip())
        ):
            end -= 1
        if folded:
            extra["quoted"] = folded
            lines = lines[:end]
    tail = _unquoted_tail(lines)
    if tail is not None:
        extra["quoted"] = int(str(extra.get("quoted", 0))) + sum(1 for line in lines[tail:] if line.strip())
        lines = lines[:tail]
        while lines and not lines[-1].strip():
            lines.pop()
    text_lines, patch = _split_patch(lines)
    body = plain_to_markdown(text_lines)
    if patch:
        body = (body + "\n\n" if body else "") + _fenced(patch)
    return body.strip("\n"), extra


_INLINE = re.compile(r"([\\`*_\[\]<>|~])")
_ENTITY_LIKE = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
_URL = re.compile(r"(?:https?|ftp)://[^\s<>\"]+[^\s<>\"'.,;:!?)\]]|www\.[^\s<>\"]+[^\s<>\"'.,;:!?)\]]")
_LINE_START = re.compile(r"^(\s*)([#+=\-]|:{3,}|\d+(?=[.)]))")
_QUOTE = re.compile(r"^((?:>[ \t]?)+)")
_HARD_BREAK = "  \n"


def _escape_plain(text: str) -> str:
    """One line of plain text as Markdown that shows exactly it: specials escaped outside URLs (linkify
    makes those links, and an escape inside one would break it), a line start that would make a heading,
    a list or a rule escaped."""
    out: list[str] = []
    position = 0
    for match in _URL.finditer(text):
        out.append(_ENTITY_LIKE.sub("\\&", _INLINE.sub(r"\\\1", text[position : match.start()])))
        out.append(match.group(0))
        position = match.end()
    out.append(_ENTITY_LIKE.sub("\\&", _INLINE.sub(r"\\\1", text[position:])))
    line = "".join(out)
    body = line.lstrip(" \t")
    if body != line:  # indentation kept as no-break spaces: four spaces would make Markdown a code block
        line = "\u00a0" * len(line[: len(line) - len(body)].expandtabs(4)) + body
    found = _LINE_START.match(line)
    if found:
        lead, mark = found.group(1), found.group(2)
        line = f"{lead}{mark}\\{line[found.end() :]}" if mark[0].isdigit() else f"{lead}\\{line[len(lead) :]}"
    return line


def plain_to_markdown(lines: list[str]) -> str:
    """Plain-text mail lines -> Markdown that renders them line for line: a line break stays a line break
    (a hard break, two spaces: summaries read them as plain line ends), a blank line a paragraph break,
    `>` quotes block quotes (nested by depth, with a break where the depth changes), and nothing the
    author typed turns into a heading, a list, a rule, emphasis or a tag (`<addr>` keeps its brackets)."""
    out: list[str] = []
    previous_depth: int | None = None  # None: after a blank line (or at the start)
    for raw in lines:
        found = _QUOTE.match(raw)
        depth = found.group(1).count(">") if found else 0
        content = raw[found.end() :] if found else raw
        prefix = "> " * depth
        if not content.strip():
            if previous_depth is not None:
                out.append(prefix.rstrip())
            previous_depth = None
            continue
        if previous_depth is not None:
            if previous_depth == depth:
                out[-1] += _HARD_BREAK.rstrip("\n")
            else:
                out.append(("> " * min(depth, previous_depth)).rstrip())
        out.append(prefix + _escape_plain(content.rstrip()))
        previous_depth = depth
    text = "\n".join(out)
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n")
