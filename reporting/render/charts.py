"""The charts of the PDF report, drawn with matplotlib as SVG.

Each function takes plain values prepared by the report view (no Report, no DataFrame) and returns a
`Chart`: the caption printed under it and its alt text, at once, and its figure and SVG markup (with the alt
text as `<title>` and `aria-label`), laid out and drawn when first asked for: they are all of a chart's cost,
and a build makes the PDF's charts in one process while another lays out the rest of the page (`drawn_apart`).
The SVG keeps text as text (`svg.fonttype = none`) so the PDF stays searchable, and is reproducible:
a fixed hash salt per chart (ids are unique within the document, the same from run to run) and no date
in its metadata. Figures are drawn through `matplotlib.figure.Figure` on the SVG canvas, never through
pyplot, so no GUI backend and no global figure state are involved.
"""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from html import escape
from typing import Any

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.colors import to_rgba
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, DateFormatter, DayLocator, date2num
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.legend import Legend
from matplotlib.patches import Polygon
from matplotlib.textpath import text_to_path
from matplotlib.ticker import FuncFormatter, MaxNLocator

from reporting.render.format import format_money, format_shortened

LONG_COLOUR = "#a8322d"
SHORT_COLOUR = "#2c6e9b"
INK = "#1f2d3d"
GRID = "#d5dbe1"
PEAK_COLOUR = "#f3d9a4"
SEVERITY_COLOURS = {"major": "#a8322d", "significant": "#d98a1c", "minor": "#7b8794"}
LENDING_COLOURS = {"CeFi": "#1f4e79", "DeFi": "#3d8bb8", "CDP": "#8cc0de"}
FONT_FAMILY = "DejaVu Sans"

# 16 cm wide: the text block of an A4 page with the report's margins.
WIDTH_INCHES = 6.3
# Space (points) between the figure's edge and what it holds.
EDGE_PT = 4.0
LABEL_CAP = 40
"""Most characters of a venue name on a chart's axis."""


@dataclass(frozen=True)
class Chart:
    """One chart: its name, caption and alt text, and its figure and SVG markup (already safe to inline), made when
    first asked for."""

    name: str
    lay_out: Callable[[], Figure]
    caption: str
    alt: str

    @cached_property
    def figure(self) -> Figure:
        """The chart laid out as a matplotlib figure, when first asked for."""
        return self.lay_out()

    @cached_property
    def svg(self) -> str:
        """The chart drawn as an <svg> element, when first asked for."""
        return _to_svg(self.figure, self.name, self.alt)

    def inline(self) -> dict[str, Any]:
        """The chart as the templates take it (see `inline`)."""
        return inline(self)


def inline(chart: Chart) -> dict[str, Any]:
    """The chart as the templates show it: its SVG as a data: URL (`src`), caption, alt text and name; inside
    `drawn_apart`, its name as a CHART_URL instead, the chart not drawn.

    An image rather than an <svg> element in the page: WeasyPrint draws both the same way, but it parses,
    styles and boxes every element of an inline SVG as HTML first (a fifth of the report's elements), while
    an image's SVG is only parsed as XML. The HTML still holds everything and shows in a browser.
    """
    apart = _APART.get()
    if apart is None:
        src = SVG_DATA_URL + base64.b64encode(chart.svg.encode("utf-8")).decode("ascii")
    else:
        apart[chart.name] = chart
        src = CHART_URL + chart.name
    return {"src": src, "caption": chart.caption, "alt": chart.alt, "name": chart.name}


SVG_DATA_URL = "data:image/svg+xml;base64,"
"""How a chart's SVG is given to the page: the only data: URL the report's fetcher serves."""
CHART_URL = "riskreport-chart:"
"""How a chart drawn apart is named in the page (see `drawn_apart`): the report's fetcher asks for its SVG by name."""
_APART: ContextVar[dict[str, Chart] | None] = ContextVar("charts drawn apart", default=None)


@contextmanager
def drawn_apart() -> Iterator[dict[str, Chart]]:
    """Within, the charts given to the templates (`inline`) are not drawn: the page names each by a CHART_URL, and
    the dict yielded holds them by name, for their SVG (`Chart.svg`) to be drawn where the caller chooses."""
    charts: dict[str, Chart] = {}
    token = _APART.set(charts)
    try:
        yield charts
    finally:
        _APART.reset(token)


