"""Stable pseudonyms for user names, so a site can be published without exposing people.

In: Threads and a secret key (kept beside the content, in `<out>/.redact-key`, created on first use;
the loader skips dot files, so it is never published). Out: the same Threads with every author
replaced by a pseudonym such as `amber-otter-3f2a`: the same person gets the same pseudonym in every
thread and on every re-import, and without the key nobody can test a guessed name against it.

Texts (bodies, titles, mail subjects, content warnings):
- explicit mentions are replaced everywhere: `@name`, `u/name`, `/u/name` (any name; a Markdown link whose
  text is a mention becomes the bare pseudonymised mention, as its target is the person's profile), and the
  thread's names in attribution lines (`On ..., Andy Grunwald wrote:`) and in quoted mail headers
  (`From: Jane Roe [mailto:...]`, whose name is replaced even when Jane is not among the authors);
- a thread author's bare name is replaced only when it is distinctive: it has a digit, `_`, `-`, a space or
  an inner capital (`distinctive`: `civilization_phaze_3`, `JohnDoe`), or it is a plain word-shaped name that
  is no word of the thread (`Vocabulary.ordinary`: `alienth`, but not `debt` when the thread says "debts", nor
  a stop word or an emoji name's word; a capitalised one only as written); the capitalised parts of a display
  name too (`Jane` of `Jane Smith`; a part that is also a word of the thread not at the start of a sentence);
- never inside code (fenced or inline) or URLs, whose text must stay exact (`github.com/<user>/repo`);
- e-mail addresses become `[email]`; the per-comment `url` and the mail `signature` (which carry names)
  are dropped; a Mastodon status address (`https://host/@name/123`) becomes `https://host/web/statuses/123`.
Speed: one scan per text. Word-like names are found by one tokenising pattern and a dict lookup, the
others (with spaces or dots) by one compiled alternation; no pattern per name.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from functools import cache
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


def distinctive(name: str) -> bool:
    """Whether a bare mention of `name` in someone's text surely means the person, whatever the thread: a digit,
    `_`, `-`, `.`, a space or an inner capital (`civilization_phaze_3`, `JohnDoe`). A plain word-shaped name
    (`alienth`, `debt`, `Politician`) is decided by `Vocabulary.ordinary` on the thread's own words."""
    if len(name) < 4:
        return False
    if any(not c.isalpha() for c in name):  # a digit, `_`, `-`, `.`, a space
        return True
    return any(c.isupper() for c in name[1:])


_SUFFIXES = (
    "s", "es", "ies", "d", "ed", "r", "st", "ing", "er", "ers", "est", "ly", "y", "al", "ally", "ity", "ities",
    "ism", "ist", "ists", "ic", "ics", "ical", "ness", "ment", "ments", "ian", "ians", "ation", "ations", "ion",
    "ions", "ive", "able", "ful", "less", "ship", "hood", "ize", "ise", "ized", "ised", "ous",
)  # fmt: skip
"""Endings by which a thread's words show that a name is one of them (`debt` / `debts`, `human` / `humanity`)."""


@cache
def _emoji_words() -> frozenset[str]:
    """The words of the emoji package's English names (`gem stone`, `large orange diamond`: about 1,900 common
    nouns and adjectives), flags left out (country names are people's names too)."""
    import emoji

    words: set[str] = set()
    for data in emoji.EMOJI_DATA.values():
        name = str(data.get("en", ""))
        if "flag" not in name:
            words.update(w for w in re.findall(r"[a-z]+", name.lower()) if len(w) >= 3)
    return frozenset(words)


@cache
def _stop_words() -> frozenset[str]:
    """The stop words of stopwords-iso (MIT; its English list holds common content words too) and the site's."""
    import stopwordsiso

    from ..enrich.keywords import FOREIGN_LANGUAGES
    from ..enrich.text import STOP_WORDS

    languages = ("en", *FOREIGN_LANGUAGES)  # the languages keywords know; English's list here too (see above)
    words = {w.casefold() for language in languages for w in stopwordsiso.stopwords(language)}
    return frozenset(words | {w.casefold() for w in STOP_WORDS})


class Vocabulary:
    """The words of one thread (casefolded), to tell a name that is also an ordinary word from one that is not."""

    def __init__(self, texts: list[str]) -> None:
        self.words = {w.casefold() for text in texts for w in _PLAIN_WORD.findall(text)}

    def ordinary(self, word: str) -> bool:
        """`word` is a word people write without meaning anyone: a stop word of any language the package knows, a
        word of the emoji names it ships (`diamond`, `rocket`), or one whose other forms the thread holds (`debts`
        beside `debt`, `humanity` beside `human`). (Not the other way round: `Christian`, `Jared` and `Andy` end
        like derived words.)"""
        folded = word.casefold()
        if folded in _stop_words() or folded in _emoji_words() or any(folded + s in self.words for s in _SUFFIXES):
            return True
        stem = folded[:-1]  # brave -> braving, party -> parties
        return folded[-1] in "ey" and any(stem + suffix in self.words for suffix in _SUFFIXES if suffix[0] in "aeio")


