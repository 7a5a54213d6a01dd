"""Summaries and key points: site_src/enrich/summaries.py, on threads whose right answer is known."""

from __future__ import annotations

import time

from site_src.enrich.summaries import summarize
from site_src.enrich.text import markdown_to_plain
from site_src.model import Comment, Thread


def _thread(*bodies: str, title: str = "Which bread flour?", **kwargs: object) -> Thread:
    return Thread(
        title=title,
        path="t.md",
        comments=[Comment(body=b, id=f"c{i}", author=f"u{i}") for i, b in enumerate(bodies, 1)],
        **kwargs,  # type: ignore[arg-type]
    )


CONSENSUS = _thread(
    "I think high protein flour makes the best sourdough loaf. My kids like it.",
    "High protein flour gives sourdough a better open crumb. I bake every Sunday.",
    "Agreed, the sourdough crumb improves a lot with high protein flour. The oven matters less.",
    "For sourdough I always buy high protein flour, the loaf rises higher. Price is similar.",
    "My cat knocked the jar over yesterday and the kitchen is a mess now.",
    "Rye adds flavour to a starter but makes the dough sticky to handle.",
)


def test_the_point_most_comments_agree_on_is_in_the_summary() -> None:
    summary = summarize(CONSENSUS)
    assert summary.automatic
    assert "high protein flour" in summary.text.lower()
    assert "cat" not in summary.text.lower()
    assert 1 <= len(summary.sentences) <= 3


def test_summary_sentences_are_whole_sentences_of_their_source() -> None:
    summary = summarize(CONSENSUS)
    bodies = {c.id: markdown_to_plain(c.body).text for c in CONSENSUS.comments}
    for ref in summary.sentences:
        assert ref.text in bodies[ref.source]
        assert ref.text[-1] in ".!?…"
    assert summary.text == " ".join(r.text for r in summary.sentences)


def test_near_duplicate_comments_give_one_key_point() -> None:
    thread = _thread(
        "The ferry timetable changed in May and the early boat now leaves at six.",
        "The ferry timetable changed in May, and the early boat now leaves at six!",
        "Parking at the harbour costs more than the ticket, which nobody mentions.",
        "Cyclists board first because the bike deck fills up quickly on weekends.",
        "The café on board closed after the crew shortage last winter.",
        title="Ferry timetable",
    )
    summary = summarize(thread)
    ids = [k.comment_id for k in summary.key_points]
    assert not {"c1", "c2"} <= set(ids)
    # each comment is one sentence: those the summary shows are not quoted again, the others are
    shown = {ref.source for ref in summary.sentences}
    assert not shown & set(ids)
    assert len(shown | set(ids)) >= 4


def test_a_comment_that_is_mostly_a_url_or_a_quote_is_not_a_key_point() -> None:
    thread = _thread(
        "Loose spokes make the wheel wobble; tension them evenly with a spoke key.",
        "See https://example.org/very/long/path/to/a/wheel/truing/guide/with/many/parts?and=query wheel",
        "> Loose spokes make the wheel wobble, tension them evenly with a spoke key and true the rim.\n\nYes.",
        "A worn rim brake track also makes the wheel feel out of true when braking.",
        "Check the hub bearings before blaming the spokes for a wobbling wheel.",
        "Spoke tension meters are cheap now and take the guesswork out of truing a wheel.",
        title="Wobbly wheel",
    )
    summary = summarize(thread)
    ids = {k.comment_id for k in summary.key_points}
    assert "c2" not in ids
    assert "c3" not in ids
    assert len(ids | {ref.source for ref in summary.sentences}) >= 4  # the summary's comments are not quoted twice


def test_key_point_quotes_are_short_and_whole() -> None:
    long_body = " ".join(f"Sentence number {i} talks about the harbour ferry timetable again." for i in range(30))
    thread = _thread(long_body, *CONSENSUS_BODIES)
    for point in summarize(thread).key_points:
        assert len(point.quote) <= 205
        assert point.quote
        assert point.author is not None


CONSENSUS_BODIES = [c.body for c in CONSENSUS.comments]


