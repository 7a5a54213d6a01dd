"""A score is shown where scores say something: a forum thread whose every comment has score 0 (a like count
where nobody liked anything: 2,964 of the 4,615 scored threads of the Urho3D archive) shows no "0 points" on
each comment, no "· 0 points" after a key point and no "Top score" of 0."""

from __future__ import annotations

from site_src.config import SiteConfig
from site_src.context import comment_pages, thread_view
from site_src.enrich import enrich_thread
from site_src.model import Comment, Thread


def _thread(*scores: int | None) -> Thread:
    comments = [
        Comment(f"Comment {n} says something useful about the engine and its build.", f"c{n}", f"user{n}", score=s)
        for n, s in enumerate(scores, 1)
    ]
    comments[0].replies.append(Comment("A reply that agrees with the first comment.", "r1", "op", score=scores[0]))
    return Thread(title="T", path="content/t.md", author="op", body="How do I build it?", comments=comments)


def _shown(*scores: int | None) -> tuple[list[str], list[int | None], int]:
    item = enrich_thread(_thread(*scores), SiteConfig.for_tests())
    views = [v for page in comment_pages(item, 8) for root in page.roots for v in (root, *root.replies)]
    view = thread_view(item)
    assert view.glance is not None
    top = view.glance.top_score if view.glance.top_scored else -99
    return [v.score_text for v in views], [k.score for k in view.key_points], top


def test_all_zero_scores_are_not_shown() -> None:
    texts, key_point_scores, top = _shown(0, 0, 0)
    assert texts == ["", "", "", ""]
    assert set(key_point_scores) <= {None}
    assert top == -99


def test_one_score_makes_every_score_worth_showing() -> None:
    texts, key_point_scores, top = _shown(0, 3, 0)
    assert texts == ["0 points", "0 points", "3 points", "0 points"]
    assert top == 3
    assert key_point_scores and None not in key_point_scores


def test_a_downvote_alone_is_a_score_too() -> None:
    assert _shown(0, -2, None)[0] == ["0 points", "0 points", "-2 points", ""]
