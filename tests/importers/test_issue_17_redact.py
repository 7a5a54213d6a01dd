"""Issue 17 item 16: `--redact-authors` on real threads: mentions everywhere, bare names only when distinctive,
URLs and code left exact, nothing left in Mastodon addresses or mail attributions and quoted headers."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from support import corpus_dir

from site_src.importers import import_paths
from site_src.importers.redact import Vocabulary, distinctive, pseudonym, redact_thread
from site_src.model import Comment, Thread

KEY = b"k" * 32
_WORDLIKE = re.compile(r"[\w-]+")
_CODE_OR_URL = re.compile(r"```.*?```|`[^`\n]*`|\]\([^()\s]*\)|<https?:[^>]*>|https?://[^\s<>()\[\]]+", re.DOTALL)


def _texts(thread: Thread) -> list[str]:
    return [thread.title, thread.body, *(c.body for c, _ in thread.walk())]


def _prose(text: str) -> str:
    """Text outside code, links and e-mail addresses (those become `[email]` by design)."""
    return re.sub(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", " ", _CODE_OR_URL.sub(" ", text))


def _names(thread: Thread) -> set[str]:
    return {c.author for c, _ in thread.walk() if c.author} | ({thread.author} if thread.author else set())


def _words(texts: list[str]) -> Counter[str]:
    """Whole words (not after `/`, `@`) in the prose of `texts`, counted."""
    return Counter(w for text in texts for w in re.findall(r"(?<![\w/@-])[\w-]+(?![\w-])", _prose(text)))


def _count(word: str, texts: list[str]) -> int:
    return _words(texts)[word]


def test_issue_17_distinctive_names() -> None:
    assert distinctive("civilization_phaze_3") and distinctive("JohnDoe") and distinctive("Andy Grunwald")
    assert not distinctive("debt") and not distinctive("politician") and not distinctive("Brave")
    assert not distinctive("pg")


def test_issue_17_ordinary_words_are_decided_by_the_threads_own_words() -> None:
    words = Vocabulary(["Our debts grow. Humanity and politicians, braver than most; alienth said so."])
    assert words.ordinary("debt") and words.ordinary("human") and words.ordinary("politician")
    assert words.ordinary("brave") and words.ordinary("Will") and words.ordinary("because")  # stop words
    assert words.ordinary("pero") and words.ordinary("nicht")  # stop words of other languages
    assert not words.ordinary("alienth") and not words.ordinary("tptacek") and not words.ordinary("Jane")


@pytest.mark.parametrize(
    ("source", "name", "has_plain_names"),
    [
        ("hn", "other/hnpwa_item_26312516_circumflex.json", False),
        ("reddit", "reddit-json/rtv_6302cj_python_jobboard_complete.json", False),
        ("reddit", "reddit-json/praw_n49rw_announcements_full.json", True),
    ],
)
def test_issue_17_redaction_keeps_ordinary_words_urls_and_code(source: str, name: str, has_plain_names: bool) -> None:
    [thread] = import_paths(source, [str(corpus_dir() / name)])
    names = _names(thread)
    before = _texts(thread)
    counts_before = _words(before)
    vocabulary = Vocabulary(before)
    word_shaped = sorted(n for n in names if not distinctive(n) and counts_before[n])
    plain = [n for n in word_shaped if vocabulary.ordinary(n) or len(n) < 3]
    leaking = [n for n in word_shaped if n not in plain]  # `alienth` written bare by other people
    urls = sorted(u for text in before for u in re.findall(r"https?://[^\s<>()\[\]]+", text))
    code = sorted(c for text in before for c in re.findall(r"`[^`\n]+`", text))
    assert urls and bool(leaking) == has_plain_names
    redact_thread(thread, KEY)
    after = _texts(thread)
    assert _names(thread).isdisjoint(names)
    counts_after = _words(after)
    for name in plain:  # a user called "debt" does not make every "debt" a pseudonym
        assert counts_after[name] == counts_before[name], name
    for name in names:
        if (distinctive(name) and _WORDLIKE.fullmatch(name)) or name in leaking:
            assert counts_after[name] == 0, name
        if name in leaking:
            assert not any(w.casefold() == name.casefold() for w in counts_after), name
    assert sorted(u for text in after for u in re.findall(r"https?://[^\s<>()\[\]]+", text)) == urls
    assert sorted(c for text in after for c in re.findall(r"`[^`\n]+`", text)) == code


def test_issue_17_mentions_are_replaced_everywhere_on_reddit() -> None:
    [thread] = import_paths("reddit", [str(corpus_dir() / "reddit-json/praw_fo7p5b_announcements_2020.json")])
    mentioned = {m for text in _texts(thread) for m in re.findall(r"(?<![\w/])/?u/([\w-]{3,})", _prose(text))}
    assert mentioned
    redact_thread(thread, KEY)
    left = {m for text in _texts(thread) for m in re.findall(r"(?<![\w/])/?u/([\w-]{3,})", _prose(text))}
    assert left.isdisjoint(mentioned)


def test_issue_17_mastodon_source_and_mentions_do_not_leak() -> None:
    [thread] = import_paths("mastodon", [str(corpus_dir() / "other/mastodon_context_109294719267373593.json")])
    names = {n.split("@")[0] for n in _names(thread)}
    assert thread.source and "/@" in thread.source
    redact_thread(thread, KEY)
    assert thread.source is not None and "/@" not in thread.source and "/web/statuses/" in thread.source
    everything = "\n".join([*_texts(thread), thread.source])
    for name in names:
        assert not re.search(rf"@{re.escape(name)}\b", everything, re.IGNORECASE), name


def test_issue_17_mail_attributions_and_quoted_headers_do_not_leak() -> None:
    threads = list(import_paths("mbox", [str(corpus_dir() / "mbox/pipermail_metrics-grimoire_2015-11.mbox")]))
    threads += import_paths("mbox", [str(corpus_dir() / "mbox/lkml_threads_converted-from-maildir.mbox")])
    people = {n for t in threads for n in _names(t)}
    attributions = [line for t in threads for text in _texts(t) for line in text.split("\n") if "wrote" in line]
    assert any(any(p in line for p in people) for line in attributions)  # there is something to redact
    for thread in threads:
        redact_thread(thread, KEY)
        for text in _texts(thread):
            for line in text.split("\n"):
                if re.search(r"wrote:?\s*$", line) or re.match(r"(>\s?)*(From|To|Cc):", line):
                    assert not any(p in line for p in people if len(p) >= 4), line
    header = "Fine.\n\n> From: Jane Roe [mailto:jane@example.org]\n> Sent: Monday\n> To: list\n"
    thread = Thread(title="t", path="t.md", body=header, author="Bob")
    redact_thread(thread, KEY)
    assert "Jane" not in thread.body and "jane@" not in thread.body and "> Sent: Monday" in thread.body


def _redacted(author_of_post: str, *comments: tuple[str, str]) -> Thread:
    thread = Thread(title="t", path="t.md", author=author_of_post, body="Opening words.")
    thread.comments = [Comment(body, id=f"c{i}", author=who) for i, (who, body) in enumerate(comments)]
    return redact_thread(thread, KEY)


def test_issue_17_first_names_and_bare_lowercase_names_do_not_leak() -> None:
    thread = _redacted(
        "Jane Smith",
        ("kzhou", "Thanks Jane! As Smith says, it works. (jane, not Jane's code `Jane.run()`, https://x.org/Jane)"),
        ("Bob Li", "I side with kzhou here. Kzhou is right; see github.com/kzhou/repo and `kzhou`."),
        ("José García", "Hola."),
        ("Ann", "Gracias, José; García (and the regex-like [a-z]+ name below) too."),
        ("[a-z]+ (x", "A name made of regex syntax."),
    )
    first, second, _hola, thanks, _regex = (c.body for c, _ in thread.walk())
    assert "José" not in thanks and "García" not in thanks and thanks.startswith("Gracias, ")
    assert "[a-z]+" in thanks  # not a name part: left alone
    assert "Jane!" not in first and "As Smith" not in first and "Jane's" not in first
    assert "`Jane.run()`" in first and "https://x.org/Jane" in first
    assert "kzhou here" not in second and "Kzhou is" not in second
    assert "github.com/kzhou/repo" in second and "`kzhou`" in second
    assert pseudonym("Jane Smith", KEY) + "!" in first and "with " + pseudonym("kzhou", KEY) in second


def test_issue_17_name_parts_that_are_words_are_kept_where_the_word_is_meant() -> None:
    """`Mark` is a word in this thread (it holds `marks`): at the start of a sentence it stays; inside one it is
    the person. A first name two people share becomes a pseudonym of its own, never one of them."""
    thread = _redacted(
        "Mark Bowen",
        ("Mark Li", "Mark my words: the marks are off. I asked Mark about it."),
        ("Ann", "Bowen agrees."),
    )
    first, second = (c.body for c, _ in thread.walk())
    assert first.startswith("Mark my words") and "asked Mark" not in first
    assert "asked " + pseudonym("Mark", KEY) in first
    assert pseudonym("Mark Bowen", KEY) not in first and pseudonym("Mark Li", KEY) not in first
    assert second == pseudonym("Mark Bowen", KEY) + " agrees."


def test_issue_17_word_shaped_names_that_are_words_stay_words() -> None:
    thread = _redacted("debt", ("human", "The human baby? Humans and debts. Because debt."), ("because", "x"))
    assert next(c.body for c, _ in thread.walk()) == "The human baby? Humans and debts. Because debt."


@pytest.mark.parametrize(
    "name",
    [
        "mbox/pipermail_metrics-grimoire_2015-11.mbox",  # "This is cool, Andy."
        "mbox/notmuch-list_2009_converted-from-maildir.mbox",  # "Keith suggested emacs", "-Carl"
        "mbox/apache_users-ponymail_2022-01.mbox",  # "Thank you Rich!", "/Daniel Sahlberg"
    ],
)
def test_issue_17_first_names_alone_do_not_leak_from_real_mail(name: str) -> None:
    """Each capitalised part of an author's display name that is no word of the thread is gone from its prose;
    the real sign-offs and thanks by first name are among them."""
    threads = list(import_paths("mbox", [str(corpus_dir() / name)]))
    checked = 0
    for thread in threads:
        parts = {
            p for n in _names(thread) if " " in n for p in n.split() if len(p) >= 3 and p.isalpha() and p.istitle()
        }
        vocabulary = Vocabulary(_texts(thread))
        distinct = {p for p in parts if not vocabulary.ordinary(p)}
        before = _words(_texts(thread))
        redact_thread(thread, KEY)
        after = _words(_texts(thread))
        checked += sum(before[p] for p in distinct)
        assert {p: after[p] for p in distinct if after[p]} == {}
    assert checked > 0


def test_issue_17_a_capitalised_user_name_is_replaced_as_written_only() -> None:
    """A user called `Instincts` (a real one, in the corpus) is not every "instincts" of other people; `diamond`
    is a word the package's emoji names know."""
    thread = _redacted(
        "op", ("Instincts", "x"), ("diamond", "y"), ("kid", "Great comedic instincts, Instincts. diamond dust")
    )
    body = [c.body for c, _ in thread.walk()][2]
    assert body == f"Great comedic instincts, {pseudonym('Instincts', KEY)}. diamond dust"
