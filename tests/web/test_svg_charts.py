"""Server-drawn charts (web.svg_charts): images with a title, bars scaled to the largest value,
stacked columns with their totals, every text escaped."""

from __future__ import annotations

import re

from web.svg_charts import Bar, Series, bar_chart, stacked_bars


def _widths(svg: str) -> list[float]:
    return [float(w) for w in re.findall(r'<rect class="bar[^"]*" [^>]*width="([\d.]+)"', svg)]


def test_a_bar_chart_is_an_image_with_a_title_and_bars_scaled_to_the_largest() -> None:
    svg = str(
        bar_chart(
            [Bar("high", 2, "2", "tier-high"), Bar("low", 1, "1"), Bar("none", 0, "0")],
            title="Customers <per> tier",
            chart_id="c",
        )
    )
    assert svg.startswith('<svg class="chart" id="c" role="img" aria-labelledby="c-title"')
    assert '<title id="c-title">Customers &lt;per&gt; tier</title>' in svg
    first, second, third = _widths(svg)
    assert second == first / 2 and third == 0
    assert '<rect class="bar tier-high"' in svg


def test_a_long_label_is_shortened_and_kept_whole_as_its_title() -> None:
    svg = str(bar_chart([Bar("财务总监审批并复核订单额度", 1, "1")], title="t", chart_id="c"))
    # 8 wide characters and the ellipsis: 17 of the 18 cells
    assert "财务总监审批并复…<title>财务总监审批并复核订单额度</title>" in svg


def test_stacked_bars_stack_the_series_and_write_each_total() -> None:
    svg = str(
        stacked_bars(
            ["10", "11"],
            [Series("low → high", (1.0, 0.0)), Series("high → low", (2.0, 3.0))],
            title="Tier changes",
            chart_id="m",
        )
    )
    assert svg.count('role="img"') == 1 and '<title id="m-title">Tier changes</title>' in svg
    assert [v for v in re.findall(r'class="value"[^>]*>([^<]+)<', svg)] == ["3", "3"]
    assert svg.count('class="bar s0"') == 1 and svg.count('class="bar s1"') == 2
    heights = [float(h) for h in re.findall(r'height="([\d.]+)"></rect>', svg)]
    assert heights[0] + heights[1] == heights[2]  # both columns total 3: equally tall


def test_a_line_chart_draws_each_point_in_order_with_its_tooltip() -> None:
    from web.svg_charts import Point, line_chart

    drawn = str(
        line_chart(
            [Point("2026-01-01", -10, "tier-low"), Point("2026-02-01", 60, "tier-high")],
            title="Score <history>",
            chart_id="chart-scores",
        )
    )
    assert drawn.startswith('<svg class="chart" id="chart-scores" role="img"')
    assert "<title id=\"chart-scores-title\">Score &lt;history&gt;</title>" in drawn
    assert drawn.count("<circle") == 2 and "<polyline" in drawn
    low, high = drawn.split('<circle class="dot ')[1:]
    assert low.startswith("tier-low") and "<title>2026-01-01: -10</title>" in low
    assert high.startswith("tier-high") and "<title>2026-02-01: 60</title>" in high
    # the higher score is drawn higher up (a smaller y)
    cy = [float(part.split('cy="')[1].split('"')[0]) for part in (low, high)]
    assert cy[1] < cy[0]
    one = str(line_chart([Point("2026-03-01", 5)], title="t", chart_id="c"))
    assert one.count("<circle") == 1 and "<polyline" not in one
