"""Issue 20.1: a symbolic link never publishes a file from outside the site.

Before: `content/x.txt -> /etc/passwd` was published as a thread page (and in the feeds and the archive),
`serve` answered with it, a linked file that failed to parse had its first line printed in the error
excerpt, and links in `static/` and `templates/` were copied and served. Now a link in `content/` is
followed only to a file inside `content/`, a link in the site's `static/` or `templates/` only to a file
inside the site folder, a theme's only inside the theme folder, never into a hidden part (`.git/`); any
other is an error naming the link, and not one byte of its target is read into the site or a message.
"""

from __future__ import annotations

import http.client
import os
import shutil
import threading
from pathlib import Path

import pytest
from support import build_site, make_project

from site_src.cli import main
from site_src.config import ConfigError, load_config
from site_src.diagnostics import SourceError
from site_src.importers.write import write_threads
from site_src.incremental import WarmSite
from site_src.model import Thread
from site_src.serve import DevHTTPServer, LiveSite
from site_src.themes import load_theme

SECRET = "SECRET-TOKEN-7f3a"
"""The first line of every file the links point at: must appear in no output and no message."""


def _hostile_site(tmp_path: Path) -> tuple[Path, Path]:
    secret = tmp_path / "secret.txt"
    secret.write_text(f"{SECRET} first line\nsecond line\n", encoding="utf-8")
    site = make_project(
        tmp_path / "site",
        {
            "content/good.md": "---\ntitle: Good\n---\n\nfine\n",
            "content/real.md": "---\ntitle: Real\n---\n\nlinked to from inside content/\n",
            "notes/inside-site.md": f"---\ntitle: {SECRET}\n---\n",
            ".git/config": f"{SECRET}\n[remote]\n",
            "assets/site.css": "body { color: black }\n",
        },
    )
    links = {
        "content/passwd.txt": secret,  # absolute, outside the site
        "content/relative.md": Path("../../secret.txt"),  # relative, outside the site
        "content/git.txt": Path("../.git/config"),  # inside the site folder, but hidden
        "content/notes.md": Path("../notes/inside-site.md"),  # inside the site, outside content/
        "content/alias.md": Path("real.md"),  # inside content/: followed
        "static/leak.css": secret,
        "static/git.css": Path("../.git/config"),
        "static/site.css": Path("../assets/site.css"),  # inside the site folder: followed
        "templates/tags.html": secret,
    }
    for name, target in links.items():
        link = site / name
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(target)
    return site, secret


REFUSED = [
    "content/git.txt",
    "content/notes.md",
    "content/passwd.txt",
    "content/relative.md",
    "static/git.css",
    "static/leak.css",
    "templates/tags.html",
]


def test_issue_20_symlinks_out_of_the_site_are_refused_by_name(tmp_path: Path) -> None:
    site, _ = _hostile_site(tmp_path)
    result = build_site(site, keep_going=True)
    errors = result.report.errors
    named = sorted({p.path for p in errors if "symbolic link" in p.message})
    assert named == REFUSED
    assert [p.format().splitlines()[0] for p in errors if p.path == "templates/tags.html"] == [
        "templates/tags.html: error: symbolic link to a file outside the site folder (or to a hidden file): "
        "not followed"
    ]
    messages = "\n".join(p.format() for p in result.report.problems)
    assert SECRET not in messages  # no excerpt of a target, ever
    assert "outside content/" in messages and "outside the site folder" in messages
    files = result.files
    assert "t/good/index.html" in files and "t/alias/index.html" in files and "t/real/index.html" in files
    assert files["static/site.css"] == b"body { color: black }\n"
    for name in ("t/passwd/index.html", "t/relative/index.html", "t/git/index.html", "t/notes/index.html"):
        assert name not in files
    assert "static/leak.css" not in files and "static/git.css" not in files
    for name, data in files.items():
        assert SECRET.encode() not in data, name
    on_disk = [p for p in (site / "public").rglob("*") if p.is_file() and SECRET.encode() in p.read_bytes()]
    assert on_disk == []


def test_issue_20_serve_never_answers_with_a_linked_file(tmp_path: Path) -> None:
    site, _ = _hostile_site(tmp_path)
    warm = WarmSite(lambda: load_config(site))
    result = warm.rebuild()
    assert sorted({p.path for p in result.errors if "symbolic link" in p.message}) == REFUSED
    assert not any(SECRET.encode() in data for data in warm.files.values())
    live = LiveSite(base_path="/")
    live.publish(result)
    httpd = DevHTTPServer(("127.0.0.1", 0), live, check_host=True)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        for path in ("/t/passwd/", "/static/leak.css", "/static/git.css", "/t/relative/"):
            conn = http.client.HTTPConnection("127.0.0.1", httpd.server_address[1], timeout=5)
            conn.request("GET", path, headers={"Host": "127.0.0.1"})
            answer = conn.getresponse()
            body = answer.read()
            conn.close()
            assert answer.status == 404, path
            assert SECRET.encode() not in body
    finally:
        live.close()
        httpd.shutdown()
        httpd.server_close()


