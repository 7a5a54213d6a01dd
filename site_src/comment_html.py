"""The default theme's comment tree in Python: the `comment_tree` macro of `partials/comments.html`, same bytes.

The macro runs once per comment of every thread page; `comment_tree_html` writes what it writes in one pass
over the comment views. It stands in for the macro only where a template's text is exactly the bundled
partial's (`TWIN`, see `twins.py`), and hands the macro anything but a list of `CommentView`s or a `url` that
is not a `Linker`.
"""

from __future__ import annotations

from typing import Any

from jinja2.runtime import Context
from markupsafe import Markup

from .context import CommentView
from .escaping import escape_output
from .twins import Twin
from .urls import Linker

_TOP_LEVEL = '<span class="visually-hidden"> top-level comment</span>'


class _NotViews(Exception):
    """The tree holds something other than `CommentView`s: the macro renders it."""


def comment_tree_html(comments: list[CommentView], url: Linker) -> Markup | None:
    """`comment_tree(comments)` of the bundled `partials/comments.html`, or None when a comment is not a
    `CommentView` (then only the macro knows what the template makes of it)."""
    out: list[str] = []
    try:
        _write_tree(comments, url, out)
    except _NotViews:
        return None
    return Markup("".join(out))


def _write_tree(comments: list[CommentView], url: Linker, out: list[str]) -> None:
    """One `<ol>` of the tree, and the replies below each comment (recursion: at most `fold_depth` levels)."""
    escape = escape_output
    out.append('<ol class="comments">\n')
    for c in comments:
        if type(c) is not CommentView:
            raise _NotViews
        anchor = escape(c.anchor)
        label = escape(c.label)
        number = escape(c.number)
        named = bool(c.author_name)
        out += (
            '  <li class="comment-item depth-',
            escape(c.depth),
            '">\n    <article class="comment',
            " gone" if c.gone else "",
            '" id="',
            anchor,
            '">\n      <header class="comment-meta">\n',
        )
        if named:
            out += ('<span class="author">', escape(c.author_name), "</span>")
        else:
            out += (
                '<a class="permalink number" href="#',
                anchor,
                '">#',
                number,
                '<span class="visually-hidden"> (link to this comment)</span></a>',
            )
        if c.is_op:
            out.append('<span class="badge op" title="Original poster: started the thread">OP</span>')
        if c.flair:
            out += ('<span class="flair">', escape(c.flair), "</span>")
        if c.date:
            out += ('<time datetime="', escape(c.date), '">', escape(c.date_text), "</time>")
        if c.score_text:
            out += ('<span class="score">', escape(c.score_text), "</span>")
        if c.edited:
            out.append('<span class="badge">edited</span>')
        if c.accepted:
            out.append('<span class="badge accepted">accepted answer</span>')
        for state, text in c.states:
            out += ('<span class="badge state ', escape(state), '">', escape(text), "</span>")
        out.append('        <span class="comment-links">')
        if c.prev_anchor:
            out += ('<a class="prev-top" href="#', escape(c.prev_anchor), '">prev', _TOP_LEVEL, "</a> ")
        if c.next_anchor:
            out += ('<a class="next-top" href="#', escape(c.next_anchor), '">next', _TOP_LEVEL, "</a> ")
        if named:
            out += ('<a class="permalink" href="#', anchor, '">#', number)
            out += ('<span class="visually-hidden"> (link to this comment by ', label, ")</span></a>")
        out += (
            '</span>\n      </header>\n      <div class="comment-body">',
            escape(c.body_html),
            "</div>\n",
        )
        if c.more_text:
            out.append('      <p class="more-replies">')
            if c.more_url:
                more = escape(c.more_text)
                out += ('<a href="', escape(c.more_url), '" rel="nofollow ugc noopener">', more)
                out.append(" on the original site</a>")
            else:
                out += (escape(c.more_text), " not archived")
            out.append("</p>\n")
        out.append("    </article>\n")
        if c.replies:
            out += (
                '    <details class="replies" open>\n      <summary><span class="replies-count">',
                escape(c.replies_text),
                "</span> to ",
                label,
                "</summary>\n      ",
            )
            _write_tree(c.replies, url, out)
            out.append("\n    </details>\n")
        elif c.continue_url:
            count = c.descendant_count
            out += (
                '    <p class="continue"><a href="',
                escape(url(c.continue_url)),
                '">Continue this thread <span class="nowrap">(',
                escape(count),
                " more repl",
                "y" if count == 1 else "ies",
                ")&nbsp;→</span></a></p>\n",
            )
        out.append("  </li>\n")
    out.append("</ol>\n")


class CommentTree:
    """Stands in for the `comment_tree` macro: `comment_tree_html` when it can, else the macro."""

    __slots__ = ("macro", "url")

    def __init__(self, macro: Any, url: Linker) -> None:
        self.macro = macro
        self.url = url

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if len(args) == 1 and not kwargs and type(args[0]) is list:
            html = comment_tree_html(args[0], self.url)
            if html is not None:
                return html
        return self.macro(*args, **kwargs)


def _stand_in(macro: Any, context: Context) -> CommentTree | None:
    url = context.resolve_or_missing("url")
    return CommentTree(macro, url) if type(url) is Linker else None


TWIN = Twin(
    sha256="fdc08597a4e8f34aad4097e55eef724c3d3d53d5fcf18371b2e186e1f7ab7a9c",
    macro="comment_tree",
    stand_in=_stand_in,
)
"""The twin of `themes/default/templates/partials/comments.html` (its SHA-256) and its `comment_tree` macro."""
