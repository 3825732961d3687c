"""The charts' layout: every label inside the figure, whatever the data, without a layout engine."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from reporting.render import charts

START = datetime(2025, 11, 1, tzinfo=UTC)
END = datetime(2025, 12, 1, tzinfo=UTC)
DAYS = [START + timedelta(days=n) for n in range(30)]
HOURS = [START + timedelta(hours=n) for n in range(30 * 24)]
LONG_NAME = "Consolidated Perpetual Futures Exchange of the Northern Hemisphere Ltd"


CASES: dict[str, Callable[[], charts.Chart]] = {
    "open interest, long venue name": lambda: charts.draw_open_interest_by_venue(
        [(LONG_NAME, 31.27e9), ("Kestrel Markets", 16.64e9), ("Aurora Perps DEX", 7.23e9)]
    ),
    "open interest, one venue": lambda: charts.draw_open_interest_by_venue([("Solo", 1.5e12)]),
    "liquidations by day, billions": lambda: charts.draw_liquidations_by_day(
        DAYS, [2.4e9 if n == 20 else 4.5e7 for n in range(30)], [1.1e9] * 30, (DAYS[20], DAYS[21])
    ),
    "lending composition": lambda: charts.draw_lending_composition(
        [("CeFi", 24.7e9), ("DeFi", 41.0e9), ("CDP", 8.9e9)]
    ),
    "incident timeline": lambda: charts.draw_incident_timeline(
        HOURS,
        [1.95e8 if n == 500 else 3e6 for n in range(len(HOURS))],
        [(HOURS[100], HOURS[103], "minor"), (HOURS[500], HOURS[502], "major")],
        (HOURS[490], HOURS[514]),
        (START, END),
    ),
    "liquidations by hour, stress hours": lambda: charts.draw_liquidations_by_hour(
        HOURS,
        [1.95e8 if 490 <= n < 500 else 3e6 for n in range(len(HOURS))],
        [(HOURS[n], 1.95e8) for n in range(490, 500)],
        3e7,
        10,
    ),
    "liquidations by hour, none": lambda: charts.draw_liquidations_by_hour(HOURS, [0.0] * len(HOURS), [], None, 10),
    "maturity ladder": lambda: charts.draw_maturity_ladder(
        [("2026", 1.7e9), ("2027", 5e8), ("2032", 1.2e9), ("no maturity", 1.5e9)]
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_every_label_lies_inside_the_figure(case: str) -> None:
    figure = CASES[case]().figure  # as the chart function laid it out, to be drawn as SVG
    renderer = FigureCanvasAgg(figure).get_renderer()
    with charts.matplotlib.rc_context(charts._style()):
        drawn = figure.get_tightbbox(renderer)  # inches: what a reader sees, tick labels and legend included
    width, height = figure.get_size_inches()
    slack = 1 / 72
    assert drawn.x0 >= -slack and drawn.y0 >= -slack, drawn
    assert drawn.x1 <= width + slack and drawn.y1 <= height + slack, drawn
    for axes in figure.axes:
        assert axes.get_position().width >= 0.45  # the plot keeps most of the width


def test_a_long_venue_name_is_shortened_on_the_axis_but_whole_in_the_alt_text() -> None:
    chart = charts.draw_open_interest_by_venue([(LONG_NAME, 31.27e9)])
    assert LONG_NAME[:39] + "\u2026" in chart.svg
    assert LONG_NAME in chart.alt


def test_the_svg_carries_its_styling_as_attributes() -> None:
    """matplotlib's CSS (a rule for every element, then each element's style) becomes attributes, same values."""
    chart = charts.draw_liquidations_by_day(DAYS, [4.5e7] * 30, [1.1e9] * 30, (DAYS[20], DAYS[21]))
    assert "style=" not in chart.svg and "<style" not in chart.svg
    # The bars: their own fill, and the rule's joins and caps.
    long_bars = re.findall(r'<path [^>]*fill="#a8322d"[^>]*>', chart.svg)
    assert len(long_bars) >= 30
    for bar in long_bars:
        assert 'stroke-linejoin="' in bar and 'stroke-linecap="butt"' in bar
    # The grid lines: their own square caps over the rule's butt caps.
    grid = re.findall(r'<path [^>]*stroke="#d5dbe1"[^>]*>', chart.svg)
    assert grid and all('stroke-linecap="square"' in line and "butt" not in line for line in grid)
    assert re.search(r'<text [^>]*font-size="[0-9.]+px" font-family="[^"]+"', chart.svg)


def test_a_chart_drawn_apart_is_named_in_the_page_and_drawn_only_when_asked() -> None:
    chart = charts.draw_open_interest_by_venue([("Kestrel Markets", 16.64e9), ("Aurora Perps DEX", 7.23e9)])
    with charts.drawn_apart() as apart:
        named = chart.inline()
    assert named["src"] == charts.CHART_URL + "open-interest-by-venue"
    assert apart == {"open-interest-by-venue": chart}
    assert "svg" not in vars(chart)  # not drawn yet
    shown = chart.inline()  # outside: the page holds the SVG itself
    assert shown["src"] == charts.SVG_DATA_URL + base64.b64encode(chart.svg.encode()).decode()
    assert {key: shown[key] for key in ("caption", "alt", "name")} == {
        key: named[key] for key in ("caption", "alt", "name")
    }
