"""Export shapes the corpus does not hold, written small by hand from each source's documented fields.

Each test checks what a real export of that shape must give: no comment lost or invented, each under
the one it answers, and a bad record a `path:line` warning while the rest imports.
"""

from __future__ import annotations

import html
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
        _row(PostTypeId="2", ParentId="9", CreationDate="2011-01-03T00:00:00", Body="&lt;p&gt;no id&lt;/p&gt;"),
    ]
    path = tmp_path / "Posts.xml"
    path.write_text('<?xml version="1.0" encoding="utf-8"?>\n<posts>\n' + "\n".join(rows) + "\n</posts>\n")
    warnings: list[ImportWarning_] = []
    (thread,) = _import("stackexchange", path, warnings)
    assert _tree(thread.comments) == [("5", []), ("10", [])]
    assert thread.comments[0].body == "moved" and thread.comments[0].extra.get("accepted") is True
    # the answer whose question is not in the file is not silently dropped: a warning names its row's line
    assert [(w.line, "answer 11" in w.message and "77" in w.message) for w in warnings] == [(7, False), (6, True)]


def test_hn_firebase_reply_its_parent_does_not_list_is_kept(tmp_path: Path) -> None:
    # Items fetched one by one: a reply posted after its parent was fetched is not in the parent's `kids`;
    # rows of a table export carry `parent` and no `kids` at all.
    items = [
        {"id": 1, "type": "story", "by": "a", "time": 1600000000, "title": "S", "kids": [3, 2]},
        {"id": 2, "type": "comment", "by": "b", "time": 1600000100, "parent": 1, "text": "first"},
        {"id": 3, "type": "comment", "by": "c", "time": 1600000200, "parent": 1, "text": "second", "kids": []},
        {"id": 5, "type": "comment", "by": "e", "time": 1600000400, "parent": 1, "text": "late, top"},
        {"id": 4, "type": "comment", "by": "d", "time": 1600000300, "parent": 1, "text": "late, older"},
        {"id": 6, "type": "comment", "by": "f", "time": 1600000500, "parent": 3, "text": "late reply"},
        {"id": 7, "type": "comment", "by": "g", "time": 1600000600, "parent": 6, "text": "its reply"},
    ]
    path = tmp_path / "items.json"
    path.write_text(json.dumps(items))
    (thread,) = _import("hn", path)
    assert _tree(thread.comments) == [("3", [("6", [("7", [])])]), ("2", []), ("4", []), ("5", [])]
    assert "more_replies" not in thread.extra


def test_hn_algolia_item_with_iso_date_only(tmp_path: Path) -> None:
    item = {
        "id": 1,
        "title": "S",
        "author": "a",
        "created_at": "2008-01-02T03:04:05.000Z",
        "children": [{"id": 2, "author": "b", "created_at": "2008-01-02T04:00:00.000Z", "text": "x", "children": []}],
    }
    path = tmp_path / "item.json"
    path.write_text(json.dumps(item))
    (thread,) = _import("hn", path)
    assert thread.date is not None and thread.date.isoformat() == "2008-01-02T03:04:05+00:00"
    assert thread.comments[0].date is not None and thread.comments[0].date.isoformat() == "2008-01-02T04:00:00+00:00"


def _reddit_page(submission: dict[str, object], comments: list[dict[str, object]]) -> str:
    listing = [{"kind": "Listing", "data": {"children": [{"kind": "t3", "data": submission}]}}]
    listing.append({"kind": "Listing", "data": {"children": [{"kind": "t1", "data": c} for c in comments]}})
    return json.dumps(listing)


