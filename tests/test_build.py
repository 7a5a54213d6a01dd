"""Whole builds: the example site, bad input that loses nothing, slugs, URL modes, reproducibility."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from support import REPO, build_site, make_project

from site_src.cli import main

THREAD_A = "---\ntitle: Alpha thread\ndate: 2025-01-02\ntags: [Rivers, maps]\n---\nPost A.\n\n--- comment id=c1\nHi.\n"
THREAD_B = '{"title": "Beta", "date": "2024-12-01", "tags": ["rivers"], "comments": [{"body": "x"}]}'
BROKEN = "---\ntitle: Broken\n---\n--- comment id=a parent=zz\nx\n"


def run_cli(*args: str) -> int:
    return main(list(args))


def test_example_site_builds_every_page_type(tmp_path: Path) -> None:
    out = tmp_path / "public"
    assert run_cli("build", str(REPO), "-o", str(out), "-q") == 0
    files = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    threads = len(list((REPO / "content").glob("*.*")))
    assert threads >= 10
    assert len([f for f in files if re.fullmatch(r"t/[^/]+/index\.html", f)]) == threads
    for expected in (
        "index.html",
        "page/2/index.html",
        "tags/index.html",
        "archive/index.html",
        "feed.xml",
        "sitemap.xml",
        "robots.txt",
        "404.html",
        "static/style.css",
        "tags/gardening/index.html",
    ):
        assert expected in files, expected
    assert any(re.fullmatch(r"archive/\d{4}/\d\d/index\.html", f) for f in files)
    home = (out / "index.html").read_text()
    assert home.count("<h1") == 1 and "<main" in home and 'lang="en"' in home


def test_bad_file_is_reported_others_still_checked_and_last_site_kept(tmp_path: Path, capsys) -> None:
    site = make_project(tmp_path / "site", {"content/a.md": THREAD_A, "content/b.json": THREAD_B})
    assert run_cli("build", str(site), "-q") == 0
    before = (site / "public" / "index.html").read_bytes()
    (site / "content" / "broken.md").write_text(BROKEN)
    (site / "content" / "a.md").write_text(THREAD_A.replace("Alpha thread", "Alpha renamed"))
    assert run_cli("build", str(site), "-q") == 1
    err = capsys.readouterr().err
    assert "content/broken.md:4: error: reply to unknown comment id 'zz' (ids above it: none yet)" in err
    assert "public left as it was" in err
    assert (site / "public" / "index.html").read_bytes() == before
    assert run_cli("build", str(site), "--keep-going", "-q") == 1
    assert "Alpha renamed" in (site / "public" / "index.html").read_text()
    assert not (site / "public" / "t" / "broken").exists()


def test_same_slug_twice_names_both_files(tmp_path: Path) -> None:
    site = make_project(tmp_path, {"content/a.md": THREAD_A, "content/sub/a.json": THREAD_B})
    result = build_site(site, write=False)
    assert [p.format() for p in result.report.errors] == [
        "content/sub/a.json: error: slug 'a' is already used by content/a.md\n"
        "    hint: rename one file or give one of them a different 'slug'"
    ]


def test_unsafe_slugs_stay_inside(tmp_path: Path) -> None:
    evil = "---\ntitle: x\nslug: ../../etc/passwd\ntags: ['../../up', 'CON']\n---\n"
    site = make_project(tmp_path, {"content/a.md": evil})
    result = build_site(site, write=False)
    assert not result.report.errors
    assert "t/etc-passwd/index.html" in result.files
    assert "tags/up/index.html" in result.files and "tags/con-/index.html" in result.files
    assert all(".." not in name.split("/") for name in result.files)


def test_tags_merge_case_and_list_threads_newest_first(tmp_path: Path) -> None:
    site = make_project(tmp_path, {"content/a.md": THREAD_A, "content/b.json": THREAD_B})
    files = build_site(site, write=False).files
    tag_page = files["tags/rivers/index.html"].decode()
    assert tag_page.index("Alpha thread") < tag_page.index("Beta")
    assert "tags/maps/index.html" in files and "tags/Rivers/index.html" not in files


def test_sub_path_and_relative_links(tmp_path: Path) -> None:
    site = make_project(tmp_path, {"content/a.md": THREAD_A})
    files = build_site(site, write=False, base_url="https://example.org/digest/").files
    page = files["t/a/index.html"].decode()
    assert 'href="/digest/static/style.css"' in page and 'href="/digest/tags/rivers/"' in page
    assert '<link rel="canonical" href="https://example.org/digest/t/a/">' in page
    assert "<loc>https://example.org/digest/t/a/</loc>" in files["sitemap.xml"].decode()
    files = build_site(site, write=False, relative_urls=True).files
    page = files["t/a/index.html"].decode()
    assert 'href="../../static/style.css"' in page and 'href="../../tags/rivers/index.html"' in page


def test_deep_branches_continue_on_their_own_pages(tmp_path: Path) -> None:
    lines = ["---", "title: deep", "---", "--- comment id=n0", "root"]
    lines += [x for i in range(1, 20) for x in (f"--- comment id=n{i} parent=n{i - 1}", f"level {i}")]
    site = make_project(tmp_path, {"content/deep.md": "\n".join(lines)})
    files = build_site(site, write=False, fold_depth=8).files
    page = files["t/deep/index.html"].decode()
    assert 'id="comment-n7"' in page and 'id="comment-n8"' not in page
    assert 'href="/t/deep/c/n7/"' in page
    assert 'id="comment-n15"' in files["t/deep/c/n7/index.html"].decode()
    assert 'id="comment-n19"' in files["t/deep/c/n15/index.html"].decode()


def test_builds_are_byte_identical_across_hash_seeds_and_zones(tmp_path: Path) -> None:
    outputs = []
    for seed, zone in (("1", "UTC"), ("4242", "Asia/Tokyo")):
        out = tmp_path / f"out{seed}"
        env = {**os.environ, "PYTHONHASHSEED": seed, "TZ": zone}
        subprocess.run(
            [sys.executable, "-m", "site_src", "build", str(REPO), "-o", str(out), "-q"],
            check=True,
            env=env,
            cwd=tmp_path,
        )
        outputs.append({p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()})
    assert outputs[0] == outputs[1]


def test_new_scaffolds_a_site_that_builds(tmp_path: Path) -> None:
    assert run_cli("new", str(tmp_path / "mysite")) == 0
    assert run_cli("build", str(tmp_path / "mysite"), "-q") == 0
    assert (tmp_path / "mysite" / "public" / "t" / "welcome" / "index.html").exists()
    assert run_cli("new", str(tmp_path / "mysite")) == 1


def test_show_prints_the_parsed_thread_as_json(tmp_path: Path, capsys) -> None:
    path = tmp_path / "a.md"
    path.write_text(THREAD_A)
    assert run_cli("show", str(path), "--site", str(tmp_path)) == 0
    out = capsys.readouterr().out
    assert '"title": "Alpha thread"' in out and '"enrichment"' in out and '"slug": "a"' in out


def test_show_and_written_json_hold_only_json_numbers(tmp_path: Path, capsys) -> None:
    """YAML's `.nan` and `.inf`, and the `NaN` Python's json reads in a `.json` file, are kept as text in what
    `digest show` prints and an importer writes: `NaN` and `Infinity` are not JSON, and other readers refuse them."""
    import json

    from site_src.readers import parse_text
    from site_src.thread_files import format_json

    def strict(text: str) -> object:
        def refuse(name: str) -> object:
            raise ValueError(f"not JSON: {name}")

        return json.loads(text, parse_constant=refuse)

    (tmp_path / "a.md").write_text("---\ntitle: A\nrating: .nan\nodds: [1.5, -.inf]\n---\nPost.\n")
    (tmp_path / "j.json").write_text(
        '{"title": "J", "meta": {"x": Infinity}, "body": "Post.",'
        ' "comments": [{"id": "c1", "weight": NaN, "body": "Hi.", "replies": []}]}'
    )
    for name in ("a.md", "j.json"):
        assert run_cli("show", str(tmp_path / name), "--site", str(tmp_path)) == 0
        shown = strict(capsys.readouterr().out)
        assert isinstance(shown, dict)
        written = strict(format_json(parse_text(name, (tmp_path / name).read_text())))
        assert isinstance(written, dict)
        if name == "a.md":
            assert shown["rating"] == written["rating"] == "NaN" and shown["odds"] == [1.5, "-Infinity"]
        else:
            assert shown["meta"] == {"x": "Infinity"} and written["comments"][0]["weight"] == "NaN"


def test_config_error_exit_code_2(tmp_path: Path, capsys) -> None:
    site = make_project(tmp_path, {}, config='tittle = "x"\n')
    assert run_cli("build", str(site)) == 2
    assert "site.toml:1: error: unknown key 'tittle'" in capsys.readouterr().err


def test_a_folder_without_content_is_an_error_not_an_empty_site(tmp_path: Path, capsys) -> None:
    assert run_cli("build", str(tmp_path), "-q") == 1
    assert "content: error: no such folder: a site keeps its threads in content/" in capsys.readouterr().err
    assert not (tmp_path / "public").exists()
