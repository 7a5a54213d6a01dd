"""Issue 19: Discourse topics are read one topic at a time (a first pass for topic ids, then each topic's pages)
and converted on worker processes, and give what reading every text at once gives."""

from __future__ import annotations

from support import corpus_dir

from site_src.importers import ImportOptions, import_paths
from site_src.importers.common import read_bytes, read_text
from site_src.importers.discourse import parse_discourse, parse_discourse_paths
from site_src.thread_files import format_markdown


def _discourse_files() -> list[str]:
    return sorted(str(p) for p in (corpus_dir() / "discourse").glob("*.json"))


def test_discourse_topics_are_the_same_on_worker_processes() -> None:
    files = _discourse_files()
    serial = [format_markdown(t) for t in parse_discourse_paths(files, read_bytes, jobs=1)]
    spread = [format_markdown(t) for t in parse_discourse_paths(files, read_bytes, jobs=2)]
    assert len(serial) >= 2 and spread == serial


def test_discourse_paths_give_what_the_text_path_gives() -> None:
    files = _discourse_files()
    warned: list[object] = []
    whole_warned: list[object] = []
    streamed = [format_markdown(t) for t in parse_discourse_paths(files, read_bytes, None, warned.append, jobs=2)]
    whole = [format_markdown(t) for t in parse_discourse([(f, read_text(f)) for f in files], None, whole_warned.append)]
    assert streamed == whole
    assert [str(w) for w in warned] == [str(w) for w in whole_warned]


def test_import_paths_uses_the_streaming_reader() -> None:
    files = _discourse_files()
    assert len(list(import_paths("discourse", files, ImportOptions(jobs=2)))) == len(
        list(parse_discourse([(f, read_text(f)) for f in files]))
    )
