"""The derivatives section: open interest, funding, leverage and liquidations of the venues (cex, dex).

Every figure is derived from combined `Partials`. Money is in US dollars, rounded to cents; shares
are 0–1; HHI is 0–10,000. A figure that cannot be computed is None: all of them when no venue was
accepted; a share or ratio when its denominator is 0. Dicts keyed by venue or asset are sorted by key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from reporting.contract import EXCHANGE_TYPES, compute_period_bounds
from reporting.metrics.concentration import compute_hhi, compute_top_share
from reporting.metrics.partials import Partials
from reporting.metrics.period import format_date, format_timestamp, format_usd

METHODS = ("order_book", "backstop", "adl")
CROSS_MODES = ("cross", "portfolio")
WINDOW_HOURS = 24


@dataclass(frozen=True)
class LiquidationSplit:
    """Liquidated notional by position side (USD)."""

    long_usd: float
    short_usd: float
    total_usd: float


@dataclass(frozen=True)
class LargestLiquidation:
    """The single liquidation event with the largest notional_usd (ties: earliest ts)."""

    notional_usd: float
    venue: str
    symbol: str
    base_asset: str
    position_side: str
    ts: str


@dataclass(frozen=True)
class PeakWindow:
    """The 24-hour window (whole UTC hours, inside the period) with the largest liquidation total."""

    start: str
    end: str
    total_usd: float
    long_usd: float
    short_usd: float


@dataclass(frozen=True)
class DerivativesMetrics:
    """The `derivatives` section of metrics.md, key for key."""

    open_interest_usd: float | None = None
    open_interest_peak_usd: float | None = None
    open_interest_peak_date: str | None = None
    open_interest_by_venue: dict[str, float] | None = None
    open_interest_by_asset: dict[str, float] | None = None
    open_interest_hhi: float | None = None
    open_interest_top4_share: float | None = None
    funding_rate_8h_oi_weighted: float | None = None
    funding_rate_annualized: float | None = None
    estimated_leverage_ratio: float | None = None
    high_leverage_oi_share: float | None = None
    liquidations_long_usd: float | None = None
    liquidations_short_usd: float | None = None
    liquidations_total_usd: float | None = None
    liquidations_long_share: float | None = None
    liquidations_by_venue: dict[str, LiquidationSplit] | None = None
    liquidations_by_asset: dict[str, LiquidationSplit] | None = None
    liquidations_hhi: float | None = None
    largest_liquidation: LargestLiquidation | None = None
    peak_24h_liquidations: PeakWindow | None = None
    liquidations_method_share: dict[str, float] | None = None
    adl_usd: float | None = None
    cross_margin_liquidation_share: float | None = None
    incident_liquidations_usd: float | None = None


def compute_derivatives(partials: Partials, period: str) -> DerivativesMetrics:
    """The derivatives section from combined partials; every figure None when no venue was accepted."""
    if not partials.entities["entity_type"].isin(EXCHANGE_TYPES).any():
        return DerivativesMetrics()
    period_end = compute_period_end_open_interest(partials)
    return DerivativesMetrics(
        **compute_open_interest(partials),
        **compute_funding(partials),
        estimated_leverage_ratio=compute_estimated_leverage_ratio(partials, period_end),
        high_leverage_oi_share=compute_high_leverage_oi_share(partials),
        **compute_liquidations(partials),
        peak_24h_liquidations=compute_peak_24h_liquidations(partials, period),
    )


def compute_period_end_open_interest(partials: Partials) -> pd.DataFrame:
    """Open interest (cents) per venue and base_asset on the last date of the period that the venue reported."""
    rows = partials.open_interest
    last_date = rows.groupby("venue")["date"].transform("max")
    return rows[rows["date"] == last_date]


def compute_open_interest(partials: Partials) -> dict[str, Any]:
    """Open-interest figures (USD; HHI 0–10,000; share 0–1).

    - open_interest_usd: Σ over venues of each venue's open_interest_usd on the last date of the period
      that the venue reported.
    - open_interest_peak_usd, open_interest_peak_date: the largest daily total (Σ over venues and symbols
      of that date's rows) and its date (ties: earliest date).
    - open_interest_by_venue, open_interest_by_asset: period-end open interest by venue and by base_asset.
    - open_interest_hhi: Σ (100 × venue share of open_interest_usd)².
    - open_interest_top4_share: share of open_interest_usd held by the four largest venues.
    """
    if partials.open_interest.empty:
        return {}
    period_end = compute_period_end_open_interest(partials)
    by_venue = period_end.groupby("venue", sort=True)["open_interest_cents"].sum()
    by_asset = period_end.groupby("base_asset", sort=True)["open_interest_cents"].sum()
    daily = partials.open_interest.groupby("date", sort=True)["open_interest_cents"].sum()
    peak_date = daily.idxmax()  # the first (earliest) date among equal maxima
    return {
        "open_interest_usd": format_usd(by_venue.sum()),
        "open_interest_peak_usd": format_usd(daily[peak_date]),
        "open_interest_peak_date": format_date(peak_date),
        "open_interest_by_venue": {venue: format_usd(cents) for venue, cents in by_venue.items()},
        "open_interest_by_asset": {asset: format_usd(cents) for asset, cents in by_asset.items()},
        "open_interest_hhi": compute_hhi(by_venue),
        "open_interest_top4_share": compute_top_share(by_venue, 4),
    }


def compute_funding(partials: Partials) -> dict[str, Any]:
    """OI-weighted funding rate per 8 hours, and annualised (rates, 0.01 = 1 %).

    funding_rate_8h_oi_weighted: over all perpetual rows of the period with a funding rate,
    Σ(open_interest_usd × funding_rate × 8 / funding_interval_hours) ÷ Σ open_interest_usd.
    funding_rate_annualized: funding_rate_8h_oi_weighted × 3 × 365. None when Σ open_interest_usd is 0.
    """
    weight_cents = int(partials.funding["open_interest_cents"].sum())
    if weight_cents == 0:
        return {}
    # Σ over venues in venue order (rows are sorted by venue), so the sum does not depend on input order.
    rate = float(partials.funding["funding_weighted_usd"].sum()) / (weight_cents / 100.0)
    return {"funding_rate_8h_oi_weighted": rate, "funding_rate_annualized": rate * 3 * 365}


def compute_estimated_leverage_ratio(partials: Partials, period_end: pd.DataFrame) -> float | None:
    """Period-end open interest of the venues that sent collateral rows ÷ their Σ balance_usd (a ratio).

    None when no venue sent collateral or their Σ balance_usd is 0.
    """
    balance = int(partials.collateral["balance_cents"].sum())
    if balance == 0:
        return None
    venues = partials.collateral["venue"]
    open_interest = int(period_end.loc[period_end["venue"].isin(venues), "open_interest_cents"].sum())
    return open_interest / balance


def compute_high_leverage_oi_share(partials: Partials) -> float | None:
    """Over venues that sent leverage_bands rows with base_asset `ALL`: Σ bands `25-50` and `50+` ÷ Σ all bands.

    A share, 0–1; None when no venue sent such rows or their Σ is 0.
    """
    total = int(partials.leverage_bands["all_bands_cents"].sum())
    if total == 0:
        return None
    return int(partials.leverage_bands["high_leverage_cents"].sum()) / total


def compute_liquidations(partials: Partials) -> dict[str, Any]:
    """Liquidation figures (USD; shares 0–1; HHI 0–10,000).

    - liquidations_long_usd, liquidations_short_usd: Σ notional_usd by position_side; total: their sum.
    - liquidations_long_share: long ÷ total.
    - liquidations_by_venue, liquidations_by_asset: {long_usd, short_usd, total_usd} per venue, per base_asset.
    - liquidations_hhi: HHI of venue shares of liquidations_total_usd.
    - largest_liquidation: the event with the largest notional_usd (ties: earliest ts, then venue, event_id).
    - liquidations_method_share: {order_book, backstop, adl} shares of liquidations_total_usd.
    - adl_usd: Σ notional_usd with method `adl`.
    - cross_margin_liquidation_share: share of liquidations_total_usd with margin_mode `cross` or `portfolio`.
    - incident_liquidations_usd: Σ notional_usd of liquidations that name an incident_id.
    Shares are None when the total is 0 (no liquidations); sums are then 0.
    """
    buckets = partials.liquidations
    cents = buckets["notional_cents"]
    long_cents = int(cents[buckets["position_side"] == "long"].sum())
    short_cents = int(cents[buckets["position_side"] == "short"].sum())
    total = long_cents + short_cents
    by_method = buckets.groupby("method")["notional_cents"].sum()
    by_venue_total = buckets.groupby("venue", sort=True)["notional_cents"].sum()
    cross = int(cents[buckets["margin_mode"].isin(CROSS_MODES)].sum())
    largest = partials.largest_liquidation
    return {
        "liquidations_long_usd": format_usd(long_cents),
        "liquidations_short_usd": format_usd(short_cents),
        "liquidations_total_usd": format_usd(total),
        "liquidations_long_share": long_cents / total if total else None,
        "liquidations_by_venue": _split_by(buckets, "venue"),
        "liquidations_by_asset": _split_by(buckets, "base_asset"),
        "liquidations_hhi": compute_hhi(by_venue_total),
        "largest_liquidation": None
        if largest.empty
        else LargestLiquidation(
            notional_usd=format_usd(largest["notional_cents"].iloc[0]),
            venue=str(largest["venue"].iloc[0]),
            symbol=str(largest["symbol"].iloc[0]),
            base_asset=str(largest["base_asset"].iloc[0]),
            position_side=str(largest["position_side"].iloc[0]),
            ts=format_timestamp(largest["ts"].iloc[0]),
        ),
        "liquidations_method_share": {method: int(by_method.get(method, 0)) / total for method in METHODS}
        if total
        else None,
        "adl_usd": format_usd(by_method.get("adl", 0)),
        "cross_margin_liquidation_share": cross / total if total else None,
        "incident_liquidations_usd": format_usd(buckets["incident_cents"].sum()),
    }


def _sum_by_side(buckets: pd.DataFrame, key: str) -> pd.DataFrame:
    """Σ notional_cents by `key` (rows, sorted) and position_side (columns `long`, `short`; 0 when absent)."""
    sums = buckets.groupby([key, "position_side"], sort=True, observed=True)["notional_cents"].sum()
    return sums.unstack("position_side", fill_value=0).reindex(columns=["long", "short"], fill_value=0).astype("int64")


def _split_by(buckets: pd.DataFrame, key: str) -> dict[str, LiquidationSplit]:
    if buckets.empty:
        return {}
    sides = _sum_by_side(buckets, key)
    long_cents = sides["long"] if "long" in sides else pd.Series(0, index=sides.index)
    short_cents = sides["short"] if "short" in sides else pd.Series(0, index=sides.index)
    return {
        str(name): LiquidationSplit(
            long_usd=format_usd(long_cents[name]),
            short_usd=format_usd(short_cents[name]),
            total_usd=format_usd(long_cents[name] + short_cents[name]),
        )
        for name in sides.index
    }


def compute_peak_24h_liquidations(partials: Partials, period: str) -> PeakWindow | None:
    """The 24-hour window with the largest liquidation total (USD): {start, end, total_usd, long_usd, short_usd}.

    Windows are 24 consecutive whole UTC hours inside the period: start on a whole hour, start ≥ the
    period's first instant, end = start + 24 h ≤ the period's end. Ties: the earliest start. None when
    there is no liquidation inside the period.
    """
    start, end = compute_period_bounds(period)
    hours = pd.date_range(start, end, freq="h", inclusive="left", unit="us")
    buckets = partials.liquidations
    if buckets.empty:
        return None
    hourly = _sum_by_side(buckets, "hour").reindex(index=hours, fill_value=0)
    long_sums = _window_sums(hourly["long"].to_numpy())
    short_sums = _window_sums(hourly["short"].to_numpy())
    totals = long_sums + short_sums
    if len(totals) == 0 or totals.max() == 0:
        return None
    first = int(np.argmax(totals))  # argmax returns the first maximum: the earliest start
    return PeakWindow(
        start=format_timestamp(hours[first]),
        end=format_timestamp(hours[first] + pd.Timedelta(hours=WINDOW_HOURS)),
        total_usd=format_usd(totals[first]),
        long_usd=format_usd(long_sums[first]),
        short_usd=format_usd(short_sums[first]),
    )


def _window_sums(hourly: np.ndarray) -> np.ndarray:
    """Sums of every run of WINDOW_HOURS consecutive hours, exact in integer cents."""
    running = np.concatenate([[0], np.cumsum(hourly, dtype="int64")])
    return running[WINDOW_HOURS:] - running[:-WINDOW_HOURS]
