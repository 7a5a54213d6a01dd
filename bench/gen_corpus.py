#!/usr/bin/env python3
"""Generate a deterministic benchmark corpus of discussion threads.

    python bench/gen_corpus.py N OUT_DIR [--seed S] [--hugo HUGO_DIR]

OUT_DIR becomes a thread-digest site: ``OUT_DIR/site.toml`` and
``OUT_DIR/content/<name>.md``, one Markdown thread file per thread (the ``.md``
format of the README: YAML front matter, the post, ``--- comment`` blocks).
With ``--hugo HUGO_DIR`` the *same* threads are also written as a Hugo site:
``HUGO_DIR/content/t/<name>.md`` (front matter plus the post and the whole
comment tree as nested Markdown), ``HUGO_DIR/hugo.toml`` and the layouts copied
from ``bench/hugo/``.

The shape follows the corpus of issue 7: on average ~39 comments and ~9.5 KB of
Markdown per thread (10,000 threads -> ~393,000 comments, ~95 MB), a skewed
comment count (most threads have a handful, a few have many hundreds), reply
depth up to 10, ~50 tags with a Zipf-like distribution, dates over 2019-2025.

Only the standard library is used, and everything comes from one
``random.Random(seed)`` in a fixed order, so the same N and seed always give
byte-identical files.  Thread k's content does not depend on N: the corpus of
size 1,000 is the first 1,000 threads of the corpus of size 10,000.
"""

from __future__ import annotations

import argparse
import itertools
import random
import shutil
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent

# --------------------------------------------------------------------------- vocabulary


def _split(text: str) -> list[str]:
    return text.split()


# Ordered roughly by frequency: the Zipf weights below make the first words common.
WORDS = _split("""
the of and to a in is it that for you was on are with as this be at have not but they
or from by one had we what all were when there can an your which their said if do will
each about how up out them then she many some so these would other into has more her two
like him see time could no make than first been its who now people my made over did down
only way find use may water long little very after words called just where most know get
through back much before go good new write our used me man too any day same right look
think also around another came come work three word must because does part even place well
such here take why things help put years different away again off went old number great
tell men say small every found still between name should home big give air line set own
under read last never us left end along while might next sound below saw something thought
both few those always looked show large often together asked house world going want school
important until form food keep children feet land side without boy once animals life enough
took sometimes four head above kind began almost live page got earth need far hand high year
mother light parts country father let night following picture being study second eyes soon
times story boys since white days ever paper hard near sentence better best across during
today others however sure means knew try told young miles sun ways thing whole hear example
heard several change answer room sea against top turned learn point city play toward five
using himself usually money seen car morning given already trees once town bridge ferry river
map maps survey flood bank bread starter flour yeast oven garden soil compost bicycle spoke
wheel rim hub tension brake chain gear frame commute traffic budget council permit zoning
library archive record ledger photo letter museum harbour railway station timetable tram bus
route schedule cost price rent lease tenant landlord market supply demand export import
policy report study data sample method result error variance model estimate measure sensor
battery solar panel grid voltage meter kernel compiler parser cache thread process memory
server client request response header cookie session token database index query table schema
migration release version patch bug issue fix test build deploy config option flag default
file folder path disk backup restore network router switch cable fibre signal antenna radio
weather rain snow frost wind storm season harvest orchard apple pear plum cherry tomato bean
potato onion garlic pepper salt butter cheese milk coffee tea kettle stove pan knife recipe
hike trail summit valley ridge forest meadow lake island coast tide boat sail anchor dock
village county province border census vote election ballot mayor judge court law rule fine
ticket queue waitlist plot fence shed hose ladder paint brick timber roof gutter window door
""")

ADJECTIVES = _split("""
quiet rusty amber brave calm clever dusty eager fuzzy gentle happy icy jolly keen lazy lucky
merry misty noble odd proud quick rapid salty shy silent sleepy sly snowy sunny swift tidy
tiny vivid wary witty young zesty bold bright crisp damp early faint grand hollow humble
""")

