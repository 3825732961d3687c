"""The crash-mechanics figures recomputed with Decimal, straight from the generated rows, in each container.

The October 2025 sample (its crash day: ADL, a collateral depeg, cross-margin liquidations) is written
three times, every submission as a folder of CSV files, as a workbook and as a JSON document; each copy
is built, and every figure of metrics 1.1's crash mechanics must match the recomputation to the cent.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from reporting.config import load_thresholds
from reporting.pipeline import compute_period
from reporting.sample.generate import SampleSubmission, generate_period
from reporting.sample.write import write_submission

PERIOD = "2025-10"
START = datetime(2025, 10, 1, tzinfo=UTC)
HOURS = 31 * 24
THRESHOLDS = load_thresholds()
SUBMISSIONS = generate_period(PERIOD, liquidations=600)


def exact(value: object) -> Decimal:
    return Decimal(repr(float(value)))  # type: ignore[arg-type]


def rows(table: str) -> list[tuple[SampleSubmission, dict]]:
    return [(s, row) for s in SUBMISSIONS if table in s.tables for row in s.tables[table].to_dict(orient="records")]


def venue_of(submission: SampleSubmission) -> str:
    return str(submission.header["entity_name"])


def hour_of(ts: object) -> int:
    instant = ts.to_pydatetime() if hasattr(ts, "to_pydatetime") else ts  # type: ignore[union-attr]
    return int((instant - START) // timedelta(hours=1))


def expected_windows(width: int, asset: str | None = None) -> dict | None:
    """The peak window rule, by brute force over every start."""
    sides: dict[str, list[Decimal]] = {"long": [Decimal(0)] * HOURS, "short": [Decimal(0)] * HOURS}
    for _, row in rows("liquidations"):
        if asset is None or row["base_asset"] == asset:
            sides[row["position_side"]][hour_of(row["ts"])] += exact(row["notional_usd"])
    best = None
    for start in range(HOURS - width + 1):
        long_usd, short_usd = sum(sides["long"][start : start + width]), sum(sides["short"][start : start + width])
        if long_usd + short_usd > 0 and (best is None or long_usd + short_usd > best[1] + best[2]):
            best = (start, long_usd, short_usd)
    if best is None:
        return None
    start, long_usd, short_usd = best
    return {
        "start": (START + timedelta(hours=start)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "end": (START + timedelta(hours=start + width)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "total_usd": long_usd + short_usd,
        "long_usd": long_usd,
        "short_usd": short_usd,
    }


def as_decimal(window: dict) -> dict:
    return {key: value if key in ("start", "end") else Decimal(str(value)) for key, value in window.items()}


@pytest.fixture(scope="module", params=["folder", "workbook", "json"])
def metrics(request, tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp(request.param)
    for s in SUBMISSIONS:
        suffix = {"folder": "", "workbook": ".xlsx", "json": ".json"}[request.param]
        write_submission(s.header, s.tables, folder / f"{s.stem}{suffix}", request.param)
    result = compute_period(folder, PERIOD, THRESHOLDS)
    assert [s.status for s in result.submissions] == ["accepted"] * len(SUBMISSIONS)
    return result.metrics.to_dict()


def test_peak_windows_by_asset_and_hour(metrics: dict) -> None:
    derivatives = metrics["derivatives"]
    assets = sorted({row["base_asset"] for _, row in rows("liquidations")})
    assert {asset: as_decimal(window) for asset, window in derivatives["peak_24h_by_asset"].items()} == {
        asset: expected_windows(24, asset) for asset in assets
    }
    assert as_decimal(derivatives["peak_1h_liquidations"]) == expected_windows(1)


def test_stress_hours(metrics: dict) -> None:
    totals = [Decimal(0)] * HOURS
    for _, row in rows("liquidations"):
        totals[hour_of(row["ts"])] += exact(row["notional_usd"])
    base = statistics.median(totals) or sum(totals) / HOURS
    multiple = exact(THRESHOLDS.liquidations.stress_multiple)
    expected = [
        ((START + timedelta(hours=h)).strftime("%Y-%m-%dT%H:%M:%SZ"), total, total / base)
        for h, total in enumerate(totals)
        if total > multiple * base
    ]
    assert expected, "the crash month has stress hours"
    got = metrics["derivatives"]["stress_hours"]
    assert [(h["start"], Decimal(str(h["total_usd"]))) for h in got] == [(start, total) for start, total, _ in expected]
    assert [h["multiple"] for h in got] == pytest.approx([float(m) for *_, m in expected], rel=1e-12)


def test_largest_share_and_accounts(metrics: dict) -> None:
    notionals = [exact(row["notional_usd"]) for _, row in rows("liquidations")]
    assert metrics["derivatives"]["largest_liquidation_share"] == pytest.approx(
        float(max(notionals) / sum(notionals)), rel=1e-12
    )
    pairs = {
        (venue_of(s), row["account_ref"]) for s, row in rows("liquidations") if isinstance(row["account_ref"], str)
    }
    assert pairs, "some sample venues send account_ref"
    assert metrics["derivatives"]["accounts_liquidated"] == len(pairs)


def test_collateral_figures(metrics: dict) -> None:
    balance: dict[str, Decimal] = defaultdict(Decimal)
    cross: dict[str, Decimal] = defaultdict(Decimal)
    for _, row in rows("collateral"):
        balance[row["pricing_method"]] += exact(row["balance_usd"])
        cross[row["pricing_method"]] += exact(row["cross_margin_usd"])
    derivatives = metrics["derivatives"]
    assert {k: Decimal(str(v)) for k, v in derivatives["collateral_by_pricing_method"].items()} == {
        method: balance[method] for method in ("order_book", "external_index", "redemption")
    }
    assert derivatives["self_priced_collateral_share"] == pytest.approx(
        float(balance["order_book"] / sum(balance.values())), rel=1e-12
    )
    assert Decimal(str(derivatives["cross_margin_collateral_usd"])) == sum(cross.values())
    assert Decimal(str(derivatives["cross_margin_self_priced_usd"])) == cross["order_book"]


def test_dat_debt_by_maturity_year(metrics: dict) -> None:
    by_year: dict[str, Decimal] = defaultdict(Decimal)
    for _, row in rows("dat_debt"):
        maturity = row["maturity_date"]
        year = "none" if maturity is None or maturity != maturity else str(maturity)[:4]
        by_year[year] += exact(row["principal_usd"])
    got = metrics["lending"]["dat_debt_by_maturity_year"]
    assert {year: Decimal(str(amount)) for year, amount in got.items()} == by_year
    assert list(got) == sorted(by_year, key=lambda year: (year == "none", year))


def test_scenarios(metrics: dict) -> None:
    scenarios = metrics["scenarios"]
    lower = {"1-5": 1, "5-10": 5, "10-25": 10, "25-50": 25, "50+": 50}
    bands = [row for _, row in rows("leverage_bands") if row["base_asset"] == "ALL"]
    loans = [
        row
        for _, row in rows("loans")
        if row["collateral_asset"] != "NONE" and row["liquidation_ltv"] == row["liquidation_ltv"]
    ]
    all_bands = sum(exact(row["open_interest_usd"]) for row in bands)
    with_ltv = sum(exact(row["borrowed_usd"]) for row in loans)
    for shock in THRESHOLDS.scenarios.shocks:
        key, s = f"{shock:.2f}", Decimal(f"{shock:.2f}")
        oi = sum(exact(row["open_interest_usd"]) for row in bands if lower[row["band"]] * s >= 1)
        stable = THRESHOLDS.scenarios.stable_assets
        at_risk = sum(
            exact(row["borrowed_usd"])
            for row in loans
            if exact(row["borrowed_usd"])
            / (exact(row["collateral_usd"]) * (1 if row["collateral_asset"] in stable else 1 - s))
            >= exact(row["liquidation_ltv"])
        )
        assert Decimal(str(scenarios["oi_at_risk_usd"][key])) == oi
        assert scenarios["oi_at_risk_share"][key] == pytest.approx(float(oi / all_bands), rel=1e-12)
        assert Decimal(str(scenarios["loans_at_risk_usd"][key])) == at_risk
        assert scenarios["loans_at_risk_share"][key] == pytest.approx(float(at_risk / with_ltv), rel=1e-12)
