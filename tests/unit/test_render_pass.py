"""Shortcuts of the render pass give exactly what they replace (the obvious way, written out here)."""

from __future__ import annotations

import uuid
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from site_src.config import SiteConfig
from site_src.render import AbsoluteUrl, uuid5_text

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
