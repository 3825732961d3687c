"""The report's views of the crash mechanics: the liquidation cascade, collateral and margin, the stress
scenarios and the DAT debt maturity ladder.

Like `reporting.render.pdf.build_view`, these are pure functions from the Report to the plain values the
templates show (rows sorted, a share of a total, the series of a chart); every figure is the one of
metrics-<period>.json, formatted by the templates' filters.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd

from reporting.contract import compute_period_bounds
from reporting.metrics.derivatives import PRICING_METHODS, SELF_PRICED
from reporting.metrics.partials import NO_MATURITY
from reporting.metrics.scenarios import BAND_LOWER_BOUNDS
from reporting.render import charts
from reporting.render.model import Report

STRESS_ROWS_CAP = 24
"""Stress hours listed in the PDF; past this the table says how many more the metrics JSON holds."""


def instant(text: str) -> datetime:
    """An ISO 8601 timestamp of the metrics JSON as an aware datetime."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def share_of(part: float | None, total: float | None) -> float | None:
    """part ÷ total; None when either is missing or the total is 0."""
    return None if part is None or not total else part / total


def liquidations_by_hour(buckets: pd.DataFrame, period: str) -> tuple[list[datetime], list[float]]:
    """Every UTC hour of the period with Σ notional_usd liquidated in it (USD)."""
    start, end = compute_period_bounds(period)
    hours = pd.date_range(start, end, freq="h", inclusive="left")
    totals = buckets.groupby("hour")["notional_cents"].sum().reindex(hours).fillna(0)
    return [hour.to_pydatetime() for hour in hours], [int(c) / 100 for c in totals]


def build_cascade(report: Report, d: dict[str, Any]) -> dict[str, Any]:
    """The liquidation cascade: per-asset peak 24-hour windows (largest first), the stress hours and the
    hourly chart that marks them."""
    windows = d["peak_24h_by_asset"] or {}
    assets = sorted(windows, key=lambda asset: (-windows[asset]["total_usd"], asset))
    stress_hours = d["stress_hours"] or []
    multiple = report.thresholds.liquidations.stress_multiple
    # The level the stress hours passed: stress_multiple × (an hour's total ÷ its multiple of the median).
    level = stress_hours[0]["total_usd"] / stress_hours[0]["multiple"] * multiple if stress_hours else None
    chart = None
    if d["liquidations_total_usd"]:
        hours, totals = liquidations_by_hour(report.partials.liquidations, report.period)
        stress = [(instant(hour["start"]), hour["total_usd"]) for hour in stress_hours]
        chart = charts.inline(charts.draw_liquidations_by_hour(hours, totals, stress, level, multiple))
    return {
        "assets": [{"asset": asset, **windows[asset]} for asset in assets],
        "stress_hours": stress_hours,
        "stress_multiple": multiple,
        "stress_rows": STRESS_ROWS_CAP,
        "hourly_chart": chart,
    }


def build_collateral_margin(report: Report, d: dict[str, Any]) -> dict[str, Any]:
    """Collateral by pricing method with shares, and cross-margin collateral by venue (largest first)."""
    by_method = d["collateral_by_pricing_method"] or {}
    total = sum(by_method.values())
    methods = [
        {"method": method, "amount_usd": by_method.get(method), "share": share_of(by_method.get(method), total)}
        for method in PRICING_METHODS
    ]
    rows = report.partials.collateral_pricing
    self_priced = rows["pricing_method"] == SELF_PRICED
    venues = (
        pd.DataFrame(
            {
                "venue": rows["venue"],
                "balance": rows["balance_cents"],
                "cross": rows["cross_margin_cents"],
                "self_priced": rows["balance_cents"].where(self_priced, 0),
                "cross_self_priced": rows["cross_margin_cents"].where(self_priced, 0),
            }
        )
        .groupby("venue", sort=True)
        .sum()
        .sort_values("cross", ascending=False, kind="stable")
    )
    return {
        "methods": methods,
        "available": bool(by_method),
        "venues": [
            {
                "venue": str(venue),
                "balance_usd": int(row.balance) / 100,
                "cross_margin_usd": int(row.cross) / 100,
                "cross_margin_share": share_of(int(row.cross), int(row.balance)),
                "self_priced_share": share_of(int(row.self_priced), int(row.balance)),
                "cross_margin_self_priced_usd": int(row.cross_self_priced) / 100,
            }
            for venue, row in venues.iterrows()
        ],
    }


def build_scenarios(report: Report, scenarios: dict[str, Any]) -> dict[str, Any]:
    """One row per shock: the bands at risk, open interest and loans at risk with their shares."""
    rows = []
    for shock in scenarios["shocks"]:
        key = f"{shock:.2f}"
        rows.append(
            {
                "shock": shock,
                "bands": [band for band, bound in BAND_LOWER_BOUNDS.items() if bound * shock >= 1],
                "oi_at_risk_usd": (scenarios["oi_at_risk_usd"] or {}).get(key),
                "oi_at_risk_share": (scenarios["oi_at_risk_share"] or {}).get(key),
                "loans_at_risk_usd": (scenarios["loans_at_risk_usd"] or {}).get(key),
                "loans_at_risk_share": (scenarios["loans_at_risk_share"] or {}).get(key),
            }
        )
    return {
        "rows": rows,
        "available": scenarios["oi_at_risk_usd"] is not None or scenarios["loans_at_risk_usd"] is not None,
        "stable_assets": report.thresholds.scenarios.stable_assets,
        "band_bounds": list(BAND_LOWER_BOUNDS.items()),
    }


def build_maturity_ladder(lending: dict[str, Any]) -> dict[str, Any] | None:
    """The DAT debt maturity ladder chart: one bar per maturity year, `none` shown as "no maturity" last."""
    ladder = lending["dat_debt_by_maturity_year"]
    if not ladder:
        return None
    years = [("no maturity" if year == NO_MATURITY else year, amount) for year, amount in ladder.items()]
    return charts.inline(charts.draw_maturity_ladder(years))
