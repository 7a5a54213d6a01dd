"""Keywords and suggested tags: each thread's distinctive terms, measured against the whole site.

Two phases, so a build can spread the per-thread half over processes:

1. `term_counts(thread)` per thread (pure, picklable result);
2. `DocumentFrequencies.from_counts(all_counts)` once for the site (or `merge` partial ones);
3. `keywords(counts, df)`, `keyword_vector(counts, df)` and `suggest_tags(counts, df, tags)` per thread.

Scores are TF-IDF with a smoothed IDF; every ranking breaks ties by the term itself, so
results are the same on every machine. Nothing raises on odd input.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import chain, islice
from operator import itemgetter

from ..model import Thread
from .text import PreparedThread, content_terms, fold_term, is_cjk, prepare

__all__ = [
    "KEYWORD_COUNT",
    "TERM_LIMIT",
    "DocumentFrequencies",
    "FrequencyTracker",
    "keyword_vector",
    "keywords",
    "suggest_tags",
    "term_counts",
    "term_counts_prepared",
    "thread_terms",
]

TERM_LIMIT = 200
"""Most terms `term_counts` keeps per thread (the most frequent), to bound site-wide memory."""
_TITLE_WEIGHT = 3
"""A term in the title counts this many times."""
_PHRASE_MIN = 2
"""A two-word phrase must occur this often in a thread to count."""


def term_counts(thread: Thread, *, limit: int = TERM_LIMIT) -> dict[str, int]:
    """How often each content term occurs in the thread: title (weighted), post and comments.

    Terms are folded words (`chemicals` -> `chemical`) and two-word phrases seen at least
    twice (`supply chain`). Quotations count (they set the topic); URLs and code do not.
    At most `limit` terms are kept, the most frequent first, ties by term; returned in term order.
    """
    return term_counts_prepared(prepare(thread), limit=limit)


def term_counts_prepared(prepared: PreparedThread, *, limit: int = TERM_LIMIT) -> dict[str, int]:
    """`term_counts` for a thread already prepared by `text.prepare` (as `summaries.analyse` does).

    Never a term: a word of a participant's name, Chinese or Japanese text (written without spaces, it has no
    words to count here), or a stop word of the language the thread is written in when that is not English.
    """
    counts = Counter(chain.from_iterable(unit.terms for unit in prepared.units))
    for term in prepared.title_terms:
        counts[term] += _TITLE_WEIGHT
    dropped = _not_terms(counts, prepared)
    for term in dropped:
        del counts[term]
    words = prepared.words
    # adjacent content words, no stop word, number, sentence or paragraph end between (`words` has None there)
    # pairs where both are words (filtered in C: most `words` are None)
    both: Iterator[tuple[str, str]] = filter(all, zip(words, islice(words, 1, None), strict=False))  # type: ignore[arg-type]
    pairs = Counter(both)
    for (a, b), n in pairs.items():
        if n >= _PHRASE_MIN and a != b and len(a) > 2 and len(b) > 2 and a not in dropped and b not in dropped:
            counts[f"{a} {b}"] = n
    items = sorted(counts.items())
    if len(items) > limit:
        items.sort(key=itemgetter(1), reverse=True)  # stable: equal counts stay in term order
        items = sorted(items[:limit])
    return dict(items)


def _not_terms(counts: Mapping[str, int], prepared: PreparedThread) -> set[str]:
    """The terms of `counts` that may not be keywords: names of the thread's participants, CJK, foreign stop words."""
    thread = prepared.thread
    names = {thread.author} | {unit.author for unit in prepared.units}
    dropped = {t for name in names if name for t in content_terms(_NAME_SPLIT.sub(" ", name)) + content_terms(name)}
    dropped.intersection_update(counts)
    foreign = _foreign_stop_words()
    dropped.update(filter(is_cjk, filter(_not_ascii, counts)))  # ASCII terms are never CJK: most skip `is_cjk`
    tally: Counter[str] = Counter()
    total = sum(counts.values())
    for term in counts.keys() & foreign.keys():
        n = counts[term]
        for language in foreign[term]:
            tally[language] += n
    for language, n in tally.items():
        if n >= _FOREIGN_MIN and n >= _FOREIGN_SHARE * total:
            dropped.update(t for t, langs in foreign.items() if language in langs and t in counts)
    return dropped


