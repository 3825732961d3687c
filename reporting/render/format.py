"""How figures are written in the rendered report: money with units, shares, HHI, rates and dates.

These are the Jinja filters of the PDF templates, and the one place where a figure becomes text, so that
the report, its tests and its charts write a figure the same way. Every function takes the value as it
is in metrics-<period>.json (US dollars, shares 0–1, HHI 0–10,000) and writes `n/a` for a null figure,
never 0. Negative values carry a true minus sign (U+2212).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

NOT_AVAILABLE = "n/a"
MINUS = "\u2212"

# Money units, largest first: a figure is written in the largest unit it reaches.
MONEY_UNITS = ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K"))


def _signed(text: str, negative: bool) -> str:
    return f"{MINUS}{text}" if negative else text


def format_money(value: float | None) -> str:
    """US dollars with a unit and two decimals: $96.51M, $73.59B, $1.20K, $512.00; −$21.71B when negative."""
    if value is None:
        return NOT_AVAILABLE
    size = abs(value)
    for scale, unit in MONEY_UNITS:
        # Rounded first so that 999,999,999 is written $1.00B rather than $1000.00M.
        if round(size / scale, 2) >= 1:
            return _signed(f"${size / scale:,.2f}{unit}", value < 0)
    return _signed(f"${size:,.2f}", value < 0)


def format_share(value: float | None) -> str:
    """A share (0–1) as a percentage with one decimal: 0.6267 → 62.7 %."""
    return _percent(value, 1)


def format_change_pct(value: float | None) -> str:
    """A relative change (0.25 = +25 %) with its sign: +10.9 %, −17.3 %."""
    if value is None:
        return NOT_AVAILABLE
    rounded = round(100 * value, 1)
    if rounded == 0:
        return "0.0 %"
    return f"+{rounded:.1f} %" if rounded > 0 else f"{MINUS}{abs(rounded):.1f} %"


def format_hhi(value: float | None) -> str:
    """A Herfindahl–Hirschman index (0–10,000) as a whole number with thousands separators: 1,925."""
    if value is None:
        return NOT_AVAILABLE
    return f"{value:,.0f}"


def format_rate(value: float | None) -> str:
    """A small rate, such as the 8-hour funding rate, as a percentage with four decimals: 0.0074 %."""
    return _percent(value, 4)


def _percent(value: float | None, places: int) -> str:
    """A fraction as a percentage with `places` decimals; the sign shows only when the rounded value is below 0."""
    if value is None:
        return NOT_AVAILABLE
    return _signed(f"{abs(100 * value):.{places}f} %", round(100 * value, places) < 0)


def format_ratio(value: float | None) -> str:
    """A multiple, such as the estimated leverage ratio, with two decimals: 3.10×."""
    if value is None:
        return NOT_AVAILABLE
    return _signed(f"{abs(value):,.2f}\u00d7", round(value, 2) < 0)


def format_count(value: float | None) -> str:
    """A count with thousands separators: 12,345."""
    if value is None:
        return NOT_AVAILABLE
    return f"{value:,.0f}"


def format_number(value: float | None) -> str:
    """A threshold or setting as written in the configuration, with thousands separators: 100,000; 2.5."""
    if value is None:
        return NOT_AVAILABLE
    return f"{value:,.10g}"


def format_average(value: float | None) -> str:
    """An average count, such as findings per submission, with two decimals: 0.33."""
    if value is None:
        return NOT_AVAILABLE
    return f"{value:,.2f}"


def format_minutes(value: float | None) -> str:
    """A duration in minutes as hours and minutes: 292 → 4 h 52 min."""
    if value is None:
        return NOT_AVAILABLE
    hours, minutes = divmod(round(value), 60)
    return f"{hours:,} h {minutes} min" if hours else f"{minutes} min"


def format_hours(value: float | None) -> str:
    """A duration in hours as hours and minutes: 3.4167 → 3 h 25 min."""
    return NOT_AVAILABLE if value is None else format_minutes(60 * value)


def format_timestamp(value: str | None) -> str:
    """An ISO 8601 UTC timestamp of the metrics JSON as `2025-11-21 14:07 UTC`."""
    if value is None:
        return NOT_AVAILABLE
    return datetime.fromisoformat(value.replace("Z", "+00:00")).strftime("%Y-%m-%d %H:%M UTC")


def format_label(value: str | None) -> str:
    """A code of the specification (`order_book`, `degraded_service`) as words: order book, degraded service."""
    if value is None:
        return NOT_AVAILABLE
    return value.replace("_", " ")


def format_shortened(text: str, most: int) -> str:
    """`text` cut to at most `most` characters, the last of them an ellipsis when it was longer."""
    return text if len(text) <= most else text[: most - 1].rstrip() + "\u2026"


FILTERS: dict[str, Callable[[Any], str]] = {
    "money": format_money,
    "share": format_share,
    "change_pct": format_change_pct,
    "hhi": format_hhi,
    "rate": format_rate,
    "ratio": format_ratio,
    "count": format_count,
    "number": format_number,
    "average": format_average,
    "minutes": format_minutes,
    "hours": format_hours,
    "timestamp": format_timestamp,
    "label": format_label,
}
"""The Jinja filters of the report templates, by name."""


def figure_filter(value: Any, kind: str) -> str:
    """`{{ value | figure("money") }}`: format a value with the filter named by the view."""
    return FILTERS[kind](value)
