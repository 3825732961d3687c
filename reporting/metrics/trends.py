"""The trends section (metrics 1.1): each headline figure over the 13 periods ending with this one.

The earlier figures come from the history of builds (the latest revision of each period), passed in as
{period: {dotted path: value}}; this module reads no database. For each figure of TREND_PATHS:
- series: [{period, value}] for the 13 periods ending with this one, oldest first; value None where the
  history has no build of that period or no such figure;
- mom, qoq, yoy: change_pct (as in `changes`: change ÷ |earlier value|) against 1, 3 and 12 periods
  earlier; None when either value is None or the earlier one is 0;
- record: `high` when this value is above every earlier non-null value of the history, `low` when below
  every one, else None; None when the history holds fewer than 3 earlier non-null values. "Earlier"
  means every period of the history before this one, not only the 12 of the series.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd

from reporting.metrics.changes import read_number

TREND_PATHS = (
    "derivatives.open_interest_usd",
    "derivatives.liquidations_total_usd",
    "derivatives.liquidations_long_usd",
    "derivatives.liquidations_short_usd",
    "derivatives.funding_rate_annualized",
    "derivatives.estimated_leverage_ratio",
    "derivatives.open_interest_hhi",
    "lending.cefi_usd",
    "lending.defi_usd",
    "lending.cdp_usd",
    "lending.crypto_collateralized_usd",
    "lending.onchain_share",
    "lending.dat_debt_usd",
    "lending.total_industry_debt_usd",
    "lending.lender_hhi",
    "incidents.total",
    "incidents.by_severity.major",
    "incidents.false_liquidations_usd",
)
SERIES_PERIODS = 13
LAGS = {"mom": 1, "qoq": 3, "yoy": 12}
RECORD_MIN_EARLIER = 3
"""Earlier non-null values the history must hold before a value can be called a record."""

Record = Literal["high", "low"]
EarlierFigures = Mapping[str, Mapping[str, Any]]
"""{period YYYY-MM: {dotted path: value}}: figures of earlier builds, the latest revision of each period."""


@dataclass(frozen=True)
class Trend:
    """One figure over the 13 periods ending with this one."""

    series: list[dict[str, Any]]
    mom: float | None
    qoq: float | None
    yoy: float | None
    record: Record | None


def series_periods(period: str, count: int = SERIES_PERIODS) -> list[str]:
    """The `count` periods ending with `period`, oldest first."""
    last = pd.Period(period, freq="M")
    return [(last - back).strftime("%Y-%m") for back in range(count - 1, -1, -1)]


def read_figure(metrics: Mapping[str, Any], path: str) -> float | None:
    """The number at a dotted path of a metrics dict; None when absent or not a finite number."""
    value: Any = metrics
    for key in path.split("."):
        if not isinstance(value, Mapping) or key not in value:
            return None
        value = value[key]
    return read_number(value)


def compute_trends(current: Mapping[str, Any], period: str, earlier: EarlierFigures) -> dict[str, Trend]:
    """{dotted path: Trend} for every figure of TREND_PATHS.

    `current` maps section names to this period's figures (as in the metrics JSON); periods of `earlier`
    that are not before `period` are ignored.
    """
    before = {p: figures for p, figures in earlier.items() if p < period}
    periods = series_periods(period)
    trends = {}
    for path in TREND_PATHS:
        value = read_figure(current, path)
        values = [read_number(before.get(p, {}).get(path)) for p in periods[:-1]] + [value]
        history = [v for v in (read_number(figures.get(path)) for figures in before.values()) if v is not None]
        changes = {name: _change_pct(value, values[-1 - lag]) for name, lag in LAGS.items()}
        trends[path] = Trend(
            series=[{"period": p, "value": v} for p, v in zip(periods, values, strict=True)],
            mom=changes["mom"],
            qoq=changes["qoq"],
            yoy=changes["yoy"],
            record=_record(value, history),
        )
    return trends


def _change_pct(value: float | None, earlier: float | None) -> float | None:
    if value is None or earlier is None or earlier == 0:
        return None
    return (value - earlier) / abs(earlier)


def _record(value: float | None, history: list[float]) -> Record | None:
    if value is None or len(history) < RECORD_MIN_EARLIER:
        return None
    if value > max(history):
        return "high"
    if value < min(history):
        return "low"
    return None
