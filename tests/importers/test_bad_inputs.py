"""Issue 20.6: one bad input file loses nothing else.

Before: a truncated or garbage `.gz`/`.bz2`/`.xz`/`.zst`, or a `.zst` claiming 5 GB, ended in a traceback
and the good file given beside it was not imported; a `.zst` holding one 4 GiB line ran to MemoryError;
one invalid HN, Discourse or Mastodon file dropped every other file of the run. Now each bad file is one
`path[:line]: error:`, every other file is imported, and the exit code is 1.
"""

from __future__ import annotations

import argparse
import bz2
import gzip
import io
import json
import lzma
from collections.abc import Callable
from pathlib import Path

import pytest

from site_src.importers import ImportFailure, ImportOptions, common, import_each, import_paths
from site_src.importers.cli import add_arguments, run

zstandard = pytest.importorskip("zstandard")

COMPRESSORS: dict[str, Callable[[bytes], bytes]] = {
    ".gz": gzip.compress,
    ".bz2": bz2.compress,
    ".xz": lzma.compress,
    ".zst": lambda data: zstandard.ZstdCompressor().compress(data),
}

GOOD: dict[str, str] = {
    "hn": json.dumps({"id": 1, "type": "story", "title": "Good HN", "by": "a", "time": 1700000000, "kids": []}),
    "discourse": json.dumps(
        {
            "id": 7,
            "title": "Good Discourse",
            "post_stream": {"posts": [{"id": 70, "post_number": 1, "username": "a", "cooked": "<p>hi</p>"}]},
        }
    ),
    "mastodon": json.dumps(
        {"id": "9", "content": "<p>Good toot</p>", "account": {"acct": "a"}, "created_at": "2024-01-01T00:00:00Z"}
    ),
}
INVALID = {"hn": '{"foo": 1, "id": 3}', "discourse": "[1, 2]", "mastodon": '{"id": 1}'}


