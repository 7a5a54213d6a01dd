"""The default theme's comment tree in Python: the `comment_tree` macro of `partials/comments.html`, same bytes.

The macro runs once per comment of every thread page, and a Jinja macro call costs more than the comment's
HTML itself. `comment_tree_html` writes what the macro writes, in one pass over the comment views.

When it stands in for the macro: `ThemeTemplate.make_module` (what `{% from ... import ... with context %}`
calls) gives the module of a template marked `python_twin` a `CommentTree` in place of its macro. The theme
environment (`render.py`) marks a template when its text is exactly the bundled `partials/comments.html`
(`is_default_comment_tree`, by SHA-256), so:

- a theme or site with its own `partials/comments.html` gets its own template, as the lookup order says;
- an edit of the bundled file turns the twin off (the template is used, slower and correct) until this module
  is brought in line and `DEFAULT_COMMENT_TREE_SHA256` updated (`tests/unit/test_comment_html.py` fails
  meanwhile);
- anything the twin was not written for (comments that are not `CommentView`s, a `url` that is not a
  `Linker`, keyword arguments) goes to the macro itself.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import jinja2
from jinja2.environment import TemplateModule
from jinja2.utils import missing
from markupsafe import Markup

from .context import CommentView
from .escaping import escape_output
from .urls import Linker

DEFAULT_COMMENT_TREE_SHA256 = "3a3279080768affe88c73a37689550e30587ef9daf72d2f55864c3dd7a3c0470"
"""SHA-256 of `themes/default/templates/partials/comments.html` (UTF-8), the text `comment_tree_html` mirrors."""
COMMENT_TREE_MACRO = "comment_tree"
"""The macro the twin replaces."""


def is_default_comment_tree(source: str) -> bool:
    """True when a template's text is the bundled comment tree partial the twin was written from."""
    return hashlib.sha256(source.encode("utf-8")).hexdigest() == DEFAULT_COMMENT_TREE_SHA256


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
        name = escape(c.author_name)
        out += (
            '  <li class="comment-item depth-',
            escape(c.depth),
            '">\n    <article class="comment" id="',
            anchor,
            '">\n      <header class="comment-meta">\n        <span class="author">',
            name,
            "</span>\n",
        )
        if c.is_op:
            out.append('<span class="badge op" title="Started the thread">author</span>')
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
        out += (
            '        <a class="permalink" href="#',
            anchor,
            '" aria-label="Link to this comment by ',
            name,
            '">#</a>\n      </header>\n      <div class="comment-body">',
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
                name,
                "</summary>\n      ",
            )
            _write_tree(c.replies, url, out)
            out.append("\n    </details>\n")
        elif c.continue_url:
            count = c.descendant_count
            out += (
                '    <p class="continue"><a href="',
                escape(url(c.continue_url)),
                '">Continue this thread: ',
                escape(count),
                " more repl",
                "y" if count == 1 else "ies",
                " →</a></p>\n",
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


class ThemeTemplate(jinja2.Template):
    """A theme template; one marked `python_twin` (the bundled comment tree) exports a `CommentTree` instead of
    its macro when imported with a context that has a `url`."""

    python_twin: bool | None = None
    """Set by the environment when the template is loaded (None: not looked at yet)."""

    def make_module(
        self, vars: dict[str, Any] | None = None, shared: bool = False, locals: Mapping[str, Any] | None = None
    ) -> TemplateModule:
        context = self.new_context(vars, shared, locals)
        module = TemplateModule(self, context)
        if self.python_twin:
            macro = getattr(module, COMMENT_TREE_MACRO, missing)
            url = context.resolve_or_missing("url")
            if macro is not missing and type(url) is Linker:
                setattr(module, COMMENT_TREE_MACRO, CommentTree(macro, url))
        return module
