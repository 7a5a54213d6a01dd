"""`digest import URL` and `digest refresh` against a local server that answers as the real APIs do.

The answers are built at test time from the real exports in ../shared/corpus (their shapes are what the
APIs send: a Reddit comments page, `/api/morechildren`'s flat things, Algolia items, Discourse topics and
`posts.json`, Mastodon statuses and contexts, Stack Exchange API items made from a dump's rows).
"""

from __future__ import annotations

import copy
import json
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from api_server import API, Answer, Seen, serve
from support import corpus_dir

from site_src.cli import main
from site_src.importers.remote import recognise
from site_src.readers import parse_text

FAST = ["--delay", "0", "--max-wait", "0.05", "--timeout", "5"]


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[API]:
    with serve() as server:
        for name in ("DIGEST_REDDIT_API", "DIGEST_HN_API", "DIGEST_STACKEXCHANGE_API"):
            monkeypatch.setenv(name, server.base)
        yield server


def load(relative: str) -> Any:
    return json.loads((corpus_dir() / relative).read_text(encoding="utf-8"))


def run_import(*args: str) -> int:
    return main(["import", *args, *FAST])


def only_file(folder: Path, pattern: str = "*.md") -> Path:
    [found] = sorted(folder.glob(pattern))
    return found


def read_thread(path: Path) -> Any:
    return parse_text(path.name, path.read_text(encoding="utf-8"))


def tree(thread: Any) -> dict[str, str | None]:
    """comment id -> parent id (None at top level)."""
    parents: dict[str, str | None] = {}
    stack = [(c, None) for c in thread.comments]
    while stack:
        comment, parent = stack.pop()
        parents[comment.id] = parent
        stack.extend((r, comment.id) for r in comment.replies)
    return parents


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if not p.name.startswith(".")}


# --------------------------------------------------------------------------- recognising addresses


@pytest.mark.parametrize(
    ("url", "source", "ident"),
    [
        ("https://www.reddit.com/r/funny/comments/3hahrw/ba_dum_tsss/", "reddit", "3hahrw"),
        ("https://old.reddit.com/r/funny/comments/3hahrw/ba_dum_tsss/cu5w5nv/?context=3", "reddit", "3hahrw"),
        ("np.reddit.com/r/funny/comments/3hahrw", "reddit", "3hahrw"),
        ("https://redd.it/3hahrw", "reddit", "3hahrw"),
        ("https://news.ycombinator.com/item?id=17", "hn", "17"),
        ("https://forum.example.org/t/kpop-demon-hunters/2144/41", "discourse", "2144"),
        ("https://mastodon.social/@Gargron/109294719267373593", "mastodon", "109294719267373593"),
        ("https://coffee.stackexchange.com/questions/1/how-to-brew", "stackexchange", "1"),
        ("https://stackoverflow.com/a/42", "stackexchange", "42"),
    ],
)
def test_urls_are_recognised(url: str, source: str, ident: str) -> None:
    target = recognise(url)
    assert (target.source, target.ident) == (source, ident)


