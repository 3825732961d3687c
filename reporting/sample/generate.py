"""Deterministic, realistic sample submissions for one period: the data behind `riskreport sample`.

The entities are fictional; their LEIs are made up but carry valid ISO 17442 check digits. All the
randomness comes from numpy Generators seeded with (seed, year, month, ...), so one seed always gives
the same tables and, through `reporting.sample.write`, the same bytes.

The market picture follows a scenario per period (`reporting.sample.scenario.SCENARIOS`; other periods
reuse the 2025-11 one, moved to their dates). Each scenario has a 24-hour liquidation surge whose BTC totals and largest
single liquidation are exact to the cent, and which is the peak 24-hour window of the period:
every hour of the surge carries more liquidations than any hour outside it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from reporting.contract import SCHEMA_VERSION, TABLES, column_specs
from reporting.sample.incidents import incidents_table
from reporting.sample.scenario import BUILD_UP, ENTITIES, Entity, Period, Scenario, lei_for, parse_period, scenario_for
from reporting.sample.write import Container, TableFormat, write_submission

COMMITTED_SAMPLES: dict[str, int] = {
    **{period: 1_000 for period in BUILD_UP},
    "2025-10": 8_000,
    "2025-11": 20_000,
}
"""The periods in `sample_data/` (13 months, 2024-11 to 2025-11) and their number of liquidation rows (seed 7);
the months before 2025-11 are kept small, so that the repository stays small."""
MIN_LIQUIDATIONS = 200
"""Fewer liquidations than this cannot spread the surge over all of its 24 hours at every venue."""


_PRICE_TICK = {"BTC": 0.1, "ETH": 0.01, "SOL": 0.001, "XRP": 0.0001, "DOGE": 0.00001, "AVAX": 0.001, "LINK": 0.001}
_ASSET_OI_SHARE = {"BTC": 0.50, "ETH": 0.27, "SOL": 0.09, "XRP": 0.06, "DOGE": 0.04, "AVAX": 0.02, "LINK": 0.02}
_BACKGROUND_ASSETS = {"BTC": 0.38, "ETH": 0.28, "SOL": 0.13, "XRP": 0.08, "DOGE": 0.08, "AVAX": 0.025, "LINK": 0.025}
_SURGE_OTHER_ASSETS = {"ETH": 0.55, "SOL": 0.21, "XRP": 0.12, "DOGE": 0.09, "AVAX": 0.015, "LINK": 0.015}


# Small building blocks ---------------------------------------------------------------------------


def _rng(seed: int, period: Period, *stream: int) -> np.random.Generator:
    """A Generator for one stream of one period: streams do not shift when another one draws more."""
    return np.random.default_rng([seed, period.start.year, period.start.month, *stream])


def _interpolate(anchors: tuple[tuple[int, float], ...], days: np.ndarray, last_day: int) -> np.ndarray:
    """Log-linear interpolation between (day, value) anchors; anchor days past the month are pulled in."""
    xs = np.array([min(day, last_day) for day, _ in anchors], dtype=float)
    ys = np.log([value for _, value in anchors])
    return np.exp(np.interp(days, xs, ys))


def _round_to_tick(prices: np.ndarray, asset: str) -> np.ndarray:
    tick = _PRICE_TICK.get(asset, 0.0001)
    return np.round(np.round(prices / tick) * tick, 8)


def _split_cents(total_cents: int, count: int, rng: np.random.Generator, cap_cents: float, sigma: float) -> np.ndarray:
    """`count` positive amounts in cents, heavy-tailed, each at most `cap_cents`, summing exactly to the total."""
    if count * cap_cents < total_cents:
        raise ValueError("too few rows to reach the total under the cap")
    amounts = rng.lognormal(0.0, sigma, count)
    amounts = amounts / amounts.sum() * total_cents
    for _ in range(50):
        over = amounts > cap_cents
        if not over.any():
            break
        excess = (amounts[over] - cap_cents).sum()
        amounts[over] = cap_cents
        amounts[~over] += excess * amounts[~over] / amounts[~over].sum()
    cents = np.maximum(np.floor(amounts * 0.999).astype(np.int64), 100)
    # Hand the last cents out one at a time so that the sum is exact whatever the rounding did.
    remainder = total_cents - int(cents.sum())
    order = np.argsort(-cents, kind="stable")
    share, extra = divmod(remainder, count)
    cents += share
    cents[order[:extra]] += 1
    return cents


def _hourly_prices(scenario: Scenario, period: Period, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """A price per asset per hour of the period: the daily anchors with a little noise."""
    hours = period.days * 24
    t = (np.arange(hours) + 1) / 24.0
    prices = {}
    for asset, anchors in scenario.prices.items():
        noise = np.cumsum(rng.normal(0.0, 0.0012, hours))
        noise -= np.convolve(noise, np.ones(48) / 48, mode="same")
        prices[asset] = _interpolate(anchors, t, period.days) * np.exp(noise)
    return prices


# Derivatives venues -------------------------------------------------------------------------------


def _venue_assets(entity: Entity) -> dict[str, float]:
    assets = sorted({i.base_asset for i in entity.instruments}, key=list(_ASSET_OI_SHARE).index)
    total = sum(_ASSET_OI_SHARE[a] for a in assets)
    return {a: _ASSET_OI_SHARE[a] / total for a in assets}


def _open_interest(
    entity: Entity, scenario: Scenario, period: Period, prices: dict[str, np.ndarray], rng: np.random.Generator
) -> pd.DataFrame:
    """One row per instrument per UTC day: open interest and volume at the day's close, funding, mark."""
    days = np.arange(1, period.days + 1)
    industry = _interpolate(scenario.open_interest_usd, days.astype(float), period.days)
    shares = _venue_assets(entity)
    totals: dict[str, float] = {}
    for instrument in entity.instruments:
        totals[instrument.base_asset] = totals.get(instrument.base_asset, 0.0) + instrument.weight
    surge = days == scenario.surge_day
    frames = []
    for instrument in entity.instruments:
        asset = instrument.base_asset
        weight = entity.market_share * shares[asset] * instrument.weight / totals[asset]
        oi = industry * weight * (1 + rng.normal(0, 0.015, days.size))
        close = prices[asset][days * 24 - 1]
        premium = {"perpetual": 1.0, "future": 1.0065, "option": 1.0}[instrument.contract_type]
        mark = _round_to_tick(close * premium * (1 + rng.normal(0, 0.0004, days.size)), asset)
        volume = oi * rng.uniform(0.5, 1.3, days.size) * np.where(surge, 2.8, 1.0)
        perpetual = instrument.contract_type == "perpetual"
        hours = entity.funding_interval_hours
        rate_8h = np.where(surge, rng.uniform(-0.00002, 0.00003, days.size), rng.uniform(0.00005, 0.0001, days.size))
        frames.append(
            pd.DataFrame(
                {
                    "date": [d.date() for d in pd.date_range(period.start, periods=days.size, freq="D")],
                    "symbol": instrument.symbol,
                    "base_asset": asset,
                    "contract_type": instrument.contract_type,
                    "open_interest_usd": np.round(oi, 2),
                    "mark_price_usd": mark,
                    "funding_rate": np.round(rate_8h * hours / 8, 10) if perpetual else np.nan,
                    "funding_interval_hours": pd.array([hours if perpetual else None] * days.size, dtype="Int64"),
                    "volume_usd": np.round(volume, 2),
                }
            )
        )
    frame = pd.concat(frames, ignore_index=True)
    return frame.sort_values(["date", "symbol"], kind="stable", ignore_index=True)