def _style() -> Any:
    return {
        "svg.fonttype": "none",
        "font.family": FONT_FAMILY,
        "font.size": 8,
        "axes.edgecolor": GRID,
        "axes.labelcolor": INK,
        "axes.titlesize": 9,
        "xtick.color": INK,
        "ytick.color": INK,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "legend.frameon": False,
    }


def _money_axis(value: float, _position: object) -> str:
    return "$0" if value == 0 else format_money(value).replace(".00", "")


def _new_figure(height_inches: float) -> Figure:
    figure = Figure(figsize=(WIDTH_INCHES, height_inches))
    figure.set_facecolor("white")
    return figure


def _text_points(text: str, size: float) -> tuple[float, float]:
    """Width and height (points) of one line of text in the charts' font, as the SVG canvas lays it out."""
    width, height, _ = text_to_path.get_text_width_height_descent(
        text, FontProperties(family=FONT_FAMILY, size=size), ismath=False
    )
    return width, height


def _tick_labels(axis: Axis) -> list[tuple[float, str]]:
    """The axis' major ticks inside its view, each as (fraction along the axis, label)."""
    locations = list(axis.get_majorticklocs())
    labels = axis.get_major_formatter().format_ticks(locations)
    low, high = axis.get_view_interval()
    span = (high - low) or 1.0
    inside = [((at - low) / span, label) for at, label in zip(locations, labels, strict=True)]
    return [(fraction, label) for fraction, label in inside if -1e-9 <= fraction <= 1 + 1e-9 and label]


def _place(
    figure: Figure,
    stack: Sequence[tuple[Axes, float]],
    gap_pt: float = 0.0,
    below_pt: float = 0.0,
    above_pt: float = 0.0,
) -> None:
    """Position the axes of `stack` (top to bottom, each with its share of the height) so that their
    tick labels and axis labels fit in the figure, with `below_pt` points left free under the x tick labels and
    `above_pt` over the top axes.

    This does, in one measurement of the labels' text, what a layout engine does by drawing the figure
    twice over: the charts' look is fixed, only the labels' extents vary with the data.
    """
    rc = matplotlib.rcParams
    size = float(rc["font.size"])
    # From an axis to the outer edge of its tick labels: tick length and pad (then the pad to the axis label).
    x_tick = float(rc["xtick.major.size"] + rc["xtick.major.pad"])
    y_tick = float(rc["ytick.major.size"] + rc["ytick.major.pad"])
    width_pt, height_pt = (72 * inches for inches in figure.get_size_inches())
    left = 0.0
    for axes, _ in stack:
        labels = (
            [_text_points(label, size)[0] for _, label in _tick_labels(axes.yaxis)] if axes.yaxis.get_visible() else []
        )
        y_space = (max(labels) + y_tick) if labels else 0.0
        if axes.get_ylabel():
            y_space += _text_points(axes.get_ylabel(), size)[1] + float(rc["axes.labelpad"])
        left = max(left, y_space)
    x_labels = [(at, _text_points(label, size)[0]) for at, label in _tick_labels(stack[-1][0].xaxis)]
    line = _text_points("0", size)[1]
    bottom = EDGE_PT + below_pt + (line + x_tick if x_labels else 0.0)
    left = min(left, width_pt / 2)  # the plot keeps at least half the width, whatever the labels
    # A tick label at either end of the x axis reaches past it by up to half its width; one at the top
    # of the y axis, by half its height.
    plot_width = width_pt - left - 2 * EDGE_PT
    left = EDGE_PT + max([left] + [label / 2 - at * plot_width for at, label in x_labels])
    right = EDGE_PT + max([0.0] + [label / 2 - (1 - at) * plot_width for at, label in x_labels])
    top = EDGE_PT + max(line / 2, above_pt)
    plot_width = width_pt - left - right
    plot_height = height_pt - top - bottom - gap_pt * (len(stack) - 1)
    shares = sum(share for _, share in stack)
    y = height_pt - top
    for axes, share in stack:
        height = plot_height * share / shares
        y -= height
        axes.set_position((left / width_pt, y / height_pt, plot_width / width_pt, height / height_pt))
        y -= gap_pt


