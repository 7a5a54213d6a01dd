"""The render stage's shortcuts give exactly what the slower, obvious way gives.

Thread pages are rendered for every thread of every build, so `render.py` and `context.py` take shortcuts
(output escaping without a `Markup` per piece, JSON-LD built in Python, one absolute-URL prefix): each is
checked here against what it replaces.
"""

from __future__ import annotations

from pathlib import Path

import jinja2
import pytest
from hypothesis import given
from hypothesis import strategies as st
from jinja2.filters import do_truncate
from markupsafe import Markup, escape

from site_src.config import SiteConfig
from site_src.context import _plain_of_html, _truncate_words
from site_src.render import absolute_url_function, escape_output, make_environment
from site_src.themes import load_theme

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


@pytest.mark.parametrize("value", ["", "plain", "<b>&'\"</b>", Markup("<i>kept</i>"), 12, -1.5, None, True, _Html()])
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
def test_absolute_url_function_is_config_absolute_url(base_url: str, path: str) -> None:
    config = SiteConfig.for_tests(base_url=base_url)
    assert absolute_url_function(config)(path) == config.absolute_url(path)