def _not_ascii(term: str) -> bool:
    return not term.isascii()


_NAME_SPLIT = re.compile(r"[\W_]+|(?<=[a-z])(?=[A-Z])")
"""Where a user name splits into words: `Natural_Karma_Police`, `GoldenThumbs`, `de Castro`."""
FOREIGN_LANGUAGES = (
    "es", "fr", "de", "it", "pt", "nl", "sv", "da", "no", "fi", "pl", "ru", "uk", "tr", "id", "ca", "ro",
)  # fmt: skip
"""Languages besides English (stopwords-iso codes) whose stop words a thread written in them loses from its
keywords (English has its own list in `text.STOP_WORDS`: stopwords-iso's English list holds content words
such as `computer` and `research`)."""
_FOREIGN_SHARE = 0.12
"""A thread is taken to be written in a language when that language's stop words are this share of its terms..."""
_FOREIGN_MIN = 5
"""...and at least this many occurrences."""


@lru_cache(maxsize=1)
def _foreign_stop_words() -> dict[str, frozenset[str]]:
    """Folded term -> the languages of `FOREIGN_LANGUAGES` that list it as a stop word (stopwords-iso, MIT)."""
    import stopwordsiso

    found: dict[str, set[str]] = {}
    for language in FOREIGN_LANGUAGES:
        for word in sorted(stopwordsiso.stopwords(language)):
            term = fold_term(word) if word.isalpha() else None  # a phrase or an elision (`l'`) is no term
            if term:
                found.setdefault(term, set()).add(language)
    return {term: frozenset(languages) for term, languages in found.items()}


@dataclass(frozen=True, slots=True)
class DocumentFrequencies:
    """In how many threads each term occurs, across the whole site."""

    documents: int = 0
    """Threads counted."""
    counts: Mapping[str, int] = field(default_factory=dict)
    """Term -> number of threads using it. Treat as read-only."""
    _weights: _Weights = field(default_factory=lambda: _Weights(), init=False, repr=False, compare=False)
    """Cache of `weights()`, filled on first use."""

    @classmethod
    def from_counts(cls, per_thread: Iterable[Mapping[str, int] | Collection[str]]) -> DocumentFrequencies:
        """Count each thread's terms once (from `term_counts` results or plain term sets)."""
        term_sets = [
            terms.keys() if isinstance(terms, Mapping) else terms if isinstance(terms, AbstractSet) else set(terms)
            for terms in per_thread
        ]
        df = Counter(chain.from_iterable(term_sets))  # one C-level pass over every term of every thread
        return cls(len(term_sets), dict(sorted(df.items())))

    @classmethod
    def merge(cls, parts: Iterable[DocumentFrequencies]) -> DocumentFrequencies:
        """Add up frequencies counted separately (one per worker process)."""
        df: Counter[str] = Counter()
        documents = 0
        for part in parts:
            documents += part.documents
            df.update(part.counts)
        return cls(documents, dict(sorted(df.items())))

    def idf(self, term: str) -> float:
        """Smoothed inverse document frequency: rare terms high, common ones near 1 (counts as `grid` sees them)."""
        return math.log((1 + grid(self.documents)) / (1 + grid(self.counts.get(term, 0)))) + 1.0

    def share(self, term: str) -> float:
        """Share (0..1) of threads using the term."""
        return self.counts.get(term, 0) / self.documents if self.documents else 0.0

    def weights(self) -> dict[str, float]:
        """Term -> IDF times the phrase boost, 0.0 for a term too common to score (computed once, then cached).

        Too common: in over half the threads of a site of ten threads or more. Looking up a term the site
        does not know (`weights()[term]`) gives, and caches, its weight as if it were in no thread.
        """
        if not self._weights:
            self._weights.documents = self.documents
            documents = self.documents
            limit = _common_limit(documents)
            self._weights.update(
                (term, _weight(documents, term, n) if n <= limit else 0.0) for term, n in self.counts.items()
            )
        return self._weights


