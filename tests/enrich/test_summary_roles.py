"""Structure in summaries (issue 16): a question is paired with its best answer, key points carry their role,
and the comment most replied to is never left out."""

from __future__ import annotations

from pathlib import Path

import pytest

from site_src.config import load_config
from site_src.enrich.summaries import summarize
from site_src.model import Comment, Thread
from site_src.pipeline import build

QUESTION = "How long should a sourdough starter ferment before the first bake at home?"


def _asking(*answers: Comment, body: str = "") -> Thread:
    return Thread(
        title="Starter timing for sourdough",
        path="q.md",
        author="asker",
        body=body or f"I made a rye and wheat sourdough starter last weekend. {QUESTION}",
        comments=list(answers),
    )


def _answer(cid: str, author: str, body: str, score: int | None = None, **extra: object) -> Comment:
    return Comment(id=cid, author=author, body=body, score=score, extra=dict(extra))


ACCEPTED = "A sourdough starter needs about seven days of daily feeding before it can raise a loaf reliably."
POPULAR = "Warm kitchens make the sourdough starter ferment faster, so check the rise rather than the calendar."


def test_the_posts_question_is_followed_by_the_accepted_answer() -> None:
    thread = _asking(
        _answer("a1", "baker", POPULAR + " Flour brand matters less than people think.", score=9),
        _answer("a2", "miller", ACCEPTED + " Discard half at each feeding.", score=2, accepted=True),
        _answer("a3", "cook", "I never bake sourdough myself, but my neighbour sells a nice rye loaf.", score=1),
    )
    summary = summarize(thread)
    texts = [s.text for s in summary.sentences]
    assert QUESTION in texts, texts
    at = texts.index(QUESTION)
    assert summary.sentences[at + 1].source == "a2", texts
    assert summary.sentences[at + 1].text == ACCEPTED


def test_without_an_accepted_answer_the_one_the_asker_confirmed_wins_over_a_higher_score() -> None:
    thread = _asking(
        _answer("a1", "baker", POPULAR + " Flour brand matters less than people think.", score=9),
        _answer("a2", "miller", ACCEPTED + " Discard half at each feeding.", score=2),
    )
    thread.comments[1].replies.append(_answer("r1", "asker", "Thanks, that worked: my first loaf rose well."))
    summary = summarize(thread)
    texts = [s.text for s in summary.sentences]
    at = texts.index(QUESTION)
    assert summary.sentences[at + 1].source == "a2", texts


def test_a_question_under_a_title_that_asks_is_answered_by_the_top_scored_reply() -> None:
    thread = _asking(
        _answer("a1", "baker", "Sourdough starters are fun. " + POPULAR, score=1),
        _answer("a2", "miller", ACCEPTED + " Discard half at each feeding.", score=12),
    )
    summary = summarize(thread)
    texts = [s.text for s in summary.sentences]
    at = texts.index(QUESTION)
    assert summary.sentences[at + 1].source == "a2", texts


ASKED = "Why does a rye sourdough starter ferment faster than a wheat sourdough starter?"


def _rye(*replies: Comment) -> Thread:
    comments = [
        Comment(id="c1", author="ana", body=ASKED, replies=list(replies)),
        Comment(id="c2", author="dan", body="My rye sourdough starter doubled overnight in a warm kitchen."),
        Comment(id="c3", author="eve", body="A wheat sourdough starter took a week to get going for me."),
        Comment(id="c4", author="fay", body="Feeding the sourdough starter twice a day helps it ferment."),
        Comment(id="c5", author="gus", body="Starter smells sour when it ferments well, which is normal."),
    ]
    return Thread(title="Rye or wheat sourdough starter", path="r.md", comments=comments)


