"""Issue 17 items 1 and 5: a later import of part of a thread merges with the thread already imported.

Every case runs on real exports from ../shared/corpus: importing the parts in two runs (in either order)
gives the same file as importing them together, and nothing of either part is lost.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import build_site, corpus_dir, make_project

from site_src.cli import main
from site_src.importers.drop_in import part_groups
from site_src.importers.merge import merge_thread
from site_src.model import Comment, Thread
from site_src.readers import parse_text


def _import(source: str, out: Path, *files: Path) -> None:
    assert main(["import", source, *map(str, files), "--out", str(out)]) == 0


def _threads(folder: Path) -> dict[str, Thread]:
    """Threads by `<origin>-<id>` (a file keeps the name it was first written under, e.g. from a stand-in's title)."""
    found = {}
    for path in sorted(folder.glob("*.md")):
        thread = parse_text(path.name, path.read_text(encoding="utf-8"))
        found[f"{thread.extra['origin']}-{thread.extra['origin_id']}"] = thread
    return found


def _text(body: str) -> str:
    return "\n".join(line.rstrip() for line in body.strip().splitlines())


def _texts(folder: Path) -> dict[str, object]:
    """Each file's thread as compared: post fields, and every comment's place, fields and text in reading order.
    (Bodies are compared line by line: how a file keeps trailing blank lines or a lone CR is the writer's
    round-trip business, tested on its own.)"""
    shapes: dict[str, object] = {}
    for name, thread in _threads(folder).items():
        parents = {r.id: c.id for c, _ in thread.walk() for r in c.replies}
        comments = [
            (c.id, parents.get(c.id), c.author, c.date, c.score, sorted(c.extra.items()), _text(c.body))
            for c, _ in thread.walk()
        ]
        post = (thread.title, thread.source, thread.author, thread.date, _text(thread.body), thread.locked)
        shapes[name] = (post, sorted(thread.extra.items(), key=str), comments)
    return shapes


def _ids(thread: Thread) -> set[str]:
    return {c.id for c, _ in thread.walk()}


def _two_runs_equal_one(tmp_path: Path, source: str, first: Path, second: Path) -> dict[str, Thread]:
    """Import the two parts in two runs and together, in both orders: the same threads (the later copy's
    data wins where the parts differ, so each order is compared with the run that reads them in that order),
    with the same comments under the same parents whatever the order."""
    structure = []
    for order, (a, b) in {"ab": (first, second), "ba": (second, first)}.items():
        _import(source, tmp_path / f"together-{order}", a, b)
        _import(source, tmp_path / order, a)
        _import(source, tmp_path / order, b)
        assert _texts(tmp_path / order) == _texts(tmp_path / f"together-{order}"), order
        threads = _threads(tmp_path / order)
        structure.append({n: sorted((r.id, c.id) for c, _ in t.walk() for r in c.replies) for n, t in threads.items()})
        structure.append({n: sorted(_ids(t)) for n, t in threads.items()})
    assert structure[0] == structure[2] and structure[1] == structure[3]
    return _threads(tmp_path / "together-ab")


def test_issue_17_reddit_page_then_continue_page(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = corpus_dir() / "reddit-json"
    full, branch = root / "praw_3hahrw_funny_full.json", root / "praw_3hahrw_continue_thread_cu5w5nv.json"
    [thread] = _two_runs_equal_one(tmp_path, "reddit", full, branch).values()
    _import("reddit", tmp_path / "alone", branch)
    [part] = _threads(tmp_path / "alone").values()
    _import("reddit", tmp_path / "page", full)
    [page] = _threads(tmp_path / "page").values()
    assert _ids(thread) == _ids(page) | _ids(part) and len(_ids(thread)) > len(_ids(page))
    under = {c.id: [r.id for r in c.replies] for c, _ in thread.walk()}
    assert set(under["cu5w5nv"]) >= {r.id for r in part.comments[0].replies}
    assert not any("missing_parent" in c.extra for c, _ in thread.walk() if c.id in _ids(part))
    capsys.readouterr()
    _import("reddit", tmp_path / "page", branch)
    assert "merged into the earlier import: 2 new" in capsys.readouterr().err


def test_issue_17_discourse_pages_in_two_runs(tmp_path: Path) -> None:
    root = corpus_dir() / "discourse"
    first, later = (
        root / "criticalfallibilism_t2144_posts_page1.json",
        root / "criticalfallibilism_t2144_posts_pn41.json",
    )
    [thread] = _two_runs_equal_one(tmp_path, "discourse", first, later).values()
    numbers = {p["post_number"] for f in (first, later) for p in json.loads(f.read_text())["post_stream"]["posts"]}
    assert _ids(thread) == {f"p{n}" for n in numbers - {1}}
    assert "missing_post" not in thread.extra and thread.body  # the real post, never the stand-in of pn41


def test_issue_17_mastodon_context_then_ancestors_only(tmp_path: Path) -> None:
    context_file = corpus_dir() / "other/mastodon_context_109294719267373593.json"
    context = json.loads(context_file.read_text())
    by_id = {s["id"]: s for s in context["descendants"]}
    leaf = next(s for s in reversed(context["descendants"]) if s["in_reply_to_id"] in by_id)
    chain, node = [], leaf
    while node["in_reply_to_id"] in by_id:
        node = by_id[node["in_reply_to_id"]]
        chain.insert(0, node)
    ancestors_only = tmp_path / "leaf-context.json"  # what /context of the leaf sends (its root is not public here)
    ancestors_only.write_text(json.dumps({"ancestors": chain, "descendants": []}))
    [thread] = _two_runs_equal_one(tmp_path, "mastodon", context_file, ancestors_only).values()
    assert thread.comment_count() == len(context["descendants"])


@pytest.mark.slow
@pytest.mark.parametrize("reverse", [False, True])
def test_issue_17_reddit_dump_comments_and_submissions(tmp_path: Path, reverse: bool) -> None:
    root = corpus_dir() / "reddit-ndjson"
    comments = root / "pushshift-api-2022_r-science_comments.ndjson"
    submissions = root / "pushshift-api-2022_r-science_submissions.ndjson"
    files = (submissions, comments) if reverse else (comments, submissions)
    threads = _two_runs_equal_one(tmp_path, "reddit-dump", *files)
    lines = [json.loads(x) for x in comments.read_text().splitlines() if x.strip()]
    posts = {json.loads(x)["id"] for x in submissions.read_text().splitlines() if x.strip()}
    assert sum(t.comment_count() for t in threads.values()) == len({c["id"] for c in lines})
    real = [t for t in threads.values() if "missing_post" not in t.extra]
    assert {t.extra["origin_id"] for t in real} == posts


def _comment(comment_id: str, body: str, **extra: object) -> Comment:
    comment = Comment(body, comment_id, "someone")
    comment.extra.update(extra)
    return comment


def test_merge_rules_newer_wins_stand_in_gives_way_deleted_keeps_text() -> None:
    known = Thread("T", "x.md", body="the post", tags=["mine"], extra={"origin": "o", "origin_id": "1"})
    known.comments = [_comment("a", "old a", edited="2020-01-01T00:00:00Z"), _comment("b", "b text")]
    known.comments[1].replies = [_comment("c", "c text")]
    stand_in = Thread("Replies", "x.md", extra={"origin": "o", "origin_id": "1", "missing_post": True})
    stand_in.comments = [_comment("a", "older a"), _comment("b", "[deleted]"), _comment("d", "new d")]
    merged, report = merge_thread(known, stand_in)
    assert merged.title == "T" and merged.body == "the post" and "missing_post" not in merged.extra
    texts = {c.id: c.body for c, _ in merged.walk()}
    assert texts == {"a": "older a", "b": "b text", "c": "c text", "d": "new d"}
    assert merged.comments[1].extra["deleted_upstream"] is True and merged.tags == ["mine"]
    assert report.describe() == "1 new, 1 edited, 1 deleted upstream"
    # the known copy holds a later edit than the incoming one: the later edit wins
    late = Thread("T", "x.md", extra={"origin": "o", "origin_id": "1"})
    late.comments = [_comment("a", "stale a", edited="2019-01-01T00:00:00Z")]
    again, report = merge_thread(known, late)
    assert again.comments[0].body == "old a" and not report.edited
    # the post taken down upstream keeps its last text, marked
    removed = Thread("T", "x.md", body="[removed]", extra={"origin": "o", "origin_id": "1", "removed": True})
    kept, report = merge_thread(known, removed)
    assert kept.body == "the post" and kept.extra["deleted_upstream"] is True and report.post == "deleted upstream"
    # a stand-in known copy gives way to the real post
    real, report = merge_thread(stand_in, known)
    assert real.title == "T" and "missing_post" not in real.extra and report.post == "replaced"


def _thread_html(site: Path, slug: str) -> str:
    """Every page of a thread (deep branches go to continuation pages under `c/`)."""
    return "".join(p.read_text() for p in sorted((site / "public/t" / slug).rglob("*.html")))


def test_issue_17_item_5_drop_in_pages_merge_in_the_build(tmp_path: Path) -> None:
    root = corpus_dir() / "reddit-json"
    full = (root / "praw_3hahrw_funny_full.json").read_bytes()
    branch = (root / "praw_3hahrw_continue_thread_cu5w5nv.json").read_bytes()
    deeper = [
        t["data"]["id"] for t in json.loads(branch)[1]["data"]["children"][0]["data"]["replies"]["data"]["children"]
    ]
    site = make_project(tmp_path / "site", {"content/page.json": full, "content/page-continued.json": branch})
    result = build_site(site)
    assert not result.report.errors, result.report.errors
    assert result.threads == 1
    page = _thread_html(site, "reddit-3hahrw-ba-dum-tsss")
    assert all(f'id="comment-{i}"' in page for i in ["cu5w5nv", *deeper])
    again = build_site(site)  # from .digest-cache/: the same site
    assert not again.report.errors and again.threads == 1
    assert _thread_html(site, "reddit-3hahrw-ba-dum-tsss") == page
    (site / "content/page-continued.json").unlink()  # one part gone: the thread is the other part again
    alone = build_site(site)
    assert not alone.report.errors and alone.threads == 1
    page = _thread_html(site, "reddit-3hahrw-ba-dum-tsss")
    assert 'id="comment-cu5w5nv"' in page and not any(f'id="comment-{i}"' in page for i in deeper)


@pytest.mark.slow
def test_issue_17_item_5_drop_in_dump_files_merge(tmp_path: Path) -> None:
    root = corpus_dir() / "reddit-ndjson"
    files = {
        f"content/{name}.ndjson": (root / f"pushshift-api-2022_r-science_{name}.ndjson").read_bytes()
        for name in ("comments", "submissions")
    }
    site = make_project(tmp_path / "site", files)
    result = build_site(site)
    assert not result.report.errors, result.report.errors[:3]
    _import("reddit-dump", tmp_path / "imported", *(site / name for name in files))
    assert result.threads == len(list((tmp_path / "imported").glob("*.md")))


def test_issue_17_item_5_a_part_saved_while_serving_joins_its_thread(tmp_path: Path) -> None:
    from site_src.config import load_config
    from site_src.incremental import WarmSite

    root = corpus_dir() / "reddit-json"
    branch = (root / "praw_3hahrw_continue_thread_cu5w5nv.json").read_bytes()
    deeper = [
        t["data"]["id"] for t in json.loads(branch)[1]["data"]["children"][0]["data"]["replies"]["data"]["children"]
    ]
    site = make_project(tmp_path / "site", {"content/page.json": (root / "praw_3hahrw_funny_full.json").read_bytes()})
    warm = WarmSite(lambda: load_config(site))

    def pages() -> str:
        return "".join(v.decode() for k, v in sorted(warm.files.items()) if k.startswith("t/reddit-3hahrw-"))

    assert not warm.rebuild().errors and not any(f'id="comment-{i}"' in pages() for i in deeper)
    part = site / "content/page-continued.json"
    part.write_bytes(branch)
    done = warm.rebuild(touched=[part])
    assert not done.errors and done.threads == 1
    assert all(f'id="comment-{i}"' in pages() for i in deeper)
    part.unlink()
    done = warm.rebuild(touched=[part])
    assert not done.errors and done.threads == 1 and not any(f'id="comment-{i}"' in pages() for i in deeper)


@given(
    st.lists(
        st.tuples(st.sampled_from(["a.md", "b.md", "c.md", "d.md"]), st.one_of(st.none(), st.sampled_from("xyz"))),
        max_size=30,
    )
)
def test_part_groups_are_the_keys_found_in_more_than_one_file(found: list[tuple[str, str | None]]) -> None:
    threads = [Thread("T", path, extra={} if key is None else {"origin": "o", "origin_id": key}) for path, key in found]
    files: dict[tuple[str, str], set[str]] = {}
    for path, key in found:
        if key is not None:
            files.setdefault(("o", key), set()).add(path)
    expected = {key: sorted(paths) for key, paths in sorted(files.items()) if len(paths) > 1}
    groups = part_groups(threads)
    assert groups == expected and list(groups) == list(expected)
