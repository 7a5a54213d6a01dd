"""Automatic summaries and key points of a thread: extractive, graph-ranked, deterministic.

What goes in: a `Thread` (post and comment tree, untrusted Markdown), or the
`PreparedThread` that `text.prepare` made of it (shared with `keywords.term_counts`).
What comes out: a `Summary`: two or three whole sentences drawn from the post and its
comments, plus three to five key-point comments quoted briefly. All text is plain
text (the caller escapes it); nothing here makes HTML, so there is no markup to break.

How: structure first, centrality second. Only sentences fit to stand alone compete (`_quality`:
never a quotation from a comment, a lead-in, a list fragment, code or an "Edit:" note; held back
when they lean on the sentence before). Every sentence gets a cheap centroid score (the IDF mass
of its terms that other comments share); at most `SENTENCE_CAP` of the best become a TF-IDF
cosine graph ranked by LexRank (PageRank with a teleport that favours well-scored comments and
the post), and sentences of comments that hold a role (`_roles`: the accepted answer, the thread
author's answers, the top-scored and most-replied comments) rank higher. The summary opens with
the post's opening sentence; picks skip sentences too similar to one already chosen. Key points
do the same over comments (at most `COMMENT_CAP`), with a diversity penalty (MMR) so different
viewpoints beat near-duplicates, one per author, the main opponent (a contested comment) kept,
and never a sentence the summary shows. Work per thread is linear in its text: one pass to
prepare and score, and graphs of capped size, so a 100,000-comment thread does not
stall a build. `analyse` does summary, term counts and stats from one preparation.

What can go wrong: nothing raises; an empty thread gives an empty summary.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain
from operator import itemgetter, mul, sub

from ..model import Thread
from .keywords import _NAME_SPLIT, TERM_LIMIT, term_counts_prepared
from .stats import ThreadStats, thread_stats_walked
from .text import PreparedThread, PreparedUnit, content_terms, markdown_to_plain, prepare, split_sentences

__all__ = [
    "COMMENT_CAP",
    "SENTENCE_CAP",
    "UNIT_CAP",
    "KeyPoint",
    "SentenceRef",
    "Summary",
    "analyse",
    "summarize",
    "summarize_prepared",
]

SENTENCE_CAP = 20
"""Most sentences that enter the sentence graph; the rest are ranked out by the cheap pre-score."""
COMMENT_CAP = 10
"""Most comments that enter the key-point graph."""
UNIT_CAP = 12
"""Most comments split into sentences and scored one by one (besides the post); a comment-level score picks them."""
SUMMARY_CHARS = 600
"""A summary stops adding sentences past this many characters (the first is always taken)."""
QUOTE_CHARS = 200
"""Longest key-point quote, in characters, before the ellipsis."""
_SAME_SENTENCE = 0.35
"""Cosine above which two sentences say the same thing: only one goes in the summary."""
_SAME_COMMENT = 0.5
"""Cosine above which two comments are near-duplicates: only one becomes a key point."""
_DAMPING = 0.85
_NEIGHBOURS = 8
"""Edges kept per node of a graph (its most similar neighbours)."""
_MIN_EDGE = 0.05
"""Cosine below which two sentences or comments are not linked."""
_ITERATIONS = 12
"""Power-iteration steps at most; the graphs are small and the teleport strong, so the order settles early."""
_TOLERANCE = 1e-4
"""Power iteration stops once the ranks move less than this (L1) in one step."""
_TINY = 3
"""A graph of this many nodes or fewer is not ranked: its teleport (the pre-scores) decides."""
_NO_TERMS: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SentenceRef:
    """One sentence of an automatic summary."""

    text: str
    """The sentence as plain text."""
    source: str
    """Id of the comment it came from, or `"post"`."""


@dataclass(frozen=True, slots=True)
class KeyPoint:
    """A comment that represents the discussion, quoted briefly."""

    comment_id: str
    """Id of the comment (the page anchors it as `comment-<id>`)."""
    author: str | None
    """Who wrote it, if known."""
    quote: str
    """Plain text: whole sentences, at most `QUOTE_CHARS` (one sentence alone up to half as long again), with `…`
    where text was left out; never a sentence the summary shows."""
    score: int | None
    """The comment's score, where the source has one."""
    role: str = ""
    """The comment's role in the discussion, to label it: "Accepted answer", "Original poster", "Answer",
    "Most replied" or "Reply to <author>" ("Reply to #n" when the author is not recorded); empty for a plain
    top-level comment. Plain text (the author's name is untrusted: the caller escapes it)."""


@dataclass(frozen=True, slots=True)
class Summary:
    """What a thread page shows as its summary and key points."""

    text: str
    """Plain text: the hand-written summary, or whole sentences joined by spaces; empty if nothing to say."""
    sentences: tuple[SentenceRef, ...]
    """The automatic summary's sentences in reading order (empty for a hand-written summary)."""
    key_points: tuple[KeyPoint, ...]
    """Three to five comments (fewer only when the thread has fewer worth quoting)."""
    automatic: bool
    """False when `text` is the thread's hand-written summary."""


def summarize(thread: Thread, *, sentences: int = 3, key_points: int = 5) -> Summary:
    """Summarise a thread: a hand-written summary wins; otherwise up to `sentences` central sentences.

    Key points are always computed: up to `key_points` (at least three when the thread
    has them) comments that best represent the discussion, near-duplicates left out.
    Deterministic: the same thread gives the same result on every machine.
    """
    return summarize_prepared(prepare(thread), sentences=sentences, key_points=key_points)


def analyse(
    thread: Thread, *, sentences: int = 3, key_points: int = 5, term_limit: int = TERM_LIMIT
) -> tuple[Summary, dict[str, int], ThreadStats]:
    """`summarize`, `keywords.term_counts` and `stats.thread_stats` of one thread, preparing its text once.

    Equal to `(summarize(thread, ...), term_counts(thread, limit=term_limit), thread_stats(thread))`,
    for about the cost of `summarize` alone.
    """
    prepared = prepare(thread)
    summary = summarize_prepared(prepared, sentences=sentences, key_points=key_points)
    return summary, term_counts_prepared(prepared, limit=term_limit), thread_stats_walked(thread, prepared.walked)