class FrequencyTracker:
    """Document frequencies kept up to date while threads come, change and go (for a warm rebuild).

    `add` and `remove` take a thread's terms (its `term_counts` keys); `frequencies(documents)` then gives a
    `DocumentFrequencies` equal to `from_counts` over the current threads, with its weights already filled:
    only the weights of terms whose count changed are computed again (all of them when `documents` changed).
    """

    __slots__ = ("_rare", "_weights", "changed", "counts", "reweighted")

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        """Term -> number of threads using it."""
        self.changed: set[str] = set()
        """Terms whose count changed since the last `frequencies()`."""
        self.reweighted: set[str] | None = None
        """After `frequencies()`: the terms whose weight (or rareness, for tag suggestions) it changed; None
        when every weight may have changed (the first call, or the number of threads moved on the grid)."""
        self._rare: set[str] = set()
        """Terms whose count crossed 2 (what `_suggest` tells apart) since the last `frequencies()`."""
        self._weights = _Weights()

    def add(self, terms: Collection[str]) -> None:
        """Count one more thread using each of `terms` (distinct terms)."""
        self.add_all([terms])

    def add_all(self, threads: Iterable[Collection[str]]) -> None:
        """Count one more thread using each of its terms, for each of `threads` (in one pass: a cold build adds
        every thread)."""
        added = Counter(chain.from_iterable(threads))
        counts, rare = self.counts, self._rare
        for term, k in added.items():
            old = counts.get(term, 0)
            counts[term] = old + k
            if old < 2 <= old + k:
                rare.add(term)
        self.changed.update(added)

    def remove(self, terms: Collection[str]) -> None:
        """Count one thread fewer using each of `terms` (a thread `add` counted)."""
        counts = self.counts
        for term in terms:
            n = counts[term] - 1
            if n:
                counts[term] = n
                if n == 1:
                    self._rare.add(term)
            else:
                del counts[term]
        self.changed.update(terms)

    def frequencies(self, documents: int) -> DocumentFrequencies:
        """The site's frequencies over `documents` threads (the number of threads counted now)."""
        weights = self._weights
        counts = self.counts
        same_scale = grid(weights.documents) == grid(documents) and (weights.documents >= 10) == (documents >= 10)
        if not weights or not same_scale:
            weights.clear()
            weights.documents = documents
            limit = _common_limit(documents)
            weights.update((term, _weight(documents, term, n) if n <= limit else 0.0) for term, n in counts.items())
            self.reweighted = None
        else:
            weights.documents = documents
            limit = _common_limit(documents)
            reweighted = set(self._rare)
            for term in self.changed:
                n = counts.get(term)
                if n is None:
                    weights.pop(term, None)
                    continue
                weight = _weight(documents, term, n) if n <= limit else 0.0
                if weights.get(term) != weight:
                    weights[term] = weight
                    reweighted.add(term)
            self.reweighted = reweighted
        self.changed.clear()
        self._rare.clear()
        df = DocumentFrequencies(documents, counts)
        object.__setattr__(df, "_weights", weights)  # frozen: set once, as `__init__` would
        return df


def _common_limit(documents: int) -> float:
    """A term in more threads than this is too common to score."""
    return grid(documents) / 2 if documents >= 10 else math.inf


GRID_EXACT = 16
"""Counts up to this are taken as they are by `grid`..."""
GRID_STEPS = 8
"""...larger ones are rounded to this many steps per doubling."""


