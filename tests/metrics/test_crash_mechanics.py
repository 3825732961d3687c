"""The crash-mechanics figures of metrics 1.1 on small hand-computed fixtures (period 2025-11: 720 hours).

Window ties go to the earliest start; stress hours are tested on both sides of their multiple, with the
median and with the mean (when the median hour is 0); null inputs give null, never 0.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from reporting.config import ScenarioSettings, load_thresholds
from reporting.metrics import compute_metrics, count_coverage
from tests.metrics.factories import PERIOD, make_submission

THRESHOLDS = load_thresholds()


def compute(*submissions, thresholds=THRESHOLDS) -> dict:
    return compute_metrics(list(submissions), PERIOD, thresholds, coverage=count_coverage(list(submissions))).to_dict()


def venue(name: str, liquidations: list[dict] | None = None, **tables) -> object:
    return make_submission(
        name,
        "cex",
        open_interest=[{"date": "2025-11-30", "base_asset": "BTC", "open_interest_usd": 1.0}],
        liquidations=liquidations or [],
        **tables,
    )


def event(ts: str, asset: str, side: str, notional: float, **more) -> dict:
    return {"ts": ts, "base_asset": asset, "position_side": side, "notional_usd": notional, **more}


def test_peak_24h_by_asset_applies_the_window_rule_to_each_asset() -> None:
    # BTC: 100 long on 11-03 10:30 and 40 short on 11-04 09:59: one window from 11-03 10:00 to 11-04 10:00
    # holds both; any later start loses the long. ETH: 70 long on 11-20 05:00 and 70 long on 11-25 05:00,
    # a tie between two windows: the earliest start that holds the first one is 11-19 06:00.
    a = venue(
        "Venue A",
        [
            event("2025-11-03T10:30:00Z", "BTC", "long", 100.0),
            event("2025-11-04T09:59:00Z", "BTC", "short", 40.0),
            event("2025-11-20T05:00:00Z", "ETH", "long", 70.0),
        ],
    )
    b = venue("Venue B", [event("2025-11-25T05:00:00Z", "ETH", "long", 70.0)])
    derivatives = compute(a, b)["derivatives"]
    assert derivatives["peak_24h_by_asset"] == {
        "BTC": {"start": "2025-11-03T10:00:00Z", "end": "2025-11-04T10:00:00Z", "total_usd": 140.0,
                "long_usd": 100.0, "short_usd": 40.0},
        "ETH": {"start": "2025-11-19T06:00:00Z", "end": "2025-11-20T06:00:00Z", "total_usd": 70.0,
                "long_usd": 70.0, "short_usd": 0.0},
    }  # fmt: skip
    # All assets together, the BTC window is the peak (140 > 70), as before 1.1.
    assert derivatives["peak_24h_liquidations"] == derivatives["peak_24h_by_asset"]["BTC"]


def test_peak_24h_by_asset_in_the_first_and_last_hours() -> None:
    # Windows stay inside the period: an event in the first hour opens the first window, one in the
    # last hour is held by the last window only.
    a = venue(
        "Venue A",
        [event("2025-11-01T00:00:00Z", "SOL", "short", 5.0), event("2025-11-30T23:59:59Z", "XRP", "long", 6.0)],
    )
    by_asset = compute(a)["derivatives"]["peak_24h_by_asset"]
    assert (by_asset["SOL"]["start"], by_asset["SOL"]["end"]) == ("2025-11-01T00:00:00Z", "2025-11-02T00:00:00Z")
    assert (by_asset["XRP"]["start"], by_asset["XRP"]["end"]) == ("2025-11-30T00:00:00Z", "2025-12-01T00:00:00Z")


def test_peak_hour_ties_go_to_the_earliest_hour() -> None:
    # 11-05 10h: 30 + 20 = 50; 11-06 08h: 50 as well (a tie, the earlier wins); 11-07 00h: 49.99.
    a = venue(
        "Venue A",
        [
            event("2025-11-06T08:10:00Z", "BTC", "long", 50.0),
            event("2025-11-05T10:00:00Z", "BTC", "long", 30.0),
            event("2025-11-05T10:59:59Z", "ETH", "short", 20.0),
            event("2025-11-07T00:00:00Z", "BTC", "long", 49.99),
        ],
    )
    assert compute(a)["derivatives"]["peak_1h_liquidations"] == {
        "start": "2025-11-05T10:00:00Z",
        "end": "2025-11-05T11:00:00Z",
        "total_usd": 50.0,
        "long_usd": 30.0,
        "short_usd": 20.0,
    }


def test_stress_hours_against_the_median() -> None:
    # Every one of the 720 hours holds 1.00, except three: 10.00 (exactly 10x the median of 1.00: not a
    # stress hour), 10.01 and 25.00 (stress hours, 10.01x and 25x).
    quiet = [event(f"2025-11-{day:02d}T{hour:02d}:30:00Z", "BTC", "long", 1.0)
             for day in range(1, 31) for hour in range(24)]  # fmt: skip
    loud = {"2025-11-02T03:30:00Z": 9.0, "2025-11-09T04:30:00Z": 9.01, "2025-11-15T05:30:00Z": 24.0}
    extra = [event(ts, "ETH", "short", amount) for ts, amount in loud.items()]
    derivatives = compute(venue("Venue A", quiet + extra))["derivatives"]
    assert derivatives["stress_hours"] == [
        {"start": "2025-11-09T04:00:00Z", "total_usd": 10.01, "multiple": pytest.approx(10.01, rel=1e-12)},
        {"start": "2025-11-15T05:00:00Z", "total_usd": 25.0, "multiple": pytest.approx(25.0, rel=1e-12)},
    ]
    # A multiple of 25 leaves no hour above it; a multiple of 9.99 takes in the 10.00 hour as well.
    strict = replace(THRESHOLDS, liquidations=replace(THRESHOLDS.liquidations, stress_multiple=25))
    assert compute(venue("Venue A", quiet + extra), thresholds=strict)["derivatives"]["stress_hours"] == []
    loose = replace(THRESHOLDS, liquidations=replace(THRESHOLDS.liquidations, stress_multiple=9.99))
    starts = [hour["start"] for hour in compute(venue("Venue A", quiet + extra), thresholds=loose)["derivatives"][
        "stress_hours"]]  # fmt: skip
    assert starts == ["2025-11-02T03:00:00Z", "2025-11-09T04:00:00Z", "2025-11-15T05:00:00Z"]


def test_stress_hours_use_the_mean_when_the_median_hour_is_zero() -> None:
    # Three hours of 720 hold liquidations: the median hour is 0, the mean is 7,200 / 720 = 10.00.
    # 100.00 is exactly 10x the mean (not a stress hour); 7,000.00 is 700x; 100.01 is 10.001x.
    a = venue(
        "Venue A",
        [
            event("2025-11-10T00:00:00Z", "BTC", "long", 100.0),
            event("2025-11-11T00:00:00Z", "BTC", "long", 7_000.0),
            event("2025-11-12T00:00:00Z", "BTC", "long", 99.99),
            event("2025-11-12T00:10:00Z", "BTC", "short", 0.01),
        ],
    )
    hours = compute(a)["derivatives"]["stress_hours"]
    assert hours == [{"start": "2025-11-11T00:00:00Z", "total_usd": 7000.0, "multiple": pytest.approx(700.0)}]
    b = venue("Venue A", [event("2025-11-10T00:00:00Z", "BTC", "long", 100.01),
                          event("2025-11-11T00:00:00Z", "BTC", "long", 7_099.99)])  # fmt: skip
    hours = compute(b)["derivatives"]["stress_hours"]
    assert [h["start"] for h in hours] == ["2025-11-10T00:00:00Z", "2025-11-11T00:00:00Z"]
    assert hours[0]["multiple"] == pytest.approx(100.01 / 10.0, rel=1e-12)


def test_largest_share_and_accounts_liquidated() -> None:
    # Accounts: A's acct-1 twice and acct-2 once, B's acct-1 (another venue, so another pair), and one
    # event without account_ref: three distinct (venue, account_ref) pairs. Largest: 500 of 1,000.
    a = venue(
        "Venue A",
        [
            event("2025-11-05T10:00:00Z", "BTC", "long", 300.0, account_ref="acct-1"),
            event("2025-11-05T11:00:00Z", "BTC", "long", 100.0, account_ref="acct-1"),
            event("2025-11-05T12:00:00Z", "BTC", "short", 50.0, account_ref="acct-2"),
            event("2025-11-05T13:00:00Z", "BTC", "short", 50.0),
        ],
    )
    b = venue("Venue B", [event("2025-11-06T10:00:00Z", "ETH", "long", 500.0, account_ref="acct-1")])
    derivatives = compute(a, b)["derivatives"]
    assert derivatives["largest_liquidation_share"] == pytest.approx(500 / 1000, rel=1e-12)
    assert derivatives["accounts_liquidated"] == 3


def test_accounts_liquidated_is_null_without_account_refs() -> None:
    a = venue("Venue A", [event("2025-11-05T10:00:00Z", "BTC", "long", 300.0)])
    derivatives = compute(a)["derivatives"]
    assert derivatives["accounts_liquidated"] is None
    # No liquidation at all: the share, the windows and the accounts are null; no hour is a stress hour.
    empty = compute(venue("Venue A"))["derivatives"]
    assert empty["largest_liquidation_share"] is None
    assert empty["accounts_liquidated"] is None
    assert empty["peak_1h_liquidations"] is None
    assert empty["peak_24h_by_asset"] == {}
    assert empty["stress_hours"] == []


def test_collateral_by_pricing_method_and_cross_margin() -> None:
    a = venue(
        "Venue A",
        collateral=[
            {"asset": "USDe", "balance_usd": 300.0, "pricing_method": "order_book", "cross_margin_usd": 250.0},
            {"asset": "USDC", "balance_usd": 200.0, "pricing_method": "redemption", "cross_margin_usd": 20.0},
            {"asset": "wBETH", "balance_usd": 100.0, "pricing_method": "order_book", "cross_margin_usd": 100.0},
        ],
    )
    b = venue(
        "Venue B",
        collateral=[{"asset": "BTC", "balance_usd": 400.0, "pricing_method": "external_index",
                     "cross_margin_usd": 0.01}],
    )  # fmt: skip
    derivatives = compute(a, b)["derivatives"]
    assert derivatives["collateral_by_pricing_method"] == {
        "order_book": 400.0,
        "external_index": 400.0,
        "redemption": 200.0,
    }
    assert derivatives["self_priced_collateral_share"] == pytest.approx(400 / 1000, rel=1e-12)
    assert derivatives["cross_margin_collateral_usd"] == 370.01
    assert derivatives["cross_margin_self_priced_usd"] == 350.0


def test_collateral_figures_are_null_without_collateral_rows() -> None:
    derivatives = compute(venue("Venue A"))["derivatives"]
    for key in ("collateral_by_pricing_method", "self_priced_collateral_share", "cross_margin_collateral_usd",
                "cross_margin_self_priced_usd"):  # fmt: skip
        assert derivatives[key] is None, key
    # Collateral rows that are all 0: the sums are 0, the share has no denominator.
    zero = venue("Venue A", collateral=[{"asset": "USDT", "balance_usd": 0.0}])
    derivatives = compute(zero)["derivatives"]
    assert derivatives["cross_margin_collateral_usd"] == 0.0
    assert derivatives["self_priced_collateral_share"] is None


def test_dat_debt_by_maturity_year() -> None:
    treasury = make_submission(
        "Treasury",
        "dat",
        dat_debt=[
            {"instrument_id": "c1", "principal_usd": 100.0, "maturity_date": "2028-06-15"},
            {"instrument_id": "c2", "principal_usd": 50.5, "maturity_date": "2028-12-31"},
            {"instrument_id": "t1", "principal_usd": 20.0, "maturity_date": "2026-01-01"},
            {"instrument_id": "p1", "instrument": "preferred", "principal_usd": 7.25},
        ],
    )
    other = make_submission(
        "Other", "dat", dat_debt=[{"instrument_id": "x", "principal_usd": 1.0, "maturity_date": "2030-03-01"}]
    )
    assert compute(treasury, other)["lending"]["dat_debt_by_maturity_year"] == {
        "2026": 20.0,
        "2028": 150.5,
        "2030": 1.0,
        "none": 7.25,
    }
    assert compute(venue("Venue A"))["lending"]["dat_debt_by_maturity_year"] is None


BANDS = [
    {"base_asset": "ALL", "band": "1-5", "open_interest_usd": 1000.0},
    {"base_asset": "ALL", "band": "5-10", "open_interest_usd": 500.0},
    {"base_asset": "ALL", "band": "10-25", "open_interest_usd": 200.0},
    {"base_asset": "ALL", "band": "25-50", "open_interest_usd": 80.0},
    {"base_asset": "ALL", "band": "50+", "open_interest_usd": 20.0},
    {"base_asset": "BTC", "band": "50+", "open_interest_usd": 999.0},  # per-asset rows are not counted
]


def test_open_interest_at_risk_per_shock() -> None:
    # 0.10: bands with lower bound ≥ 10 (10 × 0.10 = 1 counts): 200 + 80 + 20 = 300 of 1,800.
    # 0.20: from 5 (5 × 0.20 = 1): 800. 0.30: from 5 as well (1 × 0.30 < 1): 800.
    scenarios = compute(venue("Venue A", leverage_bands=BANDS))["scenarios"]
    assert scenarios["shocks"] == [0.10, 0.20, 0.30]
    assert scenarios["oi_at_risk_usd"] == {"0.10": 300.0, "0.20": 800.0, "0.30": 800.0}
    assert scenarios["oi_at_risk_share"] == pytest.approx({"0.10": 300 / 1800, "0.20": 800 / 1800,
                                                           "0.30": 800 / 1800}, rel=1e-12)  # fmt: skip
    # At 0.09 the 10-25 band drops out (10 × 0.09 < 1); at 0.04 the 25-50 band is in (25 × 0.04 = 1), at
    # 0.03 it is out and only 50+ is left.
    settings = ScenarioSettings(shocks=(0.03, 0.04, 0.09), stable_assets=())
    other = compute(venue("Venue A", leverage_bands=BANDS), thresholds=replace(THRESHOLDS, scenarios=settings))
    assert other["scenarios"]["oi_at_risk_usd"] == {"0.03": 20.0, "0.04": 100.0, "0.09": 100.0}


def test_loans_at_risk_per_shock() -> None:
    # Loan-to-value after a fall s: borrowed ÷ (collateral × (1 − s)), against liquidation_ltv.
    # b1: 72 / (100 × 0.9) = 0.80 = its ltv 0.80 at 0.10: at risk from 0.10 (0.7912 at 0.09: not).
    # b2: 50 / (100 × 0.7) = 0.714 < 0.75 even at 0.30: never. b3: stable collateral (USDe), not shocked:
    # 90 / 100 = 0.90 ≥ 0.90 at every shock. b4 has no liquidation_ltv and b5 is unsecured: left out.
    lender = make_submission(
        "Lender",
        "cefi_lender",
        loans=[
            {"collateral_asset": "BTC", "borrowed_usd": 72.0, "collateral_usd": 100.0, "liquidation_ltv": 0.80},
            {"collateral_asset": "ETH", "borrowed_usd": 50.0, "collateral_usd": 100.0, "liquidation_ltv": 0.75},
            {"collateral_asset": "USDe", "borrowed_usd": 90.0, "collateral_usd": 100.0, "liquidation_ltv": 0.90},
            {"collateral_asset": "SOL", "borrowed_usd": 99.0, "collateral_usd": 100.0},
            {"collateral_asset": "NONE", "borrowed_usd": 40.0, "collateral_usd": 0.0, "liquidation_ltv": 0.5},
        ],
    )
    scenarios = compute(lender)["scenarios"]
    assert scenarios["loans_at_risk_usd"] == {"0.10": 162.0, "0.20": 162.0, "0.30": 162.0}
    assert scenarios["loans_at_risk_share"] == pytest.approx({"0.10": 162 / 212, "0.20": 162 / 212,
                                                              "0.30": 162 / 212}, rel=1e-12)  # fmt: skip
    settings = ScenarioSettings(shocks=(0.09,), stable_assets=())
    below = compute(lender, thresholds=replace(THRESHOLDS, scenarios=settings))["scenarios"]
    # At 0.09: b1 0.7912 < 0.80 (not at risk); b3, now shocked, 90 / 91 = 0.989 ≥ 0.90 (at risk).
    assert below["loans_at_risk_usd"] == {"0.09": 90.0}


def test_scenarios_are_null_without_bands_or_lenders() -> None:
    scenarios = compute(venue("Venue A"))["scenarios"]
    assert scenarios == {
        "shocks": [0.10, 0.20, 0.30],
        "oi_at_risk_usd": None,
        "oi_at_risk_share": None,
        "loans_at_risk_usd": None,
        "loans_at_risk_share": None,
    }
    # A lender without any liquidation_ltv: nothing at risk, and no share (its denominator is 0).
    lender = make_submission(
        "Lender", "defi_protocol",
        loans=[{"chain": "ethereum", "collateral_asset": "WETH", "borrowed_usd": 5.0, "collateral_usd": 10.0}],
    )  # fmt: skip
    scenarios = compute(lender)["scenarios"]
    assert scenarios["loans_at_risk_usd"] == {"0.10": 0.0, "0.20": 0.0, "0.30": 0.0}
    assert scenarios["loans_at_risk_share"] == {"0.10": None, "0.20": None, "0.30": None}
