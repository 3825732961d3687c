"""The fictional entities of the sample data and the market scenario of each period.

Entity names are invented and their LEIs made up (with valid check digits); the scenarios set the
figures that the generated data must hit: the liquidation surge to the cent, the size of the
lending books, the incidents (listed in `reporting.sample.incidents`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass

import pandas as pd

from reporting.sample.incidents import NOVEMBER_INCIDENTS, OCTOBER_INCIDENTS, IncidentSpec
from reporting.sample.write import Container, TableFormat

PERIOD_PATTERN = re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2])$")


# Entities ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Instrument:
    """A contract listed by a derivatives venue."""

    symbol: str
    base_asset: str
    contract_type: str = "perpetual"
    weight: float = 1.0
    """Share of the venue's open interest in this base asset carried by this symbol."""


@dataclass(frozen=True)
class Entity:
    """A fictional reporting entity and how it submits."""

    entity_id: str
    entity_name: str
    entity_type: str
    container: Container
    table_format: TableFormat = "csv"
    jurisdiction: str | None = None
    lou_prefix: str | None = None
    """First four characters of the LEI (the issuing LOU); None for entities without an LEI."""
    attestation_name: str = ""
    attestation_role: str = "Chief Risk Officer"
    market_share: float = 0.0
    """Derivatives venues: share of industry open interest and of liquidations."""
    instruments: tuple[Instrument, ...] = ()
    funding_interval_hours: int = 8
    margin_modes: tuple[str, ...] = ("cross", "isolated")
    event_prefix: str = ""
    sends_collateral: bool = False
    sends_leverage_bands: bool = False
    sends_account_ref: bool = True
    sends_empty_incidents: bool = False
    lending_usd: float = 0.0
    """Lenders: secured book at 2025-11 month end (CeFi and DeFi), crypto-backed supply (CDP)."""
    chains: tuple[tuple[str, float], ...] = ()
    funded_onchain_usd: float = 0.0
    unsecured_usd: float = 0.0


def _perps(*pairs: tuple[str, str]) -> tuple[Instrument, ...]:
    return tuple(Instrument(symbol, asset) for symbol, asset in pairs)


