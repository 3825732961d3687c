"""The audit tables of the workbook: the data an auditor needs to recompute every figure with formulas.

These are the row-level and aggregate tables that `Partials` and `Metrics` do not already hold in the
shape a spreadsheet formula can use: liquidations per side and venue in every hour of the period, every
hour of the period (the candidate 24-hour windows), the open-interest rows of each venue's last reported
date by symbol, the funding rows, leverage bands, loans by lender and collateral asset, the largest liquidation
of each venue and the largest events up to a cap. Everything is derived from the accepted submissions'
typed tables or from combined partials with vectorised pandas, so the tables stay small when events grow:
their size follows venues × assets × hours, not the number of events (except the capped event list).

Money is carried as whole cents (int64), as in `Partials`; the workbook writes dollars.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from reporting.contract import EXCHANGE_TYPES, UNSECURED, compute_period_bounds
from reporting.metrics.derivatives import WINDOW_HOURS
from reporting.metrics.partials import ALL_ASSETS, EVENTS_CAP, Partials, is_funded, to_cents
from reporting.validate.model import ValidatedSubmission

LIQUIDATION_EVENT_COLUMNS = (
    "venue",
    "event_id",
    "ts",
    "symbol",
    "base_asset",
    "position_side",
    "method",
    "margin_mode",
    "notional_cents",
    "incident_id",
)
"""The columns of the raw liquidation events listed in the workbook, in the workbook's order."""


@dataclass(frozen=True)
class AuditTables:
    """The tables of the audit workbook that are not in `Partials` as they are.

    - hourly_liquidations: every hour of the period (row k is hour_of_period k), with Σ notional_usd
      (cents) of long positions per venue, then of short positions per venue (columns ("long", venue),
      ("short", venue)); 0 where a venue had no event that hour.
    - period_hours: every hour of the period: hour_of_period, hour (start), window_end (hour + 24 h) and
      whether a 24-hour window starting then ends inside the period (`window_inside`).
    - liquidation_breakdown: per venue, base_asset, position_side, method and margin_mode: Σ notional_usd,
      Σ notional_usd naming an incident (cents), event count.
    - largest_by_venue: the largest event of each venue (largest notional, then earliest ts, then
      smallest event_id), sorted as the toolkit breaks ties across venues: notional descending, ts, venue,
      event_id.
    - largest_events: the EVENTS_CAP largest events of all venues, same order; events_total counts all.
    - period_end_open_interest: each venue's open-interest rows (by symbol) on its last reported date.
    - funding_rows: perpetual open-interest rows with a funding rate and interval.
    - leverage_band_rows: leverage_bands rows with base_asset `ALL` (the whole book), per venue and band.
    - loans: Σ borrowed_usd, collateral_usd, funded_onchain_usd (cents) and the loan count per lender,
      entity type and collateral_asset.
    - incident_descriptions: entity, incident_id and the submitted description of every incident.
    - hourly_by_asset: Σ notional_usd (cents) of long and of short positions per base_asset and UTC hour,
      for the hours of the period in which the asset had liquidations (the per-asset peak windows).
    - loans_with_ltv: every secured loan with a liquidation_ltv: lender, collateral_asset, borrowed_usd,
      collateral_usd (cents) and liquidation_ltv (the loans tested by the stress scenarios).
    """

    hourly_liquidations: pd.DataFrame
    period_hours: pd.DataFrame
    liquidation_breakdown: pd.DataFrame
    largest_by_venue: pd.DataFrame
    largest_events: pd.DataFrame
    events_total: int
    period_end_open_interest: pd.DataFrame
    funding_rows: pd.DataFrame
    leverage_band_rows: pd.DataFrame
    loans: pd.DataFrame
    incident_descriptions: pd.DataFrame
    hourly_by_asset: pd.DataFrame
    loans_with_ltv: pd.DataFrame