def _legend_above(axes: Axes, columns: int) -> float:
    """The axes' legend in one row over its plot, clear of the data; the points it needs above the axes."""
    legend = axes.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), fontsize=7, ncols=columns, borderaxespad=0.3)
    return _legend_row_points(legend)


def _legend_row_points(legend: Legend) -> float:
    """The height in points of a one-row legend in 7-point text: the row and its padding."""
    return _text_points("Ag", 7)[1] + (2 * legend.borderpad + legend.borderaxespad) * 7


def _to_svg(figure: Figure, name: str, alt: str) -> str:
    """The figure as an <svg> element with its alt text (fit to inline in HTML too); reproducible byte for byte."""
    buffer = io.StringIO()
    with matplotlib.rc_context({**_style(), "svg.hashsalt": f"riskreport-{name}"}):
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    text = buffer.getvalue()
    # The XML prologue and the RDF metadata have no place inside an HTML document.
    text = text[text.index("<svg") :]
    text = re.sub(r"<metadata>.*?</metadata>\s*", "", text, flags=re.DOTALL)
    # WeasyPrint walks every element and text node of the SVG when it draws it: without the whitespace between
    # tags and matplotlib's plain groups, that is half the nodes.
    text = _style_as_attributes(_drop_plain_groups(re.sub(r">\s+<", "><", text)))
    # matplotlib numbers its element ids per figure (text_1, patch_2...): prefixed with the chart's name,
    # they stay unique when several charts share one HTML document.
    text = re.sub(r'\bid="([^"]+)"', rf'id="{name}-\1"', text)
    text = re.sub(r"url\(#([^)]+)\)", rf"url(#{name}-\1)", text)
    text = re.sub(r'href="#([^"]+)"', rf'href="#{name}-\1"', text)
    label = escape(alt, quote=True)
    text = text.replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1)
    head_end = text.index(">") + 1
    return f"{text[:head_end]}\n <title>{label}</title>{text[head_end:]}"


def _style_as_attributes(svg: str) -> str:
    """The SVG with its CSS written as presentation attributes: matplotlib's one rule (`*{...}`, every element)
    on each element, then the element's own `style` over it, as the CSS cascade would give them.

    WeasyPrint parses every `style` attribute and matches every rule against every element when it draws an
    SVG; attributes it reads as they are. The drawing is the same.
    """
    rule = re.search(r'<style type="text/css">\*\{([^}]*)\}</style>', svg)
    every = _declarations(rule[1]) if rule else {}
    if rule:
        svg = svg.replace(rule[0], "").replace("<defs></defs>", "")

    def restyle(tag: re.Match[str]) -> str:
        name, attributes, close = tag[1], tag[2], tag[3]
        style = re.search(r' style="([^"]*)"', attributes)
        own = _declarations(style[1]) if style else {}
        if style:
            attributes = attributes.replace(style[0], "")
        declared = {**every, **own}
        if name in ("svg", "title", "defs", "clipPath", "style"):
            declared = own
        written = "".join(f' {key}="{value}"' for key, value in declared.items())
        return f"<{name}{attributes}{written}{close}>"

    return re.sub(r"<([a-zA-Z]+)((?:\s[^>]*?)?)(/?)>", restyle, svg)


def _declarations(css: str) -> dict[str, str]:
    """{property: value} of a CSS declaration list as matplotlib writes it (no quotes, no semicolons in values)."""
    pairs = (declaration.split(":", 1) for declaration in css.split(";") if declaration.strip())
    return {key.strip(): value.strip() for key, value in pairs}


def _drop_plain_groups(svg: str) -> str:
    """The SVG without the <g> elements that have no attribute but an unreferenced id, their children kept.

    matplotlib wraps every artist in such a group; it changes nothing in the drawing.
    """
    referenced = set(re.findall(r'(?:url\(#|href="#)([^)"]+)', svg))
    kept: list[bool] = []
    parts = []
    for part in re.split(r"(<g\b[^>]*>|</g>)", svg):
        if part == "</g>":
            if kept.pop():
                parts.append(part)
        elif part.startswith("<g") and not part.endswith("/>"):
            plain = re.fullmatch(r'<g(?: id="([^"]*)")?>', part)
            kept.append(plain is None or plain.group(1) in referenced)
            if kept[-1]:
                parts.append(part)
        else:
            parts.append(part)
    return "".join(parts)