def test_not_a_thread_is_an_error_with_a_hint(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = run_import("https://www.reddit.com/r/funny/", "--out", str(tmp_path))
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("https://www.reddit.com/r/funny/: error: a Reddit address, but not of a thread (hint: ")


# --------------------------------------------------------------------------- reddit


def _flat_full_page(page: Any) -> tuple[dict[str, dict[str, Any]], dict[str, list[dict[str, Any]]]]:
    """A full comments page as /api/morechildren would send its parts: id -> flat t1 thing, and
    id -> the things below it in depth-first order (t1 and `more`, each naming its parent)."""
    flat: dict[str, dict[str, Any]] = {}
    below: dict[str, list[dict[str, Any]]] = {}

    def walk(things: list[Any], ancestors: list[str]) -> None:
        for thing in things:
            data = dict(thing["data"])
            replies = data.get("replies")
            data["replies"] = ""
            flat_thing = {"kind": thing["kind"], "data": data}
            for ancestor in ancestors:
                below[ancestor].append(flat_thing)
            if thing["kind"] == "t1":
                flat[data["id"]] = flat_thing
                below[data["id"]] = []
                if isinstance(replies, dict):
                    walk(replies["data"]["children"], [*ancestors, data["id"]])

    walk(page[1]["data"]["children"], [])
    return flat, below


def _morechildren_from(full: Any) -> Any:
    flat, below = _flat_full_page(full)

    def answer(seen: Seen) -> Answer:
        things: list[dict[str, Any]] = []
        for wanted in seen.query["children"][0].split(","):
            if wanted in flat:
                things.append(flat[wanted])
                things.extend(below[wanted])
        return Answer({"json": {"errors": [], "data": {"things": things}}})

    return answer


def test_reddit_more_stubs_expanded_over_several_calls(api: API, tmp_path: Path) -> None:
    full = load("reddit-json/praw_3hahrw_funny_full.json")
    api.route("/comments/3hahrw.json", Answer(load("reddit-json/praw_3hahrw_funny_limit10.json")))
    api.route("/api/morechildren.json", _morechildren_from(full))
    url = "https://www.reddit.com/r/funny/comments/3hahrw/ba_dum_tsss/"
    assert run_import(url, "--out", str(tmp_path / "out"), "--save", str(tmp_path / "saved")) == 0
    calls = api.calls("/api/morechildren.json")
    assert len(calls) >= 3
    assert all(c.headers["User-Agent"].startswith("thread-digest/") for c in api.seen)
    assert all(c.query["link_id"] == ["t3_3hahrw"] and c.query["raw_json"] == ["1"] for c in calls)
    thread = read_thread(only_file(tmp_path / "out"))
    parents = tree(thread)
    flat, _below = _flat_full_page(full)
    assert set(parents) == set(flat)  # the 10 of the page and all that its stubs hid: the whole thread
    for comment_id, parent in parents.items():  # every comment under the comment the full page has it under
        if comment_id in flat:
            expected = flat[comment_id]["data"]["parent_id"]
            assert (f"t1_{parent}" if parent else "t3_3hahrw") == expected, comment_id


def test_reddit_budget_leaves_the_rest_as_more_replies(
    api: API, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    full = load("reddit-json/praw_3hahrw_funny_full.json")
    api.route("/comments/3hahrw.json", Answer(load("reddit-json/praw_3hahrw_funny_limit10.json")))
    api.route("/api/morechildren.json", _morechildren_from(full))
    assert run_import("https://redd.it/3hahrw", "--out", str(tmp_path), "--max-requests", "3") == 0
    assert len(api.seen) == 3
    text = only_file(tmp_path).read_text()
    assert "more_replies=" in text and "more_url=" in text
    assert "--max-requests reached" in capsys.readouterr().err


def test_reddit_full_page_with_continue_page_and_recorded_morechildren(api: API, tmp_path: Path) -> None:
    api.route("/comments/3hahrw.json", Answer(load("reddit-json/praw_3hahrw_funny_full.json")))
    api.route("/api/morechildren.json", Answer(load("reddit-json/praw_3hahrw_morechildren_response.json")))
    api.route("/comments/3hahrw/_/cu5w5nv.json", Answer(load("reddit-json/praw_3hahrw_continue_thread_cu5w5nv.json")))
    url = "https://old.reddit.com/r/funny/comments/3hahrw/ba_dum_tsss/"
    assert run_import(url, "--out", str(tmp_path / "out"), "--save", str(tmp_path / "saved")) == 0
    thread = read_thread(only_file(tmp_path / "out"))
    parents = tree(thread)
    recorded = [
        t["data"]["id"] for t in load("reddit-json/praw_3hahrw_morechildren_response.json")["json"]["data"]["things"]
    ]
    branch = load("reddit-json/praw_3hahrw_continue_thread_cu5w5nv.json")[1]["data"]["children"][0]["data"]
    deeper = [t["data"]["id"] for t in branch["replies"]["data"]["children"]]
    assert all(parents[i] is None for i in recorded)  # answers to the post
    assert all(parents[i] == "cu5w5nv" for i in deeper)
    assert len(parents) == 476 + len(recorded) + 2
    # the continue stubs Reddit was not asked about successfully (404 here) stay as links
    assert "more_url=" in only_file(tmp_path / "out").read_text()


def test_url_import_equals_importing_the_saved_files(api: API, tmp_path: Path) -> None:
    api.route("/comments/3hahrw.json", Answer(load("reddit-json/praw_3hahrw_funny_full.json")))
    api.route("/api/morechildren.json", Answer(load("reddit-json/praw_3hahrw_morechildren_response.json")))
    api.route("/comments/3hahrw/_/cu5w5nv.json", Answer(load("reddit-json/praw_3hahrw_continue_thread_cu5w5nv.json")))
    url = "https://www.reddit.com/comments/3hahrw"
    for fmt in ("md", "json"):
        out, saved = tmp_path / f"url-{fmt}", tmp_path / f"saved-{fmt}"
        assert run_import(url, "--out", str(out), "--save", str(saved), "--format", fmt) == 0
        again = tmp_path / f"files-{fmt}"
        assert main(["import", "reddit", *map(str, sorted(saved.iterdir())), "--out", str(again), "--format", fmt]) == 0
        assert files_of(out) == files_of(again) and files_of(out)


# --------------------------------------------------------------------------- retries, errors


def test_429_with_retry_after_then_success(api: API, tmp_path: Path) -> None:
    item = load("hn-algolia/algolia_item_17.json")
    api.route("/items/17", [Answer({"error": "slow down"}, 429, {"Retry-After": "0.01"}), Answer(item)])
    assert run_import("https://news.ycombinator.com/item?id=17", "--out", str(tmp_path)) == 0
    assert len(api.calls("/items/17")) == 2
    assert only_file(tmp_path).name.startswith("hn-17-")


def test_retry_after_longer_than_max_wait_fails_at_once(
    api: API, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    api.route("/items/17", Answer({"error": "slow down"}, 429, {"Retry-After": "3600"}))
    assert run_import("https://news.ycombinator.com/item?id=17", "--out", str(tmp_path)) == 1
    assert len(api.calls("/items/17")) == 1
    assert "rate limited (HTTP 429); the server asks to wait 3600 s" in capsys.readouterr().err


def test_500_that_never_recovers_fails_and_others_are_imported(
    api: API, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    api.route("/items/1", Answer({"error": "boom"}, 500))
    api.route("/items/17", Answer(load("hn-algolia/algolia_item_17.json")))
    code = run_import(
        "https://news.ycombinator.com/item?id=1",
        "news.ycombinator.com/item?id=17",
        "--out",
        str(tmp_path),
        "--retries",
        "2",
    )
    err = capsys.readouterr().err
    assert code == 1
    assert len(api.calls("/items/1")) == 3  # the first try and two retries
    assert (
        "https://news.ycombinator.com/item?id=1: error: the server answered HTTP 500 (boom) (after 3 attempts)"
        " (hint: try again later)" in err
    )
    assert only_file(tmp_path).name.startswith("hn-17-")


def test_redirect_is_followed(api: API, tmp_path: Path) -> None:
    api.route("/items/17", Answer(b"", 301, {"Location": f"{api.base}/v2/items/17"}))
    api.route("/v2/items/17", Answer(load("hn-algolia/algolia_item_17.json")))
    assert run_import("https://news.ycombinator.com/item?id=17", "--out", str(tmp_path)) == 0
    assert [s.path for s in api.seen] == ["/items/17", "/v2/items/17"]


def _import_hn_17(out: Path, *options: str) -> int:
    """`digest import` of HN item 17 with one retry and no waiting between attempts."""
    url = "https://news.ycombinator.com/item?id=17"
    return main(["import", url, "--out", str(out), "--delay", "0", "--max-wait", "0.01", "--retries", "1", *options])


def test_timeout_is_retried_then_reported(api: API, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The server holds its answer until the test ends: the client times out however loaded the machine is
    (a server that answers after a delay could be read by a client that was descheduled that long)."""
    never = threading.Event()
    api.route("/items/17", Answer(load("hn-algolia/algolia_item_17.json"), hold=never))
    try:
        code = _import_hn_17(tmp_path, "--timeout", "0.2")
        assert code == 1
        assert "error: no answer within 0.2 s (after 2 attempts)" in capsys.readouterr().err
        assert len(api.wait_for_calls("/items/17", 2)) == 2
        assert not list(tmp_path.glob("*.md"))
    finally:
        never.set()


def test_private_and_deleted_threads_say_so(api: API, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    api.route("/comments/aaa.json", Answer({"reason": "private", "message": "Forbidden", "error": 403}, 403))
    code = run_import(
        "https://www.reddit.com/r/x/comments/aaa/", "https://www.reddit.com/r/x/comments/bbb/", "--out", str(tmp_path)
    )
    err = capsys.readouterr().err.splitlines()
    assert code == 1
    assert err[0] == (
        "https://www.reddit.com/r/x/comments/aaa/: error: access refused (HTTP 403: a private community)"
        " (hint: only public threads can be imported)"
    )
    assert err[1].startswith("https://www.reddit.com/r/x/comments/bbb/: error: not found (HTTP 404)")


def test_no_network_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DIGEST_HN_API", "http://127.0.0.1:9")  # the discard port: nothing listens
    code = _import_hn_17(tmp_path)
    [line] = capsys.readouterr().err.splitlines()
    assert code == 1 and line.startswith("https://news.ycombinator.com/item?id=17: error: cannot connect (")


# --------------------------------------------------------------------------- the other sources


def test_hn_item(api: API, tmp_path: Path) -> None:
    item = load("hn-algolia/algolia_item_17.json")
    api.route("/items/17", Answer(item))
    assert (
        run_import(
            "https://news.ycombinator.com/item?id=17", "--out", str(tmp_path / "a"), "--save", str(tmp_path / "s")
        )
        == 0
    )
    assert main(["import", "hn", str(only_file(tmp_path / "s", "*.json")), "--out", str(tmp_path / "b")]) == 0
    assert files_of(tmp_path / "a") == files_of(tmp_path / "b")

    def count(node: dict[str, Any]) -> int:
        return sum(1 + count(k) for k in node.get("children") or [])

    assert read_thread(only_file(tmp_path / "a")).comment_count() == count(item)


def _discourse_routes(api: API, topic: dict[str, Any], shown: int) -> None:
    """The topic JSON with its first `shown` posts (as Discourse sends a long topic) and posts.json for the rest."""
    posts = {p["id"]: p for p in topic["post_stream"]["posts"]}
    first = copy.deepcopy(topic)
    first["post_stream"]["posts"] = topic["post_stream"]["posts"][:shown]
    first["post_stream"]["stream"] = [p["id"] for p in topic["post_stream"]["posts"]]
    api.route(f"/t/{topic['id']}.json", Answer(first))

    def page(seen: Seen) -> Answer:
        wanted = [int(i) for i in seen.query["post_ids[]"]]
        return Answer({"post_stream": {"posts": [posts[i] for i in wanted if i in posts]}, "id": topic["id"]})

    api.route(f"/t/{topic['id']}/posts.json", page)


def test_discourse_long_topic_in_batches(api: API, tmp_path: Path) -> None:
    topic = load("discourse/urho3d_migration-from-custom-container-library-to-augmented-eastl.5872.json")
    _discourse_routes(api, topic, 20)
    url = f"{api.base}/t/{topic['slug']}/{topic['id']}"
    assert run_import(url, "--out", str(tmp_path / "a"), "--save", str(tmp_path / "s")) == 0
    batches = api.calls(f"/t/{topic['id']}/posts.json")
    assert len(batches) == -(-(len(topic["post_stream"]["posts"]) - 20) // 20)
    assert all(len(b.query["post_ids[]"]) <= 20 for b in batches)
    thread = read_thread(only_file(tmp_path / "a"))
    assert thread.comment_count() == len(topic["post_stream"]["posts"]) - 1
    assert thread.source == f"{api.base}/t/{topic['slug']}/{topic['id']}" and thread.title == topic["title"]
    saved = [str(p) for p in sorted((tmp_path / "s").iterdir())]
    assert main(["import", "discourse", *saved, "--out", str(tmp_path / "b"), "--base-url", api.base]) == 0
    assert files_of(tmp_path / "a") == files_of(tmp_path / "b")


def test_discourse_shape_is_confirmed_by_the_json(api: API, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    api.route("/t/12.json", Answer({"posts": []}))
    assert run_import(f"{api.base}/t/not-a-forum/12", "--out", str(tmp_path)) == 1
    assert "error: not a Discourse topic (its JSON has no post_stream)" in capsys.readouterr().err


def test_mastodon_status_and_context(api: API, tmp_path: Path) -> None:
    context = load("other/mastodon_context_109294719267373593.json")
    root_id = "109294719267373593"
    reply = context["descendants"][0]
    gargron = next(m for m in reply["mentions"] if m["acct"] == "Gargron")
    root = {  # small hand-written root status (the recorded context does not hold the status itself)
        "id": root_id,
        "created_at": "2022-11-06T12:00:00.000Z",
        "in_reply_to_id": None,
        "url": f"https://mastodon.social/@Gargron/{root_id}",
        "content": "<p>A root post, written for this test.</p>",
        "account": {"id": gargron["id"], "acct": "Gargron", "username": "Gargron", "url": gargron["url"]},
        "favourites_count": 3,
        "media_attachments": [],
        "mentions": [],
        "spoiler_text": "",
    }
    api.route(f"/api/v1/statuses/{root_id}", Answer(root))
    api.route(f"/api/v1/statuses/{root_id}/context", Answer(context))
    url = f"{api.base}/@Gargron/{root_id}"
    assert run_import(url, "--out", str(tmp_path / "a"), "--save", str(tmp_path / "s")) == 0
    thread = read_thread(only_file(tmp_path / "a"))
    assert thread.author == "Gargron" and "missing_post" not in thread.extra
    assert thread.comment_count() == len(context["descendants"])
    saved = [str(p) for p in sorted((tmp_path / "s").iterdir())]
    assert main(["import", "mastodon", *saved, "--out", str(tmp_path / "b")]) == 0
    assert files_of(tmp_path / "a") == files_of(tmp_path / "b")


def _se_items(rows: list[dict[str, str]]) -> list[dict[str, Any]]:
    """Posts.xml rows -> Stack Exchange API items (`filter=withbody`), as the API names the fields."""

    def epoch(value: str | None) -> int | None:
        return int(datetime.fromisoformat(value + "+00:00").timestamp()) if value else None

    items = []
    for row in rows:
        item: dict[str, Any] = {
            "body": row.get("Body", ""),
            "score": int(row.get("Score", "0")),
            "creation_date": epoch(row.get("CreationDate")),
            "owner": {"user_id": int(row["OwnerUserId"]), "display_name": f"user{row['OwnerUserId']}"}
            if row.get("OwnerUserId")
            else {"display_name": row.get("OwnerDisplayName", "")},
        }
        if row.get("LastEditDate"):
            item["last_edit_date"] = epoch(row["LastEditDate"])
        if row["PostTypeId"] == "1":
            item.update(
                question_id=int(row["Id"]),
                title=row["Title"].replace("&", "&amp;"),
                tags=row.get("Tags", "").strip("<>").split("><"),
                answer_count=int(row.get("AnswerCount", 0)),
            )
            if row.get("AcceptedAnswerId"):
                item["accepted_answer_id"] = int(row["AcceptedAnswerId"])
            if row.get("ClosedDate"):
                item["closed_date"] = epoch(row["ClosedDate"])
        else:
            item.update(answer_id=int(row["Id"]), question_id=int(row["ParentId"]))
        items.append({k: v for k, v in item.items() if v is not None})
    return items


def test_stackexchange_question_with_answers(api: API, tmp_path: Path) -> None:
    rows = [dict(e.attrib) for e in ET.parse(corpus_dir() / "other/stackexchange_coffee_2015_Posts.xml").getroot()]
    answers_of: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        if row.get("PostTypeId") == "2":
            answers_of.setdefault(row["ParentId"], []).append(row)
    question = max((r for r in rows if r.get("PostTypeId") == "1"), key=lambda r: len(answers_of.get(r["Id"], [])))
    answers = answers_of[question["Id"]]
    qid = question["Id"]
    api.route(f"/questions/{qid}", Answer({"items": _se_items([question]), "has_more": False}))
    items = _se_items(answers)
    api.route(
        f"/questions/{qid}/answers",
        lambda seen: Answer(
            {"items": items[:2] if seen.query["page"] == ["1"] else items[2:], "has_more": seen.query["page"] == ["1"]}
        ),
    )
    url = f"https://coffee.stackexchange.com/questions/{qid}/some-title"
    assert run_import(url, "--out", str(tmp_path / "a"), "--save", str(tmp_path / "s")) == 0
    assert [c.query["site"] for c in api.seen] == [["coffee.stackexchange.com"]] * 3
    thread = read_thread(only_file(tmp_path / "a"))
    assert thread.comment_count() == len(answers) and thread.title == question["Title"]
    assert thread.source == f"https://coffee.stackexchange.com/q/{qid}"
    saved = [str(p) for p in sorted((tmp_path / "s").iterdir())]
    assert (
        main(
            [
                "import",
                "stackexchange",
                *saved,
                "--out",
                str(tmp_path / "b"),
                "--base-url",
                "https://coffee.stackexchange.com",
            ]
        )
        == 0
    )
    assert files_of(tmp_path / "a") == files_of(tmp_path / "b")


# --------------------------------------------------------------------------- refresh


def _reddit_comment(comment_id: str, parent: str, body: str, author: str) -> dict[str, Any]:
    """A small hand-written `t1` thing, as a comments page holds it."""
    return {
        "kind": "t1",
        "data": {
            "id": comment_id,
            "name": f"t1_{comment_id}",
            "parent_id": parent,
            "link_id": "t3_2xmo63",
            "author": author,
            "body": body,
            "body_html": f'<div class="md"><p>{body}</p></div>',
            "created_utc": 1425300000.0,
            "score": 1,
            "edited": False,
            "replies": "",
        },
    }


def _comments(page: Any) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    stack = list(page[1]["data"]["children"])
    while stack:
        thing = stack.pop()
        if thing["kind"] == "t1":
            found[thing["data"]["id"]] = thing["data"]
            if isinstance(thing["data"]["replies"], dict):
                stack.extend(thing["data"]["replies"]["data"]["children"])
    return found


def _remove(page: Any, comment_id: str) -> None:
    stack = [page[1]["data"]["children"]]
    while stack:
        things = stack.pop()
        for thing in list(things):
            if thing["data"].get("id") == comment_id:
                things.remove(thing)
                return
            if isinstance(thing["data"].get("replies"), dict):
                stack.append(thing["data"]["replies"]["data"]["children"])


def test_refresh_merges_new_edited_and_deleted_comments(
    api: API, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = load("reddit-json/rtv_2xmo63_python_complete.json")
    page[0]["data"]["children"][0]["data"]["archived"] = False
    api.route("/comments/2xmo63.json", Answer(page))
    site = tmp_path / "site"
    (site / "content").mkdir(parents=True)
    url = "https://www.reddit.com/r/Python/comments/2xmo63/"
    assert run_import(url, "--out", str(site / "content")) == 0
    path = only_file(site / "content")
    path.write_text(path.read_text().replace("---\n", "---\ntags: [terminal]\nsummary: Written by a person.\n", 1))
    before = read_thread(path)
    leaves = [c.id for c, _ in before.walk() if not c.replies and c.body not in ("[deleted]", "[removed]")]
    edited_id, deleted_id, vanished_id = leaves[0], leaves[1], leaves[2]
    text_of = {c.id: c.body for c, _ in before.walk()}

    later = copy.deepcopy(page)
    comments = _comments(later)
    comments[edited_id]["body"] = "Edited later: the new text."
    comments[edited_id]["edited"] = 1425400000.0
    comments[deleted_id]["body"] = "[deleted]"
    comments[deleted_id]["author"] = "[deleted]"
    _remove(later, vanished_id)
    top = later[1]["data"]["children"][0]["data"]
    top["replies"]["data"]["children"].append(_reddit_comment("zz9new", f"t1_{top['id']}", "A new reply.", "newcomer"))
    api.route("/comments/2xmo63.json", Answer(later))
    capsys.readouterr()
    assert main(["refresh", str(site), *FAST]) == 0
    err = capsys.readouterr().err
    assert f"{path.name}: updated: 1 new, 1 edited, 2 deleted upstream" in err

    after = read_thread(path)
    by_id = {c.id: c for c, _ in after.walk()}
    assert tree(after)["zz9new"] == top["id"] and by_id["zz9new"].author == "newcomer"
    assert by_id[edited_id].body == "Edited later: the new text."
    for gone in (deleted_id, vanished_id):
        assert by_id[gone].body == text_of[gone] and by_id[gone].extra["deleted_upstream"] is True
    assert after.tags == ["terminal"] and after.summary == "Written by a person."
    assert after.comment_count() == before.comment_count() + 1

    assert main(["refresh", str(site), *FAST]) == 0  # nothing new: nothing counted twice
    assert f"{path.name}: unchanged" in capsys.readouterr().err
    assert main(["refresh", str(site), "--older-than", "1d", *FAST]) == 0
    assert f"{path.name}: skipped (fetched " in capsys.readouterr().err

    later[0]["data"]["children"][0]["data"]["archived"] = True
    api.route("/comments/2xmo63.json", Answer(later))
    assert main(["refresh", str(site), path.name, *FAST]) == 0
    capsys.readouterr()
    calls = len(api.seen)
    assert main(["refresh", str(site), *FAST]) == 0
    assert "skipped (archived; --include-locked refreshes it anyway)" in capsys.readouterr().err
    assert len(api.seen) == calls
    assert main(["refresh", str(site), "--include-locked", *FAST]) == 0
    assert len(api.seen) == calls + 1


def test_refresh_error_names_the_url_and_goes_on(api: API, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    api.route("/items/17", Answer(load("hn-algolia/algolia_item_17.json")))
    site = tmp_path / "site"
    assert run_import("https://news.ycombinator.com/item?id=17", "--out", str(site / "content")) == 0
    api.route("/items/17", Answer({"error": "gone"}, 404))
    capsys.readouterr()
    assert main(["refresh", str(site), *FAST]) == 1
    err = capsys.readouterr().err
    assert "https://news.ycombinator.com/item?id=17: error: not found (HTTP 404)" in err
    assert "refresh: 0 thread(s) fetched, 1 failed" in err


def test_reddit_share_link_is_followed_to_its_thread(api: API, tmp_path: Path) -> None:
    api.route(
        "/r/funny/s/AbC123xY", Answer(b"", 301, {"Location": "https://www.reddit.com/r/funny/comments/2xmo63/x/"})
    )
    api.route("/comments/2xmo63.json", Answer(load("reddit-json/rtv_2xmo63_python_complete.json")))
    assert run_import("https://www.reddit.com/r/funny/s/AbC123xY", "--out", str(tmp_path)) == 0
    assert [s.path for s in api.seen] == ["/r/funny/s/AbC123xY", "/comments/2xmo63.json"]
    assert only_file(tmp_path).name.startswith("reddit-2xmo63-")
