"""Per-submission partial aggregates, and how they combine.

Every figure of the report is derived from `Partials` only, never from the submitted rows directly.
A submission's partials are small grouped sums (daily open interest per venue and asset, hourly
liquidation buckets, sums per lender...), computed with vectorised pandas. Partials of several
submissions combine by concatenating and summing again over the same keys, so the result does not
depend on how rows are spread over submissions or ordered within them; this is what lets the same
metrics run on a distributed engine (one partial per chunk, then one combine).

Money is carried as whole cents in int64 (the contract allows at most 2 decimals), which makes the
sums exact and associative: the order of addition cannot change a figure. Funding rates are not
money and are summed as float64.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields, replace
from functools import cache

import numpy as np
import pandas as pd
from pandas.api.types import pandas_dtype

from reporting.config import ScenarioSettings
from reporting.contract import EXCHANGE_TYPES, UNSECURED, Header

EntityTables = dict[str, pd.DataFrame]

# Liquidations are bucketed by these keys (plus the venue) and the UTC hour they fell in.
LIQUIDATION_KEYS = ["venue", "base_asset", "position_side", "method", "margin_mode", "hour"]
HIGH_LEVERAGE_BANDS = ("25-50", "50+")
ALL_ASSETS = "ALL"

# For each summed partial: its key columns and its value columns with their dtypes.
TEXT = "str"
SUMMED: dict[str, tuple[dict[str, str], dict[str, str]]] = {
    "open_interest": (
        {"venue": TEXT, "date": "datetime64[s]", "base_asset": TEXT},
        {"open_interest_cents": "int64"},
    ),
    "funding": ({"venue": TEXT}, {"funding_weighted_usd": "float64", "open_interest_cents": "int64"}),
    "collateral": ({"venue": TEXT}, {"balance_cents": "int64", "rows": "int64"}),
    "collateral_pricing": (
        {"venue": TEXT, "pricing_method": TEXT},
        {"balance_cents": "int64", "cross_margin_cents": "int64"},
    ),
    "leverage_bands": ({"venue": TEXT, "band": TEXT}, {"open_interest_cents": "int64"}),
    "liquidations": (
        {
            "venue": TEXT,
            "base_asset": TEXT,
            "position_side": TEXT,
            "method": TEXT,
            "margin_mode": TEXT,
            "hour": "datetime64[us, UTC]",
        },
        {"notional_cents": "int64", "incident_cents": "int64", "events": "int64"},
    ),
    "liquidated_accounts": ({"venue": TEXT}, {"accounts": "int64", "referenced_events": "int64"}),
    "incident_liquidations": ({"entity": TEXT, "incident_id": TEXT}, {"notional_cents": "int64", "events": "int64"}),
    "loans": (
        {"lender": TEXT, "entity_type": TEXT},
        {
            "secured_borrowed_cents": "int64",
            "unsecured_borrowed_cents": "int64",
            "secured_collateral_cents": "int64",
            "funded_onchain_cents": "int64",
        },
    ),
    "loan_collateral": ({"collateral_asset": TEXT}, {"collateral_cents": "int64"}),
    "loans_at_risk": ({"lender": TEXT, "shock": TEXT}, {"at_risk_cents": "int64", "with_ltv_cents": "int64"}),
    "cdp_supply": ({"lender": TEXT}, {"crypto_backed_cents": "int64"}),
    "dat_debt": ({"lender": TEXT}, {"principal_cents": "int64"}),
    "dat_maturity": ({"lender": TEXT, "maturity_year": TEXT}, {"principal_cents": "int64"}),
}
NO_MATURITY = "none"
"""The maturity_year of DAT debt without a maturity_date."""

ENTITY_COLUMNS = {"entity": TEXT, "entity_type": TEXT}
EVENTS_CAP = 1000
"""The largest liquidation events kept of each venue: the workbook lists the EVENTS_CAP largest of all venues."""
LARGEST_COLUMNS = {
    "notional_cents": "int64",
    "ts": "datetime64[us, UTC]",
    "venue": TEXT,
    "event_id": TEXT,
    "symbol": TEXT,
    "base_asset": TEXT,
    "position_side": TEXT,
    "method": TEXT,
    "margin_mode": TEXT,
    "incident_id": TEXT,
}
INCIDENT_COLUMNS = {
    "entity": TEXT,
    "incident_id": TEXT,
    "category": TEXT,
    "started_at": "datetime64[us, UTC]",
    "resolved_at": "datetime64[us, UTC]",
    "critical_service": "bool",
    "clients_affected": "float64",
    "clients_affected_pct": "float64",
    "transactions_affected_pct": "float64",
    "economic_impact_usd": "float64",
    "data_loss": "bool",
    "malicious_access": "bool",
    "jurisdictions_affected": "float64",
    "false_liquidations_cents": "int64",
    "compensation_cents": "int64",
}


@dataclass(frozen=True)
class Partials:
    """Partial aggregates of one submission, or of several combined.

    - entities: one row per accepted entity (entity = entity_name, entity_type).
    - open_interest: Σ open_interest_usd in cents per venue, date and base_asset.
    - funding: per venue, over perpetual rows with a funding rate: Σ open_interest_usd × funding_rate ×
      8 / funding_interval_hours (USD, float) and Σ open_interest_usd (cents).
    - collateral: per venue that sent collateral rows, Σ balance_usd (cents) and the row count.
    - collateral_pricing: per venue and pricing_method, Σ balance_usd and Σ cross_margin_usd (cents).
    - leverage_bands: per venue and band, over rows with base_asset `ALL`: Σ open_interest_usd (cents).
    - liquidations: per venue, base_asset, position_side, method, margin_mode and UTC hour: Σ notional_usd,
      Σ notional_usd of events naming an incident (cents), and the event count.
    - liquidated_accounts: per venue, the number of distinct account_ref among its liquidations and the
      number of its events with an account_ref. Distinct counts add up over submissions because the pairs
      counted are (venue, account_ref) and a venue's liquidations of a period come in one submission
      (validation rejects two accepted submissions of one entity for one period); a venue's events
      split over several chunks would need the chunks of one submission combined first.
    - incident_liquidations: per entity and incident_id, Σ notional_usd (cents) and count of the events
      naming it.
    - largest_liquidations: each venue's EVENTS_CAP largest events, all venues' in the toolkit's order of size
      (`largest_first`): they hold each venue's largest event and the EVENTS_CAP largest of all.
    - incidents: the incident rows, with the entity and the money in cents.
    - loans: per lender and entity type: Σ borrowed_usd of secured and of unsecured loans, Σ collateral_usd
      of secured loans, Σ funded_onchain_usd (cents).
    - loan_collateral: Σ collateral_usd per collateral_asset over secured loans (cents).
    - loans_at_risk: per lender and shock of the scenarios (keyed as text, `0.10`), over secured loans
      with a liquidation_ltv: Σ borrowed_usd of the loans at risk under that shock, and Σ borrowed_usd
      of them all (cents); see `reporting.metrics.scenarios`.
    - cdp_supply: Σ crypto_backed_supply_usd per lender (cents). dat_debt: Σ principal_usd per lender (cents).
    - dat_maturity: Σ principal_usd per lender and maturity year (text, `none` without a maturity_date).
    """

    entities: pd.DataFrame
    open_interest: pd.DataFrame
    funding: pd.DataFrame
    collateral: pd.DataFrame
    collateral_pricing: pd.DataFrame
    leverage_bands: pd.DataFrame
    liquidations: pd.DataFrame
    liquidated_accounts: pd.DataFrame
    incident_liquidations: pd.DataFrame
    largest_liquidations: pd.DataFrame
    incidents: pd.DataFrame
    loans: pd.DataFrame
    loan_collateral: pd.DataFrame
    loans_at_risk: pd.DataFrame
    cdp_supply: pd.DataFrame
    dat_debt: pd.DataFrame
    dat_maturity: pd.DataFrame


def to_cents(values: pd.Series) -> pd.Series:
    """US dollars (float64, NaN for null) as whole cents (int64, null counted as 0)."""
    cents = values.to_numpy(dtype="float64", na_value=0.0) * 100.0
    return np.round(cents, out=cents).astype("int64")


def empty_frame(columns: dict[str, str]) -> pd.DataFrame:
    """A frame with no rows and the given column dtypes."""
    return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in columns.items()})


def empty_partials() -> Partials:
    """The partials of no submission at all (the neutral element of `combine_partials`)."""
    return Partials(**{name: frame.copy() for name, frame in _empty_frames().items()})


@cache
def _empty_frames() -> dict[str, pd.DataFrame]:
    # Built once: constructing a dozen typed empty frames costs more than a small submission's partials.
    frames = {name: empty_frame({**keys, **values}) for name, (keys, values) in SUMMED.items()}
    frames["entities"] = empty_frame(ENTITY_COLUMNS)
    frames["largest_liquidations"] = empty_frame(LARGEST_COLUMNS)
    frames["incidents"] = empty_frame(INCIDENT_COLUMNS)
    return frames


def compute_partials(header: Header, tables: EntityTables, scenarios: ScenarioSettings) -> Partials:
    """The partial aggregates of one accepted submission (its header and typed tables); `scenarios` sets the
    shocks under which loans are tested (loans_at_risk)."""
    name = header.entity_name
    parts = replace(
        empty_partials(),
        entities=conform_frame(pd.DataFrame({"entity": [name], "entity_type": [header.entity_type]}), ENTITY_COLUMNS),
    )
    if header.entity_type in EXCHANGE_TYPES:
        parts = replace(parts, **_compute_exchange_partials(name, tables))
    if "loans" in tables:
        parts = replace(parts, **_compute_loan_partials(name, header.entity_type, tables["loans"], scenarios))
    if "cdp_supply" in tables:
        crypto_backed = int(to_cents(tables["cdp_supply"]["crypto_backed_supply_usd"]).sum())
        parts = replace(parts, cdp_supply=_one_row("cdp_supply", lender=name, crypto_backed_cents=crypto_backed))
    if "dat_debt" in tables:
        principal = int(to_cents(tables["dat_debt"]["principal_usd"]).sum())
        parts = replace(
            parts,
            dat_debt=_one_row("dat_debt", lender=name, principal_cents=principal),
            dat_maturity=_compute_dat_maturity(name, tables["dat_debt"]),
        )
    if "incidents" in tables:
        parts = replace(parts, incidents=_compute_incident_rows(name, tables["incidents"]))
    return parts


def conform_frame(frame: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    """The frame's `columns`, in that order, cast to their dtypes (only the columns whose dtype differs)."""
    frame = frame[list(columns)]
    casts = {name: dtype for name, dtype in columns.items() if frame[name].dtype != _dtype(dtype)}
    return frame.astype(casts) if casts else frame


