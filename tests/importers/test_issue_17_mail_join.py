"""Issue 17 item 7: one mail discussion split over two mailboxes is one thread, in one run or in two.

Real mail (the corpus mailboxes, read from ../shared, cut in two by date here) and synthetic chains whose
parent, grandparent or every ancestor is absent."""

from __future__ import annotations

import argparse
import re
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
from support import corpus_dir

from site_src.importers import import_paths
from site_src.importers.cli import add_arguments, run
from site_src.importers.mbox import short_id
from site_src.importers.write import read_thread_file, write_threads
from site_src.model import Thread

LKML = "mbox/lkml_threads_converted-from-maildir.mbox"
NOTMUCH = "mbox/notmuch-list_2009_converted-from-maildir.mbox"

Shape = tuple[str, tuple[tuple[str, str | None, object], ...]]


def _messages(data: bytes) -> list[bytes]:
    return [b"From " + part for part in re.split(rb"(?:^|\n\n)From ", data) if part]


def _day(message: bytes) -> str:
    found = re.search(rb"^Date: (.*)$", message, re.MULTILINE)
    assert found is not None
    return parsedate_to_datetime(found.group(1).decode()).strftime("%Y-%m-%d")


def _tree(thread: Thread) -> Shape:
    """The post's id (empty for a stand-in) and every comment as (id, parent id, missing_parent)."""
    rows: list[tuple[str, str | None, object]] = []
    stack: list[tuple[object, str | None]] = [(c, None) for c in thread.comments]
    while stack:
        comment, parent = stack.pop()
        assert not isinstance(comment, str)
        rows.append((comment.id, parent, comment.extra.get("missing_parent")))  # type: ignore[attr-defined]
        stack.extend((reply, comment.id) for reply in comment.replies)  # type: ignore[attr-defined]
    post = "" if thread.extra.get("missing_post") else str(thread.extra["origin_id"])
    return post, tuple(sorted(rows, key=repr))


def _folder_shape(folder: Path) -> list[Shape]:
    threads = [read_thread_file(p) for p in sorted(folder.glob("*.md"))]
    return sorted((_tree(t) for t in threads if t is not None), key=repr)


def _import_cli(paths: list[Path], out: Path) -> None:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    assert run(parser.parse_args(["mbox", *map(str, paths), "--out", str(out)])) == 0


@pytest.mark.slow
@pytest.mark.parametrize("name", [LKML, NOTMUCH])
def test_issue_17_mailbox_cut_in_two_by_date_gives_the_whole_in_one_run_or_two(name: str, tmp_path: Path) -> None:
    """Cut at every day the mailbox spans; import the halves in one run, in two runs (`digest import mbox a`,
    later `digest import mbox b`), and in two runs the other way round: the files hold the same threads, the
    same trees and the same `missing_parent` marks as the whole mailbox imported at once."""
    messages = _messages((corpus_dir() / name).read_bytes())
    whole = tmp_path / "whole.mbox"
    whole.write_bytes(b"\n\n".join(messages))
    _import_cli([whole], tmp_path / "whole")
    expected = _folder_shape(tmp_path / "whole")
    days = sorted({_day(m) for m in messages})
    split = 0
    for index, cut in enumerate(days[1:]):
        first, second = tmp_path / f"a{index}.mbox", tmp_path / f"b{index}.mbox"
        first.write_bytes(b"\n\n".join(m for m in messages if _day(m) < cut))
        second.write_bytes(b"\n\n".join(m for m in messages if _day(m) >= cut))
        alone = [t for path in (first, second) for t in import_paths("mbox", [str(path)])]
        split += len(alone) - len(expected)
        for runs in ([[first, second]], [[first], [second]], [[second], [first]]):
            out = tmp_path / f"out{index}-{len(runs)}-{runs[0][0].name}"
            for paths in runs:
                _import_cli(paths, out)
            assert _folder_shape(out) == expected, (cut, runs)
    assert split > 0  # some cut did split a discussion


