"""Shortcuts of the render pass give exactly what they replace (the obvious way, written out here)."""

from __future__ import annotations

import uuid
from dataclasses import replace
from urllib.parse import quote

import pytest
from hostile import hostile_thread
from hypothesis import given
from hypothesis import strategies as st
from test_render import OLD_JSONLD_MACRO

from site_src.config import SiteConfig
from site_src.enrich import enrich_thread
from site_src.jsonld import discussion_jsonld_json
from site_src.render import AbsoluteUrl, PageInfo, Renderer, anchor_url_function, thread_pages, uuid5_text
from site_src.themes import load_theme

PATHS = st.text(alphabet=st.sampled_from("/#abcXYZ019_.~-% é?&\n\t\"'<>"), max_size=30)


@given(PATHS, st.sampled_from(["https://example.org/sub/", "/", "http://h:8080/a%20b/"]))
def test_absolute_url_quotes_as_quote_does(path: str, base_url: str) -> None:
    config = SiteConfig.for_tests(base_url=base_url)
    expected = config.absolute_url("") + quote(path.lstrip("/"), safe="/-_.~#")
    assert AbsoluteUrl(config)(path) == expected == config.absolute_url(path)


@given(st.text(max_size=40))
def test_uuid5_text_is_uuid5(name: str) -> None:
    try:
        expected = str(uuid.uuid5(uuid.NAMESPACE_URL, name))
    except UnicodeEncodeError:  # lone surrogates: both refuse
        with pytest.raises(UnicodeEncodeError):
            uuid5_text(name)
        return
    assert uuid5_text(name) == expected


@pytest.mark.parametrize("limit", [0, 1, 7, 100, 10_000])
@pytest.mark.parametrize("fold_depth", [2, 8])
def test_jsonld_json_of_hostile_threads_is_what_the_template_macro_wrote(limit: int, fold_depth: int) -> None:
    config = SiteConfig.for_tests(fold_depth=fold_depth, base_url="https://example.org/a b/")
    renderer = Renderer(config, load_theme(config.theme, config.site_dir))
    template = renderer.env.from_string(OLD_JSONLD_MACRO)
    thread = hostile_thread()
    checked = 0
    for variant in (thread, replace(thread, author=None, date=None, tags=[], summary=None, source=None, body="")):
        for page in thread_pages(enrich_thread(variant, config), config, []):
            if page.kind == "feed":
                continue
            info = PageInfo(page.kind, page.path, page.title, renderer.absolute_url(page.path))
            rendered = template.render(
                site=renderer.site_view, page=info, absolute_url=renderer.absolute_url, limit=limit, **page.variables
            )
            anchor_url = anchor_url_function(renderer.absolute_url, page.path)
            comments, view = page.variables["comments"], page.variables["thread"]
            new_json = discussion_jsonld_json(view, comments, info.canonical, anchor_url, limit)
            assert rendered.strip().startswith(f"{new_json}|{new_json}|")  # the macro's, then jsonld_json's
            checked += 1
    assert checked >= 4
