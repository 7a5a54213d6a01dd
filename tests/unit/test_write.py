"""The writer: atomic swap, unchanged files kept (same inode), foreign folders refused, crashes recovered."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from site_src.write import MARKER, OutputError, recover_interrupted, write_site


def test_replaces_whole_folder_and_keeps_unchanged_files(tmp_path: Path) -> None:
    out = tmp_path / "public"
    write_site({"index.html": b"one", "a/b.html": b"b", "gone.html": b"x"}, out)
    inode = (out / "a/b.html").stat().st_ino
    mtime = (out / "a/b.html").stat().st_mtime_ns
    stats = write_site({"index.html": b"two", "a/b.html": b"b"}, out)
    assert (stats.written, stats.unchanged, stats.removed) == (1, 1, 1)
    assert (out / "index.html").read_bytes() == b"two"
    assert not (out / "gone.html").exists()
    assert (out / "a/b.html").stat().st_ino == inode
    assert (out / "a/b.html").stat().st_mtime_ns == mtime
    assert sorted(p.name for p in tmp_path.iterdir()) == ["public"]  # no temporary folders left


def test_refuses_a_folder_it_did_not_write(tmp_path: Path) -> None:
    out = tmp_path / "precious"
    out.mkdir()
    (out / "thesis.tex").write_text("years of work")
    with pytest.raises(OutputError, match="refusing to replace"):
        write_site({"index.html": b"x"}, out)
    assert (out / "thesis.tex").read_text() == "years of work"


def test_unsafe_names_never_escape(tmp_path: Path) -> None:
    out = tmp_path / "public"
    for name in ("../evil.html", "/etc/evil", "a/../../evil", ""):
        with pytest.raises(ValueError, match="unsafe output path"):
            write_site({name: b"x"}, out)
    assert not (tmp_path / "evil.html").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_recovers_from_a_build_killed_between_renames(tmp_path: Path) -> None:
    out = tmp_path / "public"
    write_site({"index.html": b"good"}, out)
    os.rename(out, tmp_path / ".public.old-abc")  # killed after moving the old site away
    (tmp_path / ".public.tmp-def").mkdir()  # and before the new one was moved in
    recover_interrupted(out)
    assert (out / "index.html").read_bytes() == b"good" and (out / MARKER).exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["public"]


def test_unwritable_output_gives_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(OutputError, match="cannot create"):
        write_site({"index.html": b"x"}, blocker / "public")
    assert blocker.read_text() == "not a folder"


def test_concurrent_writers_take_turns(tmp_path: Path) -> None:
    """Two builds writing the same folder at once: each waits for the other, neither loses its files."""
    import threading

    out = tmp_path / "public"
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            for _ in range(5):
                write_site({f"f{i}.html": f"{n}".encode() for i in range(200)}, out)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    contents = {p.read_bytes() for p in out.glob("f*.html")}
    assert len(contents) == 1 and len(list(out.glob("f*.html"))) == 200
    assert sorted(p.name for p in tmp_path.iterdir()) == ["public"]
