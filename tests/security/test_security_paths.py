"""Issue 8.2: paths stay inside.

Slugs, tags, comment ids and file names with `../`, absolute paths, NUL, reserved names (`CON`), very long
names and Unicode look-alikes never write outside the output folder and never collide silently; the dev
server refuses traversal in every encoding.
"""

from __future__ import annotations

import http.client
import itertools
import json
import os
import threading
import unicodedata
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from security_support import METRICS
from support import build_and_read

from site_src.config import load_config
from site_src.context import anchor, comment_segment
from site_src.pipeline import build
from site_src.readers.fields import MAX_TAG_CHARS
from site_src.text import MAX_SLUG_BYTES, slugify
from site_src.write import safe_relative, write_site

WINDOWS_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}
HOSTILE_NAMES = [
    "../../../../tmp/escape",
    "/etc/passwd",
    "..",
    ".",
    "a\x00b",
    "CON",
    "con.txt",
    "ＣＯＮ",
    "NUL",
    "aux",
    "\u2025\u2215etc",  # two-dot leader, division slash
    "．．／．．／etc",  # full-width dots and solidus
    "..\\..\\windows",
    "𠀀" * 100,  # 4-byte letters: 400 bytes before truncation
    "é" * 300,
    "x" * 5000,
    "\u202eevil",
    "a/b",
    "~root",
    "%2e%2e%2f",
    "",
    " ",
]


def _is_safe_segment(segment: str) -> bool:
    return (
        bool(segment)
        and segment not in (".", "..")
        and not segment.startswith(".")
        and not any(ch in segment for ch in "/\\\x00:")
        and len(segment.encode("utf-8")) <= 255
        and segment.casefold() not in WINDOWS_RESERVED
    )


@settings(max_examples=300, deadline=None)
@given(text=st.text())
def test_any_text_slugifies_to_one_safe_segment(text: str) -> None:
    METRICS["paths: traversal attempts (slugify, fuzzed)"] += 1
    slug = slugify(text)
    assert _is_safe_segment(slug), slug
    assert len(slug.encode("utf-8")) <= MAX_SLUG_BYTES
    assert slug == unicodedata.normalize("NFKC", slug).casefold() or slug.startswith("x-")


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_hostile_names_slugify_to_safe_segments(name: str) -> None:
    METRICS["paths: traversal attempts (named)"] += 1
    assert _is_safe_segment(slugify(name))


def test_fix_slug_of_four_byte_letters_fits_a_file_name(tmp_path: Path) -> None:
    """80 four-byte letters made a 320-byte folder name: ENAMETOOLONG stopped the whole write."""
    from support import build_site, make_project

    slug = "𠀀" * 100
    site = make_project(tmp_path, {"content/a.md": f"---\ntitle: t\nslug: {slug}\ntags: [{slug}]\n---\nx\n"})
    result = build_site(site)
    assert result.report.errors == [] and result.written is not None
    assert any(name.startswith("t/𠀀") for name in result.files)


@settings(max_examples=300, deadline=None)
@given(comment_id=st.text(min_size=1))
def test_any_comment_id_is_a_safe_url_segment_and_anchor(comment_id: str) -> None:
    METRICS["paths: traversal attempts (comment ids, fuzzed)"] += 1
    segment = comment_segment(comment_id)
    assert _is_safe_segment(segment) and segment == segment.lower()
    assert not any(ch.isspace() for ch in anchor(comment_id))


def test_fix_comment_ids_differing_in_case_or_space_get_distinct_pages_and_anchors() -> None:
    """`A`/`a` shared a folder on case-insensitive disks; `a b`/`a_b` shared an anchor."""
    ids = ["A", "a", "a b", "a_b", "x0123456789", "x" + "0" * 10, "..", "CON", "con"]
    segments = [comment_segment(i) for i in ids]
    assert len({s.casefold() for s in segments}) == len(ids)
    assert len({anchor(i) for i in ids}) == len(ids)


@settings(max_examples=300, deadline=None)
@given(name=st.text())
def test_writer_refuses_any_name_that_leaves_the_folder(name: str) -> None:
    METRICS["paths: traversal attempts (writer names, fuzzed)"] += 1
    try:
        rel = safe_relative(name)
    except ValueError:
        return
    resolved = (Path("/out") / Path(*rel.parts)).resolve() if rel.parts else Path("/out")
    assert resolved == Path("/out") or Path("/out") in resolved.parents


@pytest.mark.parametrize("name", ["../x", "/abs", "a/../../x", "a\x00b", "", ".", "..", "a/.."])
def test_writer_rejects_escaping_names_and_writes_nothing(tmp_path: Path, name: str) -> None:
    out = tmp_path / "site" / "public"
    write_site({"index.html": b"old"}, out)
    with pytest.raises(ValueError):
        write_site({"index.html": b"new", name: b"evil"}, out)
    assert (out / "index.html").read_bytes() == b"old"
    assert sorted(p.name for p in (tmp_path / "site").iterdir()) == [".public.prev", "public"]
    assert not (tmp_path / "x").exists() and not Path("/abs").exists()


