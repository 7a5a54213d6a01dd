"""Related threads, by shared tags and text similarity, for the foot of each thread page.

What goes in: one `RelatedItem` per published thread (a key, its tags, and its keyword
vector from `keywords.keyword_vector`). What comes out: for each key, up to `k` other
keys, most related first.

Score: half the cosine of the tag vectors (each tag weighted by its rarity on the site, and the
whole tag half shrunk by the tags' mean rarity, so a tag most threads carry links next to nothing),
half the cosine of the keyword vectors, over the features (tags, terms) shared by at most
`POSTING_CAP` threads: one carried by more is too common to say much. The parts of one mail
series share a `series_tag`, which links them.

Candidates come from a pruned inverted index, so the work per thread is bounded and the
whole site takes time linear in its size: each feature lists only the `POSTING_KEEP`
threads that carry it most strongly, and each thread looks up only its `QUERY_FEATURES`
strongest features. A pair is scored over the features that found it (the thread's own
strongest ones); a pair sharing only weak features of both is missed, which costs little:
such a pair would rank low anyway.

Weights are integers (cosines scaled by `SCALE` and rounded), so every score is an exact
integer whatever the order of the additions, and ties break by key: the same site gives
the same lists on every machine and under every hash seed.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from heapq import nlargest, nsmallest
from operator import itemgetter
from typing import Generic, TypeVar

from .keywords import grid
from .packed import INTS, SEPARATOR, Packed, pack, unpack

__all__ = [
    "POSTING_CAP",
    "POSTING_KEEP",
    "QUERY_FEATURES",
    "RelatedIndex",
    "RelatedItem",
    "related_threads",
    "series_tag",
]

K = TypeVar("K", bound=Hashable)

POSTING_CAP = 300
"""A tag or keyword shared by more threads than this links none of them."""
POSTING_KEEP = 16
"""Each tag or keyword leads to at most this many threads: those that carry it most strongly."""
QUERY_FEATURES = 12
"""Each thread looks for related ones through at most this many of its tags and keywords: its strongest."""
MIN_SCORE = 0.05
"""Below this a thread is not related enough to list."""
SCALE = 1 << 15
"""A feature's weight (0..1) is stored as round(weight * SCALE): scores are exact integers up to SCALE**2."""


@dataclass(frozen=True, slots=True)
class RelatedItem(Generic[K]):
    """What related-thread ranking needs to know about one thread."""

    key: K
    """Anything sortable that names the thread (its slug, say)."""
    tags: Sequence[str] = ()
    """Its tags (normalised: equal tags must be equal strings)."""
    terms: dict[str, float] | Packed[float] = field(default_factory=dict)
    """Keyword vector, e.g. `keyword_vector(counts, df)` (or packed)."""


_HALF = math.sqrt(0.5)


def _scaled(vec: list[tuple[str, float]]) -> list[tuple[str, int]]:
    """`vec` (positive weights, fixed order) as a vector of length sqrt(1/2), weights scaled to integers."""
    norm = math.sqrt(sum(w * w for _, w in vec))
    if not norm:
        return []
    factor = _HALF * SCALE / norm
    return [(f, int(w * factor + 0.5)) for f, w in vec]


def _tag_vector(weights: list[tuple[str, float]], threads: int) -> list[tuple[str, int]]:
    """A thread's tags (tag, `tag_weight`) as a scaled vector whose length is sqrt(1/2) times their mean
    specificity (weight over the weight of a tag only one thread carries): a tag most of the site carries says
    little, so two threads sharing only it score far below two sharing their text."""
    if not weights:
        return []
    specificity = sum(w for _, w in weights) / (len(weights) * tag_weight(threads, 1))
    return [(f, int(w * specificity + 0.5)) for f, w in _scaled(weights)]


_SERIES = re.compile(r"^\s*(?:(?:re|fwd?|aw)\s*:\s*)*((?:\[[^\]]*\]\s*)+)(.*)$", re.IGNORECASE)
_PART = re.compile(r"\b\d+\s*/\s*(\d+)\b")