def summarize_prepared(prepared: PreparedThread, *, sentences: int = 3, key_points: int = 5) -> Summary:
    """`summarize` for a thread already prepared by `text.prepare`."""
    thread = prepared.thread
    scored = _Scored(prepared)
    if thread.summary and thread.summary.strip():
        text = " ".join(b.text for b in markdown_to_plain(thread.summary).blocks)
        return Summary(text, (), _key_points(scored, key_points, frozenset()), automatic=False)
    chosen = _choose_sentences(scored, sentences)
    points = _key_points(scored, key_points, frozenset(chosen))
    units = prepared.units
    refs = tuple(SentenceRef(balanced(scored.texts[i]), units[scored.unit_of[i]].id) for i in chosen)
    return Summary(" ".join(r.text for r in refs), refs, points, automatic=True)


# --- scoring ----------------------------------------------------------------------------------------------------------


def _quality(text: str, n_terms: int, quoted: bool, item: bool) -> float:
    """How fit a sentence is to stand alone in a summary: 0 excludes, less than 1 holds back.

    Excluded: someone else's words (`quoted`: the caller passes False for the post, whose quotation is the
    article the thread is about), lead-ins ending in `:`, list items that are not whole sentences, code,
    "Edit:" notes about votes and awards, too short or too long. Held back: questions, sentences that lean
    on what came before (`This is...`, `He said`, `But`), and ones that point at a comment they answer.
    """
    words = text.count(" ") + 1  # prepared sentences are single-spaced
    if n_terms < 2 or (words < 5 and len(text) < 20) or quoted:
        return 0.0
    if words > 100 or len(text) > 700:
        return 0.0
    last = text[-1]
    if last in _CLOSERS:
        last = text.rstrip(_CLOSERS)[-1:] or last
    if last == ":" or last == ";" or last == ",":
        return 0.0  # a lead-in, or a list item cut at its separator
    if item and (words < 6 or last not in _ENDS or not text[0].isupper()):
        return 0.0  # a list item that is not written as a sentence: a fragment out of its list
    if _looks_like_code(text):
        return 0.0
    first = text.split(None, 1)[0].strip(_EDGE_PUNCT).casefold()
    if first in _NOTES and _NOTE.match(text):
        return 0.0  # "Edit: thanks for the gold!": an afterthought about the comment, not its point
    if (first in _GREETINGS or "name is" in text) and _INTRODUCTION.search(text):
        return 0.0  # "Hi, I'm Ana Lopez, ...": who writes (the page shows it), not what the thread is about
    if words <= _WELCOME_WORDS and "elcome" in text and _WELCOME.match(text):
        return 0.0  # "Also, welcome to the forums!": a greeting to a newcomer, not the discussion
    quality = 0.6 if words < 8 else 0.6 if words > 45 else 0.8 if words > 35 else 1.0
    if last == "?":
        quality *= 0.5
    if first in _LEANS_BACK:
        leaning = _leaning(text, first)
        if leaning >= 1:
            return 0.0  # "That is why...", "He said...": says nothing without the sentence before it
        quality *= leaning
    elif last not in _ENDS:
        quality *= 0.7  # no closing punctuation: a title, a caption or a run-on line
    if "this question" in text or "that question" in text or "this comment" in text or "this post" in text:
        quality *= 0.5  # points at what it answers, which the summary does not show
    return quality


def _leaning(text: str, first: str) -> float:
    """1 for a sentence that cannot stand alone (a demonstrative for its subject: `That is why`), else the factor
    its opener costs: a personal pronoun (`He said`) much, `But`, `So`, `Yes` less; `first` is its first word,
    one of `_LEANS_BACK`."""
    if first in _DEMONSTRATIVES:
        second = text.split(None, 2)[1].strip(_EDGE_PUNCT).casefold() if " " in text else ""
        return 1.0 if second in _VERBISH else 0.9
    return 0.4 if first in _PRONOUNS else 0.5


def leans_back(text: str) -> bool:
    """Whether a sentence cannot open a quote: it leans on the one before it (`That is why ...`)."""
    first = text.split(None, 1)[0].strip(_EDGE_PUNCT).casefold() if text else ""
    return first in _PRONOUNS or (first in _LEANS_BACK and _leaning(text, first) >= 1)


_PRONOUNS = frozenset(["it", "it's", "he", "she", "they", "him", "her", "them", "his", "their", "its"])
_ENDS = frozenset(".!?…")
_DASHES = frozenset("-\u2013\u2014")
_CLOSERS = "\"\u201d\u2019')]\u00bb"
"""What may follow a sentence's closing punctuation (`... end.")`)."""
_EDGE_PUNCT = "\"'\u201c\u201d\u2018\u2019()[]*_,.:;!?-"
_DEMONSTRATIVES = frozenset(["this", "that", "these", "those"])
_LEANS_BACK = frozenset(
    ["this", "that", "these", "those", "it", "it's", "its", "he", "she", "they", "him", "her", "them", "his",
     "their", "but", "and", "so", "or", "also", "because", "which", "yes", "no", "yeah", "nope", "agreed",
     "exactly", "indeed", "same", "ditto", "true", "lol", "haha", "then", "thus", "hence", "otherwise", "still",
     "anyway", "instead", "meanwhile", "besides", "plus", "here", "there's", "however", "moreover",
     "furthermore", "additionally", "therefore", "although", "though", "whereas", "nevertheless", "nonetheless"]
)  # fmt: skip
"""Openers that lean on an earlier sentence; the demonstratives only when followed by a verb (`This is`), not a
noun (`This enum is used ...` names its subject)."""
_VERBISH = frozenset(
    ["is", "was", "are", "were", "'s", "be", "been", "does", "did", "do", "has", "had", "have", "will", "would",
     "can", "could", "should", "might", "must", "may", "seems", "sounds", "looks", "makes", "made", "means",
     "just", "really", "also", "isn't", "wasn't", "doesn't", "didn't", "won't", "wouldn't", "can't", "one",
     "said", "says", "way", "too", "not", "all", "alone", "sucks", "works", "happened", "guy", "part", "being"]
)  # fmt: skip
_NOTES = frozenset(["edit", "edit2", "edited", "update", "updated", "eta", "ps", "p.s", "e", "edit1", "last"])
_NOTE = re.compile(r"^\W*(?:last\s+)?(?:edit(?:ed)?|update[d]?|eta|p\.?s|e)\s*\d*\s*[:.-]", re.IGNORECASE)
_GREETINGS = frozenset(["hi", "hello", "hey", "greetings", "dear"])
_INTRODUCTION = re.compile(
    r"^\W*(?i:hi|hello|hey|greetings|dear)\b[\w ]{0,20}[,!.]?\s+(?i:i'm|i am|i\u2019m|this is)\s+[A-Z]"
    r"|\b(?i:my name is)\b"
)
"""A writer introducing themselves: a greeting and a name (`Hi, I'm Ana`), or `my name is`."""
_WELCOME = re.compile(r"\W*(?:(?:also|and|oh|btw|by the way|and also)\W+)?(?:a\s+(?:warm|big)\s+)?welcome\b", re.I)
_WELCOME_WORDS = 8
"""A sentence of at most this many words that opens with a welcome ("And welcome to the forums!") is a greeting."""
_CODE_MARKS = re.compile(r"\w\(|\)\s*;|->|::|[{}]|\b[a-z]+_[a-z_]+\b|\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b|==|!=|#\w")


