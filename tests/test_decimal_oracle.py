"""An independent recomputation of every money figure of the sample month, with Decimal, from the submitted values.

The submissions are read as submitted (the ingest stage alone: text as written, or a value the reader parsed),
every amount becomes an exact Decimal, and each money figure of the metrics specification is recomputed here
from its definition, apart from the pandas code that computes the report. The metrics JSON of a real build must
agree with it to the cent. Every submission of the sample month is accepted.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from reporting.cli import cli
from reporting.ingest.read import discover_submissions, read_submission

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data"
PERIOD = "2025-11"
PERIOD_START, PERIOD_END = datetime(2025, 11, 1, tzinfo=UTC), datetime(2025, 12, 1, tzinfo=UTC)
Rows = list[dict[str, Any]]


def exact(value: object) -> Decimal:
    """A submitted amount as a Decimal: text as written, a decimal as is, a parsed float by its shortest repr."""
    if isinstance(value, Decimal):
        return value
    return Decimal(value if isinstance(value, str) else repr(value))


def instant(value: object) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def day(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


@pytest.fixture(scope="module")
def submitted() -> list[tuple[str, str, dict[str, Rows]]]:
    """(entity_name, entity_type, {table: rows}) of every submission of the sample month."""
    paths, _ = discover_submissions(SAMPLE / PERIOD)
    submissions = []
    for path in paths:
        raw = read_submission(path, SAMPLE / PERIOD)
        assert raw.header is not None
        tables = {name: table.data.to_pylist() for name, table in raw.tables.items()}
        submissions.append((str(raw.header["entity_name"]), str(raw.header["entity_type"]), tables))
    return submissions


@pytest.fixture(scope="module")
def metrics(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("oracle")
    result = CliRunner().invoke(cli, ["build", str(SAMPLE / PERIOD), "--period", PERIOD, "--out", str(out)])
    assert result.exit_code == 0, result.output
    return json.loads((out / f"metrics-{PERIOD}.json").read_text(encoding="utf-8"))


def as_decimals(figures: dict[str, Any]) -> dict[str, Any]:
    """The metrics' numbers as Decimals, by their shortest repr (as written in the JSON), nested dicts included."""
    return {
        key: as_decimals(value) if isinstance(value, dict) else Decimal(repr(value)) for key, value in figures.items()
    }


def test_open_interest(submitted, metrics) -> None:
    by_venue: dict[str, Decimal] = {}
    by_asset: dict[str, Decimal] = defaultdict(Decimal)
    by_date: dict[date, Decimal] = defaultdict(Decimal)
    for name, _, tables in submitted:
        rows = tables.get("open_interest", [])
        if not rows:
            continue
        last = max(day(row["date"]) for row in rows)
        at_end = [row for row in rows if day(row["date"]) == last]
        by_venue[name] = sum((exact(row["open_interest_usd"]) for row in at_end), Decimal(0))
        for row in at_end:
            by_asset[row["base_asset"]] += exact(row["open_interest_usd"])
        for row in rows:
            by_date[day(row["date"])] += exact(row["open_interest_usd"])
    derivatives = metrics["derivatives"]
    assert Decimal(repr(derivatives["open_interest_usd"])) == sum(by_venue.values())
    assert as_decimals(derivatives["open_interest_by_venue"]) == by_venue
    assert as_decimals(derivatives["open_interest_by_asset"]) == by_asset
    peak = max(by_date.values())
    assert Decimal(repr(derivatives["open_interest_peak_usd"])) == peak
    assert derivatives["open_interest_peak_date"] == min(d for d, v in by_date.items() if v == peak).isoformat()


def liquidations_of(submitted) -> list[tuple[str, dict[str, Any]]]:
    return [(name, row) for name, _, tables in submitted for row in tables.get("liquidations", [])]


def split(rows: list[dict[str, Any]]) -> dict[str, Decimal]:
    long = sum((exact(r["notional_usd"]) for r in rows if r["position_side"] == "long"), Decimal(0))
    short = sum((exact(r["notional_usd"]) for r in rows if r["position_side"] == "short"), Decimal(0))
    return {"long_usd": long, "short_usd": short, "total_usd": long + short}