def _tree(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*")}


def hostile_names_site(root: Path) -> Path:
    """Threads whose slug, tags, comment ids and file names are each a hostile name."""
    content = root / "site" / "content"
    content.mkdir(parents=True)
    for n, name in enumerate(HOSTILE_NAMES):
        ids = [name or "empty", name.upper() or "EMPTY", f"{name}/child"]
        chain: dict[str, object] = {"id": ids[2], "body": "deepest", "replies": []}
        for level, ident in enumerate(ids[:2]):
            chain = {"id": f"{ident}{'!' * level}", "body": "reply", "replies": [chain]}
        tag = name[: MAX_TAG_CHARS - 4]  # tags are capped (test_security_amplification): the longest one allowed
        data = {"title": f"t{n}", "slug": name, "tags": [tag, f"{tag}-tag"], "body": "b", "comments": [chain]}
        (content / f"s{n:02d}.json").write_text(json.dumps(data), encoding="utf-8")
    for name in ("CON", "aux", "日本語", "ＣＯＮ2", "a b", "x" * 200):
        (content / f"{name}.md").write_text(f"---\ntitle: file {name}\n---\nx\n", encoding="utf-8")
    (root / "site" / "site.toml").write_text("fold_depth = 1\n", encoding="utf-8")
    return root / "site"


def test_hostile_slugs_tags_ids_and_file_names_stay_inside(tmp_path: Path) -> None:
    site = hostile_names_site(tmp_path)
    (tmp_path / "outside").mkdir()
    before = _tree(tmp_path)
    result = build_and_read(load_config(site), keep_going=True)
    out = site / "public"
    after = _tree(tmp_path)
    made = {p for p in after - before if not p.startswith(("site/public", "site/.public.prev", "site/.digest-cache"))}
    assert made == set()
    for name in result.files:
        assert (out / name).resolve().is_relative_to(out.resolve())
    # no two pages share a file, even on a case-insensitive, normalising file system (macOS, Windows)
    folded = {unicodedata.normalize("NFC", name).casefold() for name in result.files}
    assert len(folded) == len(result.files)
    # collisions are reported, naming both files, never silently merged
    messages = [p.message for p in result.report.errors]
    assert all("is already used by" in m for m in messages), messages
    METRICS["paths: hostile names built (slug, tags, ids, files)"] = len(HOSTILE_NAMES) * 5 + 6
    METRICS["paths: escapes outside the output folder"] = len({p for p in after - before if "public" not in p})


def test_two_threads_with_slugs_alike_after_sanitising_are_an_error_naming_both(tmp_path: Path) -> None:
    from support import build_site, make_project

    site = make_project(
        tmp_path,
        {
            "content/one.md": "---\ntitle: a\nslug: a/b\n---\n",
            "content/two.md": "---\ntitle: b\nslug: a-b\n---\n",
            "content/three.md": "---\ntitle: c\nslug: ＡーＢ\n---\n",
        },
    )
    result = build_site(site, write=False)
    errors = [p.format() for p in result.report.errors]
    assert any("content/one.md" in e and "content/two.md" in e for e in errors), errors


def test_tags_that_slugify_alike_are_one_tag(tmp_path: Path) -> None:
    """Decision: `a/b`, `a-b`, `A B` are one tag (one page listing every thread), as `Rivers`/`rivers` are.

    They differ only in case, punctuation or width, which a reader would not tell apart as topics either;
    splitting them would give two pages a reader cannot tell apart. Nothing is overwritten: one page is
    planned, and it lists both threads.
    """
    from support import build_site, make_project

    site = make_project(
        tmp_path,
        {
            "content/one.md": "---\ntitle: One\ntags: [a/b]\n---\n",
            "content/two.md": "---\ntitle: Two\ntags: [a-b]\n---\n",
            "content/three.md": "---\ntitle: Three\ntags: [A B]\n---\n",
        },
    )
    result = build_site(site, write=False)
    page = result.files["tags/a-b/index.html"].decode()
    assert all(f"/t/{slug}/" in page for slug in ("one", "two", "three"))
    assert [n for n in result.files if n.startswith("tags/") and n.endswith("index.html")] == [
        "tags/a-b/index.html",
        "tags/index.html",
    ]


# ---------------------------------------------------------------- the dev server

TRAVERSALS = [
    "/{b}../../../../etc/passwd",
    "/{b}..%2f..%2f..%2fetc%2fpasswd",
    "/{b}%2e%2e/%2e%2e/etc/passwd",
    "/{b}%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
    "/{b}%252e%252e%252f%252e%252e%252fetc%252fpasswd",
    "/{b}..%5c..%5c..%5cetc%5cpasswd",
    "/{b}..\\..\\..\\etc\\passwd",
    "/{b}%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd",
    "/{b}%e0%80%ae%e0%80%ae/etc/passwd",
    "/{b}..%c0%af..%c0%afetc%c0%afpasswd",
    "/{b}%u002e%u002e/%u002e%u002e/etc/passwd",
    "/{b}%EF%BC%8E%EF%BC%8E/%EF%BC%8E%EF%BC%8E/etc/passwd",  # full-width dots
    "/{b}t/../../../etc/passwd",
    "/{b}./../etc/passwd",
    "/{b}.../.../etc/passwd",
    "/{b}....//....//etc/passwd",
    "/{b}%00../../etc/passwd",
    "/{b}index.html%00/../../etc/passwd",
    "/{b}/etc/passwd",
    "/{b}//etc/passwd",
    "//etc/passwd",
    "/etc/passwd",
    "/../{secret}",
    "/{b}../{secret}",
    "/{b}..%2f{secret}",
    "/{b}%2e%2e%2f{secret}",
    "/{b}..;/{secret}",
    "/{b}%2e%2e;/{secret}",
    "http://127.0.0.1/{b}../{secret}",
    "/{b}?../../{secret}",
    "/{b}#../../{secret}",
    "/{b}static/../../{secret}",
    "/{b}static/%2e%2e/%2e%2e/{secret}",
    "/{b}t/x/c/..%252f..%252f{secret}",
]
SECRET = "outside-secret.txt"
SECRET_TEXT = b"TOP-SECRET-4f1c"


@pytest.fixture
def dev_server(tmp_path: Path) -> Iterator[tuple[int, str]]:
    """The real dev server (site_src.serve) on a loopback port, serving a small site under /digest/."""
    serve = pytest.importorskip("site_src.serve")
    incremental = pytest.importorskip("site_src.incremental")
    site = tmp_path / "site"
    (site / "content").mkdir(parents=True)
    (site / "site.toml").write_text('base_url = "http://127.0.0.1/digest/"\n', encoding="utf-8")
    (site / "content" / "a.md").write_text("---\ntitle: A\n---\nx\n", encoding="utf-8")
    (tmp_path / SECRET).write_bytes(SECRET_TEXT)
    (site / "public").mkdir()
    (site / "public" / SECRET).symlink_to(tmp_path / SECRET)
    warm = incremental.WarmSite(lambda: load_config(site))
    live = serve.LiveSite(base_path="/digest/")
    live.publish(warm.rebuild())
    httpd = serve.DevHTTPServer(("127.0.0.1", 0), live, check_host=True)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield httpd.server_address[1], "digest/"
    finally:
        live.close()
        httpd.shutdown()
        httpd.server_close()


def _raw_get(port: int, target: str, method: str = "GET") -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
        conn.putheader("Host", f"127.0.0.1:{port}")
        conn.endheaders()
        response = conn.getresponse()
        return response.status, response.read()
    except (http.client.HTTPException, OSError):
        return 0, b""  # the server closed the connection: nothing leaked
    finally:
        conn.close()


def test_dev_server_refuses_traversal_in_every_encoding(dev_server: tuple[int, str]) -> None:
    port, base = dev_server
    status, body = _raw_get(port, f"/{base}")
    assert status == 200 and b"<html" in body
    escapes: list[str] = []
    tried = 0
    for template, method in itertools.product(TRAVERSALS, ("GET", "HEAD")):
        target = template.format(b=base, secret=SECRET)
        tried += 1
        status, body = _raw_get(port, target, method)
        if SECRET_TEXT in body or b"root:" in body or (status == 200 and "etc" in target):
            escapes.append(f"{method} {target} -> {status}")
    METRICS["paths: dev server traversal requests"] = tried
    METRICS["paths: dev server escapes"] = len(escapes)
    assert escapes == []


def test_output_paths_are_plain_relative_posix_names(tmp_path: Path) -> None:
    site = hostile_names_site(tmp_path)
    result = build(load_config(site), write=False, keep_going=True)
    for name in result.files:
        rel = PurePosixPath(name)
        assert not rel.is_absolute() and ".." not in rel.parts and "\x00" not in name and "\\" not in name
        assert all(len(part.encode()) <= 255 for part in rel.parts), name
        assert os.sep == "/" or os.sep not in name


@pytest.mark.parametrize("comment_id", ["prn", "con", "aux", "nul", "com1", "lpt9"])
def test_fix_comment_ids_that_windows_reserves_are_hashed_in_urls(comment_id: str) -> None:
    """Found by the derandomized CI run: a comment id `prn` became the folder `/t/<slug>/c/prn/`."""
    assert _is_safe_segment(comment_segment(comment_id))
