"""Issue 17 items 6-11: mail archives, on the real mailboxes of the corpus (read from ../shared, never copied)."""

from __future__ import annotations

import re
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
from support import corpus_dir

from site_src.importers import import_paths
from site_src.importers.mail_text import decode_bytes, fold_plain_text
from site_src.importers.mbox import parse_mbox
from site_src.importers.merge import merge_all
from site_src.importers.write import join_stand_ins
from site_src.markup import render_markdown
from site_src.model import Thread

PIPERMAIL = "mbox/pipermail_metrics-grimoire_2015-11.mbox"
NOTMUCH = "mbox/notmuch-list_2009_converted-from-maildir.mbox"
LKML = "mbox/lkml_threads_converted-from-maildir.mbox"


def _read(name: str) -> bytes:
    return (corpus_dir() / name).read_bytes()


def _threads(data: bytes, name: str = "list.mbox") -> list[Thread]:
    return list(parse_mbox(name, data))


def _messages(data: bytes) -> list[bytes]:
    """The mbox's messages (each with its `From ` line), split the way mbox readers split them."""
    return [b"From " + part for part in re.split(rb"(?:^|\n\n)From ", data) if part]


def test_issue_17_duplicate_message_id_with_another_body_is_one_message() -> None:
    data = _read(NOTMUCH)
    first = data.index(b"Message-ID: <20091117232137.GA7669@griffis1.net>")
    second = data.index(b"Message-ID: <20091117232137.GA7669@griffis1.net>", first + 1)
    # The second copy gets another body, as a bug tracker's or a digest's copy of the same mail has.
    body_at = data.index(b"\n\n", second) + 2
    changed = data[:body_at] + b"[Bug tracker copy] Comment #3 of ticket 12:\n\n" + data[body_at:]
    [thread] = [t for t in _threads(changed) if t.title == "[notmuch] archive"]
    assert thread.author == "Aron Griffis"
    assert "Bug tracker" not in thread.body
    assert "Bug tracker" not in "".join(c.body for c, _ in thread.walk())
    assert [c.author for c, _ in thread.walk()] == ["Keith Packard", "Carl Worth"]


def test_issue_17_reply_whose_parent_is_absent_gets_a_stand_in_post() -> None:
    threads = _threads(_read(PIPERMAIL))
    # The second message's In-Reply-To was anonymised in the archive: its parent is not in the file.
    stand_in = [t for t in threads if t.extra.get("missing_post")]
    assert len(stand_in) == 1
    assert stand_in[0].author is None and stand_in[0].body == ""
    assert [(c.author, d) for c, d in stand_in[0].walk()] == [
        ("Jesus M. Gonzalez-Barahona", 1),
        ("Andy Grunwald", 2),
        ("Andy Grunwald", 3),
    ]


def _day(message: bytes) -> str:
    found = re.search(rb"^Date: (.*)$", message, re.MULTILINE)
    assert found is not None
    return parsedate_to_datetime(found.group(1).decode()).strftime("%Y-%m-%d")


def _shape(threads: list[Thread]) -> list[tuple[int, int]]:
    """Comments and depth per thread (a reply whose parent and grandparent are absent from its month goes under
    its nearest ancestor from the other month, as the whole mailbox places it)."""
    return sorted((t.comment_count(), max((d for _, d in t.walk()), default=0)) for t in threads)


@pytest.mark.parametrize("name", [LKML, NOTMUCH])
def test_issue_17_one_discussion_split_over_two_mbox_files_is_one_thread(name: str, tmp_path: Path) -> None:
    """Two months of an archive: the mailbox cut in two at every day it spans, the two files imported in one
    run (each on its own, as `digest import mbox a.mbox b.mbox` does) give the threads of the whole."""
    messages = _messages(_read(name))
    whole = _shape(_threads(b"\n\n".join(messages)))
    days = sorted({_day(m) for m in messages})
    split_threads = 0
    for cut in days[1:]:
        first, second = tmp_path / "first.mbox", tmp_path / "second.mbox"
        first.write_bytes(b"\n\n".join(m for m in messages if _day(m) < cut))
        second.write_bytes(b"\n\n".join(m for m in messages if _day(m) >= cut))
        threads = [t for path in (first, second) for t in import_paths("mbox", [str(path)])]
        split_threads += len(threads) - len(whole)
        assert _shape([t for t, _ in merge_all(join_stand_ins(threads))]) == whole, cut
    assert split_threads > 0  # some cut did split a discussion


def test_issue_17_pipermail_from_with_the_name_in_a_comment() -> None:
    authors = {c.author for t in _threads(_read(PIPERMAIL)) for c, _ in t.walk()}
    authors |= {t.author for t in _threads(_read(PIPERMAIL)) if t.author}
    assert authors == {"Andy Grunwald", "Jesus M. Gonzalez-Barahona"}


