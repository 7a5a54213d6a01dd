"""Issue 19: `digest import` streams (one thread at a time, converted on worker processes) and writes what the
whole-list path writes: the same files, pages of one thread merged, the same counts."""

from __future__ import annotations

import argparse
from pathlib import Path

from support import corpus_dir

from site_src.importers import ImportOptions, import_paths
from site_src.importers.cli import add_arguments, run
from site_src.importers.common import read_bytes
from site_src.importers.discourse import parse_discourse_paths
from site_src.importers.write import write_thread_stream, write_threads
from site_src.readers import parse_text
from site_src.thread_files import format_markdown


def _discourse_files() -> list[str]:
    return sorted(str(p) for p in (corpus_dir() / "discourse").glob("*.json"))


def _tree(folder: Path) -> dict[str, str]:
    """Each thread file, as written back after one more reading (the stream writer merges a thread's later page
    into the file it wrote, read back: leading blank lines of a body do not survive that reading)."""
    return {
        p.name: format_markdown(parse_text(p.name, p.read_text(encoding="utf-8")))
        for p in sorted(folder.iterdir())
        if p.is_file()
    }


def test_discourse_topics_are_the_same_on_worker_processes() -> None:
    files = _discourse_files()
    serial = [format_markdown(t) for t in parse_discourse_paths(files, read_bytes, jobs=1)]
    spread = [format_markdown(t) for t in parse_discourse_paths(files, read_bytes, jobs=2)]
    assert len(serial) >= 2 and spread == serial


def test_discourse_paths_give_what_the_text_path_gives() -> None:
    files = _discourse_files()
    streamed = [format_markdown(t) for t in import_paths("discourse", files, ImportOptions(jobs=1))]
    from site_src.importers.common import read_text
    from site_src.importers.discourse import parse_discourse

    whole = [format_markdown(t) for t in parse_discourse([(f, read_text(f)) for f in files])]
    assert streamed == whole


def test_stream_writer_writes_what_the_list_writer_writes(tmp_path: Path) -> None:
    """Two pages of one Reddit thread and a thread of its own: merged into one file, as `write_threads` does."""
    root = corpus_dir() / "reddit-json"
    names = [
        "praw_3hahrw_funny_full.json",
        "praw_3hahrw_continue_thread_cu5w5nv.json",
        "rtv_2xmo63_python_complete.json",
    ]
    paths = [str(root / n) for n in names]
    write_threads([t for p in paths for t in import_paths("reddit", [p])], tmp_path / "list")
    written = list(write_thread_stream((t for p in paths for t in import_paths("reddit", [p])), tmp_path / "stream"))
    assert [w.status for w in written] == ["created", "updated", "created"]  # the second page: merged into the first
    assert _tree(tmp_path / "stream") == _tree(tmp_path / "list")


def test_import_command_counts_each_file_once(tmp_path: Path, capsys: object) -> None:
    root = corpus_dir() / "reddit-json"
    names = ["praw_3hahrw_funny_full.json", "praw_3hahrw_continue_thread_cu5w5nv.json"]
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args(["reddit", *(str(root / n) for n in names), "--out", str(tmp_path)])
    assert run(args) == 0
    err = capsys.readouterr().err  # type: ignore[attr-defined]
    assert "reddit: 1 threads" in err and "(1 created, 0 updated, 0 unchanged)" in err
    assert len(list(tmp_path.glob("*.md"))) == 1
