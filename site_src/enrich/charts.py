"""Small SVG charts drawn at build time: no script, no external library at view time.

What goes in: labels and counts. What comes out: a string of SVG markup to place
inline in a page (the caller marks it safe: every piece of text in it is XML-escaped
here). Charts are accessible (`role="img"`, `<title>`, `aria-label`), take their colour
from `currentColor` and the CSS classes `chart`, `chart-bar`, `chart-axis`,
`chart-label` so light and dark themes both work, and format every number the same
way on every machine.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from html import escape as _html_escape

from .stats import Bucket


def escape(text: str) -> str:
    """XML text: `&`, `<` and `>` escaped (as `xml.sax.saxutils.escape`, whose module imports `urllib.request`
    and with it `http`, `ssl` and `email`: a tenth of the start-up of a rebuild)."""
    return _html_escape(text, quote=False)


def quoteattr(text: str) -> str:
    """An XML attribute value with its quotes, as `xml.sax.saxutils.quoteattr`."""
    text = escape(text).replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")
    if '"' not in text:
        return f'"{text}"'
    if "'" not in text:
        return f"'{text}'"
    return '"{}"'.format(text.replace('"', "&quot;"))


__all__ = ["activity_svg", "bar_chart_svg", "column_chart_svg"]


def _num(value: float) -> str:
    """Fixed, locale-free formatting: at most two decimals, no trailing zeros."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _count(value: int) -> str:
    return f"{value:,}"


def _counted(value: int, unit: str) -> str:
    """`1 thread`, `4 threads`: `unit` is the plural noun (`threads`, `comments`, `replies`), "" for none."""
    if not unit:
        return _count(value)
    if value == 1:
        unit = unit[:-3] + "y" if unit.endswith("ies") else unit.removesuffix("s")
    return f"{_count(value)} {unit}"


TEXT_PX = 12
"""Size of every label, in CSS pixels: the charts are drawn at the width of the page (percentages across, pixels
down, no `viewBox`), so a label is this size on a phone and on a desktop alike."""
YEAR_ROOM_PX = 40
"""Room for a year under the axis: `2015` in TEXT_PX letters and a space before the next one."""
NARROW_PX, WIDE_PX = 320, 640
"""A chart's width on a phone and in a desktop page's column. Years under the axis are spaced for each; those
only the wide chart has room for carry the class `chart-label-wide` (themes hide it on small screens)."""
_YEAR_STEPS = (1, 2, 5, 10, 20, 25, 50, 100)
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _pretty(label: str) -> str:
    """A bucket label for people: `2025-07` -> `Jul 2025`, `2025-07-10` -> `10 Jul 2025`, `2025-07-10 14:00` ->
    `10 Jul 14:00`; anything else as it is."""
    try:
        if len(label) == 7 and label[4] == "-":
            return f"{_MONTHS[int(label[5:7]) - 1]} {label[:4]}"
        if len(label) == 10 and label[4] == label[7] == "-":
            return f"{int(label[8:10])} {_MONTHS[int(label[5:7]) - 1]} {label[:4]}"
        if len(label) == 16 and label[10] == " ":
            return f"{int(label[8:10])} {_MONTHS[int(label[5:7]) - 1]} {label[11:]}"
    except (ValueError, IndexError):
        pass
    return label


def _text(x: str, y: float, text: str, anchor: str = "start", cls: str = "chart-label") -> str:
    end = "" if anchor == "start" else f' text-anchor="{anchor}"'
    return (
        f'<text class="{cls}" fill="currentColor" font-size="{TEXT_PX}" x="{x}" y="{_num(y)}"{end}>'
        f"{escape(text)}</text>"
    )


