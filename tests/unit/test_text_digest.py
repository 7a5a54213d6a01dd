"""The plain-text digest reader, the real seed thread first."""

from __future__ import annotations

from datetime import date

import pytest

from site_src.diagnostics import Problem, SourceError
from site_src.load import SourceText
from site_src.markup import render_markdown
from site_src.model import MonthDate
from site_src.readers import parse_source
from site_src.readers.text_digest import parse


def read(text: str) -> tuple[object, list[Problem]]:
    warnings: list[Problem] = []
    return parse(SourceText("content/t.txt", text), warnings), warnings


def test_seed_parses_exactly(seed_text: str) -> None:
    warnings: list[Problem] = []
    thread = parse_source(SourceText("seeds/000.txt", seed_text), warnings)
    assert warnings == []
    assert thread.title == "Why China Won’t Stop the Fentanyl Trade"
    assert thread.source is not None
    assert thread.source.startswith("https://www.theatlantic.com/international/archive/2025/07/china-fentanyl")
    assert thread.source.endswith("utm_content=edit-promo")
    assert thread.author == "theatlantic"
    assert thread.declared_comments == 11
    assert thread.comment_count() == 11
    assert [c.id for c in thread.comments] == [f"c{k}" for k in range(1, 12)]
    assert all(not c.replies for c in thread.comments)
    assert thread.locked is True
    assert thread.date == date(2025, 7, 1)  # from /2025/07/ in the source URL
    assert type(thread.date) is MonthDate  # ... known to the month only (issue 15)
    assert thread.body == ""
    first = thread.comments[0].body
    assert first.startswith("Michael Schuman: “The United States won’t be able to solve")
    assert first.count("\n\n") == 3  # three quoted paragraphs, then "Read more"
    assert first.endswith("Read more: [https://theatln.tc/HSMRby4S](https://theatln.tc/HSMRby4S")
    assert thread.comments[2].body.split("\n\n") == [
        "China is not responsible for US internal problems.",
        "And frankly why should China bend over to help the country that has for the last decade repeatedly "
        "declared China it’s number one enemy?",
        "There is no trust or good will nor tentative (failed or otherwise) of building such things.",
    ]
    assert thread.comments[10].body.startswith("One possible mitigation:")
    assert thread.comments[9].body.count("\n\n") == 3
    assert thread.comments[9].body.endswith("It is the demand that is the real problem, not the supply\xa0")


def test_issue_2_unbalanced_link_in_seed_renders_sensibly(seed_text: str) -> None:
    thread = parse_source(SourceText("seeds/000.txt", seed_text), [])
    html = render_markdown(thread.comments[0].body)
    assert "Read more: [" in html
    assert '<a href="https://theatln.tc/HSMRby4S" rel="nofollow ugc noopener">' in html


def test_optional_header_lines_and_post_body() -> None:
    thread, warnings = read(
        "A title\n\nhttps://forum.example/t/1\n\nPosted by ana\nTags: garden, Water , garden\nDate: 2024-03-05\n"
        "Summary: The short version.\n\nThe post itself.\n\nSecond paragraph.\n\n2 comments\n"
        "  1. First.\n    More of first.\n\n    Para two.\n  2. Second.\n"
    )
    assert warnings == []
    assert thread.tags == ["garden", "Water"]
    assert thread.date == date(2024, 3, 5)
    assert thread.summary == "The short version."
    assert thread.body == "The post itself.\n\nSecond paragraph."
    assert thread.comments[0].body == "First.\nMore of first.\n\nPara two."
    assert thread.locked is False


def test_count_mismatch_is_a_warning_with_line() -> None:
    thread, warnings = read("T\n\n3 comments\n  1. only one\n")
    assert thread.comment_count() == 1
    assert [w.format() for w in warnings] == ["content/t.txt:3: warning: header says 3 comments, parsed 1"]


def test_undated_without_url_date() -> None:
    thread, _ = read("T\n\nhttps://example.org/no/date/here\n  1. x\n")
    assert thread.date is None


def test_empty_first_line_is_an_error() -> None:
    with pytest.raises(SourceError) as info:
        read("\nTitle\n")
    assert info.value.problem.format().startswith("content/t.txt:1: error: the first line must be the thread's title")


def test_no_comments_is_fine() -> None:
    thread, warnings = read("Just a title\n\nSome post text.\n")
    assert thread.comments == [] and thread.body == "Some post text." and warnings == []
