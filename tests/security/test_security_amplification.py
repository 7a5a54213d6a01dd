"""One file cannot make the site's size grow with the square of its own.

A thread's card (title, author, source host, summary, tags) is written on the home page, the archive and on each
of its tag pages, and each tag page's card lists all the thread's tags. Before: a JSON thread with 2,000 tags
took 14 s to build and one with 20,000 ran for more than ten minutes (quadratic), and a 2 MB title with 100
tags made 403 MB of pages. Now a thread has at most 100 tags of at most 200 characters, and the card's texts
are bounded (title and author 1,000 characters, source and summary 10,000): past that, an error naming the
file, and the other threads are built.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support import build_site, make_project

from site_src.diagnostics import SourceError
from site_src.load import SourceText
from site_src.readers import parse_file, parse_source


def _json(**fields: object) -> str:
    return json.dumps({"title": "T", "body": "post", **fields})


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"tags": [f"t{i}" for i in range(20_000)]}, "20,000 tags; a thread may have at most 100"),
        ({"title": "T" * 2_000_000}, "the title is 2,000,000 characters long; at most 1,000"),
        ({"author": "a" * 1001}, "the author is 1,001 characters long; at most 1,000"),
        ({"summary": "s" * 10_001}, "the summary is 10,001 characters long; at most 10,000"),
        ({"source": "https://x.example/" + "p" * 10_000}, "the source is 10,018 characters long; at most 10,000"),
        ({"tags": ["ok", "x" * 201]}, "a tag is 201 characters long; at most 200 ('xxxx"),
    ],
)
def test_card_fields_are_bounded(fields: dict[str, object], message: str) -> None:
    with pytest.raises(SourceError) as info:
        parse_source(SourceText("content/t.json", _json(**fields)), [])
    assert info.value.problem.format().startswith(f"content/t.json: error: {message}")


def test_the_same_bounds_hold_in_every_format() -> None:
    tags = ", ".join(f"t{i}" for i in range(101))
    for path, text in {
        "content/t.txt": f"Title\nTags: {tags}\n\nThe post.\n",
        "content/t.md": f"---\ntitle: Title\ntags: {tags}\n---\n\npost\n",
        "content/l.txt": "T" * 1001 + "\n\nThe post.\n",
    }.items():
        with pytest.raises(SourceError) as info:
            parse_source(SourceText(path, text), [])
        assert info.value.problem.format().startswith(f"{path}: error: ")


def test_an_export_in_content_is_bounded_too() -> None:
    mbox = (
        "From a@example.org Mon Jan  1 00:00:00 2024\n"
        "From: a@example.org\nSubject: " + "S" * 1001 + "\nMessage-ID: <1@example.org>\n"
        "Date: Mon, 1 Jan 2024 00:00:00 +0000\n\nbody\n"
    )
    with pytest.raises(SourceError) as info:
        parse_file(SourceText("content/list.mbox", mbox), [])
    assert "the title is 1,001 characters long; at most 1,000" in info.value.problem.format()


def test_at_the_bounds_a_thread_builds_and_other_threads_always_do(tmp_path: Path) -> None:
    site = make_project(
        tmp_path / "site",
        {
            "content/full.json": _json(
                title="T" * 1_000, author="a" * 1_000, tags=[f"tag{i:03d}" + "x" * 194 for i in range(100)]
            ),
            "content/many.json": _json(title="Many", tags=[f"t{i}" for i in range(20_000)]),
        },
    )
    result = build_site(site, keep_going=True)
    assert [p.format() for p in result.report.errors] == [
        "content/many.json: error: 20,000 tags; a thread may have at most 100"
    ]
    assert "t/full/index.html" in result.files
    assert len([name for name in result.files if name.startswith("tags/") and name.endswith("/index.html")]) == 101


def test_a_long_yaml_anchor_used_many_times_is_refused() -> None:
    """Before: `base: &b <10 MB>` and `many: [*b, *b, ...]` (5,000 uses) was one string in memory, but every stage
    that reads each value read it 5,000 times: the build took 61 s for a 10 MB file, and hours for larger ones. Now
    the text of the front matter, every use of an alias counted, is bounded by the largest file (64 MiB)."""
    anchor = "A" * (1 << 20)
    uses = ", ".join(["*b"] * 100)
    text = f"---\ntitle: Anchors\nbase: &b {anchor}\nmany: [{uses}]\n---\n\npost\n"
    with pytest.raises(SourceError) as info:
        parse_source(SourceText("content/a.md", text), [])
    assert info.value.problem.format().startswith(
        "content/a.md:1: error: front matter expands to more than 67,108,864 characters of text"
    )
    few = ", ".join(["*b"] * 10)
    thread = parse_source(SourceText("content/a.md", text.replace(uses, few)), [])
    assert len(thread.extra["many"]) == 10


@pytest.mark.parametrize(
    ("function", "body"),
    [
        # where a bare URL ends: a regex search for trailing punctuation from every position, and the
        # parentheses counted again for each `)` (a 100 KB comment of `http://x.org/a.,;:!?...x`: two minutes)
        ("site_src.markup:render_markdown", "http://x.org/a" + ".,;:!?" * 170_000 + "x"),
        ("site_src.markup:render_markdown", "http://x.org/" + ")" * 1_000_000),
        # a run of full stops or `!?` matched again from each of its characters (100,000 dots: over 100 s)
        ("site_src.enrich.text:split_sentences", "." * 1_000_000),
        ("site_src.enrich.text:split_sentences", "!?" * 500_000),
        # inline spoilers: each `>!` searched for its `!<` to the end of the line, or of the text (20,000: 7 s)
        ("site_src.spoilers:without_spoilers", "!< " + ">!a " * 200_000),
        ("site_src.markup:render_markdown", ">!a " * 200_000 + "\n\n!<"),
    ],
)
def test_text_work_grows_with_the_text_not_its_square(function: str, body: str) -> None:
    """Each of these took time in the square of the text's length before: a 1 MB comment took hours. The bound
    below is no speed test (each takes about a second or less now): it only tells a hang from an answer."""
    import subprocess
    import sys

    module, name = function.split(":")
    script = f"import sys; from {module} import {name}; print(len({name}(sys.stdin.read())))"
    subprocess.run([sys.executable, "-c", script], input=body, capture_output=True, text=True, timeout=120, check=True)


def test_bare_url_ends_as_before() -> None:
    from site_src.markup import render_markdown

    cases = {
        "(see http://x.org/a).": '(see <a href="http://x.org/a" rel="nofollow ugc noopener">http://x.org/a</a>).',
        "http://x.org/a_(b)": '<a href="http://x.org/a_(b)" rel="nofollow ugc noopener">http://x.org/a_(b)</a>',
        "go http://x.org/?a=1&b=2&amp;!": '<a href="http://x.org/?a=1&amp;b=2" rel="nofollow ugc noopener">',
        "http://x.org/a.)": '<a href="http://x.org/a." rel="nofollow ugc noopener">http://x.org/a.</a>)',
    }
    for body, expected in cases.items():
        assert expected in render_markdown(body), (body, render_markdown(body))
