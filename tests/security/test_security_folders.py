"""The folders a build reads and the folder it writes stay apart, and stay inside the site.

Before: `output_dir = "templates"` (the empty `templates/` that `digest new` makes) was accepted; the next build
loaded the previous build's pages as the site's own templates, so `{{ 98765*4321 }}` in a comment was evaluated by
Jinja (content executed as code). An output folder inside `content/` (`-o content/out`, or `content_dir = "."`)
was read back as threads (`robots.txt` a thread, every `feed.xml` an error) and every later build failed; one
inside `static/` was copied into the next site. `content_dir = "../../elsewhere"` published thread files from
anywhere on the disk, and `theme = "/abs/path"` loaded templates from anywhere.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from support import make_project

from site_src.cli import main
from site_src.config import ConfigError, load_config

EVAL = "{{ 98765*4321 }}"
EVALUATED = str(98765 * 4321)
LOOP = "{% for i in range(3) %}LOOP{% endfor %}"


def _site(tmp_path: Path, config: str = 'title = "T"\n') -> Path:
    return make_project(
        tmp_path / "site",
        {
            "content/evil.md": f"---\ntitle: evil\n---\n\nbody {EVAL} and {LOOP}\n",
            "templates/.keep": "",
            "static/site.css": "body { color: black }\n",
        },
        config,
    )


def _problems(site: Path, overrides: dict[str, object] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_config(site, overrides)
    return [p.format() for p in info.value.problems]


@pytest.mark.parametrize(
    "value", ["templates", "templates/out", "static/out", "content", "content/out", "themes/x", ".digest-cache/o"]
)
def test_output_dir_inside_a_folder_the_build_reads_is_refused(tmp_path: Path, value: str) -> None:
    site = _site(tmp_path, f'title = "T"\noutput_dir = "{value}"\n')
    folder = value.split("/")[0]
    [found] = _problems(site)
    assert found.startswith(f"site.toml:2: error: 'output_dir' = '{value}' is ")
    assert f"{folder}/" in found.splitlines()[0]
    # the same folder given on the command line
    (site / "site.toml").write_text('title = "T"\n', encoding="utf-8")
    [found] = _problems(site, {"output_dir": str(site / value)})
    assert found.startswith(f"command line: error: the output folder {site / value} is ")
    assert f"{folder}/" in found.splitlines()[0]


def test_output_folder_holding_the_site_is_refused(tmp_path: Path) -> None:
    site = _site(tmp_path)
    for out in (site, tmp_path):
        [found] = _problems(site, {"output_dir": str(out)})
        assert found.startswith("command line: error: the output folder ")
        assert "holds" in found or "is the site folder" in found


def test_content_dir_is_a_folder_inside_the_site(tmp_path: Path) -> None:
    elsewhere = make_project(tmp_path / "elsewhere", {"content/secret.md": "---\ntitle: secret\n---\n\nx\n"})
    site = _site(tmp_path)
    for value in ("../elsewhere/content", str(elsewhere / "content"), "content/../../elsewhere", ".", ""):
        (site / "site.toml").write_text(f'title = "T"\ncontent_dir = "{value}"\n', encoding="utf-8")
        [found] = _problems(site)
        assert found.startswith(f"site.toml:2: error: 'content_dir' = '{value}' ")
    for value in ("content", "threads/2025"):
        (site / "site.toml").write_text(f'content_dir = "{value}"\n', encoding="utf-8")
        assert load_config(site).content_dir == value


def test_theme_names_are_names_not_paths(tmp_path: Path) -> None:
    evil = make_project(tmp_path / "evil", {"templates/base.html": "EVIL", "theme.toml": 'name = "evil"\n'})
    site = _site(tmp_path)
    for value in (str(evil), "../../evil", "../themes/default", "default/../default", ".", "..", "a\\b", ""):
        (site / "site.toml").write_text(f"title = 'T'\ntheme = '{value}'\n", encoding="utf-8")
        [found] = _problems(site)
        assert found.startswith(f"site.toml:2: error: 'theme' must be the name of a theme folder, not {value!r}")
    make_project(site / "themes" / "mine", {"theme.toml": f'extends = "{evil}"\n'})
    (site / "site.toml").write_text('theme = "mine"\n', encoding="utf-8")
    code = main(["build", str(site), "-q"])
    assert code != 0
    assert not (site / "public").exists()


def test_output_in_templates_never_runs_content_as_a_template(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The reproduction: two builds into `templates/` (empty, as `digest new` leaves it)."""
    site = _site(tmp_path, 'title = "T"\noutput_dir = "templates"\n')
    (site / "templates" / ".keep").unlink()
    for _ in range(2):
        assert main(["build", str(site), "-q"]) == 2
    err = capsys.readouterr().err
    assert "site.toml:2: error: 'output_dir' = 'templates' is the site's templates/ folder" in err
    assert "Traceback" not in err
    written = [p for p in site.rglob("*") if p.is_file() and p.suffix in (".html", ".xml")]
    assert written == []
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in site.rglob("*") if p.is_file()]
    assert not any(EVALUATED in text or "LOOPLOOP" in text for text in texts)


def test_output_in_content_from_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = _site(tmp_path)
    for _ in range(2):
        assert main(["build", str(site), "-q", "-o", str(site / "content" / "out")]) == 2
    assert not (site / "content" / "out").exists()
    err = capsys.readouterr().err
    assert "command line: error: the output folder " in err and "content" in err
    # and the default output still builds
    assert main(["build", str(site), "-q"]) == 0
    assert EVALUATED not in (site / "public" / "t" / "evil" / "index.html").read_text(encoding="utf-8")
