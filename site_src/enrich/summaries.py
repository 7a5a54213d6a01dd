"""Automatic summaries and key points of a thread: extractive, graph-ranked, deterministic.

What goes in: a `Thread` (post and comment tree, untrusted Markdown).
What comes out: a `Summary`: two or three whole sentences drawn from the post and its
comments, plus three to five key-point comments quoted briefly. All text is plain
text (the caller escapes it); nothing here makes HTML, so there is no markup to break.

How: every sentence gets a cheap centroid score (how many other sentences share its
terms, weighted by IDF); at most `SENTENCE_CAP` of the best become a TF-IDF cosine
graph ranked by LexRank (PageRank with a teleport that favours well-scored comments
and the post). Picks skip sentences too similar to one already chosen. Key points do
the same over comments (at most `COMMENT_CAP`), with a diversity penalty (MMR) so
different viewpoints beat near-duplicates. Work per thread is linear in its comments;
the graphs are capped, so a 100,000-comment thread does not stall a build.

What can go wrong: nothing raises; an empty thread gives an empty summary.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from ..model import Thread
from .text import PlainText, content_terms, markdown_to_plain, split_sentences, trim_quote

__all__ = ["COMMENT_CAP", "SENTENCE_CAP", "KeyPoint", "SentenceRef", "Summary", "summarize"]

SENTENCE_CAP = 240
"""Most sentences that enter the sentence graph; the rest are ranked out by the cheap pre-score."""
COMMENT_CAP = 150
"""Most comments that enter the key-point graph."""
SUMMARY_CHARS = 600
"""A summary stops adding sentences past this many characters (the first is always taken)."""
QUOTE_CHARS = 200
"""Longest key-point quote, in characters, before the ellipsis."""
_SAME_SENTENCE = 0.35
"""Cosine above which two sentences say the same thing: only one goes in the summary."""
_SAME_COMMENT = 0.5
"""Cosine above which two comments are near-duplicates: only one becomes a key point."""
_DAMPING = 0.85
_NEIGHBOURS = 20
"""Edges kept per node of a graph (its most similar neighbours)."""
_MIN_EDGE = 0.05
"""Cosine below which two sentences or comments are not linked."""
_ITERATIONS = 30
"""Power-iteration steps at most (0.85^30 < 1%: enough to order the nodes)."""


def _second(pair: tuple[float, int]) -> int:
    return pair[1]


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
    """Plain text: whole sentences, at most about `QUOTE_CHARS`, with `…` where text was left out."""
    score: int | None
    """The comment's score, where the source has one."""


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


@dataclass(slots=True)
class _Sentence:
    text: str
    unit: int
    terms: tuple[str, ...]
    quoted: bool
    quality: float
    """0 excludes; short, long, quoted, question and link-heavy sentences get less."""
    pre: float = 0.0
    topical: float = 0.0
    """Share of the title's terms the sentence contains (0..1)."""


@dataclass(slots=True)
class _Unit:
    id: str
    author: str | None
    score: int | None
    replies: int
    plain: PlainText
    weight: float = 1.0
    first: int = 0
    """Index of its first sentence."""
    count: int = 0
    """How many sentences it has."""


def summarize(thread: Thread, *, sentences: int = 3, key_points: int = 5) -> Summary:
    """Summarise a thread: a hand-written summary wins; otherwise up to `sentences` central sentences.

    Key points are always computed: up to `key_points` (at least three when the thread
    has them) comments that best represent the discussion, near-duplicates left out.
    Deterministic: the same thread gives the same result on every machine.
    """
    units = _units(thread)
    sents = _sentences(units)
    idf = _pre_score(sents, units, set(content_terms(thread.title)))
    points = _key_points(units, sents, key_points)
    if thread.summary and thread.summary.strip():
        text = " ".join(b.text for b in markdown_to_plain(thread.summary).blocks)
        return Summary(text, (), points, automatic=False)
    chosen = _choose_sentences(sents, idf, sentences, by_unit=len(units) >= 3)
    refs = tuple(SentenceRef(sents[i].text, units[sents[i].unit].id) for i in chosen)
    return Summary(" ".join(r.text for r in refs), refs, points, automatic=True)


# --- gathering --------------------------------------------------------------------------------------------------------