def _money_bars(axes: Axes, labels: Sequence[str], values: Sequence[float], *, horizontal: bool) -> None:
    """Bars of US dollars, each with its amount written at its end, over a money axis with a grid."""
    if horizontal:
        bars = axes.barh(labels, values, color="#1f4e79", height=0.6)
    else:
        bars = axes.bar(labels, values, color="#1f4e79", width=0.6)
    padding = 3 if horizontal else 2
    axes.bar_label(bars, labels=[format_money(v) for v in values], padding=padding, fontsize=7, color=INK)
    (axes.xaxis if horizontal else axes.yaxis).set_major_formatter(FuncFormatter(_money_axis))
    axes.grid(axis="x" if horizontal else "y", color=GRID, linewidth=0.6)
    axes.set_axisbelow(True)


def draw_open_interest_by_venue(venues: Sequence[tuple[str, float]]) -> Chart:
    """Horizontal bars of period-end open interest per venue (USD), largest at the top."""

    def lay_out() -> Figure:
        with matplotlib.rc_context(_style()):
            figure = _new_figure(0.45 + 0.28 * max(len(venues), 1))
            axes = figure.add_subplot()
            # Long names are shortened on the axis; they stand whole in the alt text and the tables.
            names = [format_shortened(name, LABEL_CAP) for name, _ in venues][::-1]
            values = [value for _, value in venues][::-1]
            _money_bars(axes, names, values, horizontal=True)
            axes.margins(x=0.12)
            _place(figure, [(axes, 1.0)])
        return figure

    alt = "Bar chart of period-end open interest by venue: " + "; ".join(
        f"{name} {format_money(value)}" for name, value in venues
    )
    return Chart(
        "open-interest-by-venue",
        lay_out,
        "Open interest by venue at the end of the period (USD).",
        alt,
    )


def draw_liquidations_by_day(
    days: Sequence[datetime],
    long_usd: Sequence[float],
    short_usd: Sequence[float],
    peak: tuple[datetime, datetime] | None,
) -> Chart:
    """Liquidated notional per UTC day, long positions above the axis and short positions below it."""

    def lay_out() -> Figure:
        with matplotlib.rc_context(_style()):
            figure = _new_figure(2.6)
            axes = figure.add_subplot()
            if peak is not None:
                axes.axvspan(
                    date2num(peak[0]), date2num(peak[1]), color=PEAK_COLOUR, zorder=0, label="peak 24 h window"
                )
            # Bars centred on midday so that each sits over its own date (matplotlib date numbers, in days).
            centres = [date2num(day.replace(hour=12)) for day in days]
            axes.bar(centres, long_usd, width=0.8, color=LONG_COLOUR, label="long positions")
            axes.bar(centres, [-value for value in short_usd], width=0.8, color=SHORT_COLOUR, label="short positions")
            axes.axhline(0, color=INK, linewidth=0.6)
            axes.yaxis.set_major_formatter(FuncFormatter(lambda v, p: _money_axis(abs(v), p)))
            axes.xaxis.set_major_locator(DayLocator(interval=3))
            axes.xaxis.set_major_formatter(DateFormatter("%d %b"))
            axes.grid(axis="y", color=GRID, linewidth=0.6)
            axes.set_axisbelow(True)
            axes.set_ylabel("USD (long up, short down)")
            if days:
                axes.set_xlim(date2num(days[0]), date2num(days[-1] + timedelta(days=1)))
            _place(figure, [(axes, 1.0)], above_pt=_legend_above(axes, 3))
        return figure

    worst = max(range(len(days)), key=lambda i: long_usd[i] + short_usd[i]) if days else None
    alt = "Bar chart of liquidations per day, long positions above the axis and short positions below."
    if worst is not None:
        alt += (
            f" The largest day is {days[worst]:%d %B %Y} with {format_money(long_usd[worst])} long and "
            f"{format_money(short_usd[worst])} short."
        )
    return Chart(
        "liquidations-by-day",
        lay_out,
        "Liquidations by UTC day, long against short (USD); the shaded band is the peak 24-hour window.",
        alt,
    )


