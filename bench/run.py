#!/usr/bin/env python3
"""Build the same generated corpus with Hugo and with thread-digest, side by side.

    python bench/run.py [--sizes 1000,10000] [--repeat 3] [--tools hugo,digest]
                        [--scenarios cold,noop,edit,serve-edit] [--json FILE]

For each size the corpus is generated once by ``gen_corpus.py`` and cached in
``bench/corpora/`` (regenerated when the generator, the Hugo adapter, the size or
the seed change); outputs go to ``bench/out/``.  Both folders are git-ignored.

Scenarios (each repeated ``--repeat`` times, tools interleaved within a repeat):

cold        no output folder and no cache (``OUT`` and ``SITE/.digest-cache``
            deleted; for Hugo ``OUT`` and ``SITE/resources``); the OS file cache is warm.
noop        the same build again, nothing changed.
edit        a sentence appended to one thread's file, then a build.
serve-edit  Hugo only (``hugo server --renderToDisk --disableFastRender``): time from
            appending a sentence to the file until the sentence is in the thread's
            page on disk; the RSS is the server's high-water mark (VmHWM).

Each command runs as a child of this process and is reaped with ``os.wait4``,
whose ``ru_maxrss`` covers that child and its waited-for descendants only
(not every child this runner ever had, as ``RUSAGE_CHILDREN`` would).  Because a
process pool spreads a build over several processes, the sum of the RSS of the
whole process tree is also sampled every 50 ms ("tree RSS").

The result is a Markdown table (median wall time, peak RSS over the repeats,
ratios thread-digest / Hugo) with the machine and the exact command.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import gen_corpus  # noqa: E402

SCENARIOS = ("cold", "noop", "edit", "serve-edit")
TOOL_LABELS = {"hugo": "Hugo", "digest": "thread-digest"}
TIMEOUT = 1800.0


# --------------------------------------------------------------------------- measuring


def _tree_rss_kb(root: int) -> int:
    """Sum of VmRSS over ``root`` and all its descendants (0 once it is gone)."""
    total = 0
    stack = [root]
    seen: set[int] = set()
    while stack:
        pid = stack.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            with open(f"/proc/{pid}/statm", "rb") as f:
                total += int(f.read().split()[1]) * (os.sysconf("SC_PAGE_SIZE") // 1024)
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children", "rb") as f:
                    stack.extend(int(x) for x in f.read().split())
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total


class TreeSampler(threading.Thread):
    def __init__(self, pid: int, interval: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.interval = interval
        self.peak_kb = 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            self.peak_kb = max(self.peak_kb, _tree_rss_kb(self.pid))
            self.done.wait(self.interval)


@dataclass
class Run:
    wall_s: float
    maxrss_kb: int
    tree_rss_kb: int
    ok: bool = True
    note: str = ""
    cpu_s: float = 0.0  # user + system time of the child and its waited-for descendants
    load1: float = 0.0  # 1-minute load average when the run started: how busy the machine was


def measure(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> Run:
    """Run ``cmd``; wall time, the child's own ru_maxrss (via wait4) and the sampled tree RSS."""
    load1 = _load1()
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
        sampler = TreeSampler(proc.pid)
        sampler.start()
        timer = threading.Timer(TIMEOUT, proc.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        wall = time.perf_counter() - start
        sampler.done.set()
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        run = Run(wall, usage.ru_maxrss, max(sampler.peak_kb, usage.ru_maxrss))
        run.cpu_s = usage.ru_utime + usage.ru_stime
        run.load1 = load1
        if proc.returncode != 0:
            out.seek(0)
            tail = out.read().decode(errors="replace").strip().splitlines()[-15:]
            run.ok = False
            run.note = f"exit {proc.returncode}: " + "\n".join(tail)
        return run


def _load1() -> float:
    try:
        return float(Path("/proc/loadavg").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 0.0


# --------------------------------------------------------------------------- corpora


def _fingerprint(n: int, seed: int) -> str:
    h = hashlib.sha256(f"{n}/{seed}".encode())
    for path in [HERE / "gen_corpus.py", *sorted((HERE / "hugo").rglob("*"))]:
        if path.is_file():
            h.update(path.relative_to(HERE).as_posix().encode())
            h.update(path.read_bytes())
    return h.hexdigest()


@dataclass
class Corpus:
    size: int
    site: Path
    hugo: Path
    edit_name: str
    stats: dict[str, Any]


def corpus(corpora: Path, n: int, seed: int) -> Corpus:
    site, hugo = corpora / f"digest-{n}-s{seed}", corpora / f"hugo-{n}-s{seed}"
    stamp = site / ".bench-stamp.json"
    fingerprint = _fingerprint(n, seed)
    try:
        meta = json.loads(stamp.read_text())
        if meta["fingerprint"] != fingerprint or not (hugo / "hugo.toml").exists():
            raise ValueError("stale")
    except (OSError, ValueError, KeyError):
        print(f"generating {n} threads (seed {seed}) in {site} and {hugo} ...", file=sys.stderr, flush=True)
        start = time.perf_counter()
        stats = gen_corpus.generate(n, site, seed, hugo)
        print(f"  {time.perf_counter() - start:.1f} s\n" + stats.report(), file=sys.stderr, flush=True)
        files = sorted(p.name for p in (site / "content").glob("*.md"))
        meta = {
            "fingerprint": fingerprint,
            "edit": files[len(files) // 2],
            "stats": {
                "threads": stats.threads,
                "comments": stats.comments,
                "markdown_bytes": stats.digest_bytes,
                "hugo_markdown_bytes": stats.hugo_bytes,
                "max_comments": stats.max_comments,
                "max_depth": stats.max_depth,
                "tags": len(stats.tags),
            },
        }
        stamp.write_text(json.dumps(meta, indent=1) + "\n")
    return Corpus(n, site, hugo, meta["edit"], meta["stats"])


# --------------------------------------------------------------------------- tools


@dataclass
class Tool:
    name: str
    site: Path
    out: Path
    edit_file: Path
    cmd: list[str]
    cache_dirs: list[Path] = field(default_factory=list)
    env: dict[str, str] | None = None

    def clean(self) -> None:
        for path in [self.out, *self.cache_dirs]:
            shutil.rmtree(path, ignore_errors=True)


def spare_of(out: Path) -> Path:
    """thread-digest's spare copy of the previous site beside `out` (`write.spare_folder`): output of the last
    build like `out` itself, so a cold build starts without it (else it would time deleting the last one's)."""
    return out.parent / f".{out.name}.prev"


def hugo_available() -> str | None:
    """None when Hugo can be run, else why not."""
    if shutil.which("hugo") is None:
        return "hugo not on PATH (apt-get install -y --no-install-recommends hugo)"
    return None


def digest_env() -> dict[str, str]:
    """The environment thread-digest runs in, as installed for a user: this checkout on the path, and compiled
    modules cached (pip compiles them at install; a checkout writes them on first run). A sandbox that sets
    PYTHONDONTWRITEBYTECODE made every run compile ~60 modules again."""
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def digest_available(python: str) -> str | None:
    proc = subprocess.run(  # also leaves the compiled modules in place for the measured runs
        [python, "-m", "site_src", "build", "--help"],
        cwd=REPO,
        env=digest_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        lines = (proc.stderr or proc.stdout).strip().splitlines()
        return f"`python -m site_src build --help` failed: {lines[-1] if lines else proc.returncode}"
    return None


def version(cmd: list[str]) -> str:
    try:
        proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, check=False, timeout=60)
    except OSError:
        return "?"
    lines = (proc.stdout or proc.stderr).strip().splitlines()
    return lines[0] if lines else "?"


def make_tools(names: list[str], c: Corpus, outdir: Path, python: str) -> list[Tool]:
    tools = []
    for name in names:
        out = outdir / f"{name}-{c.size}"
        if name == "hugo":
            tools.append(
                Tool(
                    "hugo",
                    c.hugo,
                    out,
                    c.hugo / "content" / "t" / c.edit_name,
                    ["hugo", "--quiet", "-s", str(c.hugo), "-d", str(out)],
                    [c.hugo / "resources"],
                )
            )
        elif name == "digest":
            tools.append(
                Tool(
                    "digest",
                    c.site,
                    out,
                    c.site / "content" / c.edit_name,
                    [python, "-m", "site_src", "build", str(c.site), "-o", str(out)],
                    [c.site / ".digest-cache", spare_of(out)],
                    digest_env(),
                )
            )
    return tools


def append_edit(path: Path, token: str) -> None:
    with path.open("a", encoding="utf-8") as f:
        f.write(f"\nThe ferry schedule changed again, see note {token}.\n")


def hugo_serve_edit(tool: Tool, repeat: int, port: int, log_path: Path) -> tuple[Run, list[Run]]:
    """Start ``hugo server`` writing to disk; time each edit until the rebuild is complete.

    Complete means: the edited thread's page on disk holds the new sentence and the server
    has logged the end of the rebuild ("Total in N ms").  The time until the page alone
    holds the sentence goes in the run's note.
    """
    tool.clean()
    page = tool.out / "t" / tool.edit_file.stem / "index.html"
    cmd = [
        "hugo", "server", "-s", str(tool.site), "-d", str(tool.out), "--renderToDisk", "--disableFastRender",
        "--disableLiveReload", "--bind", "127.0.0.1", "--port", str(port),
    ]  # fmt: skip

    def builds() -> int:
        try:
            return log_path.read_bytes().count(b"Total in ")
        except OSError:
            return 0

    hwm = 0
    edits: list[Run] = []
    with log_path.open("wb") as log:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    sampler = TreeSampler(proc.pid)
    sampler.start()
    try:
        startup = _wait_for(lambda: b"Web Server is available" in log_path.read_bytes(), proc, start)
        startup.cpu_s = _cpu_s(proc.pid)
        time.sleep(1.0)  # let the watcher settle after the first build
        for r in range(repeat):
            if not startup.ok:
                break
            token = f"serve-{r}-{time.time_ns()}"
            done_before = builds()
            load1, cpu0 = _load1(), _cpu_s(proc.pid)
            t0 = time.perf_counter()
            append_edit(tool.edit_file, token)
            seen = _wait_for(lambda t=token: _contains(page, t), proc, t0)
            done = _wait_for(lambda n=done_before: builds() > n, proc, t0)
            run = Run(done.wall_s, 0, 0, seen.ok and done.ok, f"page {seen.wall_s:.3f} s")
            run.cpu_s, run.load1 = _cpu_s(proc.pid) - cpu0, load1
            edits.append(run)
            time.sleep(1.0)
        hwm = _vm_hwm_kb(proc.pid)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        sampler.done.set()
        sampler.join()
    for run in [startup, *edits]:
        run.maxrss_kb = hwm
        run.tree_rss_kb = max(hwm, sampler.peak_kb)
    return startup, edits


def _contains(path: Path, token: str) -> bool:
    try:
        return token.encode() in path.read_bytes()
    except OSError:
        return False


def _wait_for(check: Callable[[], bool], proc: subprocess.Popen[bytes], start: float) -> Run:
    while time.perf_counter() - start < TIMEOUT:
        if check():
            return Run(time.perf_counter() - start, 0, 0)
        if proc.poll() is not None:
            return Run(time.perf_counter() - start, 0, 0, False, f"server exited {proc.returncode}")
        time.sleep(0.005)
    return Run(TIMEOUT, 0, 0, False, "timeout")


def _cpu_s(pid: int) -> float:
    """User + system time of a running process so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


def _vm_hwm_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


# --------------------------------------------------------------------------- reporting


def machine() -> dict[str, Any]:
    info: dict[str, Any] = {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": "?",
        "memory_gb": 0.0,
        "kernel": platform.release(),
        "python": platform.python_version(),
    }
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                info["memory_gb"] = round(int(line.split()[1]) / 1024**2, 1)
    except OSError:
        pass
    info["load_before"] = Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() else []
    return info


def summarize(runs: list[Run]) -> dict[str, Any]:
    good = [r for r in runs if r.ok]
    if not good:
        return {"ok": False, "note": runs[-1].note if runs else "not run", "runs": [asdict(r) for r in runs]}
    return {
        "ok": len(good) == len(runs),
        "median_s": statistics.median(r.wall_s for r in good),
        "min_s": min(r.wall_s for r in good),
        "max_s": max(r.wall_s for r in good),
        "median_cpu_s": statistics.median(r.cpu_s for r in good),
        "max_load1": max(r.load1 for r in good),
        "peak_rss_mb": max(r.maxrss_kb for r in good) / 1024,
        "peak_tree_rss_mb": max(r.tree_rss_kb for r in good) / 1024,
        "runs": [asdict(r) for r in runs],
    }


def _fmt_time(res: dict[str, Any] | None) -> str:
    if not res:
        return "-"
    if "median_s" not in res:
        return "failed"
    spread = f" ({res['min_s']:.2f}-{res['max_s']:.2f})" if res["max_s"] - res["min_s"] > 0.005 else ""
    return f"{res['median_s']:.2f} s{spread}"


def _fmt_cpu(res: dict[str, Any] | None) -> str:
    if not res or not res.get("median_cpu_s"):
        return "-"
    return f"{res['median_cpu_s']:.1f} s"


def _fmt_rss(res: dict[str, Any] | None) -> str:
    if not res or "median_s" not in res:
        return "-"
    tree = res["peak_tree_rss_mb"]
    own = res["peak_rss_mb"]
    return f"{own:,.0f} MB" + (f" (tree {tree:,.0f})" if tree > own * 1.1 else "")


def _ratio(a: dict[str, Any] | None, b: dict[str, Any] | None, key: str) -> str:
    if not a or not b or key not in a or key not in b or not b[key]:
        return "-"
    return f"{a[key] / b[key]:.2f}x"


def report(data: dict[str, Any]) -> str:
    m = data["machine"]
    lines = [
        f"Machine: {m['nproc']} cores ({m['cpu']}), {m['memory_gb']} GB RAM, Linux {m['kernel']}, "
        f"Python {m['python']}; load average before: {' '.join(m['load_before'])}",
        f"Hugo: {data['versions'].get('hugo', '-')}",
        f"Command: `{data['command']}`",
        "",
        "| threads | comments | Markdown |",
        "|--:|--:|--:|",
    ]
    for size, s in data["corpora"].items():
        lines.append(f"| {int(size):,} | {s['comments']:,} | {s['markdown_bytes'] / 1e6:.1f} MB |")
    lines += [
        "",
        f"Wall: median of {data['repeat']} runs (min-max). CPU: median user+system time. RSS: peak of the "
        "largest process over the runs (tree: summed over the process tree, sampled). Ratios: thread-digest / Hugo. "
        "Load: highest 1-minute load average seen at the start of a run.",
        "",
        "| threads | scenario | Hugo wall | Hugo CPU | Hugo RSS | thread-digest wall | thread-digest CPU "
        "| thread-digest RSS | wall ratio | CPU ratio | RSS ratio | load |",
        "|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for size in data["corpora"]:
        for scenario in data["scenarios"]:
            h = data["results"].get(f"hugo/{size}/{scenario}")
            d = data["results"].get(f"digest/{size}/{scenario}")
            if not h and not d:
                continue
            load = max((r or {}).get("max_load1", 0.0) for r in (h, d))
            lines.append(
                f"| {int(size):,} | {scenario} | {_fmt_time(h)} | {_fmt_cpu(h)} | {_fmt_rss(h)} "
                f"| {_fmt_time(d)} | {_fmt_cpu(d)} | {_fmt_rss(d)} | {_ratio(d, h, 'median_s')} "
                f"| {_ratio(d, h, 'median_cpu_s')} | {_ratio(d, h, 'peak_rss_mb')} | {load:.1f} |"
            )
            if scenario == "serve-edit" and h and "startup" in h:
                lines.append(f"| {int(size):,} | serve startup | {_fmt_time(h['startup'])} | | | | | | | | | |")
    for note in data["skipped"]:
        lines.append(f"\nSkipped: {note}")
    for key, res in data["results"].items():
        if not res.get("ok", True):
            lines.append(f"\nFailures in {key}: {res.get('note') or [r['note'] for r in res['runs'] if r['note']][:1]}")
    return "\n".join(lines)


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000", help="comma-separated thread counts")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--tools", default="hugo,digest", help="hugo,digest")
    parser.add_argument("--scenarios", default="cold,noop,edit,serve-edit", help=",".join(SCENARIOS))
    parser.add_argument("--python", default=sys.executable, help="interpreter for `python -m site_src`")
    parser.add_argument("--corpora", type=Path, default=HERE / "corpora")
    parser.add_argument("--out", type=Path, default=HERE / "out")
    parser.add_argument("--port", type=int, default=1314, help="port for `hugo server`")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the results as JSON")
    args = parser.parse_args(argv)

    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    scenarios = [s for s in args.scenarios.split(",") if s]
    names = [t for t in args.tools.split(",") if t]
    unknown = [s for s in scenarios if s not in SCENARIOS] + [t for t in names if t not in TOOL_LABELS]
    if unknown:
        parser.error(f"unknown: {', '.join(unknown)}")

    data: dict[str, Any] = {
        "command": shlex.join([Path(sys.executable).name, *sys.argv]),
        "machine": machine(),
        "repeat": args.repeat,
        "seed": args.seed,
        "scenarios": scenarios,
        "versions": {},
        "corpora": {},
        "results": {},
        "skipped": [],
    }
    available = []
    for name in names:
        why = hugo_available() if name == "hugo" else digest_available(args.python)
        if why:
            print(f"skipping {TOOL_LABELS[name]}: {why}", file=sys.stderr)
            data["skipped"].append(f"{TOOL_LABELS[name]}: {why}")
        else:
            available.append(name)
    if "hugo" in available:
        data["versions"]["hugo"] = version(["hugo", "version"])
    if "digest" in available:
        data["versions"]["digest"] = version(["git", "rev-parse", "--short", "HEAD"])

    args.corpora.mkdir(parents=True, exist_ok=True)
    args.out.mkdir(parents=True, exist_ok=True)
    for size in sizes:
        c = corpus(args.corpora, size, args.seed)
        data["corpora"][str(size)] = c.stats
        tools = make_tools(available, c, args.out, args.python)
        runs: dict[str, list[Run]] = {}
        broken: set[str] = set()
        originals = {t.name: t.edit_file.read_bytes() for t in tools}
        try:
            for r in range(args.repeat):
                for tool in tools:
                    if tool.name in broken:
                        continue
                    tool.edit_file.write_bytes(originals[tool.name])
                    for scenario in [s for s in scenarios if s != "serve-edit"]:
                        if scenario == "cold":
                            tool.clean()
                        elif scenario == "edit":
                            append_edit(tool.edit_file, f"{r}-{time.time_ns()}")
                        run = measure(tool.cmd, REPO, tool.env)
                        runs.setdefault(f"{tool.name}/{size}/{scenario}", []).append(run)
                        status = f"{run.wall_s:7.2f} s {run.maxrss_kb / 1024:7.0f} MB" if run.ok else "FAILED"
                        print(f"{size:>7} {tool.name:>6} {scenario:<5} #{r + 1}: {status}", file=sys.stderr, flush=True)
                        if not run.ok:
                            print(run.note, file=sys.stderr)
                            broken.add(tool.name)
                            break
            if "serve-edit" in scenarios and "hugo" in available:
                tool = next(t for t in tools if t.name == "hugo")
                tool.edit_file.write_bytes(originals["hugo"])
                startup, edits = hugo_serve_edit(tool, args.repeat, args.port, args.out / f"hugo-server-{size}.log")
                runs[f"hugo/{size}/serve-edit"] = edits
                runs[f"hugo/{size}/serve-startup"] = [startup]
                print(
                    f"{size:>7}   hugo serve: startup {startup.wall_s:.2f} s, edits "
                    + ", ".join(f"{e.wall_s:.2f} s" if e.ok else f"FAILED ({e.note})" for e in edits)
                    + f", VmHWM {startup.maxrss_kb / 1024:.0f} MB",
                    file=sys.stderr,
                    flush=True,
                )
        finally:
            for tool in tools:
                tool.edit_file.write_bytes(originals[tool.name])
        for key, rs in runs.items():
            if key.endswith("serve-startup"):
                continue
            data["results"][key] = summarize(rs)
        if f"hugo/{size}/serve-startup" in runs:
            data["results"][f"hugo/{size}/serve-edit"]["startup"] = summarize(runs[f"hugo/{size}/serve-startup"])

    text = report(data)
    print(text)
    if args.json:
        args.json.write_text(json.dumps(data, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
