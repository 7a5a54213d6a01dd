"""Issue 20.3 and 20.4: a killed build leaves no worker, no lock and no mixed site.

`digest build` is stopped with SIGKILL (no clean-up at all), SIGTERM (what `timeout`, systemd and CI send)
and SIGINT (Ctrl-C) while its worker processes run, and, in the slow loop, at random moments of cold builds
and of cached edits. Only the build process itself is signalled (not its process group): its workers must
go with it on their own. After every stop: no process of the build is left, the output's parent folder can
be locked at once, the output folder is exactly the previous or the new site, and the next build finishes
and equals a cold build.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from security_support import METRICS, read_tree

from site_src.config import load_config
from site_src.pipeline import build
from site_src.write import spare_folder

REPO = Path(__file__).resolve().parents[2]
KILLS = int(os.environ.get("SECURITY_STOPS", "24"))
"""Stops in the slow loop (each is a fresh `digest build` process, half SIGKILL, half SIGTERM)."""
THREADS = 230
"""Enough thread files for a default build to start a process pool (`pipeline.PARALLEL_FROM`)."""

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc (Linux)")


def write_version(site: Path, which: str, threads: int = THREADS, edited: int = 3) -> None:
    """Content version `which`: the first `edited` threads say which version they are; the rest never change
    (so a cached build of the other version is a small edit)."""
    content = site / "content"
    content.mkdir(parents=True, exist_ok=True)
    for n in range(threads):
        label = which if n < edited else "same"
        path = content / f"t{n:03d}.md"
        text = (
            f"---\ntitle: Thread {n} {label}\ndate: 2025-0{1 + n % 9}-1{n % 9}\ntags: [t{n % 7}]\n---\n\n"
            f"Post {n} ({label}) about ferries, bridges and the river at dawn.\n\n"
            f"--- comment id=c1 author=u{n % 5}\nA comment on thread {n}, version {label}.\n\n"
            f"--- comment id=c2 parent=c1 author=u{n % 3}\nA reply about thread {n}.\n"
        )
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")


def finish(child: subprocess.Popen[bytes], timeout: float) -> int:
    """Wait for `child` (reading its stderr) and return its exit code."""
    child.communicate(timeout=timeout)
    return child.returncode


def start(site: Path, *extra: str) -> subprocess.Popen[bytes]:
    """`digest build SITE -q` in its own process group (so the test can see every process it started)."""
    return subprocess.Popen(
        [sys.executable, "-m", "site_src", "build", str(site), "-q", *extra],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def group(pgid: int) -> list[int]:
    """Live processes (zombies excluded) of process group `pgid`."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if fields[0] != "Z" and int(fields[2]) == pgid:
            found.append(int(entry))
    return found


def children(pid: int) -> list[int]:
    found: list[int] = []
    with contextlib.suppress(OSError):
        for task in os.listdir(f"/proc/{pid}/task"):
            found += [int(c) for c in Path(f"/proc/{pid}/task/{task}/children").read_text().split()]
    return found


def wait_for_workers(child: subprocess.Popen[bytes], timeout: float = 120) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and child.poll() is None:
        if children(child.pid):
            return True
        time.sleep(0.005)
    return False