def draw_lending_composition(parts: Sequence[tuple[str, float | None]]) -> Chart:
    """One stacked bar of crypto-collateralized lending: CeFi, DeFi and CDP stablecoins (USD)."""
    shown = [(name, value) for name, value in parts if value]
    total = sum(value for _, value in shown) or 1.0

    def lay_out() -> Figure:
        with matplotlib.rc_context(_style()):
            figure = _new_figure(1.35)
            axes = figure.add_subplot()
            left = 0.0
            for name, value in shown:
                axes.barh([0], [value], left=left, color=LENDING_COLOURS.get(name, "#999999"), height=0.55, label=name)
                # Labels go inside segments wide enough to hold them.
                if value / total > 0.08:
                    colour = "white" if name != "CDP" else INK
                    axes.text(
                        left + value / 2,
                        0,
                        f"{name}\n{format_money(value)}",
                        ha="center",
                        va="center",
                        color=colour,
                        fontsize=7.5,
                    )
                left += value
            axes.set_yticks([])
            axes.xaxis.set_major_formatter(FuncFormatter(_money_axis))
            axes.spines["left"].set_visible(False)
            axes.set_xlim(0, total)
            legend = figure.legend(loc="lower center", ncols=3, fontsize=7)
            # Under the x tick labels: a line's space, then the legend's row and its padding.
            _place(figure, [(axes, 1.0)], below_pt=_text_points("Ag", 7)[1] + _legend_row_points(legend))
        return figure

    alt = "Stacked bar of crypto-collateralized lending: " + "; ".join(
        f"{name} {format_money(value)}" for name, value in parts
    )
    return Chart(
        "lending-composition",
        lay_out,
        "Composition of crypto-collateralized lending: CeFi loans, DeFi loans and CDP stablecoins (USD).",
        alt,
    )


def draw_incident_timeline(
    hours: Sequence[datetime],
    totals_usd: Sequence[float],
    incidents: Sequence[tuple[datetime, datetime, str]],
    peak: tuple[datetime, datetime] | None,
    period_bounds: tuple[datetime, datetime],
) -> Chart:
    """Incidents (start to end, one lane per severity) over the hourly liquidation series of the period.

    `incidents` holds (start, end, severity); lanes keep the chart the same size however many there are.
    """
    severities = ("major", "significant", "minor")

    def lay_out() -> Figure:
        with matplotlib.rc_context(_style()):
            figure = _new_figure(3.0)
            top, bottom = figure.subplots(2, 1, sharex=True)
            if peak is not None:
                for axes in (top, bottom):
                    axes.axvspan(peak[0], peak[1], color=PEAK_COLOUR, zorder=0)
            # The area and its outline as one path: WeasyPrint's cost is per point drawn.
            _add_area(top, *_steps(hours, totals_usd))
            top.yaxis.set_major_formatter(FuncFormatter(_money_axis))
            top.set_ylabel("liquidations per hour")
            top.grid(axis="y", color=GRID, linewidth=0.6)
            top.set_axisbelow(True)
            top.set_ylim(bottom=0)
            for lane, severity in enumerate(severities):
                spans = [(start, end) for start, end, level in incidents if level == severity]
                colour = SEVERITY_COLOURS[severity]
                for start, end in spans:
                    bottom.plot([start, end], [lane, lane], color=colour, linewidth=5, solid_capstyle="butt")
                    # A marker at the start keeps incidents of a few minutes visible at this scale.
                    bottom.plot([start], [lane], marker="|", markersize=9, color=colour, markeredgewidth=1.5)
                    top.axvline(start, color=colour, linewidth=0.7, alpha=0.8)
            bottom.set_yticks(range(len(severities)), severities)
            bottom.set_ylim(len(severities) - 0.5, -0.5)
            bottom.spines["left"].set_visible(False)
            bottom.tick_params(axis="y", length=0)
            bottom.set_xlim(period_bounds)
            locator = AutoDateLocator(minticks=6, maxticks=12)
            bottom.xaxis.set_major_locator(locator)
            bottom.xaxis.set_major_formatter(ConciseDateFormatter(locator, show_offset=False))
            _place(figure, [(top, 3.0), (bottom, 1.3)], gap_pt=12.0)
        return figure

    counts = {severity: sum(1 for *_, level in incidents if level == severity) for severity in severities}
    alt = (
        "Hourly liquidations over the period with the incidents beneath, one lane per severity: "
        + ", ".join(f"{counts[s]} {s}" for s in severities)
        + "."
    )
    return Chart(
        "incident-timeline",
        lay_out,
        "Incidents over the hourly liquidation series (USD per hour). Vertical lines mark the start of each "
        "incident; the shaded band is the peak 24-hour liquidation window.",
        alt,
    )