_PLAIN_WORD = re.compile(r"[^\W\d_]{3,}")


def _name_like(part: str) -> bool:
    """A display name's part that is a name by its shape: `Jane` of `Jane Smith`, `José` (not `de`, `M`, `III`)."""
    return len(part) >= 3 and part.isalpha() and part[0].isupper() and part[1:].islower()


_WORD = re.compile(r"(?<![\w-])[\w-]+(?![\w-])")
_WORDLIKE = re.compile(r"[\w-]+")
_MENTION_LINK = re.compile(r"\[\\?(@|/?u/)((?:[\w-]|\\[_-])+)(?:\\?@[\w.-]+)?\]\([^()\s]*\)")
_MENTION = re.compile(r"(?<![\w/])(/?u/|@)([\w-]{3,})(@[\w.-]+)?")
_PROTECTED = re.compile(
    r"(?P<code>^ {0,3}(?P<fence>`{3,}|~{3,})[^\n]*\n(?:.*\n)*?(?: {0,3}(?P=fence)[`~]*[ \t]*$|\Z)"
    r"|(?P<tick>`+)[^`]+?(?P=tick)"
    r"|\]\([^()\s]*\)"
    r"|<[a-z][a-z0-9+.-]*:[^<>\s]*>"
    r"|(?:https?|ftp)://[^\s<>()\[\]]+|www\.[^\s<>()\[\]]+"
    r"|(?<![\w@.-])(?:[a-z0-9-]+\.)+[a-z]{2,}/[^\s<>()\[\]]*)",
    re.MULTILINE,
)
"""What is never rewritten: fenced and inline code, link targets, autolinks and bare URLs (also without a scheme:
`github.com/<user>/repo`)."""
_ATTRIBUTION_LINE = re.compile(r"^.*\b(?:wrote|writes|schrieb|a écrit|escribió|said)\s*:?\s*$", re.MULTILINE | re.I)
_HEADER_LINE = re.compile(r"^((?:>\s?)*\**(?:from|to|cc|von|an|de)\s*:\**[ \t]*)(.+)$", re.MULTILINE | re.I)
_ANY_HEADER = re.compile(
    r"^(?:>\s?)*\**(?:from|to|cc|sent|date|subject|von|an|gesendet|betreff|de|envoyé|objet)\s*:", re.IGNORECASE
)
_STATUS_URL = re.compile(r"(https?://[^/\s<>()]+)/@[\w.-]+(?:@[\w.-]+)?/(\d+)(?![\w/])")
_MASTODON_STATUS = re.compile(r"^(https?://[^/\s]+)/@[^/\s]+/(\d+)$")


