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


def column_chart_svg(
    labels_values: Sequence[tuple[str, int]], title: str, *, width: int = 320, height: int = 80, unit: str = ""
) -> str:
    """Vertical bars over time (or any ordered axis), first and last label under the axis.

    Each bar carries a `<title>` tooltip (`2025-07-10: 4 comments`). Returns "" when there
    is nothing to draw.
    """
    if not labels_values:
        return ""
    top = max((v for _, v in labels_values), default=0) or 1
    pad_bottom = 14
    chart_h = height - pad_bottom
    step = width / len(labels_values)
    gap = min(2.0, step * 0.2)
    total = sum(v for _, v in labels_values)
    summary = f"{title}: {_count(total)} {unit}".rstrip() + f" from {labels_values[0][0]} to {labels_values[-1][0]}"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-columns" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" aria-label={quoteattr(summary)}>',
        f"<title>{escape(summary)}</title>",
    ]
    for i, (label, value) in enumerate(labels_values):
        bar_h = chart_h * value / top
        tip = f"{label}: {_count(value)} {unit}".rstrip()
        parts.append(
            f'<rect class="chart-bar" fill="currentColor" x="{_num(i * step + gap / 2)}" '
            f'y="{_num(chart_h - bar_h)}" width="{_num(max(step - gap, 0.5))}" height="{_num(bar_h)}">'
            f"<title>{escape(tip)}</title></rect>"
        )
    parts.append(
        f'<line class="chart-axis" stroke="currentColor" stroke-width="0.5" x1="0" y1="{chart_h}" '
        f'x2="{width}" y2="{chart_h}"/>'
    )
    first, last = labels_values[0][0], labels_values[-1][0]
    parts.append(
        f'<text class="chart-label" fill="currentColor" font-size="9" x="0" y="{height - 2}">{escape(first)}</text>'
    )
    if len(labels_values) > 1:
        parts.append(
            f'<text class="chart-label" fill="currentColor" font-size="9" x="{width}" y="{height - 2}" '
            f'text-anchor="end">{escape(last)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def activity_svg(buckets: Sequence[Bucket], *, width: int = 320, height: int = 80) -> str:
    """Comments over time, from `ThreadStats.activity`; "" when the thread has no dated comments."""
    return column_chart_svg(
        [(b.label, b.count) for b in buckets], "Comments over time", width=width, height=height, unit="comments"
    )


def bar_chart_svg(labels_values: Sequence[tuple[str, int]], title: str, *, width: int = 480, row: int = 18) -> str:
    """Horizontal bars, one labelled row each (busiest tags, threads per month); "" when empty."""
    if not labels_values:
        return ""
    label_w = min(160, 12 + 7 * max(len(label) for label, _ in labels_values))
    value_w = 48
    bar_space = max(width - label_w - value_w, 40)
    top = max((v for _, v in labels_values), default=0) or 1
    height = row * len(labels_values) + 4
    summary = f"{title}: " + ", ".join(f"{label} {_count(v)}" for label, v in labels_values)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-bars" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" aria-label={quoteattr(summary)}>',
        f"<title>{escape(summary)}</title>",
    ]
    for i, (label, value) in enumerate(labels_values):
        y = i * row + 2
        bar_w = bar_space * value / top
        parts.append(
            f'<text class="chart-label" fill="currentColor" font-size="11" x="{label_w - 6}" '
            f'y="{_num(y + row * 0.7)}" text-anchor="end">{escape(_clip(label))}</text>'
            f'<rect class="chart-bar" fill="currentColor" x="{label_w}" y="{_num(y + 2)}" '
            f'width="{_num(max(bar_w, 0.5 if value else 0))}" height="{_num(row - 5)}">'
            f"<title>{escape(f'{label}: {_count(value)}')}</title></rect>"
            f'<text class="chart-label" fill="currentColor" font-size="11" x="{_num(label_w + bar_w + 4)}" '
            f'y="{_num(y + row * 0.7)}">{_count(value)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _clip(label: str, limit: int = 22) -> str:
    """Shorten a long label at a character boundary, with an ellipsis."""
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"