def test_a_comments_question_is_never_shown_without_its_answer() -> None:
    unanswered = [s.text for s in summarize(_rye()).sentences]
    assert ASKED not in unanswered, unanswered
    reply = "Rye flour carries more wild yeast, so a rye sourdough starter ferments faster than wheat."
    answered = summarize(_rye(Comment(id="r1", author="hal", body=reply))).sentences
    texts = [s.text for s in answered]
    assert reply in texts, texts  # the answer is what the thread learnt
    if ASKED in texts:
        assert texts[texts.index(ASKED) + 1] == reply, texts


def _discussion() -> Thread:
    """A post, a hub comment answered by three people, one of whom is answered in turn, and the post's author."""
    hub = _answer(
        "h1",
        "hubby",
        "Is it awfully hard? Yes. Do users care? No. Fast cedar beds rot slower than pine beds in wet soil. "
        "Oak sleepers are another choice for raised beds, heavy but nearly everlasting.",
    )
    for n, who in enumerate(("x1", "x2", "x3"), 1):
        hub.replies.append(_answer(f"h1r{n}", who, f"Pine beds treated with linseed oil last {n + 4} years here."))
    hub.replies[0].replies.append(_answer("deep", "<b>x9</b>", "Linseed oil on pine beds needs a yearly coat, though."))
    return Thread(
        title="Cedar or pine raised beds",
        path="b.md",
        author="gardener",
        body="Cedar raised beds cost twice as much as pine raised beds. Which wood lasts longer in wet soil?",
        comments=[
            hub,
            _answer("p2", "gardener", "Thanks all, I will build the raised beds from cedar after all."),
            _answer(
                "o1", "olive", "Cedar beds in my garden lasted twelve years without any treatment at all.", score=5
            ),
            _answer("o2", "pete", "Pine beds lined with plastic sheeting rot much slower than bare pine beds."),
        ],
    )


def test_key_points_carry_their_role() -> None:
    thread = _discussion()
    thread.comments[0].replies[0].author = None  # the parent of "deep"
    roles = {k.comment_id: k.role for k in summarize(thread).key_points}
    assert roles.get("h1") == "Most replied", roles
    assert roles.get("p2", "Original poster") == "Original poster"
    assert all(roles[c] == "Reply to hubby" for c in roles if c.startswith("h1r")), roles
    assert roles.get("o1", "Answer") == "Answer"  # the top-scored answer to a post that asks
    assert roles.get("o2", "") == ""  # top-level, no other role
    if "deep" in roles:
        assert roles["deep"] == "Reply to #2"  # the parent's number in reading order, no author recorded
    long = (
        f"{ACCEPTED} Discard half of the sourdough starter at each feeding. Keep the starter jar loosely covered. "
        "Rye flour feeds a sourdough starter faster than white flour does."
    )
    accepted = _asking(_answer("a1", "baker", POPULAR, score=9), _answer("a2", "miller", long, accepted=True))
    assert {k.comment_id: k.role for k in summarize(accepted).key_points}["a2"] == "Accepted answer"


def test_the_most_replied_comment_is_a_key_point_even_when_most_of_it_is_short_questions() -> None:
    points = summarize(_discussion()).key_points
    assert "h1" in [k.comment_id for k in points]


@pytest.mark.parametrize("theme", ["default", "broadsheet"])
def test_key_point_roles_are_shown_escaped_in_both_themes(tmp_path: Path, theme: str) -> None:
    (tmp_path / "content").mkdir()
    body = (
        "---\ntitle: Cedar or pine raised beds\nauthor: gardener\n---\n\n"
        "Cedar raised beds cost twice as much as pine raised beds. Which wood lasts longer in wet soil?\n\n"
        "--- comment id=h1 author=<i>hub</i>\n"
        "Cedar beds rot slower than pine beds in wet soil, and cedar raised beds need no oil at all.\n\n"
        "--- comment id=r1 parent=h1 author=x1\nPine beds treated with linseed oil last five years here, then rot.\n\n"
        "--- comment id=r2 parent=h1 author=x2\nPine raised beds lined with plastic rot much slower in wet soil.\n\n"
        "--- comment id=r3 parent=h1 author=x3\nLinseed oil on pine raised beds needs a yearly coat, sadly.\n"
    )
    (tmp_path / "content" / "beds.md").write_text(body, encoding="utf-8")
    (tmp_path / "site.toml").write_text(
        f'title = "T"\nbase_url = "https://example.org/"\ntheme = "{theme}"\n', encoding="utf-8"
    )
    result = build(load_config(tmp_path, {}), write=False)
    assert not result.report.errors, result.report
    page = next(data.decode() for name, data in result.files.items() if name.endswith("beds/index.html"))
    assert '<span class="key-point-role">Reply to &lt;i&gt;hub&lt;/i&gt;</span>' in page
    assert "<i>hub</i>" not in page


