"""Quality of automatic summaries and key points on real threads, against human references and baselines (issue 16).

Run from the repository root, with the bench extra installed (`pip install -e '.[bench]'`):

    python bench/bench_summary_quality.py                  # every reference in bench/summaries/
    python bench/bench_summary_quality.py -v               # also print every picked sentence and its failures
    python bench/bench_summary_quality.py --only hn-1-y-combinator --json out.json
    python bench/bench_summary_quality.py --set tuning     # only the references one may tune on

Each `bench/summaries/*.toml` names a real thread in `../shared` (`source`, optional tar `member`, the
`importer`, the thread's origin id) and holds a human reference digest written from reading the thread
before any tool output was seen: 3 to 5 `points`, and the `sides` of a disagreement (a label and the
authors who argue it). `held_out = true` marks a reference written after the summariser was tuned: it is
never tuned on, and its figures are reported apart (a line per set, after the per-thread table of wins).
The thread is imported, written as a thread file and parsed again (what a build sees), then summarised by
`site_src.enrich.summaries.summarize`.

Scored against the reference (points and side labels): ROUGE-1 and ROUGE-L recall (`rouge-score`, Porter
stemmer) of

- ours: the summary; and the summary plus key points ("digest");
- sumy LexRank and TextRank with the same number of sentences as our summary, and with the same number of
  words (the best-rated sentences in order until the budget, the last one cut to fit); the digest is
  compared with the same baselines at the digest's word count;
- lead: the first sentence of the three top-scored comments (reading order when no comment has a score),
  skipping `>` quotations and sentences of fewer than three words.

nltk's punkt data cannot be fetched here, so sumy is given its own tokenizer: pysbd for sentences, `\\w+`
for words (the same for every system, so the comparison is even). Baselines see the thread's plain text
(`markdown_to_plain` of post and comments, quotations included, as a naive tool would).

Also counted, for every picked sentence (summary sentences and key-point quotes, split into sentences):
failures of the cleanliness rules (mail header or e-mail address, attribution line, quotation from its
comment's `>` lines or BBCode `[quote]`, sign-off or `Signed-off-by:` or "Edit:"/"[deleted]" boilerplate, a
`\\`, struck-out `~~` text, a list fragment: two list items run together, a bare short item, or a lead-in
ending in `:`, a dash left dangling at the end where a link or list was),
and whether both sides are shown (a summary sentence or key point by an author of each side).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import tarfile
import tempfile
import time
import tomllib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from site_src.enrich.summaries import summarize  # noqa: E402
from site_src.enrich.text import markdown_to_plain  # noqa: E402
from site_src.importers import import_paths  # noqa: E402
from site_src.model import Comment, Thread  # noqa: E402
from site_src.readers import parse_text  # noqa: E402
from site_src.thread_files import format_markdown  # noqa: E402

try:
    import pysbd
    from rouge_score import rouge_scorer
    from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence
    from sumy.summarizers.lex_rank import LexRankSummarizer
    from sumy.summarizers.text_rank import TextRankSummarizer
except ImportError as exc:  # pragma: no cover - a bench-only dependency
    raise SystemExit(f"needs the bench extra: pip install -e '.[bench]' ({exc})") from exc

SHARED = ROOT / ".." / "shared"
REFERENCES = ROOT / "bench" / "summaries"


# --- loading ----------------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Reference:
    name: str
    kind: str
    points: list[str]
    sides: list[tuple[str, set[str]]]
    thread: Thread
    held_out: bool = False

    @property
    def text(self) -> str:
        return "\n".join(self.points + [label for label, _ in self.sides])


def load_references(folder: Path, only: set[str], which: str = "all") -> list[Reference]:
    specs = []
    for path in sorted(folder.glob("*.toml")):
        if only and path.stem not in only:
            continue
        spec = tomllib.loads(path.read_text(encoding="utf-8"))
        if which != "all" and bool(spec.get("held_out", False)) != (which == "held-out"):
            continue
        specs.append((path.stem, spec))
    members = {(s["source"], s["member"]) for _, s in specs if "member" in s}
    with tempfile.TemporaryDirectory() as tmp:
        extracted = _extract(members, Path(tmp))
        imported: dict[tuple[str, str], list[Thread]] = {}
        refs = []
        for name, spec in specs:
            source = str(extracted.get((spec["source"], spec.get("member", ""))) or SHARED / spec["source"])
            key = (spec["importer"], source)
            if key not in imported:
                imported[key] = list(import_paths(spec["importer"], [source]))
            found = [t for t in imported[key] if str(t.extra.get("origin_id", "")) == str(spec["thread"])]
            if not found:
                found = [
                    t
                    for t in imported[key]
                    if f"-{spec['thread']}-" in t.path or t.path.endswith(f"-{spec['thread']}.md")
                ]
            if len(found) != 1:
                raise SystemExit(f"{name}: thread {spec['thread']} found {len(found)} times in {source}")
            thread = parse_text(found[0].path, format_markdown(found[0]))  # what a build reads
            sides = [(s["label"], set(s["authors"])) for s in spec.get("sides", [])]
            held_out = bool(spec.get("held_out", False))
            refs.append(Reference(name, spec["kind"], list(spec["points"]), sides, thread, held_out))
    return refs


def _extract(members: set[tuple[str, str]], into: Path) -> dict[tuple[str, str], Path]:
    out: dict[tuple[str, str], Path] = {}
    by_archive: dict[str, set[str]] = {}
    for archive, member in members:
        by_archive.setdefault(archive, set()).add(member)
    for archive, wanted in by_archive.items():
        with tarfile.open(SHARED / archive) as tar:
            for info in tar:
                if info.name in wanted:
                    target = into / Path(info.name).name
                    data = tar.extractfile(info)
                    assert data is not None
                    target.write_bytes(data.read())
                    out[(archive, info.name)] = target
    return out


# --- units and sentences ----------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Unit:
    id: str
    author: str | None
    score: int | None
    body: str
    sentences: list[str] = field(default_factory=list)
    quoted_sentences: set[int] = field(default_factory=set)


_SEGMENTER = pysbd.Segmenter(language="en", clean=False)


def split(text: str) -> list[str]:
    return [s.strip() for s in _SEGMENTER.segment(text) if s.strip()]


def units_of(thread: Thread) -> list[Unit]:
    units = []
    if thread.body.strip():
        units.append(Unit("post", thread.author, None, thread.body))
    stack: list[Comment] = list(reversed(thread.comments))
    while stack:
        c = stack.pop()
        units.append(Unit(c.id, c.author, c.score, c.body))
        stack.extend(reversed(c.replies))
    for unit in units:
        for block in markdown_to_plain(unit.body).blocks:
            for line in block.text.split("\n"):
                for s in split(line):
                    if block.quoted:
                        unit.quoted_sentences.add(len(unit.sentences))
                    unit.sentences.append(s)
    return units


WORD = re.compile(r"\w+")


def words(text: str) -> int:
    return len(WORD.findall(text))


# --- baselines --------------------------------------------------------------------------------------------------------


class _Tokenizer:
    language = "english"

    @staticmethod
    def to_sentences(text: str) -> list[str]:
        return split(text)

    @staticmethod
    def to_words(sentence: str) -> list[str]:
        return WORD.findall(sentence.lower())


def _ratings(summarizer: Any, document: Any) -> dict[Any, float]:
    """sumy's rating of every sentence (what its `__call__` ranks by)."""
    captured: dict[Any, float] = {}

    def grab(sentences: Any, count: Any, rating: Any, *args: Any, **kwargs: Any) -> tuple[()]:
        captured.update(rating if isinstance(rating, dict) else {s: rating(s) for s in sentences})
        return ()

    summarizer._get_best_sentences = grab
    summarizer(document, 1)
    return captured