def test_liquidations(submitted, metrics) -> None:
    events = liquidations_of(submitted)
    rows = [row for _, row in events]
    derivatives = metrics["derivatives"]
    totals = split(rows)
    assert Decimal(repr(derivatives["liquidations_long_usd"])) == totals["long_usd"]
    assert Decimal(repr(derivatives["liquidations_short_usd"])) == totals["short_usd"]
    assert Decimal(repr(derivatives["liquidations_total_usd"])) == totals["total_usd"]
    venues = sorted({name for name, _ in events})
    assert as_decimals(derivatives["liquidations_by_venue"]) == {
        venue: split([row for name, row in events if name == venue]) for venue in venues
    }
    assets = sorted({row["base_asset"] for row in rows})
    assert as_decimals(derivatives["liquidations_by_asset"]) == {
        asset: split([row for row in rows if row["base_asset"] == asset]) for asset in assets
    }
    adl = sum((exact(r["notional_usd"]) for r in rows if r["method"] == "adl"), Decimal(0))
    assert Decimal(repr(derivatives["adl_usd"])) == adl
    linked = sum((exact(r["notional_usd"]) for r in rows if r["incident_id"] is not None), Decimal(0))
    assert Decimal(repr(derivatives["incident_liquidations_usd"])) == linked
    largest = max(exact(r["notional_usd"]) for r in rows)
    assert Decimal(repr(derivatives["largest_liquidation"]["notional_usd"])) == largest


def test_peak_24h_window(submitted, metrics) -> None:
    hourly: dict[datetime, list[dict[str, Any]]] = defaultdict(list)
    for _, row in liquidations_of(submitted):
        hourly[instant(row["ts"]).replace(minute=0, second=0, microsecond=0)].append(row)
    best: tuple[Decimal, datetime, dict[str, Decimal]] | None = None
    start = PERIOD_START
    while start + timedelta(hours=24) <= PERIOD_END:
        window = [row for hour in range(24) for row in hourly.get(start + timedelta(hours=hour), [])]
        sums = split(window)
        if best is None or sums["total_usd"] > best[0]:  # ties: the earliest start stays
            best = (sums["total_usd"], start, sums)
        start += timedelta(hours=1)
    assert best is not None
    _, first, sums = best
    peak = metrics["derivatives"]["peak_24h_liquidations"]
    assert (peak["start"], peak["end"]) == (
        first.strftime("%Y-%m-%dT%H:%M:%SZ"),
        (first + timedelta(hours=24)).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
    assert as_decimals({k: peak[k] for k in ("long_usd", "short_usd", "total_usd")}) == sums


def test_lending(submitted, metrics) -> None:
    sums = defaultdict(Decimal)
    by_lender: dict[str, Decimal] = defaultdict(Decimal)
    collateral: dict[str, Decimal] = defaultdict(Decimal)
    for name, kind, tables in submitted:
        for loan in tables.get("loans", []):
            borrowed = exact(loan["borrowed_usd"])
            if loan["funded_onchain_usd"] is not None:
                sums["double_count"] += exact(loan["funded_onchain_usd"])
            if loan["collateral_asset"] == "NONE":
                sums["unsecured"] += borrowed
                continue
            sums["cefi" if kind == "cefi_lender" else "defi"] += borrowed
            by_lender[name] += borrowed
            collateral[loan["collateral_asset"]] += exact(loan["collateral_usd"])
        for supply in tables.get("cdp_supply", []):
            sums["cdp"] += exact(supply["crypto_backed_supply_usd"])
            by_lender[name] += exact(supply["crypto_backed_supply_usd"])
        for debt in tables.get("dat_debt", []):
            sums["dat"] += exact(debt["principal_usd"])
    crypto_collateralized = sums["cefi"] + sums["defi"] + sums["cdp"]
    expected = {
        "cefi_usd": sums["cefi"],
        "defi_usd": sums["defi"],
        "cdp_usd": sums["cdp"],
        "crypto_collateralized_usd": crypto_collateralized,
        "unsecured_usd": sums["unsecured"],
        "double_count_usd": sums["double_count"],
        "crypto_collateralized_adjusted_usd": crypto_collateralized - sums["double_count"],
        "dat_debt_usd": sums["dat"],
        "total_industry_debt_usd": crypto_collateralized + sums["dat"],
    }
    assert as_decimals({key: metrics["lending"][key] for key in expected}) == expected
    assert as_decimals(metrics["lending"]["by_lender"]) == by_lender
    assert as_decimals(metrics["lending"]["collateral_by_asset"]) == collateral


def test_incident_money(submitted, metrics) -> None:
    incidents = [row for _, _, tables in submitted for row in tables.get("incidents", [])]
    assert incidents, "the sample month reports incidents"
    false_liquidations = sum((exact(row["false_liquidations_usd"]) for row in incidents), Decimal(0))
    compensation = sum((exact(row["compensation_usd"]) for row in incidents), Decimal(0))
    assert Decimal(repr(metrics["incidents"]["false_liquidations_usd"])) == false_liquidations
    assert Decimal(repr(metrics["incidents"]["compensation_usd"])) == compensation