def test_reddit_html_only_bodies_and_crosspost_link(tmp_path: Path) -> None:
    # Some exports carry only `body_html` / `selftext_html` (escaped once more without raw_json=1); a
    # crosspost's `url` is the original's site-relative permalink.
    submission = {
        "id": "abc",
        "title": "t",
        "author": "a",
        "created_utc": 1600000000,
        "permalink": "/r/x/comments/abc/t/",
        "is_self": False,
        "url": "/r/y/comments/zzz/orig/",
        "crosspost_parent": "t3_zzz",
        "selftext_html": html.escape('<!-- SC_OFF --><div class="md"><p>see &amp; this</p></div>', quote=False),
    }
    comment = {
        "id": "c1",
        "author": "b",
        "created_utc": 1600000100,
        "parent_id": "t3_abc",
        "replies": "",
        "body_html": html.escape('<div class="md"><p>only <em>html</em>, <a href="/r/z">z</a></p></div>', quote=False),
    }
    path = tmp_path / "page.json"
    path.write_text(_reddit_page(submission, [comment]))
    (thread,) = _import("reddit", path)
    assert thread.body == "see & this"
    assert thread.extra["link"] == "https://www.reddit.com/r/y/comments/zzz/orig/"
    assert thread.comments[0].body == "only *html*, [z](https://www.reddit.com/r/z)"


def test_mail_without_date_or_with_only_an_attached_text(tmp_path: Path) -> None:
    # No Date header: the time the first server took it (the last Received); its only text marked as an
    # attachment (a patch or a note sent as a file): still its body.
    mails = [
        "From a@x Mon Jan  1 00:00:00 2024\nFrom: A <a@x>\nSubject: s\nMessage-ID: <1@x>\n"
        "Date: Mon, 1 Jan 2024 00:00:00 +0000\n\nfirst\n",
        "From b@x Tue Jan  2 09:00:00 2024\nFrom: B <b@x>\nSubject: Re: s\nMessage-ID: <2@x>\nIn-Reply-To: <1@x>\n"
        "Received: from mx2 by list; Tue, 2 Jan 2024 11:00:00 +0100\n"
        "Received: from laptop by mx2;\n Tue, 2 Jan 2024 10:00:00 +0100\n"
        "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=B\n\n"
        "--B\nContent-Type: text/plain; charset=us-ascii\nContent-Disposition: attachment; filename=n.txt\n\n"
        "the note\n--B--\n",
    ]
    path = tmp_path / "list.mbox"
    path.write_text("\n".join(mails))
    (thread,) = _import("mbox", path)
    (reply,) = thread.comments
    assert reply.body == "the note"
    assert reply.date is not None and reply.date.isoformat() == "2024-01-02T09:00:00+00:00"


def test_discourse_bad_post_is_a_warning_and_the_rest_imports(tmp_path: Path) -> None:
    def post(number: object, **fields: object) -> dict[str, object]:
        return {"post_number": number, "topic_id": 7, "username": f"u{number}", "cooked": f"<p>{number}</p>", **fields}

    posts = [post(1), post(2, reply_to_post_number=9), post("3"), post(4, reply_to_post_number=2, post_type=4)]
    topic = {"id": 7, "title": "T", "slug": "t", "post_stream": {"stream": [1, 2, 3, 4], "posts": posts}}
    path = tmp_path / "7.json"
    path.write_text(json.dumps(topic))
    warnings: list[ImportWarning_] = []
    (thread,) = _import("discourse", path, warnings)
    # p2 answers a post absent from the page: top level and marked, never under a guessed parent
    assert _tree(thread.comments) == [("p2", [("p4", [])])]
    assert thread.comments[0].extra["missing_parent"] == "p9"
    assert [(w.path, "posts[2] skipped" in w.message) for w in warnings] == [(str(path), True)]


def _mail(number: int, answers: int | None = None) -> str:
    reply = f"In-Reply-To: <{answers}@x>\n" if answers else ""
    return f"From: U{number} <u{number}@x>\nSubject: s\nMessage-ID: <{number}@x>\n{reply}\nmail {number}\n"


def test_maildir_and_mh_folders_import_as_mailboxes(tmp_path: Path) -> None:
    maildir = tmp_path / "Maildir"
    for part in ("cur", "new", "tmp"):
        (maildir / part).mkdir(parents=True)
    (maildir / "cur" / "1704067200.1.host:2,S").write_text(_mail(1))
    (maildir / "new" / "1704070800.2.host").write_text(_mail(2, answers=1))
    (thread,) = _import("mbox", maildir)
    assert thread.body == "mail 1" and [c.body for c in thread.comments] == ["mail 2"]
    mh = tmp_path / "inbox"
    mh.mkdir()
    (mh / ".mh_sequences").write_text("unseen: 1-10\n")
    for number in (1, 9, 10):  # no Date: the folder's order (9 before 10) is the order of the replies
        (mh / str(number)).write_text(_mail(number, answers=1 if number > 1 else None))
    (thread,) = _import("mbox", mh)
    assert [c.body for c in thread.comments] == ["mail 9", "mail 10"]