NOUNS = _split("""
river ferry heron otter badger falcon maple cedar willow harbor meadow pebble lantern kettle
sparrow thistle walrus beacon comet ember fjord glacier lichen marten orchard puffin quarry
raven saddle tundra valley wren yarrow acorn basil clover dune fern gecko hazel ivy juniper
""")

TAGS = _split("""
cycling baking rivers maps history local-politics gardening housing transit energy weather
programming databases networking security hardware linux python rust javascript open-source
science physics biology astronomy climate economics finance jobs education books music film
photography travel hiking sailing food coffee health fitness parenting pets law privacy
urban-planning architecture diy woodworking ai
""")

LANGS = ["python", "sh", "js", "rust", "", "sql", "toml"]

START = datetime(2019, 1, 1, tzinfo=UTC)
SPAN_SECONDS = int((datetime(2025, 7, 1, tzinfo=UTC) - START).total_seconds())

# Comment count per thread: lognormal, capped.  mu/sigma give a mean of ~39.3
# (10,000 threads -> ~393,000 comments), a median of ~17 and a tail into the
# hundreds (a few dozen threads per 10,000 have more than 500 comments).
COUNT_MU = 2.85
COUNT_SIGMA = 1.3
COUNT_CAP = 1500
MAX_DEPTH = 10  # a top-level comment has depth 1


def _cum_weights(n: int, exponent: float) -> list[float]:
    return list(itertools.accumulate(1.0 / (rank + 1) ** exponent for rank in range(n)))


@dataclass
class Comment:
    id: str
    parent: str | None
    author: str
    date: datetime
    score: int
    body: str
    depth: int
    children: list[Comment] = field(default_factory=list)