@dataclass
class _Events:
    """Liquidation events of all venues being built: one entry per row, as numpy arrays."""

    venue: np.ndarray
    asset: np.ndarray
    side: np.ndarray
    cents: np.ndarray
    hour: np.ndarray
    surge: np.ndarray

    @classmethod
    def concat(cls, parts: list[_Events]) -> _Events:
        return cls(*(np.concatenate([getattr(p, f) for p in parts]) for f in cls.__dataclass_fields__))


def _choose_venues(asset: str, count: int, venues: list[Entity], rng: np.random.Generator) -> np.ndarray:
    listing = [i for i, v in enumerate(venues) if any(x.base_asset == asset for x in v.instruments)]
    weights = np.array([venues[i].market_share for i in listing])
    return np.array(listing)[rng.choice(len(listing), count, p=weights / weights.sum())]


def _surge_hours(count: int, rng: np.random.Generator) -> np.ndarray:
    """Hours 0..23 of the surge: every hour gets its share, most in the afternoon sell-off."""
    profile = 0.6 + 2.4 * np.exp(-0.5 * ((np.arange(24) - 14.0) / 2.5) ** 2)
    base = np.repeat(np.arange(24), np.floor(count * 0.5 * profile / profile.sum()).astype(int))
    rest = rng.choice(24, count - base.size, p=profile / profile.sum())
    return rng.permutation(np.concatenate([base, rest]))