ENTITIES: tuple[Entity, ...] = (
    Entity(
        "northwind-derivatives",
        "Northwind Derivatives",
        "cex",
        "folder",
        "csv",
        "MT",
        "5493",
        attestation_name="Ingrid Solberg",
        market_share=0.30,
        event_prefix="NWD",
        instruments=(
            Instrument("BTC-USDT", "BTC", weight=0.72),
            Instrument("BTC-USD", "BTC", weight=0.22),
            Instrument("BTC-USD-260327", "BTC", "future", 0.06),
            Instrument("ETH-USDT", "ETH"),
            Instrument("SOL-USDT", "SOL"),
            Instrument("XRP-USDT", "XRP"),
            Instrument("DOGE-USDT", "DOGE"),
        ),
        margin_modes=("cross", "isolated", "portfolio"),
        sends_collateral=True,
        sends_leverage_bands=True,
    ),
    Entity(
        "harbourline-exchange",
        "Harbourline Exchange",
        "cex",
        "folder",
        "parquet",
        "SG",
        "2549",
        attestation_name="Wei Ling Tan",
        market_share=0.22,
        event_prefix="HBX",
        instruments=_perps(
            ("BTCUSDT", "BTC"),
            ("ETHUSDT", "ETH"),
            ("SOLUSDT", "SOL"),
            ("XRPUSDT", "XRP"),
            ("DOGEUSDT", "DOGE"),
            ("LINKUSDT", "LINK"),
        ),
        margin_modes=("cross", "isolated", "portfolio"),
        sends_collateral=True,
        sends_leverage_bands=True,
    ),
    Entity(
        "kestrel-markets",
        "Kestrel Markets",
        "cex",
        "workbook",
        "csv",
        "GB",
        "2138",
        attestation_name="Oliver Pennington",
        attestation_role="Head of Compliance",
        market_share=0.16,
        event_prefix="KM",
        sends_empty_incidents=True,
        instruments=(
            Instrument("XBTUSD", "BTC", weight=0.55),
            Instrument("XBTUSDT", "BTC", weight=0.30),
            Instrument("XBT-OPT-DEC25", "BTC", "option", 0.15),
            Instrument("ETHUSD", "ETH"),
            Instrument("SOLUSD", "SOL"),
            Instrument("XRPUSD", "XRP"),
        ),
        sends_collateral=True,
    ),
    Entity(
        "bluefjord-futures",
        "Bluefjord Futures",
        "cex",
        "json",
        "csv",
        "IE",
        "6354",
        attestation_name="Aoife Brennan",
        market_share=0.12,
        event_prefix="BF",
        instruments=_perps(("BTC_USDT", "BTC"), ("ETH_USDT", "ETH"), ("SOL_USDT", "SOL"), ("AVAX_USDT", "AVAX")),
        funding_interval_hours=4,
        sends_collateral=True,
    ),
    Entity(
        "solstice-digital",
        "Solstice Digital Exchange",
        "cex",
        "folder",
        "csv",
        "LU",
        "2221",
        attestation_name="Margaux Weber",
        market_share=0.08,
        event_prefix="SDX",
        instruments=_perps(("BTCUSDT-PERP", "BTC"), ("ETHUSDT-PERP", "ETH"), ("SOLUSDT-PERP", "SOL")),
        sends_collateral=True,
    ),
    Entity(
        "aurora-perps",
        "Aurora Perps DEX",
        "dex",
        "folder",
        "csv",
        attestation_name="Rafael Okafor",
        attestation_role="Protocol Risk Lead",
        market_share=0.07,
        event_prefix="AUR",
        instruments=_perps(("BTC-PERP", "BTC"), ("ETH-PERP", "ETH"), ("SOL-PERP", "SOL"), ("DOGE-PERP", "DOGE")),
        funding_interval_hours=1,
        sends_collateral=True,
        sends_leverage_bands=True,
    ),
    Entity(
        "tidewater-perpetuals",
        "Tidewater Perpetuals",
        "dex",
        "json",
        "csv",
        attestation_name="Jonas Lindqvist",
        attestation_role="Protocol Risk Lead",
        market_share=0.05,
        event_prefix="TW",
        instruments=_perps(("BTC-USD-PERP", "BTC"), ("ETH-USD-PERP", "ETH")),
        funding_interval_hours=1,
        sends_account_ref=False,
    ),
    Entity(
        "meridian-credit",
        "Meridian Credit Partners",
        "cefi_lender",
        "workbook",
        "csv",
        "US",
        "5493",
        attestation_name="Dana Whitfield",
        lending_usd=14.9e9,
        funded_onchain_usd=0.9e9,
    ),
    Entity(
        "lanternfield-lending",
        "Lanternfield Lending",
        "cefi_lender",
        "folder",
        "csv",
        "CH",
        "5067",
        attestation_name="Lukas Baumann",
        lending_usd=6.3e9,
        funded_onchain_usd=0.5e9,
    ),
    Entity(
        "copperleaf-capital",
        "Copperleaf Capital",
        "cefi_lender",
        "json",
        "csv",
        "GB",
        "2138",
        attestation_name="Priya Raman",
        lending_usd=3.5e9,
        unsecured_usd=0.21e9,
    ),
    Entity(
        "helix-lending",
        "Helix Lending Protocol",
        "defi_protocol",
        "folder",
        "csv",
        attestation_name="Mara Ivanova",
        attestation_role="Risk Steward",
        lending_usd=24.5e9,
        chains=(("ethereum", 17.0), ("arbitrum", 3.5), ("base", 4.0)),
    ),
    Entity(
        "quayside-markets",
        "Quayside Money Markets",
        "defi_protocol",
        "workbook",
        "csv",
        attestation_name="Tomas Herrera",
        attestation_role="Risk Steward",
        lending_usd=10.8e9,
        chains=(("ethereum", 6.3), ("solana", 4.5)),
    ),
    Entity(
        "driftwood-finance",
        "Driftwood Finance",
        "defi_protocol",
        "folder",
        "parquet",
        attestation_name="Keiko Arai",
        attestation_role="Risk Steward",
        lending_usd=5.7e9,
        chains=(("ethereum", 3.2), ("avalanche", 1.0), ("base", 1.5)),
    ),
    Entity(
        "stillwater-stable",
        "Stillwater Stablecoin Foundation",
        "cdp_issuer",
        "folder",
        "csv",
        attestation_name="Henrik Dahl",
        attestation_role="Head of Risk",
        lending_usd=5.48e9,
        chains=(("ethereum", 5.1), ("arbitrum", 0.38)),
    ),
    Entity(
        "ember-vaults",
        "Ember Vaults",
        "cdp_issuer",
        "json",
        "csv",
        attestation_name="Sofia Marchetti",
        attestation_role="Head of Risk",
        lending_usd=3.42e9,
        chains=(("ethereum", 3.42),),
    ),
    Entity(
        "granite-treasury",
        "Granite Treasury Corp",
        "dat",
        "folder",
        "csv",
        "US",
        "5493",
        attestation_name="Michael Grant",
        attestation_role="Chief Financial Officer",
    ),
    Entity(
        "orbital-holdings",
        "Orbital Holdings plc",
        "dat",
        "workbook",
        "csv",
        "GB",
        "2138",
        attestation_name="Eleanor Shaw",
        attestation_role="Chief Financial Officer",
    ),
)


