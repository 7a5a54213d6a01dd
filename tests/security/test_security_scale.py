"""Issue 8.3 (scale): deep and large input works, no `RecursionError` anywhere.

A comment chain 10,000 replies deep is parsed (Markdown and JSON), enriched and rendered, folding onto
"continue this thread" pages every `fold_depth` levels; 100,000 comments in one thread and a 50 MB file
are built, timed and their peak memory measured (the slow tests, once each).
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest
from security_support import METRICS

from site_src.config import load_config
from site_src.context import SMALL_BRANCH
from site_src.diagnostics import SourceError
from site_src.load import read_source
from site_src.pipeline import build
from site_src.readers import parse_source

REPO = Path(__file__).resolve().parents[2]
WORDS = [
    "river",
    "bank",
    "ferry",
    "map",
    "survey",
    "flood",
    "channel",
    "delta",
    "silt",
    "levee",
    "course",
    "bend",
    "tide",
]


def chain_md(depth: int) -> str:
    lines = ["---", "title: Deep", "---", "", "post"]
    for i in range(1, depth + 1):
        parent = f" parent=c{i - 1}" if i > 1 else ""
        lines += [f"--- comment id=c{i}{parent} author=u{i % 7}", f"reply {i} about the {WORDS[i % len(WORDS)]}."]
    return "\n".join(lines) + "\n"


def chain_json(depth: int) -> str:
    """A JSON thread whose comments nest `depth` deep (written without recursion)."""
    opening = "".join(f'{{"id": "c{i}", "body": "reply {i}", "replies": [' for i in range(1, depth + 1))
    return '{"title": "Deep", "comments": [' + opening + "]}" * depth + "]}"


def _site(root: Path, name: str, text: str, fold_depth: int = 8) -> Path:
    (root / "content").mkdir(parents=True)
    (root / "content" / name).write_text(text, encoding="utf-8")
    (root / "site.toml").write_text(f"fold_depth = {fold_depth}\n", encoding="utf-8")
    return root


def _check_deep_build(root: Path, depth: int, fold_depth: int, jobs: int = 1) -> float:
    started = time.perf_counter()
    result = build(load_config(root), write=False, jobs=jobs)
    elapsed = time.perf_counter() - started
    assert [p.format() for p in result.report.errors] == []
    continued = [n for n in result.files if "/c/" in n]
    # a page every `fold_depth` levels, but none for a branch of SMALL_BRANCH comments or fewer (kept inline)
    folds = [k for k in range(fold_depth, depth, fold_depth) if depth - k > SMALL_BRANCH]
    assert len(continued) == len(folds)
    page = result.files["t/deep/index.html"].decode()
    assert "Continue this thread" in page or "continue this thread" in page.lower()
    assert 'id="comment-c1"' in page and f'id="comment-c{fold_depth + 1}"' not in page
    last = next(v.decode() for k, v in result.files.items() if k.endswith(f"/c/c{folds[-1]}/index.html"))
    assert f'id="comment-c{depth}"' in last
    return elapsed


@pytest.mark.parametrize("name", ["deep.md", "deep.json"])
def test_fix_chain_2000_deep_builds_without_recursion_error(tmp_path: Path, name: str) -> None:
    """Past ~1,000 levels `json.loads` raised RecursionError: now the JSON reader falls back to its own stack."""
    depth = 2000
    text = chain_md(depth) if name.endswith(".md") else chain_json(depth)
    _check_deep_build(_site(tmp_path, name, text), depth, fold_depth=8)


def test_deep_chain_survives_a_parallel_build(tmp_path: Path) -> None:
    """Worker processes get threads by pickling, which recurses: a deep tree must still cross."""
    depth = 2000
    root = _site(tmp_path, "deep.md", chain_md(depth))
    for n in range(3):
        (root / "content" / f"small{n}.md").write_text(f"---\ntitle: s{n}\n---\nx\n", encoding="utf-8")
    _check_deep_build(root, depth, fold_depth=8, jobs=2)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["deep.md", "deep.json"])
def test_chain_10000_deep_parses_enriches_and_renders(tmp_path: Path, name: str) -> None:
    depth = 10_000
    text = chain_md(depth) if name.endswith(".md") else chain_json(depth)
    elapsed = _check_deep_build(_site(tmp_path, name, text), depth, fold_depth=8)
    METRICS[f"scale: 10,000-deep chain ({name}) build seconds"] = round(elapsed, 1)


def many_comments_md(count: int, words: int, seed: int = 8) -> str:
    """One thread, `count` comments in a random tree (70% replies to one of the 50 before), sentences of 12 words."""
    rnd = random.Random(seed)
    out = ["---", "title: Big thread", "author: op", "date: 2025-07-10", "tags: [big]", "---", "", "The post."]
    for i in range(1, count + 1):
        parent = f" parent=c{rnd.randint(max(1, i - 50), i - 1)}" if i > 1 and rnd.random() < 0.7 else ""
        out.append(
            f"--- comment id=c{i}{parent} author=u{rnd.randint(1, 500)} date=2025-07-{10 + i % 15:02d}T12:00:00Z"
        )
        sentences = [
            " ".join(rnd.choice(WORDS) for _ in range(12)).capitalize() + "." for _ in range(max(1, words // 12))
        ]
        out.append(" ".join(sentences))
    return "\n".join(out) + "\n"


def _timed_cli_build(site: Path) -> tuple[float, float]:
    """`digest build` in a child process: (wall seconds, peak resident MB of that child, from wait4)."""
    log = site / "build.log"
    started = time.perf_counter()
    with log.open("wb") as errors:
        child = subprocess.Popen(
            [sys.executable, "-m", "site_src", "build", str(site), "-q"],
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=errors,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
        _pid, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.perf_counter() - started
    assert child.returncode == 0, log.read_text(encoding="utf-8")[-2000:]
    return elapsed, usage.ru_maxrss / 1024


@pytest.mark.slow
def test_100000_comments_in_one_thread(tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "content").mkdir(parents=True)
    text = many_comments_md(100_000, 12)
    (site / "content" / "big.md").write_text(text, encoding="utf-8")
    elapsed, peak_mb = _timed_cli_build(site)
    page = (site / "public" / "t" / "big" / "index.html").read_text(encoding="utf-8")
    assert "100000 comments" in page or "100,000 comments" in page
    METRICS["scale: 100,000 comments: file MB"] = round(len(text.encode()) / 1e6, 1)
    METRICS["scale: 100,000 comments: build seconds"] = round(elapsed, 1)
    METRICS["scale: 100,000 comments: peak MB (build process)"] = round(peak_mb)


@pytest.mark.slow
def test_50_mb_file_is_read_parsed_and_built(tmp_path: Path) -> None:
    """A 50 MB thread file (2,000 comments of 25 KB): read and parsed in-process (time, traced peak), then
    built by `digest build` (time, peak resident memory of the child)."""
    import tracemalloc

    site = tmp_path / "site"
    path = site / "content" / "huge.md"
    path.parent.mkdir(parents=True)
    text = many_comments_md(2000, 4300)
    path.write_text(text, encoding="utf-8")
    size_mb = path.stat().st_size / 1e6
    assert size_mb >= 50
    tracemalloc.start()
    started = time.perf_counter()
    thread = parse_source(read_source(path, site), [])
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    assert thread.comment_count() == 2000
    del thread, text
    build_seconds, peak_mb = _timed_cli_build(site)
    assert (site / "public" / "t" / "huge" / "index.html").is_file()
    METRICS["scale: 50 MB file: size MB"] = round(size_mb, 1)
    METRICS["scale: 50 MB file: read+parse seconds"] = round(elapsed, 1)
    METRICS["scale: 50 MB file: read+parse peak MB (traced)"] = round(peak)
    METRICS["scale: 50 MB file: build seconds"] = round(build_seconds, 1)
    METRICS["scale: 50 MB file: peak MB (build process)"] = round(peak_mb)


def test_fix_json_comment_lines_are_found_in_one_pass() -> None:
    """Each comment's line was found by searching the whole text again: 20,000 comments took minutes."""
    from site_src.load import SourceText

    comments = ",\n".join(json.dumps({"id": f"c{i}", "body": "x", "score": i}) for i in range(20_000))
    text = '{"title": "Flat",\n"comments": [\n' + comments + ',\n{"id": "bad", "body": "x", "score": "z"}]}'
    started = time.perf_counter()
    with pytest.raises(SourceError) as caught:
        parse_source(SourceText("content/flat.json", text), [])
    assert time.perf_counter() - started < 10
    assert caught.value.problem.line == 20_003