def draw_liquidations_by_hour(
    hours: Sequence[datetime],
    totals_usd: Sequence[float],
    stress: Sequence[tuple[datetime, float]],
    stress_level_usd: float | None,
    stress_multiple: float,
) -> Chart:
    """Liquidated notional per UTC hour of the period, the stress hours marked and the stress level drawn.

    `stress` holds (hour start, total) of each stress hour; `stress_level_usd` is stress_multiple × the
    median (or mean) hourly total, None when no hour was a stress hour.
    """

    def lay_out() -> Figure:
        with matplotlib.rc_context(_style()):
            figure = _new_figure(2.5)
            axes = figure.add_subplot()
            _add_area(axes, *_steps(hours, totals_usd), label="per hour")
            if stress:
                # A bar over each stress hour, one hour wide (matplotlib date numbers are days).
                axes.bar(
                    [date2num(start) for start, _ in stress],
                    [total for _, total in stress],
                    width=1 / 24,
                    align="edge",
                    color=LONG_COLOUR,
                    label=f"stress hours ({len(stress)})",
                )
            if stress_level_usd is not None:
                axes.axhline(
                    stress_level_usd,
                    color=INK,
                    linewidth=0.7,
                    linestyle=(0, (4, 2)),
                    label=f"stress level: {stress_multiple:g}\u00d7 the median hour",
                )
            axes.yaxis.set_major_formatter(FuncFormatter(_money_axis))
            axes.set_ylabel("USD per hour")
            axes.grid(axis="y", color=GRID, linewidth=0.6)
            axes.set_axisbelow(True)
            axes.set_ylim(bottom=0)
            if hours:
                axes.set_xlim(date2num(hours[0]), date2num(hours[-1] + timedelta(hours=1)))
            locator = AutoDateLocator(minticks=6, maxticks=12)
            axes.xaxis.set_major_locator(locator)
            axes.xaxis.set_major_formatter(ConciseDateFormatter(locator, show_offset=False))
            _place(figure, [(axes, 1.0)], above_pt=_legend_above(axes, 3))
        return figure

    alt = f"Area chart of liquidations per hour over the period, with {len(stress)} stress hours marked."
    if stress:
        start, total = max(stress, key=lambda item: item[1])
        alt += f" The largest is {start:%d %B %H:00} UTC with {format_money(total)}."
    return Chart(
        "liquidations-by-hour",
        lay_out,
        f"Liquidations by UTC hour (USD). Stress hours, above {stress_multiple:g} times the median hour (the "
        "mean when the median is 0), are marked in red; the dashed line is that level.",
        alt,
    )


def draw_maturity_ladder(years: Sequence[tuple[str, float]]) -> Chart:
    """Vertical bars of DAT debt principal by maturity year (USD); `years` in the order shown."""

    def lay_out() -> Figure:
        with matplotlib.rc_context(_style()):
            figure = _new_figure(2.2)
            axes = figure.add_subplot()
            labels = [label for label, _ in years]
            values = [value for _, value in years]
            _money_bars(axes, labels, values, horizontal=False)
            axes.margins(y=0.15)
            _place(figure, [(axes, 1.0)])
        return figure

    alt = "Bar chart of DAT debt principal by maturity year: " + "; ".join(
        f"{label} {format_money(value)}" for label, value in years
    )
    return Chart(
        "dat-maturity-ladder",
        lay_out,
        "DAT debt maturity ladder: principal falling due in each year (USD); instruments without a maturity "
        "date are shown apart.",
        alt,
    )


def _add_area(axes: Axes, x: np.ndarray, y: np.ndarray, label: str | None = None) -> None:
    """The area under a series and its outline, as one polygon (what `Axes.fill` draws).

    The axes' data limits are the polygon's corners, taken at once: `Axes.fill` finds them segment by
    segment, which for an hourly series costs more than the rest of the chart.
    """
    corners = np.column_stack([x, y])
    area = Polygon(corners, closed=True, facecolor=to_rgba("#5b7b9a", 0.35), edgecolor="#1f4e79", linewidth=0.6)
    if label is not None:
        area.set_label(label)
    axes.add_artist(area)
    axes.update_datalim(corners)
    axes.autoscale_view()