def lei_for(entity_id: str, lou_prefix: str) -> str:
    """A made-up LEI for a fictional entity: LOU prefix, `00`, 12 characters from the id, check digits.

    The check digits follow ISO 7064 mod 97-10: with the letters read as 10..35, the 20-character code
    is 1 modulo 97.
    """
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    digest = hashlib.sha256(entity_id.encode()).digest()
    body = lou_prefix + "00" + "".join(alphabet[b % 36] for b in digest[:12])
    number = int("".join(str(int(ch, 36)) for ch in body + "00"))
    return body + f"{98 - number % 97:02d}"


# Scenarios ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    """The market picture of one period."""

    surge_day: int
    """The surge runs 24 hours from 00:00 UTC of this day (or from `surge_hour`)."""
    surge_hour: int
    btc_long_cents: int
    btc_short_cents: int
    largest_cents: int
    largest_symbol: tuple[str, str]
    """(entity_id, symbol) of the largest single liquidation, a BTC long."""
    prices: dict[str, tuple[tuple[int, float], ...]]
    """Daily closes per asset as (day, price) anchors, interpolated in between."""
    open_interest_usd: tuple[tuple[int, float], ...]
    """Industry open interest as (day, USD) anchors."""
    other_surge_usd: float
    background_usd: float
    lending_scale: float
    """Lending books relative to their 2025-11 size."""
    cdp_scale: float
    dat_cutoff: dt.date
    """Debt instruments issued after this date are not yet outstanding."""
    incidents: tuple[IncidentSpec, ...] = ()
    margin_weights: tuple[float, float, float] = (0.38, 0.54, 0.08)
    """How often a liquidated position was in (cross, isolated, portfolio) margin, where the venue offers it."""
    surge_margin_weights: tuple[float, float, float] = (0.38, 0.54, 0.08)
    """The same for the surge's liquidations: a crash that runs through shared margin is cross-heavy."""
    self_priced_collateral: tuple[tuple[str, float], ...] = ()
    """Extra collateral of the centralised venues, valued from their own order book: (asset, weight beside
    the usual mix, whose weights sum to 1); an asset already in the mix adds its weight there."""


SCENARIOS: dict[str, Scenario] = {
    "2025-11": Scenario(
        surge_day=21,
        surge_hour=0,
        btc_long_cents=406_880_000_00,
        btc_short_cents=163_070_000_00,
        largest_cents=96_510_000_00,
        largest_symbol=("northwind-derivatives", "BTC-USD"),
        prices={
            "BTC": (
                (0, 110_900),
                (6, 108_200),
                (11, 106_400),
                (16, 104_800),
                (20, 103_600),
                (21, 98_900),
                (25, 99_700),
                (30, 97_600),
            ),
            "ETH": ((0, 3_880), (10, 3_560), (20, 3_240), (21, 2_960), (30, 2_850)),
            "SOL": ((0, 186), (10, 168), (20, 154), (21, 139), (30, 132)),
            "XRP": ((0, 2.48), (20, 2.21), (21, 2.05), (30, 2.02)),
            "DOGE": ((0, 0.1852), (20, 0.1601), (21, 0.1466), (30, 0.1421)),
            "AVAX": ((0, 18.9), (20, 15.8), (21, 14.1), (30, 13.6)),
            "LINK": ((0, 16.2), (20, 14.1), (21, 12.9), (30, 12.5)),
        },
        open_interest_usd=((0, 128e9), (20, 121e9), (21, 110e9), (30, 104e9)),
        other_surge_usd=385e6,
        background_usd=2.6e9,
        lending_scale=1.0,
        cdp_scale=1.0,
        dat_cutoff=dt.date(2025, 11, 30),
        incidents=NOVEMBER_INCIDENTS,
    ),
    "2025-10": Scenario(
        surge_day=10,
        surge_hour=21,
        btc_long_cents=1_842_500_000_00,
        btc_short_cents=268_400_000_00,
        largest_cents=87_420_000_00,
        largest_symbol=("northwind-derivatives", "BTC-USD"),
        prices={
            "BTC": (
                (0, 116_500),
                (6, 124_700),
                (9, 121_600),
                (10, 113_200),
                (11, 110_700),
                (20, 110_500),
                (31, 109_600),
            ),
            "ETH": ((0, 4_300), (6, 4_690), (10, 3_840), (20, 3_980), (31, 3_860)),
            "SOL": ((0, 220), (6, 232), (10, 182), (20, 190), (31, 187)),
            "XRP": ((0, 2.98), (6, 2.96), (10, 2.36), (31, 2.50)),
            "DOGE": ((0, 0.2503), (6, 0.2601), (10, 0.1899), (31, 0.1866)),
            "AVAX": ((0, 29.6), (6, 30.8), (10, 20.5), (31, 18.8)),
            "LINK": ((0, 21.9), (6, 22.6), (10, 17.4), (31, 17.1)),
        },
        open_interest_usd=((0, 142e9), (9, 151e9), (10, 118e9), (31, 126e9)),
        other_surge_usd=1.35e9,
        background_usd=3.1e9,
        lending_scale=0.9,
        cdp_scale=0.92,
        dat_cutoff=dt.date(2025, 10, 31),
        incidents=OCTOBER_INCIDENTS,
        surge_margin_weights=(0.72, 0.16, 0.12),
        self_priced_collateral=(("USDe", 0.24), ("wBETH", 0.12)),
    ),
}