def test_hand_written_summary_wins_but_key_points_are_computed() -> None:
    thread = _thread(*CONSENSUS_BODIES, summary="People *agree* on strong flour.")
    summary = summarize(thread)
    assert summary.text == "People agree on strong flour."
    assert not summary.automatic
    assert summary.sentences == ()
    assert len(summary.key_points) >= 3


def test_empty_thread_gives_an_empty_summary() -> None:
    summary = summarize(Thread(title="Nothing here", path="e.md"))
    assert summary.text == ""
    assert summary.sentences == ()
    assert summary.key_points == ()


def test_scores_weight_the_choice() -> None:
    low = _thread(
        "Pruning apple trees in late winter keeps them healthy and productive.",
        "Summer pruning of apple trees slows growth and helps the fruit ripen.",
        "Tomatoes like warm soil and full sun.",
        title="When to prune",
    )
    for comment, score in zip(low.comments, (1, 500, 2), strict=True):
        comment.score = score
    summary = summarize(low, sentences=1)
    assert [ref.source for ref in summary.sentences] == ["c2"]


def test_same_input_same_output() -> None:
    assert summarize(CONSENSUS) == summarize(CONSENSUS)


def test_other_languages_give_a_result_not_an_error() -> None:
    thread = _thread(
        "中国不会停止芬太尼贸易。这是需求问题！", "Москва — столица России. Это большой город.", "Ja. Nein. Vielleicht."
    )
    summary = summarize(thread)
    assert isinstance(summary.text, str)


def test_a_10000_deep_reply_chain_does_not_recurse() -> None:
    root = Comment(body="Start of the chain about kettles and stoves.", id="c0")
    node = root
    for i in range(1, 10_000):
        child = Comment(body=f"Reply {i} about kettles, stoves and tea.", id=f"c{i}")
        node.replies.append(child)
        node = child
    summary = summarize(Thread(title="Deep", path="d.md", comments=[root]))
    assert summary.key_points


def test_5000_comments_stay_fast() -> None:
    bodies = [
        f"Comment {i} says the {('ferry', 'bridge', 'tunnel')[i % 3]} plan costs {i} pounds more." for i in range(5000)
    ]
    start = time.perf_counter()
    summary = summarize(_thread(*bodies, title="Crossing plan"))
    assert time.perf_counter() - start < 10
    assert summary.sentences


def test_seed_summary_names_the_discussion(seed_thread: Thread) -> None:
    summary = summarize(seed_thread)
    text = summary.text.lower()
    assert "chemical" in text or "precursor" in text
    assert any(word in text for word in ("leverage", "bargaining", "geopolitical", "diplomacy"))
    assert any(word in text for word in ("demand", "supply"))


def test_seed_key_points_include_both_sides(seed_thread: Thread) -> None:
    summary = summarize(seed_thread)
    points = summary.key_points
    shown = " ".join([summary.text.lower()] + [k.quote.lower() for k in points])
    assert 3 <= len(points) <= 5
    assert "c1" not in {k.comment_id for k in points}  # the article quoted whole
    # China holds fentanyl as leverage, a diplomacy problem; the demand is the real problem
    assert any(word in shown for word in ("bargaining chip", "leverage", "diplomacy"))
    assert "demand" in shown
    assert not {ref.text for ref in summary.sentences} & {s for k in points for s in k.quote.split(" … ")}


def test_analyse_equals_the_three_separate_calls() -> None:
    from site_src.enrich.keywords import term_counts
    from site_src.enrich.stats import thread_stats
    from site_src.enrich.summaries import analyse

    thread = _thread(*CONSENSUS_BODIES, "> quoted [link](https://example.org/x) text\n\nSee https://example.org/y")
    assert analyse(thread, sentences=2) == (summarize(thread, sentences=2), term_counts(thread), thread_stats(thread))


def test_summary_sentences_carry_no_half_brackets() -> None:
    from site_src.enrich.summaries import balanced

    assert balanced("(In English: it is the whole scene.") == "In English: it is the whole scene."
    assert balanced("So I think dappled is closer.)") == "So I think dappled is closer."
    assert balanced("(A whole aside.)") == "(A whole aside.)"
    assert balanced("\u201cQuoted start of a longer quote.") == "Quoted start of a longer quote."
    assert balanced("Plain sentence (with an aside).") == "Plain sentence (with an aside)."
