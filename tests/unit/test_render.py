"""The render stage's shortcuts give exactly what the slower, obvious way gives.

Thread pages are rendered for every thread of every build, so `render.py` and `context.py` take shortcuts
(output escaping without a `Markup` per piece, JSON-LD built in Python, one absolute-URL prefix): each is
checked here against what it replaces.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import jinja2
import pytest
from hypothesis import given
from hypothesis import strategies as st
from jinja2.filters import do_truncate
from markupsafe import Markup, escape

from site_src.config import SiteConfig, load_config
from site_src.context import _plain_of_html, _truncate_words, date_text
from site_src.diagnostics import Report
from site_src.pipeline import parse_and_enrich
from site_src.readers import parse_text
from site_src.render import (
    AbsoluteUrl,
    PageInfo,
    Renderer,
    anchor_url_function,
    escape_output,
    make_environment,
    related_cards,
    thread_pages,
)
from site_src.site import assemble_site
from site_src.themes import load_theme

REPO = Path(__file__).resolve().parents[2]

HTMLISH = st.lists(
    st.one_of(
        st.sampled_from(["<", ">", "&", "&amp;", "&lt;", "&#39;", "<!--", "-->", "<p>", "</a>", " ", "\n", "\t", "é"]),
        st.text(max_size=5),
    ),
    max_size=30,
).map("".join)


@given(HTMLISH)
def test_plain_of_html_is_striptags(html: str) -> None:
    assert _plain_of_html(Markup(html)) == Markup(html).striptags()


@given(st.text(alphabet=st.sampled_from("ab …\n"), max_size=40), st.integers(min_value=1, max_value=30))
def test_truncate_words_is_jinjas_truncate(text: str, length: int) -> None:
    env = jinja2.Environment()
    assert _truncate_words(text, length) == do_truncate(env, text, length, False, "…", 0)


class _Html:
    def __html__(self) -> str:
        return "<b>safe</b>"


@pytest.mark.parametrize(
    "value", ["", "plain", "<b>&'\"</b>", Markup("<i>kept</i>"), 12, -3, 2**70, -1.5, None, True, False, _Html()]
)
def test_escape_output_is_escape(value: object) -> None:
    assert escape_output(value) == str(escape(value))


def test_templates_escape_through_escape_output() -> None:
    env = make_environment(load_theme("default", Path(".")), Path("."))
    template = env.from_string("{{ a }}|{{ b }}|{{ n }}|{% autoescape false %}{{ a }}{% endautoescape %}")
    assert template.render(a="<x>", b=Markup("<y>"), n=3) == "&lt;x&gt;|<y>|3|<x>"
    with pytest.raises(jinja2.UndefinedError):
        env.from_string("{{ missing }}").render()


@pytest.mark.parametrize(
    "base_url", ["https://example.org/", "https://example.org/sub/dir", "http://h:8080/a%20b/", "/", "", "/docs/"]
)
@pytest.mark.parametrize("path", ["/", "/t/slug/", "/t/x/#comment-c1", "t/é ü/", "/t/a b/#x y", "/feed.xml", ""])
def test_absolute_url_is_config_absolute_url(base_url: str, path: str) -> None:
    config = SiteConfig.for_tests(base_url=base_url)
    assert AbsoluteUrl(config)(path) == config.absolute_url(path)


@given(st.one_of(st.dates(), st.datetimes(timezones=st.just(UTC))))
def test_date_text_is_strftime(moment: date) -> None:
    expected = f"{moment.day} {moment:%b %Y}"
    if isinstance(moment, datetime):
        expected += f", {moment:%H:%M} UTC"
    assert date_text(moment) == expected


@given(st.sampled_from(["/t/a/", "/", "", "/t/é x/c/1/"]), st.text(max_size=12))
def test_anchor_url_is_absolute_url_of_the_fragment(page_path: str, anchor: str) -> None:
    absolute_url = AbsoluteUrl(SiteConfig.for_tests(base_url="https://example.org/sub/"))
    assert anchor_url_function(absolute_url, page_path)(anchor) == absolute_url(page_path + "#" + anchor)


OLD_JSONLD_MACRO = """\
{% macro _comments(views, out, budget) %}
{% for c in views if budget.left > 0 %}
{% set budget.left = budget.left - 1 %}
{% set item = {"@type": "Comment", "url": absolute_url(page.path ~ "#" ~ c.anchor),
  "text": c.body_html | striptags | truncate(300, false, "…", 0)} %}
{% if c.author %}{% set _ = item.update({"author": {"@type": "Person", "name": c.author}}) %}{% endif %}
{% if c.date %}{% set _ = item.update({"datePublished": c.date}) %}{% endif %}
{% set _ = out.append(item) %}
{% set replies = [] %}
{% set _ = _comments(c.replies, replies, budget) %}
{% if replies %}{% set _ = item.update({"comment": replies}) %}{% endif %}
{% endfor %}
{% endmacro %}
{% set text = thread.body_html | striptags or thread.summary or thread.title %}
{% set data = {
  "@context": "https://schema.org", "@type": "DiscussionForumPosting", "@id": page.canonical,
  "url": page.canonical, "mainEntityOfPage": page.canonical, "headline": thread.title,
  "text": text | truncate(5000, false, "…", 0), "commentCount": thread.comment_count,
  "interactionStatistic": {"@type": "InteractionCounter", "interactionType": "https://schema.org/CommentAction",
    "userInteractionCount": thread.comment_count},
} %}
{% if thread.author %}{% set _ = data.update({"author": {"@type": "Person", "name": thread.author}}) %}{% endif %}
{% if thread.date %}{% set _ = data.update({"datePublished": thread.date}) %}{% endif %}
{% if thread.summary %}{% set _ = data.update({"abstract": thread.summary}) %}{% endif %}
{% if thread.tags %}{% set _ = data.update({"keywords": thread.tags | map(attribute="name") | list}) %}{% endif %}
{% if thread.source %}{% set _ = data.update({"isBasedOn": thread.source}) %}{% endif %}
{% set top = [] %}
{% set budget = namespace(left=limit) %}
{% set _ = _comments(comments, top, budget) %}
{% if top %}{% set _ = data.update({"comment": top}) %}{% endif %}
{{ data | tojson }}|{{ jsonld_json(thread, comments, limit) }}
{%- set full = absolute_url(page.path) -%}
|{{ full if full.startswith(('http://', 'https://')) else 'urn:uuid:' ~ uuid5(site.title ~ ' ' ~ page.path) }}
|{{ atom_id(page.path) }}"""
"""The Jinja JSON-LD macro and Atom id macro that `jsonld_json` and `atom_id` replace, side by side with them."""


@pytest.mark.parametrize("base_url", ["https://example.org/sub/", "/local/"])
@pytest.mark.parametrize("limit", [0, 1, 5, 100])
def test_jsonld_json_and_atom_id_write_what_the_template_macros_wrote(base_url: str, limit: int) -> None:
    config = load_config(REPO, {"fold_depth": 2, "base_url": base_url})
    site = assemble_site(parse_and_enrich(config, Report()), config, Report())
    renderer = Renderer(config, load_theme(config.theme, config.site_dir))
    template = renderer.env.from_string(OLD_JSONLD_MACRO)
    checked = 0
    for item in site.threads:
        full = replace(item, thread=parse_text(item.thread.path, (REPO / item.thread.path).read_text("utf-8")))
        for page in thread_pages(full, config, related_cards(item, site)):
            if "comments" not in page.variables or page.kind == "feed":
                continue
            info = PageInfo(page.kind, page.path, page.title, renderer.absolute_url(page.path))
            old_json, new_json, old_id, new_id = template.render(
                site=renderer.site_view, page=info, absolute_url=renderer.absolute_url, limit=limit, **page.variables
            ).split("|")
            assert new_json == old_json.strip() and new_id == old_id.strip()
            checked += 1
    assert checked > 14
