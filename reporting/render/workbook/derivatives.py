"""Derivatives: open interest, funding, collateral, leverage and liquidation sheets, and the derivatives figures."""

from __future__ import annotations

from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.utils import get_column_letter, quote_sheetname

from reporting.contract import EXCHANGE_TYPES
from reporting.metrics.audit import AuditTables
from reporting.metrics.derivatives import METHODS, WINDOW_HOURS
from reporting.metrics.partials import EVENTS_CAP, HIGH_LEVERAGE_BANDS
from reporting.metrics.scenarios import BAND_LOWER_BOUNDS
from reporting.render.workbook.figures import Figure, count_types, exact_sum, gate, keyed_figures, nullable
from reporting.render.workbook.inputs import Inputs, dollars, naive_utc_all, text
from reporting.render.workbook.writer import (
    NOT_AVAILABLE,
    Column,
    Formula,
    Sheet,
    cell,
    column_styles,
    protect,
    write_header,
)

HOURLY = "Liquidations hourly"
HOURLY_NOTE = "liquidated notional in every UTC hour of the period: long, then short, per venue"


def oi_daily_rows(inputs: Inputs) -> list[list[Any]]:
    oi = inputs.report.partials.open_interest
    last_date = exact_sum("{OI by venue!venue}", "{venue}", "{OI by venue!last_reported_date}")
    return [
        [text(venue), date, text(asset), dollars(cents), Formula(f"=IF({{date}}={last_date},TRUE,FALSE)")]
        for venue, date, asset, cents in zip(
            oi["venue"], naive_utc_all(oi["date"]), oi["base_asset"], oi["open_interest_cents"], strict=True
        )
    ]


def oi_by_venue_rows(inputs: Inputs) -> list[list[Any]]:
    on_last_date = exact_sum(
        "{OI daily!venue}", "{venue}", "({OI daily!date}={last_reported_date})", "{OI daily!open_interest_usd}"
    )
    share = f'=IF(SUM({{open_interest_usd$}})=0,"{NOT_AVAILABLE}",{{open_interest_usd}}/SUM({{open_interest_usd$}}))'
    return [
        [
            venue,
            Formula("=SUMPRODUCT(MAX(EXACT({OI daily!venue},{venue})*{OI daily!date}))"),
            Formula(f"={on_last_date}"),
            Formula(share),
        ]
        for venue in sorted(set(inputs.report.partials.open_interest["venue"]))
    ]


def oi_by_asset_rows(inputs: Inputs) -> list[list[Any]]:
    at_end = "=SUMPRODUCT(({OI daily!base_asset}={base_asset})*{OI daily!period_end}*{OI daily!open_interest_usd})"
    return [[asset, Formula(at_end)] for asset in sorted(set(inputs.report.partials.open_interest["base_asset"]))]


def oi_totals_rows(inputs: Inputs) -> list[list[Any]]:
    dates = sorted(set(inputs.report.partials.open_interest["date"]))
    total = "=SUMPRODUCT(({OI daily!date}={date})*{OI daily!open_interest_usd})"
    return [[date, Formula(total)] for date in naive_utc_all(dates)]


def oi_period_end_rows(inputs: Inputs) -> list[list[Any]]:
    rows = inputs.audit.period_end_open_interest
    return [
        [text(v), d, text(s), text(a), text(c), dollars(x)]
        for (v, _, s, a, c, x), d in zip(rows.itertuples(index=False), naive_utc_all(rows["date"]), strict=True)
    ]


def funding_rows(inputs: Inputs) -> list[list[Any]]:
    funding = inputs.audit.funding_rows
    weighted = Formula("={open_interest_usd}*{funding_rate}*8/{funding_interval_hours}")
    return [
        [text(v), d, text(s), dollars(x), float(r), float(h), weighted]
        for (v, _, s, x, r, h), d in zip(funding.itertuples(index=False), naive_utc_all(funding["date"]), strict=True)
    ]