def _liquidation_events(
    scenario: Scenario, period: Period, venues: list[Entity], count: int, rng: np.random.Generator
) -> _Events:
    surge_start = (scenario.surge_day - 1) * 24 + scenario.surge_hour
    n_long = max(60, int(0.09 * count))
    n_short = max(30, int(0.045 * count))
    n_other = max(30, int(0.08 * count))
    n_background = count - n_long - n_short - n_other
    parts = []

    # BTC in the surge: totals exact to the cent, the largest single event first.
    largest_venue = next(i for i, v in enumerate(venues) if v.entity_id == scenario.largest_symbol[0])
    long_rest = _split_cents(
        scenario.btc_long_cents - scenario.largest_cents, n_long - 1, rng, scenario.largest_cents * 0.4, 1.3
    )
    short = _split_cents(scenario.btc_short_cents, n_short, rng, scenario.largest_cents * 0.3, 1.3)
    for side, cents in (("long", np.concatenate([[scenario.largest_cents], long_rest])), ("short", short)):
        chosen = _choose_venues("BTC", cents.size, venues, rng)
        if side == "long":
            chosen[0] = largest_venue
        parts.append(
            _Events(
                chosen,
                np.full(cents.size, "BTC"),
                np.full(cents.size, side),
                cents,
                surge_start + _surge_hours(cents.size, rng),
                np.ones(cents.size, bool),
            )
        )

    # Other assets in the surge, mostly longs being closed.
    assets = rng.choice(list(_SURGE_OTHER_ASSETS), n_other, p=list(_SURGE_OTHER_ASSETS.values()))
    amounts = rng.lognormal(0, 1.2, n_other)
    cents = np.maximum(np.round(amounts / amounts.sum() * scenario.other_surge_usd * 100), 100).astype(np.int64)
    chosen = np.array([_choose_venues(a, 1, venues, rng)[0] for a in assets])
    parts.append(
        _Events(
            chosen,
            assets,
            np.where(rng.random(n_other) < 0.74, "long", "short"),
            cents,
            surge_start + _surge_hours(n_other, rng),
            np.ones(n_other, bool),
        )
    )

    # The rest of the period: busier around the surge, quieter elsewhere.
    hours = period.days * 24
    day_weight = 1 + rng.gamma(2.0, 0.4, period.days)
    day_weight[max(0, scenario.surge_day - 2)] += 2.0
    day_weight[min(period.days - 1, scenario.surge_day)] += 2.5
    hour_weight = np.repeat(day_weight, 24)
    hour_weight[surge_start : surge_start + 24] = 0
    hour_weight[hours:] = 0
    background_hours = rng.choice(hours, n_background, p=hour_weight[:hours] / hour_weight[:hours].sum())
    assets = rng.choice(list(_BACKGROUND_ASSETS), n_background, p=list(_BACKGROUND_ASSETS.values()))
    amounts = np.minimum(rng.lognormal(0, 1.4, n_background), 60.0)
    cents = np.maximum(np.round(amounts / amounts.sum() * scenario.background_usd * 100), 100).astype(np.int64)
    chosen = np.empty(n_background, dtype=int)
    for asset in np.unique(assets):
        where = assets == asset
        chosen[where] = _choose_venues(str(asset), int(where.sum()), venues, rng)
    sides = np.where(rng.random(n_background) < 0.58, "long", "short")
    parts.append(_Events(chosen, assets, sides, cents, background_hours, np.zeros(n_background, bool)))

    events = _Events.concat(parts)
    _keep_surge_the_peak(events, hours)
    return events