@pytest.mark.parametrize(
    ("header", "encoding"),
    [
        (b"", "utf-8"),  # 8-bit without a charset, UTF-8 bytes
        (b"", "latin-1"),  # 8-bit without a charset, Latin-1 bytes
        (b"Content-Type: text/plain; charset=iso-8859-1\n", "utf-8"),  # declares Latin-1, holds UTF-8
        (b"Content-Type: text/plain; charset=x-no-such-charset\n", "utf-8"),
    ],
)
def test_issue_17_eight_bit_mail_without_or_with_a_wrong_charset(header: bytes, encoding: str) -> None:
    data = _read(PIPERMAIL)
    data = data.replace(b"Hey,", "Hey Vít, Balázs,".encode(encoding), 1)
    data = data.replace(
        b"From: andy at example.com (Andy Grunwald)", "From: andy at example.com (Ándy Grünwald)".encode(encoding), 1
    )
    data = data.replace(b"Message-ID: <CACRHdMaObu7", header + b"Message-ID: <CACRHdMaObu7", 1)
    post = _threads(data)[0]
    assert post.body.startswith("Hey Vít, Balázs,"), post.body[:40]
    assert post.author == "Ándy Grünwald"


def test_issue_17_decode_bytes_prefers_utf8_and_keeps_a_declared_charset_that_decodes() -> None:
    assert decode_bytes("Łódź".encode("iso-8859-2"), "iso-8859-2") == "Łódź"
    assert decode_bytes("Balázs".encode(), "iso-8859-1") == "Balázs"
    assert decode_bytes(b"smart \x93quotes\x94", None) == "smart \u201cquotes\u201d"  # cp1252
    assert decode_bytes(b"\x81\x8d", None) == "\x81\x8d"  # holes of cp1252: latin-1
    assert decode_bytes("日本".encode("iso-2022-jp"), "iso-2022-jp") == "日本"


def test_issue_17_plain_text_mail_keeps_its_line_structure() -> None:
    [thread] = [t for t in _threads(_read(LKML)) if t.title.startswith("[RFC][PATCH 00/10] cifs: local caching")]
    html = str(render_markdown(thread.body))
    assert "<h" not in html and "<li>" not in html and "<hr" not in html
    assert "Known issues<br>" in html  # the dashed underline stays text on its own line
    assert "<code>" not in html.split("<pre>")[0]  # an indented line is not a code block
    text = (
        "Hi,\n\nSee <jgb at example.com> and *this* _one_:\n  1. first\n# not a heading\n-----\nhttps://x.org/a_b_c\n"
    )
    body, _ = fold_plain_text(text)
    html = str(render_markdown(body))
    assert (
        "See &lt;jgb at " in html
        and "&gt; and" in html
        and "<em>" not in html
        and "<ol" not in html
        and "<h1" not in html
    )
    assert 'href="https://x.org/a_b_c"' in html
    assert html.count("<br>") == 4 and html.count("<p>") == 2


def test_issue_17_top_posted_quote_and_scrubber_notice_are_folded() -> None:
    comments = [c for t in _threads(_read(PIPERMAIL)) for c, _ in t.walk()]
    last = comments[-1]
    assert last.body.endswith("https://github.com/MetricsGrimoire/sortinghat/pull/40")
    assert last.extra["quoted"] == 41
    assert not any("scrubbed" in c.body or "next part" in c.body or "GMT+01:00" in c.body for c in comments)
    outlook = "Yes, fine.\n\n-----Original Message-----\nFrom: Jane Roe\nSent: Monday\nTo: list\n\nold text\nmore\n"
    body, extra = fold_plain_text(outlook)
    assert body == "Yes, fine." and extra["quoted"] == 6
    bare = "Sure.\n\nFrom: Jane Roe [mailto:jane@example.org]\nSent: Monday\nSubject: x\n\nold"
    assert fold_plain_text(bare)[0] == "Sure."


def test_issue_17_encoded_word_headers_declaring_latin1_but_holding_utf8() -> None:
    data = _read(PIPERMAIL).replace(
        b"From: andy at example.com (Andy Grunwald)", b"From: andy at example.com (=?iso-8859-1?q?Bal=C3=A1zs?=)", 1
    )
    data = data.replace(b"Subject: [Metrics-grimoire] Docker", b"Subject: =?iso-8859-1?q?Caf=C3=A9?= Docker", 1)
    post = _threads(data)[0]
    assert post.author == "Balázs"
    assert post.title.startswith("Café Docker")


def test_issue_17_colons_typed_in_a_plain_mail_open_no_spoiler() -> None:
    body, _extra = fold_plain_text("::: spoiler\nplain mail\n:::\n")
    page = str(render_markdown(body))
    assert "<details" not in page and "::: spoiler<br>" in page