def test_reddit_unreadable_comment_is_a_warning_and_the_rest_imports(tmp_path: Path) -> None:
    def t1(ident: str, parent: str, replies: list[object] | None = None) -> dict[str, object]:
        listing = {"kind": "Listing", "data": {"children": replies}} if replies else ""
        return {"id": ident, "parent_id": parent, "body": ident, "author": "u", "created_utc": 1, "replies": listing}

    no_id = t1("", "t3_abc", [{"kind": "t1", "data": t1("c3", "t1_lost")}])
    page = json.loads(_reddit_page({"id": "abc", "title": "t"}, [t1("c1", "t3_abc"), no_id]))
    page[1]["data"]["children"].insert(1, "garbage")
    path = tmp_path / "page.json"
    path.write_text(json.dumps(page))
    warnings: list[ImportWarning_] = []
    (thread,) = _import("reddit", path, warnings)
    assert _tree(thread.comments) == [("c1", []), ("c3", [])]
    assert thread.comments[1].extra["missing_parent"] == "lost"
    assert [w.message.split(" skipped")[0] for w in warnings] == ["[1].data.children[1]", "[1].data.children[2]"]


def test_stackexchange_saved_api_answers_import_together(tmp_path: Path) -> None:
    # `/questions/{id}?filter=withbody` and `/questions/{id}/answers?filter=withbody` saved as two files
    owner = {"user_id": 4, "display_name": "Ann &amp; Co"}
    question = {
        "question_id": 9,
        "title": "Why &quot;x&quot;?",
        "body": '<p>see <a href="/q/1">this</a></p>',
        "owner": owner,
        "creation_date": 1600000000,
        "score": 2,
        "tags": ["a"],
        "accepted_answer_id": 12,
        "link": "https://coffee.stackexchange.com/questions/9/why-x",
    }
    answers = [
        {"answer_id": 12, "question_id": 9, "body": "<p>b</p>", "creation_date": 1600000200, "score": 1},
        {"answer_id": 11, "question_id": 9, "body": "<p>a</p>", "owner": {"user_type": "does_not_exist"}},
        {"answer_id": 30, "question_id": 8, "body": "<p>elsewhere</p>"},
    ]
    first, second = tmp_path / "q.json", tmp_path / "answers.json"
    first.write_text(json.dumps({"items": [question], "has_more": False, "quota_max": 300}))
    second.write_text(json.dumps({"items": answers, "has_more": False}))
    warnings: list[ImportWarning_] = []
    (thread,) = import_paths("stackexchange", [str(first), str(second)], ImportOptions(warn=warnings.append))
    assert (thread.title, thread.author, thread.extra["score"]) == ('Why "x"?', "Ann & Co", 2)
    assert thread.body == "see [this](https://coffee.stackexchange.com/q/1)"
    assert [(c.id, c.body, c.extra.get("accepted")) for c in thread.comments] == [("11", "a", None), ("12", "b", True)]
    assert [(w.path, "answer 30" in w.message) for w in warnings] == [(str(second), True)]