class _Scrubber:
    """Replaces the names of one thread (see the module text) in a text."""

    def __init__(self, mapping: dict[str, str], key: bytes, vocabulary: Vocabulary) -> None:
        self.key = key
        self.mapping = mapping
        self.folded = {name.casefold(): alias for name, alias in mapping.items()}
        self.words = {name: alias for name, alias in mapping.items() if _WORDLIKE.fullmatch(name) and distinctive(name)}
        self.plain: dict[str, str] = {}
        """Lower-case word-shaped names that are no word of the thread (`alienth`), found in any case."""
        self.parts: dict[str, tuple[str, bool]] = {}
        """Capitalised parts of display names (`Jane` of `Jane Smith`) -> (pseudonym, also an ordinary word: then
        not at the start of a sentence, where `Mark` or `Rose` may be the word)."""
        owners: dict[str, set[str]] = {}
        for name, alias in mapping.items():
            if _PLAIN_WORD.fullmatch(name) and name not in self.words and not vocabulary.ordinary(name):
                if name.islower():
                    self.plain[name] = alias  # `alienth`, also as `Alienth` at the start of a sentence
                else:
                    self.words[name] = alias  # `Instincts` as written: "comedic instincts" is the word
            elif not _WORDLIKE.fullmatch(name):
                for part in _WORDLIKE.findall(name):
                    if distinctive(part):
                        self.words.setdefault(part, alias)
                    elif _name_like(part) and part.casefold() not in _stop_words():
                        owners.setdefault(part, set()).add(alias)
        for part, aliases in owners.items():  # a first name two people share stands for neither of them
            alias = aliases.pop() if len(aliases) == 1 else pseudonym(part, key)
            self.parts[part] = (alias, vocabulary.ordinary(part))
        others = sorted((n for n in mapping if not _WORDLIKE.fullmatch(n) and distinctive(n)), key=len, reverse=True)
        self.others = re.compile("|".join(rf"(?<![\w-]){re.escape(n)}(?![\w-])" for n in others)) if others else None
        every = sorted(mapping, key=len, reverse=True)
        self.any_name = (
            re.compile("|".join(rf"(?<![\w-]){re.escape(n)}(?![\w-])" for n in every), re.IGNORECASE) if every else None
        )

    def alias(self, name: str) -> str:
        return self.folded.get(name.casefold()) or pseudonym(name, self.key)

    def __call__(self, text: str) -> str:
        if not text:
            return text
        text = _EMAIL.sub("[email]", text)
        if "/@" in text:  # a Mastodon status address names its author: the server's other address for it does not
            text = _STATUS_URL.sub(r"\1/web/statuses/\2", text)
        text = _MENTION_LINK.sub(lambda m: m.group(1) + self.alias(m.group(2).replace("\\", "")), text)
        out: list[str] = []
        position = 0
        for match in _PROTECTED.finditer(text):
            out.append(self._prose(text[position : match.start()]))
            out.append(match.group(0))
            position = match.end()
        out.append(self._prose(text[position:]))
        return "".join(out)

    def _prose(self, text: str) -> str:
        if not text:
            return text
        text = _MENTION.sub(lambda m: m.group(1) + self.alias(m.group(2)), text)
        if self.any_name is not None and ":" in text:
            any_name = self.any_name
            text = _ATTRIBUTION_LINE.sub(lambda m: any_name.sub(lambda n: self.alias(n.group(0)), m.group(0)), text)
            text = self._headers(text)
        if self.words or self.plain or self.parts:
            text = _WORD.sub(lambda m: self._word(m, text), text)
        if self.others is not None:
            text = self.others.sub(lambda m: self.mapping[m.group(0)], text)
        return text

    def _word(self, match: re.Match[str], text: str) -> str:
        word = match.group(0)
        alias = self.words.get(word) or self.plain.get(word.lower())
        if alias is not None:
            return alias
        part = self.parts.get(word)
        if part is None or (part[1] and _starts_sentence(text, match.start())):
            return word
        return part[0]

    def _headers(self, text: str) -> str:
        """Names in quoted mail headers: `From:`/`To:`/`Cc:` lines that are quoted (`>`) or stand in a block of
        header lines (`From: ...` then `Sent: ...`), never a sentence that starts with "To:"."""
        if not _HEADER_LINE.search(text):
            return text
        lines = text.split("\n")
        for index, line in enumerate(lines):
            found = _HEADER_LINE.match(line)
            if found is None:
                continue
            near = lines[max(0, index - 2) : index] + lines[index + 1 : index + 3]
            if line.lstrip().startswith(">") or any(_ANY_HEADER.match(other) for other in near):
                lines[index] = found.group(1) + self._header_value(found.group(2))
        return "\n".join(lines)

    def _header_value(self, value: str) -> str:
        """`Jane Roe [mailto:[email]]`, `"Roe, Jane" <[email]>; Bob`: each person's name pseudonymised."""
        people: list[str] = []
        for person in value.split(";"):
            name = re.split(r"\s*[<\[(]", person, maxsplit=1)[0].strip().strip("\"'").strip()
            if name and name != "[email]" and not _ONLY_DATE.fullmatch(name):
                person = person.replace(name, self.alias(name), 1)
            people.append(person)
        return ";".join(people)


_ONLY_DATE = re.compile(r"[\d\s,:/.-]+")
_OPENING = " \t\"'([*_>#-"
"""What may stand between the end of a sentence (or a line) and its first word."""


def _starts_sentence(text: str, start: int) -> bool:
    """Whether the word at `start` begins the text, a sentence, a line or a quote (looking back a little only)."""
    before = text[max(0, start - 40) : start].rstrip(_OPENING)
    return not before or before[-1] in ".!?:\n"


def redact_thread(thread: Thread, key: bytes) -> Thread:
    """Replace names in place and return the thread."""
    names = {thread.author} if thread.author else set()
    names.update(c.author for c, _ in thread.walk() if c.author)
    mapping = {name: pseudonym(name, key) for name in names}
    texts = [thread.title, thread.body, *(c.body for c, _ in thread.walk())]
    scrub = _Scrubber(mapping, key, Vocabulary(texts))
    if thread.author:
        thread.author = mapping[thread.author]
    thread.body = scrub(thread.body)
    thread.title = scrub(thread.title)
    thread.extra.pop("signature", None)
    if thread.source and thread.extra.get("origin") == "mastodon":
        thread.source = _MASTODON_STATUS.sub(r"\1/web/statuses/\2", thread.source)
    for comment, _ in thread.walk():
        _redact_comment(comment, mapping, scrub)
    return thread


def _redact_comment(comment: Comment, mapping: dict[str, str], scrub: Callable[[str], str]) -> None:
    if comment.author:
        comment.author = mapping[comment.author]
    comment.body = scrub(comment.body)
    for key in ("url", "signature"):
        comment.extra.pop(key, None)
    for key in ("subject", "cw"):
        if isinstance(comment.extra.get(key), str):
            comment.extra[key] = scrub(comment.extra[key])