def _cli(tmp_path: Path, source: str, files: list[Path], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    code = run(parser.parse_args([source, *map(str, files), "--out", str(tmp_path / "out")]))
    return code, capsys.readouterr().err


def _written(tmp_path: Path) -> list[str]:
    return sorted(p.name for p in (tmp_path / "out").glob("*.md"))


@pytest.mark.parametrize("suffix", list(COMPRESSORS))
@pytest.mark.parametrize("damage", ["truncated", "garbage"])
def test_issue_20_a_broken_compressed_file_loses_nothing_else(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], suffix: str, damage: str
) -> None:
    data = COMPRESSORS[suffix](GOOD["hn"].encode() * 1)
    broken = tmp_path / f"bad.json{suffix}"
    broken.write_bytes(data[: len(data) // 2] if damage == "truncated" else b"garbage, not compressed\n" * 4)
    good = tmp_path / "good.json"
    good.write_text(GOOD["hn"], encoding="utf-8")
    code, err = _cli(tmp_path, "hn", [broken, good], capsys)
    assert code == 1
    assert "Traceback" not in err
    assert f"{broken}:1: error: compressed data " in err
    assert _written(tmp_path) == ["hn-1-good-hn.md"]


def test_issue_20_a_zst_claiming_5_gb_is_refused_before_reading(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    buffer = io.BytesIO()
    writer = zstandard.ZstdCompressor().stream_writer(buffer, size=5_000_000_000, closefd=False)
    writer.write(b"[" + b" " * 100_000)
    writer.flush(zstandard.FLUSH_BLOCK)
    claims = tmp_path / "claims.json.zst"
    claims.write_bytes(buffer.getvalue())
    good = tmp_path / "good.json"
    good.write_text(GOOD["hn"], encoding="utf-8")
    code, err = _cli(tmp_path, "hn", [claims, good], capsys)
    assert code == 1
    assert f"{claims}: error: says it holds 5,000,000,000 bytes once decompressed" in err
    assert _written(tmp_path) == ["hn-1-good-hn.md"]


def test_issue_20_a_file_read_whole_has_a_size_cap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A stream without a size claim is cut off at the cap too (here 1 MiB: the real one is 1 GiB)."""
    monkeypatch.setattr(common, "MAX_WHOLE", 1 << 20)
    bomb = tmp_path / "bomb.json.zst"
    chunk = zstandard.ZstdCompressor().compressobj()
    bomb.write_bytes(b"".join([chunk.compress(b" " * (1 << 20)) for _ in range(8)] + [chunk.flush()]))
    with pytest.raises(ImportFailure, match="more than 1,048,576 bytes once decompressed"):
        list(import_paths("hn", [str(bomb)]))


def _dump_line(n: int) -> bytes:
    return json.dumps({"id": f"s{n}", "title": f"Post {n}", "subreddit": "x", "created_utc": 1600000000}).encode()


def test_issue_20_an_endless_line_is_refused_at_the_cap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Streamed input reads a line only up to `MAX_LINE` (here 1 MiB; the real cap is 64 MiB)."""
    monkeypatch.setattr(common, "MAX_LINE", 1 << 20)
    endless = tmp_path / "endless.ndjson.zst"
    compressor = zstandard.ZstdCompressor().compressobj()
    parts = [compressor.compress(_dump_line(1) + b"\n")]
    parts += [compressor.compress(b"a" * (1 << 20)) for _ in range(16)]
    endless.write_bytes(b"".join([*parts, compressor.flush()]))
    good = tmp_path / "good.ndjson"
    good.write_bytes(_dump_line(2) + b"\n")
    threads, failures = import_each("reddit-dump", [str(endless), str(good)], ImportOptions())
    assert [str(f) for f in failures] == [
        f"{endless}:2: error: line longer than 1,048,576 bytes: not a line of an export"
    ]
    assert [t.title for t in threads] == ["Post 2"]


def test_issue_20_a_stack_exchange_row_has_the_line_cap_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(common, "MAX_LINE", 1 << 16)
    posts = tmp_path / "Posts.xml"
    row = '<row Id="1" PostTypeId="1" Title="T" Body="{}" />'
    posts.write_text(f"<posts>\n{row.format('short')}\n{row.format('x' * (1 << 17))}\n</posts>\n", encoding="utf-8")
    threads, failures = import_each("stackexchange", [str(posts)])
    assert [str(f) for f in failures] == [f"{posts}:3: error: line longer than 65,536 bytes: not a line of an export"]
    assert threads == []


def test_issue_20_a_4_gib_line_without_newline_is_refused_in_bounded_memory(tmp_path: Path) -> None:
    import tracemalloc

    endless = tmp_path / "endless.ndjson.zst"
    frame = zstandard.ZstdCompressor().compress(b"a" * (1 << 24))  # 16 MiB; frames in a row read as one stream
    endless.write_bytes(frame * 256)  # 4 GiB without a newline
    tracemalloc.start()
    try:
        with pytest.raises(ImportFailure, match="line longer than"):
            list(import_paths("reddit-dump", [str(endless)]))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 6 * common.MAX_LINE  # the line read so far, buffers, and one decompressed input chunk


@pytest.mark.parametrize("source", list(GOOD))
def test_issue_20_one_invalid_file_of_a_grouped_source_loses_nothing_else(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], source: str
) -> None:
    """HN, Discourse and Mastodon files are read together (threads can span files): one bad file is left out
    and the others are imported all the same."""
    first, bad, deep, last = (tmp_path / f"{n}.json" for n in ("a", "bad", "deep", "z"))
    first.write_text(GOOD[source], encoding="utf-8")
    bad.write_text(INVALID[source], encoding="utf-8")
    deep.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")  # RecursionError inside json.loads
    other = json.loads(GOOD[source])
    other["id"] = 2 if source == "hn" else (8 if source == "discourse" else "10")
    other["title"] = other.get("title", "") and "Second"
    if source == "mastodon":
        other["content"] = "<p>Second toot</p>"
    last.write_text(json.dumps(other), encoding="utf-8")
    code, err = _cli(tmp_path, source, [first, bad, deep, last], capsys)
    assert code == 1
    assert "Traceback" not in err
    assert f"{bad}:1: error:" in err
    # nested past what a parser takes: the standard library's json raises RecursionError, orjson (Discourse)
    # says so in a JSONDecodeError; either way that file alone is refused
    refusals = (f"{deep}: error: cannot import: RecursionError", f"{deep}:1: error: not valid JSON (depth limit")
    assert any(refusal in err for refusal in refusals)
    assert "2 input(s) failed" in err
    assert len(_written(tmp_path)) == 2