@dataclass(frozen=True)
class Period:
    """The calendar month being reported."""

    label: str
    start: pd.Timestamp
    end: pd.Timestamp
    """The first instant after the period."""

    @property
    def days(self) -> int:
        return int((self.end - self.start) / pd.Timedelta(days=1))


def parse_period(period: str) -> Period:
    """The period `YYYY-MM` as its first instant and the first instant after it (UTC)."""
    if not PERIOD_PATTERN.fullmatch(period):
        raise ValueError(f"period must be YYYY-MM, got {period!r}")
    start = pd.Timestamp(f"{period}-01T00:00:00Z")
    return Period(period, start, start + pd.DateOffset(months=1))


BUILD_UP: dict[str, tuple[float, float, float, float, float]] = {
    # period: (BTC at the start, BTC at the end, open interest at the end in US$ bn, lending books and
    # liquidations relative to 2025-11): the year of leverage building up before the 10 October 2025 crash.
    "2024-11": (69_500, 96_400, 78, 0.58, 0.45),
    "2024-12": (96_400, 93_400, 80, 0.60, 0.35),
    "2025-01": (93_400, 102_400, 86, 0.62, 0.40),
    "2025-02": (102_400, 84_400, 74, 0.62, 0.60),
    "2025-03": (84_400, 82_500, 76, 0.63, 0.50),
    "2025-04": (82_500, 94_200, 84, 0.65, 0.45),
    "2025-05": (94_200, 104_600, 96, 0.69, 0.35),
    "2025-06": (104_600, 107_100, 102, 0.72, 0.30),
    "2025-07": (107_100, 115_700, 118, 0.77, 0.35),
    "2025-08": (115_700, 108_200, 126, 0.82, 0.45),
    "2025-09": (108_200, 114_000, 140, 0.86, 0.40),
}
"""Months of the sample before 2025-10: calm markets (the 2025-11 surge, scaled down), no incidents."""


def scenario_for(period: Period) -> Scenario:
    """The scenario of a period: its own, or the 2025-11 one with its dates moved into the period.

    A month of BUILD_UP takes its prices, open interest, lending books and liquidations from there, each
    moving evenly through the month from where the month before ended.
    """
    if period.label in SCENARIOS:
        return SCENARIOS[period.label]
    base = SCENARIOS["2025-11"]
    last = period.days
    moved = base.__dict__ | {
        "surge_day": min(base.surge_day, last),
        "dat_cutoff": (period.end - pd.Timedelta(days=1)).date(),
    }
    if period.label in BUILD_UP:
        moved |= _built_up(base, period)
    return Scenario(**moved)


def _built_up(base: Scenario, period: Period) -> dict[str, object]:
    """The levels of a BUILD_UP month, as Scenario fields."""
    btc_start, btc_end, oi_end, books, liquidations = BUILD_UP[period.label]
    before = (period.start - pd.DateOffset(months=1)).strftime("%Y-%m")
    oi_start = BUILD_UP[before][2] if before in BUILD_UP else 66.0
    btc_base = base.prices["BTC"][0][1]
    return {
        "btc_long_cents": round(base.btc_long_cents * liquidations),
        "btc_short_cents": round(base.btc_short_cents * liquidations),
        "largest_cents": round(base.largest_cents * liquidations),
        "prices": {
            asset: ((0, anchors[0][1] * btc_start / btc_base), (period.days, anchors[0][1] * btc_end / btc_base))
            for asset, anchors in base.prices.items()
        },
        "open_interest_usd": ((0, oi_start * 1e9), (period.days, oi_end * 1e9)),
        "other_surge_usd": base.other_surge_usd * liquidations,
        "background_usd": base.background_usd * liquidations,
        "lending_scale": books,
        "cdp_scale": books + 0.05,
        "incidents": (),
    }