def _units(thread: Thread) -> list[_Unit]:
    """The post (if it has a body) and every comment, in reading order, with score weights."""
    units = []
    if thread.body.strip():
        units.append(_Unit("post", thread.author, None, len(thread.comments), markdown_to_plain(thread.body)))
    for comment, _depth in thread.walk():
        plain = markdown_to_plain(comment.body)
        units.append(_Unit(comment.id, comment.author, comment.score, len(comment.replies), plain))
    scores = [u.score for u in units if u.score is not None]
    top = max(scores, default=0)
    for unit in units:
        if unit.id == "post":
            unit.weight = 1.2
        elif unit.score is not None and unit.score < 0:
            unit.weight = 0.5
        elif unit.score is not None and top > 0:
            unit.weight = 1.0 + math.log1p(unit.score) / math.log1p(top)
        if unit.plain.url_share() > 0.5:
            unit.weight *= 0.3
    return units


def _quality(text: str, terms: Sequence[str], quoted: bool) -> float:
    words = len(text.split())
    if len(terms) < 2 or (words < 5 and len(text) < 20):
        return 0.0
    if words > 100 or len(text) > 700:
        return 0.0
    quality = 0.6 if words < 8 else 0.6 if words > 45 else 0.8 if words > 35 else 1.0
    if text.endswith("?"):
        quality *= 0.5
    if quoted:
        quality *= 0.75
    return quality


def _sentences(units: list[_Unit]) -> list[_Sentence]:
    sents: list[_Sentence] = []
    for index, unit in enumerate(units):
        unit.first = len(sents)
        for block in unit.plain.blocks:
            for text in split_sentences(block.text):
                terms = tuple(content_terms(text))
                sents.append(_Sentence(text, index, terms, block.quoted, _quality(text, terms, block.quoted)))
        unit.count = len(sents) - unit.first
        if unit.count >= 3:  # a comment's opening states its point; its close often sums it up
            sents[unit.first].quality = round(sents[unit.first].quality * 1.25, 9)
            sents[-1].quality = round(sents[-1].quality * 1.1, 9)
    return sents


def _document_frequencies(term_sets: Sequence[set[str]]) -> Counter[str]:
    df: Counter[str] = Counter()
    for terms in term_sets:
        df.update(terms)
    return df


def _idf(df: Counter[str], n: int) -> dict[str, float]:
    return {t: math.log((n + 1) / c) for t, c in df.items()}


def _pre_score(sents: list[_Sentence], units: list[_Unit], title: set[str]) -> dict[str, float]:
    """Cheap centrality, set on each sentence: the IDF mass of its terms that other comments share.

    Document frequencies count comments (a term many comments use is what the discussion
    is about; one comment repeating itself is not), or sentences when there are fewer
    than three comments. Returns the IDF used, for the graph.
    """
    if len(units) >= 3:
        groups = [{t for s in sents[u.first : u.first + u.count] for t in s.terms} for u in units]
    else:
        groups = [set(s.terms) for s in sents]
    df = _document_frequencies(groups)
    idf = _idf(df, len(groups))
    for s in sents:
        if s.quality <= 0:
            continue
        terms = set(s.terms)
        s.topical = round(len(terms & title) / len(title), 9) if title else 0.0
        rich = sum((df[t] - 0.75 + (2.0 if t in title else 0.0)) * idf[t] for t in terms)
        s.pre = round(rich / len(terms) ** 0.3 * s.quality * units[s.unit].weight, 9)
    return idf


# --- graph ranking ----------------------------------------------------------------------------------------------------


def _vectors(term_lists: Sequence[Sequence[str]], idf: dict[str, float]) -> list[dict[str, float]]:
    vectors = []
    for terms in term_lists:
        vec = {t: c * idf.get(t, 0.0) for t, c in Counter(terms).items()}
        norm = math.sqrt(sum(w * w for w in vec.values())) or 1.0
        vectors.append({t: w / norm for t, w in vec.items() if w > 0})
    return vectors


