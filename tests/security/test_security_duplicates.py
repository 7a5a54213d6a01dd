"""A key given twice never silently loses the first value.

Before: YAML front matter with two `title:` or `tags:` lines kept the last (PyYAML's default), a JSON thread
whose comment had two `"replies"` lost the whole first branch of comments, and a `.txt` digest's second `Tags:`
or `Date:` line replaced the first; all without a word. (A comment marker's attribute given twice was already
an error.) Now YAML and JSON name the second key's line (and the first's); a `.txt` field line that comes
again stays text of the post, with a warning.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support import build_site, make_project

from site_src.diagnostics import Problem, SourceError
from site_src.load import SourceText
from site_src.readers import parse_source


def _error(path: str, text: str) -> str:
    with pytest.raises(SourceError) as info:
        parse_source(SourceText(path, text), [])
    return info.value.problem.format()


@pytest.mark.parametrize(
    ("front", "line", "first"),
    [
        ("title: One\ntitle: Two\n", 3, 2),  # every line simple: the fast reader
        ("title: One\ntags: [a, b]\ntags: [c]\n", 4, 3),
        ("title: One\n'title': Two\n", 3, 2),  # quoted: still the same key
        ("title: One\nextra:\n  flair: a\n  flair: b\n", 5, 4),  # nested
        ("title: One\nf: {a: 1, a: 2}\n", 3, 3),  # flow mapping
    ],
)
def test_yaml_key_given_twice_is_an_error_at_the_second(front: str, line: int, first: int) -> None:
    found = _error("content/t.md", f"---\n{front}---\n\npost\n")
    assert found.startswith(f"content/t.md:{line}: error: invalid YAML in front matter: key '")
    assert f"given twice (first on line {first}; YAML would keep only the last)" in found


def test_yaml_merge_keys_still_override() -> None:
    text = "---\ntitle: One\nbase: &b {k: 1, j: 2}\nm:\n  <<: *b\n  k: 3\n---\n\npost\n"
    thread = parse_source(SourceText("content/t.md", text), [])
    assert thread.extra["m"] == {"k": 3, "j": 2}


def test_json_replies_given_twice_is_an_error_not_a_lost_branch() -> None:
    text = (
        '{"title": "T", "comments": [\n'
        '  {"id": "c1", "body": "a",\n'
        '   "replies": [{"id": "c2", "body": "a whole branch"}],\n'
        '   "replies": []}\n'
        "]}\n"
    )
    found = _error("content/t.json", text)
    assert found.startswith(
        'content/t.json:4: error: invalid JSON: key "replies" given twice in one object (JSON would keep only the last)'
    )


def test_json_key_given_twice_in_a_file_too_deep_for_json_loads() -> None:
    depth = 3000
    nested = '{"id": "c0", "body": "x", "replies": []}'
    for i in range(1, depth):
        nested = f'{{"id": "c{i}", "body": "x", "replies": [{nested}]}}'
    text = '{"title": "T",\n"title": "U",\n"comments": [' + nested + "]}\n"
    with pytest.raises(RecursionError):
        json.loads(text)
    found = _error("content/deep.json", text)
    assert found.startswith('content/deep.json:2: error: invalid JSON: key "title" given twice')
    # the same file without the second title is read, every level of it
    thread = parse_source(SourceText("content/deep.json", text.replace('"title": "U",\n', "")), [])
    assert thread.comment_count() == depth


def test_txt_field_line_given_twice_stays_text_with_a_warning() -> None:
    text = (
        "Title\nPosted by ann\nTags: rivers, maps\nDate: 2024-05-01\n\n"
        "The post.\nTags: c\nDate: 2025-01-01\n\n  1. A comment\n"
    )
    warnings: list[Problem] = []
    thread = parse_source(SourceText("content/t.txt", text), warnings)
    assert thread.tags == ["rivers", "maps"]
    assert thread.date is not None and thread.date.year == 2024
    assert "Tags: c" in thread.body and "Date: 2025-01-01" in thread.body
    assert [w.format() for w in warnings] == [
        "content/t.txt:7: warning: a second 'Tags:' line is kept as text of the post (line 3 gives it)",
        "content/t.txt:8: warning: a second 'Date:' line is kept as text of the post (line 4 gives it)",
    ]


def test_a_duplicate_costs_its_own_thread_only(tmp_path: Path) -> None:
    site = make_project(
        tmp_path / "site",
        {
            "content/good.md": "---\ntitle: Good\n---\n\nfine\n",
            "content/twice.md": "---\ntitle: One\ntitle: Two\n---\n\npost\n",
            "content/twice.json": '{"title": "T", "title": "U"}\n',
        },
    )
    result = build_site(site, keep_going=True)
    assert sorted(p.format().split(":")[0] for p in result.report.errors) == ["content/twice.json", "content/twice.md"]
    assert "t/good/index.html" in result.files
