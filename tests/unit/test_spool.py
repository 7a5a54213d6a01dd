"""The spool: the first pass leaves each file's parsed threads for the render pass, appended to one file per
process (not a file per thread file, which cost a create and a delete per thread), and the render pass reads
them back by place, or parses the file again when it cannot."""

from __future__ import annotations

import os
from pathlib import Path

from site_src.config import load_config
from site_src.load import discover, read_source
from site_src.readers import parse_file
from site_src.themes import load_theme
from site_src.work import ThreadJob, process_source, render_thread, spool_threads, unspool

REPO = Path(__file__).resolve().parents[2]


def test_spooled_threads_share_one_file_and_come_back_equal(tmp_path: Path) -> None:
    config = load_config(REPO)
    paths = discover(config.content_path(), config.site_dir)
    assert len(paths) >= 5
    spool = tmp_path / "spool"
    spool.mkdir()
    places, parsed = [], []
    for path in paths:
        threads = parse_file(read_source(path, config.site_dir, config.content_path()), [])
        places.append(spool_threads(str(spool), threads))
        parsed.append(threads)
    assert len(os.listdir(spool)) == 1  # one process, one thread: one file
    assert all(places) and len(set(places)) == len(places)
    for place, threads in reversed(list(zip(places, parsed, strict=True))):  # any order, any number of times
        assert unspool(place) == threads
        assert unspool(place) == threads


def test_unreadable_spool_places_give_none(tmp_path: Path) -> None:
    place = spool_threads(str(tmp_path), [])
    name, offset, length = place.split("\0")
    assert unspool(place) == []
    assert unspool(f"{name}\0{offset}\0{int(length) - 1}") is None  # a cut pickle
    assert unspool(f"{name}\0{int(offset) + 1}\0{length}") is None  # not where a pickle starts
    assert unspool(f"{tmp_path / 'gone'}\0{offset}\0{length}") is None
    assert unspool("no place at all") is None
    assert spool_threads(str(tmp_path / "no-such-folder"), []) == ""


def test_pages_rendered_from_the_spool_are_the_pages_rendered_from_the_file(tmp_path: Path) -> None:
    config = load_config(REPO)
    theme = load_theme(config.theme, config.site_dir)
    spool = tmp_path / "spool"
    spool.mkdir()
    checked = 0
    for path in discover(config.content_path(), config.site_dir):
        result = process_source(path, config, str(spool))
        assert result.spooled
        for item in result.result.items:
            from_spool = render_thread(ThreadJob(item, [], result.spooled), config, theme)
            from_file = render_thread(ThreadJob(item, [], ""), config, theme)
            assert from_spool == from_file
            assert from_spool[0] and not from_spool[1]
            checked += 1
    assert checked >= 5
    assert len(os.listdir(spool)) == 1