@cache
def _dtype(name: str) -> object:
    return pandas_dtype(name)


def _one_row(partial: str, **values: object) -> pd.DataFrame:
    keys, sums = SUMMED[partial]
    columns = {**keys, **sums}
    return conform_frame(pd.DataFrame({column: [values[column]] for column in columns}), columns)


def is_funded(open_interest: pd.DataFrame) -> pd.Series:
    """The open-interest rows funding figures weigh: perpetuals with a funding rate and its interval.

    Validation guarantees an interval wherever a rate is set; requiring both keeps NaN out of the sums.
    """
    return (
        open_interest["funding_rate"].notna()
        & open_interest["funding_interval_hours"].notna()
        & (open_interest["contract_type"] == "perpetual")
    )


def _compute_exchange_partials(venue: str, tables: EntityTables) -> dict[str, pd.DataFrame]:
    parts: dict[str, pd.DataFrame] = {}
    open_interest = tables.get("open_interest")
    if open_interest is not None and len(open_interest):
        cents = to_cents(open_interest["open_interest_usd"])
        daily = (
            pd.DataFrame({"date": open_interest["date"], "base_asset": open_interest["base_asset"], "cents": cents})
            .groupby(["date", "base_asset"], sort=True)["cents"]
            .sum()
        )
        parts["open_interest"] = _with_key(
            pd.DataFrame({"open_interest_cents": daily}).reset_index(), "open_interest", venue=venue
        )
        funded = is_funded(open_interest)
        rows = open_interest[funded]
        # The rate is restated per 8 hours so that venues with other intervals weigh alike.
        weighted = rows["open_interest_usd"] * rows["funding_rate"] * 8.0 / rows["funding_interval_hours"]
        parts["funding"] = _one_row(
            "funding",
            venue=venue,
            funding_weighted_usd=float(weighted.sum()),
            open_interest_cents=int(cents[funded.to_numpy()].sum()),
        )
    collateral = tables.get("collateral")
    if collateral is not None and len(collateral):
        parts["collateral"] = _one_row(
            "collateral",
            venue=venue,
            balance_cents=int(to_cents(collateral["balance_usd"]).sum()),
            rows=len(collateral),
        )
        by_method = (
            pd.DataFrame(
                {
                    "pricing_method": collateral["pricing_method"].to_numpy(),
                    "balance_cents": to_cents(collateral["balance_usd"]),
                    "cross_margin_cents": to_cents(collateral["cross_margin_usd"]),
                }
            )
            .groupby("pricing_method", sort=True)
            .sum()
            .reset_index()
        )
        parts["collateral_pricing"] = _with_key(by_method, "collateral_pricing", venue=venue)
    bands = tables.get("leverage_bands")
    if bands is not None:
        whole_book = bands[bands["base_asset"] == ALL_ASSETS]
        if len(whole_book):
            by_band = (
                pd.DataFrame(
                    {
                        "band": whole_book["band"].to_numpy(),
                        "open_interest_cents": to_cents(whole_book["open_interest_usd"]),
                    }
                )
                .groupby("band", sort=True)
                .sum()
                .reset_index()
            )
            parts["leverage_bands"] = _with_key(by_band, "leverage_bands", venue=venue)
    liquidations = tables.get("liquidations")
    if liquidations is not None and len(liquidations):
        parts.update(_compute_liquidation_partials(venue, liquidations))
    return parts