def column_chart_svg(
    labels_values: Sequence[tuple[str, int]],
    title: str,
    *,
    height: int = 120,
    unit: str = "",
    per: str = "",
    note: str = "",
) -> str:
    """Vertical bars over time (or any ordered axis), as wide as its container, `height` pixels tall.

    A baseline and, when the bars are few enough to label, each bar's count above it; else a scale line at the
    highest count (`6 comments an hour`, where `per` is `an hour`). The first and last labels under the axis,
    and the starts of years between them on a long monthly axis, every 1, 2, 5, 10... years as the width allows
    (`_years_apart`). Each bar carries a `<title>` tooltip
    (`Jul 2025: 1 thread`). `note` is added to the chart's summary (`2 comments far from the rest not shown`).
    Returns "" when there is nothing to draw.
    """
    if not labels_values:
        return ""
    n = len(labels_values)
    top = max((v for _, v in labels_values), default=0) or 1
    label_h = TEXT_PX + 6
    pad_top = label_h
    base = height - label_h - 2  # the baseline's y
    plot_h = base - pad_top
    step = 100 / n
    total = sum(v for _, v in labels_values)
    first, last = _pretty(labels_values[0][0]), _pretty(labels_values[-1][0])
    span = first if n == 1 else f"{first} to {last}"
    summary = f"{title}: {_counted(total, unit)}, {span}" + (f"; {note}" if note else "")
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-columns" role="img" '
        f'width="100%" height="{height}" aria-label={quoteattr(summary)}>',
        f"<title>{escape(summary)}</title>",
    ]
    label_bars = n <= 24
    if not label_bars:
        parts.append(
            f'<line class="chart-grid" stroke="currentColor" stroke-width="0.5" stroke-dasharray="2 3" '
            f'x1="0" y1="{pad_top}" x2="100%" y2="{pad_top}"/>'
        )
        parts.append(_text("0", pad_top - 4, f"{_counted(top, unit)} {per}".rstrip()))
    lefts, width = _columns(n)
    empty = f'y="{_num(base)}" width="{width}%" height="0">'  # an empty bar's end of tag (many on a long axis)
    for i, (label, value) in enumerate(labels_values):
        bar_h = plot_h * value / top
        tip = f"{_pretty(label)}: {_counted(value, unit)}"
        size = f'y="{_num(base - bar_h)}" width="{width}%" height="{_num(bar_h)}">' if value else empty
        parts.append(
            f'<rect class="chart-bar" fill="currentColor" x="{lefts[i]}%" {size}<title>{escape(tip)}</title></rect>'
        )
        if label_bars and value:
            parts.append(_text(f"{_num((i + 0.5) * step)}%", base - bar_h - 4, _count(value), "middle"))
    parts.append(
        f'<line class="chart-axis" stroke="currentColor" stroke-width="1" x1="0" y1="{base}" x2="100%" y2="{base}"/>'
    )
    y = height - 4
    parts.append(_text("0", y, first))
    if n > 1:
        parts.append(_text("100%", y, last, "end"))
        narrow = _years_apart(n, NARROW_PX)
        wide = _years_apart(n, WIDE_PX, within=narrow)
        for i, (label, _) in enumerate(labels_values):  # years between, on a long monthly axis
            if n > 24 and len(label) == 7 and label.endswith("-01") and 0.18 * n < i < 0.82 * n:
                year = int(label[:4]) if label[:4].isdigit() else 1
                if year % wide == 0:
                    cls = "chart-label" if year % narrow == 0 else "chart-label chart-label-wide"
                    parts.append(_text(f"{_num(i * step)}%", y, label[:4], "middle", cls))
    parts.append("</svg>")
    return "".join(parts)


def _years_apart(months: int, width_px: int, within: int = 0) -> int:
    """Label every this many years on an axis of `months` drawn `width_px` wide, so labels never touch;
    `within`: a step whose labels must all be among these (it is a multiple of the answer)."""
    per_year = width_px * 12 / months
    steps = [k for k in _YEAR_STEPS if not within or within % k == 0] or [within]
    return next((k for k in steps if k * per_year >= YEAR_ROOM_PX), steps[-1])


@lru_cache(maxsize=256)
def _columns(n: int) -> tuple[tuple[str, ...], str]:
    """Where each of `n` columns starts across the chart and how wide each is, formatted (percentages): the same
    for every chart of `n` columns, and every thread's activity chart has one of a few counts."""
    step = 100 / n
    gap = min(step * 0.2, 1.5)
    return tuple(_num(i * step + gap / 2) for i in range(n)), _num(max(step - gap, 0.2))


_PER = {"minute": "a minute", "hour": "an hour", "day": "a day", "month": "a month", "year": "a year"}


def activity_svg(buckets: Sequence[Bucket], *, height: int = 110, outside: int = 0, unit: str | None = None) -> str:
    """Comments over time, from `ThreadStats.activity`; "" when the thread has no dated comments. `outside`:
    stray comments the buckets leave out (said in the summary); `unit`: the buckets' width (`hour`, ...)."""
    note = f"{_counted(outside, 'comments')} far from the rest not shown" if outside else ""
    return column_chart_svg(
        [(b.label, b.count) for b in buckets],
        "Comments over time",
        height=height,
        unit="comments",
        per=_PER.get(unit or "", ""),
        note=note,
    )


def bar_chart_svg(labels_values: Sequence[tuple[str, int]], title: str, *, unit: str = "", row: int = 34) -> str:
    """Horizontal bars, one row each: the label above its bar, the count after it; as wide as its container;
    "" when empty."""
    if not labels_values:
        return ""
    top = max((v for _, v in labels_values), default=0) or 1
    height = row * len(labels_values)
    summary = f"{title}: " + ", ".join(f"{label} {_counted(v, unit)}" for label, v in labels_values)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-bars" role="img" '
        f'width="100%" height="{height}" aria-label={quoteattr(summary)}>',
        f"<title>{escape(summary)}</title>",
    ]
    bar_h = row - TEXT_PX - 10
    for i, (label, value) in enumerate(labels_values):
        y = i * row
        width = 85 * value / top
        bar_y = y + TEXT_PX + 4
        parts.append(
            _text("0", y + TEXT_PX, _clip(label))
            + f'<rect class="chart-bar" fill="currentColor" x="0" y="{_num(bar_y)}" '
            f'width="{_num(max(width, 0.3 if value else 0))}%" height="{_num(bar_h)}">'
            f"<title>{escape(f'{label}: {_counted(value, unit)}')}</title></rect>"
            + _text(f"{_num(width + 1.5)}%", bar_y + bar_h - 1, _count(value))
        )
    parts.append("</svg>")
    return "".join(parts)


def _clip(label: str, limit: int = 40) -> str:
    """Shorten a long label at a character boundary, with an ellipsis."""
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"
