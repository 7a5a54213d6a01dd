"""At-a-glance stats and SVG charts: site_src/enrich/stats.py, charts.py."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, timedelta

from site_src.enrich.charts import activity_svg, bar_chart_svg
from site_src.enrich.stats import activity_buckets, site_stats, thread_stats
from site_src.model import Comment, Thread

SVG = "{http://www.w3.org/2000/svg}"
T0 = datetime(2025, 7, 10, 14, 0, tzinfo=UTC)


def _tree() -> Thread:
    c3 = Comment(body="c", id="c3", author="ann", date=T0 + timedelta(hours=5), score=7)
    c2 = Comment(body="b", id="c2", author="bob", date=T0 + timedelta(hours=1), score=2, replies=[c3])
    c4 = Comment(body="d", id="c4", author="bob", score=-1)
    c1 = Comment(body="a", id="c1", author="ann", date=date(2025, 7, 10), score=7, replies=[c2, c4])
    return Thread(title="t", path="t.md", author="op", date=date(2025, 7, 9), comments=[c1])


def test_thread_stats_counts_everything() -> None:
    stats = thread_stats(_tree())
    assert (stats.comments, stats.participants, stats.max_depth) == (4, 3, 3)
    assert stats.most_replied == ("c1", 2)
    assert stats.top_scored == ("c1", 7)  # ties go to the first in reading order
    assert stats.first_date == datetime(2025, 7, 9, tzinfo=UTC)
    assert stats.last_date == T0 + timedelta(hours=5)
    assert stats.activity_unit == "hour"
    assert sum(b.count for b in stats.activity) == 3


def test_undated_unscored_anonymous_thread() -> None:
    stats = thread_stats(Thread(title="t", path="t.md", comments=[Comment(body="x", id="c1")]))
    assert stats.participants is None
    assert stats.top_scored is None and stats.most_replied is None
    assert stats.span is None and stats.activity == ()


def test_buckets_scale_to_days_and_months() -> None:
    assert activity_buckets([T0, T0 + timedelta(days=20)])[0] == "day"
    unit, buckets = activity_buckets([T0, T0 + timedelta(days=400)])
    assert unit == "month" and len(buckets) == 14 and buckets[0].label == "2025-07"


def test_site_stats_fills_empty_months_and_ranks_tags() -> None:
    threads = [
        Thread(title="a", path="a", date=date(2025, 1, 5), tags=["x", "y"]),
        Thread(title="b", path="b", date=date(2025, 3, 5), tags=["y"]),
        Thread(title="c", path="c", tags=["z"]),
    ]
    stats = site_stats(threads)
    assert stats.per_month == (("2025-01", 1), ("2025-02", 0), ("2025-03", 1))
    assert stats.busiest_tags == (("y", 2), ("x", 1), ("z", 1))
    assert stats.undated == 1


def test_charts_are_valid_accessible_escaped_svg() -> None:
    for svg in (
        activity_svg(thread_stats(_tree()).activity),
        bar_chart_svg([("<script>", 3), ("a & b", 10), ("", 0)], 'Busiest "tags"'),
    ):
        root = ET.fromstring(svg)
        assert root.tag == SVG + "svg"
        assert root.get("role") == "img" and root.get("aria-label")
        assert root.find(SVG + "title") is not None
        assert "<script" not in svg and "style=" not in svg
        assert "currentColor" in svg
    assert activity_svg(()) == ""


def test_charts_are_deterministic() -> None:
    data = [("2025-01", 3), ("2025-02", 1)]
    assert bar_chart_svg(data, "Threads per month") == bar_chart_svg(list(data), "Threads per month")


def test_chart_escaping_is_the_standard_librarys() -> None:
    from xml.sax.saxutils import escape as sax_escape
    from xml.sax.saxutils import quoteattr as sax_quoteattr

    from site_src.enrich.charts import escape, quoteattr

    for text in ["", "plain", "a<b>&c;", 'say "hi"', "it's", "both \" and ' \n\t\r", "&amp; &#10;", "<\"'>"]:
        assert escape(text) == sax_escape(text)
        assert quoteattr(text) == sax_quoteattr(text)


def test_bucket_labels_are_strftime_labels() -> None:
    """Bucket labels are formatted without `strftime` (quicker), and read exactly as it writes them."""
    from site_src.enrich.stats import _FORMATS, _label

    moments = [
        datetime(y, m, d, h, mi, tzinfo=UTC)
        for y, m, d, h, mi in [
            (2025, 7, 9, 4, 5),
            (1999, 12, 31, 23, 59),
            (1000, 1, 1, 0, 0),
            (9999, 12, 31, 23, 59),
            (2024, 2, 29, 12, 30),
            (999, 3, 4, 5, 6),
            (1, 1, 1, 0, 0),
        ]
    ]
    for moment in moments:
        for unit, pattern in _FORMATS.items():
            assert _label(moment, unit) == moment.strftime(pattern), (moment, unit)


def test_empty_buckets_are_drawn_as_empty_bars() -> None:
    """A month without comments between two busy ones is a bar of height 0 at the baseline, with its tooltip."""
    dates = [datetime(2024, 1, 5, tzinfo=UTC), datetime(2024, 3, 5, tzinfo=UTC)] * 3 + [
        datetime(2025, 9, 1, tzinfo=UTC)
    ]
    unit, buckets = activity_buckets(dates)
    svg = activity_svg(buckets, unit=unit)
    bars = ET.fromstring(svg).findall(f"{SVG}rect")
    assert len(bars) == len(buckets)
    empty = [bar for bar, bucket in zip(bars, buckets, strict=True) if bucket.count == 0]
    assert empty and all(bar.get("height") == "0" for bar in empty)
    assert len({bar.get("y") for bar in empty}) == 1
    assert all(bar.findtext(f"{SVG}title", "").endswith(": 0 comments") for bar in empty)


def test_years_under_a_long_axis_are_spaced_for_the_width() -> None:
    """250 months: on a phone-wide chart every 5th year (2010, 2015, 2020); a desktop-wide one has room for no
    more (every 2nd year would not hold every 5th); 120 months: every 2nd year, and on a desktop every year,
    marked `chart-label-wide` for themes to hide on small screens."""
    from site_src.enrich.charts import column_chart_svg

    def years(count: int) -> dict[str | None, str | None]:
        months = [(f"{2005 + (m + 5) // 12}-{(m + 5) % 12 + 1:02d}", m % 7) for m in range(count)]
        root = ET.fromstring(column_chart_svg(months, "Threads per month", unit="threads"))
        return {
            t.text: t.get("class")
            for t in root.iter("{http://www.w3.org/2000/svg}text")
            if t.text and t.text.isdigit() and len(t.text) == 4
        }

    assert years(250) == {"2010": "chart-label", "2015": "chart-label", "2020": "chart-label"}
    wide = "chart-label chart-label-wide"
    narrow = "chart-label"
    assert years(120) == {"2008": narrow, "2009": wide, "2010": narrow, "2011": wide, "2012": narrow, "2013": wide}
