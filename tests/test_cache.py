"""Issue 7.2: `.digest-cache/` makes a build redo only what changed, and is safe: after any kind of change
(a thread, a template, a static file, site.toml, the code version, the output folder itself) a cached build
writes exactly the bytes a cold build writes, and never touches a file whose bytes did not change."""

from __future__ import annotations

import errno
import os
import pickle
import random
import subprocess
import sys
from pathlib import Path

import pytest
from support import make_project

from site_src import cache, incremental
from site_src import write as writer
from site_src.check import read_output as read_tree
from site_src.config import load_config
from site_src.load import discover
from site_src.pipeline import BuildResult, build
from site_src.seal import unseal

REPO = Path(__file__).resolve().parents[1]


def thread_md(title: str, date: str, tags: str, extra: str = "") -> str:
    return (
        f"---\ntitle: {title}\nauthor: ann\ndate: {date}\ntags: {tags}\n---\n\nThe post about {title}.{extra}\n\n"
        "--- comment id=c1 author=bob date=2024-05-02T10:00:00Z score=3\nA first comment on bridges and rivers.\n\n"
        "--- comment id=c2 parent=c1 author=cat\nA reply about ferries.\n"
    )


@pytest.fixture
def site(tmp_path: Path) -> Path:
    files = {
        f"content/t{n}.md": thread_md(title, date, tags)
        for n, (title, date, tags) in enumerate(
            [
                ("Bikes", "2024-01-03", "[cycling]"),
                ("Bread", "2024-02-04", "[baking, food]"),
                ("Maps", "2023-12-01", "[]"),
                ("Boats", "2024-03-05", "[rivers, cycling]"),
                ("Trains", "2024-03-09", "[rivers]"),
            ]
        )
    }
    return make_project(tmp_path / "site", files, 'title = "T"\nper_page = 2\n')


def cached(site: Path) -> BuildResult:
    result = build(load_config(site), jobs=1)
    assert result.report.errors == [], [p.format() for p in result.report.errors]
    return result


def assert_same_as_cold(site: Path, tmp_path: Path) -> None:
    reference = tmp_path / "cold"
    result = build(load_config(site, {"output_dir": str(reference)}), jobs=1, use_cache=False)
    assert result.report.errors == []
    assert read_tree(site / "public") == read_tree(reference)


def inodes(folder: Path) -> dict[str, int]:
    return {p.relative_to(folder).as_posix(): p.stat().st_ino for p in folder.rglob("*") if p.is_file()}


def test_nothing_changed_does_nothing(site: Path) -> None:
    first = cached(site)
    assert first.cached == "none"
    assert (site / ".digest-cache" / "manifest.pickle").is_file()
    before = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in (site / "public").rglob("*")}
    again = cached(site)
    assert again.cached == "unchanged"
    assert (again.threads, again.pages, again.rendered, again.parsed) == (first.threads, first.pages, 0, 0)
    assert {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in (site / "public").rglob("*")} == before


def test_one_thread_edited_renders_only_what_it_changes(site: Path, tmp_path: Path) -> None:
    first = cached(site)
    (site / "content" / "t2.md").write_text(thread_md("Maps", "2023-12-01", "[]", " Now longer."))
    result = cached(site)
    assert result.cached == "state"
    assert result.parsed == 1
    assert 0 < result.rendered < first.rendered / 2
    assert result.written is not None and 0 < result.written.written < first.pages
    assert_same_as_cold(site, tmp_path)