def gone(pgid: int, timeout: float = 10) -> bool:
    """Whether every process of the group has ended within `timeout` (killing what is left, after)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not group(pgid):
            return True
        time.sleep(0.05)
    for pid in group(pgid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    return False


def lock_free(folder: Path) -> bool:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(descriptor)


def temporary(out: Path) -> list[str]:
    """What a build left beside `out` besides its spare copy of the previous site."""
    spare = spare_folder(out).name
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.") and p.name != spare)


@pytest.fixture
def site(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    write_version(site, "A")
    return site


def test_issue_20_sigkilled_build_leaves_no_worker_and_no_lock(site: Path) -> None:
    child = start(site, "-j", "2", "--no-cache")
    assert wait_for_workers(child), "the build never started its workers"
    os.kill(child.pid, signal.SIGKILL)  # the build only: its workers must follow by themselves
    finish(child, 30)
    assert gone(child.pid), "worker processes outlived the killed build"
    assert lock_free(site), "a worker still holds the lock on the output's parent folder"
    done = start(site)
    assert finish(done, 300) == 0
    assert (site / "public" / "index.html").is_file()


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_issue_20_sigterm_and_sigint_stop_the_build_cleanly(site: Path, signum: int, code: int) -> None:
    first = start(site, "-j", "2")
    assert finish(first, 300) == 0
    out = site / "public"
    before = read_tree(out)
    write_version(site, "B", edited=THREADS)  # every thread changes: the workers have work
    child = start(site, "-j", "2")
    assert wait_for_workers(child), "the build never started its workers"
    os.kill(child.pid, signum)
    _, err = child.communicate(timeout=60)
    assert child.returncode == code, err.decode()
    assert "Traceback" not in err.decode()
    assert gone(child.pid), "worker processes outlived the stopped build"
    assert read_tree(out) == before
    assert temporary(out) == []
    assert lock_free(site)


def _cold(site: Path, tmp_path: Path, name: str) -> dict[str, bytes]:
    result = build(load_config(site, {"output_dir": str(tmp_path / name)}), use_cache=False, jobs=1)
    assert result.report.errors == []
    return read_tree(tmp_path / name)


@pytest.mark.slow
def test_issue_20_builds_stopped_at_random_moments_leave_old_or_new_site(site: Path, tmp_path: Path) -> None:
    refs = {}
    for which in ("A", "B"):
        write_version(site, which)
        refs[which] = _cold(site, tmp_path, f"ref-{which}")
    assert refs["A"] != refs["B"]
    write_version(site, "A")
    started = time.monotonic()
    first = start(site, "-j", "2")
    assert finish(first, 300) == 0
    normal = time.monotonic() - started  # a whole build with its pool, interpreter start included
    out = site / "public"
    assert read_tree(out) == refs["A"]

    rnd = random.Random(int(os.environ.get("SECURITY_SEED", "20")))
    current, outcomes = "A", {"old": 0, "new": 0, "finished": 0, "with workers": 0}
    for n in range(KILLS):
        target = "B" if current == "A" else "A"
        write_version(site, target)
        cold = rnd.random() < 0.4  # a cold build runs on a pool; a cached one is a small edit in one process
        child = start(site, "-j", "2", *(["--no-cache"] if cold else []))
        if cold and rnd.random() < 0.5:
            wait_for_workers(child)
            outcomes["with workers"] += 1
        time.sleep(rnd.uniform(0, normal if cold else 0.6 * normal))
        signum = signal.SIGKILL if n % 2 == 0 else signal.SIGTERM
        with contextlib.suppress(ProcessLookupError):
            os.kill(child.pid, signum)
        child.communicate(timeout=120)
        # -SIGTERM: stopped while Python was still starting, before `digest build` took over SIGTERM (nothing to
        # clean up yet); the checks below hold all the same
        assert child.returncode in (0, -signal.SIGKILL, -signal.SIGTERM, 143), child.returncode
        outcomes["finished"] += child.returncode == 0
        assert gone(child.pid), "processes outlived the stopped build"
        assert lock_free(site)
        state = read_tree(out)
        assert state in (refs[current], refs[target]), "the output folder is a mix of two sites"
        outcomes["old" if state == refs[current] else "new"] += 1
        current = "A" if state == refs["A"] else "B"
        assert len(temporary(out)) <= 1, temporary(out)  # the next build clears what a killed one left
    # the next build finishes in its normal time (a generous bound: it must not wait for a lock) and is a cold build
    target = "B" if current == "A" else "A"
    write_version(site, target)
    child = start(site, "-j", "2")
    assert finish(child, 60 + 10 * normal) == 0
    assert read_tree(out) == refs[target]
    assert temporary(out) == []
    shutil.rmtree(site / ".digest-cache")
    METRICS["stops: SIGKILL + SIGTERM of digest build (issue 20)"] = KILLS
    METRICS["stops: old site / new site / build had finished"] = (
        f"{outcomes['old']} / {outcomes['new']} / {outcomes['finished']}"
    )
    METRICS["stops: with workers running / mixed sites / processes left"] = f"{outcomes['with workers']} / 0 / 0"
