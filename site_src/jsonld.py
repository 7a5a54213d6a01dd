"""A thread page's schema.org JSON-LD, written as JSON text safe inside `<script>`.

`discussion_jsonld_json` gives a `DiscussionForumPosting` with the page's first `limit` comments (in page
order) nested as `Comment` items (each comment's `text` cut to its start: `JSONLD_COMMENT_CHARS`), as exactly
the text Jinja's `|tojson` gives for that data (`json.dumps` with sorted keys, then `<`, `>`, `&` and `'`
escaped, so no content can end the script element). It writes the text in one walk, without a dict per
comment for `json.dumps` to sort and walk again: every key is written in sorted order, every string through
the encoder `json.dumps` itself uses.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from .context import CommentView, ThreadView, _plain_of_html, _truncate_words

JSONLD_TEXT_CHARS = 5000
"""Longest `text` of the post in the JSON-LD (cut at a word, with `…`)."""
JSONLD_COMMENT_CHARS = 300
"""Longest `text` of each comment in the JSON-LD (cut at a word, with `…`). Every comment is on the page in full
and its item gives its `url` there: the JSON-LD says what each comment is (author, date, place in the tree) and
how it starts, as Google's forum guidance allows for text shown elsewhere in full, without writing every
comment's text a second time into each page (it was a quarter of a thread page's bytes)."""

_string: Callable[[str], str] = json.encoder.encode_basestring_ascii
"""A JSON string, as `json.dumps` writes one (ASCII only)."""


def discussion_jsonld_json(
    thread: ThreadView, comments: list[CommentView], canonical: str, anchor_url: Callable[[str], str], limit: int
) -> str:
    """The JSON-LD text of a thread page at `canonical`; `anchor_url(anchor)` is a comment's absolute URL."""
    text = _plain_of_html(thread.body_html) or thread.summary or thread.title
    url = _string(canonical)
    parts = ['{"@context": "https://schema.org", "@id": ', url, ', "@type": "DiscussionForumPosting"']
    if thread.summary:
        parts += (', "abstract": ', _string(thread.summary))
    if thread.author:
        parts += (', "author": {"@type": "Person", "name": ', _string(thread.author), "}")
    written = _comments_json(comments, anchor_url, limit)
    if written:
        parts += (', "comment": [', written, "]")
    count = json.dumps(thread.comment_count)
    parts += (', "commentCount": ', count)
    if thread.date:
        parts += (', "datePublished": ', _string(thread.date))
    parts += (', "headline": ', _string(thread.title))
    parts += (', "interactionStatistic": {"@type": "InteractionCounter", ', '"interactionType": ')
    parts += ('"https://schema.org/CommentAction", "userInteractionCount": ', count, "}")
    if thread.source:
        parts += (', "isBasedOn": ', _string(thread.source))
    if thread.tags:
        parts += (', "keywords": [', ", ".join(_string(tag.name) for tag in thread.tags), "]")
    parts += (', "mainEntityOfPage": ', url, ', "text": ', _string(_truncate_words(text, JSONLD_TEXT_CHARS)))
    parts += (', "url": ', url, "}")
    return _html_safe("".join(parts))


def _comments_json(comments: list[CommentView], anchor_url: Callable[[str], str], limit: int) -> str:
    """The items of the top `comment` list ("" when none): the first `limit` comments in page order, each with
    its replies (as far as the limit goes) nested in its own `comment` list. Without recursion."""
    out: list[str] = []
    left = limit
    # pre-order, as the page shows them: (comment, whether a sibling was written before it), or the text that
    # closes a comment after its replies
    stack: list[tuple[CommentView, bool] | str] = [(c, n > 0) for n, c in reversed(list(enumerate(comments)))]
    while stack:
        entry = stack.pop()
        if isinstance(entry, str):
            out.append(entry)
            continue
        if left <= 0:  # past the limit: what is left on the stack is only closed
            continue
        view, after_sibling = entry
        left -= 1
        head = ', {"@type": "Comment"' if after_sibling else '{"@type": "Comment"'
        if view.author:
            head += ', "author": {"@type": "Person", "name": ' + _string(view.author) + "}"
        tail = ', "datePublished": ' + _string(view.date) if view.date else ""
        plain = _truncate_words(_plain_of_html(view.body_html), JSONLD_COMMENT_CHARS)
        tail += ', "text": ' + _string(plain) + ', "url": ' + _string(anchor_url(view.anchor)) + "}"
        replies = view.replies
        if replies and left > 0:  # the next comment taken is then this one's first reply
            out.append(head + ', "comment": [')
            stack.append("]" + tail)
            stack.extend((reply, n > 0) for n, reply in reversed(list(enumerate(replies))))
        else:
            out.append(head + tail)
    return "".join(out)


def _html_safe(text: str) -> str:
    """What `jinja2.utils.htmlsafe_json_dumps` does to the JSON text."""
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").replace("'", "\\u0027")