def _looks_like_code(text: str) -> bool:
    """Whether a sentence is mostly code (identifiers with underscores, calls, operators): three marks or more."""
    if "_" not in text and "(" not in text and "{" not in text and ">" not in text and ":" not in text:
        return False
    return len(_CODE_MARKS.findall(text)) >= 3


def _unit_weight(unit: PreparedUnit, top: int) -> float:
    """The post 1.2; a comment by its score relative to the best (0.5 when negative); an accepted answer and the
    thread author's answers to others more; a link dump less."""
    if unit.id == "post":
        weight = 1.2
    elif unit.score is not None and unit.score < 0:
        weight = 1.0 if unit.replies >= _CONTESTED else 0.5  # voted down but answered by many: a side of the debate
    elif unit.score is not None and top > 0:
        weight = 1.0 + math.log1p(unit.score) / math.log1p(top)
    else:
        weight = 1.0
    if unit.accepted:
        weight *= _ACCEPTED
    if unit.answer:
        weight *= _ANSWER
    if unit.plain.url_share() > 0.5:
        weight *= 0.3
    return weight


_CONTESTED = 3
_HUB = 3
"""A comment this many reply to (the most replied of the thread) always competes for a key point."""
"""A comment voted below zero that this many reply to is a side of a disagreement, not noise."""
_ACCEPTED = 1.5
"""Weight of the accepted answer, against an ordinary comment of the same score."""
_ANSWER = 1.4
"""Weight of the thread author answering someone (an AMA's answers, a patch author's reply to review)."""
_ROLE_UNITS = 8
"""Besides the `UNIT_CAP` most central comments, at most this many that hold a role are always split: the
accepted answer, the thread author's answers, the top-scored and the most-replied comments, and the first
`_OPENING_UNITS` top-level comments."""
_OPENING_UNITS = 2
"""The first top-level comments, always split in a long thread: they open the discussion (under a link post, they
say what the link means)."""


def _roles(units: Sequence[PreparedUnit], parents: Sequence[int]) -> frozenset[int]:
    """The units that hold a role in the discussion: the post, the accepted answer, the thread author's answers,
    the three top-scored comments (where scores tell them apart), the three most replied to (by two replies or
    more), and where nothing is scored (mail, most forums), the others' replies to the thread author's messages:
    the review of a patch, the answers to a question."""
    roles = {u for u, unit in enumerate(units) if unit.id == "post" or unit.accepted or unit.answer}
    scored = [u for u, unit in enumerate(units) if unit.score and unit.id != "post"]
    if scored:
        roles.update(sorted(scored, key=lambda u: -(units[u].score or 0))[:3])
    else:
        post = _post_index(units)
        op = units[post].author if post >= 0 else None
        if op is not None:
            roles.update(u for u, p in enumerate(parents) if p >= 0 and units[p].author == op and units[u].author != op)
    replied = [u for u, unit in enumerate(units) if unit.replies > 1 and unit.id != "post"]
    roles.update(sorted(replied, key=lambda u: -units[u].replies)[:3])
    return frozenset(roles)


_POST_QUALITY = 0.6
"""The summary opens with the post's best sentence when that sentence is at least this fit to stand alone."""
_EARLIER = 0.85
"""The summary opens with the post's best sentence, or an earlier one scored at least this share of it."""
_ROLE = 1.5
"""A sentence of a unit that holds a role ranks this much higher in the summary: structure first, centrality second."""


_SHOWN_ANSWER = 0.85
"""The share of its gain a sentence of the thread author's answers keeps when the summary already shows the thread
author: an AMA's answers are its substance, but in a debate the author answering everyone would fill the summary."""


def _post_index(units: Sequence[PreparedUnit]) -> int:
    """The post's unit index: 0 when the post has a body (it is the first unit), else -1 (a link post)."""
    return 0 if units and units[0].id == "post" else -1


def _tree(prepared: PreparedThread) -> tuple[list[int], dict[int, list[int]]]:
    """Each unit's parent (the unit it replies to: the post's index for a top-level comment, -1 when the thread has
    no post body and for the post itself) and each unit's direct replies, in reading order."""
    units = prepared.units
    post = _post_index(units)
    offset = post + 1  # unit index of the first comment
    parents = [-1] * len(units)
    children: dict[int, list[int]] = {}
    stack: list[int] = [post]  # the unit open at each depth (depth 0: the post)
    for n, (_, depth) in enumerate(prepared.walked):
        del stack[depth:]
        u = n + offset
        parents[u] = stack[-1]
        children.setdefault(stack[-1], []).append(u)
        stack.append(u)
    return parents, children


_CONFIRMS = re.compile(
    r"\b(?:thanks?|thank you|thx|works?|worked|working now|solved|fixed|that did it|that was it|perfect)\b",
    re.IGNORECASE,
)
"""Words of an asker confirming an answer ("Thanks, that worked")."""


_MAY_ASK = frozenset("?" + _CLOSERS)
"""The last character of a sentence that may be a question (`_is_question` tells)."""


def _is_question(text: str) -> bool:
    return text.rstrip(_CLOSERS).endswith("?")