@dataclass(slots=True)
class Pick:
    text: str
    unit: int


def sumy_ranked(units: list[Unit], algorithm: str) -> list[Pick]:
    """Every sentence of the thread, best first, by sumy's LexRank or TextRank."""
    tokenizer = _Tokenizer()
    owner: dict[int, int] = {}
    paragraphs = []
    for u, unit in enumerate(units):
        sentences = [Sentence(s, tokenizer) for s in unit.sentences]
        for s in sentences:
            owner[id(s)] = u
        if sentences:
            paragraphs.append(Paragraph(sentences))
    document = ObjectDocumentModel(paragraphs)
    summarizer = LexRankSummarizer() if algorithm == "lexrank" else TextRankSummarizer()
    ratings = _ratings(summarizer, document)
    order = {id(s): i for i, s in enumerate(document.sentences)}
    ranked = sorted(document.sentences, key=lambda s: (-ratings.get(s, 0.0), order[id(s)]))
    return [Pick(str(s), owner[id(s)]) for s in ranked]


CACHE = ROOT / "bench" / "out" / "summary-baselines.json"
"""sumy's rankings, keyed by a digest of the thread's sentences (they do not depend on the code measured)."""
_cache: dict[str, list[list[Any]]] | None = None


def cached_ranking(units: list[Unit], algorithm: str) -> list[Pick]:
    global _cache
    if _cache is None:
        _cache = json.loads(CACHE.read_text(encoding="utf-8")) if CACHE.exists() else {}
    key = hashlib.blake2b(json.dumps([algorithm, [u.sentences for u in units]]).encode(), digest_size=16).hexdigest()
    if key not in _cache:
        _cache[key] = [[p.text, p.unit] for p in sumy_ranked(units, algorithm)]
        CACHE.parent.mkdir(parents=True, exist_ok=True)
        CACHE.write_text(json.dumps(_cache), encoding="utf-8")
    return [Pick(text, unit) for text, unit in _cache[key]]


