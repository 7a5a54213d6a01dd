"""Issue 8.4: a crash loses nothing.

`digest build` is killed with SIGKILL at random moments, many times, while it replaces a site with a
different one: the output folder is always exactly the previous complete site or the new complete site,
and temporary folders do not pile up. A full disk and a read-only output folder give a clear error and
leave the previous site (for real on a small tmpfs when the tests may mount one; simulated otherwise).
"""

from __future__ import annotations

import contextlib
import errno
import os
import random
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from security_support import METRICS, read_tree

from site_src import write as writer
from site_src.config import load_config
from site_src.pipeline import build
from site_src.write import OutputError, write_site

REPO = Path(__file__).resolve().parents[2]
KILLS = int(os.environ.get("SECURITY_KILLS", "40"))
"""Kills in the slow loop (each is a fresh `digest build` process)."""


def version(site: Path, which: str, threads: int = 40) -> None:
    """Write content version `which` ("A" or "B"): every page differs, and B has a thread A lacks and vice versa."""
    content = site / "content"
    if content.exists():
        shutil.rmtree(content)
    content.mkdir(parents=True)
    names = [f"t{n:02d}" for n in range(threads)] + (["only-b"] if which == "B" else ["only-a"])
    for n, name in enumerate(names):
        comments = "\n".join(
            f"--- comment id=c{k} author=u{k % 5}{' parent=c' + str(k - 1) if k % 3 and k > 1 else ''}\n"
            f"Version {which} comment {k} on thread {n}: the ferry crossed the river at dawn."
            for k in range(1, 25)
        )
        (content / f"{name}.md").write_text(
            f"---\ntitle: Thread {n} version {which}\ndate: 2025-0{1 + n % 9}-1{n % 9}\ntags: [v{which}, t{n % 4}]\n"
            f"---\n\nPost {n} of version {which}.\n\n{comments}\n",
            encoding="utf-8",
        )


def leftovers(out: Path) -> list[str]:
    """Temporary folders beside `out` (not its spare, `.public.prev`, which every build keeps)."""
    spare = writer.spare_folder(out).name
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.") and p.name != spare)


def cli(site: Path, *extra: str, errors: bool = False) -> subprocess.Popen[bytes]:
    """`digest build SITE -q` in a child process; its stderr is piped when `errors` (read it with communicate)."""
    return subprocess.Popen(
        [sys.executable, "-m", "site_src", "build", str(site), "-q", *extra],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE if errors else subprocess.DEVNULL,
        start_new_session=True,  # its own process group: a kill reaches any worker processes it started
    )


def _wait_for_staging(out: Path, child: subprocess.Popen[bytes], timeout: float) -> None:
    """Return as soon as a `.public.tmp-*` folder appears beside `out` (or the build ends)."""
    deadline = time.perf_counter() + timeout
    prefix = f".{out.name}.tmp-"
    while time.perf_counter() < deadline and child.poll() is None:
        if any(name.startswith(prefix) for name in os.listdir(out.parent)):
            return
        time.sleep(0.001)


@pytest.mark.slow
def test_sigkill_at_random_moments_leaves_old_or_new_site(tmp_path: Path) -> None:
    site = tmp_path / "site"
    out = site / "public"
    refs: dict[str, dict[str, bytes]] = {}
    for which in ("A", "B"):
        version(site, which)
        result = build(load_config(site, {"output_dir": str(tmp_path / f"ref-{which}")}))
        assert result.report.errors == []
        refs[which] = read_tree(tmp_path / f"ref-{which}")
    assert refs["A"] != refs["B"]
    version(site, "A")
    started = time.perf_counter()
    assert cli(site).wait(timeout=120) == 0
    full = time.perf_counter() - started  # one whole build, interpreter start included
    assert read_tree(out) == refs["A"]

    rnd = random.Random(int(os.environ.get("SECURITY_SEED", "8")))
    current, outcomes, most_leftovers, mid_write = "A", {"old": 0, "new": 0}, 0, 0
    for _ in range(KILLS):
        target = "B" if current == "A" else "A"
        version(site, target)
        child = cli(site)
        if rnd.random() < 0.5:  # anywhere in the build
            time.sleep(rnd.uniform(0, 1.2 * full))
        else:  # in the dangerous part: once the new site's staging folder exists, while it is filled and swapped
            _wait_for_staging(out, child, timeout=3 * full)
            time.sleep(rnd.uniform(0, 0.08))
        with contextlib.suppress(ProcessLookupError):  # it may have finished first
            os.killpg(child.pid, signal.SIGKILL)
        child.wait(timeout=60)
        state = read_tree(out)
        assert state in (refs[current], refs[target]), "the output folder is a mix of two sites"
        outcomes["old" if state == refs[current] else "new"] += 1
        current = "A" if state == refs["A"] else "B"
        most_leftovers = max(most_leftovers, len(leftovers(out)))
        mid_write += bool(leftovers(out))
        assert len(leftovers(out)) <= 1, leftovers(out)  # the next build clears what a killed one left
    version(site, "B" if current == "A" else "A")
    assert cli(site).wait(timeout=120) == 0
    assert read_tree(out) == refs["B" if current == "A" else "A"]
    assert leftovers(out) == []
    METRICS["crash: SIGKILLs survived"] = KILLS
    METRICS["crash: kills that left the old site / the new site"] = f"{outcomes['old']} / {outcomes['new']}"
    METRICS["crash: most temporary folders after a kill"] = most_leftovers
    METRICS["crash: kills that landed while the new site was being written"] = mid_write
    METRICS["crash: mixed sites seen"] = 0