def series_tag(title: str, author: str | None) -> str | None:
    """A feature shared by the patches of one mail series, or None: `[RFC][PATCH 06/10] cifs: ...` by its author
    gives `series:[rfc][patch /10] cifs|author`, as every other part of that series does (the part number, the
    subject after the subsystem, and a `Re:` go)."""
    match = _SERIES.match(title)
    if match is None or not _PART.search(match.group(1)):
        return None
    prefix = _PART.sub(r"/\1", match.group(1).casefold())
    prefix = "".join(prefix.split())
    subsystem = match.group(2).split(":", 1)[0].strip().casefold() if ":" in match.group(2) else ""
    return f"series:{prefix} {subsystem}|{(author or '').casefold()}"


def tag_weight(threads: int, carriers: int) -> float:
    """IDF of a tag carried by `carriers` of `threads` threads, both counts on the keyword `grid`: one thread
    more or less then rarely changes any tag's weight, so a warm rebuild need not weigh every thread again."""
    return math.log((1 + grid(threads)) / grid(carriers)) + 1.0


def related_threads(items: Iterable[RelatedItem[K]], k: int = 5) -> dict[K, list[K]]:
    """For every item, up to `k` others sharing tags or distinctive terms, most related first."""
    items = sorted(items, key=lambda item: item.key)  # type: ignore[arg-type, return-value]
    n = len(items)
    tag_sets = [sorted(set(item.tags)) for item in items]
    tag_df = Counter(tag for tags in tag_sets for tag in tags)
    tag_idf = {tag: tag_weight(n, df) for tag, df in tag_df.items()}

    # features: tags as ("#", tag), terms as ("=", term) would cost a tuple each; two indexes instead
    tag_vectors = [_tag_vector([(tag, tag_idf[tag]) for tag in tags], n) for tags in tag_sets]
    term_vectors = [_term_vector(item.terms) for item in items]
    tag_index = _index(tag_vectors, tag_df)
    term_df = Counter(term for vec in term_vectors for term, _ in vec)
    term_index = _index(term_vectors, term_df)

    floor = math.ceil(MIN_SCORE * SCALE * SCALE - 1e-6)
    result: dict[K, list[K]] = {}
    by_weight = itemgetter(0)
    for i, item in enumerate(items):
        query = [(w, 0, f) for f, w in tag_vectors[i] if f in tag_index]
        query += [(w, 1, f) for f, w in term_vectors[i] if f in term_index]
        if len(query) > QUERY_FEATURES:
            query.sort(key=by_weight, reverse=True)  # stable: equal weights stay tags first, then by name
            del query[QUERY_FEATURES:]
        scores: dict[int, int] = {}
        get = scores.get
        for w, kind, f in query:
            for wj, j in (term_index if kind else tag_index)[f]:
                scores[j] = get(j, 0) + w * wj
        scores.pop(i, None)
        # best score first, then lowest index (= key order): one integer per candidate
        best = nlargest(k, [s * n + (n - 1 - j) for j, s in scores.items() if s >= floor])
        result[item.key] = [items[n - 1 - c % n].key for c in best]
    return result


def _term_vector(terms: dict[str, float] | Packed[float]) -> list[tuple[str, int]]:
    """A keyword vector scaled; sorted: the norm's sum, hence the rounding, must not depend on the order."""
    return _scaled(sorted([(t, w) for t, w in unpack(terms).items() if w > 0]))


def _index(vectors: list[list[tuple[str, int]]], df: Counter[str]) -> dict[str, list[tuple[int, int]]]:
    """Feature -> the `POSTING_KEEP` threads (weight, index) carrying it most, strongest first, ties by index.

    Features carried by more than `POSTING_CAP` threads (too common) and by one thread only are left out.
    """
    postings: dict[str, list[tuple[int, int]]] = {f: [] for f, c in df.items() if 1 < c <= POSTING_CAP}
    for i, vec in enumerate(vectors):
        for f, w in vec:
            plist = postings.get(f)
            if plist is not None:
                plist.append((w, i))
    for plist in postings.values():
        if len(plist) > POSTING_KEEP:
            plist.sort(key=itemgetter(0), reverse=True)  # stable: equal weights stay in index order
            del plist[POSTING_KEEP:]
    return postings


