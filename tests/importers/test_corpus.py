"""Every file of ../shared/corpus imports, and per file the thread count, comment count and deepest nesting
match numbers counted independently from the raw file (`counting.py`)."""

from __future__ import annotations

import json
from pathlib import Path

import counting
import pytest
from support import CORPUS, corpus_dir

from site_src.importers import ImportFailure, ImportOptions, ImportWarning_, import_paths
from site_src.model import Thread


def _files(pattern: str) -> list[str]:
    return sorted(p.relative_to(CORPUS).as_posix() for p in CORPUS.glob(pattern)) or [f"(none: {pattern})"]


def _shape(threads: list[Thread]) -> list[tuple[int, int]]:
    out = []
    for thread in threads:
        deepest = max((depth for _c, depth in thread.walk()), default=0)
        out.append((thread.comment_count(), deepest))
    return sorted(out)


def _import(source: str, *names: str) -> list[Thread]:
    root = corpus_dir()
    return list(import_paths(source, [str(root / n) for n in names]))


@pytest.mark.parametrize("name", [n for n in _files("reddit-json/*.json") if "morechildren" not in n])
def test_reddit_page(name: str) -> None:
    threads = _import("reddit", name)
    assert _shape(threads) == counting.reddit_page(CORPUS / name)
    assert threads[0].path.startswith("reddit-") and threads[0].date is not None


def test_reddit_morechildren_reply_is_a_clear_error(corpus: Path) -> None:
    name = "reddit-json/praw_3hahrw_morechildren_response.json"
    with pytest.raises(ImportFailure, match="morechildren") as info:
        _import("reddit", name)
    assert info.value.path.endswith(name) and info.value.line == 1


@pytest.mark.parametrize("name", _files("reddit-ndjson/*.ndjson"))
def test_reddit_dump_file(name: str) -> None:
    assert _shape(_import("reddit-dump", name)) == sorted(counting.reddit_dump([CORPUS / name]))


def test_reddit_dump_submissions_and_comments_together(corpus: Path) -> None:
    names = [
        "reddit-ndjson/pushshift-api-2022_r-science_comments.ndjson",
        "reddit-ndjson/pushshift-api-2022_r-science_submissions.ndjson",
    ]
    threads = _import("reddit-dump", *names)
    assert _shape(threads) == sorted(counting.reddit_dump([CORPUS / n for n in names]))
    assert sum(t.comment_count() for t in threads) == 800  # 900 lines, 100 duplicates
    assert sum(1 for t in threads if not t.extra.get("missing_post")) == 71


@pytest.mark.parametrize("name", _files("hn-algolia/*.json"))
def test_hn_algolia(name: str) -> None:
    assert _shape(_import("hn", name)) == counting.hn_nested(CORPUS / name, "children")


@pytest.mark.parametrize("name", _files("other/hnpwa_*.json"))
def test_hn_hnpwa(name: str) -> None:
    threads = _import("hn", name)
    assert _shape(threads) == counting.hn_nested(CORPUS / name, "comments")
    assert "&#x27;" not in "".join(c.body for c, _ in threads[0].walk())


@pytest.mark.parametrize("name", [n for n in _files("hn-firebase/*.json") if "pollopt" not in n])
def test_hn_firebase_single_items(name: str) -> None:
    threads = _import("hn", name)
    assert _shape(threads) == [(0, 0)]  # kids are ids only: counted as more_replies, never invented
    kids = threads[0].extra.get("more_replies", 0)
    assert kids == len(json.loads((CORPUS / name).read_text()).get("kids", []))


def test_hn_lone_poll_option_is_a_warning(corpus: Path) -> None:
    warnings: list[ImportWarning_] = []
    path = str(corpus / "hn-firebase/readme_item_160705_pollopt.json")
    assert list(import_paths("hn", [path], ImportOptions(warn=warnings.append))) == []
    assert len(warnings) == 1 and warnings[0].path == path and "poll" in warnings[0].message


@pytest.mark.parametrize("name", _files("discourse/*.json"))
def test_discourse_page(name: str) -> None:
    assert _shape(_import("discourse", name)) == counting.discourse([CORPUS / name])


def test_discourse_two_pages_of_one_topic_merge(corpus: Path) -> None:
    names = _files("discourse/criticalfallibilism_*.json")
    threads = _import("discourse", *names)
    assert len(threads) == 1
    assert _shape(threads) == counting.discourse([CORPUS / n for n in names])
    assert threads[0].comment_count() == 28  # 29 of 30 posts (no #7); post 1 is the post


@pytest.mark.parametrize("name", _files("mbox/*.mbox"))
def test_mbox(name: str) -> None:
    assert _shape(_import("mbox", name)) == sorted(counting.mbox(CORPUS / name))


def test_stackexchange(corpus: Path) -> None:
    name = "other/stackexchange_coffee_2015_Posts.xml"
    threads = _import("stackexchange", name)
    assert _shape(threads) == sorted(counting.stackexchange(CORPUS / name))
    accepted = [c for t in threads for c in t.comments if c.extra.get("accepted")]
    assert accepted and all(c.extra["accepted"] is True for c in accepted)


def test_mastodon(corpus: Path) -> None:
    name = "other/mastodon_context_109294719267373593.json"
    threads = _import("mastodon", name)
    assert _shape(threads) == counting.mastodon(CORPUS / name)
    assert threads[0].extra["missing_post"] is True  # the context does not hold the status itself


def test_corpus_summary_numbers(corpus: Path) -> None:
    """Spot checks against SOURCES.md, counted by its authors."""
    full = _import("reddit", "reddit-json/praw_3hahrw_funny_full.json")[0]
    assert (full.comment_count(), _shape([full])[0][1]) == (476, 10)
    assert _shape(_import("reddit", "reddit-json/rtv_2xmo63_python_complete.json")) == [(45, 6)]
    assert _shape(_import("hn", "other/hnpwa_item_26312516_circumflex.json")) == [(485, 11)]
    assert len(_import("mbox", "mbox/notmuch-list_2009_converted-from-maildir.mbox")) == 24
    assert len(_import("stackexchange", "other/stackexchange_coffee_2015_Posts.xml")) == 225
