"""site.toml checking: every key typed, unknown keys named with a hint, all problems together."""

from __future__ import annotations

from pathlib import Path

import pytest

from site_src.config import ConfigError, SiteConfig, load_config


def problems(tmp_path: Path, text: str) -> list[str]:
    (tmp_path / "site.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    return [p.format() for p in info.value.problems]


def test_defaults_without_site_toml(tmp_path: Path) -> None:
    config = load_config(tmp_path)
    assert config == SiteConfig(site_dir=tmp_path)
    assert config.base_path == "/"


def test_unknown_and_mistyped_keys_all_reported(tmp_path: Path) -> None:
    found = problems(tmp_path, 'title = "x"\ntittle = "y"\nper_page = "ten"\nrelative_urls = 1\n')
    assert found == [
        "site.toml:2: error: unknown key 'tittle'\n    hint: did you mean 'title'?",
        "site.toml:3: error: 'per_page' must be a whole number, not 'ten'",
        "site.toml:4: error: 'relative_urls' must be true or false, not 1",
    ]


def test_invalid_toml_names_the_line(tmp_path: Path) -> None:
    [found] = problems(tmp_path, 'title = "x"\nbase_url = \n')
    assert found.startswith("site.toml:2: error: invalid TOML")


def test_base_url_checked_and_sub_path_understood(tmp_path: Path) -> None:
    [found] = problems(tmp_path, 'base_url = "example.org"\n')
    assert "'base_url' must be an http(s) URL or a path starting with '/'" in found
    (tmp_path / "site.toml").write_text('base_url = "https://example.org/digest"\n', encoding="utf-8")
    config = load_config(tmp_path)
    assert config.base_path == "/digest/"
    assert config.absolute_url("/t/a b/") == "https://example.org/digest/t/a%20b/"


def test_command_line_overrides_are_checked_too(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path, {"base_url": "ftp://x"})
    assert info.value.problems[0].path == "command line"
    assert load_config(tmp_path, {"relative_urls": True}).relative_urls is True


def test_fold_depth_is_capped(tmp_path: Path) -> None:
    [found] = problems(tmp_path, "fold_depth = 5000\n")
    assert found == "site.toml:1: error: 'fold_depth' must be at most 50, not 5000"


def test_issue_20_output_dir_outside_the_site_only_from_the_command_line(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    for value in ("../../x", "../public", str(tmp_path / "elsewhere"), "public/../../x"):
        found = problems(site, f'title = "T"\noutput_dir = "{value}"\n')
        assert len(found) == 1 and found[0].startswith(
            f"site.toml:2: error: 'output_dir' = '{value}' is outside the site folder"
        )
        assert "digest build -o" in found[0]
    for value in ("public", "out/site", str(site / "www")):
        (site / "site.toml").write_text(f'output_dir = "{value}"\n', encoding="utf-8")
        assert load_config(site).output_dir == value
    # given on the command line (the overrides `digest build -o` passes), anywhere is fine
    (site / "site.toml").write_text('title = "T"\n', encoding="utf-8")
    config = load_config(site, {"output_dir": str(tmp_path / "elsewhere")})
    assert config.output_path() == tmp_path / "elsewhere"


def test_issue_20_config_strings_are_capped(tmp_path: Path) -> None:
    found = problems(tmp_path, 'language = "en"\ntitle = "' + "x" * 2_000_000 + '"\n')
    assert found == ["site.toml:2: error: 'title' is 2,000,000 characters long; at most 1,000"]
    found = problems(tmp_path, 'description = "' + "y" * 20_000 + '"\nauthor = "' + "z" * 1_001 + '"\n')
    assert found == [
        "site.toml:1: error: 'description' is 20,000 characters long; at most 10,000",
        "site.toml:2: error: 'author' is 1,001 characters long; at most 1,000",
    ]
    (tmp_path / "site.toml").write_text('title = "' + "t" * 1_000 + '"\ndescription = "' + "d" * 10_000 + '"\n')
    assert len(load_config(tmp_path).title) == 1_000