def _best_answer(scored: _Scored, asked: int) -> int | None:
    """The best direct reply to unit `asked` (-1: the top level) with a sentence fit to stand alone: the accepted
    answer, else one the asker confirmed (answered with thanks or "that worked" in its sub-thread), else the
    top-scored, else the most answered, else the most central; ties keep reading order. None when no reply
    qualifies."""
    units = scored.prepared.units
    asker = units[asked].author if asked >= 0 else None
    best: tuple[bool, bool, int, int, float] | None = None
    chosen = None
    for u in scored.children.get(asked, ()):
        unit = units[u]
        if asker is not None and unit.author == asker:
            continue
        sentence = _answer_sentence(scored, u)
        if sentence is None:
            continue
        confirmed = asker is not None and _confirmed(scored, u, asker)
        key = (unit.accepted, confirmed, unit.score or 0, unit.replies, scored.pre[sentence])
        if best is None or key > best:
            best, chosen = key, u
    return chosen


def _confirmed(scored: _Scored, answer: int, asker: str) -> bool:
    """Whether the asker confirms `answer` somewhere under it ("Thanks, that worked", maybe after a few exchanges)."""
    units, children = scored.prepared.units, scored.children
    stack = list(children.get(answer, ()))
    while stack:
        r = stack.pop()
        unit = units[r]
        if unit.author == asker and any(_CONFIRMS.search(b.text) for b in unit.plain.blocks if not b.quoted):
            return True
        stack.extend(children.get(r, ()))
    return False


def _answer_sentence(scored: _Scored, u: int) -> int | None:
    """The sentence of unit `u` that best states its point (the best pre-scored one that stands alone and is not a
    question itself), or None when `u` was not split into sentences or has none."""
    if u not in scored.count:
        return None
    pre, texts = scored.pre, scored.texts
    best = None
    for i in scored.own(u):
        if (
            pre[i] > 0
            and (best is None or pre[i] > pre[best])
            and not _is_question(texts[i])
            and not leans_back(texts[i])
        ):
            best = i
    return best


class _Scored:
    """Sentences of the comments worth considering, with quality, pre-score and topicality: one linear pass.

    Document frequencies count comments (a term many comments use is what the discussion
    is about; one comment repeating itself is not), or sentences when there are fewer
    than three comments. In a thread of more than `UNIT_CAP` comments a cheap
    comment-level score (the same centrality, over the comment's terms) picks the ones
    whose sentences are split and scored; the post always is.

    A sentence's pre-score is a cheap centrality: the IDF mass of its terms that other
    comments share, by its quality and its comment's weight.
    """

    __slots__ = (
        "answer",
        "children",
        "count",
        "first",
        "idf",
        "items",
        "parent",
        "pre",
        "prepared",
        "quality",
        "quoted",
        "roles",
        "terms",
        "texts",
        "topical",
        "unit_of",
        "weights",
    )

    def __init__(self, prepared: PreparedThread) -> None:
        self.prepared = prepared
        units = prepared.units
        top = max((u.score for u in units if u.score is not None), default=0)
        self.weights = [_unit_weight(u, top) for u in units]
        self.texts: list[str] = []
        self.unit_of: list[int] = []
        self.quoted: list[bool] = []
        self.items: list[bool] = []
        self.terms: list[list[str]] = []
        self.first: dict[int, int] = {}
        """Unit index -> index of its first sentence (only for the units split into sentences)."""
        self.count: dict[int, int] = {}
        """Unit index -> how many sentences it has (idem)."""
        self.parent, self.children = _tree(prepared)
        title = set(prepared.title_terms)
        df: Counter[str] = Counter()
        if len(units) >= 3:
            groups = [set(u.terms) for u in units]
            df.update(chain.from_iterable(groups))  # one counting pass: as updating by each group in turn
            table, idf = self._tables(df, len(groups))
            expand: Iterable[int] = range(len(units))
            if len(units) > UNIT_CAP + 1:
                expand = self._best_units(groups, df, table, idf, title)
            self._split(expand, skip_quoted=True)
        else:
            self._split(range(len(units)))
            df.update(chain.from_iterable(map(set, self.terms)))
            table, idf = self._tables(df, len(self.terms))
        self.idf = idf
        self._score(df, table, title)
        self.roles = _roles(units, self.parent)
        self.answer = _best_answer(self, _post_index(units))
        """The best answer to the post (`_best_answer`), if any."""

    def _tables(self, df: Counter[str], documents: int) -> tuple[list[float], dict[str, float]]:
        """(df - 0.75) * idf by document frequency (a list), and every term's IDF."""
        log_n = math.log(documents + 1)
        logs = [0.0] + [math.log(c) for c in range(1, documents + 1)]
        table = [0.0] + [(c - 0.75) * (log_n - logs[c]) for c in range(1, documents + 1)]
        return table, {t: log_n - logs[c] for t, c in df.items()}

    def _best_units(
        self, groups: list[set[str]], df: Counter[str], table: list[float], idf: dict[str, float], title: set[str]
    ) -> list[int]:
        """The post and the `UNIT_CAP` comments with the best comment-level centrality, in reading order."""
        units = self.prepared.units
        df_of, by_df = df.__getitem__, table.__getitem__
        scores: list[tuple[float, int]] = []
        for u, group in enumerate(groups):
            if units[u].id == "post" or not group:
                continue
            rich = sum(map(by_df, map(df_of, group)))
            for t in group & title:
                rich += 2.0 * idf[t]
            weight = self.weights[u] * (1 + 0.1 * min(units[u].replies, 10))
            scores.append((round(rich / len(group) ** 0.3 * weight, 9), u))
        scores.sort(key=itemgetter(0), reverse=True)  # stable: ties keep reading order
        chosen = {u for _, u in scores[:UNIT_CAP]}
        roles = [u for u, unit in enumerate(units) if (unit.accepted or unit.answer) and groups[u]]
        by_score = sorted(
            (u for u, unit in enumerate(units) if unit.score is not None and groups[u]),
            key=lambda u: -(units[u].score or 0),
        )
        by_replies = sorted(
            (u for u, unit in enumerate(units) if unit.replies and groups[u]), key=lambda u: -units[u].replies
        )
        post = _post_index(units)
        asker = units[post].author if post >= 0 else None
        confirmed = (  # answers the asker thanked somewhere below them: candidates for the best answer
            [u for u in self.children.get(post, ()) if units[u].author != asker and _confirmed(self, u, asker)][:3]
            if asker is not None
            else []
        )
        # the first top-level comments open the discussion (a link post's reaction to the link): always read
        opening = [u for u in self.children.get(post, ()) if groups[u]][:_OPENING_UNITS]
        for u in chain(roles, confirmed, by_score[:3], by_replies[:2], opening):
            if len(chosen) >= UNIT_CAP + _ROLE_UNITS:
                break
            if units[u].id != "post":
                chosen.add(u)
        if post >= 0:
            chosen.add(post)
        return sorted(chosen)

    def _split(self, expand: Iterable[int], skip_quoted: bool = False) -> None:
        """Split the given units into sentences, with their terms (the term cache makes these lookups); with
        `skip_quoted`, a comment's quotations get no terms (they are never picked, and the document frequencies
        come from the units' own terms)."""
        texts, unit_of, quoted, terms, items = self.texts, self.unit_of, self.quoted, self.terms, self.items
        units = self.prepared.units
        first, count = self.first, self.count
        for u in expand:
            start = first[u] = len(texts)
            post = units[u].id == "post"  # a quotation in the post is the article the thread is about
            for block in units[u].plain.blocks:
                sentences = split_sentences(block.text)
                texts += sentences
                if block.quoted and not post and skip_quoted:  # never picked nor ranked: its terms are not needed
                    terms += [[] for _ in sentences]
                elif block.code:  # as `prepare` does: inline code gives no terms
                    code = block.code
                    terms += [content_terms(" ".join(w for w in s.split() if w not in code)) for s in sentences]
                else:
                    terms += map(content_terms, sentences)
                quoted += [block.quoted and not post] * len(sentences)
                items += [block.item] * len(sentences)
            count[u] = len(texts) - start
            unit_of += [u] * count[u]

    def _score(self, df: Counter[str], table: list[float], title: set[str]) -> None:
        texts, terms, idf = self.texts, self.terms, self.idf
        quality = [
            _quality(t, len(ts), q, it) if ts else 0.0
            for t, ts, q, it in zip(texts, terms, self.quoted, self.items, strict=True)
        ]
        for u, count in self.count.items():
            if count >= 3:  # a comment's opening states its point; its close often sums it up
                first, last = self.first[u], self.first[u] + count - 1
                quality[first] = round(quality[first] * 1.25, 9)
                quality[last] = round(quality[last] * 1.1, 9)
        n = len(texts)
        pre = [0.0] * n
        topical = [0.0] * n
        df_of, by_df = df.__getitem__, table.__getitem__
        weights, unit_of = self.weights, self.unit_of
        for i in range(n):
            q = quality[i]
            if q <= 0:
                continue
            unique = dict.fromkeys(terms[i])  # first-occurrence order: the float sum is the same everywhere
            rich = sum(map(by_df, map(df_of, unique)))
            if title and not title.isdisjoint(unique):  # most sentences share no term with the title
                shared = [t for t in unique if t in title]
                if shared:
                    topical[i] = round(len(shared) / len(title), 9)
                    rich += sum(2.0 * idf[t] for t in shared)
            pre[i] = round(rich / len(unique) ** 0.3 * q * weights[unit_of[i]], 9)
        self.quality = quality
        self.pre = pre
        self.topical = topical

    def own(self, u: int) -> range:
        """Indices of a split unit's sentences."""
        first = self.first[u]
        return range(first, first + self.count[u])


