"""How instants, dates and money are written in the metrics output (the period's bounds are in `reporting.contract`)."""

from __future__ import annotations

import pandas as pd


def format_timestamp(value: pd.Timestamp) -> str:
    """ISO 8601 in UTC with `Z`, e.g. 2025-11-03T14:00:00Z (fractions of a second kept when present)."""
    text = value.tz_convert("UTC").isoformat()
    return text.removesuffix("+00:00") + "Z"


def format_date(value: pd.Timestamp) -> str:
    """YYYY-MM-DD."""
    return value.strftime("%Y-%m-%d")


def format_usd(cents: int | float) -> float:
    """Whole cents as US dollars, i.e. money rounded to cents."""
    return round(int(cents) / 100.0, 2)