def _similarities(vectors: Sequence[dict[str, float]]) -> list[dict[int, float]]:
    """Cosine similarity of every pair that shares a term, through an inverted index (sparse, symmetric).

    Terms are visited in sorted order and postings in index order, so the float sums are
    the same on every machine.
    """
    postings: dict[str, list[tuple[int, float]]] = {}
    for i, vec in enumerate(vectors):
        for t, w in vec.items():
            postings.setdefault(t, []).append((i, w))
    upper: list[dict[int, float]] = [{} for _ in vectors]
    for t in sorted(postings):
        plist = postings[t]
        for a, (i, wi) in enumerate(plist):
            row = upper[i]
            for j, wj in plist[a + 1 :]:
                row[j] = row.get(j, 0.0) + wi * wj
    sims: list[dict[int, float]] = [{} for _ in vectors]
    for i, row in enumerate(upper):
        for j, v in row.items():
            sims[i][j] = v
            sims[j][i] = v
    return sims


def _lexrank(sims: list[dict[int, float]], teleport: Sequence[float]) -> list[float]:
    """PageRank over the weighted similarity graph with a personalised teleport (continuous LexRank)."""
    n = len(sims)
    total = sum(teleport)
    p = [w / total for w in teleport] if total > 0 else [1.0 / n] * n
    edges: list[tuple[int, list[tuple[int, float]]]] = []
    dangling_nodes = []
    for i, row in enumerate(sims):
        # each node keeps its strongest neighbours only: the graph stays sparse, a power step linear
        kept = sorted(heapq.nsmallest(_NEIGHBOURS, ((-v, j) for j, v in row.items() if v >= _MIN_EDGE)), key=_second)
        out = -sum(v for v, _ in kept)
        if out > 0:
            edges.append((i, [(j, -_DAMPING * v / out) for v, j in kept]))
        else:
            dangling_nodes.append(i)
    rank = list(p)
    for _ in range(_ITERATIONS):
        dangling = sum(rank[i] for i in dangling_nodes)
        base = 1 - _DAMPING + _DAMPING * dangling
        new = [base * pi for pi in p]
        for i, row in edges:
            ri = rank[i]
            for j, w in row:
                new[j] += ri * w
        delta = sum(abs(a - b) for a, b in zip(new, rank, strict=True))
        rank = new
        if delta < 1e-7:
            break
    return [round(r, 12) for r in rank]


# --- the summary ------------------------------------------------------------------------------------------------------


def _choose_sentences(sents: list[_Sentence], idf: dict[str, float], wanted: int, *, by_unit: bool) -> list[int]:
    """Rank at most `SENTENCE_CAP` candidates by LexRank, then pick greedily for centrality and novelty."""
    pool = [i for i, s in enumerate(sents) if s.pre > 0]
    cand = sorted(heapq.nlargest(SENTENCE_CAP, pool, key=lambda i: (sents[i].pre, -i)))
    if not cand or wanted <= 0:
        return []
    vectors = _vectors([sents[i].terms for i in cand], idf)
    sims = _similarities(vectors)
    if by_unit:  # a comment agreeing with itself is not consensus: keep only edges between comments
        for k, row in enumerate(sims):
            for j in [j for j in row if sents[cand[j]].unit == sents[cand[k]].unit]:
                del row[j]
    teleport = [sents[i].pre * (1 + 0.5 * sents[i].topical) for i in cand]
    rank = _lexrank(sims, teleport)
    top_pre = max(sents[i].pre for i in cand)
    final = [
        round(r * sents[i].quality * (1 + 0.5 * sents[i].topical) * math.sqrt(sents[i].pre / top_pre), 12)
        for r, i in zip(rank, cand, strict=True)
    ]
    picked: list[int] = []
    covered: dict[str, float] = {}
    length = 0
    shortlist = sorted(range(len(cand)), key=lambda k: (-final[k], cand[k]))[: 10 * wanted]
    while len(picked) < wanted:
        best_k, best_gain = -1, 0.0
        used = {sents[cand[q]].unit for q in picked}
        for k in shortlist:
            s = sents[cand[k]]
            if k in picked or (picked and length + len(s.text) + 1 > SUMMARY_CHARS):
                continue
            if any(sims[k].get(q, 0.0) > _SAME_SENTENCE for q in picked):
                continue
            novelty = sum(w for t, w in vectors[k].items() if t not in covered) / (sum(vectors[k].values()) or 1.0)
            gain = round(final[k] * novelty * (0.5 if s.unit in used else 1.0), 12)
            if gain > best_gain:
                best_k, best_gain = k, gain
        if best_k < 0:
            break
        picked.append(best_k)
        covered.update(vectors[best_k])
        length += len(sents[cand[best_k]].text) + 1
    return sorted(cand[k] for k in picked)