# --- graph ranking ----------------------------------------------------------------------------------------------------


def _vectors(term_lists: Sequence[Sequence[str]], idf: dict[str, float]) -> list[dict[str, float]]:
    """Unit-length TF-IDF vectors; terms without weight are left out."""
    vectors = []
    weight = idf.get
    for terms in term_lists:
        counts = dict.fromkeys(terms, 0)  # as `Counter(terms)`: first-occurrence order, without its set-up
        for t in terms:
            counts[t] += 1
        vec = {t: c * w for t, c in counts.items() if (w := weight(t, 0.0)) > 0}  # IDFs are never negative
        values = vec.values()
        norm = math.sqrt(math.fsum(map(mul, values, values))) or 1.0
        vectors.append({t: w / norm for t, w in vec.items()})
    return vectors


def _similarities(vectors: Sequence[dict[str, float]]) -> list[dict[int, float]]:
    """Cosine similarity of every pair that shares a term (sparse, symmetric; rows in node order).

    The graphs are small (capped), so pairs are compared directly through their shared
    terms; `math.fsum` makes each sum independent of the order the terms come in, so the
    result is the same on every machine and in every process.
    """
    n = len(vectors)
    sims: list[dict[int, float]] = [{} for _ in range(n)]
    keys = [vec.keys() for vec in vectors]
    for i in range(n):
        get_i = vectors[i].__getitem__
        keys_i = keys[i]
        row = sims[i]
        disjoint = keys_i.isdisjoint
        for j in range(i + 1, n):
            if disjoint(keys[j]):  # most pairs (no set made for them)
                continue
            common = keys_i & keys[j]
            value = math.fsum(map(mul, map(get_i, common), map(vectors[j].__getitem__, common)))
            row[j] = value
            sims[j][i] = value
    return sims


def _edge_order(item: tuple[int, float]) -> tuple[float, int]:
    return -item[1], item[0]


