"""[parse] Markdown thread (`.md`): YAML front matter, the post, `--- comment` blocks.

Text in, `Thread` out, no disk. The comment syntax is documented in docs/formats.md
("Markdown thread"): a line `--- comment key=value ...` outside a fenced code
block starts a comment; `parent=<id>` names a comment above it.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any

import yaml

from ..diagnostics import Problem, SourceError
from ..load import MAX_SOURCE_BYTES, SourceText
from ..model import Comment, Thread
from ..thread_files import COMMENT_MARKER, format_moment
from .fields import comment_from_fields, thread_header

FRONT_MATTER_KEYS = ("title", "source", "author", "date", "tags", "summary", "slug", "draft", "locked")
COMMENT_KEYS = ("id", "parent", "author", "date", "score")
_ATTRIBUTE = re.compile(r'\s*([A-Za-z_][\w-]*)=("(?:[^"\\]|\\.)*"|[^\s"]+)')
_ID = re.compile(r"[A-Za-z0-9_.:-]+")
_ESCAPES = {"n": "\n", "r": "\r", '"': '"', "\\": "\\", "t": "\t"}


def parse(source: SourceText, warnings: list[Problem]) -> Thread:
    """Read a Markdown thread file."""
    path = source.path
    text = source.text
    all_lines = text.split("\n")
    meta, body_start = _front_matter(path, all_lines)
    swallowed: list[_Swallowed] = []
    offset = sum(map(len, all_lines[:body_start])) + body_start  # where the body starts in `text`
    post, blocks, unclosed = _split_comments(text[offset:], body_start + 1, swallowed)
    thread = _thread_from_meta(path, meta, all_lines[:body_start])
    thread.body = _unescape_body(post).strip("\n")
    thread.comments = _build_tree(path, blocks, swallowed)
    hidden = [s for s in swallowed if s.fence_line == unclosed]
    if hidden:
        lines = ", ".join(str(s.line) for s in hidden[:8]) + (", ..." if len(hidden) > 8 else "")
        warnings.append(
            Problem(
                path,
                unclosed,
                "warning",
                f"this code fence is never closed: the {len(hidden)} '{COMMENT_MARKER.strip()}' line(s) after it "
                f"(line {lines}) are read as code, not as comments",
                hint="close the fence with a line of the same backticks or tildes where the code ends",
            )
        )
    return thread


@dataclass(frozen=True, slots=True)
class _Swallowed:
    """A `--- comment` line inside a fenced code block: read as code, not as a comment."""

    line: int
    """Its line (1-based)."""
    fence_line: int
    """The line of the fence that opened the block."""
    attrs_text: str
    """Its attributes, as written."""


def _front_matter(path: str, lines: list[str]) -> tuple[dict[str, Any], int]:
    """The front matter mapping and the 0-based index of the first line after it (`lines`: the whole file's)."""
    if not lines or lines[0].rstrip() != "---":
        raise SourceError(
            path,
            1,
            "a .md thread must start with YAML front matter",
            hint="the first line should be '---', then 'title: ...', then a closing '---'",
            excerpt=lines[0] if lines else "",
        )
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "...")), None)
    if end is None:
        raise SourceError(path, 1, "front matter is never closed", hint="did you forget the closing '---' line?")
    meta = _simple_front_matter(lines, end)
    if meta is not None:
        _check_size(path, meta)
        return meta, end + 1
    front = "\n".join(lines[1:end])
    try:
        try:
            meta = yaml.load(front, Loader=_YAML_LOADER)  # a safe loader: C or pure-Python SafeLoader
        except yaml.YAMLError:
            meta = yaml.load(front, Loader=_PurePythonLoader)  # it points at the faulty line more precisely
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc)
        raise SourceError(path, line, f"invalid YAML in front matter: {problem}", excerpt=lines[line - 1]) from exc
    except Exception as exc:  # 2025-13-45, a 5,000-digit number, [[[[..., PyYAML's own bugs (`!!timestamp x`)
        line = _line_of_bad_value(lines[1:end])
        raise SourceError(
            path, line, f"invalid value in front matter: {exc}".split(";")[0][:200], excerpt=lines[line - 1]
        ) from exc
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise SourceError(path, 2, "front matter must be a mapping of keys to values (title: ...)")
    _check_size(path, meta)
    return meta, end + 1