def grid(count: int) -> float:
    """A thread count as the weights see it: exact up to `GRID_EXACT`, then rounded to a geometric grid of
    `GRID_STEPS` steps per doubling (within 4.5%).

    IDF cannot tell 1,000 threads from 1,001, and keywords chosen with the rounded counts are the same
    terms, but one thread more or less now rarely changes any weight: a warm rebuild (issue 7) analyses
    again only the threads whose terms' weights did move, instead of every thread using a common word.
    """
    if count <= GRID_EXACT:
        return float(count)
    return float(2.0 ** (round(math.log2(count) * GRID_STEPS) / GRID_STEPS))


class _Weights(dict[str, float]):
    """`DocumentFrequencies.weights()`: a term missing from the site gets the weight of a term in no thread."""

    documents: int = 0

    def __missing__(self, term: str) -> float:
        weight = self[term] = _weight(self.documents, term, 0)
        return weight


def _weight(documents: int, term: str, n: int) -> float:
    """Smoothed IDF of a term in `n` of `documents` threads (both on the `grid`), times the phrase boost."""
    return (math.log((1 + grid(documents)) / (1 + grid(n))) + 1.0) * (_PHRASE_BOOST if " " in term else 1.0)


_PHRASE_BOOST = 1.25
"""A two-word phrase says more than either word: its score is multiplied by this."""
_TF = tuple(1.0 + math.log(n) if n else 0.0 for n in range(256))
"""`1 + log(n)` for small counts."""
_SLACK = 2e-9
"""Scores are ranked rounded to 9 decimals: a raw score this far below the m-th best cannot round into the top m."""


def _raw_scores(counts: Mapping[str, int], df: DocumentFrequencies) -> list[tuple[float, str]]:
    """(TF-IDF score, term) of every term that may score, unrounded, in `counts` order."""
    weights = df.weights()
    tf = _TF
    return [
        ((tf[n] if n < 256 else 1.0 + math.log(n)) * w, term)
        for term, n in counts.items()
        if n > 0 and (w := weights[term])
    ]


def _ranked(scored: list[tuple[float, str]], m: int | None) -> list[tuple[str, float]]:
    """The best `m` (all when None) of `scored` as (term, score rounded to 9 decimals), ties by term.

    Only the terms that can reach the top `m` are rounded and sorted; the result is what ranking all would give.
    """
    if m is not None and len(scored) > m:
        floor = sorted([s for s, _ in scored], reverse=True)[m - 1] - _SLACK
        scored = [pair for pair in scored if pair[0] >= floor]
    ranked = sorted([(-round(s, 9), term) for s, term in scored])
    return [(term, -s) for s, term in ranked[:m]]


def _scores(counts: Mapping[str, int], df: DocumentFrequencies) -> list[tuple[str, float]]:
    """TF-IDF score of every term, best first, ties by term; terms in over half the threads are skipped."""
    return _ranked(_raw_scores(counts, df), None)


@dataclass(frozen=True, slots=True)
class TermAnalysis:
    """Everything `analyse_terms` learns about one thread's terms against the site."""

    keywords: list[str]
    """As `keywords(counts, df, n)`."""
    vector: dict[str, float]
    """As `keyword_vector(counts, df, n)`."""
    suggested_tags: list[str]
    """As `suggest_tags(counts, df, existing_tags, n)`; empty when none were asked for."""


def analyse_terms(
    counts: Mapping[str, int],
    df: DocumentFrequencies,
    *,
    keyword_count: int = 8,
    vector_size: int = 20,
    existing_tags: Collection[str] = (),
    suggestions: int = 0,
) -> TermAnalysis:
    """Keywords, keyword vector and suggested tags from one TF-IDF pass over the thread's terms.

    Equal to calling `keywords`, `keyword_vector` and `suggest_tags` (when `suggestions` > 0) one by one.
    """
    scored = _raw_scores(counts, df)
    wanted = max(keyword_count, _suggestion_pool(suggestions) if suggestions > 0 else 0)
    ranked = _ranked(scored, max(vector_size, 2 * wanted))
    chosen = _choose(ranked, scored, wanted, counts)
    return TermAnalysis(
        keywords=chosen[:keyword_count],
        vector=_vector(ranked[:vector_size]),
        suggested_tags=_suggest(chosen[: _suggestion_pool(suggestions)], df, existing_tags, suggestions)
        if suggestions > 0
        else [],
    )