def by_count(ranked: list[Pick], n: int) -> list[Pick]:
    return ranked[:n]


def by_words(ranked: list[Pick], budget: int) -> list[Pick]:
    out: list[Pick] = []
    used = 0
    for pick in ranked:
        if used >= budget:
            break
        n = words(pick.text)
        if used + n > budget:
            tokens = pick.text.split()
            keep, count = [], used
            for token in tokens:
                if count >= budget:
                    break
                keep.append(token)
                count += words(token)
            out.append(Pick(" ".join(keep), pick.unit))
            break
        out.append(pick)
        used += n
    return out


def lead(units: list[Unit]) -> list[Pick]:
    """The first sentence of each comment, top-scored first (reading order when no comment has a score)."""
    comments = [u for u in range(len(units)) if units[u].id != "post"]
    if any(units[u].score for u in comments):
        comments.sort(key=lambda u: -(units[u].score or 0))  # stable: ties keep reading order
    picks: list[Pick] = []
    for u in comments:
        unit = units[u]
        first = next(
            (s for i, s in enumerate(unit.sentences) if i not in unit.quoted_sentences and words(s) >= 3), None
        )
        if first:
            picks.append(Pick(first, u))
    return picks


# --- cleanliness ------------------------------------------------------------------------------------------------------

_HEADER = re.compile(
    r"(?:^|\s)(?:From|To|Cc|CC|Subject|Date|Sent|Reply-To)\s*:\s|\S+@\S+\.\w+|\b\S+ at \S+\.(?:org|com|net)\b"
)
_ATTRIBUTION = re.compile(
    r"\b(?:wrote|writes|said|a écrit|schrieb|escribió)\s*:|\bOn .{5,80}\d{4}.{0,80}\bwrote\b|did gyre and gimble|"
    r"^\W*[\w.-]{2,30}:\s*$"
)
_SIGN_OFF = re.compile(
    r"^\W*(?:thanks|thank you|cheers|regards|best regards|best|sincerely|happy hacking|hth|ciao)\b[\s,.!]*"
    r"(?:\w+[\s,.!]*)?$|Signed-off-by:|Acked-by:|Reviewed-by:|^\W*-{1,2}\s*\w+\W*$|\[deleted\]|\[removed\]|"
    r"^\W*(?:edit|update|e)\s*\d*\s*:",
    re.IGNORECASE,
)
_STRIKE = re.compile(r"~~(.+?)~~")
_BB_QUOTED = re.compile(r"\[quote(?:=[^\]\n]*)?\](.*?)(?:\[/quote\]|$)", re.IGNORECASE | re.DOTALL)
"""A BBCode quotation (`[quote="name"]...[/quote]`, old forum posts): someone else's words, like `>` lines."""
_BB_TAG = re.compile(r"\[/?quote(?:=[^\]\n]*)?\]", re.IGNORECASE)
_ITEM = re.compile(r"^\s{0,3}(?:[-*+]|\d{1,9}[.)])\s+(.*)$")