def compute_audit_tables(partials: Partials, submissions: list[ValidatedSubmission], period: str) -> AuditTables:
    """The audit tables of a period from its combined partials and its submissions (only accepted ones count)."""
    accepted = [s for s in submissions if s.status == "accepted" and s.header is not None]
    exchanges = {
        s.header.entity_name: s.tables for s in accepted if s.header and s.header.entity_type in EXCHANGE_TYPES
    }
    largest_events, largest_by_venue, events_total = compute_largest_events(partials, EVENTS_CAP)
    return AuditTables(
        hourly_liquidations=compute_hourly_liquidations(partials, period),
        period_hours=compute_period_hours(period),
        liquidation_breakdown=compute_liquidation_breakdown(partials),
        largest_by_venue=largest_by_venue,
        largest_events=largest_events,
        events_total=events_total,
        period_end_open_interest=compute_period_end_rows(exchanges),
        funding_rows=compute_funding_rows(exchanges),
        leverage_band_rows=compute_leverage_band_rows(exchanges),
        loans=compute_loans_by_collateral(
            {s.header.entity_name: (s.header.entity_type, s.tables) for s in accepted if s.header}
        ),
        incident_descriptions=compute_incident_descriptions(
            {s.header.entity_name: s.tables for s in accepted if s.header}
        ),
        hourly_by_asset=compute_hourly_by_asset(partials, period),
        loans_with_ltv=compute_loans_with_ltv({s.header.entity_name: s.tables for s in accepted if s.header}),
    )


def compute_hourly_by_asset(partials: Partials, period: str) -> pd.DataFrame:
    """Σ notional_usd (cents) of long and of short positions per base_asset and UTC hour of the period, for
    the hours with liquidations of that asset; sorted by asset and hour. Its size follows assets × hours."""
    start, end = compute_period_bounds(period)
    buckets = partials.liquidations
    buckets = buckets[(buckets["hour"] >= start) & (buckets["hour"] < end)]
    sums = (
        buckets.groupby(["base_asset", "hour", "position_side"], sort=True)["notional_cents"]
        .sum()
        .unstack("position_side", fill_value=0)
        .reindex(columns=["long", "short"], fill_value=0)
        .astype("int64")
    )
    return pd.DataFrame(
        {
            "base_asset": sums.index.get_level_values("base_asset").astype(str),
            "hour": sums.index.get_level_values("hour"),
            "long_cents": sums["long"].to_numpy(),
            "short_cents": sums["short"].to_numpy(),
        }
    )


def compute_loans_with_ltv(entities: dict[str, dict[str, pd.DataFrame]]) -> pd.DataFrame:
    """Every secured loan with a liquidation_ltv, per lender in name order: collateral_asset, borrowed_usd and
    collateral_usd (cents) and liquidation_ltv."""
    frames = []
    for lender in sorted(entities):
        loans = entities[lender].get("loans")
        if loans is None:
            continue
        tested = loans[(loans["collateral_asset"] != UNSECURED) & loans["liquidation_ltv"].notna()]
        frames.append(
            pd.DataFrame(
                {
                    "lender": lender,
                    "collateral_asset": tested["collateral_asset"].to_numpy(),
                    "borrowed_cents": to_cents(tested["borrowed_usd"]),
                    "collateral_cents": to_cents(tested["collateral_usd"]),
                    "liquidation_ltv": tested["liquidation_ltv"].to_numpy(dtype="float64"),
                }
            )
        )
    if not frames:
        columns = ("lender", "collateral_asset", "borrowed_cents", "collateral_cents", "liquidation_ltv")
        return pd.DataFrame({name: pd.Series(dtype="object") for name in columns})
    return pd.concat(frames, ignore_index=True)