_SIMPLE_LINE = re.compile(r"([A-Za-z_][A-Za-z0-9_]*): (?:'((?:[^']|'')*)'|([A-Za-z][^#'\"]*?|-?[1-9][0-9]{0,17}|0))")
"""A front matter line as `digest import` writes most of them: `key: value`, the value single-quoted (a string:
`title: 'Re: it''s here'`), or a plain word-started text without `#` or quotes, or a decimal integer (`score: -3`)."""
_NOT_TEXT_WORDS = frozenset(["yes", "no", "true", "false", "on", "off", "y", "n", "null", "none"])
"""Plain words YAML (1.1, as PyYAML reads it) may take for a boolean or null, with some to spare: left to YAML."""


def _simple_front_matter(lines: list[str], end: int) -> dict[str, Any] | None:
    """The front matter `lines[1:end]` as YAML reads it, when every line is a `_SIMPLE_LINE` whose value can only be
    a string or an integer; None for anything else (then YAML reads it). Several times quicker than PyYAML, most of
    whose time goes to building its node tree in Python."""
    meta: dict[str, Any] = {}
    for index in range(1, end):
        line = lines[index]
        match = _SIMPLE_LINE.fullmatch(line)
        if match is None or match.group(1).lower() in _NOT_TEXT_WORDS:
            return None
        if match.group(1) in meta:
            return None  # a key given twice: YAML reports it
        quoted, plain = match.group(2), match.group(3)
        if quoted is not None:
            if not quoted.isprintable():  # YAML refuses some characters, folds tabs: let it decide
                return None
            meta[match.group(1)] = quoted.replace("''", "'")
        elif plain[0].isalpha():
            if not plain.isprintable() or ": " in plain or plain[-1] in " :" or plain.lower() in _NOT_TEXT_WORDS:
                return None  # a mapping inside, trailing spaces (YAML drops them), a boolean or null
            meta[match.group(1)] = plain
        else:
            meta[match.group(1)] = int(plain)
    return meta


MAX_FRONT_MATTER_NODES = 10_000
"""Values (counting every reuse of a YAML alias) allowed in front matter: stops alias bombs and cycles."""
MAX_FRONT_MATTER_DEPTH = 50


MAX_FRONT_MATTER_CHARS = MAX_SOURCE_BYTES
"""Characters of text the front matter's values may hold, every use of a YAML alias counted: a 10 MB anchor used
5,000 times was one value in memory but 50 GB for every stage that reads each value (a minute of the build
before, and hours for bigger ones)."""


def _check_size(path: str, meta: dict[Any, Any]) -> None:
    """Refuse front matter whose values nest too deeply or expand too far (`&a [*a]`, billion laughs, a long
    anchor used many times)."""
    stack: list[tuple[Any, int]] = [(meta, 1)]
    seen = 0
    chars = 0
    while stack:
        value, depth = stack.pop()
        seen += 1
        if isinstance(value, str):
            chars += len(value)
            if chars > MAX_FRONT_MATTER_CHARS:
                raise SourceError(
                    path,
                    1,
                    f"front matter expands to more than {MAX_FRONT_MATTER_CHARS:,} characters of text",
                    hint="a YAML alias (*name) repeats a long value: write it once",
                )
        if seen > MAX_FRONT_MATTER_NODES or depth > MAX_FRONT_MATTER_DEPTH:
            raise SourceError(
                path,
                1,
                "front matter is too large or nested too deeply (a YAML alias that refers to itself?)",
                hint=f"at most {MAX_FRONT_MATTER_NODES:,} values, {MAX_FRONT_MATTER_DEPTH} levels deep",
            )
        if isinstance(value, dict):
            stack.extend((item, depth + 1) for pair in value.items() for item in pair)
        elif isinstance(value, list | tuple | set | frozenset):
            stack.extend((item, depth + 1) for item in value)


def _line_of_bad_value(front_lines: list[str]) -> int:
    """The file line of the first front matter line that YAML cannot turn into a value on its own."""
    for number, line in enumerate(front_lines, start=2):
        try:
            yaml.safe_load(line)
        except (ValueError, OverflowError, RecursionError):
            return number
        except yaml.YAMLError:
            continue
    return 1


def _thread_from_meta(path: str, meta: dict[Any, Any], front_lines: list[str]) -> Thread:
    # the first line each key is on (for messages; 1 when no line starts with it), in one pass over the lines
    first_lines: dict[str, int] = {}
    for number, line in enumerate(front_lines, start=1):
        key = _KEY_START.match(line)
        if key is not None:
            first_lines.setdefault(key.group(1), number)

    def line_of(key: str) -> int:
        return first_lines.get(key, 1)

    title = meta.get("title")
    if not isinstance(title, str | int | float) or isinstance(title, bool) or not str(title).strip():
        raise SourceError(path, 1, "front matter has no 'title'", hint="add a line 'title: ...' to the front matter")
    thread = thread_header(path, meta, str(title).strip(), line_of)
    thread.extra = {str(k): _plain(v) for k, v in meta.items() if k not in FRONT_MATTER_KEYS}
    return thread