def _keep_surge_the_peak(events: _Events, hours: int) -> None:
    """Scale down background hours so that each is below half the quietest hour of the surge.

    With every surge hour above every other hour, the surge is the one peak 24-hour window.
    """
    by_hour = np.bincount(events.hour, weights=events.cents, minlength=hours)
    surge_hours = np.unique(events.hour[events.surge])
    ceiling = 0.5 * by_hour[surge_hours].min()
    background = ~events.surge
    factor = np.minimum(1.0, ceiling / np.maximum(by_hour, 1.0))[events.hour[background]]
    events.cents[background] = np.maximum(np.floor(events.cents[background] * factor), 100).astype(np.int64)


def _liquidations(
    entity: Entity,
    index: int,
    events: _Events,
    scenario: Scenario,
    period: Period,
    prices: dict[str, np.ndarray],
    rng: np.random.Generator,
) -> pd.DataFrame:
    """The liquidations rows of one venue, with methods, margin modes and incident links set."""
    mine = events.venue == index
    cents = events.cents[mine]
    asset = events.asset[mine]
    side = events.side[mine]
    hour = events.hour[mine]
    surge = events.surge[mine]
    n = cents.size
    seconds = rng.integers(0, 3600, n)
    largest = (cents == scenario.largest_cents) & (asset == "BTC") & (entity.entity_id == scenario.largest_symbol[0])

    symbols = np.empty(n, dtype=object)
    for a in np.unique(asset):
        listed = [i for i in entity.instruments if i.base_asset == a and i.contract_type != "option"]
        weights = np.array([i.weight for i in listed])
        where = np.flatnonzero(asset == a)
        symbols[where] = np.array([i.symbol for i in listed])[
            rng.choice(len(listed), where.size, p=weights / weights.sum())
        ]
    symbols[largest] = scenario.largest_symbol[1]

    modes = _margin_modes(entity, scenario, surge, rng)
    methods = np.where(rng.random(n) < (0.08 if entity.entity_type == "dex" else 0.12), "backstop", "order_book")
    incident_ids = np.full(n, None, dtype=object)
    surge_start = (scenario.surge_day - 1) * 24 + scenario.surge_hour

    for incident in scenario.incidents:
        if incident.entity != entity.entity_id:
            continue
        day, h, minute = incident.start
        first_minute = (surge_start + day * 24 + h) * 60 + minute
        last_minute = first_minute + int(incident.minutes)
        if incident.category == "adl_activation":
            # Auto-deleveraging reduces the profitable side: shorts, in a long cascade.
            shorts = np.flatnonzero(surge & (side == "short") & ~largest)
            pick = shorts[: round(incident.adl_share * shorts.size) if incident.adl_share else 12]
            method = "adl"
        elif incident.linked_liquidations:
            pick = np.flatnonzero(surge & (side == "long") & (asset != "BTC"))[: int(incident.linked_liquidations)]
            method = None
            if incident.category == "collateral_depeg" and "cross" in entity.margin_modes:
                modes[pick] = "cross"  # the depegged collateral backed whole accounts
        else:
            continue
        minutes = rng.integers(first_minute, last_minute, pick.size)
        hour[pick], seconds[pick] = minutes // 60, (minutes % 60) * 60 + rng.integers(0, 60, pick.size)
        if method:
            methods[pick] = method
        else:
            incident_ids[pick] = incident.incident_id

    if largest.any():
        hour[largest], seconds[largest] = surge_start + 14, 7 * 60 + 31
        methods[largest], modes[largest] = "order_book", "cross"

    ts = period.start + pd.to_timedelta(hour.astype(np.int64) * 3600 + seconds, unit="s")
    hourly = np.array([prices[a][min(h, len(prices[a]) - 1)] for a, h in zip(asset, hour, strict=True)])
    price = np.empty(n)
    for a in np.unique(asset):
        where = asset == a
        price[where] = _round_to_tick(hourly[where] * (1 + rng.normal(0, 0.0015, int(where.sum()))), str(a))
    notional = cents / 100
    refs: object = None
    if entity.sends_account_ref:
        refs = [f"{'w' if entity.entity_type == 'dex' else 'acct'}-{x:010x}" for x in rng.integers(0, 16**10, n)]
    frame = pd.DataFrame(
        {
            "ts": ts,
            "symbol": symbols.astype(str),
            "base_asset": asset.astype(str),
            "position_side": side.astype(str),
            "method": methods.astype(str),
            "margin_mode": modes.astype(str),
            "quantity": np.round(notional / price, 8),
            "price_usd": price,
            "notional_usd": notional,
            "account_ref": refs,
            "incident_id": incident_ids,
        }
    ).sort_values(["ts", "notional_usd"], ascending=[True, False], kind="stable", ignore_index=True)
    frame.insert(
        0, "event_id", [f"{entity.event_prefix}-{period.label.replace('-', '')}-{i:06d}" for i in range(1, n + 1)]
    )
    return frame