def _lexrank(sims: list[dict[int, float]], teleport: Sequence[float]) -> list[float]:
    """PageRank over the weighted similarity graph with a personalised teleport (continuous LexRank).

    Each node keeps its `_NEIGHBOURS` strongest edges, so a power step is linear in the
    nodes; at most `_ITERATIONS` steps, fewer once the ranks settle. A graph of `_TINY`
    nodes or fewer returns the teleport itself.
    """
    n = len(sims)
    total = sum(teleport)
    p = [w / total for w in teleport] if total > 0 else [1.0 / n] * n
    if n <= _TINY:
        return [round(r, 12) for r in p]
    sources: list[list[int]] = [[] for _ in range(n)]
    weights: list[list[float]] = [[] for _ in range(n)]
    dangling_nodes = []
    for i, row in enumerate(sims):
        kept = [(j, v) for j, v in row.items() if v >= _MIN_EDGE]
        if len(kept) > _NEIGHBOURS:
            kept = sorted(kept, key=_edge_order)[:_NEIGHBOURS]
        out = sum(v for _, v in kept)
        if out > 0:
            for j, v in sorted(kept):
                sources[j].append(i)
                weights[j].append(_DAMPING * v / out)
        else:
            dangling_nodes.append(i)
    nodes = list(zip(p, sources, weights, strict=True))
    rank = list(p)
    for _ in range(_ITERATIONS):
        dangling = sum(map(rank.__getitem__, dangling_nodes))
        base = 1 - _DAMPING + _DAMPING * dangling
        get = rank.__getitem__
        new = [base * pi + sum(map(mul, map(get, src), w)) if src else base * pi for pi, src, w in nodes]
        delta = sum(map(abs, map(sub, new, rank)))
        rank = new
        if delta < _TOLERANCE:
            break
    return [round(r, 12) for r in rank]


# --- the summary ------------------------------------------------------------------------------------------------------


def _choose_sentences(scored: _Scored, wanted: int) -> list[int]:
    """Rank at most `SENTENCE_CAP` candidates by LexRank, then pick greedily for centrality and novelty.

    A question is never shown alone: the post's question (or a post under a title that asks) is followed by the
    best answer's sentence (`_best_answer`), and a comment's question is picked only with its best reply's.
    """
    pre, quality, topical = scored.pre, scored.quality, scored.topical
    unit_of = scored.unit_of
    texts = scored.texts
    pool = sorted((i for i, v in enumerate(pre) if v > 0), key=pre.__getitem__, reverse=True)  # ties: first first
    units = scored.prepared.units
    post_unit = _post_index(units)
    post_answer = _answer_sentence(scored, scored.answer) if scored.answer is not None else None
    # what the thread is about: the post's best sentence, if it can stand alone (a question can, when answered)
    # (its opening states the topic: the earliest of those scored nearly as well as the best); a post without a
    # body (a link), or without a sentence that can stand alone (a link and a line), leaves that to the first
    # comment, which opens the discussion
    openers = [post_unit] if post_unit >= 0 else []
    openers += scored.children.get(post_unit, [])[:1]
    post_pool: list[int] = []
    for opener in openers:
        post_pool = [
            i
            for i in pool
            if unit_of[i] == opener
            and (quality[i] >= _POST_QUALITY or (post_answer is not None and _is_question(texts[i]) and quality[i] > 0))
        ]
        if opener != post_unit:  # a comment's question comes only with its own answer (below)
            post_pool = [i for i in post_pool if not _is_question(texts[i])]
        if post_pool:
            break
    questions = [i for i in post_pool if _is_question(texts[i])]  # only there when the post has an answer
    if questions:  # a post that asks is about its question: the best of them, with its answer after it
        post = questions[:1]
    else:
        post = [min(i for i in post_pool if pre[i] >= _EARLIER * pre[post_pool[0]])] if post_pool else []
    asks = bool(post) and (_is_question(texts[post[0]]) or _asks(scored))
    answers: dict[int, int] = {}
    """Question sentence -> the sentence of its best answer."""
    if asks and post_answer is not None and unit_of[post_answer] != unit_of[post[0]]:
        answers[post[0]] = post_answer  # (an opening comment that is the best answer itself is not paired with it)
    for i in pool[:SENTENCE_CAP]:
        if unit_of[i] != post_unit and _is_question(texts[i]):
            reply = _best_answer(scored, unit_of[i])
            sentence = _answer_sentence(scored, reply) if reply is not None else None
            if sentence is not None:
                answers[i] = sentence
    cand = sorted(set(pool[:SENTENCE_CAP]) | set(post) | set(answers.values()))
    if not cand or wanted <= 0:
        return []
    position = {i: k for k, i in enumerate(cand)}
    names = _name_terms(units)  # "Obama did promise...", "ask President Obama": about a person, not one topic
    terms = scored.terms
    vectors = _vectors(
        [[t for t in terms[i] if t not in names] for i in cand] if names else [terms[i] for i in cand], scored.idf
    )
    sims = _similarities(vectors)
    if len(scored.prepared.units) >= 3:  # a comment agreeing with itself is not consensus: only edges between comments
        for k, row in enumerate(sims):
            unit = unit_of[cand[k]]
            for j in [j for j in row if unit_of[cand[j]] == unit]:
                del row[j]
    teleport = [pre[i] * (1 + 0.5 * topical[i]) for i in cand]
    rank = _lexrank(sims, teleport)
    top_pre = max(pre[i] for i in cand)
    roles = scored.roles
    final = [
        round(
            r
            * quality[i]
            * (1 + 0.5 * topical[i])
            * math.sqrt(pre[i] / top_pre)
            * (_ROLE if unit_of[i] in roles else 1.0),
            12,
        )
        for r, i in zip(rank, cand, strict=True)
    ]
    picked: list[int] = []
    covered: dict[str, float] = {}
    length = 0
    shortlist = sorted(range(len(cand)), key=lambda k: (-final[k], cand[k]))[: 10 * wanted]
    masses = [sum(vec.values()) or 1.0 for vec in vectors]
    asking = {i for i in map(cand.__getitem__, shortlist) if texts[i][-1] in _MAY_ASK and _is_question(texts[i])}

    def take(k: int) -> None:
        nonlocal length
        picked.append(k)
        covered.update(vectors[k])
        length += len(texts[cand[k]]) + 1

    if post and wanted > 1:  # the post first (with its answer when it asks), then the discussion
        take(position[post[0]])
        if post[0] in answers:
            take(position[answers[post[0]]])
    while len(picked) < wanted:
        best_k, best_gain = -1, 0.0
        used = {unit_of[cand[q]] for q in picked}
        voices = {units[unit_of[cand[q]]].author for q in picked}  # the post's author too: others' voices first
        for k in shortlist:
            i = cand[k]
            extra = 0
            if i in asking:  # a question only with its answer
                pair = answers.get(i)
                if pair is None or position[pair] in picked or len(picked) + 2 > wanted:
                    continue
                extra = len(texts[pair]) + 1
            if picked:
                if k in picked or length + len(texts[i]) + 1 + extra > SUMMARY_CHARS:
                    continue
                row = sims[k]
                if any(row.get(q, 0.0) > _SAME_SENTENCE for q in picked):
                    continue
            vec = vectors[k]
            # nothing covered yet: the same sum over all of the vector's weights, in the same order
            uncovered = [w for t, w in vec.items() if t not in covered] if covered else vec.values()
            novelty = sum(uncovered) / masses[k]
            speaker = units[unit_of[i]]
            # a voice already shown counts less; the thread author answering others (an AMA) only a little less
            shown = speaker.author in voices
            same = 0.5 if unit_of[i] in used else (_SHOWN_ANSWER if speaker.answer else 0.7) if shown else 1.0
            gain = round(final[k] * novelty * same, 12)
            if gain > best_gain:
                best_k, best_gain = k, gain
        if best_k < 0:
            break
        take(best_k)
        if cand[best_k] in asking and cand[best_k] in answers:
            take(position[answers[cand[best_k]]])
    chosen = {cand[k] for k in picked}
    paired = {answers[i]: i for i in chosen if i in answers and answers[i] in chosen}
    order: list[int] = []  # reading order, each answer right after its question
    for i in sorted(chosen):
        if i not in paired:
            order.append(i)
            if i in answers and answers[i] in chosen:
                order.append(answers[i])
    return order


