"""Both bundled themes build the example site; broadsheet extends default and adds its stylesheet."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import pytest

from site_src.config import load_config
from site_src.pipeline import build

REPO = Path(__file__).resolve().parent.parent
THEMES = REPO / "themes"


def build_example(root: Path, theme: str) -> dict[str, bytes]:
    shutil.copytree(REPO / "content", root / "content")
    (root / "site.toml").write_text(f'title = "Example"\nbase_url = "https://example.org/"\ntheme = "{theme}"\n')
    result = build(load_config(root, {"fold_depth": 3}), write=False)
    assert not result.report.errors, result.report
    return result.files


@pytest.mark.parametrize("theme", ["default", "broadsheet"])
def test_theme_builds_the_example_site(tmp_path: Path, theme: str) -> None:
    files = build_example(tmp_path, theme)
    pages = {name: data.decode("utf-8") for name, data in files.items() if name.endswith(".html")}
    assert "index.html" in pages and "404.html" in pages and "stats/index.html" in pages
    assert any("/c/" in name for name in pages), "fold_depth 3 gives continuation pages"
    for name, html in pages.items():
        assert html.count("<h1") == 1, name
        assert 'property="og:title"' in html and 'name="twitter:card"' in html, name
        assert "static/style.css" in html, name
        assert ("static/broadsheet.css" in html) == (theme == "broadsheet"), name
    if theme == "broadsheet":
        assert "static/broadsheet.css" in files and 'class="site-header masthead"' in pages["index.html"]


def test_broadsheet_extends_default() -> None:
    data = tomllib.loads((THEMES / "broadsheet" / "theme.toml").read_text(encoding="utf-8"))
    assert data["extends"] == "default"
    assert (THEMES / "default" / "screenshot.png").is_file() and (THEMES / "broadsheet" / "screenshot.png").is_file()


def test_json_ld_cannot_be_broken_out_of(tmp_path: Path) -> None:
    """Comment text with `</script>` stays inside the JSON-LD script, which stays valid JSON."""
    import json
    import re

    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "x.md").write_text(
        "---\ntitle: Break </script><script>alert(1)</script>\nauthor: a\n---\n\nBody </script>\n\n"
        "--- comment id=c1 author=b\nHi </script><b>x</b> & 'q'\n",
        encoding="utf-8",
    )
    (tmp_path / "site.toml").write_text('title = "T"\nbase_url = "https://example.org/"\n', encoding="utf-8")
    result = build(load_config(tmp_path, {}), write=False)
    assert not result.report.errors, result.report
    [html] = [
        data.decode() for name, data in result.files.items() if name.startswith("t/") and name.endswith("/index.html")
    ]
    scripts = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert len(scripts) == 1
    data = json.loads(scripts[0])
    assert data["@type"] == "DiscussionForumPosting" and data["headline"].startswith("Break </script>")
    assert "<" not in scripts[0]
    assert data["comment"][0]["text"].startswith("Hi </script>")


def test_json_ld_gives_each_comment_its_start_and_its_place_and_the_post_in_full(tmp_path: Path) -> None:
    """A long comment is on the page in full; its JSON-LD item holds its first 300 characters, cut at a word, and
    the URL of its anchor on the page. The post's text is kept up to 5,000 characters."""
    import json
    import re

    long = " ".join(f"word{n}" for n in range(200))
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "x.md").write_text(
        f"---\ntitle: Long\nauthor: a\n---\n\n{long}\n\n--- comment id=c1 author=b\n{long}\n\n"
        "--- comment id=c2 parent=c1 author=a\nShort reply.\n",
        encoding="utf-8",
    )
    (tmp_path / "site.toml").write_text('title = "T"\nbase_url = "https://example.org/"\n', encoding="utf-8")
    result = build(load_config(tmp_path, {}), write=False)
    html = result.files["t/x/index.html"].decode()
    [script] = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    data = json.loads(script)
    assert data["text"] == long
    [first] = data["comment"]
    assert len(first["text"]) <= 300 and first["text"].endswith("…")
    assert long.startswith(first["text"][:-1]) and long[len(first["text"]) - 1] == " "  # cut at a word
    assert first["url"] == "https://example.org/t/x/#comment-c1" and 'id="comment-c1"' in html
    assert html.count(long) == 3  # the post and the comment in full on the page, and the JSON-LD of the post
    assert first["comment"][0]["text"] == "Short reply."


