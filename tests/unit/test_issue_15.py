"""Issue 15, the reader's view, below the browser: month-precision dates, numbered comments in threads without
authors, what the source said about a comment, small branches kept inline, time spans robust to strays, charts
that say their scale and count with correct plurals."""

from __future__ import annotations

import itertools
import pickle
import re
from datetime import UTC, date, datetime, timedelta

from site_src.config import SiteConfig
from site_src.context import _comment_view, comment_pages, date_text, thread_view
from site_src.enrich import EnrichedThread, enrich_thread
from site_src.enrich.charts import TEXT_PX, activity_svg, bar_chart_svg, column_chart_svg
from site_src.enrich.stats import thread_stats
from site_src.model import Comment, MonthDate, Thread
from site_src.readers import parse_text
from site_src.readers.fields import date_from_url, parse_moment
from site_src.thread_files import format_json, format_moment

PASTED = """A pasted digest

https://news.example.org/2025/07/some-story/

Posted by poster

3 comments
  1. First.

  2. Like #1 said.

  3. Third.
"""


def enrich(thread: Thread) -> EnrichedThread:
    return enrich_thread(thread, SiteConfig.for_tests())


def test_issue_15_a_month_in_the_url_is_a_month_not_the_first_day() -> None:
    thread = parse_text("content/p.txt", PASTED)
    assert type(thread.date) is MonthDate and thread.date == date(2025, 7, 1)  # sorts as the month's start
    assert format_moment(thread.date) == "2025-07"
    assert date_text(thread.date) == "July 2025"
    assert type(date_from_url("https://x.org/2025/07/03/story")) is date


def test_issue_15_a_month_round_trips_through_thread_files_and_pickles() -> None:
    month = parse_moment("2025-07", "content/t.md", 3)
    assert month == MonthDate.of(2025, 7) and type(month) is MonthDate
    assert type(pickle.loads(pickle.dumps(month))) is MonthDate
    thread = Thread(title="T", path="content/t.json", date=month)
    again = parse_text("content/t.json", format_json(thread))
    assert type(again.date) is MonthDate and again.date == month
    md = parse_text("content/t.md", "---\ntitle: T\ndate: 2025-07\n---\nBody.\n")
    assert type(md.date) is MonthDate


def test_issue_15_comments_without_authors_are_numbered_and_say_so() -> None:
    item = enrich(parse_text("content/p.txt", PASTED))
    pages = comment_pages(item, 8)
    roots = pages[0].roots
    assert [(c.number, c.author_name, c.label) for c in roots] == [
        (1, "", "comment #1"),
        (2, "", "comment #2"),
        (3, "", "comment #3"),
    ]
    assert (roots[0].prev_anchor, roots[0].next_anchor) == ("", roots[1].anchor)
    assert (roots[2].prev_anchor, roots[2].next_anchor) == (roots[1].anchor, "")
    view = thread_view(item)
    assert view.comments_text == "3 comments, authors not recorded"
    assert view.participants == 0  # not 1: the poster is not "the people in the comments"
    assert view.glance is not None and view.glance.figures == 0
    assert all(k.label.startswith("comment #") for k in view.key_points)


def test_issue_15_what_the_source_said_about_a_comment_is_kept() -> None:
    def view(**extra: object) -> tuple[str, tuple[tuple[str, str], ...], bool]:
        c = _comment_view(Comment("x", "c1", None, extra=dict(extra)), 1, "op", 4, recorded=True)
        return c.author_name, c.states, c.gone

    assert view(deleted=True, author_deleted=True) == ("deleted account", (("deleted", "deleted"),), True)
    assert view(removed=True) == ("unknown", (("removed", "removed by a moderator"),), True)
    assert view(dead=True)[1:] == ((("dead", "dead"),), True)
    assert view(hidden=True)[1:] == ((("hidden", "hidden by the community"),), True)
    assert view(missing_parent="c0")[1:] == ((("orphan", "reply to a comment not in this archive"),), False)
    op = _comment_view(Comment("x", "c2", "op"), 1, "op", 5)
    assert op.is_op and op.label == "op"


