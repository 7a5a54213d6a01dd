"""Export shapes the corpus does not hold, written small by hand from each source's documented fields.

Each test checks what a real export of that shape must give: no comment lost or invented, each under
the one it answers, and a bad record a `path:line` warning while the rest imports.
"""

from __future__ import annotations

import json
from pathlib import Path

from site_src.importers import ImportOptions, ImportWarning_, import_paths
from site_src.model import Comment, Thread


def _import(source: str, path: Path, warnings: list[ImportWarning_] | None = None) -> list[Thread]:
    options = ImportOptions(warn=(warnings if warnings is not None else []).append)
    return list(import_paths(source, [str(path)], options))


def _tree(comments: list[Comment]) -> list[tuple[str, list[object]]]:
    return [(c.id, _tree(c.replies)) for c in comments]


def _row(**fields: str) -> str:
    return "  <row " + " ".join(f'{key}="{value}"' for key, value in fields.items()) + " />"


def test_stackexchange_answer_older_than_its_question_is_kept(tmp_path: Path) -> None:
    # Merging question A into B moves A's answers to B: a dump row of such an answer comes before B's row.
    rows = [
        _row(Id="5", PostTypeId="2", ParentId="9", CreationDate="2010-01-01T00:00:00", Body="&lt;p&gt;moved&lt;/p&gt;"),
        _row(Id="9", PostTypeId="1", AcceptedAnswerId="5", CreationDate="2011-01-01T00:00:00", Title="B", Body=""),
        _row(Id="10", PostTypeId="2", ParentId="9", CreationDate="2011-01-02T00:00:00", Body="&lt;p&gt;b&lt;/p&gt;"),
        _row(Id="11", PostTypeId="2", ParentId="77", CreationDate="2011-01-03T00:00:00", Body="&lt;p&gt;c&lt;/p&gt;"),
    ]
    path = tmp_path / "Posts.xml"
    path.write_text('<?xml version="1.0" encoding="utf-8"?>\n<posts>\n' + "\n".join(rows) + "\n</posts>\n")
    warnings: list[ImportWarning_] = []
    (thread,) = _import("stackexchange", path, warnings)
    assert _tree(thread.comments) == [("5", []), ("10", [])]
    assert thread.comments[0].body == "moved" and thread.comments[0].extra.get("accepted") is True
    # the answer whose question is not in the file is not silently dropped: a warning names its row's line
    assert [(w.line, "answer 11" in w.message and "77" in w.message) for w in warnings] == [(6, True)]