def _mail(msgid: str, refs: list[str], subject: str = "Re: plan", day: int = 1) -> bytes:
    headers = [
        f"From {msgid}@x Mon Jan {day:2d} 10:00:00 2024",
        f"From: Person {msgid.upper()} <{msgid}@example.org>",
        f"Date: Mon, {day:02d} Jan 2024 10:00:00 +0000",
        f"Subject: {subject}",
        f"Message-ID: <{msgid}@example.org>",
    ]
    if refs:
        headers.append("References: " + " ".join(f"<{r}@example.org>" for r in refs))
        headers.append(f"In-Reply-To: <{refs[-1]}@example.org>")
    return ("\n".join(headers) + f"\n\nText of {msgid}.\n").encode()


def _mbox(path: Path, *mails: bytes) -> Path:
    path.write_bytes(b"\n".join(mails))
    return path


def _id(name: str) -> str:
    return short_id(f"{name}@example.org")


def _only(out: Path) -> Thread:
    files = sorted(out.glob("*.md"))
    assert len(files) == 1, [f.name for f in files]
    thread = read_thread_file(files[0])
    assert thread is not None
    return thread


def _placement(thread: Thread) -> dict[str, tuple[str | None, object]]:
    """Comment id -> (parent id, missing_parent)."""
    _post, rows = _tree(thread)
    return {cid: (parent, missing) for cid, parent, missing in rows}


def test_issue_17_reply_whose_ancestors_are_absent_attaches_to_the_nearest_present_one(tmp_path: Path) -> None:
    """root <- a <- b <- c <- d: the mailbox holds root, a and d; d goes under a (b and c absent), marked as
    answering c. Then a later run brings c: d moves under it and is no longer marked."""
    out = tmp_path / "content"
    first = _mbox(
        tmp_path / "jan.mbox",
        _mail("root", [], "plan"),
        _mail("a", ["root"]),
        _mail("d", ["root", "a", "b", "c"], day=4),
    )
    _import_cli([first], out)
    thread = _only(out)
    assert thread.extra.get("missing_post") is None and thread.title == "plan"
    assert _placement(thread) == {_id("a"): (None, None), _id("d"): (_id("a"), _id("c"))}
    _import_cli([_mbox(tmp_path / "feb.mbox", _mail("c", ["root", "a", "b"], day=3))], out)
    assert _placement(_only(out)) == {
        _id("a"): (None, None),
        _id("c"): (_id("a"), _id("b")),
        _id("d"): (_id("c"), None),
    }


def test_issue_17_second_run_joins_a_month_whose_parent_and_grandparent_are_in_the_first(tmp_path: Path) -> None:
    out = tmp_path / "content"
    _import_cli([_mbox(tmp_path / "jan.mbox", _mail("root", [], "plan"), _mail("g", ["root"], day=2))], out)
    # February: two replies to p (absent everywhere), which answers g (in January); and an answer to g.
    february = _mbox(
        tmp_path / "feb.mbox",
        _mail("x", ["root", "g", "p"], day=5),
        _mail("y", ["root", "g", "p"], day=6),
        _mail("z", ["root", "g"], day=7),
    )
    _import_cli([february], out)
    thread = _only(out)
    assert thread.extra.get("missing_post") is None and thread.author == "Person ROOT"
    assert _placement(thread) == {
        _id("g"): (None, None),
        _id("x"): (_id("g"), _id("p")),
        _id("y"): (_id("g"), _id("p")),
        _id("z"): (_id("g"), None),
    }


def test_issue_17_later_month_imported_first_gives_way_to_the_earlier_one(tmp_path: Path) -> None:
    """February first: a stand-in thread (the root is absent). January later: the stand-in file is joined into
    the real thread and removed; truncated References (no root in them) are followed as far as they go."""
    out = tmp_path / "content"
    february = _mbox(
        tmp_path / "feb.mbox",
        _mail("x", ["g", "p"], day=5),  # a client that cut References to the last two ids
        _mail("y", ["x"], day=6),
    )
    _import_cli([february], out)
    stand_in = _only(out)
    assert stand_in.extra.get("missing_post") is True
    _import_cli([_mbox(tmp_path / "jan.mbox", _mail("root", [], "plan"), _mail("g", ["root"], day=2))], out)
    thread = _only(out)
    assert thread.extra.get("missing_post") is None and thread.title == "plan"
    assert _placement(thread) == {
        _id("g"): (None, None),
        _id("x"): (_id("g"), _id("p")),
        _id("y"): (_id("x"), None),
    }