def _outside_fences(lines: list[str]) -> list[str]:
    out, fence = [], False
    for line in lines:
        if line.lstrip().startswith(("```", "~~~")):
            fence = not fence
        elif not fence:
            out.append(line)
    return out


def _norm(text: str) -> str:
    return " ".join(WORD.findall(text.lower()))


def failures(sentence: str, unit: Unit, authors: set[str]) -> list[str]:
    found = []
    text = sentence.strip()
    if _HEADER.search(text):
        found.append("mail header")
    first = text.split(":", 1)[0].strip().lower() if ":" in text[:40] else ""
    if _ATTRIBUTION.search(text) or (first and first in authors):
        found.append("attribution")
    body_lines = _outside_fences(unit.body.replace("\r", "").split("\n"))
    body = "\n".join(body_lines).replace("\\[", "[").replace("\\]", "]")
    own_lines = _BB_QUOTED.sub(" ", body).split("\n")  # outside BBCode quotations
    quoted = _norm(
        " ".join(line.lstrip(" >") for line in body_lines if line.lstrip().startswith(">"))
        + " "
        + " ".join(_BB_QUOTED.findall(body))
    )
    if _BB_TAG.search(text):
        found.append("quote")  # a BBCode [quote] tag left in the text
    key = _norm(text)
    own = _norm(" ".join(line for line in own_lines if not line.lstrip().startswith(">")))
    if key and len(key) > 15 and key[:60] in quoted and key[:60] not in own:
        found.append("quote")
    if _SIGN_OFF.search(text):
        found.append("sign-off/boilerplate")
    if "\\" in text:
        found.append("backslash")
    for struck in _STRIKE.findall(unit.body):
        s = _norm(struck)
        if s and f" {s} " in f" {key} ":
            found.append("struck-out")
            break
    items = [_norm(m.group(1)) for line in body_lines if (m := _ITEM.match(line))]
    items = [i for i in items if i]
    if items:
        inside = [i for i in items if i in key]
        if len(inside) >= 2 or (key in items and len(key.split()) < 6):
            found.append("list fragment")
    if text.endswith(":") and not re.search(r":[a-z0-9_+-]+:$", text):
        found.append("list fragment")
    if re.search(r"\s[-\u2013\u2014]$", text):
        found.append("dangling dash")  # "… is open sourced -": what it pointed at (a link, a list) is not shown
    return found


# --- scoring ----------------------------------------------------------------------------------------------------------

_SCORER = rouge_scorer.RougeScorer(["rouge1", "rougeL"], use_stemmer=True)


def rouge(reference: str, picks: Iterable[str]) -> tuple[float, float]:
    scores = _SCORER.score(reference, "\n".join(picks))
    return scores["rouge1"].recall, scores["rougeL"].recall


def sides_shown(ref: Reference, units: list[Unit], picked_units: Iterable[int]) -> bool | None:
    if len(ref.sides) < 2:
        return None
    authors = {units[u].author for u in picked_units}
    return all(authors & side for _, side in ref.sides)


@dataclass(slots=True)
class Row:
    name: str
    kind: str
    comments: int
    seconds: float
    scores: dict[str, tuple[float, float]]
    sides: dict[str, bool | None]
    unclean: dict[str, list[tuple[str, list[str]]]]
    picked: dict[str, list[str]]
    held_out: bool = False


