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
from reporting.metrics.partials import HIGH_LEVERAGE_BANDS, Partials
from reporting.metrics.period import format_date, format_timestamp, format_usd

METHODS = ("order_book", "backstop", "adl")
CROSS_MODES = ("cross", "portfolio")
PRICING_METHODS = ("order_book", "external_index", "redemption")
SELF_PRICED = "order_book"
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
class StressHour:
    """A whole UTC hour whose liquidation total exceeds stress_multiple × the period's median hourly total."""

    start: str
    total_usd: float
    multiple: float


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
    peak_24h_by_asset: dict[str, PeakWindow] | None = None
    peak_1h_liquidations: PeakWindow | None = None
    stress_hours: list[StressHour] | None = None
    largest_liquidation_share: float | None = None
    accounts_liquidated: int | None = None
    collateral_by_pricing_method: dict[str, float] | None = None
    self_priced_collateral_share: float | None = None
    cross_margin_collateral_usd: float | None = None
    cross_margin_self_priced_usd: float | None = None


def compute_derivatives(partials: Partials, period: str, stress_multiple: float) -> DerivativesMetrics:
    """The derivatives section from combined partials; every figure None when no venue was accepted.

    `stress_multiple` is the setting of stress_hours (the thresholds file's `liquidations.stress_multiple`).
    """
    if not partials.entities["entity_type"].isin(EXCHANGE_TYPES).any():
        return DerivativesMetrics()
    period_end = compute_period_end_open_interest(partials)
    liquidations = compute_liquidations(partials)
    largest, total = liquidations["largest_liquidation"], liquidations["liquidations_total_usd"]
    hourly = HourlyLiquidations.from_partials(partials, period)
    return DerivativesMetrics(
        **compute_open_interest(partials),
        **compute_funding(partials),
        estimated_leverage_ratio=compute_estimated_leverage_ratio(partials, period_end),
        high_leverage_oi_share=compute_high_leverage_oi_share(partials),
        **liquidations,
        peak_24h_liquidations=hourly.peak_window(WINDOW_HOURS),
        peak_24h_by_asset=compute_peak_24h_by_asset(partials, period),
        peak_1h_liquidations=hourly.peak_window(1),
        stress_hours=compute_stress_hours(hourly, stress_multiple),
        largest_liquidation_share=largest.notional_usd / total if largest is not None and total else None,
        accounts_liquidated=compute_accounts_liquidated(partials),
        **compute_collateral_pricing(partials),
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
    bands = partials.leverage_bands
    total = int(bands["open_interest_cents"].sum())
    if total == 0:
        return None
    return int(bands.loc[bands["band"].isin(HIGH_LEVERAGE_BANDS), "open_interest_cents"].sum()) / total


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
    largest = partials.largest_liquidations.head(1)  # in order: the largest first
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


def compute_peak_24h_by_asset(partials: Partials, period: str) -> dict[str, PeakWindow]:
    """{base_asset: the peak_24h_liquidations rule applied to that asset's liquidations alone}, by asset.

    All assets at once: one (asset × hour) array per side, windows summed along the hours.
    """
    hourly = HourlyLiquidations.from_partials(partials, period, "base_asset")
    windows = hourly.peak_windows(WINDOW_HOURS)
    return {asset: window for asset, window in zip(hourly.groups, windows, strict=True) if window is not None}


def compute_stress_hours(hourly: HourlyLiquidations, stress_multiple: float) -> list[StressHour]:
    """Every whole UTC hour of the period whose liquidation total exceeds `stress_multiple` × the median
    hourly total of the period (hours without liquidations count as 0; when the median is 0, the mean is
    used instead), with its total (USD) and multiple = total ÷ that median (or mean); ordered by start.

    Empty when no hour qualifies (no liquidations at all, for one).
    """
    if not hourly.groups:
        return []
    totals = hourly.long[0] + hourly.short[0]
    base = float(np.median(totals))
    if base == 0:
        base = float(totals.mean())
    if base == 0:
        return []
    stressed = np.flatnonzero(totals > stress_multiple * base)
    return [
        StressHour(
            start=format_timestamp(hourly.hours[i]),
            total_usd=format_usd(totals[i]),
            multiple=float(totals[i]) / base,
        )
        for i in stressed
    ]


def compute_accounts_liquidated(partials: Partials) -> int | None:
    """The number of distinct (venue, account_ref) pairs among liquidations whose account_ref is set.

    Each venue's distinct count comes from its own submission (see `Partials.liquidated_accounts`), so the
    pairs of two venues never coincide and the counts add up. None when no venue sent an account_ref.
    """
    accounts = partials.liquidated_accounts
    if int(accounts["referenced_events"].sum()) == 0:
        return None
    return int(accounts["accounts"].sum())


def compute_collateral_pricing(partials: Partials) -> dict[str, Any]:
    """Collateral by pricing method (USD; share 0–1), over the collateral rows of all venues.

    - collateral_by_pricing_method: {order_book, external_index, redemption: Σ balance_usd}.
    - self_priced_collateral_share: Σ balance_usd with pricing_method `order_book` ÷ Σ balance_usd
      (collateral valued from the venue's own order book).
    - cross_margin_collateral_usd: Σ cross_margin_usd.
    - cross_margin_self_priced_usd: Σ cross_margin_usd of rows with pricing_method `order_book`.
    All None when no venue sent collateral rows; the share None when Σ balance_usd is 0.
    """
    rows = partials.collateral_pricing
    if rows.empty:
        return {}
    balance = rows.groupby("pricing_method")["balance_cents"].sum()
    cross = rows.groupby("pricing_method")["cross_margin_cents"].sum()
    total = int(balance.sum())
    return {
        "collateral_by_pricing_method": {method: format_usd(balance.get(method, 0)) for method in PRICING_METHODS},
        "self_priced_collateral_share": int(balance.get(SELF_PRICED, 0)) / total if total else None,
        "cross_margin_collateral_usd": format_usd(cross.sum()),
        "cross_margin_self_priced_usd": format_usd(cross.get(SELF_PRICED, 0)),
    }


@dataclass(frozen=True)
class HourlyLiquidations:
    """Liquidated cents per group and whole UTC hour of the period, by side: `long[g, h]`, `short[g, h]`.

    One group (named "") for all liquidations together, or one per value of a key of the buckets.
    """

    groups: list[str]
    hours: pd.DatetimeIndex
    long: np.ndarray
    short: np.ndarray

    @classmethod
    def from_partials(cls, partials: Partials, period: str, key: str | None = None) -> HourlyLiquidations:
        """The hourly sums of the liquidation buckets; no group when there is no liquidation in the period."""
        start, end = compute_period_bounds(period)
        hours = pd.date_range(start, end, freq="h", inclusive="left", unit="us")
        buckets = partials.liquidations
        offset = ((buckets["hour"] - hours[0]) // pd.Timedelta(hours=1)).to_numpy(dtype="int64")
        inside = (offset >= 0) & (offset < len(hours))
        if key is None:
            codes, groups = np.zeros(len(buckets), dtype="int64"), [""]
        else:
            codes, uniques = pd.factorize(buckets[key], sort=True)
            groups = [str(group) for group in uniques]
        sums = []
        for side in ("long", "short"):
            chosen = inside & (buckets["position_side"] == side).to_numpy()
            grid = np.zeros(len(groups) * len(hours), dtype="int64")
            np.add.at(grid, codes[chosen] * len(hours) + offset[chosen], buckets["notional_cents"].to_numpy()[chosen])
            sums.append(grid.reshape(len(groups), len(hours)))
        if not inside.any():
            return cls([], hours, sums[0][:0], sums[1][:0])
        return cls(groups, hours, sums[0], sums[1])

    def peak_window(self, width: int) -> PeakWindow | None:
        """The peak window of the only group (all liquidations together); None without liquidations.

        peak_24h_liquidations (width 24): the 24 consecutive whole UTC hours inside the period with the
        largest liquidation total, {start, end = start + 24 h, total_usd, long_usd, short_usd}; ties: the
        earliest start. peak_1h_liquidations (width 1): the same for a single whole hour.
        """
        return self.peak_windows(width)[0] if self.groups else None

    def peak_windows(self, width: int) -> list[PeakWindow | None]:
        """Per group, the run of `width` consecutive hours with the largest total (ties: the earliest start),
        None for a group without liquidations."""
        long_sums, short_sums = _window_sums(self.long, width), _window_sums(self.short, width)
        totals = long_sums + short_sums
        if totals.shape[1] == 0:
            return [None] * len(self.groups)
        first = np.argmax(totals, axis=1)  # argmax returns the first maximum: the earliest start
        rows = np.arange(len(self.groups))
        return [
            None
            if totals[g, i] == 0
            else PeakWindow(
                start=format_timestamp(self.hours[i]),
                end=format_timestamp(self.hours[i] + pd.Timedelta(hours=width)),
                total_usd=format_usd(totals[g, i]),
                long_usd=format_usd(long_sums[g, i]),
                short_usd=format_usd(short_sums[g, i]),
            )
            for g, i in zip(rows, first, strict=True)
        ]


def _window_sums(hourly: np.ndarray, width: int) -> np.ndarray:
    """Sums of every run of `width` consecutive hours along the last axis, exact in integer cents."""
    running = np.concatenate([np.zeros((hourly.shape[0], 1), dtype="int64"), np.cumsum(hourly, axis=1)], axis=1)
    return running[:, width:] - running[:, :-width]