def _name_terms(units: Sequence[PreparedUnit]) -> frozenset[str]:
    """The terms of the participants' names (`PresidentObama`: "president", "obama"). Kept out of the similarity
    of summary candidates: sentences that name the same person (the thread author, most often) are not about one
    topic, and would otherwise make a sub-debate addressing that person look central."""
    return frozenset(chain.from_iterable(_terms_of_name(name) for name in {unit.author for unit in units} if name))


@lru_cache(maxsize=4096)
def _terms_of_name(name: str) -> tuple[str, ...]:
    """The terms of one participant's name (names recur from thread to thread of a site)."""
    return (*content_terms(_NAME_SPLIT.sub(" ", name)), *content_terms(name))


# --- key points -------------------------------------------------------------------------------------------------------


def _key_points(scored: _Scored, wanted: int, shown: frozenset[int]) -> tuple[KeyPoint, ...]:
    """Up to `wanted` comments that represent the discussion: LexRank over the best `COMMENT_CAP`, then MMR.

    One per author unless the thread has one voice, near-duplicates left out, and each quoted by whole
    sentences fit to stand alone that the summary (`shown`, sentence indices) does not already show.
    """
    units = scored.prepared.units
    post = _post_index(units)
    thread_author = units[post].author if post >= 0 else scored.prepared.thread.author
    terms = scored.terms
    pre, quality = scored.pre, scored.quality
    if shown:  # a sentence with the same words elsewhere (a comment repeating the post) is shown too
        texts = {scored.texts[i] for i in shown}
        shown = frozenset(i for i, text in enumerate(scored.texts) if text in texts)
    candidates: list[tuple[float, int]] = []
    for u, count in scored.count.items():
        unit = units[u]
        if unit.id == "post" or count == 0:
            continue
        usable = [i for i in scored.own(u) if quality[i] > 0 and i not in shown]
        if sum(len(terms[i]) for i in usable) < 4:
            continue  # not enough words of its own to quote
        if unit.plain.url_share() > 0.5:
            continue  # mostly a link
        best = max(pre[i] for i in usable)
        candidates.append((round(best * (1 + 0.1 * min(unit.replies, 10)), 9), u))
    if not candidates or wanted <= 0:
        return ()
    candidates.sort(key=itemgetter(0), reverse=True)  # stable: ties keep reading order
    # a comment voted down that many answer is a side of the debate: it competes whatever its score
    contested = [u for _, u in candidates if _contested(units[u])]
    # the most answered comment (a sub-debate of its own) competes whatever its pre-score
    hub = max(
        (u for _, u in candidates if units[u].replies >= _HUB and units[u].author != thread_author),
        key=lambda u: (units[u].replies, -u),
        default=None,
    )
    cand = sorted({u for _, u in candidates[:COMMENT_CAP]} | set(contested[:2]) | ({hub} if hub is not None else set()))
    unit_terms = [[t for i in scored.own(u) if quality[i] > 0 for t in terms[i]] for u in cand]
    df = Counter(chain.from_iterable(map(set, unit_terms)))
    log_n = math.log(len(unit_terms) + 1)
    vectors = _vectors(unit_terms, {t: log_n - math.log(c) for t, c in df.items()})
    sims = _similarities(vectors)
    teleport = []
    for u in cand:
        own = scored.own(u)
        mean_quality = round(sum(quality[own.start : own.stop]) / len(own), 9)
        role = _ROLE if u in scored.roles else 1.0
        teleport.append(scored.weights[u] * (1 + 0.2 * math.log1p(units[u].replies)) * mean_quality * role)
    rank = _lexrank(sims, teleport)
    top = max(rank) or 1.0
    # structure first (the teleport: score, replies, role), centrality second
    final = [round((0.5 + 0.5 * r / top) * teleport[k], 9) for k, r in enumerate(rank)]
    norm = max(final) or 1.0
    one_voice = len({units[u].author for u in cand}) <= 1
    picked: list[int] = []
    points: list[KeyPoint] = []
    voices: set[object] = set()
    remaining = sorted(range(len(cand)), key=lambda k: (-final[k], cand[k]))
    while remaining and len(picked) < wanted:
        best_k, best_value = -1, -math.inf
        answers = sum(units[cand[q]].answer for q in picked)
        for k in remaining:
            if not one_voice and _voice(units[cand[k]]) in voices:
                continue
            if units[cand[k]].answer and answers * 2 >= wanted:
                continue  # the author's answers take at most half the places: the others' reactions keep theirs
            overlap = max([sims[k].get(q, 0.0) for q in picked]) if picked else 0.0
            if overlap > _SAME_COMMENT:
                continue
            value = round(0.7 * final[k] / norm - 0.3 * overlap, 9)
            if value > best_value:
                best_k, best_value = k, value
        if best_k < 0:
            break
        remaining.remove(best_k)
        point = _key_point(scored, cand[best_k], shown, hub)
        if point is None:
            continue  # no sentence of it fits whole
        picked.append(best_k)
        points.append(point)
        if units[cand[best_k]].author is not None:
            voices.add(_voice(units[cand[best_k]]))
    if hub is not None and hub not in {cand[k] for k in picked} and _voice(units[hub]) not in voices:
        # the comment most replied to is not left out either: it takes the last place of the others' voices
        point = _key_point(scored, hub, shown, hub)
        if point is not None:
            if len(picked) >= wanted:
                last = max(
                    (n for n in range(len(picked)) if not _contested(units[cand[picked[n]]])),
                    key=lambda n: (units[cand[picked[n]]].answer, -final[picked[n]]),
                    default=None,
                )
                if last is not None:
                    voices.discard(_voice(units[cand[picked[last]]]))
                    del picked[last], points[last]
            if len(picked) < wanted:
                picked.append(cand.index(hub))
                points.append(point)
                voices.add(_voice(units[hub]))
    if contested and not any(_contested(units[cand[k]]) for k in picked):
        # the main opponent is not left out: the most answered contested comment takes the last place
        for u in sorted(contested, key=lambda u: -units[u].replies):
            k = cand.index(u) if u in cand else -1
            point = _key_point(scored, u, shown, hub) if k >= 0 and _voice(units[u]) not in voices else None
            if point is not None:
                if len(picked) >= wanted:
                    picked.pop()
                    points.pop()
                picked.append(k)
                points.append(point)
                break
    order = sorted(range(len(picked)), key=lambda n: final[picked[n]], reverse=True)  # stable
    return tuple(points[n] for n in order)