KEYWORD_COUNT = 8
"""Keywords shown per thread."""


def thread_terms(
    counts: Mapping[str, int], df: DocumentFrequencies, own_tags: Collection[str], suggestions: int
) -> TermAnalysis:
    """The one answer for a thread's keywords and suggested tags: the page, `digest show` and `digest tags
    --suggest` all call this, with the tags the thread's file gives (`own_tags`, never the automatic ones)."""
    return analyse_terms(counts, df, keyword_count=KEYWORD_COUNT, existing_tags=own_tags, suggestions=suggestions)


def keywords(counts: Mapping[str, int], df: DocumentFrequencies, n: int = 8) -> list[str]:
    """The thread's `n` most distinctive terms, best first.

    A word already inside a chosen phrase is skipped unless it stands on its own much
    more often (`supply chain` makes `chain` redundant, not `china`).
    """
    scored = _raw_scores(counts, df)
    return _choose(_ranked(scored, 2 * n), scored, n, counts)


def _choose(
    ranked: list[tuple[str, float]], scored: list[tuple[float, str]], n: int, counts: Mapping[str, int]
) -> list[str]:
    """The first `n` terms of the ranking that are not redundant; ranks all of `scored` if `ranked` runs out."""
    chosen: list[str] = []
    for term, _score in ranked:
        if len(chosen) >= n:
            return chosen
        if not _redundant(term, chosen, counts):
            chosen.append(term)
    if len(chosen) < n and len(ranked) < len(scored):
        return _choose(_ranked(scored, None), scored, n, counts)
    return chosen


def _redundant(term: str, chosen: list[str], counts: Mapping[str, int]) -> bool:
    for other in chosen:
        if " " in other and term in other.split() and counts.get(term, 0) < 2 * counts.get(other, 0):
            return True
        if " " in term and other in term.split() and counts.get(other, 0) < 2 * counts.get(term, 0):
            return True
    return False


def keyword_vector(counts: Mapping[str, int], df: DocumentFrequencies, n: int = 20) -> dict[str, float]:
    """The top `n` TF-IDF terms as a unit-length vector (for related threads), weights rounded."""
    return _vector(_ranked(_raw_scores(counts, df), n))


def _vector(top: list[tuple[str, float]]) -> dict[str, float]:
    norm = math.sqrt(sum(w * w for _, w in top)) or 1.0
    return {term: round(w / norm, 6) for term, w in sorted(top)}


def _slug(term: str) -> str:
    return re.sub(r"[^\w]+", "-", term.casefold()).strip("-_")


def _suggestion_pool(n: int) -> int:
    """How many keywords `suggest_tags` draws `n` suggestions from."""
    return max(4 * n, 12)


def suggest_tags(
    counts: Mapping[str, int], df: DocumentFrequencies, existing_tags: Collection[str], n: int = 3
) -> list[str]:
    """Up to `n` lowercase, slug-like tags for a person to accept, best first.

    Taken from the keywords, skipping what the thread is already tagged with (also in
    singular/plural form). On a site of ten threads or more a tag must fit at least two
    threads: a tag only one thread could carry groups nothing.
    """
    return _suggest(keywords(counts, df, n=_suggestion_pool(n)), df, existing_tags, n)


def _suggest(candidates: list[str], df: DocumentFrequencies, existing_tags: Collection[str], n: int) -> list[str]:
    have = {_slug(tag) for tag in existing_tags}
    have |= {t[:-1] for t in have if t.endswith("s")} | {t + "s" for t in have}
    suggestions: list[str] = []
    for term in candidates:
        if len(suggestions) >= n:
            break
        slug = _slug(term)
        if not slug or slug in have or slug in suggestions or slug.isdigit():
            continue
        if df.documents >= 10 and df.counts.get(term, 0) < 2:
            continue
        suggestions.append(slug)
    return suggestions