def test_stats_totals_are_readable_and_say_something(tmp_path: Path) -> None:
    """Big totals with thousands separators (`1,205`, not `1205`); no "Tags 0" box on a site without tags (the
    imported forum archive: 5,046 threads, no tags)."""
    from support import build_site, make_project

    comments = "".join(f"--- comment id=c{n} author=a{n}\nComment {n}.\n\n" for n in range(1, 1206))
    site = make_project(
        tmp_path / "site",
        {"content/a.md": f"---\ntitle: A\ndate: 2025-01-02\n---\nPost.\n\n{comments}"},
        config='title = "S"\nbase_url = "https://example.org/"\n',
    )
    page = build_site(site).files["stats/index.html"].decode()
    assert "<dt>Comments</dt><dd>1,205</dd>" in page
    assert "<dt>Tags</dt>" not in page


@pytest.mark.parametrize("theme", ["default", "broadsheet"])
def test_counts_on_cards_and_thread_pages_have_thousands_separators(tmp_path: Path, theme: str) -> None:
    """A thread of 1,205 comments by 1,205 people says so as on the stats page, wherever the count shows: the
    thread page's heading, its glance, its byline, the index card, the archive and a related thread's line."""
    from support import build_site, make_project

    comments = "".join(f"--- comment id=c{n} author=a{n}\nComment {n} about river maps.\n\n" for n in range(1, 1206))
    site = make_project(
        tmp_path / "site",
        {
            "content/a.md": f"---\ntitle: A\ndate: 2025-01-02\ntags: [maps]\n---\nRiver maps.\n\n{comments}",
            "content/b.md": "---\ntitle: B\ndate: 2025-01-03\ntags: [maps]\n---\nRiver maps again.\n",
        },
        config=f'title = "S"\nbase_url = "https://example.org/"\ntheme = "{theme}"\n',
    )
    files = build_site(site).files
    thread = files["t/a/index.html"].decode()
    assert ">1,205 comments</h2>" in thread
    assert "1,205 people" in thread and "<dd>1,205</dd>" in thread
    assert "1,205 comments</span>" in files["index.html"].decode()
    archive = next(data.decode() for name, data in files.items() if name.startswith("archive/") and b">A</a>" in data)
    assert "1,205 comments</span>" in archive
    assert "1,205 comments ·" in files["t/b/index.html"].decode()
    assert '<a href="#comments-heading">1,205 comments</a>' in thread


@pytest.mark.parametrize(("language", "back", "forward"), [("ar", "→", "←"), ("en", "←", "→")])
def test_arrows_point_the_way_the_page_reads(tmp_path: Path, language: str, back: str, forward: str) -> None:
    """Arrows are not mirrored by the bidi algorithm: on a right-to-left site "newer" and "back to the thread"
    point right, "older" points left."""
    from support import build_site, make_project

    chain = "--- comment id=c1 author=a\nOne.\n\n" + "".join(
        f"--- comment id=c{n} parent=c{n - 1} author=a{n}\nReply {n}.\n\n" for n in range(2, 7)
    )
    site = make_project(
        tmp_path / "site",
        {
            "content/a.md": f"---\ntitle: A\ndate: 2025-01-02\n---\nPost.\n\n{chain}",
            "content/b.md": "---\ntitle: B\ndate: 2025-01-03\n---\nPost.\n",
        },
        config=f'title = "S"\nlanguage = "{language}"\nbase_url = "https://example.org/"\nper_page = 1\n'
        "fold_depth = 2\n",
    )
    files = {name: data.decode() for name, data in build_site(site).files.items() if name.endswith(".html")}
    assert f"Older {forward}</a>" in files["index.html"]
    assert f"{back} Newer</a>" in files["page/2/index.html"]
    continuation = next(html for name, html in files.items() if name.startswith("t/a/c/"))
    assert f'">{back} A</a>' in continuation
