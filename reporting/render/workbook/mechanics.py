"""Crash mechanics: per-asset peak windows, peak hour, accounts, collateral pricing, DAT maturities and the
stress scenarios, as sheets and Summary figures recomputed by formulas.

The scenarios are recomputed from `Leverage bands` (its lower_bound column) and `Loans with LTV` (every
secured loan with a liquidation_ltv): a shock is a row of `Scenarios`, its figures SUMPRODUCTs over them.
"""

from __future__ import annotations

from typing import Any

from reporting.contract import EXCHANGE_TYPES
from reporting.metrics.derivatives import PRICING_METHODS, SELF_PRICED
from reporting.metrics.lending import LOAN_TYPES
from reporting.metrics.partials import shock_key
from reporting.render.workbook.figures import PERIOD_END, PERIOD_START, Figure, count_types, keyed_figures, nullable
from reporting.render.workbook.inputs import Inputs, dollars, naive_utc_all, text
from reporting.render.workbook.writer import NOT_AVAILABLE, Column, Formula, Sheet

ASSET_HOURS = "Asset hours"
PEAK_BY_ASSET = "Peak 24h by asset"


def asset_hour_rows(inputs: Inputs) -> list[list[Any]]:
    rows = inputs.audit.hourly_by_asset
    # A window from each hour with liquidations, moved back so that it ends inside the period; the peak
    # window of an asset holds the same liquidations as the best of these (it starts at or before them).
    sums = {
        side: Formula(
            f"=ROUND(SUMIFS({{{ASSET_HOURS}!{side}_usd}},{{{ASSET_HOURS}!base_asset}},{{base_asset}},"
            f'{{{ASSET_HOURS}!hour}},">="&{{window_start}},{{{ASSET_HOURS}!hour}},"<"&({{window_start}}+1)),2)'
        )
        for side in ("long", "short")
    }
    return [
        [
            text(asset),
            hour,
            dollars(long_cents),
            dollars(short_cents),
            Formula(f"=MIN({{hour}},{PERIOD_END}-1)"),
            sums["long"],
            sums["short"],
            Formula("=ROUND({long_24h_usd}+{short_24h_usd},2)"),
        ]
        for (asset, _, long_cents, short_cents), hour in zip(
            rows.itertuples(index=False), naive_utc_all(rows["hour"]), strict=True
        )
    ]


def peak_by_asset_rows(inputs: Inputs) -> list[list[Any]]:
    this_asset = f"({{{ASSET_HOURS}!base_asset}}={{base_asset}})"
    best = f"MATCH(1,INDEX({this_asset}*({{{ASSET_HOURS}!total_24h_usd}}={{total_usd}}),0),0)"
    # The window's last hour with liquidations of the asset: the earliest window holding the same ones
    # starts 23 hours before it (or at the period's start).
    hours = f"{{{ASSET_HOURS}!hour}}"
    last = f"SUMPRODUCT(MAX({this_asset}*({hours}<{{best_window}}+1)*{hours}))"
    return [
        [
            text(asset),
            Formula(f"=SUMPRODUCT(MAX({this_asset}*{{{ASSET_HOURS}!total_24h_usd}}))"),
            Formula(f"=INDEX({{{ASSET_HOURS}!long_24h_usd}},{best})"),
            Formula(f"=INDEX({{{ASSET_HOURS}!short_24h_usd}},{best})"),
            Formula(f"=INDEX({{{ASSET_HOURS}!window_start}},{best})"),
            Formula(f"=MAX({PERIOD_START},ROUND(({last}-23/24)*24,0)/24)"),
            Formula("={window_start}+1"),
        ]
        for asset in sorted(set(inputs.audit.hourly_by_asset["base_asset"]))
    ]


def collateral_pricing_rows(inputs: Inputs) -> list[list[Any]]:
    return [
        [text(v), text(m), dollars(b), dollars(c)]
        for v, m, b, c in inputs.report.partials.collateral_pricing.itertuples(index=False)
    ]


def account_rows(inputs: Inputs) -> list[list[Any]]:
    return [[text(v), int(a), int(e)] for v, a, e in inputs.report.partials.liquidated_accounts.itertuples(index=False)]


def dat_maturity_rows(inputs: Inputs) -> list[list[Any]]:
    return [[text(le), text(y), dollars(c)] for le, y, c in inputs.report.partials.dat_maturity.itertuples(index=False)]


def loan_rows(inputs: Inputs) -> list[list[Any]]:
    stable = set(inputs.report.thresholds.scenarios.stable_assets)
    return [
        [text(le), text(a), dollars(b), dollars(c), float(ltv), a in stable]
        for le, a, b, c, ltv in inputs.audit.loans_with_ltv.itertuples(index=False)
    ]