def test_reddit_dump_later_copy_that_says_more_wins(tmp_path: Path) -> None:
    # Two scrapes of one month together: the first copy of a line taken down or of a gone account, a later one whole
    lines = [
        {"id": "s1", "title": "t", "selftext": "[removed]", "author": "[deleted]", "created_utc": 1, "subreddit": "x"},
        {"id": "s1", "title": "t", "selftext": "the text", "author": "op", "created_utc": 1, "subreddit": "x"},
        {"id": "c1", "link_id": "t3_s1", "parent_id": "t3_s1", "body": "kept", "author": "[deleted]", "created_utc": 2},
        {"id": "c1", "link_id": "t3_s1", "parent_id": "t3_s1", "body": "kept", "author": "ann", "created_utc": 2},
        {"id": "c2", "link_id": "t3_s1", "parent_id": "t1_c1", "body": "words", "author": "bob", "created_utc": 3},
        {"id": "c2", "link_id": "t3_s1", "parent_id": "t1_c1", "body": "[removed]", "author": "bob", "created_utc": 3},
    ]
    path = tmp_path / "dump.ndjson"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    (thread,) = _import("reddit-dump", path)
    assert (thread.body, thread.author) == ("the text", "op")
    assert _tree(thread.comments) == [("c1", [("c2", [])])]
    assert (thread.comments[0].author, thread.comments[0].replies[0].body) == ("ann", "words")


def test_hn_algolia_search_hits_make_one_thread(tmp_path: Path) -> None:
    # `search_by_date?tags=comment,story_1`, two pages: the story itself is not among the hits
    def hit(ident: int, parent: int, text: str) -> dict[str, object]:
        return {
            "objectID": str(ident),
            "author": f"u{ident}",
            "comment_text": text,
            "created_at": "2020-01-01T00:00:00Z",
            "created_at_i": 1577836800 + ident,
            "parent_id": parent,
            "story_id": 1,
            "story_title": "The story",
            "story_url": "https://example.com/a",
            "_tags": ["comment", f"author_u{ident}", "story_1"],
        }

    pages = [[hit(4, 2, "<p>deep</p>"), hit(3, 1, "two")], [hit(2, 1, "one"), {"objectID": None}]]
    paths = []
    for number, hits in enumerate(pages):
        paths.append(tmp_path / f"page{number}.json")
        paths[-1].write_text(json.dumps({"hits": hits, "nbHits": 4, "page": number, "nbPages": 2}))
    warnings: list[ImportWarning_] = []
    (thread,) = import_paths("hn", [str(p) for p in paths], ImportOptions(warn=warnings.append))
    assert (thread.title, thread.author, thread.extra.get("missing_post")) == ("The story", None, True)
    assert thread.extra["link"] == "https://example.com/a"
    assert _tree(thread.comments) == [("2", [("4", [])]), ("3", [])]
    assert (thread.comments[0].author, thread.comments[0].replies[0].body) == ("u2", "deep")
    assert [(w.path, w.message.startswith("hits[1] skipped")) for w in warnings] == [(str(paths[1]), True)]


def test_stackexchange_dump_comments_go_on_their_posts(tmp_path: Path) -> None:
    posts = tmp_path / "Posts.xml"
    rows = [
        _row(Id="1", PostTypeId="1", CreationDate="2011-01-01T00:00:00", Title="Q", Body="&lt;p&gt;q&lt;/p&gt;"),
        _row(Id="2", PostTypeId="2", ParentId="1", CreationDate="2011-01-02T00:00:00", Body="&lt;p&gt;a&lt;/p&gt;"),
    ]
    posts.write_text("<posts>\n" + "\n".join(rows) + "\n</posts>\n")
    comments = tmp_path / "Comments.xml"
    notes = [
        _row(Id="7", PostId="2", Score="3", Text="on the *answer*", CreationDate="2011-01-03T00:00:00", UserId="5"),
        _row(Id="8", PostId="1", Text="on the question", CreationDate="2011-01-04T00:00:00", UserDisplayName="gone"),
        _row(Id="9", PostId="99", Text="another question's", CreationDate="2011-01-05T00:00:00"),
        _row(Id="10", Text="no post", CreationDate="2011-01-05T00:00:00"),
    ]
    comments.write_text('<?xml version="1.0" encoding="utf-8"?>\n<comments>\n' + "\n".join(notes) + "\n</comments>\n")
    warnings: list[ImportWarning_] = []
    options = ImportOptions(warn=warnings.append)
    (thread,) = import_paths("stackexchange", [str(posts), str(comments)], options)
    assert _tree(thread.comments) == [("c8", []), ("2", [("c7", [])])]
    note = thread.comments[1].replies[0]
    assert (note.body, note.author, note.score) == ("on the *answer*", "user5", 3)
    assert thread.comments[0].author == "gone"
    assert [(w.path, w.line) for w in warnings] == [(str(comments), 6)]


