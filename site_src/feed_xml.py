"""A thread feed's entries in Python: the `comment_entries` macro of `partials/feed_comments.html`, same bytes.

Every thread has its own feed of its newest comments; `comment_entries_xml` writes what the macro writes for
them in one pass. It stands in for the macro only where a template's text is exactly the bundled partial's
(`TWIN`, see `twins.py`), and hands the macro anything but a list of `feeds.CommentEntry`s (with their HTML as
`Markup`), or an `atom_id` or `absolute_url` that is not the site's own.
"""

from __future__ import annotations

from typing import Any

from jinja2.runtime import Context
from markupsafe import Markup

from .absolute_urls import AbsoluteUrl, AtomId
from .escaping import escape_output, escape_text
from .feeds import CommentEntry
from .twins import Twin


def comment_entries_xml(comments: list[CommentEntry], atom_id: AtomId, absolute_url: AbsoluteUrl) -> Markup | None:
    """`comment_entries(comments)` of the bundled `partials/feed_comments.html`, or None when an entry is not a
    `CommentEntry` with `Markup` content (then only the macro knows what the template makes of it)."""
    escape = escape_output
    out: list[str] = []
    for c in comments:
        if type(c) is not CommentEntry or type(c.content_html) is not Markup:
            return None
        url = c.url
        out += (
            "  <entry>\n    <title>",
            escape(c.title),
            "</title>\n    <id>",
            escape(atom_id(url)),
            '</id>\n    <link rel="alternate" type="text/html" href="',
            escape(absolute_url(url)),
            '"/>\n    <updated>',
            escape(c.updated),
            "</updated>\n",
        )
        if c.author:
            out += ("<author><name>", escape(c.author), "</name></author>")
        out.append('\n    <content type="html"')
        page_url = absolute_url(url.partition("#")[0])
        if page_url.startswith(("http://", "https://")):
            out += (' xml:base="', escape(page_url), '"')
        # `content_html | string | trim | forceescape`: the HTML, stripped, escaped once more as text
        out += (">", escape_text(str.strip(c.content_html)), "</content>\n  </entry>\n")
    return Markup("".join(out))


class CommentEntries:
    """Stands in for the `comment_entries` macro: `comment_entries_xml` when it can, else the macro."""

    __slots__ = ("absolute_url", "atom_id", "macro")

    def __init__(self, macro: Any, atom_id: AtomId, absolute_url: AbsoluteUrl) -> None:
        self.macro = macro
        self.atom_id = atom_id
        self.absolute_url = absolute_url

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if len(args) == 1 and not kwargs and type(args[0]) is list:
            xml = comment_entries_xml(args[0], self.atom_id, self.absolute_url)
            if xml is not None:
                return xml
        return self.macro(*args, **kwargs)


def _stand_in(macro: Any, context: Context) -> CommentEntries | None:
    atom_id = context.resolve_or_missing("atom_id")
    absolute_url = context.resolve_or_missing("absolute_url")
    if type(atom_id) is AtomId and type(absolute_url) is AbsoluteUrl:
        return CommentEntries(macro, atom_id, absolute_url)
    return None


TWIN = Twin(
    sha256="595c9fd80f03a0434bf1fbaa0845a81766a773bb1d8b25eba64f2e518eb8f7c0",
    macro="comment_entries",
    stand_in=_stand_in,
)
"""The twin of `themes/default/templates/partials/feed_comments.html` (its SHA-256), its `comment_entries` macro."""