_Posting = tuple[tuple[int, K], ...]


class _Features(Generic[K]):
    """One kind of feature (tags or terms) of a `RelatedIndex`: each thread's vector, carriers, postings."""

    __slots__ = ("_open", "carriers", "counts_only", "crowded", "postings", "vectors")

    def __init__(self, counts_only: bool = False) -> None:
        self.vectors: dict[K, dict[str, int] | Packed[int]] = {}
        """Key -> its scaled vector (feature -> weight, in `related_threads` order), packed: a warm build keeps
        one for every thread and opens only those an update looks at (`weights`)."""
        self.carriers: dict[str, set[K]] = {}
        """Feature -> keys whose vector has it (its frequency is the set's size), but for `crowded` features."""
        self.counts_only = counts_only
        """Whether a feature carried by more than `_crowd()` threads keeps only its number of carriers."""
        self.crowded: dict[str, int] = {}
        """Feature -> its number of carriers, for features carried by more than `_crowd()` threads (with
        `counts_only`). Too common to have a posting, they need no list of carriers: at 100,000 threads those
        lists were 150 MB. One that falls back to `POSTING_CAP` carriers or fewer stays here only until the end
        of the update (it lost carriers, so it was touched): `repost` lists its carriers again by a scan."""
        self.postings: dict[str, _Posting[K]] = {}
        """Feature -> the `POSTING_KEEP` strongest (weight, key), strongest first, ties by key; only for features
        carried by more than one and at most `POSTING_CAP` threads."""
        self._open: dict[K, dict[str, int]] = {}
        """Vectors unpacked during the current update (`close` forgets them)."""

    def weights(self, key: K) -> dict[str, int]:
        """The vector of `key` as a dict (empty when it has none)."""
        opened = self._open.get(key)
        if opened is None:
            packed = self.vectors.get(key)
            opened = self._open[key] = unpack(packed) if packed is not None else {}
        return opened

    def close(self) -> None:
        """The update is over: keep only the packed vectors."""
        self._open.clear()

    def members(self, f: str) -> set[K]:
        """The keys whose vector has `f` (for a crowded feature, found by a scan of every vector)."""
        if f not in self.crowded:
            return self.carriers.get(f, set())
        padded = f"{SEPARATOR}{f}{SEPARATOR}"
        return {
            key
            for key, vector in self.vectors.items()
            if (padded in f"{SEPARATOR}{vector.names}{SEPARATOR}" if isinstance(vector, Packed) else f in vector)
        }

    def _add(self, f: str, key: K) -> None:
        count = self.crowded.get(f)
        if count is not None:
            self.crowded[f] = count + 1
            return
        members = self.carriers.get(f)
        if members is None:
            self.carriers[f] = {key}
            return
        members.add(key)
        if self.counts_only and len(members) > _crowd():
            self.crowded[f] = len(members)
            del self.carriers[f]

    def _discard(self, f: str, key: K) -> None:
        count = self.crowded.get(f)
        if count is not None:
            self.crowded[f] = count - 1
            return
        members = self.carriers[f]
        members.discard(key)
        if not members:
            del self.carriers[f]

    def assign(self, key: K, vector: list[tuple[str, int]] | None, touched: set[str]) -> bool:
        """Give `key` this vector (None: drop it); features whose carriers or weights changed go to `touched`.
        True when the vector changed."""
        new_weights = dict(vector) if vector is not None else {}
        packed = pack(new_weights, INTS) if vector is not None else None
        known = self.vectors.get(key)
        if known == packed:
            return False  # the same features with the same weights, in the same (sorted) order
        add = self._add
        if known is None and key not in self._open:  # a key seen for the first time: every feature is new
            for f in new_weights:
                add(f, key)
            touched.update(new_weights)
            if packed is not None:
                self.vectors[key] = packed
            self._open[key] = new_weights
            return True
        old_weights = self.weights(key)
        for f in old_weights.keys() - new_weights.keys():
            self._discard(f, key)
        for f in new_weights.keys() - old_weights.keys():
            add(f, key)
        touched.update(f for f in old_weights.keys() | new_weights.keys() if old_weights.get(f) != new_weights.get(f))
        if packed is None:
            self.vectors.pop(key, None)
        else:
            self.vectors[key] = packed
        self._open[key] = new_weights
        return True

    def repost(self, features: Iterable[str]) -> set[str]:
        """Rebuild the postings of `features`; return those whose posting changed (or appeared, or went)."""
        changed: set[str] = set()
        weights = self.weights
        for f in features:
            if self.crowded.get(f, POSTING_CAP + 1) <= POSTING_CAP:  # crowded no more: list its carriers again
                members = self.members(f)
                del self.crowded[f]
                if members:
                    self.carriers[f] = members
            posting: _Posting[K] | None = None
            if f not in self.crowded:
                members = self.carriers.get(f, set())
                if 1 < len(members) <= POSTING_CAP:
                    ranked = sorted(members, key=lambda key: (-weights(key)[f], key))
                    posting = tuple((weights(key)[f], key) for key in ranked[:POSTING_KEEP])
            if self.postings.get(f) != posting:
                changed.add(f)
                if posting is None:
                    del self.postings[f]
                else:
                    self.postings[f] = posting
        return changed


