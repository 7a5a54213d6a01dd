#!/usr/bin/env python3
"""A real forum archive, built by thread-digest and by Hugo side by side (issue 19).

    python bench/bench_archive.py [--repeat 3] [--scenarios import,cold,noop,edit,identical]
                                  [--work DIR] [--archive DIR] [--json FILE]

The archive is `../shared/corpus-large/urho3d-discourse/` (5,046 Discourse topics, 31,944 replies). Once per
work folder (default `/tmp/thread-digest-bench/urho3d`, never inside the repository: the archive has no
licence to be copied) its two tarballs are unpacked, `digest import discourse` turns the topic JSON into
thread files (`site/content/`), and the archive's `hugo_site.py` writes the same topics as a Hugo site
(`hugo/`). Both are kept and reused.

Scenarios, each repeated `--repeat` times, the two tools alternating within a repeat:

import     `digest import discourse posts/json/*.json --out FRESH_DIR` (thread-digest only)
cold       thread-digest `build site -o OUT --no-cache -q` (default `-j`) with OUT and its spare `.OUT.prev`
           deleted; Hugo `hugo --quiet -s hugo -d OUT` with OUT and `hugo/resources` deleted
noop       thread-digest: a cached build again, nothing changed
edit       thread-digest: a sentence appended to one topic's file, then a cached build (the file is restored)
identical  not timed: the output of `-j 1` cold, `-j 2` cold, and a cached build after an edit was undone must
           be byte-identical, file by file (exit 1 when not)

Wall, CPU (user + system of the command and its children) and peak RSS are measured as `run.py` does (its
`measure`: `os.wait4`, plus the RSS summed over the process tree). The table gives the median over the repeats
and the ratio thread-digest / Hugo. `serve` edit-to-screen on the archive: `bench_serve.py --site WORK/site`.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import shlex
import shutil
import statistics
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from run import Run, digest_available, digest_env, hugo_available, machine, measure, spare_of, version  # noqa: E402

ARCHIVE = REPO.parent.parent / "shared" / "corpus-large" / "urho3d-discourse"
if not ARCHIVE.is_dir():  # a worktree sits two levels below the folder holding shared/
    ARCHIVE = REPO.parent / "shared" / "corpus-large" / "urho3d-discourse"
SCENARIOS = ("import", "cold", "noop", "edit", "identical")


def prepare(archive: Path, work: Path, python: str) -> tuple[Path, Path]:
    """Unpack, import and write the Hugo site once; returns (thread-digest site, Hugo site)."""
    posts = work / "posts"
    if not (posts / "json").is_dir() or not (posts / "raw").is_dir():
        work.mkdir(parents=True, exist_ok=True)
        for name in ("urho-json.tar.xz", "urho-raw.tar.xz"):
            print(f"unpacking {name} into {work} ...", file=sys.stderr, flush=True)
            with tarfile.open(archive / name) as tar:
                tar.extractall(work, filter="data")
    site, hugo = work / "site", work / "hugo"
    stamp = site / ".bench-imported"
    if not stamp.exists():
        shutil.rmtree(site, ignore_errors=True)
        print("importing the archive ...", file=sys.stderr, flush=True)
        files = sorted(str(p) for p in (posts / "json").glob("*.json"))
        cmd = [python, "-m", "site_src", "import", "discourse", *files, "--out", str(site / "content")]
        subprocess.run(cmd, cwd=REPO, env=digest_env(), check=True)
        stamp.write_text("imported\n")
    if not (hugo / "hugo.toml").exists():
        print("writing the Hugo site ...", file=sys.stderr, flush=True)
        cmd = [sys.executable, str(archive / "hugo_site.py"), str(posts / "json"), str(posts / "raw"), str(hugo)]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return site, hugo


def _digest_build(python: str, site: Path, out: Path, *extra: str) -> list[str]:
    return [python, "-m", "site_src", "build", str(site), "-o", str(out), "-q", *extra]


def _same_trees(a: Path, b: Path) -> list[str]:
    """Relative paths that differ between two output folders (missing on one side, or other bytes)."""
    left = {p.relative_to(a).as_posix() for p in a.rglob("*") if p.is_file()}
    right = {p.relative_to(b).as_posix() for p in b.rglob("*") if p.is_file()}
    differ = sorted(left ^ right)
    differ += [n for n in sorted(left & right) if not filecmp.cmp(a / n, b / n, shallow=False)]
    return differ


def check_identical(python: str, site: Path, work: Path) -> list[str]:
    """-j 1 cold, -j 2 cold, and a cached build after an undone edit: byte-identical outputs (problems listed)."""
    env = digest_env()
    outs = {name: work / f"identical-{name}" for name in ("j1", "j2", "cached")}
    for out in outs.values():
        shutil.rmtree(out, ignore_errors=True)
        shutil.rmtree(spare_of(out), ignore_errors=True)
    shutil.rmtree(site / ".digest-cache", ignore_errors=True)
    problems: list[str] = []
    for name, extra in (("j1", ["--no-cache", "-j", "1"]), ("j2", ["--no-cache", "-j", "2"])):
        subprocess.run(_digest_build(python, site, outs[name], *extra), cwd=REPO, env=env, check=True)
    cached = outs["cached"]
    subprocess.run(_digest_build(python, site, cached), cwd=REPO, env=env, check=True)  # fills the cache
    edited = sorted((site / "content").glob("*.md"))[len(list((site / "content").glob("*.md"))) // 2]
    original = edited.read_bytes()
    try:
        edited.write_bytes(original + b"\nA sentence added, then taken away again.\n")
        subprocess.run(_digest_build(python, site, cached), cwd=REPO, env=env, check=True)
    finally:
        edited.write_bytes(original)
    subprocess.run(_digest_build(python, site, cached), cwd=REPO, env=env, check=True)
    for name in ("j2", "cached"):
        differ = _same_trees(outs["j1"], outs[name])
        if differ:
            problems.append(f"-j 1 cold vs {name}: {len(differ)} files differ, first {differ[:5]}")
    return problems


def summarize(runs: list[Run]) -> dict[str, Any]:
    good = [r for r in runs if r.ok]
    if not good:
        return {"ok": False, "note": runs[-1].note if runs else "not run"}
    return {
        "wall_s": statistics.median(r.wall_s for r in good),
        "min_s": min(r.wall_s for r in good),
        "max_s": max(r.wall_s for r in good),
        "cpu_s": statistics.median(r.cpu_s for r in good),
        "rss_mb": max(r.maxrss_kb for r in good) / 1024,
        "tree_mb": max(r.tree_rss_kb for r in good) / 1024,
        "load1": max(r.load1 for r in good),
        "runs": len(good),
    }


def _row(label: str, res: dict[str, Any] | None) -> str:
    if not res:
        return f"| {label} | - | - | - | - |"
    if "wall_s" not in res:
        return f"| {label} | failed: {res.get('note', '')[:60]} | | | |"
    return (
        f"| {label} | {res['wall_s']:.2f} s ({res['min_s']:.2f}-{res['max_s']:.2f}) | {res['cpu_s']:.1f} s"
        f" | {res['rss_mb']:,.0f} MB (tree {res['tree_mb']:,.0f}) | {res['load1']:.1f} |"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--scenarios", default="cold,noop,edit")
    parser.add_argument("--work", type=Path, default=Path("/tmp/thread-digest-bench/urho3d"))
    parser.add_argument("--archive", type=Path, default=ARCHIVE)
    parser.add_argument("--jobs", help="thread-digest -j for the timed builds (default: its own choice)")
    parser.add_argument("--json", type=Path, help="also write every figure here")
    args = parser.parse_args()
    scenarios = [s for s in args.scenarios.split(",") if s]
    unknown = set(scenarios) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenarios {sorted(unknown)}; known: {', '.join(SCENARIOS)}")
    if not args.archive.is_dir():
        print(f"archive not found: {args.archive}", file=sys.stderr)
        return 2
    python = sys.executable
    why = digest_available(python)
    if why:
        print(why, file=sys.stderr)
        return 2
    no_hugo = hugo_available()
    if no_hugo:
        print(f"Hugo skipped: {no_hugo}", file=sys.stderr)
    work = args.work.resolve()
    site, hugo = prepare(args.archive, work, python)
    env = digest_env()
    jobs = ["-j", args.jobs] if args.jobs else []
    # cold builds get their own folder: a --no-cache build replacing the cached builds' output would make
    # the next "no-op" redo every page it no longer finds as it left them
    out, cold_out, hugo_out = work / "out-digest", work / "out-digest-cold", work / "out-hugo"
    runs: dict[str, list[Run]] = {}

    def timed(key: str, cmd: list[str], cwd: Path = REPO, tool_env: dict[str, str] | None = env) -> None:
        run = measure(cmd, cwd, tool_env)
        runs.setdefault(key, []).append(run)
        note = "" if run.ok else f"  FAILED {run.note}"
        print(f"  {key}: {run.wall_s:.2f} s wall, {run.cpu_s:.1f} s CPU, {run.maxrss_kb / 1024:.0f} MB{note}",
              file=sys.stderr, flush=True)  # fmt: skip

    edit_file = sorted((site / "content").glob("*.md"))[len(list((site / "content").glob("*.md"))) // 2]
    for r in range(args.repeat):
        print(f"repeat {r + 1}/{args.repeat}", file=sys.stderr, flush=True)
        if "import" in scenarios:
            fresh = work / "import-check"
            shutil.rmtree(fresh, ignore_errors=True)
            files = sorted(str(p) for p in (work / "posts" / "json").glob("*.json"))
            timed("digest import", [python, "-m", "site_src", "import", "discourse", *files, "--out", str(fresh)])
            shutil.rmtree(fresh, ignore_errors=True)
        if "cold" in scenarios:
            order = ["digest", "hugo"] if r % 2 == 0 else ["hugo", "digest"]
            for tool in order:
                if tool == "hugo" and not no_hugo:
                    shutil.rmtree(hugo_out, ignore_errors=True)
                    shutil.rmtree(hugo / "resources", ignore_errors=True)
                    timed("Hugo cold", ["hugo", "--quiet", "-s", str(hugo), "-d", str(hugo_out)], hugo, None)
                elif tool == "digest":
                    shutil.rmtree(cold_out, ignore_errors=True)
                    shutil.rmtree(spare_of(cold_out), ignore_errors=True)  # no output of an earlier build
                    timed("digest cold", _digest_build(python, site, cold_out, "--no-cache", *jobs))
        if "noop" in scenarios or "edit" in scenarios:
            if r == 0:  # untimed: a cache left by other code (or none) is made current first
                subprocess.run(_digest_build(python, site, out, *jobs), cwd=REPO, env=env, check=True)
            if "noop" in scenarios:
                timed("digest no-op", _digest_build(python, site, out, *jobs))
            if "edit" in scenarios:
                original = edit_file.read_bytes()
                try:
                    edit_file.write_bytes(original + f"\nThe build moved to a new machine, note {r}.\n".encode())
                    timed("digest one-topic edit", _digest_build(python, site, out, *jobs))
                finally:
                    edit_file.write_bytes(original)
                subprocess.run(_digest_build(python, site, out, *jobs), cwd=REPO, env=env, check=True)
    problems: list[str] = []
    if "identical" in scenarios:
        print("checking -j 1 / -j 2 / cached outputs ...", file=sys.stderr, flush=True)
        problems = check_identical(python, site, work)
    results = {key: summarize(value) for key, value in runs.items()}
    m = machine()
    command = "python " + " ".join(shlex.quote(a) for a in ["bench/bench_archive.py", *sys.argv[1:]])
    print(f"\nMachine: {m['nproc']} cores ({m['cpu']}), {m['memory_gb']} GB RAM, Python {m['python']}")
    print(f"Hugo: {version(['hugo', 'version']) if not no_hugo else 'not run'}")
    print(f"Command: `{command}`  (median of {args.repeat}; the two tools alternate)\n")
    print("| urho3d archive (5,046 topics) | wall: median (min-max) | CPU | peak RSS | load |")
    print("|---|--:|--:|--:|--:|")
    for key in ("digest import", "digest cold", "Hugo cold", "digest no-op", "digest one-topic edit"):
        if key in results:
            print(_row(key, results[key]))
    cold, hugo_cold = results.get("digest cold", {}), results.get("Hugo cold", {})
    if "wall_s" in cold and "wall_s" in hugo_cold:
        print(
            f"\nthread-digest / Hugo, cold: wall {cold['wall_s'] / hugo_cold['wall_s']:.2f}x,"
            f" CPU {cold['cpu_s'] / hugo_cold['cpu_s']:.2f}x, peak RSS {cold['rss_mb'] / hugo_cold['rss_mb']:.2f}x"
        )
    if "identical" in scenarios:
        print("\nidentical outputs (-j 1 cold, -j 2 cold, cached after an undone edit): " + ("yes" if not problems
              else "NO\n" + "\n".join(problems)))  # fmt: skip
    if args.json:
        args.json.write_text(json.dumps({"machine": m, "command": command, "results": results,
                                         "identical_problems": problems}, indent=1) + "\n")  # fmt: skip
    return 1 if problems or any(not all(r.ok for r in v) for v in runs.values()) else 0


if __name__ == "__main__":
    raise SystemExit(main())