def test_issue_17_reply_without_any_present_ancestor_gets_a_stand_in_root(tmp_path: Path) -> None:
    """Nothing of the chain is present: never a separate thread whose post is the reply."""
    out = tmp_path / "content"
    _import_cli([_mbox(tmp_path / "mar.mbox", _mail("d", ["root", "a", "b", "c"], day=9))], out)
    thread = _only(out)
    assert thread.extra.get("missing_post") is True and thread.body == "" and thread.author is None
    assert thread.extra["origin_id"] == _id("root")[1:]
    assert _placement(thread) == {_id("d"): (None, _id("c"))}
    # An unrelated thread in a later run stays apart; the stand-in's own root arriving replaces the stand-in.
    _import_cli([_mbox(tmp_path / "apr.mbox", _mail("other", [], "other"), _mail("root", [], "plan"))], out)
    threads = [read_thread_file(p) for p in sorted(out.glob("*.md"))]
    assert sorted(t.title for t in threads if t is not None) == ["other", "plan"]
    [plan] = [t for t in threads if t is not None and t.title == "plan"]
    assert plan.extra.get("missing_post") is None and _placement(plan) == {_id("d"): (None, _id("c"))}


def test_issue_17_ids_a_later_run_needs_are_in_the_file(tmp_path: Path) -> None:
    out = tmp_path / "content"
    write_threads(list(import_paths("mbox", [str(_mbox(tmp_path / "a.mbox", _mail("d", ["r", "a", "b"])))])), out)
    text = next(out.glob("*.md")).read_text()
    assert f'references="{_id("r")} {_id("a")} {_id("b")}"' in text
    assert "@example.org" not in text  # hashed: the addresses in Message-IDs are not published


def test_issue_17_hostile_references_lose_no_mail(tmp_path: Path) -> None:
    """References that loop (x names y, y names x), name the mail itself, or run 500 ids long: every mail of
    both runs is in the folder once, and the files read back."""
    out = tmp_path / "content"
    _import_cli([_mbox(tmp_path / "a.mbox", _mail("root", [], "plan"), _mail("a", ["root"]))], out)
    long_chain = [f"n{i}" for i in range(500)]
    second = _mbox(
        tmp_path / "b.mbox",
        _mail("x", ["root", "a", "y"], day=3),
        _mail("y", ["root", "a", "x"], day=4),
        _mail("z", ["z", "root"], day=5),
        _mail("w", [*long_chain, "a"], day=6),
    )
    _import_cli([second], out)
    _import_cli([second], out)  # again: nothing doubles
    ids = [c.id for p in sorted(out.glob("*.md")) for t in [read_thread_file(p)] if t for c, _ in t.walk()]
    assert sorted(ids) == sorted(_id(n) for n in ("a", "x", "y", "z", "w"))
    text = "".join(p.read_text() for p in out.glob("*.md"))
    assert max(len(line) for line in text.splitlines()) < 32 * 12 + 200  # the recorded chain is capped


def test_issue_17_a_stand_in_file_without_recorded_references_is_found_by_its_id(tmp_path: Path) -> None:
    """A file an older import wrote (no `references`): its stand-in post's id in the front matter is enough."""
    out = tmp_path / "content"
    _import_cli([_mbox(tmp_path / "feb.mbox", _mail("x", ["a"], day=5))], out)
    [file] = out.glob("*.md")
    file.write_text(re.sub(r' references="[^"]*"| references=\S+', "", file.read_text()))
    assert "references" not in file.read_text()
    _import_cli([_mbox(tmp_path / "jan.mbox", _mail("root", [], "plan"), _mail("a", ["root"], day=2))], out)
    thread = _only(out)
    assert _placement(thread) == {_id("a"): (None, None), _id("x"): (_id("a"), None)}