def test_issue_20_a_broken_linked_file_never_shows_its_first_line(tmp_path: Path) -> None:
    """The excerpt of a parse error used to print the target's first line: the link is refused before reading."""
    secret = tmp_path / "key.json"
    secret.write_text(f'{{"{SECRET}": not json\n', encoding="utf-8")
    site = make_project(tmp_path / "site", {"content/ok.md": "---\ntitle: Ok\n---\n"})
    os.symlink(secret, site / "content" / "key.json")
    result = build_site(site, keep_going=True)
    assert [p.format() for p in result.report.problems if p.path.startswith("content/")] == [
        "content/key.json: error: symbolic link to a file outside content/ (or to a hidden file): not followed\n"
        "    hint: copy the file into the folder instead of linking to it"
    ]


def test_issue_20_importer_never_reads_an_earlier_import_through_a_link(tmp_path: Path) -> None:
    """`digest import` reads the human fields of an earlier import of a thread: never through a link out of
    the folder it writes to."""
    secret = tmp_path / "secret.md"
    secret.write_text(f"---\ntags: [{SECRET}]\nsummary: {SECRET}\n---\n", encoding="utf-8")
    out = tmp_path / "site" / "content"
    out.mkdir(parents=True)
    (out / "reddit-abc-old.md").symlink_to(secret)
    written = write_threads([Thread(title="T", path="reddit-abc-new.md", body="b")], out)
    assert [w.status for w in written] == ["created"]
    assert SECRET not in written[0].path.read_text(encoding="utf-8")
    assert secret.read_text(encoding="utf-8").startswith("---\ntags")  # the target untouched


@pytest.mark.parametrize("folder", ["content", "static", "templates", "themes", "themes/mine"])
def test_a_folder_the_build_reads_never_links_out_of_the_site(tmp_path: Path, folder: str) -> None:
    """Before: a link per file was refused, but the folder itself could be one: `static -> /elsewhere` published
    every file there, `themes/mine -> /elsewhere` its `static/` and `templates/`, `content -> /elsewhere` its
    threads. Now the folders a build reads (the content folder, `templates/`, `static/`, `themes/` and the
    theme folders in it) are not followed out of the site folder, nor into a hidden part of it: an error naming
    the folder, before anything is read."""
    outside = make_project(
        tmp_path / "outside",
        {
            "static/leak.css": f"/* {SECRET} */\n",
            "templates/base.html": f"{SECRET}{{% block main %}}{{% endblock %}}\n",
            "theme.toml": 'extends = "default"\n',
            "mine/theme.toml": 'extends = "default"\n',
            "mine/static/leak.css": f"/* {SECRET} */\n",
            "leak.md": f"---\ntitle: {SECRET}\n---\n\n{SECRET}\n",
        },
    )
    site = make_project(tmp_path / "site", {"content/ok.md": "---\ntitle: Ok\n---\n\nfine\n"}, 'theme = "mine"\n')
    make_project(site / "themes" / "mine", {"theme.toml": 'extends = "default"\n'})
    target = site / folder
    if target.exists():
        shutil.rmtree(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.symlink_to(outside)
    with pytest.raises((ConfigError, SourceError)) as info:
        load_theme(load_config(site).theme, site)
    problems = info.value.problems if isinstance(info.value, ConfigError) else [info.value.problem]
    shown = [p.format() for p in problems]
    assert any(line.startswith(f"{folder}: error: symbolic link to a folder outside the site") for line in shown), shown
    assert main(["build", str(site), "-q"]) != 0
    assert not (site / "public").exists()


def test_folder_links_inside_the_site_are_followed(tmp_path: Path) -> None:
    site = make_project(
        tmp_path / "site",
        {"threads/ok.md": "---\ntitle: Ok\n---\n\nfine\n", "assets/site.css": "body {}\n", ".git/x.md": "x"},
    )
    (site / "content").symlink_to(site / "threads")
    (site / "static").symlink_to(Path("assets"))
    result = build_site(site)
    assert not result.report.errors
    assert "t/ok/index.html" in result.files and "static/site.css" in result.files
    (site / "content").unlink()
    (site / "content").symlink_to(site / ".git")  # a hidden part of the site: refused as a file link is
    with pytest.raises(ConfigError):
        load_config(site)
