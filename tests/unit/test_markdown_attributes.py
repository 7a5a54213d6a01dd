"""The marker line's attributes: the one-match path for the usual line reads what the general path reads."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from site_src.diagnostics import SourceError
from site_src.readers.markdown_thread import _USUAL_LINE, _attributes, _attributes_listed

VALUES = st.text(alphabet='ab1-+.:=Z" \\\t0', min_size=0, max_size=8) | st.sampled_from(
    ["c1", "true", "null", "false", "12", "-3", "+4", "1.5", "2e3", "2024-03-13T03:21:36Z", "2024-03-13", '"x y"', "-"]
)
KEYS = st.sampled_from(["id", "parent", "author", "date", "score", "ID", "scor", "flair"])
SPACES = st.sampled_from([" ", " ", "  ", "\t", ""])


def _read(function: Any, text: str) -> str:
    """The attributes as `repr` shows them (keys in order, `True` apart from `1`), or the error's message."""
    try:
        return repr(function("t.md", 3, text))
    except SourceError as exc:
        return f"error: {exc.problem.message}"


@settings(max_examples=400)
@given(st.lists(st.tuples(SPACES, KEYS, VALUES), max_size=6), SPACES)
def test_any_line_reads_as_the_general_path_reads_it(pairs: list[tuple[str, str, str]], end: str) -> None:
    text = "".join(f"{space}{key}={value}" for space, key, value in pairs) + end
    assert _read(_attributes, text) == _read(_attributes_listed, text)


@settings(max_examples=300)
@given(VALUES, st.none() | VALUES, VALUES, VALUES, VALUES, st.sampled_from(["", " ", "  \t"]))
def test_usual_lines_read_as_the_general_path_reads_them(
    comment_id: str, parent: str | None, author: str, moment: str, score: str, end: str
) -> None:
    link = "" if parent is None else f" parent={parent}"
    text = f" id={comment_id}{link} author={author} date={moment} score={score}{end}"
    assert _read(_attributes, text) == _read(_attributes_listed, text)


def test_the_usual_line_takes_the_one_match_path() -> None:
    text = " id=c2 parent=c1 author=gentle_otter38 date=2024-03-13T03:24:52Z score=0"
    assert _USUAL_LINE.fullmatch(text) is not None
    assert _attributes("t.md", 1, text) == {
        "id": "c2",
        "parent": "c1",
        "author": "gentle_otter38",
        "date": "2024-03-13T03:24:52Z",
        "score": 0,
    }
    assert list(_attributes("t.md", 1, text)) == ["id", "parent", "author", "date", "score"]
