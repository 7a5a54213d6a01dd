"""What `digest` tells a person (issue 14): paths shown from the folder the command runs in, a "did you mean" for
an unknown theme, and warnings for builds that work but are probably not what was meant."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from support import REPO, make_project

from site_src.cli import main
from site_src.diagnostics import Problem, shown_path

THREAD = "---\ntitle: Alpha\ndate: 2025-01-02\n---\nPost.\n\n--- comment id=c1\nHi.\n"
WITH_HOST = 'base_url = "https://example.org/"\n'


def test_issue_14_shown_path_is_relative_to_the_current_folder(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    assert shown_path("content/a.md", Path("sites/a")) == "sites/a/content/a.md"
    assert shown_path("content/a.md", tmp_path / "work" / "b") == "b/content/a.md"
    assert shown_path("content/a.md", tmp_path / "other") == (tmp_path / "other" / "content" / "a.md").as_posix()
    assert shown_path("content/a.md", Path("../other")) == (tmp_path / "other" / "content" / "a.md").as_posix()
    assert shown_path("/abs/site.toml", Path("sites/a")) == "/abs/site.toml"
    assert shown_path("command line", Path("sites/a")) == "command line"
    assert shown_path("template base.html", Path("sites/a")) == "template base.html"
    assert Problem("content/a.md", 3, "error", "x").format(Path("s")) == "s/content/a.md:3: error: x"


def test_issue_14_build_of_a_sub_folder_names_files_from_where_it_ran(tmp_path: Path, monkeypatch, capsys) -> None:
    make_project(tmp_path / "sites" / "a", {"content/a.md": THREAD}, config=WITH_HOST + 'tittle = "x"\n')
    monkeypatch.chdir(tmp_path)
    assert main(["build", "sites/a"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("sites/a/site.toml:2: error: unknown key 'tittle'\n    hint: did you mean 'title'?")

    (tmp_path / "sites" / "a" / "site.toml").write_text(WITH_HOST)
    (tmp_path / "sites" / "a" / "content" / "b.md").write_text("---\ntitle: [unclosed\n---\n")
    assert main(["build", "sites/a"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("sites/a/content/b.md:2: error: invalid YAML")
    assert err.endswith("1 error, 0 warnings; sites/a/public left as it was\n")

    (tmp_path / "sites" / "a" / "content" / "b.md").unlink()
    assert main(["build", "sites/a", "-o", str(tmp_path / "sites" / "out")]) == 0
    err = capsys.readouterr().err
    assert err.endswith(" -> sites/out\n")  # the success line: the same base
    assert err.startswith("built 1 thread, ") and "1 thread read" in err  # one thread, not "1 threads"
    monkeypatch.chdir(tmp_path / "sites" / "a")
    assert main(["build", "--no-cache"]) == 0
    assert capsys.readouterr().err.endswith(" -> public\n")


def test_issue_14_paths_outside_the_current_folder_are_absolute(tmp_path: Path, monkeypatch, capsys) -> None:
    site = make_project(tmp_path / "site", {"content/a.md": "---\ntitle: [x\n---\n"}, config=WITH_HOST)
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    assert main(["build", "../site"]) == 1
    assert capsys.readouterr().err.startswith(f"{site.as_posix()}/content/a.md:2: error: invalid YAML")


def test_issue_14_unknown_theme_says_did_you_mean_and_names_its_line(tmp_path: Path, monkeypatch, capsys) -> None:
    config = 'title = "T"\n' + WITH_HOST + 'theme = "brodsheet"\n'
    make_project(tmp_path / "s", {"content/a.md": THREAD}, config=config)
    monkeypatch.chdir(tmp_path)
    assert main(["build", "s"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("s/site.toml:3: error: theme 'brodsheet' not found\n    hint: did you mean 'broadsheet'?\n")


def test_issue_14_unknown_theme_lists_the_themes_when_nothing_is_close(tmp_path: Path, capsys) -> None:
    site = make_project(tmp_path / "s", {"content/a.md": THREAD, "themes/mine/templates/x.html": ""}, config="")
    (site / "site.toml").write_text(WITH_HOST + 'theme = "zzz"\n')
    assert main(["build", str(site)]) == 1
    assert "hint: themes available: broadsheet, default, mine\n" in capsys.readouterr().err


def test_issue_14_a_site_theme_wins_over_a_bundled_one_of_the_same_name(tmp_path: Path) -> None:
    from site_src.themes import BUNDLED_THEMES, load_theme

    site = make_project(tmp_path / "s", {"themes/default/templates/base.html": "mine"})
    assert load_theme("default", site).chain == (site / "themes" / "default",)
    assert load_theme("broadsheet", site).chain == (BUNDLED_THEMES / "broadsheet", site / "themes" / "default")


def test_issue_14_a_site_without_threads_is_a_warning(tmp_path: Path, monkeypatch, capsys) -> None:
    make_project(tmp_path / "s", {"content/.keep": ""}, config=WITH_HOST)
    monkeypatch.chdir(tmp_path)
    assert main(["build", "s"]) == 0
    err = capsys.readouterr().err
    assert err.count("warning") == 1
    assert err.startswith("s/content: warning: no threads: the site was built without a single thread page\n")
    assert main(["build", "s", "--strict"]) == 1


@pytest.mark.parametrize("base_url", ["/", "/digest/", None])
def test_issue_14_base_url_without_host_warns_once_about_the_sitemap(
    base_url: str | None, tmp_path: Path, monkeypatch, capsys
) -> None:
    config = 'title = "T"\n' + (f'base_url = "{base_url}"\n' if base_url else "")
    make_project(tmp_path / "s", {"content/a.md": THREAD, "content/b.md": THREAD.replace("Alpha", "Beta")}, config)
    monkeypatch.chdir(tmp_path)
    assert main(["build", "s"]) == 0
    err = capsys.readouterr().err
    line = 2 if base_url else 0
    where = f"s/site.toml:{line}" if line else "s/site.toml"
    assert err.startswith(f"{where}: warning: base_url '{base_url or '/'}' has no scheme and host, so sitemap.xml")
    assert err.count("warning") == 1
    assert 'hint: set base_url to where the site will be served, e.g. base_url = "https://example.org/digest/"' in err
    assert main(["build", "s", "--strict"]) == 1
    capsys.readouterr()
    assert main(["build", "s", "--base-url", "https://example.org/"]) == 0
    assert "warning" not in capsys.readouterr().err


def test_issue_14_version_is_the_installed_distributions(capsys) -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out == f"thread-digest {project['version']}\n"