def _steps(x: Sequence[datetime], y: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    """The outline of a "post" step series (each value held until the next x), closed down to 0 at both
    ends; x in matplotlib's date numbers."""
    days = date2num(list(x))
    xs = np.repeat(days, 2)[1:]
    ys = np.repeat(np.asarray(y, dtype=float), 2)[:-1]
    return np.concatenate([xs[:1], xs, xs[-1:]]), np.concatenate([[0.0], ys, [0.0]])


@dataclass(frozen=True)
class TrendPanel:
    """One small multiple: a figure's 13-month series (None where no build), the current month last."""

    label: str
    values: Sequence[float | None]
    axis_format: Any
    """A function from a value to its axis label."""
    record: str | None


TREND_COLOUR = "#1f4e79"
CURRENT_COLOUR = "#a8322d"
TREND_COLUMNS = 3


def draw_trends(periods: Sequence[str], panels: Sequence[TrendPanel]) -> Chart:
    """Small multiples of the trend figures over the 13 months ending with the current one.

    Each panel shares the month axis; the current month is the red dot, a gap is a month without a build,
    and a record high or low of the history is labelled at the current month.
    """
    rows = -(-len(panels) // TREND_COLUMNS)

    def lay_out() -> Figure:
        # The panels' tick labels are small: set for the ticks as matplotlib makes them, rather than by
        # `tick_params` on each panel, which restyles every tick made so far.
        with matplotlib.rc_context({**_style(), "xtick.labelsize": 6.5, "ytick.labelsize": 6.5}):
            figure = _new_figure(0.35 + 1.45 * rows)
            grid = figure.subplots(rows, TREND_COLUMNS, sharex=True, squeeze=False)
            x = np.arange(len(periods))
            ticks = [i for i in range(len(periods)) if (len(periods) - 1 - i) % 3 == 0]
            for index, axes in enumerate(grid.flat):
                if index >= len(panels):
                    axes.set_visible(False)
                    continue
                panel = panels[index]
                y = np.array([np.nan if v is None else v for v in panel.values], dtype=float)
                axes.plot(x, y, color=TREND_COLOUR, linewidth=1.2, marker="o", markersize=2.2)
                if not np.isnan(y[-1]):
                    axes.plot([x[-1]], [y[-1]], marker="o", markersize=5, color=CURRENT_COLOUR, zorder=3)
                    if panel.record is not None:
                        axes.annotate(
                            f"record {panel.record}",
                            (x[-1], y[-1]),
                            xytext=(-4, 6 if panel.record == "high" else -10),
                            textcoords="offset points",
                            ha="right",
                            fontsize=6.5,
                            color=CURRENT_COLOUR,
                            fontweight="bold",
                        )
                # At the top of the axes, where matplotlib would place it after measuring every tick label of
                # the figure for an overlap that the bottom-only x axis cannot have.
                axes.set_title(panel.label, loc="left", fontsize=7.5, color=INK, pad=3, y=1.0)
                axes.yaxis.set_major_formatter(FuncFormatter(lambda v, _p, f=panel.axis_format: f(v)))
                axes.yaxis.set_major_locator(MaxNLocator(3))
                axes.grid(axis="y", color=GRID, linewidth=0.5)
                axes.set_axisbelow(True)
                axes.margins(y=0.25)
            # The panels share one month axis (its locator and formatter): set once, not once per panel.
            grid.flat[0].set_xticks(ticks, [_month_label(periods[i]) for i in ticks])
            figure.subplots_adjust(left=0.09, right=0.98, top=0.95, bottom=0.08, wspace=0.42, hspace=0.62)
        return figure

    alt = (
        "Small multiples of "
        + ", ".join(panel.label for panel in panels)
        + (f" over the 13 months from {periods[0]} to {periods[-1]}; the current month is marked in red.")
    )
    records = [f"{panel.label}: record {panel.record}" for panel in panels if panel.record]
    if records:
        alt += " Records: " + "; ".join(records) + "."
    return Chart(
        "trends",
        lay_out,
        f"The headline figures over the 13 months to {periods[-1]}, latest revision of each month (red: this "
        "month; a gap: no build in the history). Records are against every earlier month of the history.",
        alt,
    )


def _month_label(period: str) -> str:
    return datetime.strptime(period, "%Y-%m").strftime("%b\n%Y")
