"""A plain-text mail body -> Markdown with the noise folded: signature, trailing full quote, list footer.

In: the decoded text/plain content of one mail and its `format=flowed` / `delsp` parameters.
Out: (Markdown body, extra) where extra may hold `signature` (the text after the `-- ` line) and
`quoted` (how many lines of a quote at the end of a top-posted reply were folded away: the parent
is on the page already). Quote blocks that stay get blank lines around them so that Markdown does
not run the next line into the quote; a patch (from a `diff`/`Index:` line, or the `---` line that
starts its diffstat) is put in a fenced `diff` block so Markdown leaves it alone.
"""

from __future__ import annotations

import re

_ATTRIBUTION = re.compile(
    r"(wrote|writes|schrieb|a écrit|escribió|scripsit)\s*:\s*$|^-+\s*original message\s*-+$|^on .+ at .+$",
    re.IGNORECASE,
)
_PATCH_START = re.compile(r"^(diff --git |diff -|Index: |--- a/|--- [\w./-]+\t)")
_FOOTER = re.compile(r"^_{20,}\s*$")


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


def _fence_patch(lines: list[str]) -> list[str]:
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
        return lines
    patch = lines[start:]
    longest = max((len(run) for line in patch for run in re.findall(r"`{3,}", line)), default=0)
    fence = "`" * max(3, longest + 1)
    return [*lines[:start], "", fence + "diff", *patch, fence]


def fold_plain_text(text: str, flowed: bool = False, delsp: bool = False) -> tuple[str, dict[str, object]]:
    """Fold the signature and a trailing quote; keep everything else as the author wrote it."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if flowed:
        text = unflow(text, delsp)
    lines = text.split("\n")
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
        while end and (not lines[end - 1].strip() or _ATTRIBUTION.search(lines[end - 1].strip())):
            end -= 1
        if folded:
            extra["quoted"] = folded
            lines = lines[:end]
    lines = _fence_patch(lines)
    return _separate_quotes(lines).strip("\n"), extra


def _separate_quotes(lines: list[str]) -> str:
    """Blank lines around each run of `>` lines, outside fenced code."""
    out: list[str] = []
    in_fence = False
    for line in lines:
        if line.startswith("```"):
            in_fence = not in_fence
        quoted = not in_fence and line.startswith(">")
        was_quoted = bool(out) and out[-1].startswith(">") and not in_fence
        if out and out[-1].strip() and quoted != was_quoted and not line.startswith("```"):
            out.append("")
        out.append(line)
    return "\n".join(out)
