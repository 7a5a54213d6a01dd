"""Issue 16: keywords and tags that name the topic, not the people, their addresses or broken words."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support import make_project

from site_src.cli import main
from site_src.config import load_config
from site_src.diagnostics import Report
from site_src.enrich import enrich_site, suggested_tags
from site_src.enrich.keywords import term_counts
from site_src.model import Comment, Thread
from site_src.pipeline import parse_and_enrich


def _thread(*bodies: str, authors: tuple[str, ...] = (), title: str = "Cache objects") -> Thread:
    names = authors or tuple(f"user{i}" for i in range(len(bodies)))
    return Thread(
        title=title,
        path="t.md",
        comments=[Comment(body=b, id=f"c{i}", author=a) for i, (b, a) in enumerate(zip(bodies, names, strict=True))],
    )


def test_issue_16_author_names_and_mail_addresses_are_no_terms() -> None:
    thread = _thread(
        "Henrik Kretzschmar <henne@nachtwindheim.de> wrote the cache patch; ask jlayton@samba.org about it.",
        "Mail aperez at igalia.com or Henrik about the cache patch, Henrik knows the cache.",
        authors=("Henrik Kretzschmar", "Adrian Perez"),
    )
    terms = term_counts(thread)
    assert "cache" in terms
    for piece in ("henrik", "kretzschmar", "henne", "nachtwindheim", "samba", "org", "igalia", "com", "jlayton"):
        assert piece not in terms, piece


def test_issue_16_words_keep_their_digits() -> None:
    terms = term_counts(_thread("1vanK posted on 4chan about the x86 build and 4chan laughed.", authors=("someone",)))
    assert "4chan" in terms and "x86" in terms
    assert "chan" not in terms and "vank" not in terms


def test_issue_16_inline_code_is_no_keyword() -> None:
    terms = term_counts(_thread("Never run `rm -rf /` on the build server, the build server holds the backups."))
    assert "rm" not in terms and "rf" not in terms
    assert "server" in terms


def test_issue_16_plurals_of_ie_nouns_fold_to_ie() -> None:
    terms = term_counts(_thread("Calories in the cookies matter more than the policies about cookies."))
    assert "calorie" in terms and "cookie" in terms and "policy" in terms
    assert "calory" not in terms


def test_issue_16_stop_words_of_the_thread_language_are_no_terms() -> None:
    thread = _thread(
        "El tablero de juego es el mapa de la isla y los jugadores mueven el barco en el mapa.",
        "En la versión de España la carta se roba del mazo, y en Latinoamérica se coge de la mesa.",
        "Para el glosario usamos la palabra tablero y no mapa, porque el mapa es otra cosa.",
        title="Traduciendo el reglamento",
    )
    terms = term_counts(thread)
    assert "tablero" in terms and "mapa" in terms
    for stop in ("el", "de", "en", "la", "los", "se", "del", "para", "porque", "es", "y"):
        assert stop not in terms, stop


def test_issue_16_japanese_is_not_cut_into_character_pairs() -> None:
    terms = term_counts(_thread("木漏れ日 is the word for sunlight through leaves; 木漏れ日 has no English word."))
    assert not [t for t in terms if any("\u3040" <= ch <= "\u9fff" for ch in t)]
    assert "sunlight" in terms


SITE = {
    f"content/t{i}.md": f"---\ntitle: {title}\ntags: [{tag}]\n---\n\n{body}\n"
    for i, (title, tag, body) in enumerate(
        [
            ("Sourdough starter smells", "baking", "The sourdough starter smells of acetone after a week."),
            ("Rye starter", "baking", "A rye starter ferments faster than wheat, and rye flour feeds it well."),
            ("Bread flour", "baking", "Strong bread flour gives sourdough an open crumb and a high rise."),
            ("Spoke tension", "bikes", "Spoke tension meters make wheel truing easy on a road bike wheel."),
            ("Tubeless sealant", "bikes", "Tubeless sealant dries out in summer; top the sealant up every month."),
        ]
    )
}


def test_issue_16_one_keyword_answer_for_the_page_show_and_suggest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site = make_project(tmp_path / "site", SITE, config='title = "T"\nauto_tags = 2\n')
    config = load_config(site)
    suggestions = suggested_tags(parse_and_enrich(config, Report()), 2)  # as `digest tags --suggest`
    built = parse_and_enrich(config, Report())
    enrich_site(built, config)  # as the pages
    items = {item.thread.path: item for item in built}
    for path, item in items.items():
        assert main(["show", str(site / path), "--site", str(site)]) == 0
        shown = json.loads(capsys.readouterr().out)["enrichment"]
        assert shown["keywords"] == item.keywords
        assert shown["suggested_tags"] == item.auto_tags == suggestions[path]