@dataclass
class Thread:
    name: str
    title: str
    source: str
    author: str
    date: datetime
    tags: list[str]
    body: str
    comments: list[Comment]


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class Generator:
    """Draws threads from one seeded RNG; the draw order is part of the output format."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.word_cum = _cum_weights(len(WORDS), 1.0)
        self.tag_cum = _cum_weights(len(TAGS), 1.1)
        names = sorted({f"{a}_{n}" for a in ADJECTIVES for n in NOUNS})
        self.rng.shuffle(names)
        self.authors = [f"{name}{self.rng.randrange(100)}" if i % 3 else name for i, name in enumerate(names[:2500])]
        self.author_cum = _cum_weights(len(self.authors), 0.8)

    # -- small pieces

    def words(self, k: int) -> list[str]:
        return self.rng.choices(WORDS, cum_weights=self.word_cum, k=k)

    def author(self) -> str:
        return self.rng.choices(self.authors, cum_weights=self.author_cum)[0]

    def link(self) -> str:
        rng = self.rng
        text = " ".join(self.words(rng.randint(1, 4)))
        slug = "-".join(self.words(rng.randint(2, 5)))
        host = rng.choice(["example.org", "example.com", "news.example.net", "wiki.example.org"])
        return f"[{text}](https://{host}/{rng.randint(2001, 2025)}/{slug})"

    def sentence(self) -> str:
        rng = self.rng
        ws = self.words(rng.randint(3, 13))
        r = rng.random()
        if r < 0.08:
            i = rng.randrange(len(ws))
            ws[i] = f"*{ws[i]}*"
        elif r < 0.12:
            i = rng.randrange(len(ws))
            ws[i] = f"**{ws[i]}**"
        elif r < 0.18:
            i = rng.randrange(len(ws))
            ws[i] = f"`{ws[i]}_{rng.choice(WORDS)}()`"
        elif r < 0.25:
            ws.insert(rng.randrange(len(ws) + 1), self.link())
        text = " ".join(ws)
        return text[0].upper() + text[1:] + rng.choice(".....?!")

    def paragraph(self, max_sentences: int = 3) -> str:
        return " ".join(self.sentence() for _ in range(self.rng.randint(1, max_sentences)))

    def code_block(self) -> str:
        rng = self.rng
        lines = []
        for _ in range(rng.randint(2, 9)):
            a, b, c = self.words(3)
            indent = "    " * rng.randint(0, 2)
            lines.append(f"{indent}{a}_{b} = {c}({a}, {rng.randint(0, 999)})")
        return f"```{rng.choice(LANGS)}\n" + "\n".join(lines) + "\n```"

    def body(self, long: bool) -> str:
        """A comment (or post) body: paragraphs, sometimes a quote, a list or a fenced block."""
        rng = self.rng
        r = rng.random()
        n_par = 1 if r < 0.62 else 2 if r < 0.87 else rng.randint(3, 6)
        if long:
            n_par += rng.randint(0, 3)
        blocks: list[str] = []
        if rng.random() < 0.08:
            blocks.append("> " + self.sentence())
        for _ in range(n_par):
            blocks.append(self.paragraph(3))
            x = rng.random()
            if x < 0.05:
                marker = rng.choice(["- ", "* ", "1. "])
                blocks.append(
                    "\n".join(marker + " ".join(self.words(rng.randint(2, 9))) for _ in range(rng.randint(2, 5)))
                )
            elif x < 0.07:
                blocks.append(self.code_block())
        return "\n\n".join(blocks)

    # -- a thread

    def thread(self, index: int) -> Thread:
        rng = self.rng
        date = START + timedelta(seconds=rng.randrange(SPAN_SECONDS))
        tws = self.words(rng.randint(4, 10))
        title = " ".join(tws)
        title = title[0].upper() + title[1:] + ("?" if rng.random() < 0.2 else "")
        slug = "-".join(w for w in tws[:6])
        name = f"t{index:05d}-{slug}"
        n_tags = rng.choices([0, 1, 2, 3, 4], weights=[3, 30, 35, 22, 10])[0]
        tags = sorted(set(rng.choices(TAGS, cum_weights=self.tag_cum, k=n_tags)))
        body = self.body(long=True) if rng.random() < 0.6 else ""
        n = min(COUNT_CAP, int(rng.lognormvariate(COUNT_MU, COUNT_SIGMA)))
        comments: list[Comment] = []
        by_id: dict[str, Comment] = {}
        moment = date
        for k in range(1, n + 1):
            moment += timedelta(seconds=int(rng.expovariate(1 / 900)) + 20)
            parent: Comment | None = None
            if comments and rng.random() > 0.3:
                parent = comments[-1] if rng.random() < 0.45 else rng.choice(comments[-25:])
                while parent is not None and parent.depth >= MAX_DEPTH:
                    parent = by_id[parent.parent] if parent.parent else None
            score = int(rng.paretovariate(1.1)) - 1
            if rng.random() < 0.08:
                score = -rng.randint(1, 25)
            comment = Comment(
                id=f"c{k}",
                parent=parent.id if parent else None,
                author=self.author(),
                date=moment,
                score=score,
                body=self.body(long=False),
                depth=parent.depth + 1 if parent else 1,
            )
            if parent:
                parent.children.append(comment)
            comments.append(comment)
            by_id[comment.id] = comment
        return Thread(
            name=name,
            title=title,
            source=f"https://forum.example.org/t/{index}/{slug}",
            author=self.author(),
            date=date,
            tags=tags,
            body=body,
            comments=comments,
        )


# --------------------------------------------------------------------------- writers


def yaml_tags(tags: list[str]) -> str:
    return "[" + ", ".join(tags) + "]"


def to_digest_md(t: Thread) -> str:
    out = [
        "---",
        f"title: {t.title}",
        f"source: {t.source}",
        f"author: {t.author}",
        f"date: {iso(t.date)}",
        f"tags: {yaml_tags(t.tags)}",
        "---",
        "",
    ]
    if t.body:
        out += [t.body, ""]
    for c in t.comments:
        parent = f" parent={c.parent}" if c.parent else ""
        out.append(f"--- comment id={c.id}{parent} author={c.author} date={iso(c.date)} score={c.score}")
        out += [c.body, ""]
    return "\n".join(out)


def _walk(comments: list[Comment]) -> list[Comment]:
    """Top-level comments and their replies, depth first (reading order)."""
    order: list[Comment] = []
    stack = [c for c in reversed(comments) if c.parent is None]
    while stack:
        c = stack.pop()
        order.append(c)
        stack.extend(reversed(c.children))
    return order


def to_hugo_md(t: Thread) -> str:
    """The same thread as one Hugo page: replies nest as blockquotes, one level per depth."""
    out = [
        "---",
        f"title: {t.title}",
        f"date: {iso(t.date)}",
        f"author: {t.author}",
        f"source: {t.source}",
        f"tags: {yaml_tags(t.tags)}",
        f"comments: {len(t.comments)}",
        "---",
        "",
    ]
    if t.body:
        out += [t.body, ""]
    if t.comments:
        out += [f"## {len(t.comments)} comments", ""]
    for c in _walk(t.comments):
        prefix = "> " * (c.depth - 1)
        bare = prefix.rstrip()
        out.append(f"{prefix}#### {c.author} · {c.date:%Y-%m-%d %H:%M} · {c.score} points {{#{c.id}}}")
        out.append(bare)
        out += [prefix + line if line else bare for line in c.body.split("\n")]
        out.append("")
    return "\n".join(out)


@dataclass
class Stats:
    threads: int = 0
    comments: int = 0
    digest_bytes: int = 0
    hugo_bytes: int = 0
    max_comments: int = 0
    max_depth: int = 0
    over_100: int = 0
    over_500: int = 0
    tags: Counter[str] = field(default_factory=Counter)
    counts: list[int] = field(default_factory=list)

    def report(self) -> str:
        counts = sorted(self.counts)
        median = counts[len(counts) // 2] if counts else 0
        lines = [
            f"threads        {self.threads}",
            f"comments       {self.comments} (mean {self.comments / max(self.threads, 1):.1f}, median {median}, "
            f"max {self.max_comments}; >100: {self.over_100}, >500: {self.over_500})",
            f"max depth      {self.max_depth}",
            f"markdown       {self.digest_bytes / 1e6:.1f} MB "
            f"({self.digest_bytes / max(self.threads, 1) / 1e3:.1f} KB/thread)",
            f"distinct tags  {len(self.tags)}; top: " + ", ".join(f"{tag} {n}" for tag, n in self.tags.most_common(5)),
        ]
        if self.hugo_bytes:
            lines.append(f"hugo markdown  {self.hugo_bytes / 1e6:.1f} MB")
        return "\n".join(lines)


def _fresh_dir(path: Path) -> None:
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)


def generate(n: int, out: Path, seed: int = 1, hugo: Path | None = None) -> Stats:
    gen = Generator(seed)
    stats = Stats()
    _fresh_dir(out / "content")
    (out / "site.toml").write_text('title = "Bench"\n', encoding="utf-8")
    if hugo is not None:
        _fresh_dir(hugo)
        (hugo / "content" / "t").mkdir(parents=True)
        shutil.copy(HERE / "hugo" / "hugo.toml", hugo / "hugo.toml")
        shutil.copytree(HERE / "hugo" / "layouts", hugo / "layouts")
    for index in range(1, n + 1):
        t = gen.thread(index)
        data = to_digest_md(t).encode()
        (out / "content" / f"{t.name}.md").write_bytes(data)
        stats.threads += 1
        stats.comments += len(t.comments)
        stats.counts.append(len(t.comments))
        stats.digest_bytes += len(data)
        stats.max_comments = max(stats.max_comments, len(t.comments))
        stats.max_depth = max([stats.max_depth, *(c.depth for c in t.comments)])
        stats.over_100 += len(t.comments) > 100
        stats.over_500 += len(t.comments) > 500
        stats.tags.update(t.tags)
        if hugo is not None:
            hdata = to_hugo_md(t).encode()
            (hugo / "content" / "t" / f"{t.name}.md").write_bytes(hdata)
            stats.hugo_bytes += len(hdata)
    return stats


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, help="number of threads")
    parser.add_argument("out", type=Path, help="thread-digest site folder to (re)create")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--hugo", type=Path, metavar="HUGO_DIR", help="also write the corpus as a Hugo site here")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    stats = generate(args.n, args.out, args.seed, args.hugo)
    print(stats.report(), file=sys.stderr)
    print(f"generated in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