def _chain(depth: int) -> Thread:
    comments = [Comment(f"level {k}", f"c{k}", "a") for k in range(1, depth + 1)]
    for parent, child in itertools.pairwise(comments):
        parent.replies.append(child)
    return Thread(title="T", path="content/t.md", comments=[comments[0]])


def test_issue_15_a_branch_too_small_for_a_page_stays_inline() -> None:
    assert [p.path for p in comment_pages(enrich(_chain(5)), 3)] == ["/t/t/"]  # 2 below the fold: inline
    pages = comment_pages(enrich(_chain(6)), 3)  # 3 below the fold: a page of their own
    assert [p.path for p in pages] == ["/t/t/", "/t/t/c/c3/"]
    assert [c.number for c in pages[1].roots] == [4]


def _ama() -> Thread:
    start = datetime(2025, 5, 1, 18, 0, tzinfo=UTC)
    comments = [Comment(f"q{n}", f"q{n}", f"r{n}", start + timedelta(minutes=2 * n)) for n in range(1, 15)]
    comments += [
        Comment("late", "l1", "x", datetime(2025, 11, 20, tzinfo=UTC)),
        Comment("late", "l2", "y", datetime(2025, 12, 2, tzinfo=UTC)),
    ]
    return Thread(title="AMA", path="content/a.md", date=start, comments=comments)


def test_issue_15_stray_comments_do_not_set_the_span_or_the_chart() -> None:
    stats = thread_stats(_ama())
    assert stats.span is not None and stats.span > timedelta(days=200)
    assert stats.core_span == timedelta(minutes=26)
    assert stats.activity_outside == 2
    assert stats.activity_unit == "minute" and sum(b.count for b in stats.activity) == 14
    view = thread_view(enrich(_ama()))
    assert view.glance is not None
    assert (view.glance.core_span_text, view.glance.span_text) == ("26 minutes", "7 months")
    assert view.glance.activity_note == "2 comments far from the rest are not shown."


def test_issue_15_no_strays_no_core_span_shown() -> None:
    even = Thread(
        title="T",
        path="content/t.md",
        comments=[Comment("x", f"c{k}", "a", datetime(2025, 1, 1 + k, tzinfo=UTC)) for k in range(10)],
    )
    stats = thread_stats(even)
    assert stats.activity_outside == 0 and stats.core_span == stats.span
    view = thread_view(enrich(even))
    assert view.glance is not None and view.glance.core_span_text == ""


def test_issue_15_charts_have_scale_counts_plurals_and_page_sized_text() -> None:
    few = column_chart_svg([("2025-06", 1), ("2025-07", 3)], "Threads per month", unit="threads", per="a month")
    assert "Jun 2025: 1 thread<" in few and "Jul 2025: 3 threads<" in few  # tooltips
    assert ">3</text>" in few and ">1</text>" in few  # counts on the bars
    assert "viewBox" not in few and 'width="100%"' in few  # drawn at the page's width: text is not scaled
    assert set(re.findall(r'font-size="(\d+)"', few)) == {str(TEXT_PX)} and TEXT_PX >= 11
    many = column_chart_svg([(f"{2020 + m // 12}-{m % 12 + 1:02d}", m % 3) for m in range(40)], "T", unit="threads")
    assert ">2 threads</text>" in many  # a scale line at the top count instead of 40 labels
    assert ">2021</text>" in many and ">2022</text>" in many  # years along a long monthly axis
    bars = bar_chart_svg([("gardening", 1), ("bikes", 4)], "Busiest tags", unit="threads")
    assert "gardening: 1 thread<" in bars and "bikes: 4 threads<" in bars
    assert "1 comments" not in activity_svg(thread_stats(_ama()).activity, unit="minute")
    replies = column_chart_svg([("a", 1)], "T", unit="replies")
    assert "a: 1 reply<" in replies
