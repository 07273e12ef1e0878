"""Charts drawn on the server as inline SVG (the dashboard, web/templates/dashboard.html; the
customer page's score history, web/templates/customer.html): a horizontal bar chart, vertical
stacked bars and a line of points. No JavaScript; each chart is an image with a
title (`role="img"`), and the page shows the same numbers in a table beside it.

Pure: values in, markup out. Every text is escaped; colours come from CSS classes
(web/static/style.css, `.chart`), so the stylesheet owns the palette. The drawing scales with
its container (a viewBox, no fixed size), so it fits a 375 px wide screen.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from markupsafe import Markup, escape

WIDTH: Final = 400
ROW: Final = 28  # the height of one bar of a bar chart, with its gap
LABEL: Final = 120  # the width kept for the labels left of the bars
VALUE: Final = 90  # the width kept for the value right of the longest bar
PLOT: Final = 160  # the height of the stacked bars' plot
AXIS: Final = 22  # the height kept for the column labels under it
SERIES_CLASSES: Final = 8  # .s0 ... .s7 in the stylesheet, reused in turn
LABEL_CELLS: Final = 18  # what fits in LABEL, counting a wide (CJK) character as two


@dataclass(frozen=True, slots=True)
class Bar:
    """One bar: its label, its length, the text written after it, a CSS class for its colour."""

    label: str
    value: float
    text: str
    css: str = ""


@dataclass(frozen=True, slots=True)
class Point:
    """One point of a line: its label (under the axis, and its tooltip), its value, a CSS class
    for its dot's colour."""

    label: str
    value: float
    css: str = ""


@dataclass(frozen=True, slots=True)
class Series:
    """One layer of stacked bars: its label and its value in each column."""

    label: str
    values: tuple[float, ...]


def series_class(index: int) -> str:
    """The CSS class of the `index`-th series (its legend swatch uses the same)."""
    return f"s{index % SERIES_CLASSES}"


def _open(chart_id: str, title: str, height: int) -> str:
    return (
        f'<svg class="chart" id="{escape(chart_id)}" role="img" '
        f'aria-labelledby="{escape(chart_id)}-title" viewBox="0 0 {WIDTH} {height}" '
        f'preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>'
    )


def _cells(char: str) -> int:
    return 2 if unicodedata.east_asian_width(char) in "WF" else 1


def _label(text: str) -> str:
    """`text` as a bar's label: shortened with an ellipsis past LABEL_CELLS, the whole of it
    kept as the label's own title (a tooltip; the table beside the chart has it too)."""
    used = 0
    for i, char in enumerate(text):
        used += _cells(char)
        if used > LABEL_CELLS - 1 and i < len(text) - 1:
            short = text[:i] + "…"
            return f"{escape(short)}<title>{escape(text)}</title>"
    return str(escape(text))


def bar_chart(
    bars: Sequence[Bar], *, title: str, chart_id: str, value_width: int = VALUE
) -> Markup:
    """Horizontal bars, one row per bar, scaled to the largest value (all zero: no bar drawn,
    the values still written); `value_width` is kept right of the longest bar for its text."""
    height = max(len(bars), 1) * ROW
    longest = max((b.value for b in bars), default=0) or 1
    span = WIDTH - LABEL - value_width
    parts = [_open(chart_id, title, height)]
    for i, bar in enumerate(bars):
        y = i * ROW
        length = max(bar.value, 0) / longest * span
        parts.append(
            f'<text class="label" x="{LABEL - 6}" y="{y + ROW / 2 + 4:g}" '
            f'text-anchor="end">{_label(bar.label)}</text>'
            f'<rect class="bar {escape(bar.css)}" x="{LABEL}" y="{y + 4}" '
            f'width="{length:.1f}" height="{ROW - 8}"></rect>'
            f'<text class="value" x="{LABEL + length + 6:.1f}" '
            f'y="{y + ROW / 2 + 4:g}">{escape(bar.text)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def stacked_bars(
    columns: Sequence[str], series: Sequence[Series], *, title: str, chart_id: str
) -> Markup:
    """Vertical bars, one per column, each stacked from the series' values in order (the first
    at the bottom), scaled to the tallest column; each column's total is written on top."""
    height = PLOT + AXIS
    totals = [sum(s.values[i] for s in series) for i in range(len(columns))]
    tallest = max(totals, default=0) or 1
    step = WIDTH / max(len(columns), 1)
    width = step * 0.7
    top = 14  # room for the totals above the tallest column
    scale = (PLOT - top) / tallest
    parts = [_open(chart_id, title, height)]
    parts.append(f'<line class="axis" x1="0" y1="{PLOT}" x2="{WIDTH}" y2="{PLOT}"></line>')
    for i, column in enumerate(columns):
        x = i * step + (step - width) / 2
        base = float(PLOT)
        for index, layer in enumerate(series):
            size = max(layer.values[i], 0) * scale
            if size <= 0:
                continue
            base -= size
            parts.append(
                f'<rect class="bar {series_class(index)}" x="{x:.1f}" y="{base:.1f}" '
                f'width="{width:.1f}" height="{size:.1f}"></rect>'
            )
        middle = x + width / 2
        if totals[i]:
            parts.append(
                f'<text class="value" x="{middle:.1f}" y="{base - 3:.1f}" '
                f'text-anchor="middle">{totals[i]:g}</text>'
            )
        parts.append(
            f'<text class="label" x="{middle:.1f}" y="{PLOT + 16}" '
            f'text-anchor="middle">{escape(column)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


__all__ = ["Bar", "Series", "bar_chart", "series_class", "stacked_bars"]


def line_chart(points: Sequence[Point], *, title: str, chart_id: str) -> Markup:
    """A line through `points` in order, left to right, between the lowest and the highest
    value (the axis at zero when the values cross it); a dot per point with its label and value
    as its tooltip; the first and last labels under the axis, the range's ends beside it."""
    height = PLOT + AXIS
    left, top = 36, 10  # room for the values' range and the dots at the top
    values = [p.value for p in points]
    low, high = min([*values, 0]), max([*values, 0])
    spread = (high - low) or 1
    step = (WIDTH - left - 8) / max(len(points) - 1, 1)

    def x(i: int) -> float:
        return left + i * step if len(points) > 1 else left + (WIDTH - left) / 2

    def y(value: float) -> float:
        return top + (high - value) / spread * (PLOT - top)

    parts = [_open(chart_id, title, height)]
    zero = y(0)
    parts.append(
        f'<line class="axis" x1="{left}" y1="{zero:.1f}" x2="{WIDTH}" y2="{zero:.1f}"></line>'
    )
    for value in sorted({low, high}):
        parts.append(
            f'<text class="label" x="{left - 4}" y="{y(value) + 4:.1f}" '
            f'text-anchor="end">{value:g}</text>'
        )
    if len(points) > 1:
        line = " ".join(f"{x(i):.1f},{y(p.value):.1f}" for i, p in enumerate(points))
        parts.append(f'<polyline class="line" points="{line}"></polyline>')
    for i, point in enumerate(points):
        parts.append(
            f'<circle class="dot {escape(point.css)}" cx="{x(i):.1f}" cy="{y(point.value):.1f}" '
            f'r="4"><title>{escape(point.label)}: {point.value:g}</title></circle>'
        )
    if points:
        ends = [(0, "start")] + ([(len(points) - 1, "end")] if len(points) > 1 else [])
        for i, anchor in ends:
            parts.append(
                f'<text class="label" x="{x(i):.1f}" y="{PLOT + 16}" '
                f'text-anchor="{anchor}">{escape(points[i].label)}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))
