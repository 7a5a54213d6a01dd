"""Stable pseudonyms for user names, so a site can be published without exposing people.

In: Threads and a secret key (kept beside the content, in `<out>/.redact-key`, created on first use;
the loader skips dot files, so it is never published). Out: the same Threads with every author
replaced by a pseudonym such as `amber-otter-3f2a`: the same person gets the same pseudonym in every
thread and on every re-import, and without the key nobody can test a guessed name against it.
Bodies: `u/name`, `@name` mentions and whole-word occurrences of the thread's authors' names are
replaced too, e-mail addresses become `[email]`; the per-comment `url` and the mail `signature`
(which carry names) are dropped.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from pathlib import Path

from ..model import Comment, Thread

_ADJECTIVE_WORDS = (
    "amber azure bold brave brisk calm clever coral crisp dapper eager early fair fancy fleet gentle glad golden "
    "grand happy hazel humble ivory jolly keen kind lively lucky merry mellow misty modest noble olive patient "
    "plucky proud quiet rapid rosy ruby rustic sage scarlet serene sharp shy silver sleek snowy solar spry steady "
    "sunny swift tidy topaz upbeat vivid warm witty young zesty"
)
_ANIMAL_WORDS = (
    "otter badger heron lynx marten finch falcon ferret gecko ibis koala lemur magpie mole newt ocelot osprey "
    "panda pelican pika puffin quail raven robin salmon seal shrew skunk sparrow stoat swan tapir tern toad "
    "trout turtle vole walrus weasel whale wombat wren yak zebra beaver bison camel crane dingo egret gull hare "
    "hedgehog jackal kiwi llama moose owl plover"
)
_ADJECTIVES = _ADJECTIVE_WORDS.split()
_ANIMALS = _ANIMAL_WORDS.split()
_EMAIL = re.compile(r"[\w.+-]+(?:@| at )[\w-]+(?:\.[\w-]+)+")
KEY_FILE = ".redact-key"


def load_key(out_dir: str | Path) -> bytes:
    """The site's secret key, created (and kept) in `out_dir/.redact-key` on first use."""
    path = Path(out_dir) / KEY_FILE
    if path.exists():
        return path.read_text(encoding="ascii").strip().encode("ascii")
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key + "\n", encoding="ascii")
    return key.encode("ascii")


def pseudonym(name: str, key: bytes) -> str:
    """`adjective-animal-xxxx`, the same for the same name (case-insensitive) and key."""
    digest = hmac.new(key, name.casefold().encode("utf-8"), hashlib.sha256).digest()
    return f"{_ADJECTIVES[digest[0] % len(_ADJECTIVES)]}-{_ANIMALS[digest[1] % len(_ANIMALS)]}-{digest[2:4].hex()}"


def redact_thread(thread: Thread, key: bytes) -> Thread:
    """Replace names in place and return the thread."""
    names = {thread.author} if thread.author else set()
    names.update(c.author for c, _ in thread.walk() if c.author)
    mapping = {name: pseudonym(name, key) for name in names}

    def scrub(text: str) -> str:
        text = _EMAIL.sub("[email]", text)
        text = re.sub(
            r"(?<![\w/])(/?u/|@)([\w-]{3,})(@[\w.-]+)?",
            lambda m: m.group(1) + pseudonym(m.group(2), key),
            text,
        )
        for name in sorted((n for n in mapping if len(n) >= 4), key=len, reverse=True):
            text = re.sub(rf"(?<![\w-]){re.escape(name)}(?![\w-])", mapping[name], text)
        return text

    if thread.author:
        thread.author = mapping[thread.author]
    thread.body = scrub(thread.body)
    thread.title = scrub(thread.title)
    thread.extra.pop("signature", None)
    for comment, _ in thread.walk():
        _redact_comment(comment, mapping, scrub)
    return thread


def _redact_comment(comment: Comment, mapping: dict[str, str], scrub: Callable[[str], str]) -> None:
    if comment.author:
        comment.author = mapping[comment.author]
    comment.body = scrub(comment.body)
    for key in ("url", "signature"):
        comment.extra.pop(key, None)
    if isinstance(comment.extra.get("subject"), str):
        comment.extra["subject"] = scrub(comment.extra["subject"])
