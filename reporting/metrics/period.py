"""The reporting period (a calendar month, UTC) and how instants and dates are written in the output."""

from __future__ import annotations

import pandas as pd


def compute_period_bounds(period: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First instant of the month `YYYY-MM` and first instant of the next month, both UTC."""
    start = pd.Timestamp(f"{period}-01", tz="UTC")
    return start, start + pd.offsets.MonthBegin(1)


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