def test_a_link_post_without_a_body_opens_the_summary_with_the_first_comment() -> None:
    """What the thread is about: the first comment opens the discussion, even when others score higher."""
    opening = "Sourdough starters made from rye flour ferment faster than those made from wheat flour."
    thread = Thread(
        title="Rye starters",
        path="link.md",
        author="poster",
        body="",
        comments=[
            _answer("c1", "ana", opening + " Mine doubled overnight in a warm kitchen.", score=2),
            _answer("c2", "bo", "Feeding daily with warm water made my starter bubbly within a few days.", score=40),
            _answer(
                "c3", "cy", "Warm water and daily feeding made my starter bubbly and strong in a few days.", score=40
            ),
            _answer(
                "c4", "di", "Daily feeding with warm water is what made my starter bubbly, in a few days.", score=40
            ),
            _answer("c5", "ed", "A few days of warm water and daily feeding, and my starter was bubbly too.", score=40),
            _answer("c6", "fa", "Bubbly in a few days here as well, with warm water at every daily feeding.", score=40),
        ],
    )
    summary = summarize(thread)
    assert summary.sentences[0].text == opening, [s.text for s in summary.sentences]


def test_a_post_of_a_link_and_a_line_leaves_the_opening_to_the_first_comments() -> None:
    """A post with no sentence fit to stand alone (a link and "All in favor of Metal") is a link post: the first
    comment opens the summary, even in a long thread where other comments are more central (it was not even split
    into sentences)."""
    opening = "Apple will likely remove OpenGL from iOS first, so the engine could stop shipping on iPhones next year."
    central = [
        "The renderer could use Vulkan through a translation layer and keep the current shaders.",
        "A Vulkan renderer would need new shaders and a lot of testing on every platform we support.",
        "Vulkan drivers on Android are still buggy, so the renderer would need a fallback path.",
        "The renderer code is old, and a Vulkan backend would be a good reason to clean it up.",
        "Shaders written for the current renderer would have to be converted for Vulkan anyway.",
        "Testing a Vulkan renderer on every platform is the hard part, more than writing it.",
        "Most of the renderer could stay as it is if Vulkan sits behind the same interface.",
        "A Vulkan backend in the renderer would help Android too, where drivers are getting better.",
        "The shaders are the biggest piece of work for any new renderer, Vulkan or not.",
        "I would start the Vulkan renderer with the samples and grow it from there.",
        "Converting the shaders automatically for a Vulkan renderer is possible with existing tools.",
        "The interface of the renderer is already close to what a Vulkan backend expects.",
        "Nobody works full time on the renderer, so a Vulkan backend will take a while.",
        "A Vulkan renderer could share most of its code with the current one.",
    ]
    thread = Thread(
        title="Apple deprecates OpenGL",
        path="link.md",
        author="poster",
        body="All in favor of Metal\n<https://developer.apple.com/macos/whats-new/>",
        comments=[_answer("c1", "bo", "That was expected. " + opening), _answer("c2", "ana", "Sucks. xD")]
        + [_answer(f"d{n}", f"user{n}", text) for n, text in enumerate(central)],
    )
    summary = summarize(thread)
    assert summary.sentences[0].text == opening, [s.text for s in summary.sentences]