def scenario_rows(inputs: Inputs) -> list[list[Any]]:
    bands, loans = "{Leverage bands!open_interest_usd}", "{Loans with LTV!borrowed_usd}"
    shocked = "{Loans with LTV!collateral_usd}*(1-{shock}*(1-{Loans with LTV!stable}))"
    oi = f"SUMPRODUCT(({{Leverage bands!lower_bound}}*{{shock}}>=1)*{bands})"
    at_risk = f"SUMPRODUCT((({loans}/({shocked}))>={{Loans with LTV!liquidation_ltv}})*{loans})"
    no_bands = f"COUNT({bands})=0"
    no_loans = f"{count_types(LOAN_TYPES)}=0"
    return [
        [
            float(shock),
            shock_key(shock),
            Formula(f'=IF({no_bands},"{NOT_AVAILABLE}",ROUND({oi},2))'),
            Formula(f'=IF(OR({no_bands},SUM({bands})=0),"{NOT_AVAILABLE}",{oi}/SUM({bands}))'),
            Formula(f'=IF({no_loans},"{NOT_AVAILABLE}",ROUND({at_risk},2))'),
            Formula(f'=IF(OR({no_loans},SUM({loans})=0),"{NOT_AVAILABLE}",{at_risk}/SUM({loans}))'),
        ]
        for shock in inputs.report.thresholds.scenarios.shocks
    ]


SHEETS = (
    Sheet(
        ASSET_HOURS,
        (
            Column("base_asset", width=12),
            Column("hour (UTC, start)", "datetime"),
            Column("long_usd (USD, this hour)", "money"),
            Column("short_usd (USD, this hour)", "money"),
            Column("window_start (UTC; this hour, or the last start whose 24 hours end in the period)", "datetime"),
            Column("long_24h_usd (USD, 24 hours from window_start)", "money"),
            Column("short_24h_usd (USD, 24 hours from window_start)", "money"),
            Column("total_24h_usd (USD, 24 hours from window_start)", "money"),
        ),
        asset_hour_rows,
        "liquidations per base asset and UTC hour (hours with liquidations), and the 24-hour window from each",
    ),
    Sheet(
        PEAK_BY_ASSET,
        (
            Column("base_asset", width=12),
            Column("total_usd (USD, the largest 24-hour window)", "money"),
            Column("long_usd (USD)", "money"),
            Column("short_usd (USD)", "money"),
            Column("best_window (UTC; the start, on Asset hours, of the largest window)", "datetime"),
            Column("window_start (UTC; the earliest start holding the same liquidations)", "datetime"),
            Column("window_end (UTC)", "datetime"),
        ),
        peak_by_asset_rows,
        "each asset's peak 24 hours: the largest window of Asset hours, moved to its earliest start "
        "(peak_24h_by_asset)",
    ),
    Sheet(
        "Liquidated accounts",
        (
            Column("venue", width=30),
            Column("accounts (distinct account_ref)", "count", 14),
            Column("referenced_events (events with an account_ref)", "count", 16),
        ),
        account_rows,
        "distinct liquidated accounts per venue (accounts_liquidated)",
    ),
    Sheet(
        "Collateral pricing",
        (
            Column("venue", width=30),
            Column("pricing_method", width=16),
            Column("balance_usd (USD)", "money"),
            Column("cross_margin_usd (USD)", "money"),
        ),
        collateral_pricing_rows,
        "client collateral and cross-margin collateral per venue and pricing method",
    ),
    Sheet(
        "DAT maturity",
        (Column("lender", width=34), Column("maturity_year", width=14), Column("principal_usd (USD)", "money")),
        dat_maturity_rows,
        "DAT debt principal per treasury and maturity year (none: no maturity date)",
    ),
    Sheet(
        "Loans with LTV",
        (
            Column("lender", width=30),
            Column("collateral_asset", width=14),
            Column("borrowed_usd (USD)", "money"),
            Column("collateral_usd (USD)", "money"),
            Column("liquidation_ltv (share)", "ratio"),
            Column("stable (collateral not shocked: a stable asset of the configuration)", "bool", 16),
        ),
        loan_rows,
        "every secured loan with a liquidation_ltv (the loans of the stress scenarios)",
    ),
    Sheet(
        "Scenarios",
        (
            Column("shock (price fall, 0-1)", "share"),
            Column("shock_key", width=10),
            Column("oi_at_risk_usd (USD; bands whose lower_bound × shock ≥ 1)", "money"),
            Column("oi_at_risk_share (of Σ bands)", "share", 14),
            Column("loans_at_risk_usd (USD; borrowed ÷ (collateral × (1 − shock)) ≥ liquidation_ltv)", "money"),
            Column("loans_at_risk_share (of Σ loans with LTV)", "share", 14),
        ),
        scenario_rows,
        "the stress scenarios, one shock a row, recomputed from Leverage bands and Loans with LTV",
    ),
)

