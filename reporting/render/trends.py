"""The trends of the PDF report: the view of the trends section and of the flags' 13-month status strips.

Pure functions from the Report to the values the templates show; the series and changes themselves are
the metrics' `trends` and `flag_history`, computed from the history.
"""

from __future__ import annotations

from typing import Any

from reporting.metrics.trends import TREND_PATHS
from reporting.render import charts
from reporting.render.format import FILTERS
from reporting.render.model import Report

TREND_FIGURES = {
    "derivatives.open_interest_usd": ("Open interest, end of period", "money"),
    "derivatives.liquidations_total_usd": ("Liquidations", "money"),
    "derivatives.liquidations_long_usd": ("Liquidations, long positions", "money"),
    "derivatives.liquidations_short_usd": ("Liquidations, short positions", "money"),
    "derivatives.funding_rate_annualized": ("Funding rate, annualized", "share"),
    "derivatives.estimated_leverage_ratio": ("Estimated leverage ratio", "ratio"),
    "derivatives.open_interest_hhi": ("Open-interest HHI", "hhi"),
    "lending.cefi_usd": ("CeFi loans", "money"),
    "lending.defi_usd": ("DeFi loans", "money"),
    "lending.cdp_usd": ("CDP stablecoins", "money"),
    "lending.crypto_collateralized_usd": ("Crypto-collateralized lending", "money"),
    "lending.onchain_share": ("Onchain share of lending", "share"),
    "lending.dat_debt_usd": ("DAT debt", "money"),
    "lending.total_industry_debt_usd": ("Total industry debt", "money"),
    "lending.lender_hhi": ("Lender HHI", "hhi"),
    "incidents.total": ("Incidents", "count"),
    "incidents.by_severity.major": ("Major incidents", "count"),
    "incidents.false_liquidations_usd": ("False liquidations", "money"),
}
"""The label and format of every figure of the trends section (TREND_PATHS)."""

NOT_CHARTED = {
    "derivatives.liquidations_long_usd",
    "derivatives.liquidations_short_usd",
    "lending.cefi_usd",
    "lending.defi_usd",
    "lending.cdp_usd",
    "incidents.by_severity.major",
}
CHARTED = tuple(path for path in TREND_PATHS if path not in NOT_CHARTED)
"""The twelve headline figures drawn as small multiples; the table has every figure of the trends."""


def build_trends(report: Report) -> dict[str, Any] | None:
    """The trends section's chart and table; None when the report was built without a history."""
    trends = report.metrics.trends
    if not trends:
        return None
    periods = [point["period"] for point in next(iter(trends.values())).series]
    rows = []
    for path in TREND_PATHS:
        (label, kind), trend = TREND_FIGURES[path], trends[path]
        rows.append(
            {
                "label": label,
                "key": path,
                "kind": kind,
                "value": trend.series[-1]["value"],
                "mom": trend.mom,
                "qoq": trend.qoq,
                "yoy": trend.yoy,
                "record": trend.record,
            }
        )
    panels = [
        charts.TrendPanel(
            label=TREND_FIGURES[path][0],
            values=[point["value"] for point in trends[path].series],
            axis_format=_axis_format(TREND_FIGURES[path][1]),
            record=trends[path].record,
        )
        for path in CHARTED
    ]
    built = sum(any(trends[path].series[i]["value"] is not None for path in trends) for i in range(len(periods)))
    return {
        "periods": periods,
        "built": built,
        "rows": rows,
        "chart": charts.draw_trends(periods, panels).inline(),
    }


def build_flag_strips(report: Report) -> dict[str, list[dict[str, Any]]]:
    """{flag id: 13 cells of {period, status, current}}, oldest first; status `none` where nothing was built."""
    return {
        flag_id: [
            {
                "period": cell["period"],
                "status": "none" if cell["status"] is None else cell["status"],
                "current": cell["period"] == report.period,
            }
            for cell in cells
        ]
        for flag_id, cells in report.metrics.flag_history.items()
    }


def build_revisions(report: Report) -> list[dict[str, Any]]:
    """The figures of earlier periods revised since the last report: period, label, from → to, and why."""
    return [
        {
            "period": figure.period,
            "label": TREND_FIGURES[figure.path][0],
            "kind": TREND_FIGURES[figure.path][1],
            "before": figure.before,
            "after": figure.after,
            "revisions": f"{figure.from_revision} → {figure.to_revision}",
            "reasons": [f"{entity}: {reason}" for entity, reason in figure.reasons],
        }
        for figure in report.revisions
    ]


def _axis_format(kind: str) -> Any:
    # Axis labels drop the cents and trailing zeros that the tables keep.
    if kind == "money":
        return lambda value: FILTERS["money"](value).replace(".00", "")
    return FILTERS[kind]