def evaluate(ref: Reference) -> Row:
    thread = ref.thread
    units = units_of(thread)
    index = {u.id: i for i, u in enumerate(units)}
    authors = {u.author.lower() for u in units if u.author}
    start = time.process_time()
    summary = summarize(thread)
    seconds = time.process_time() - start
    ours = [Pick(s.text, index.get(s.source, 0)) for s in summary.sentences]
    if not ours and summary.text:
        ours = [Pick(summary.text, 0)]
    points = [Pick(k.quote, index.get(k.comment_id, 0)) for k in summary.key_points]
    n_sentences = max(len(ours), 1)
    n_words = sum(words(p.text) for p in ours)
    digest_words = n_words + sum(words(p.text) for p in points)
    lex = cached_ranking(units, "lexrank")
    text = cached_ranking(units, "textrank")
    leads = lead(units)
    systems: dict[str, list[Pick]] = {
        "ours": ours,
        "lexrank-n": by_count(lex, n_sentences),
        "lexrank-w": by_words(lex, n_words),
        "textrank-n": by_count(text, n_sentences),
        "textrank-w": by_words(text, n_words),
        "lead": by_count(leads, 3),
        "lead-w": by_words(leads, n_words),
        "digest": ours + points,
        "lexrank-dw": by_words(lex, digest_words),
        "textrank-dw": by_words(text, digest_words),
    }
    scores = {name: rouge(ref.text, [p.text for p in picks]) for name, picks in systems.items()}
    sides = {name: sides_shown(ref, units, [p.unit for p in picks]) for name, picks in systems.items()}
    unclean: dict[str, list[tuple[str, list[str]]]] = {}
    for name in ("ours", "digest", "lexrank-n", "textrank-n", "lead"):
        bad = []
        for pick in systems[name]:
            for sentence in split(pick.text.replace("…", " ")):
                problems = failures(sentence, units[pick.unit], authors)
                if problems:
                    bad.append((sentence, problems))
        unclean[name] = bad
    picked = {name: [p.text for p in picks] for name, picks in systems.items()}
    return Row(ref.name, ref.kind, thread.comment_count(), seconds, scores, sides, unclean, picked, ref.held_out)


# --- report -----------------------------------------------------------------------------------------------------------

SUMMARY_BASELINES = ("lexrank-n", "lexrank-w", "textrank-n", "textrank-w", "lead", "lead-w")
EQUAL_LENGTH = ("lexrank-w", "textrank-w", "lead-w")
"""The baselines at the summary's word count: the target compares with these."""
DIGEST_BASELINES = ("lexrank-dw", "textrank-dw")


def _wins_table(rows: Sequence[Row], out: Callable[[str], None]) -> None:
    """Per thread: does the summary beat each equal-length baseline (ROUGE-1 recall)?"""
    out("Per-thread wins of the summary at equal length (ROUGE-1 recall, summary vs baseline)")
    out("| thread | set | summary | " + " | ".join(EQUAL_LENGTH) + " | beats all |")
    out("|---|---|--:|" + "---|" * len(EQUAL_LENGTH) + "---|")
    for row in rows:
        ours = row.scores["ours"][0]
        cells = [f"{'win' if ours > row.scores[b][0] else 'LOSS'} {row.scores[b][0]:.3f}" for b in EQUAL_LENGTH]
        every = all(ours > row.scores[b][0] for b in EQUAL_LENGTH)
        held = "held-out" if row.held_out else "tuning"
        out(f"| {row.name} | {held} | {ours:.3f} | " + " | ".join(cells) + f" | {'yes' if every else 'no'} |")


def _totals(rows: Sequence[Row]) -> dict[str, Any]:
    cols = ("ours", *SUMMARY_BASELINES, "digest", *DIGEST_BASELINES)
    n = max(len(rows), 1)
    means = {c: (sum(r.scores[c][0] for r in rows) / n, sum(r.scores[c][1] for r in rows) / n) for c in cols}
    wins = {b: sum(r.scores["ours"][0] > r.scores[b][0] for r in rows) for b in SUMMARY_BASELINES}
    digest_wins = {b: sum(r.scores["digest"][0] > r.scores[b][0] for r in rows) for b in DIGEST_BASELINES}
    every = sum(all(r.scores["ours"][0] > r.scores[b][0] for b in EQUAL_LENGTH) for r in rows)
    needed = [r for r in rows if r.sides["digest"] is not None]
    unclean = {name: sum(len(r.unclean[name]) for r in rows) for name in rows[0].unclean} if rows else {}
    return {
        "threads": len(rows),
        "means": means,
        "wins": wins,
        "digest_wins": digest_wins,
        "beats_every": every,
        "beats_mean": all(means["ours"][0] > means[b][0] for b in EQUAL_LENGTH),
        "unclean": unclean,
        "sides": [sum(bool(r.sides["digest"]) for r in needed), len(needed)],
    }


def _set_line(label: str, t: dict[str, Any]) -> str:
    m = t["means"]
    return (
        f"{label}: {t['threads']} threads; mean ROUGE-1 summary {m['ours'][0]:.3f} vs "
        + ", ".join(f"{b} {m[b][0]:.3f}" for b in EQUAL_LENGTH)
        + f"; beats every equal-length baseline on {t['beats_every']}/{t['threads']} threads"
        + f" and on the mean: {t['beats_mean']}; both sides {t['sides'][0]}/{t['sides'][1]};"
        + f" unclean (summary+key points) {t['unclean'].get('digest', 0)}"
    )


