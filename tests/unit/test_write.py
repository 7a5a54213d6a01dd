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
    assert sorted(p.name for p in tmp_path.iterdir()) == [".public.prev", "public"]  # the spare; no temporary folder


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
    assert sorted(p.name for p in tmp_path.iterdir()) == [".public.prev", "public"]


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
    assert sorted(p.name for p in tmp_path.iterdir()) == [".public.prev", "public"]


class _Killed(BaseException):
    """A kill: nothing after it runs but `finally` clauses, which never touch the output folder."""


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_issue_20_a_kill_at_any_step_of_a_cached_edit_leaves_old_or_new_site(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The commit of a small edit (a build whose cache vouches for the output) is stopped before each of its
    file-system calls in turn: the output folder at that moment is the old site or the new one, never a mix."""
    from site_src import write as writer

    monkeypatch.setattr(writer, "IN_PLACE_FROM", 1, raising=False)  # the old in-place path, where it exists
    old = {f"t/{n}/index.html": f"old {n}".encode() for n in range(30)} | {"index.html": b"home", "gone.html": b"x"}
    new = {name: data for name, data in old.items() if name != "gone.html"}
    new |= {"t/3/index.html": b"new 3", "t/7/index.html": b"new 7", "t/new/index.html": b"added", "index.html": b"h2"}
    steps = ("replace", "rename", "link", "unlink", "rmdir", "mkdir", "symlink")
    step, outcomes = 0, set[str]()
    while True:
        step += 1
        out = tmp_path / f"run{step}" / "public"
        write_site(old, out)
        write_site(old, out)  # a second build, as a site has had before its edits
        before = _tree(out)
        folder = writer.OutputFolder(out, update=True)
        for name in sorted(new):
            if new[name] != old.get(name):
                folder.put(name, new[name])
        folder.remove("gone.html")
        calls = {"n": 0}
        seen: list[dict[str, bytes]] = []

        def hooked(real, calls=calls, seen=seen, out=out, step=step):  # type: ignore[no-untyped-def]
            def call(*args, **kwargs):  # type: ignore[no-untyped-def]
                calls["n"] += 1
                if calls["n"] == step:
                    seen.append(_tree(out))
                    raise _Killed
                return real(*args, **kwargs)

            return call

        with monkeypatch.context() as patch:
            for name in steps:
                patch.setattr(writer.os, name, hooked(getattr(os, name)))
            patch.setattr(writer, "_exchange", hooked(writer._exchange))
            try:
                folder.commit(new)
                finished = True
            except _Killed:
                finished = False
        if finished:
            assert _tree(out) == {**new, MARKER: before[MARKER]}
            break
        assert seen and seen[0] in (before, {**new, MARKER: before[MARKER]}), f"mixed site when stopped at step {step}"
        outcomes.add("old" if seen[0] == before else "new")
        write_site(new, out)  # the next build finishes the job
        assert _tree(out) == {**new, MARKER: before[MARKER]}
    assert step > 3 and outcomes == {"old", "new"}


def test_issue_20_output_folder_mode_follows_the_umask(tmp_path: Path) -> None:
    previous = os.umask(0o022)
    try:
        write_site({"index.html": b"x", "t/a/index.html": b"a"}, tmp_path / "public")
        assert (tmp_path / "public").stat().st_mode & 0o777 == 0o755
        assert (tmp_path / "public" / "t").stat().st_mode & 0o777 == 0o755
        assert (tmp_path / "public" / "index.html").stat().st_mode & 0o777 == 0o644
        os.umask(0o027)
        write_site({"index.html": b"y"}, tmp_path / "other")
        assert (tmp_path / "other").stat().st_mode & 0o777 == 0o750
        os.chmod(tmp_path / "public", 0o711)  # set by hand: the next build keeps it
        write_site({"index.html": b"z"}, tmp_path / "public")
        assert (tmp_path / "public").stat().st_mode & 0o777 == 0o711
    finally:
        os.umask(previous)
