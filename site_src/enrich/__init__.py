"""[enrich] Thread -> EnrichedThread: slug, URL, summary, counts.

Per-thread enrichment is a pure function of the thread and the config, so it
can be cached and spread over processes. Site-wide facts (tags, related
threads, archives) are worked out afterwards in `site.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePosixPath

from ..config import SiteConfig
from ..markup import markdown_tokens
from ..model import Thread
from ..text import slugify, truncate_words

SUMMARY_CHARS = 320


@dataclass(slots=True)
class EnrichedThread:
    """A thread and what enrichment learned about it."""

    thread: Thread
    """The parsed thread, unchanged."""
    slug: str
    """URL segment: `/t/<slug>/`."""
    summary: str
    """Plain text: the hand-written summary, or one made from the discussion."""
    summary_is_auto: bool
    """True when `summary` was generated."""
    comment_count: int
    """Comments in the tree."""
    participants: int
    """Distinct named authors, the poster included."""
    max_depth: int
    """Deepest reply chain (1 = only top-level comments, 0 = no comments)."""
    tag_slugs: list[str] = field(default_factory=list)
    """URL segments of `thread.tags`, in the same order."""

    @property
    def url(self) -> str:
        """Site path of the thread page."""
        return f"/t/{self.slug}/"


def thread_slug(thread: Thread) -> str:
    """From the file's `slug`, else its file name; always a safe path segment."""
    wanted = thread.slug or PurePosixPath(thread.path).stem
    return slugify(wanted, fallback_seed=thread.path)


def enrich_thread(thread: Thread, config: SiteConfig) -> EnrichedThread:
    """Everything that needs only this thread and the config."""
    authors = {thread.author} if thread.author else set()
    count = 0
    depth = 0
    for comment, level in thread.walk():
        count += 1
        depth = max(depth, level)
        if comment.author:
            authors.add(comment.author)
    summary = thread.summary or opening_summary(thread)
    return EnrichedThread(
        thread=thread,
        slug=thread_slug(thread),
        summary=" ".join(summary.split()),
        summary_is_auto=not thread.summary,
        comment_count=count,
        participants=len(authors),
        max_depth=depth,
        tag_slugs=[slugify(tag) for tag in thread.tags],
    )


def opening_summary(thread: Thread) -> str:
    """The opening of the post, or of the first comment when the post is empty, as plain text."""
    source = thread.body or (thread.comments[0].body if thread.comments else "")
    return truncate_words(markdown_to_text(source), SUMMARY_CHARS)


def markdown_to_text(text: str) -> str:
    """The words of a Markdown text, without markup: inline text of every block, code blocks left out."""
    words: list[str] = []
    for token in markdown_tokens(text):
        if token.type == "inline" and token.children:
            for child in token.children:
                if child.type in ("text", "code_inline"):
                    words.append(child.content)
                elif child.type in ("softbreak", "hardbreak"):
                    words.append(" ")
            words.append(" ")
    return " ".join("".join(words).split())