def test_hn_items_one_a_line_with_bad_lines_skipped(tmp_path: Path) -> None:
    # A table export or a crawler's log: one Firebase-shaped item a line, no `kids`, a broken line, a stray row
    rows = [
        json.dumps({"id": 1, "type": "story", "by": "a", "time": 1, "title": "S", "descendants": 2}),
        json.dumps({"id": 2, "type": "comment", "by": "b", "time": 2, "parent": 1, "text": "x", "dead": True}),
        '{"id": 3, "type": "comm',
        "",
        json.dumps({"id": 4, "type": "comment", "by": None, "time": 4, "parent": 2, "deleted": True}),
        json.dumps({"nothing": "here"}),
    ]
    path = tmp_path / "items.ndjson"
    path.write_text("\n".join(rows) + "\n")
    warnings: list[ImportWarning_] = []
    (thread,) = _import("hn", path, warnings)
    assert _tree(thread.comments) == [("2", [("4", [])])]
    assert thread.comments[0].extra["dead"] is True and thread.comments[0].replies[0].extra["deleted"] is True
    assert [(w.line, w.message.split(":")[0]) for w in warnings] == [(3, "line skipped"), (6, "item 3 skipped")]


def test_mbox_body_line_starting_with_from_does_not_split_a_mail(tmp_path: Path) -> None:
    # mboxo writers do not always quote a body's "From " line; an ISO `Date` (some archivers write it)
    first = "From a@x Mon Jan  1 00:00:00 2024\nFrom: A <a@x>\nSubject: s\nMessage-ID: <1@x>\n\n"
    first += "first\n\nFrom what I see, yes.\n"
    second = "From b@x Mon Jan  1 01:00:00 2024\nFrom: B <b@x>\nMessage-ID: <2@x>\nIn-Reply-To: <1@x>\n"
    path = tmp_path / "a.mbox"
    path.write_text(first + "\n" + second + "Date: 2024-01-01T01:00:00+01:00\n\nsecond\n")
    (thread,) = _import("mbox", path)
    assert thread.body.endswith("From what I see, yes.")
    (reply,) = thread.comments
    assert reply.date is not None and reply.date.isoformat() == "2024-01-01T00:00:00+00:00"


def test_stackexchange_saved_api_comments_go_on_their_posts(tmp_path: Path) -> None:
    question = {"question_id": 9, "title": "Q", "body": "<p>q</p>", "creation_date": 1600000000}
    question["comments"] = [{"comment_id": 50, "post_id": 9, "body_markdown": "is it &quot;x&quot;?", "score": 2}]
    answer = {"answer_id": 12, "question_id": 9, "body": "<p>a</p>", "creation_date": 1600000100}
    notes = [
        {"comment_id": 61, "post_id": 12, "body": "<p>thanks <em>a lot</em></p>", "owner": {"display_name": "B&amp;B"}},
        {"comment_id": 60, "post_id": 12, "body_markdown": "first", "creation_date": 1600000200},
        {"comment_id": 70, "post_id": 444, "body_markdown": "elsewhere"},
    ]
    files = {"q.json": [question], "a.json": [answer], "c.json": notes}
    for name, items in files.items():
        (tmp_path / name).write_text(json.dumps({"items": items}))
    warnings: list[ImportWarning_] = []
    paths = [str(tmp_path / name) for name in files]
    (thread,) = import_paths("stackexchange", paths, ImportOptions(warn=warnings.append))
    assert _tree(thread.comments) == [("c50", []), ("12", [("c60", []), ("c61", [])])]
    assert (thread.comments[0].body, thread.comments[0].score) == ('is it "x"?', 2)
    late = thread.comments[1].replies[1]
    assert (late.body, late.author) == ("thanks *a lot*", "B&B")
    assert [("comment 70" in w.message, w.path) for w in warnings] == [(True, paths[2])]