@pytest.mark.parametrize(
    "change",
    ["retitle", "new thread", "delete thread", "move to json", "template", "static", "site.toml", "code version"],
)
def test_cached_build_equals_cold_build_after_each_kind_of_change(
    site: Path, tmp_path: Path, change: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    cached(site)
    content = site / "content"
    if change == "retitle":
        (content / "t0.md").write_text(thread_md("Bicycles", "2024-01-03", "[cycling, maps]"))
    elif change == "new thread":
        (content / "t9.md").write_text(thread_md("Canals", "2024-06-01", "[rivers]"))
    elif change == "delete thread":
        (content / "t3.md").unlink()
    elif change == "move to json":
        (content / "t4.md").unlink()
        (content / "t4.json").write_text('{"title": "Trains", "date": "2024-03-09", "comments": []}')
    elif change == "template":
        (site / "templates").mkdir()
        (site / "templates" / "404.html").write_text("<!doctype html><title>gone</title><p>Not here.</p>\n")
    elif change == "static":
        (site / "static").mkdir()
        (site / "static" / "extra.css").write_text("body { color: teal; }\n")
    elif change == "site.toml":
        (site / "site.toml").write_text('title = "Renamed"\nper_page = 3\n')
    elif change == "code version":
        monkeypatch.setattr(cache, "code_version", lambda: "another version")
    result = cached(site)
    assert result.cached == ("none" if change == "code version" else "state")
    assert_same_as_cold(site, tmp_path)


def test_output_changed_by_hand_is_made_again(site: Path, tmp_path: Path) -> None:
    cached(site)
    out = site / "public"
    (out / "t" / "t1" / "index.html").write_text("edited by hand")
    (out / "tags" / "index.html").unlink()
    result = cached(site)
    assert result.cached == "state"
    assert result.written is not None and result.written.written == 2
    assert_same_as_cold(site, tmp_path)


def test_output_folder_deleted_is_rendered_from_the_cached_threads(site: Path, tmp_path: Path) -> None:
    import shutil

    cached(site)
    shutil.rmtree(site / "public")
    result = cached(site)
    assert (result.cached, result.parsed) == ("state", 0)
    assert_same_as_cold(site, tmp_path)


def test_broken_file_keeps_site_and_cache_then_fixing_it_catches_up(site: Path, tmp_path: Path) -> None:
    cached(site)
    before = read_tree(site / "public")
    manifest = (site / ".digest-cache" / "manifest.pickle").read_bytes()
    (site / "content" / "t1.md").write_text("---\ntitle: [unclosed\n---\n")
    broken = build(load_config(site), jobs=1)
    assert [p.path for p in broken.report.errors] == ["content/t1.md"]
    assert broken.written is None
    assert read_tree(site / "public") == before
    assert (site / ".digest-cache" / "manifest.pickle").read_bytes() == manifest
    (site / "content" / "t1.md").write_text(thread_md("Bread", "2024-02-04", "[baking]", " Fixed."))
    assert cached(site).cached == "state"
    assert_same_as_cold(site, tmp_path)


def test_damaged_cache_is_ignored(site: Path, tmp_path: Path) -> None:
    cached(site)
    (site / ".digest-cache" / "state.pickle").write_bytes(b"not a pickle")
    (site / "content" / "t0.md").write_text(thread_md("Bikes", "2024-01-03", "[cycling]", " More."))
    assert cached(site).cached == "none"
    (site / ".digest-cache" / "manifest.pickle").write_bytes(pickle.dumps({"something": "else"}))
    assert cached(site).cached == "none"
    assert_same_as_cold(site, tmp_path)


def test_cache_is_per_output_folder(site: Path, tmp_path: Path) -> None:
    cached(site)
    other = build(load_config(site, {"output_dir": str(tmp_path / "elsewhere")}), jobs=1)
    assert other.cached == "none"
    assert read_tree(tmp_path / "elsewhere") == read_tree(site / "public")


def test_small_edit_is_published_through_the_spare_touching_only_what_changed(site: Path, tmp_path: Path) -> None:
    cached(site)
    out = site / "public"
    before = inodes(out)
    (site / "content" / "t2.md").write_text(thread_md("Maps", "2023-12-01", "[]", " In place."))
    result = cached(site)
    assert result.written is not None and result.written.written < 10
    after = inodes(out)
    changed = {name for name in after if before.get(name) != after[name]}
    assert "t/t2/index.html" in changed
    assert len(changed) == result.written.written
    assert [p.name for p in out.parent.iterdir() if p.name.startswith(".public.")] == [".public.prev"]
    assert writer.spare_folder(out) == out.parent / ".public.prev"
    assert_same_as_cold(site, tmp_path)


def test_no_cache_flag_neither_reads_nor_writes_the_cache(site: Path) -> None:
    def cli(*extra: str) -> str:
        command = [sys.executable, "-m", "site_src", "build", str(site), *extra]
        done = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        return done.stderr

    cli("--no-cache")
    assert not (site / ".digest-cache").exists()
    cli()
    assert (site / ".digest-cache").is_dir()
    again = cli("--no-cache")
    assert "nothing changed" not in again
    assert "(0 written, 35 unchanged, 0 removed; 5 threads read" in again
    assert "nothing changed since the last build" in cli()


def test_search_index_follows_a_cached_edit(tmp_path: Path) -> None:
    pytest.importorskip("pagefind")
    from pagefind.service import get_executable

    if get_executable() is None:
        pytest.skip("the Pagefind binary is not installed (pagefind[bin])")
    files = {f"content/t{n}.md": thread_md(f"Thread {n}", f"2024-0{n + 1}-01", "[rivers]") for n in range(3)}
    site = make_project(tmp_path / "site", files, 'title = "T"\nsearch = true\n')
    first = cached(site)
    assert any(name.startswith("pagefind/") for name in read_tree(site / "public"))
    assert cached(site).cached == "unchanged"
    (site / "content" / "t1.md").write_text(thread_md("Thread 1", "2024-02-01", "[rivers]", " Zanzibar ferries."))
    result = cached(site)
    assert result.cached == "state" and result.rendered < first.rendered
    assert_same_as_cold(site, tmp_path)


def _enrichment_view(state: incremental.BuildState) -> tuple[object, ...]:
    """Everything the warm enrichment keeps: each thread's record and what all threads share."""
    enrichment = state.enrichment
    related = enrichment._related
    shared = (
        enrichment._settings,
        enrichment._frequencies.counts,
        related._tags.carriers,
        related._tags.postings,
        related._terms.carriers,
        related._terms.crowded,
        related._terms.postings,
    )
    return shared, {slug: enrichment.record(slug) for slug in sorted(enrichment.slugs())}


@pytest.mark.parametrize("seed", [1, 2])
def test_cache_reads_back_exactly_the_state_a_build_saved(tmp_path: Path, seed: int) -> None:
    """Shards are written only where something changed: after each random edit, the state read back from the
    cache equals the state the build kept in memory (sources and every enrichment record), and building on from
    either gives the same site."""
    rng = random.Random(seed)
    words = [
        "river",
        "bridge",
        "ferry",
        "bread",
        "flour",
        "oven",
        "soil",
        "compost",
        "seed",
        "map",
        "route",
        "timetable",
        "boiler",
        "roof",
    ]
    tags = ["rivers", "food", "garden", "transport", "home"]

    def text(n: int) -> str:
        chosen = rng.sample(tags, rng.randint(0, 2))
        extra = " " + " ".join(rng.choices(words, k=rng.randint(3, 12)))
        return thread_md(f"Thread {n}", f"2024-0{1 + n % 9}-1{n % 10}", f"[{', '.join(chosen)}]", extra)

    site = make_project(tmp_path / "site", {f"content/t{n}.md": text(n) for n in range(40)}, 'title = "T"\n')
    config = load_config(site)
    memory, in_memory = incremental.Builder(lambda: config), incremental.MemoryOutput()
    loaded: incremental.BuildState | None = None
    from_disk = incremental.MemoryOutput()
    for step in range(8):
        if step:
            n = rng.randrange(45)
            path = site / "content" / f"t{n}.md"
            if path.exists() and rng.random() < 0.2:
                path.unlink()
            else:
                path.write_text(text(n) + f"\nEdit {step}.\n")
        listing = discover(config.content_path(), config.site_dir)
        memory.rebuild(in_memory, listing=listing)
        if loaded is not None:  # a build on from the state read back gives what the build in memory gave
            incremental.Builder(lambda: config, loaded).rebuild(from_disk, listing=listing)
            assert from_disk.files == in_memory.files
        manifest = cache.Manifest(cache.code_version(), str(config.output_path().resolve()), str(step), {})
        cache.save(config, manifest, memory.state)
        loaded = cache.load_state(config, listing)
        assert loaded is not None
        assert _enrichment_view(loaded) == _enrichment_view(memory.state)
        assert {p: (e.source_digest, e.items) for p, e in loaded.sources.items()} == {
            p: (e.source_digest, e.items) for p, e in memory.state.sources.items()
        }
        from_disk = incremental.MemoryOutput()
        from_disk.files = dict(in_memory.files)


def test_issue_20_same_size_edit_with_the_old_mtime_is_rebuilt(site: Path, tmp_path: Path) -> None:
    cached(site)
    path = site / "content" / "t2.md"
    before = path.stat()
    text = path.read_text()
    changed = text.replace("The post about Maps.", "The post about Mops.")
    assert len(changed) == len(text) and changed != text
    path.write_text(changed)  # as `cp -p`, `rsync -t` or a checkout of a same-length change leave it
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    result = cached(site)
    assert result.cached == "state" and result.parsed == 1
    assert b"Mops" in (site / "public" / "t" / "t2" / "index.html").read_bytes()
    assert_same_as_cold(site, tmp_path)


def test_issue_20_a_symlinked_cache_folder_is_refused(site: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "templates-precious").mkdir(parents=True)
    (elsewhere / "templates-precious" / "data").write_text("keep me")
    (site / ".digest-cache").symlink_to(elsewhere, target_is_directory=True)
    result = cached(site)
    assert [p.format() for p in result.report.warnings if p.path == ".digest-cache"] == [
        ".digest-cache: warning: is a symbolic link: not used (the build is a cold one and writes no cache)"
        "\n    hint: delete it; the next build makes a real folder"
    ]
    assert sorted(p.relative_to(elsewhere).as_posix() for p in elsewhere.rglob("*")) == [
        "templates-precious",
        "templates-precious/data",
    ]
    assert (site / ".digest-cache").is_symlink()
    assert_same_as_cold(site, tmp_path)


def test_issue_20_links_inside_the_cache_are_never_followed(site: Path, tmp_path: Path) -> None:
    cached(site)
    folder = site / ".digest-cache"
    secret = tmp_path / "secret.txt"
    secret.write_text("do not overwrite")
    outside = tmp_path / "outside"
    (outside / "keep").mkdir(parents=True)
    (folder / "manifest.pickle.tmp").symlink_to(secret)
    (folder / "state.pickle.tmp").symlink_to(secret)
    (folder / "templates-0000000000000000").symlink_to(outside, target_is_directory=True)
    (site / "content" / "t0.md").write_text(thread_md("Bikes", "2024-01-03", "[cycling]", " Linked."))
    cached(site)
    assert secret.read_text() == "do not overwrite"
    assert (outside / "keep").is_dir()
    assert not list(folder.glob("*.tmp"))
    assert_same_as_cold(site, tmp_path)


@pytest.mark.parametrize("fail_at", [1, 5, 65, 66])
def test_issue_20_a_full_disk_while_writing_the_cache_leaves_no_debris(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fail_at: int
) -> None:
    """The cache write runs out of space at its `fail_at`-th file (64 shards, then state, then manifest)."""
    real = cache.dump
    calls = {"n": 0}

    def full(value: object, handle: object) -> None:
        calls["n"] += 1
        if calls["n"] == fail_at:
            handle.write(b"partial")  # type: ignore[attr-defined]
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real(value, handle)  # type: ignore[arg-type]

    monkeypatch.setattr(cache, "dump", full)
    result = build(load_config(site), jobs=1)
    assert result.report.errors == []
    monkeypatch.undo()
    folder = site / ".digest-cache"
    assert not list(folder.glob("*.tmp"))
    sealed = (folder / "state.pickle").read_bytes() if (folder / "state.pickle").exists() else None
    payload = unseal(sealed) if sealed is not None else None  # the build's files are sealed (seal.py)
    state = pickle.loads(payload) if payload is not None else None
    named = set(state.stored) if state is not None else set()
    assert {p.name for p in folder.glob("sources-*.pickle")} == named
    (site / "content" / "t1.md").write_text(thread_md("Bread", "2024-02-04", "[baking]", " After the full disk."))
    cached(site)
    assert_same_as_cold(site, tmp_path)