def _compute_liquidation_partials(venue: str, liquidations: pd.DataFrame) -> dict[str, pd.DataFrame]:
    cents = to_cents(liquidations["notional_usd"])
    linked = liquidations["incident_id"].notna().to_numpy()
    buckets = _bucket_liquidations(liquidations, cents, np.where(linked, cents, 0))
    by_incident = (
        pd.DataFrame({"incident_id": liquidations["incident_id"][linked], "notional_cents": cents[linked]})
        .assign(events=1)
        .groupby("incident_id", sort=True)
        .sum()
        .reset_index()
    )
    # The venue's EVENTS_CAP largest, with every tie of the smallest of them, put in order and cut to EVENTS_CAP.
    edge = max(len(cents) - EVENTS_CAP, 0)
    kept = cents >= np.partition(cents, edge)[edge]
    event_columns = ("event_id", "symbol", "base_asset", "position_side", "method", "margin_mode", "incident_id")
    largest = liquidations.loc[kept, ["ts", *event_columns]]
    largest_rows = pd.DataFrame(
        {
            "notional_cents": cents[kept],
            "ts": largest["ts"].array,  # as datetimes: to_numpy() would make a Python object of each
            "venue": venue,
            **{column: largest[column].to_numpy() for column in event_columns},
        }
    )
    referenced = liquidations["account_ref"].dropna()
    accounts = _one_row(
        "liquidated_accounts", venue=venue, accounts=referenced.nunique(), referenced_events=len(referenced)
    )
    return {
        "liquidations": _with_key(buckets, "liquidations", venue=venue),
        "liquidated_accounts": accounts,
        "incident_liquidations": _with_key(by_incident, "incident_liquidations", entity=venue),
        "largest_liquidations": conform_frame(largest_first(largest_rows).head(EVENTS_CAP), LARGEST_COLUMNS),
    }


