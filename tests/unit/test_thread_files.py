"""The thread-file writers: JSON identical to json.dumps, at any depth."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support import REPO

from site_src.model import Comment, Thread
from site_src.readers import parse_text
from site_src.thread_files import format_json, format_markdown, thread_to_dict

EXAMPLES = sorted((REPO / "content").glob("*.*")) + sorted((REPO / "tests/golden/small/content").glob("*.*"))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_format_json_is_json_dumps(path: Path) -> None:
    thread = parse_text(path.name, path.read_text(encoding="utf-8"))
    assert format_json(thread) == json.dumps(thread_to_dict(thread), ensure_ascii=False, indent=2) + "\n"


def test_issue_8_format_json_of_a_chain_5000_deep() -> None:
    root = current = Comment(body="0", id="n0")
    for i in range(1, 5000):
        reply = Comment(body=str(i), id=f"n{i}")
        current.replies.append(reply)
        current = reply
    thread = Thread(title="deep", path="deep.json", comments=[root])
    for text, name in ((format_json(thread), "deep.json"), (format_markdown(thread), "deep.md")):
        back = parse_text(name, text)
        assert max(depth for _, depth in back.walk()) == 5000