def compute_hourly_liquidations(partials: Partials, period: str) -> pd.DataFrame:
    """Σ notional_usd (cents) of long and of short positions per UTC hour of the period and venue.

    One row per hour of the period, in order (row k is hour_of_period k; an hour without events holds 0);
    columns ("long", venue) for every venue in sorted order, then ("short", venue) likewise. Its size
    follows the hours and the venues, never the number of events.
    """
    start, end = compute_period_bounds(period)
    hours = pd.date_range(start, end, freq="h", inclusive="left", unit="us")
    buckets = partials.liquidations
    venues = sorted(buckets["venue"].unique())
    columns = pd.MultiIndex.from_product([["long", "short"], venues], names=["position_side", "venue"])
    sums = (
        buckets.groupby(["hour", "position_side", "venue"])["notional_cents"].sum().unstack(["position_side", "venue"])
    )
    return sums.reindex(index=hours, columns=columns, fill_value=0).fillna(0).astype("int64").reset_index(drop=True)


def compute_period_hours(period: str) -> pd.DataFrame:
    """Every UTC hour of the period, with the end of the 24-hour window that starts then.

    window_inside is True when that window ends inside the period (end ≤ the period's end): only those
    windows are candidates for peak_24h_liquidations.
    """
    start, end = compute_period_bounds(period)
    hours = pd.date_range(start, end, freq="h", inclusive="left", unit="us")
    window_end = hours + pd.Timedelta(hours=WINDOW_HOURS)
    return pd.DataFrame(
        {
            "hour_of_period": range(len(hours)),
            "hour": hours,
            "window_end": window_end,
            "window_inside": window_end <= end,
        }
    )


def compute_liquidation_breakdown(partials: Partials) -> pd.DataFrame:
    """Σ notional_usd, Σ notional_usd naming an incident (cents) and events per venue, asset, side, method, mode."""
    keys = ["venue", "base_asset", "position_side", "method", "margin_mode"]
    return (
        partials.liquidations.groupby(keys, sort=True)[["notional_cents", "incident_cents", "events"]]
        .sum()
        .reset_index()
    )


def compute_largest_events(partials: Partials, cap: int) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """The `cap` largest liquidation events of all venues, the largest event of each venue, and the events in all.

    Both tables are in the toolkit's order (see `AuditTables.largest_events` and `largest_by_venue`), with the
    columns LIQUIDATION_EVENT_COLUMNS.
    """
    candidates = partials.largest_liquidations[list(LIQUIDATION_EVENT_COLUMNS)]  # in order, the largest first
    largest = candidates.head(cap).reset_index(drop=True)
    by_venue = candidates.drop_duplicates("venue").reset_index(drop=True)
    return largest, by_venue, int(partials.liquidations["events"].sum())


def compute_period_end_rows(exchanges: dict[str, dict[str, pd.DataFrame]]) -> pd.DataFrame:
    """Each venue's open_interest rows on the last date of the period it reported, by symbol."""
    frames = []
    for venue, tables in exchanges.items():
        rows = tables.get("open_interest")
        if rows is None or rows.empty:
            continue
        last = rows[rows["date"] == rows["date"].max()]
        frames.append(
            pd.DataFrame(
                {
                    "venue": venue,
                    "date": last["date"].to_numpy(),
                    "symbol": last["symbol"].to_numpy(),
                    "base_asset": last["base_asset"].to_numpy(),
                    "contract_type": last["contract_type"].to_numpy(),
                    "open_interest_cents": to_cents(last["open_interest_usd"]),
                }
            )
        )
    if not frames:
        columns = ("venue", "date", "symbol", "base_asset", "contract_type", "open_interest_cents")
        return pd.DataFrame({name: pd.Series(dtype="object") for name in columns})
    return pd.concat(frames, ignore_index=True).sort_values(["venue", "symbol"], kind="stable").reset_index(drop=True)