# ---------------------------------------------------------------- full disk, read-only output


@pytest.fixture
def tiny_tmpfs(tmp_path: Path) -> Iterator[Path]:
    """A 2 MB tmpfs mounted for this test (needs root and mount); skipped where that is not possible."""
    mount = tmp_path / "mnt"
    mount.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _small_and_big(site: Path, big: bool) -> None:
    content = site / "content"
    content.mkdir(parents=True, exist_ok=True)
    (content / "a.md").write_text("---\ntitle: Small\n---\nhello\n", encoding="utf-8")
    if big:
        words = " ".join(uuid.UUID(int=n).hex for n in range(120_000))  # 4 MB of text that does not compress away
        (content / "big.md").write_text(f"---\ntitle: Big\n---\n{words}\n", encoding="utf-8")


def test_full_disk_gives_a_clear_error_and_keeps_the_site(tmp_path: Path, tiny_tmpfs: Path) -> None:
    site = tmp_path / "site"
    _small_and_big(site, big=False)
    out = tiny_tmpfs / "public"
    assert build(load_config(site, {"output_dir": str(out)})).report.errors == []
    before = read_tree(out)
    _small_and_big(site, big=True)
    child = cli(site, "-o", str(out), errors=True)
    _, err = child.communicate(timeout=120)
    assert child.returncode == 1
    message = err.decode()
    assert "No space left on device" in message and "previous site is unchanged" in message
    assert read_tree(out) == before
    assert leftovers(out) == []


def test_read_only_output_gives_a_clear_error_and_keeps_the_site(tmp_path: Path, tiny_tmpfs: Path) -> None:
    site = tmp_path / "site"
    _small_and_big(site, big=False)
    out = tiny_tmpfs / "public"
    assert build(load_config(site, {"output_dir": str(out)})).report.errors == []
    before = read_tree(out)
    (site / "content" / "a.md").write_text("---\ntitle: Changed\n---\nhello again\n", encoding="utf-8")
    subprocess.run(["mount", "-o", "remount,ro", str(tiny_tmpfs)], check=True)
    child = cli(site, "-o", str(out), errors=True)
    _, err = child.communicate(timeout=120)
    assert child.returncode == 1
    assert "Read-only file system" in err.decode()
    assert read_tree(out) == before


def _old_site(tmp_path: Path) -> tuple[Path, dict[str, bytes]]:
    out = tmp_path / "public"
    write_site({"index.html": b"old", "t/a/index.html": b"old a"}, out)
    return out, read_tree(out)


def test_no_space_while_filling_is_an_output_error_and_keeps_the_site(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Simulated full disk (runs everywhere): the third file written fails with ENOSPC."""
    out, before = _old_site(tmp_path)
    real = writer._write_new
    calls = {"n": 0}

    def full(path: str, data: bytes) -> None:
        calls["n"] += 1
        if calls["n"] >= 3:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real(path, data)

    monkeypatch.setattr(writer, "_write_new", full)  # how the writer creates every new file
    with pytest.raises(OutputError, match=r"No space left on device.*previous site is unchanged"):
        write_site({f"p{n}.html": b"new" * n for n in range(10)}, out)
    monkeypatch.undo()
    assert read_tree(out) == before and leftovers(out) == []


def test_read_only_parent_is_an_output_error_and_keeps_the_site(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Simulated read-only folder (root ignores permissions): the staging folder cannot be made."""
    out, before = _old_site(tmp_path)

    def refuse(*args: object, **kwargs: object) -> str:
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr(writer.tempfile, "mkdtemp", refuse)
    with pytest.raises(OutputError, match="Read-only file system"):
        write_site({"index.html": b"new"}, out)
    monkeypatch.undo()
    assert read_tree(out) == before


def test_swap_refused_is_an_output_error_and_keeps_the_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The output folder itself cannot be replaced (EACCES on rename): staging is removed, the site stays."""
    out, before = _old_site(tmp_path)

    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))

    monkeypatch.setattr(writer, "_exchange", lambda a, b: False)
    monkeypatch.setattr(writer.os, "rename", refuse)
    with pytest.raises(OutputError, match="Permission denied"):
        write_site({"index.html": b"new"}, out)
    monkeypatch.undo()
    assert read_tree(out) == before and leftovers(out) == []


def test_killed_between_renames_is_recovered_by_the_next_build(tmp_path: Path) -> None:
    """Without RENAME_EXCHANGE the site is moved aside first: a kill right then leaves `.public.old-*` only,
    which the next build puts back before anything else."""
    out, before = _old_site(tmp_path)
    aside = out.parent / f".{out.name}.old-killed"
    os.rename(out, aside)
    (out.parent / f".{out.name}.tmp-killed").mkdir()
    writer.recover_interrupted(out)
    assert read_tree(out) == before and leftovers(out) == []