def largest_first(events: pd.DataFrame) -> pd.DataFrame:
    """Liquidation events in the toolkit's order of size: notional descending, then the earliest ts,
    then venue and event_id. `events` has the columns notional_cents, ts, venue and event_id."""
    return events.sort_values(
        ["notional_cents", "ts", "venue", "event_id"], ascending=[False, True, True, True], kind="stable"
    ).reset_index(drop=True)


def _codes(values: pd.Series) -> tuple[np.ndarray, pd.api.extensions.ExtensionArray]:
    """Integer codes of a key column and the text values they stand for (categories come coded already).

    The values stay a pandas text array, so that taking them by code makes text columns without
    converting Python objects one by one.
    """
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values.cat.codes.to_numpy(dtype="int64"), pd.array(values.cat.categories, dtype=TEXT)
    codes, uniques = pd.factorize(values, sort=True)
    return codes.astype("int64"), pd.array(uniques, dtype=TEXT)


def _bucket_liquidations(liquidations: pd.DataFrame, cents: np.ndarray, incident_cents: np.ndarray) -> pd.DataFrame:
    """Σ notional, Σ incident-linked notional (cents) and the event count per base_asset, position_side,
    method, margin_mode and UTC hour, sorted by those keys.

    The five keys are folded into one integer per event (mixed-radix codes), so that one grouping
    over integers replaces a grouping over four text columns and a timestamp.
    """
    key = np.zeros(len(liquidations), dtype="int64")
    levels = []
    # In place: each new array of a million keys costs more in fresh memory than in arithmetic.
    for column in LIQUIDATION_KEYS[1:-1]:
        codes, uniques = _codes(liquidations[column])
        key *= len(uniques)
        key += codes
        levels.append((column, uniques))
    ts = liquidations["ts"]
    per_hour = 3600 * (pd.Timedelta(seconds=1) // pd.Timedelta(1, unit=ts.dt.unit))
    hours = ts.array.asi8 // per_hour
    first = int(hours.min()) if len(hours) else 0
    span = int(hours.max()) - first + 1 if len(hours) else 1
    key *= span
    hours -= first
    key += hours
    # Counting into one bin per possible key is exact (cent sums stay far below 2**53) and much
    # faster than a hash grouping; the bins are few (assets x 2 x 3 x 3 x hours in the month).
    events = np.bincount(key)
    used = np.flatnonzero(events)
    linked = incident_cents.any()
    hour = pd.to_datetime((used % span + first) * 3600, unit="s", utc=True).as_unit("us")
    rest = used // span
    columns: dict[str, object] = {}
    for column, uniques in reversed(levels):
        columns[column] = uniques[rest % len(uniques)]
        rest = rest // len(uniques)
    return pd.DataFrame(
        {
            **{column: columns[column] for column, _ in levels},
            "hour": hour,
            "notional_cents": np.bincount(key, weights=cents)[used].round().astype("int64"),
            "incident_cents": (
                np.bincount(key, weights=incident_cents)[used].round().astype("int64")
                if linked
                else np.zeros(len(used), dtype="int64")
            ),
            "events": events[used].astype("int64"),
        }
    )


def _with_key(frame: pd.DataFrame, partial: str, **constants: str) -> pd.DataFrame:
    """Add the constant key columns (the venue) and put the columns in the order and dtypes of SUMMED."""
    keys, sums = SUMMED[partial]
    return conform_frame(frame.assign(**constants), {**keys, **sums})


def _compute_loan_partials(
    lender: str, entity_type: str, loans: pd.DataFrame, scenarios: ScenarioSettings
) -> dict[str, pd.DataFrame]:
    borrowed = to_cents(loans["borrowed_usd"])
    collateral = to_cents(loans["collateral_usd"])
    secured = (loans["collateral_asset"] != UNSECURED).to_numpy()
    by_asset = (
        pd.DataFrame({"collateral_asset": loans["collateral_asset"][secured], "collateral_cents": collateral[secured]})
        .groupby("collateral_asset", sort=True)
        .sum()
        .reset_index()
    )
    return {
        "loans": _one_row(
            "loans",
            lender=lender,
            entity_type=entity_type,
            secured_borrowed_cents=int(borrowed[secured].sum()),
            unsecured_borrowed_cents=int(borrowed[~secured].sum()),
            secured_collateral_cents=int(collateral[secured].sum()),
            funded_onchain_cents=int(to_cents(loans["funded_onchain_usd"]).sum()),
        ),
        "loan_collateral": conform_frame(by_asset, SUMMED["loan_collateral"][0] | SUMMED["loan_collateral"][1]),
        "loans_at_risk": _compute_loans_at_risk(lender, loans, borrowed, secured, scenarios),
    }


def shock_key(shock: float) -> str:
    """A shock as the metrics key it: text with two decimals, `0.10`."""
    return f"{shock:.2f}"


def _compute_loans_at_risk(
    lender: str, loans: pd.DataFrame, borrowed: np.ndarray, secured: np.ndarray, scenarios: ScenarioSettings
) -> pd.DataFrame:
    """Per shock s: Σ borrowed_usd (cents) of the secured loans with a liquidation_ltv for which
    borrowed_usd ÷ (collateral_usd × (1 − s)) ≥ liquidation_ltv, collateral of a stable asset unshocked;
    and Σ borrowed_usd of all secured loans with a liquidation_ltv."""
    tested = secured & loans["liquidation_ltv"].notna().to_numpy()
    ltv = loans["liquidation_ltv"].to_numpy(dtype="float64")[tested]
    borrowed_usd = loans["borrowed_usd"].to_numpy(dtype="float64")[tested]
    collateral_usd = loans["collateral_usd"].to_numpy(dtype="float64")[tested]
    stable = loans["collateral_asset"].isin(scenarios.stable_assets).to_numpy()[tested]
    with_ltv = int(borrowed[tested].sum())
    at_risk = []
    for shock in scenarios.shocks:
        factor = np.where(stable, 1.0, 1.0 - shock)
        at_risk.append(int(borrowed[tested][borrowed_usd / (collateral_usd * factor) >= ltv].sum()))
    frame = pd.DataFrame(
        {
            "lender": lender,
            "shock": [shock_key(shock) for shock in scenarios.shocks],
            "at_risk_cents": at_risk,
            "with_ltv_cents": with_ltv,
        }
    )
    return conform_frame(frame, SUMMED["loans_at_risk"][0] | SUMMED["loans_at_risk"][1])


def _compute_dat_maturity(lender: str, debt: pd.DataFrame) -> pd.DataFrame:
    """Σ principal_usd (cents) per maturity year of one treasury's instruments."""
    years = debt["maturity_date"].dt.year
    frame = pd.DataFrame(
        {
            "maturity_year": years.astype("Int64").astype(TEXT).where(years.notna(), NO_MATURITY).to_numpy(),
            "principal_cents": to_cents(debt["principal_usd"]),
        }
    )
    by_year = frame.groupby("maturity_year", sort=True).sum().reset_index()
    return _with_key(by_year, "dat_maturity", lender=lender)


def _compute_incident_rows(entity: str, incidents: pd.DataFrame) -> pd.DataFrame:
    rows = incidents.assign(
        entity=entity,
        false_liquidations_cents=to_cents(incidents["false_liquidations_usd"]),
        compensation_cents=to_cents(incidents["compensation_usd"]),
    )
    return conform_frame(rows, INCIDENT_COLUMNS)


def combine_partials(parts: Iterable[Partials]) -> Partials:
    """Combine partials of several submissions (or chunks): sums over the same keys, the largest events in order.

    Associative and commutative: combining in any grouping or order gives the same partials, rows
    sorted by their keys.
    """
    parts = list(parts)
    if len(parts) == 1:
        return parts[0]  # one submission's partials are already summed over their keys and sorted
    templates = _empty_frames()
    combined: dict[str, pd.DataFrame] = {}
    for field in fields(Partials):
        frames = [getattr(part, field.name) for part in parts if len(getattr(part, field.name))]
        empty = templates[field.name]
        if not frames:
            combined[field.name] = empty.copy()
            continue
        dtypes = {name: str(dtype) for name, dtype in empty.dtypes.items()}
        if field.name in SUMMED:
            keys = list(SUMMED[field.name][0])
            apart = _apart(frames, keys)
            frame = conform_frame(pd.concat(apart or frames, ignore_index=True), dtypes)
            if apart is None:
                frame = frame.groupby(keys, sort=True).sum().reset_index()
        else:
            frame = conform_frame(pd.concat(frames, ignore_index=True), dtypes)
            if field.name == "largest_liquidations":
                frame = largest_first(frame)
            elif field.name == "entities":
                frame = frame.drop_duplicates().sort_values(["entity", "entity_type"])
            else:
                frame = frame.sort_values(["entity", "incident_id"])
        combined[field.name] = frame.reset_index(drop=True)
    return Partials(**combined)


def _apart(frames: list[pd.DataFrame], keys: list[str]) -> list[pd.DataFrame] | None:
    """The frames in the order of their first key when no two share a value of it (and no key is missing), else None.

    Each frame is summed over its keys and sorted by them already (a submission's partial, or a combination's).
    Frames that share no value of the first key are then summed and sorted when put end to end in its order, with
    no grouping: so are a month's submissions, each of its own venue or lender.
    """
    spans = []
    for frame in frames:
        if frame[keys].isna().to_numpy().any():
            return None
        first = frame[keys[0]]
        spans.append((first.iloc[0], first.iloc[-1], frame))
    spans.sort(key=lambda span: span[0])
    if any(before[1] >= after[0] for before, after in zip(spans, spans[1:], strict=False)):
        return None
    return [frame for _, _, frame in spans]