def _crowd() -> int:
    """Carriers above which a feature of a `_Features(counts_only=True)` keeps only their number: well above
    `POSTING_CAP`, so that a feature going back and forth across the cap is not scanned for each time."""
    return 2 * POSTING_CAP


class RelatedIndex(Generic[K]):
    """`related_threads` kept warm: each `update` gives what `related_threads` would, redoing only what changed.

    Between calls it keeps every thread's tag and keyword vectors, who carries each feature and the pruned
    postings. An update recomputes the vectors of the threads that changed (and, when a tag's frequency changed,
    of every thread with that tag), the postings of the features those vectors touch, and the related lists of
    the threads whose vectors or whose features' postings changed. When the number of threads changes, every
    tag weight does, and everything is computed again.
    """

    def __init__(self, k: int = 5) -> None:
        self.k = k
        self.touched: set[K] = set()
        """Keys whose record (`record`) changed since `touched` was last emptied."""
        self.reset = False
        """True when every record was forgotten since `reset` was last set to False."""
        self._reset()

    def _reset(self) -> None:
        """Forget everything: the next update computes every list."""
        self._items: dict[K, tuple[tuple[str, ...], dict[str, float] | Packed[float]]] = {}
        self._tags: _Features[K] = _Features()
        self._terms: _Features[K] = _Features(counts_only=True)
        self._related: dict[K, list[K]] = {}
        self.reset = True

    def record(self, key: K) -> tuple[object, ...] | None:
        """What the index keeps about `key` alone (None when it has no such key): with `restore`, a cache can
        keep the records apart from what all keys share (`shell`) and write again only the touched ones."""
        item = self._items.get(key)
        if item is None:
            return None
        return (item, self._tags.vectors.get(key), self._terms.vectors.get(key), self._related[key])

    def restore(self, key: K, record: tuple[object, ...]) -> None:
        """Put back what `record(key)` gave."""
        item, tag_vector, term_vector, related = record
        self._items[key] = item  # type: ignore[assignment]
        if tag_vector is not None:
            self._tags.vectors[key] = tag_vector  # type: ignore[assignment]
        if term_vector is not None:
            self._terms.vectors[key] = term_vector  # type: ignore[assignment]
        self._related[key] = related  # type: ignore[assignment]

    def shell(self) -> RelatedIndex[K]:
        """A copy with what all keys share (carriers, postings) and no record of any key (see `record`)."""
        shell: RelatedIndex[K] = RelatedIndex(self.k)
        shell._tags.carriers, shell._tags.postings = self._tags.carriers, self._tags.postings
        shell._terms.carriers, shell._terms.postings = self._terms.carriers, self._terms.postings
        shell._terms.crowded = self._terms.crowded
        shell.reset = False
        return shell

    def update(self, items: Iterable[RelatedItem[K]]) -> dict[K, list[K]]:
        """For every item, up to `k` others sharing tags or distinctive terms, most related first."""
        new = {item.key: item for item in items}
        n = len(new)
        if grid(n) != grid(len(self._items)):
            self._reset()  # every tag weight depends on the number of threads (on its grid)
        old = self._items
        tags, terms = self._tags, self._terms
        dirty: set[K] = set()  # keys whose related list must be computed again
        tags_touched: set[str] = set()
        terms_touched: set[str] = set()
        tag_df_changed: set[str] = set()

        recorded = self.touched
        for key in old.keys() - new.keys():
            recorded.add(key)
            old_tags = old.pop(key)[0]
            tag_df_changed.update(old_tags)
            tags.assign(key, None, tags_touched)
            terms.assign(key, None, terms_touched)
            self._related.pop(key, None)
        tag_members: dict[K, tuple[str, ...]] = {}
        for key, item in new.items():
            tag_set = tuple(sorted(set(item.tags)))
            previous = old.get(key)
            if (
                previous is not None
                and previous[0] == tag_set
                and (previous[1] is item.terms or previous[1] == item.terms)
            ):
                continue
            if previous is None or previous[0] != tag_set:
                tag_df_changed.update(set(tag_set).symmetric_difference(previous[0] if previous else ()))
                tag_members[key] = tag_set
            old[key] = (tag_set, item.terms)
            recorded.add(key)
            if terms.assign(key, _term_vector(item.terms), terms_touched):
                dirty.add(key)
            if previous is None:
                dirty.add(key)
        # tag carriers first (frequencies), then the tag vectors of every thread a frequency change reaches
        for key, tag_set in tag_members.items():
            tags.assign(key, [(tag, 0) for tag in tag_set], set())  # placeholder weights: carriers only
            dirty.add(key)  # its tag set changed
        reach: set[K] = set(tag_members)
        for tag in tag_df_changed:
            reach.update(tags.carriers.get(tag, ()))
        for key in reach:
            tag_set = old[key][0]
            vector = _tag_vector([(tag, tag_weight(n, len(tags.carriers[tag]))) for tag in tag_set], n)
            if tags.assign(key, vector, tags_touched):
                dirty.add(key)
                recorded.add(key)
        tags_touched |= tag_df_changed  # tags gained or lost by some thread: their postings too

        for features, touched in ((tags, tags_touched), (terms, terms_touched)):
            for f in features.repost(touched):
                dirty.update(features.members(f))
        for key in dirty:
            if key in new:
                self._related[key] = self._query(key)
                recorded.add(key)
        tags.close()
        terms.close()
        return {key: list(self._related[key]) for key in new}

    def _query(self, key: K) -> list[K]:
        """`related_threads`' list for one thread, from the current vectors and postings."""
        tag_index, term_index = self._tags.postings, self._terms.postings
        query = [(w, 0, f) for f, w in self._tags.weights(key).items() if f in tag_index]
        query += [(w, 1, f) for f, w in self._terms.weights(key).items() if f in term_index]
        if len(query) > QUERY_FEATURES:
            query.sort(key=itemgetter(0), reverse=True)  # stable: equal weights stay tags first, then by name
            del query[QUERY_FEATURES:]
        scores: dict[K, int] = {}
        get = scores.get
        for w, kind, f in query:
            for wj, j in (term_index if kind else tag_index)[f]:
                scores[j] = get(j, 0) + w * wj
        scores.pop(key, None)
        floor = math.ceil(MIN_SCORE * SCALE * SCALE - 1e-6)
        best = nsmallest(self.k, [(-s, j) for j, s in scores.items() if s >= floor])
        return [j for _, j in best]