def _voice(unit: PreparedUnit) -> object:
    """Who a key point speaks for: its author, but each of the thread author's answers on its own (an AMA's
    answers are the thread's substance, one per question)."""
    return (unit.author, unit.id) if unit.answer else unit.author


def _contested(unit: PreparedUnit) -> bool:
    """Voted below zero, yet answered by `_CONTESTED` replies or more: one side of a disagreement."""
    return unit.score is not None and unit.score < 0 and unit.replies >= _CONTESTED


def _key_point(scored: _Scored, u: int, shown: frozenset[int], hub: int | None = None) -> KeyPoint | None:
    unit = scored.prepared.units[u]
    own = scored.own(u)
    fit = [i in shown or scored.quality[i] <= 0 for i in own]
    quote = _quote([scored.texts[i] for i in own], [scored.pre[i] for i in own], [not f for f in fit])
    return KeyPoint(unit.id, unit.author, quote, unit.score, _role_label(scored, u, hub)) if quote else None


def _role_label(scored: _Scored, u: int, hub: int | None) -> str:
    """What a key point's comment is in the discussion, the first that applies: the accepted answer, the thread
    author speaking, the best answer to a post that asks (`_best_answer`), the most replied comment, a reply to
    another comment (named by its author, or by its number in reading order); else nothing."""
    prepared = scored.prepared
    units = prepared.units
    unit = units[u]
    if unit.accepted:
        return "Accepted answer"
    op = prepared.thread.author
    if op is not None and unit.author == op:
        return "Original poster"
    if u == scored.answer and _asks(scored):
        return "Answer"
    if u == hub:
        return "Most replied"
    parent = scored.parent[u]
    if parent >= 0 and units[parent].id != "post":
        if units[parent].author:
            return f"Reply to {units[parent].author}"
        return f"Reply to #{parent - _post_index(units)}"  # comments numbered from 1 in reading order
    return ""


def _asks(scored: _Scored) -> bool:
    """Whether the thread is a question: its title asks, or a sentence of its post does."""
    if _is_question(scored.prepared.thread.title):
        return True
    units = scored.prepared.units
    if not units or units[0].id != "post" or 0 not in scored.count:
        return False
    return any(_is_question(scored.texts[i]) for i in scored.own(0))


_LONGEST_SENTENCE = QUOTE_CHARS * 3 // 2
"""A key point is one whole sentence at least: one this long still is (a longer one is passed over)."""


def _quote(texts: list[str], scores: list[float], usable: list[bool]) -> str:
    """Whole usable sentences around the best one, at most `QUOTE_CHARS` (one sentence up to `_LONGEST_SENTENCE`);
    `…` marks what was left out. Empty when no usable sentence fits."""
    order = sorted((i for i in range(len(texts)) if usable[i]), key=lambda i: (-scores[i], i))
    best = next((i for i in order if len(texts[i]) <= _LONGEST_SENTENCE and not leans_back(texts[i])), None)
    if best is None:
        return ""
    start = end = best
    length = len(texts[best])
    while end + 1 < len(texts) and usable[end + 1] and length + 1 + len(texts[end + 1]) <= QUOTE_CHARS:
        end += 1
        length += 1 + len(texts[end])
    while start > 0 and usable[start - 1] and length + 1 + len(texts[start - 1]) <= QUOTE_CHARS:
        start -= 1
        length += 1 + len(texts[start])
    while start < best and leans_back(texts[start]):
        start += 1  # a quote never opens on a sentence that leans on one it leaves out
    body = " ".join(balanced(t) if start == end else _undangled(t) for t in texts[start : end + 1])
    return ("… " if start > 0 else "") + body + (" …" if end + 1 < len(texts) else "")


_PAIRS = (("(", ")"), ("[", "]"), ("\u201c", "\u201d"))


def _undangled(sentence: str) -> str:
    """A sentence without a dash left dangling at its end (`MoltenVK is open sourced -` before a link)."""
    if sentence[-2:-1] == " " and sentence[-1:] in _DASHES:
        return sentence[:-2].rstrip()
    return sentence


def balanced(sentence: str) -> str:
    """A sentence lifted out of a longer bracket or quotation, without the half of the pair it carries, nor a dash
    left dangling at its end.

    `(In English: it is the whole scene.` came from `(In English: ... scene. So I think ....)`: shown alone
    in a summary, the open bracket would never close. `MoltenVK is open sourced -` pointed at a link that plain
    text leaves out.
    """
    sentence = _undangled(sentence)
    for opening, closing in _PAIRS:
        if sentence.startswith(opening) and closing not in sentence:
            sentence = sentence[len(opening) :].lstrip()
        if sentence.endswith(closing) and opening not in sentence:
            sentence = sentence[: -len(closing)].rstrip()
    return sentence