def report(rows: Sequence[Row], verbose: bool, out: Callable[[str], None] = print) -> dict[str, Any]:
    cols = ("ours", *SUMMARY_BASELINES, "digest", *DIGEST_BASELINES)
    out("ROUGE-1 recall (ROUGE-L recall) against the reference digest")
    out("| thread | comments | " + " | ".join(cols) + " | unclean (ours+digest) | sides ours/digest/lex/text/lead |")
    out("|---|--:|" + "--:|" * len(cols) + "--:|---|")
    for row in rows:
        cells = [f"{row.scores[c][0]:.3f} ({row.scores[c][1]:.3f})" for c in cols]
        unclean = len(row.unclean["digest"])
        shown = "/".join(
            "-" if row.sides[s] is None else ("yes" if row.sides[s] else "no")
            for s in ("ours", "digest", "lexrank-n", "textrank-n", "lead")
        )
        name = f"{row.name} (held-out)" if row.held_out else row.name
        out(f"| {name} | {row.comments} | " + " | ".join(cells) + f" | {unclean} | {shown} |")
    everything = _totals(rows)
    means = everything["means"]
    out("| **mean** | | " + " | ".join(f"**{means[c][0]:.3f}** ({means[c][1]:.3f})" for c in cols) + " | | |")
    out("")
    _wins_table(rows, out)
    out("")
    wins, digest_wins = everything["wins"], everything["digest_wins"]
    out(f"summary beats each baseline on ROUGE-1 recall in: {', '.join(f'{b} {wins[b]}/{len(rows)}' for b in wins)}")
    out(
        f"summary beats every equal-length baseline ({', '.join(EQUAL_LENGTH)}) in {everything['beats_every']}/"
        f"{len(rows)} threads; on the mean: {everything['beats_mean']}"
    )
    out(f"digest beats: {', '.join(f'{b} {digest_wins[b]}/{len(rows)}' for b in digest_wins)}")
    out("unclean picked sentences: " + ", ".join(f"{k} {v}" for k, v in everything["unclean"].items()))
    sides_ok, sides_needed = everything["sides"]
    out(f"both sides shown by summary + key points: {sides_ok}/{sides_needed} threads whose reference names two")
    tuning = _totals([r for r in rows if not r.held_out])
    held = _totals([r for r in rows if r.held_out])
    if tuning["threads"]:
        out(_set_line("tuning set", tuning))
    if held["threads"]:
        out(_set_line("held-out set", held))
    total, most = sum(r.seconds for r in rows) * 1000, max(r.seconds for r in rows) * 1000
    out(f"summarize CPU time: total {total:.0f} ms, max {most:.0f} ms")
    if verbose:
        for row in rows:
            out(f"\n## {row.name}")
            for name in ("ours", "digest", "lead"):
                out(f"  [{name}]")
                for text in row.picked[name] if name != "digest" else row.picked[name][len(row.picked["ours"]) :]:
                    out(f"    - {text}")
            for sentence, problems in row.unclean["digest"]:
                out(f"  UNCLEAN {problems}: {sentence}")
    return {
        "rows": [
            {
                "name": r.name,
                "kind": r.kind,
                "held_out": r.held_out,
                "scores": r.scores,
                "sides": r.sides,
                "unclean": r.unclean,
                "picked": r.picked,
            }
            for r in rows
        ],
        **everything,
        "tuning": tuning,
        "held_out": held,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--refs", type=Path, default=REFERENCES)
    parser.add_argument("--only", action="append", default=[], help="reference name (file stem); repeatable")
    parser.add_argument("--json", type=Path, help="write every score and pick here")
    parser.add_argument(
        "--set",
        choices=("all", "tuning", "held-out"),
        default="all",
        help="which references: the tuning set, the held-out set (never tune on it) or both",
    )
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    if not SHARED.is_dir():
        raise SystemExit(f"needs the shared corpus at {SHARED}")
    refs = load_references(args.refs, set(args.only), args.set)
    rows = [evaluate(ref) for ref in refs]
    result = report(rows, args.verbose)
    if args.json:
        args.json.write_text(json.dumps(result, indent=1, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