_KEY_START = re.compile(r"['\"]?([^\s'\":]+)['\"]?\s*:")
"""A front matter line that starts with a key (maybe quoted) and its colon: the key is group 1. A key that
`line_of` is asked for (`source`, `date`...) is on the first line this finds it on, as a match of
`^['"]?KEY['"]?\\s*:` would find it."""


def _plain(value: Any) -> Any:
    """YAML values made JSON-friendly (dates become ISO strings)."""
    if isinstance(value, datetime | date):
        return format_moment(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted((_plain(v) for v in value), key=str)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


def _split_comments(text: str, first_line: int, swallowed: list[_Swallowed]) -> tuple[str, list[_Block], int]:
    """Post text, (line number, marker attributes text, body text) per comment, from `text` (the file from line
    `first_line` on), and the line of a fence still open at the end (0 when none). Markers inside fenced code go
    to `swallowed`.

    Only marker lines and lines that may be fences (one regular expression finds both) are looked at one by one;
    the text between them is cut out in slices.
    """
    markers: list[tuple[int, str]] = []  # (line, attributes text) of each comment's marker
    fence: str | None = None
    fence_line = 0
    line = first_line  # the line number of `counted`
    counted = 0
    ends: list[int] = []  # where the post (then each comment) ends: the line break before the next marker
    starts: list[int] = [0]  # where the post (then each comment) begins
    for match in _MARKER_OR_FENCE.finditer("\n" + text):  # each match starts with the line break before its line
        at = match.start()  # the line's start in `text`
        line += text.count("\n", counted, at)
        counted = at
        attrs_text = match.group(1)
        if attrs_text is not None:  # a marker line
            if fence is None:
                ends.append(at - 1 if at else 0)
                starts.append(match.end())  # after the marker line's own line break
                markers.append((line, attrs_text))
            else:
                swallowed.append(_Swallowed(line, fence_line, attrs_text))
            continue
        mark = match.group(2)
        if fence is None:
            fence, fence_line = mark, line
        elif mark[0] == fence[0] and len(mark) >= len(fence):
            end = text.find("\n", at)
            if not text[at : end if end >= 0 else len(text)].strip()[len(mark) :].strip():
                fence = None
    ends.append(len(text))
    post = text[: ends[0]]
    blocks = [
        (number, attrs, text[begin:end])
        for (number, attrs), begin, end in zip(markers, starts[1:], ends[1:], strict=True)
    ]
    return post, blocks, fence_line if fence is not None else 0


_Block = tuple[int, str, str]
"""A comment as `_split_comments` finds it: the line of its marker, the marker's attributes text, its body."""
_MARKER_OR_FENCE = re.compile(
    r"\n(?:" + re.escape(COMMENT_MARKER) + r"(?=\s|\Z)([^\n]*)| {0,3}(`{3,}(?=[^`\n]*$)|~{3,}))", re.MULTILINE
)
"""A line break, then a marker line (its attributes: group 1) or a line `thread_files.FENCE` matches (its fence:
group 2), as `FENCE.match` reads a line: the lookahead looks no further than the line's end. Starting with the
line break (not `^`) lets the regex engine skip from one line break to the next."""


_ESCAPED_MARKER = re.compile(r"^\\+" + re.escape(COMMENT_MARKER))
_ESCAPED_MARKER_TEXT = "\\" + COMMENT_MARKER


def _unescape_body(text: str) -> str:
    """Backslashes before `--- comment` at the start of a line: one is removed."""
    if _ESCAPED_MARKER_TEXT not in text:  # no line can match
        return text
    return "\n".join(line[1:] if _ESCAPED_MARKER.match(line) else line for line in text.split("\n"))


def _build_tree(path: str, blocks: list[_Block], swallowed: list[_Swallowed]) -> list[Comment]:
    top: list[Comment] = []
    by_id: dict[str, tuple[Comment, int]] = {}
    parsed = [(line, _attributes(path, line, attrs_text), attrs_text, body) for line, attrs_text, body in blocks]
    for position, (line, attrs, attrs_text, body) in enumerate(parsed, start=1):
        comment = _comment(path, line, position, attrs, body)
        if comment.id in by_id:
            raise SourceError(
                path,
                line,
                f"duplicate comment id '{comment.id}' (first used at line {by_id[comment.id][1]})",
                hint="ids must be unique within a thread",
            )
        parent_id = attrs.get("parent")
        if parent_id is None:
            top.append(comment)
        else:
            parent_id = str(parent_id)
            if parent_id == comment.id:
                raise SourceError(path, line, f"comment '{comment.id}' replies to itself (a cycle)")
            if parent_id not in by_id:
                later = _first_lines(parsed).get(parent_id)
                if later is not None:
                    raise SourceError(
                        path,
                        line,
                        f"reply to comment '{parent_id}', which comes later (line {later})",
                        hint="a reply must come after the comment it answers; move it below",
                    )
                hidden = _swallowed_id(swallowed, parent_id, line)
                if hidden is not None:
                    raise SourceError(
                        path,
                        hidden.fence_line,
                        f"the reply at line {line} answers comment '{parent_id}', whose '{COMMENT_MARKER.strip()}' "
                        f"line ({hidden.line}) is inside the code block this fence opens, so it is read as code",
                        hint="close the fence with a line of the same backticks or tildes where the code ends",
                    )
                known = ", ".join(list(by_id)[:12]) or "none yet"
                raise SourceError(
                    path,
                    line,
                    f"reply to unknown comment id '{parent_id}' (ids above it: {known})",
                    excerpt=COMMENT_MARKER + attrs_text,
                )
            by_id[parent_id][0].replies.append(comment)
        by_id[comment.id] = (comment, line)
    return top


def _swallowed_id(swallowed: list[_Swallowed], wanted: str, before: int) -> _Swallowed | None:
    """The last marker above line `before`, swallowed by a fence, that gives the id `wanted`."""
    found = None
    for hidden in swallowed:
        if hidden.line >= before:
            break
        if re.search(r"(?:^|\s)id=\"?" + re.escape(wanted) + r'(?:"|\s|$)', hidden.attrs_text):
            found = hidden
    return found


def _first_lines(parsed: list[tuple[int, dict[str, Any], str, str]]) -> dict[str, int]:
    """Comment id -> the line of the first marker that names it (for the message about a reply above its parent)."""
    lines: dict[str, int] = {}
    for line, attrs, _, _ in parsed:
        if "id" in attrs:
            lines.setdefault(str(attrs["id"]), line)
    return lines


def _comment(path: str, line: int, position: int, attrs: dict[str, Any], text: str) -> Comment:
    comment_id = str(attrs["id"]) if "id" in attrs else f"c{position}"
    if not _ID.fullmatch(comment_id):
        raise SourceError(path, line, f"comment id {comment_id!r} may only use letters, digits, '_', '-', '.', ':'")
    body = _unescape_body(text).strip("\n")
    return comment_from_fields(path, line, attrs, body, comment_id, COMMENT_KEYS)


_ATTRIBUTE_LINE = re.compile(r'(?:\s*+[A-Za-z_][\w-]*+=(?:"(?:[^"\\]|\\.)*+"|[^\s"]++))*+\s*+')
"""A whole line of `_ATTRIBUTE`s as the loop in `_attributes_one_by_one` reads them: the possessive `++` and
`*+` never give back what they took, as the loop never does (`a=bc="x"` is an error there and here)."""
_KNOWN_KEYS = frozenset(COMMENT_KEYS)


_USUAL_LINE = re.compile(r' id=([^\s"]+)(?: parent=([^\s"]+))? author=([^\s"]+) date=([^\s"]+) score=([^\s"]+)\s*')
"""The marker line most files have (what `digest import` writes): unquoted values in this order. Such a line is
one `_ATTRIBUTE_LINE` whose `_ATTRIBUTE`s are these keys, once each, with these values."""


def _attributes(path: str, line: int, text: str) -> dict[str, Any]:
    """The `key=value` attributes of a marker line; the usual line takes one regular-expression match."""
    usual = _USUAL_LINE.fullmatch(text)
    if usual is None:
        return _attributes_listed(path, line, text)
    comment_id, parent, author, moment, score = usual.groups()
    values = _VALUES
    attrs: dict[str, Any] = {"id": values[comment_id]}
    if parent is not None:
        attrs["parent"] = values[parent]
    attrs["author"] = values[author]
    attrs["date"] = _value(moment)
    attrs["score"] = values[score]
    return attrs


def _attributes_listed(path: str, line: int, text: str) -> dict[str, Any]:
    """`_attributes` of any line: one regular-expression pass checks it, one more lists the attributes."""
    if not _ATTRIBUTE_LINE.fullmatch(text):
        return _attributes_one_by_one(path, line, text)
    attrs: dict[str, Any] = {}
    values = _VALUES
    for key, raw in _ATTRIBUTE.findall(text):
        if key in attrs or key not in _KNOWN_KEYS:
            return _attributes_one_by_one(path, line, text)  # says what is wrong, or keeps an unknown key
        attrs[key] = _value(raw) if key == "date" else values[raw]  # dates rarely repeat: not worth keeping
    return attrs


class _ValueCache(dict[str, Any]):
    """Raw attribute value -> `_value` of it; fills itself, bounded. Safe to share: the values are immutable
    (str, int, float, bool, None), and authors, scores and ids repeat from comment to comment."""

    __slots__ = ()
    limit = 1 << 16

    def __missing__(self, raw: str) -> Any:
        if len(self) >= self.limit:
            self.clear()
        value = self[raw] = _value(raw)
        return value


_VALUES = _ValueCache()


def _attributes_one_by_one(path: str, line: int, text: str) -> dict[str, Any]:
    attrs: dict[str, Any] = {}
    position = 0
    while position < len(text.rstrip()):
        match = _ATTRIBUTE.match(text, position)
        if not match:
            rest = text[position:].strip()
            raise SourceError(
                path,
                line,
                f"cannot read comment attribute at {rest[:30]!r}",
                hint='attributes are key=value; quote values with spaces: author="Jane Doe"',
                excerpt=COMMENT_MARKER + text,
            )
        key, raw = match.group(1), match.group(2)
        if key not in COMMENT_KEYS:
            close = _close_key(key)
            if close:
                raise SourceError(path, line, f"unknown comment attribute '{key}'", hint=f"did you mean '{close}'?")
        if key in attrs:
            raise SourceError(path, line, f"attribute '{key}' given twice")
        attrs[key] = _value(raw)
        position = match.end()
    return attrs


@lru_cache(maxsize=256)
def _close_key(key: str) -> str | None:
    """The comment attribute `key` is probably a misspelling of, if any (an unknown key is kept when none is close:
    the same few keys come back on every comment of an imported file, so the answer is remembered)."""
    close = difflib.get_close_matches(key, COMMENT_KEYS, n=1, cutoff=0.75)
    return close[0] if close else None


class _UniqueKeys:
    """A mapping that gives one key twice is an error at the second (PyYAML keeps the last value silently, so a
    second `title:` or `tags:` lost the first without a word). Mixed into a safe loader."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        first: dict[tuple[str, str], int] = {}
        for key, _value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.tag != "tag:yaml.org,2002:merge":
                line = first.get((key.tag, key.value))
                if line is not None:
                    raise yaml.constructor.ConstructorError(
                        None,
                        None,
                        f"key '{key.value}' given twice (first on line {line + 2}; YAML would keep only the last)",
                        key.start_mark,
                    )
                first[(key.tag, key.value)] = key.start_mark.line
        return super().construct_mapping(node, deep)  # type: ignore[misc, no-any-return]


class _Loader(_UniqueKeys, getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """libyaml's safe loader where PyYAML was built with it (several times faster), else the pure-Python one."""


class _PurePythonLoader(_UniqueKeys, yaml.SafeLoader):
    """The pure-Python safe loader: its errors point at the faulty line more precisely."""


_YAML_LOADER: type[yaml.SafeLoader] = _Loader
_ESCAPE = re.compile(r"\\(.)")
_INTEGER = re.compile(r"[+-]?\d{1,19}")
_FLOAT = re.compile(r"[+-]?\d+\.\d*([eE][+-]?\d+)?|[+-]?\d+[eE][+-]?\d+")


_LITERALS: dict[str, bool | None] = {"true": True, "false": False, "null": None}


def _value(raw: str) -> Any:
    """An attribute's value: a quoted string, true, false, null, an integer, a float, or the text as written."""
    first = raw[0]
    if first == '"':
        inner = raw[1:-1]
        return _ESCAPE.sub(lambda m: _ESCAPES.get(m.group(1), m.group(1)), inner) if "\\" in inner else inner
    if not first.isdigit() and first not in "+-":
        return _LITERALS.get(raw, raw)
    if ":" in raw:  # a date-time: neither pattern below takes a colon
        return raw
    if _INTEGER.fullmatch(raw):
        return int(raw)
    if _FLOAT.fullmatch(raw):
        return float(raw)
    return raw