def compute_funding_rows(exchanges: dict[str, dict[str, pd.DataFrame]]) -> pd.DataFrame:
    """The perpetual open-interest rows with a funding rate and interval: the rows funding figures weigh."""
    frames = []
    for venue, tables in exchanges.items():
        rows = tables.get("open_interest")
        if rows is None or rows.empty:
            continue
        funded = rows[is_funded(rows)]
        frames.append(
            pd.DataFrame(
                {
                    "venue": venue,
                    "date": funded["date"].to_numpy(),
                    "symbol": funded["symbol"].to_numpy(),
                    "open_interest_cents": to_cents(funded["open_interest_usd"]),
                    "funding_rate": funded["funding_rate"].to_numpy(dtype="float64"),
                    "funding_interval_hours": funded["funding_interval_hours"].to_numpy(dtype="float64"),
                }
            )
        )
    if not frames:
        columns = ("venue", "date", "symbol", "open_interest_cents", "funding_rate", "funding_interval_hours")
        return pd.DataFrame({name: pd.Series(dtype="object") for name in columns})
    return (
        pd.concat(frames, ignore_index=True)
        .sort_values(["venue", "date", "symbol"], kind="stable")
        .reset_index(drop=True)
    )


def compute_leverage_band_rows(exchanges: dict[str, dict[str, pd.DataFrame]]) -> pd.DataFrame:
    """leverage_bands rows with base_asset `ALL` per venue and band (open_interest_usd in cents)."""
    frames = []
    for venue, tables in exchanges.items():
        bands = tables.get("leverage_bands")
        if bands is None:
            continue
        whole_book = bands[bands["base_asset"] == ALL_ASSETS]
        frames.append(
            pd.DataFrame(
                {
                    "venue": venue,
                    "band": whole_book["band"].to_numpy(),
                    "open_interest_cents": to_cents(whole_book["open_interest_usd"]),
                }
            )
        )
    if not frames:
        return pd.DataFrame({name: pd.Series(dtype="object") for name in ("venue", "band", "open_interest_cents")})
    return pd.concat(frames, ignore_index=True).sort_values(["venue", "band"], kind="stable").reset_index(drop=True)


def compute_loans_by_collateral(lenders: dict[str, tuple[str, dict[str, pd.DataFrame]]]) -> pd.DataFrame:
    """Σ borrowed_usd, collateral_usd, funded_onchain_usd (cents) and loans per lender and collateral_asset.

    `secured` is False for collateral_asset `NONE` (unsecured loans, left out of the collateralized figures).
    """
    frames = []
    for lender, (entity_type, tables) in lenders.items():
        loans = tables.get("loans")
        if loans is None:
            continue
        frames.append(
            pd.DataFrame(
                {
                    "lender": lender,
                    "entity_type": entity_type,
                    "collateral_asset": loans["collateral_asset"].to_numpy(),
                    "borrowed_cents": to_cents(loans["borrowed_usd"]),
                    "collateral_cents": to_cents(loans["collateral_usd"]),
                    "funded_onchain_cents": to_cents(loans["funded_onchain_usd"]),
                    "loans": 1,
                }
            )
        )
    columns = [
        "lender",
        "entity_type",
        "collateral_asset",
        "borrowed_cents",
        "collateral_cents",
        "funded_onchain_cents",
        "loans",
    ]
    if not frames:
        return pd.DataFrame({name: pd.Series(dtype="object") for name in [*columns, "secured"]})
    grouped = pd.concat(frames, ignore_index=True).groupby(columns[:3], sort=True)[columns[3:]].sum().reset_index()
    return grouped.assign(secured=grouped["collateral_asset"] != UNSECURED)


def compute_incident_descriptions(entities: dict[str, dict[str, pd.DataFrame]]) -> pd.DataFrame:
    """The submitted description of every incident, by entity and incident_id."""
    frames = [
        pd.DataFrame(
            {
                "entity": entity,
                "incident_id": tables["incidents"]["incident_id"].to_numpy(),
                "description": tables["incidents"]["description"].to_numpy(),
            }
        )
        for entity, tables in entities.items()
        if "incidents" in tables and "description" in tables["incidents"]
    ]
    if not frames:
        return pd.DataFrame({name: pd.Series(dtype="object") for name in ("entity", "incident_id", "description")})
    return pd.concat(frames, ignore_index=True)