_VENUES = count_types(EXCHANGE_TYPES)
_N = "derivatives_"
_HOURS = "{Liquidation windows!total_usd}"
_BEST_HOUR = f"MATCH(MAX({_HOURS}),{_HOURS},0)"
_NO_HOUR = f"OR({_VENUES}=0,MAX({_HOURS})=0)"
_BALANCE, _CROSS = "{Collateral pricing!balance_usd}", "{Collateral pricing!cross_margin_usd}"
_METHOD = "{Collateral pricing!pricing_method}"
_NO_COLLATERAL = f"OR({_VENUES}=0,COUNT({_BALANCE})=0)"


def _peak_hour(part: str, kind: str, formula: str) -> Figure:
    return Figure(f"derivatives.peak_1h_liquidations.{part}", kind, nullable(_NO_HOUR, formula))


FIGURES: tuple[Figure, ...] = (
    _peak_hour("start", "datetime", f"INDEX({{Liquidation windows!window_start}},{_BEST_HOUR})"),
    _peak_hour("end", "datetime", f"INDEX({{Liquidation windows!window_start}},{_BEST_HOUR})+1/24"),
    _peak_hour("total_usd", "money", f"ROUND(MAX({_HOURS}),2)"),
    _peak_hour("long_usd", "money", f"ROUND(INDEX({{Liquidation windows!long_usd}},{_BEST_HOUR}),2)"),
    _peak_hour("short_usd", "money", f"ROUND(INDEX({{Liquidation windows!short_usd}},{_BEST_HOUR}),2)"),
    Figure(
        "derivatives.largest_liquidation_share",
        "share",
        nullable(
            f"OR(ISTEXT({_N}largest_liquidation_notional_usd),N({_N}liquidations_total_usd)=0)",
            f"{_N}largest_liquidation_notional_usd/{_N}liquidations_total_usd",
        ),
    ),
    Figure(
        "derivatives.accounts_liquidated",
        "count",
        nullable(
            f"OR({_VENUES}=0,SUM({{Liquidated accounts!referenced_events}})=0)",
            "SUM({Liquidated accounts!accounts})",
        ),
    ),
    *(
        Figure(
            f"derivatives.collateral_by_pricing_method.{method}",
            "money",
            nullable(_NO_COLLATERAL, f'ROUND(SUMPRODUCT(({_METHOD}="{method}")*{_BALANCE}),2)'),
        )
        for method in PRICING_METHODS
    ),
    Figure(
        "derivatives.self_priced_collateral_share",
        "share",
        nullable(
            f"OR({_NO_COLLATERAL},SUM({_BALANCE})=0)",
            f'SUMPRODUCT(({_METHOD}="{SELF_PRICED}")*{_BALANCE})/SUM({_BALANCE})',
        ),
    ),
    Figure("derivatives.cross_margin_collateral_usd", "money", nullable(_NO_COLLATERAL, f"ROUND(SUM({_CROSS}),2)")),
    Figure(
        "derivatives.cross_margin_self_priced_usd",
        "money",
        nullable(_NO_COLLATERAL, f'ROUND(SUMPRODUCT(({_METHOD}="{SELF_PRICED}")*{_CROSS}),2)'),
    ),
)
"""Every new scalar figure of the derivatives section, with the formula that recomputes it."""


def breakdown_figures(metrics: dict[str, Any]) -> list[Figure]:
    """The entries keyed by asset, maturity year or shock: a reference to their row, no name."""
    d, lending, scenarios = metrics["derivatives"], metrics["lending"], metrics["scenarios"]
    figures = []
    for part in ("total_usd", "long_usd", "short_usd"):
        figures += keyed_figures("derivatives.peak_24h_by_asset", d, PEAK_BY_ASSET, "base_asset", f"={{@{part}}}", part)
    for part in ("start", "end"):
        figures += [
            Figure(
                "derivatives.peak_24h_by_asset",
                "datetime",
                f"={{@window_{part}}}",
                (asset, part),
                (PEAK_BY_ASSET, "base_asset"),
            )
            for asset in d.get("peak_24h_by_asset") or {}
        ]
    figures += keyed_figures(
        "lending.dat_debt_by_maturity_year",
        lending,
        "DAT maturity",
        "maturity_year",
        "=ROUND(SUMPRODUCT(({DAT maturity!maturity_year}={@maturity_year})*{DAT maturity!principal_usd}),2)",
    )
    for key, kind in (
        ("oi_at_risk_usd", "money"),
        ("oi_at_risk_share", "share"),
        ("loans_at_risk_usd", "money"),
        ("loans_at_risk_share", "share"),
    ):
        figures += [
            Figure(f"scenarios.{key}", kind, f"={{@{key}}}", (shock,), ("Scenarios", "shock_key"))
            for shock in scenarios.get(key) or {}
        ]
    return figures