def _margin_modes(entity: Entity, scenario: Scenario, surge: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The margin mode of each liquidation, among the venue's modes, with the scenario's weights (in and
    out of the surge)."""
    offered = list(entity.margin_modes)
    order = ("cross", "isolated", "portfolio")
    cumulative = []
    for weights in (scenario.margin_weights, scenario.surge_margin_weights):
        chosen = np.array([weights[order.index(mode)] for mode in offered])
        cumulative.append(np.cumsum(chosen / chosen.sum()))
    bounds = np.where(surge[:, None], cumulative[1], cumulative[0])
    index = np.minimum((rng.random(surge.size)[:, None] > bounds).sum(axis=1), len(offered) - 1)
    return np.array(offered)[index]


def _collateral(
    entity: Entity, scenario: Scenario, open_interest: pd.DataFrame, rng: np.random.Generator
) -> pd.DataFrame:
    """Client collateral at month end, about 2.5 to 3.5 times below the venue's open interest; centralised
    venues add the scenario's collateral valued from their own order book."""
    end_oi = open_interest.loc[open_interest["date"] == open_interest["date"].max(), "open_interest_usd"].sum()
    extra = dict(scenario.self_priced_collateral)
    rows = [
        (asset, method, weight + extra.pop(asset, 0.0))
        for asset, method, weight in (
            ("USDT", "external_index", 0.36),
            ("USDC", "redemption", 0.22),
            ("BTC", "external_index", 0.24),
            ("ETH", "external_index", 0.12),
            ("USDe", "order_book", 0.06),
        )
    ]
    rows += [(asset, "order_book", weight) for asset, weight in extra.items()]
    if entity.entity_type == "dex":
        rows = [("USDC", "redemption", 0.70), ("ETH", "external_index", 0.18), ("BTC", "external_index", 0.12)]
    total = end_oi * rng.uniform(0.28, 0.40) / sum(w for *_, w in rows)
    balance = np.round(np.array([w for *_, w in rows]) * total * rng.uniform(0.9, 1.1, len(rows)), 2)
    cross_share = (
        rng.uniform(0.55, 0.92, len(rows)) if "portfolio" in entity.margin_modes else rng.uniform(0.3, 0.7, len(rows))
    )
    return pd.DataFrame(
        {
            "asset": [a for a, *_ in rows],
            "balance_usd": balance,
            "pricing_method": [m for _, m, _ in rows],
            "cross_margin_usd": np.floor(balance * cross_share * 100) / 100,
        }
    )


_BANDS = ("1-5", "5-10", "10-25", "25-50", "50+")


def _leverage_bands(entity: Entity, open_interest: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Month-end open interest by account leverage: `ALL`, then BTC and ETH; each set sums to its open interest."""
    end = open_interest[open_interest["date"] == open_interest["date"].max()]
    profile = np.array(
        [0.22, 0.26, 0.27, 0.15, 0.10] if entity.entity_type == "dex" else [0.38, 0.30, 0.20, 0.08, 0.04]
    )
    rows = []
    for base, oi in (
        ("ALL", end["open_interest_usd"].sum()),
        ("BTC", end.loc[end["base_asset"] == "BTC", "open_interest_usd"].sum()),
        ("ETH", end.loc[end["base_asset"] == "ETH", "open_interest_usd"].sum()),
    ):
        shares = profile * rng.uniform(0.85, 1.15, profile.size) * (0.85 if base == "BTC" else 1.0) ** np.arange(5)
        cents = np.floor(shares / shares.sum() * round(oi * 100)).astype(np.int64)
        cents[0] += round(oi * 100) - cents.sum()
        rows += [(base, band, c / 100) for band, c in zip(_BANDS, cents, strict=True)]
    return pd.DataFrame(rows, columns=["base_asset", "band", "open_interest_usd"])


# Lenders -----------------------------------------------------------------------------------------

_CEFI_PRODUCTS = (
    ("Institutional credit lines", "USD", "BTC", 0.30),
    ("Institutional credit lines", "USDC", "BTC", 0.14),
    ("Institutional credit lines", "USDT", "ETH", 0.10),
    ("Retail crypto-backed loans", "USD", "BTC", 0.16),
    ("Retail crypto-backed loans", "USD", "ETH", 0.08),
    ("Margin financing", "USDT", "SOL", 0.05),
    ("Margin financing", "BTC", "USDT", 0.09),
    ("Margin financing", "ETH", "USDC", 0.08),
)
_DEFI_MARKETS = {
    "solana": (
        ("Main", "USDC", "SOL", 0.40),
        ("Main", "USDC", "JitoSOL", 0.22),
        ("Main", "USDT", "SOL", 0.20),
        ("Main", "SOL", "USDC", 0.18),
    ),
    "default": (
        ("Core", "USDC", "WETH", 0.22),
        ("Core", "USDT", "WETH", 0.12),
        ("Core", "USDC", "WBTC", 0.14),
        ("Core", "USDC", "cbBTC", 0.08),
        ("Core", "WETH", "wstETH", 0.18),
        ("Core", "USDT", "wstETH", 0.08),
        ("Prime", "USDC", "weETH", 0.10),
        ("Prime", "WETH", "weETH", 0.08),
    ),
}


def _allocate(total_usd: float, weights: np.ndarray) -> np.ndarray:
    """Split an amount in proportion to weights, in cents, summing exactly to the amount."""
    total_cents = round(total_usd * 100)
    cents = np.floor(weights / weights.sum() * total_cents).astype(np.int64)
    cents[np.argmax(weights)] += total_cents - cents.sum()
    return cents / 100


def _loans(entity: Entity, scenario: Scenario, rng: np.random.Generator) -> pd.DataFrame:
    """The month-end loan book of a CeFi lender or a DeFi protocol."""
    scale = scenario.lending_scale
    rows: list[dict[str, object]] = []
    if entity.entity_type == "cefi_lender":
        weights = np.array([w for *_, w in _CEFI_PRODUCTS]) * rng.uniform(0.8, 1.2, len(_CEFI_PRODUCTS))
        borrowed = _allocate(entity.lending_usd * scale, weights)
        funded = np.zeros(borrowed.size)
        if entity.funded_onchain_usd:
            # Credit lines financed by borrowing on DeFi protocols: the double counting of the metrics.
            funded[:3] = _allocate(entity.funded_onchain_usd * scale, borrowed[:3])
        for (market, loan, coll, _), b, f in zip(_CEFI_PRODUCTS, borrowed, funded, strict=True):
            ltv = rng.uniform(0.45, 0.68)
            rows.append(
                dict(
                    chain=None,
                    market=market,
                    loan_asset=loan,
                    collateral_asset=coll,
                    borrowed_usd=b,
                    collateral_usd=round(b / ltv, 2),
                    supplied_usd=None,
                    liquidation_ltv=round(float(rng.uniform(0.80, 0.90)), 2),
                    funded_onchain_usd=round(f, 2) if entity.funded_onchain_usd else None,
                )
            )
        if entity.unsecured_usd:
            rows.append(
                dict(
                    chain=None,
                    market="Unsecured corporate lending",
                    loan_asset="USD",
                    collateral_asset="NONE",
                    borrowed_usd=round(entity.unsecured_usd * scale, 2),
                    collateral_usd=0.0,
                    supplied_usd=None,
                    liquidation_ltv=None,
                    funded_onchain_usd=None,
                )
            )
    else:
        chain_total = sum(w for _, w in entity.chains)
        for chain, chain_weight in entity.chains:
            markets = _DEFI_MARKETS.get(chain, _DEFI_MARKETS["default"])
            weights = np.array([w for *_, w in markets]) * rng.uniform(0.8, 1.2, len(markets))
            borrowed = _allocate(entity.lending_usd * scale * chain_weight / chain_total, weights)
            for (market, loan, coll, _), b in zip(markets, borrowed, strict=True):
                correlated = loan.endswith("ETH") and coll.endswith("ETH")
                ltv_limit = 0.95 if correlated else rng.uniform(0.78, 0.86)
                rows.append(
                    dict(
                        chain=chain,
                        market=market,
                        loan_asset=loan,
                        collateral_asset=coll,
                        borrowed_usd=b,
                        collateral_usd=round(b / (ltv_limit * rng.uniform(0.62, 0.85)), 2),
                        supplied_usd=round(b / rng.uniform(0.62, 0.92), 2),
                        liquidation_ltv=round(float(ltv_limit), 2),
                        funded_onchain_usd=None,
                    )
                )
    return pd.DataFrame(rows, columns=[s.name for s in column_specs(TABLES["loans"])])


def _cdp_supply(entity: Entity, scenario: Scenario, rng: np.random.Generator) -> pd.DataFrame:
    """CDP stablecoins per chain: the crypto-backed part is what counts as crypto-collateralized debt."""
    ticker = {"stillwater-stable": "SWUSD", "ember-vaults": "crvUSD"}.get(entity.entity_id, "CDPUSD")
    rows = []
    for chain, billions in entity.chains:
        backed = round(billions * 1e9 * scenario.cdp_scale * rng.uniform(0.995, 1.005), 2)
        rows.append(
            dict(
                stablecoin=ticker,
                chain=chain,
                total_supply_usd=round(backed / rng.uniform(0.88, 0.93), 2),
                crypto_backed_supply_usd=backed,
                collateral_usd=round(backed * rng.uniform(1.55, 1.75), 2),
            )
        )
    return pd.DataFrame(rows)


_DAT_INSTRUMENTS = {
    "granite-treasury": (
        ("GTC-CV-2028", "convertible", 3.0e9, "2023-11-21", "2028-12-01", 0.0),
        ("GTC-CV-2030", "convertible", 2.0e9, "2024-09-16", "2030-09-15", 0.625),
        ("GTC-CV-2032", "convertible", 1.2e9, "2025-11-05", "2032-11-01", 0.875),
        ("GTC-PFD-A", "preferred", 1.5e9, "2025-02-03", None, 8.0),
        ("GTC-TL-2027", "term_loan", 0.5e9, "2025-06-30", "2027-06-30", 6.25),
    ),
    "orbital-holdings": (
        ("ORB-TL-2026", "term_loan", 1.2e9, "2024-12-12", "2026-12-12", 7.5),
        ("ORB-CV-2029", "convertible", 1.8e9, "2025-03-18", "2029-03-15", 2.5),
        ("ORB-BTC-FAC", "other", 0.5e9, "2025-08-01", "2026-08-01", 9.0),
    ),
}


def _dat_debt(entity: Entity, scenario: Scenario) -> pd.DataFrame:
    """Debt instruments outstanding at month end; one issued after the period is left out."""
    rows: list[dict[str, object]] = []
    for instrument_id, kind, principal, issued, matures, coupon in _DAT_INSTRUMENTS[entity.entity_id]:
        issue_date = dt.date.fromisoformat(issued)
        if issue_date > scenario.dat_cutoff and rows:
            continue
        rows.append(
            dict(
                instrument_id=instrument_id,
                instrument=kind,
                principal_usd=principal,
                issue_date=issue_date,
                maturity_date=dt.date.fromisoformat(matures) if matures else None,
                coupon_pct=coupon,
            )
        )
    return pd.DataFrame(rows)


# Submissions ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SampleSubmission:
    """One generated submission and how it is written: `stem` is the file or folder name without suffix."""

    stem: str
    container: Container
    table_format: TableFormat
    header: dict[str, object]
    tables: dict[str, pd.DataFrame]

    @property
    def file_name(self) -> str:
        return self.stem + {"folder": "", "workbook": ".xlsx", "json": ".json"}[self.container]


def _header(entity: Entity, period: Period, rng: np.random.Generator) -> dict[str, object]:
    submitted = period.end + pd.Timedelta(
        days=int(rng.integers(2, 9)), hours=int(rng.integers(7, 18)), minutes=int(rng.integers(0, 60))
    )
    return {
        "schema_version": SCHEMA_VERSION,
        "submission_id": str(uuid.UUID(bytes=rng.bytes(16), version=4)),
        "entity_id": entity.entity_id,
        "entity_name": entity.entity_name,
        "entity_type": entity.entity_type,
        "lei": lei_for(entity.entity_id, entity.lou_prefix) if entity.lou_prefix else None,
        "jurisdiction": entity.jurisdiction,
        "period": period.label,
        "submitted_at": submitted.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "restates": None,
        "restatement_reason": None,
        "contact_email": f"regulatory.reporting@{entity.entity_id}.example",
        "attestation_name": entity.attestation_name,
        "attestation_role": entity.attestation_role,
    }


def _typed(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Amounts, prices and numbers as float64 (NaN for null), whatever the rows were built from."""
    frame = frame.copy()
    for spec in column_specs(TABLES[table]):
        if spec.kind in ("money", "price", "number"):
            frame[spec.name] = pd.to_numeric(frame[spec.name]).astype("float64")
    return frame


def generate_period(period: str, seed: int = 7, liquidations: int = 20_000) -> list[SampleSubmission]:
    """The sample submissions of every fictional entity for `period` (YYYY-MM), in a fixed order.

    `liquidations` is the number of liquidation rows across all venues (at least MIN_LIQUIDATIONS).
    The same arguments always give the same tables.
    """
    if liquidations < MIN_LIQUIDATIONS:
        raise ValueError(f"liquidations must be at least {MIN_LIQUIDATIONS}, got {liquidations}")
    when = parse_period(period)
    scenario = scenario_for(when)
    prices = _hourly_prices(scenario, when, _rng(seed, when, 0))
    venues = [e for e in ENTITIES if e.entity_type in ("cex", "dex")]
    events = _liquidation_events(scenario, when, venues, liquidations, _rng(seed, when, 1))
    submissions = []
    for index, entity in enumerate(ENTITIES):
        rng = _rng(seed, when, 100 + index)
        tables: dict[str, pd.DataFrame] = {}
        liquidation_rows = None
        if entity.entity_type in ("cex", "dex"):
            oi = _open_interest(entity, scenario, when, prices, rng)
            liquidation_rows = _liquidations(entity, venues.index(entity), events, scenario, when, prices, rng)
            tables["open_interest"] = oi
            tables["liquidations"] = liquidation_rows
            if entity.sends_collateral:
                tables["collateral"] = _collateral(entity, scenario, oi, rng)
            if entity.sends_leverage_bands:
                tables["leverage_bands"] = _leverage_bands(entity, oi, rng)
        elif entity.entity_type in ("cefi_lender", "defi_protocol"):
            tables["loans"] = _loans(entity, scenario, rng)
        elif entity.entity_type == "cdp_issuer":
            tables["cdp_supply"] = _cdp_supply(entity, scenario, rng)
        else:
            tables["dat_debt"] = _dat_debt(entity, scenario)
        if entity.entity_type != "dat":
            surge_start = when.start + pd.Timedelta(hours=(scenario.surge_day - 1) * 24 + scenario.surge_hour)
            incidents = incidents_table(entity.entity_id, scenario.incidents, surge_start, liquidation_rows)
            if len(incidents) or entity.sends_empty_incidents:
                tables["incidents"] = incidents
        tables = {name: _typed(name, frame) for name, frame in tables.items()}
        submissions.append(
            SampleSubmission(
                entity.entity_id,
                entity.container,
                entity.table_format,
                _header(entity, when, _rng(seed, when, 1000 + index)),
                tables,
            )
        )
    return submissions


def write_sample(period: str, out: Path, seed: int = 7, liquidations: int = 20_000) -> list[Path]:
    """Write the sample submissions of `period` into the submissions folder `out`; return what was written."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    return [
        write_submission(s.header, s.tables, out / s.file_name, s.container, s.table_format)
        for s in generate_period(period, seed=seed, liquidations=liquidations)
    ]