def test_fold_depth_50_renders_a_deep_chain(tmp_path: Path) -> None:
    """The comment macro recurses once per level shown: 50 levels (the cap proposed for config) render."""
    _check_deep_build(_site(tmp_path, "deep.md", chain_md(151), fold_depth=50), 151, fold_depth=50)


def test_json_escape_heavy_deep_file_reports_bad_syntax_with_a_line(tmp_path: Path) -> None:
    """Deep and broken: the iterative parser still names the line of the error."""
    from site_src.load import SourceText

    text = chain_json(3000).replace('"body": "reply 2999"', '"body": "reply 2999",\n,')
    with pytest.raises(SourceError) as caught:
        parse_source(SourceText("content/deep.json", text), [])
    assert caught.value.problem.line == 2


def test_deep_json_round_trips_through_the_dict_writer() -> None:
    """The iterative parser gives the same tree as the C parser does for shallow input."""
    from site_src.readers.json_thread import loads_iterative

    text = chain_json(50)
    assert loads_iterative(text) == json.loads(text)


def _sparse(path: Path, head: str, size: int) -> None:
    """A file of `size` bytes that starts with `head` (the rest a hole: no disk used, no time to write)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        handle.write(head.encode("utf-8"))
        handle.truncate(size)


@pytest.mark.parametrize("name", ["huge.md", "huge.txt", "huge.json", "huge.ndjson"])
def test_a_1_gib_file_is_refused_before_it_is_read(tmp_path: Path, name: str) -> None:
    """Before, a thread file was read whole, whatever its size: a 40 MB one-line file peaked at 950 MB, so a
    1 GiB line would have taken the machine's memory. Now: an error naming the file, nothing read."""
    import tracemalloc

    path = tmp_path / "content" / name
    _sparse(path, "---\ntitle: Huge\n---\n\none line that never ends ", 1 << 30)
    tracemalloc.start()
    with pytest.raises(SourceError) as info:
        read_source(path, tmp_path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert info.value.problem.format().startswith(
        f"content/{name}: error: too large: 1,073,741,824 bytes; a thread file may hold at most 67,108,864"
    )
    assert peak < 1 << 20


def test_a_too_large_file_costs_its_own_thread_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The other threads are built, the last good site stays, the exit code is 1; with --keep-going the others
    are published. Also `digest show`."""
    from site_src.cli import main

    site = tmp_path / "site"
    (site / "content").mkdir(parents=True)
    (site / "content" / "ok.md").write_text("---\ntitle: Fine\n---\n\nA fine post.\n", encoding="utf-8")
    assert main(["build", str(site), "-q"]) == 0
    before = {p: p.read_bytes() for p in (site / "public").rglob("*") if p.is_file()}
    _sparse(site / "content" / "huge.md", "---\ntitle: Huge\n---\n\n", (64 << 20) + 1)
    (site / "content" / "new.md").write_text("---\ntitle: New\n---\n\nA new post.\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["build", str(site), "-q"]) == 1
    err = capsys.readouterr().err
    assert f"{site / 'content' / 'huge.md'}: error: too large: 67,108,865 bytes" in err
    assert "Traceback" not in err
    assert {p: p.read_bytes() for p in (site / "public").rglob("*") if p.is_file()} == before
    assert main(["build", str(site), "-q", "--keep-going"]) == 1
    assert (site / "public" / "t" / "new" / "index.html").is_file()
    assert not (site / "public" / "t" / "huge").exists()
    assert main(["show", str(site / "content" / "huge.md")]) == 1
    assert "error: too large: 67,108,865 bytes" in capsys.readouterr().err