def collateral_rows(inputs: Inputs) -> list[list[Any]]:
    open_interest = Formula("=" + exact_sum("{OI by venue!venue}", "{venue}", "{OI by venue!open_interest_usd}"))
    return [
        [text(v), dollars(b), int(n), open_interest]
        for v, b, n in inputs.report.partials.collateral.itertuples(index=False)
    ]


def band_rows(inputs: Inputs) -> list[list[Any]]:
    high = Formula("=OR(" + ",".join(f'{{band}}="{band}"' for band in HIGH_LEVERAGE_BANDS) + ")")
    return [
        [text(v), text(b), dollars(x), high, BAND_LOWER_BOUNDS[str(b)]]
        for v, b, x in inputs.audit.leverage_band_rows.itertuples(index=False)
    ]


def write_hourly(workbook: Workbook, audit: AuditTables) -> None:
    """Liquidations hourly: a row per hour of the period, a column per side and venue (USD).

    Row k + 2 holds hour_of_period k, as on Liquidation windows. The sheet is not an Excel table: its
    headers name venues, and table headers must differ even in letter case.
    """
    hourly = audit.hourly_liquidations
    hours = audit.period_hours
    sheet = workbook.create_sheet(HOURLY)
    headers = ["hour_of_period", "hour (UTC, start)"]
    headers += [f"{side}_usd (USD): {venue}" for side, venue in hourly.columns]
    write_header(sheet, headers)
    styles = column_styles(sheet, ["count", "datetime"] + ["money"] * len(hourly.columns))
    amounts = (hourly.to_numpy() / 100.0).tolist()
    for k, hour, sums in zip(hours["hour_of_period"], naive_utc_all(hours["hour"]), amounts, strict=True):
        values = [int(k), hour, *sums]
        sheet.append([cell(sheet, value, style) for value, style in zip(values, styles, strict=True)])
    for index, header in enumerate(headers, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(14, min(len(header) + 3, 40))
    sheet.freeze_panes = "C2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{len(hours) + 1}"
    protect(sheet)


def hourly_sums(audit: AuditTables) -> tuple[str, str]:
    """The formulas of an hour's long and short sums over the venues on Liquidations hourly, in the same row."""
    venues = len(audit.hourly_liquidations.columns) // 2
    if venues == 0:
        return "=0", "=0"
    name = quote_sheetname(HOURLY)
    first_long, last_long = get_column_letter(3), get_column_letter(2 + venues)
    first_short, last_short = get_column_letter(3 + venues), get_column_letter(2 + 2 * venues)
    return (
        f"=SUM({name}!${first_long}{{row}}:${last_long}{{row}})",
        f"=SUM({name}!${first_short}{{row}}:${last_short}{{row}})",
    )


def window_rows(inputs: Inputs) -> list[list[Any]]:
    long_sum, short_sum = hourly_sums(inputs.audit)
    hours = inputs.audit.period_hours
    later = WINDOW_HOURS - 1
    rows = []
    for k, hour, end, inside in zip(
        hours["hour_of_period"],
        naive_utc_all(hours["hour"]),
        naive_utc_all(hours["window_end"]),
        hours["window_inside"],
        strict=True,
    ):
        rows.append(
            [
                int(k),
                hour,
                end,
                Formula(long_sum),
                Formula(short_sum),
                Formula("={long_usd}+{short_usd}"),
                Formula(f"=ROUND(SUM({{long_usd}}:{{long_usd+{later}}}),2)") if inside else NOT_AVAILABLE,
                Formula(f"=ROUND(SUM({{short_usd}}:{{short_usd+{later}}}),2)") if inside else NOT_AVAILABLE,
                Formula("=ROUND({long_24h_usd}+{short_24h_usd},2)") if inside else NOT_AVAILABLE,
            ]
        )
    return rows


def breakdown_rows(inputs: Inputs) -> list[list[Any]]:
    return [
        [text(v), text(a), text(s), text(m), text(mm), dollars(n), dollars(ic), int(e)]
        for v, a, s, m, mm, n, ic, e in inputs.audit.liquidation_breakdown.itertuples(index=False)
    ]


BREAKDOWN = "Liquidations breakdown"


def liquidations_by_venue_rows(inputs: Inputs) -> list[list[Any]]:
    def side(name: str) -> Formula:
        chosen = f'({{{BREAKDOWN}!position_side}}="{name}")'
        return Formula(
            f"=ROUND({exact_sum(f'{{{BREAKDOWN}!venue}}', '{venue}', chosen, f'{{{BREAKDOWN}!notional_usd}}')},2)"
        )

    share = f'=IF(SUM({{total_usd$}})=0,"{NOT_AVAILABLE}",{{total_usd}}/SUM({{total_usd$}}))'
    return [
        [venue, side("long"), side("short"), Formula("=ROUND({long_usd}+{short_usd},2)"), Formula(share)]
        for venue in sorted(set(inputs.audit.liquidation_breakdown["venue"]))
    ]


def liquidations_by_asset_rows(inputs: Inputs) -> list[list[Any]]:
    def side(name: str) -> Formula:
        return Formula(
            f"=ROUND(SUMPRODUCT(({{{BREAKDOWN}!base_asset}}={{base_asset}})*({{{BREAKDOWN}!position_side}}="
            f'"{name}")*{{{BREAKDOWN}!notional_usd}}),2)'
        )

    return [
        [asset, side("long"), side("short"), Formula("=ROUND({long_usd}+{short_usd},2)")]
        for asset in sorted(set(inputs.audit.liquidation_breakdown["base_asset"]))
    ]


def event_rows(frame: pd.DataFrame) -> list[list[Any]]:
    rows = []
    for (v, e, _, s, a, side, m, mm, n, inc), ts in zip(
        frame.itertuples(index=False), naive_utc_all(frame["ts"]), strict=True
    ):
        rows.append([text(v), text(e), ts, text(s), text(a), text(side), text(m), text(mm), dollars(n), text(inc)])
    return rows


EVENT_COLUMNS = (
    Column("venue", width=30),
    Column("event_id", width=24),
    Column("ts (UTC)", "datetime"),
    Column("symbol", width=16),
    Column("base_asset", width=12),
    Column("position_side", width=13),
    Column("method", width=12),
    Column("margin_mode", width=13),
    Column("notional_usd (USD)", "money"),
    Column("incident_id", width=20),
)

OPEN_INTEREST_SHEETS = (
    Sheet(
        "OI daily",
        (
            Column("venue", width=30),
            Column("date (UTC)", "date"),
            Column("base_asset", width=12),
            Column("open_interest_usd (USD, Σ over symbols)", "money"),
            Column("period_end (the venue's last reported date)", "bool", 16),
        ),
        oi_daily_rows,
        "open interest per venue, UTC date and base asset (Σ over symbols); period_end marks each venue's "
        "last reported date",
    ),
    Sheet(
        "OI by venue",
        (
            Column("venue", width=30),
            Column("last_reported_date (UTC)", "date", 16),
            Column("open_interest_usd (USD, on the last reported date)", "money"),
            Column("share (of open_interest_usd)", "share", 14),
        ),
        oi_by_venue_rows,
        "each venue's last reported date, period-end open interest and share (HHI, top-4 share)",
    ),
    Sheet(
        "OI by asset",
        (Column("base_asset", width=14), Column("open_interest_usd (USD, period end)", "money")),
        oi_by_asset_rows,
        "period-end open interest per base asset",
    ),
    Sheet(
        "OI daily totals",
        (Column("date (UTC)", "date"), Column("open_interest_usd (USD, Σ over venues and symbols)", "money")),
        oi_totals_rows,
        "Σ open interest per date (the peak)",
    ),
    Sheet(
        "OI period end",
        (
            Column("venue", width=30),
            Column("date (UTC)", "date"),
            Column("symbol", width=18),
            Column("base_asset", width=12),
            Column("contract_type", width=13),
            Column("open_interest_usd (USD)", "money"),
        ),
        oi_period_end_rows,
        "the open-interest rows of each venue's last reported date, by symbol",
    ),
    Sheet(
        "Funding",
        (
            Column("venue", width=30),
            Column("date (UTC)", "date"),
            Column("symbol", width=18),
            Column("open_interest_usd (USD)", "money"),
            Column("funding_rate (per interval)", "rate", 14),
            Column("funding_interval_hours (h)", "count", 12),
            Column("weighted_usd (USD; open_interest_usd × funding_rate × 8 ÷ interval)", "number", 24),
        ),
        funding_rows,
        "perpetual rows with a funding rate: the OI-weighted funding rate",
    ),
    Sheet(
        "Collateral",
        (
            Column("venue", width=30),
            Column("balance_usd (USD, Σ client collateral)", "money"),
            Column("rows", "count"),
            Column("open_interest_usd (USD, period end, from OI by venue)", "money"),
        ),
        collateral_rows,
        "client collateral per venue and its period-end open interest (estimated leverage)",
    ),
    Sheet(
        "Leverage bands",
        (
            Column("venue", width=30),
            Column("band (effective leverage, base_asset ALL)", "text", 16),
            Column("open_interest_usd (USD)", "money"),
            Column("high_leverage (band 25-50 or 50+)", "bool", 16),
            Column("lower_bound (the band's lowest leverage, for the stress scenarios)", "count", 16),
        ),
        band_rows,
        "open interest by leverage band, whole book (high-leverage share)",
    ),
)
"""The sheets before Liquidations hourly."""

LIQUIDATION_SHEETS = (
    Sheet(
        "Liquidation windows",
        (
            Column("hour_of_period", "count", 14),
            Column("window_start (UTC)", "datetime"),
            Column("window_end (UTC, start + 24 h)", "datetime"),
            Column("long_usd (USD, this hour)", "money"),
            Column("short_usd (USD, this hour)", "money"),
            Column("total_usd (USD, this hour)", "money"),
            Column("long_24h_usd (USD, window from this hour)", "money"),
            Column("short_24h_usd (USD, window from this hour)", "money"),
            Column("total_24h_usd (USD, window from this hour)", "money"),
        ),
        window_rows,
        "every hour of the period: its sums over the venues (same row as on Liquidations hourly) and its 24-hour "
        "window sums (the peak window)",
    ),
    Sheet(
        BREAKDOWN,
        (
            Column("venue", width=30),
            Column("base_asset", width=12),
            Column("position_side", width=13),
            Column("method", width=12),
            Column("margin_mode", width=13),
            Column("notional_usd (USD)", "money"),
            Column("incident_usd (USD, events naming an incident)", "money"),
            Column("events", "count"),
        ),
        breakdown_rows,
        "liquidated notional per venue, asset, side, method and margin mode",
    ),
    Sheet(
        "Liquidations by venue",
        (
            Column("venue", width=30),
            Column("long_usd (USD)", "money"),
            Column("short_usd (USD)", "money"),
            Column("total_usd (USD)", "money"),
            Column("share (of liquidations_total_usd)", "share", 14),
        ),
        liquidations_by_venue_rows,
        "long, short, total and share per venue (liquidation HHI)",
    ),
    Sheet(
        "Liquidations by asset",
        (
            Column("base_asset", width=14),
            Column("long_usd (USD)", "money"),
            Column("short_usd (USD)", "money"),
            Column("total_usd (USD)", "money"),
        ),
        liquidations_by_asset_rows,
        "long, short and total per base asset",
    ),
    Sheet(
        "Largest by venue",
        EVENT_COLUMNS,
        lambda inputs: event_rows(inputs.audit.largest_by_venue),
        "the largest liquidation of each venue, in the toolkit's tie order",
    ),
    Sheet(
        "Largest events",
        EVENT_COLUMNS,
        lambda inputs: event_rows(inputs.audit.largest_events),
        f"the largest liquidation events, at most {EVENTS_CAP:,}",
    ),
)
"""The sheets after Liquidations hourly."""


_VENUES = count_types(EXCHANGE_TYPES)
_OI = "{OI by venue!open_interest_usd}"
_SHARES = "{OI by venue!share}"
_LIQ_NOTIONAL, _LIQ_METHOD = f"{{{BREAKDOWN}!notional_usd}}", f"{{{BREAKDOWN}!method}}"
_LARGEST = "{Largest by venue!notional_usd}"
_WINDOWS = "{Liquidation windows!total_24h_usd}"
_N = "derivatives_"
_TOTAL = f"{_N}liquidations_total_usd"
_NO_OI = f"OR({_VENUES}=0,COUNT({_OI})=0)"
_TOP4 = "+".join(f"IFERROR(LARGE({_OI},{k}),0)" for k in range(1, 5))
_PEAK = "MAX({OI daily totals!open_interest_usd})"
_BEST = f"MATCH(MAX({_WINDOWS}),{_WINDOWS},0)"
_NO_PEAK = f"OR({_VENUES}=0,MAX({_WINDOWS})=0)"
_TOP_EVENT = f"MATCH(MAX({_LARGEST}),{_LARGEST},0)"
_NO_EVENT = f"OR({_VENUES}=0,COUNT({_LARGEST})=0)"
_FUNDING_OI, _BANDS_OI = "{Funding!open_interest_usd}", "{Leverage bands!open_interest_usd}"


def _side(name: str) -> str:
    return f'ROUND(SUMPRODUCT(({{{BREAKDOWN}!position_side}}="{name}")*{_LIQ_NOTIONAL}),2)'


def _share_of_total(part: str) -> str:
    return f'=IF(OR({_VENUES}=0,N({_TOTAL})=0),"{NOT_AVAILABLE}",{part}/{_TOTAL})'


def _largest_event(part: str, kind: str, column: str) -> Figure:
    return Figure(
        f"derivatives.largest_liquidation.{part}",
        kind,
        nullable(_NO_EVENT, f"INDEX({{Largest by venue!{column}}},{_TOP_EVENT})"),
    )


def _peak_window(part: str, column: str) -> Figure:
    return Figure(
        f"derivatives.peak_24h_liquidations.{part}",
        "money",
        nullable(_NO_PEAK, f"INDEX({{Liquidation windows!{column}}},{_BEST})"),
    )


FIGURES: tuple[Figure, ...] = (
    Figure("derivatives.open_interest_usd", "money", nullable(_NO_OI, f"ROUND(SUM({_OI}),2)")),
    Figure("derivatives.open_interest_peak_usd", "money", nullable(_NO_OI, f"ROUND({_PEAK},2)")),
    Figure(
        "derivatives.open_interest_peak_date",
        "date",
        nullable(_NO_OI, f"INDEX({{OI daily totals!date}},MATCH({_PEAK},{{OI daily totals!open_interest_usd}},0))"),
    ),
    Figure(
        "derivatives.open_interest_hhi",
        "hhi",
        nullable(f"OR({_NO_OI},SUM({_OI})=0)", f"10000*SUMPRODUCT({_SHARES},{_SHARES})"),
    ),
    Figure(
        "derivatives.open_interest_top4_share",
        "share",
        nullable(f"OR({_NO_OI},SUM({_OI})=0)", f"({_TOP4})/SUM({_OI})"),
    ),
    Figure(
        "derivatives.funding_rate_8h_oi_weighted",
        "rate",
        nullable(f"OR({_VENUES}=0,SUM({_FUNDING_OI})=0)", f"SUM({{Funding!weighted_usd}})/SUM({_FUNDING_OI})"),
    ),
    Figure(
        "derivatives.funding_rate_annualized",
        "share",
        nullable(f'{_N}funding_rate_8h_oi_weighted="{NOT_AVAILABLE}"', f"{_N}funding_rate_8h_oi_weighted*3*365"),
    ),
    Figure(
        "derivatives.estimated_leverage_ratio",
        "ratio",
        nullable(
            f"OR({_VENUES}=0,SUM({{Collateral!balance_usd}})=0)",
            "SUM({Collateral!open_interest_usd})/SUM({Collateral!balance_usd})",
        ),
    ),
    Figure(
        "derivatives.high_leverage_oi_share",
        "share",
        nullable(
            f"OR({_VENUES}=0,SUM({_BANDS_OI})=0)",
            f"SUMPRODUCT({{Leverage bands!high_leverage}}*{_BANDS_OI})/SUM({_BANDS_OI})",
        ),
    ),
    Figure("derivatives.liquidations_long_usd", "money", gate(_VENUES, _side("long"))),
    Figure("derivatives.liquidations_short_usd", "money", gate(_VENUES, _side("short"))),
    Figure(
        "derivatives.liquidations_total_usd",
        "money",
        gate(_VENUES, f"ROUND({_N}liquidations_long_usd+{_N}liquidations_short_usd,2)"),
    ),
    Figure("derivatives.liquidations_long_share", "share", _share_of_total(f"{_N}liquidations_long_usd")),
    Figure(
        "derivatives.liquidations_hhi",
        "hhi",
        nullable(
            f"OR({_VENUES}=0,N({_TOTAL})=0)",
            "10000*SUMPRODUCT({Liquidations by venue!share},{Liquidations by venue!share})",
        ),
    ),
    Figure("derivatives.largest_liquidation.notional_usd", "money", nullable(_NO_EVENT, f"MAX({_LARGEST})")),
    _largest_event("venue", "text", "venue"),
    _largest_event("symbol", "text", "symbol"),
    _largest_event("base_asset", "text", "base_asset"),
    _largest_event("position_side", "text", "position_side"),
    _largest_event("ts", "datetime", "ts"),
    Figure(
        "derivatives.peak_24h_liquidations.start",
        "datetime",
        nullable(_NO_PEAK, f"INDEX({{Liquidation windows!window_start}},{_BEST})"),
    ),
    Figure(
        "derivatives.peak_24h_liquidations.end",
        "datetime",
        nullable(_NO_PEAK, f"INDEX({{Liquidation windows!window_end}},{_BEST})"),
    ),
    Figure("derivatives.peak_24h_liquidations.total_usd", "money", nullable(_NO_PEAK, f"MAX({_WINDOWS})")),
    _peak_window("long_usd", "long_24h_usd"),
    _peak_window("short_usd", "short_24h_usd"),
    *(
        Figure(
            f"derivatives.liquidations_method_share.{method}",
            "share",
            _share_of_total(f'SUMPRODUCT(({_LIQ_METHOD}="{method}")*{_LIQ_NOTIONAL})'),
        )
        for method in METHODS
    ),
    Figure(
        "derivatives.adl_usd",
        "money",
        gate(_VENUES, f'ROUND(SUMPRODUCT(({_LIQ_METHOD}="adl")*{_LIQ_NOTIONAL}),2)'),
    ),
    Figure(
        "derivatives.cross_margin_liquidation_share",
        "share",
        _share_of_total(
            f'SUMPRODUCT((({{{BREAKDOWN}!margin_mode}}="cross")+({{{BREAKDOWN}!margin_mode}}="portfolio"))'
            f"*{_LIQ_NOTIONAL})"
        ),
    ),
    Figure(
        "derivatives.incident_liquidations_usd",
        "money",
        gate(_VENUES, f"ROUND(SUM({{{BREAKDOWN}!incident_usd}}),2)"),
    ),
)
"""Every scalar figure of the derivatives section, with the formula that recomputes it."""


def breakdown_figures(metrics: dict[str, Any]) -> list[Figure]:
    """The entries of the derivatives maps keyed by venue or asset: a reference to their row, no name."""
    d = metrics["derivatives"]
    figures = keyed_figures("derivatives.open_interest_by_venue", d, "OI by venue", "venue", "={@open_interest_usd}")
    figures += keyed_figures(
        "derivatives.open_interest_by_asset", d, "OI by asset", "base_asset", "={@open_interest_usd}"
    )
    for part in ("long_usd", "short_usd", "total_usd"):
        for path, title, name in (
            ("derivatives.liquidations_by_venue", "Liquidations by venue", "venue"),
            ("derivatives.liquidations_by_asset", "Liquidations by asset", "base_asset"),
        ):
            figures += keyed_figures(path, d, title, name, f"={{@{part}}}", part)
    return figures