# --- key points -------------------------------------------------------------------------------------------------------


def _eligible(unit: _Unit, sents: list[_Sentence]) -> bool:
    """A comment worth quoting: its own words (not mostly a quotation or a link) and enough of them."""
    if unit.id == "post" or unit.plain.url_share() > 0.5 or unit.plain.quoted_share() > 0.5:
        return False
    own = [s for s in sents[unit.first : unit.first + unit.count] if s.quality > 0]
    return sum(len(s.terms) for s in own) >= 4


def _mean_quality(unit: _Unit, sents: list[_Sentence]) -> float:
    own = sents[unit.first : unit.first + unit.count]
    return round(sum(s.quality for s in own) / len(own), 9) if own else 0.0


def _key_points(units: list[_Unit], sents: list[_Sentence], wanted: int) -> tuple[KeyPoint, ...]:
    eligible = [u for u, unit in enumerate(units) if _eligible(unit, sents)]
    if not eligible or wanted <= 0:
        return ()

    def pre(u: int) -> tuple[float, int]:
        unit = units[u]
        best = max((s.pre for s in sents[unit.first : unit.first + unit.count]), default=0.0)
        return round(best * (1 + 0.1 * min(unit.replies, 10)), 9), -u

    cand = sorted(heapq.nlargest(COMMENT_CAP, eligible, key=pre))
    terms = [
        [t for s in sents[units[u].first : units[u].first + units[u].count] if s.quality > 0 for t in s.terms]
        for u in cand
    ]
    vectors = _vectors(terms, _idf(_document_frequencies([set(t) for t in terms]), len(terms)))
    sims = _similarities(vectors)
    teleport = [
        units[u].weight * (1 + 0.2 * math.log1p(units[u].replies)) * _mean_quality(units[u], sents) for u in cand
    ]
    rank = _lexrank(sims, teleport)
    top = max(rank) or 1.0
    final = [round(r / top * teleport[k], 9) for k, r in enumerate(rank)]
    norm = max(final) or 1.0
    picked: list[int] = []
    remaining = sorted(range(len(cand)), key=lambda k: (-final[k], cand[k]))
    while remaining and len(picked) < wanted:
        best_k, best_value = -1, -math.inf
        for k in remaining:
            overlap = max((sims[k].get(q, 0.0) for q in picked), default=0.0)
            if overlap > _SAME_COMMENT:
                continue
            value = round(0.7 * final[k] / norm - 0.3 * overlap, 9)
            if value > best_value:
                best_k, best_value = k, value
        if best_k < 0:
            break
        picked.append(best_k)
        remaining.remove(best_k)
    return tuple(_key_point(units[cand[k]], sents) for k in picked)


def _key_point(unit: _Unit, sents: list[_Sentence]) -> KeyPoint:
    own = [s for s in sents[unit.first : unit.first + unit.count] if not s.quoted]
    return KeyPoint(unit.id, unit.author, _quote([s.text for s in own], [s.pre for s in own]), unit.score)


def _quote(texts: list[str], scores: list[float]) -> str:
    """Whole sentences around the best one, at most `QUOTE_CHARS`; `…` marks what was left out."""
    if not texts:
        return ""
    whole = " ".join(texts)
    if len(whole) <= QUOTE_CHARS:
        return whole
    best = min(range(len(texts)), key=lambda i: (-scores[i], i))
    start = end = best
    length = len(texts[best])
    while end + 1 < len(texts) and length + 1 + len(texts[end + 1]) <= QUOTE_CHARS:
        end += 1
        length += 1 + len(texts[end])
    while start > 0 and length + 1 + len(texts[start - 1]) <= QUOTE_CHARS:
        start -= 1
        length += 1 + len(texts[start])
    body = " ".join(texts[start : end + 1])
    if len(body) > QUOTE_CHARS:
        return ("… " if start > 0 else "") + trim_quote(body, QUOTE_CHARS)
    return ("… " if start > 0 else "") + body + (" …" if end + 1 < len(texts) else "")
