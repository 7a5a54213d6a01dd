"""Links in posts and comments to paths of this site (`[the other thread](/t/b/)`), written for each page.

`markup.py` renders a body once, without knowing the pages it will appear on, and marks a link whose target is
a site path (`/…`, not `//host`) with `class="site-path"`. When a page is rendered (`render.Renderer.render`),
`resolve_site_paths` rewrites each marked link the way templates write theirs, then drops the mark:
- on an HTML page, through the page's `url()` (`urls.Linker`): `/digest/t/b/` under a sub-path, `../b/index.html`
  with `relative_urls`;
- in a feed, where the body is escaped HTML text inside `<content>`, as a full URL (`absolute_url`), since a feed
  reader shows an entry away from the site.

Every `<` in a body's HTML is a tag the renderer made (raw HTML is off), so only marked links match: the same
text typed in a comment arrives escaped (`&lt;a …`) and, in a feed, escaped twice.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from urllib.parse import unquote

from .escaping import escape_text
from .markup import SITE_PATH_CLASS, escape_attr

MARK = f' class="{SITE_PATH_CLASS}">'
"""How a marked link's start tag ends in a page (markup.py puts the class last)."""
ESCAPED_MARK = f" class=&#34;{SITE_PATH_CLASS}&#34;&gt;"
"""The same, in a feed's escaped `<content>` (Jinja and `feed_xml.py` escape `"` as `&#34;`)."""
_MARKED = re.compile(r'<a href="(/[^"]*)"([^<>]*)' + re.escape(MARK))
_ESCAPED_MARKED = re.compile(
    r"&lt;a href=&#34;(/(?:(?!&#34;)[^<>])*)&#34;((?:(?!&gt;)[^<>])*)" + re.escape(ESCAPED_MARK)
)


def site_link(href: str, link: Callable[[str], str]) -> str:
    """The link `link` writes for the site path in `href` (a URL as markdown-it writes it: percent-encoded), its
    query and fragment kept."""
    rest, hash_mark, fragment = href.partition("#")
    path, question, query = rest.partition("?")
    target = link(unquote(path) + (f"#{unquote(fragment)}" if hash_mark else ""))
    if question:
        page, mark, anchor = target.partition("#")
        target = f"{page}?{query}{mark}{anchor}"
    return target


def resolve_site_paths(text: str, link: Callable[[str], str], *, escaped: bool = False) -> str:
    """`text` (a rendered page; `escaped`: a feed) with each marked site-path link written by `link`."""
    if not escaped:
        if MARK not in text:
            return text

        def plain(match: re.Match[str]) -> str:
            return f'<a href="{escape_attr(site_link(html.unescape(match.group(1)), link))}"{match.group(2)}>'

        return _MARKED.sub(plain, text)
    if ESCAPED_MARK not in text:
        return text

    def twice(match: re.Match[str]) -> str:
        href = html.unescape(html.unescape(match.group(1)))
        return f"&lt;a href=&#34;{escape_text(escape_attr(site_link(href, link)))}&#34;{match.group(2)}&gt;"

    return _ESCAPED_MARKED.sub(twice, text)
