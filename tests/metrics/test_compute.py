"""The whole metrics object: the keys of metrics.md, empty periods, coverage, JSON, and speed."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from reporting.config import load_thresholds
from reporting.metrics import Coverage, compute_metrics, count_coverage
from tests.metrics import test_derivatives, test_incidents, test_lending
from tests.metrics.factories import PERIOD, make_submission

# The keys of metrics.md, section by section, in its order.
SPEC_KEYS = {
    "derivatives": [
        "open_interest_usd", "open_interest_peak_usd", "open_interest_peak_date", "open_interest_by_venue",
        "open_interest_by_asset", "open_interest_hhi", "open_interest_top4_share", "funding_rate_8h_oi_weighted",
        "funding_rate_annualized", "estimated_leverage_ratio", "high_leverage_oi_share", "liquidations_long_usd",
        "liquidations_short_usd", "liquidations_total_usd", "liquidations_long_share", "liquidations_by_venue",
        "liquidations_by_asset", "liquidations_hhi", "largest_liquidation", "peak_24h_liquidations",
        "liquidations_method_share", "adl_usd", "cross_margin_liquidation_share", "incident_liquidations_usd",
        "peak_24h_by_asset", "peak_1h_liquidations", "stress_hours", "largest_liquidation_share",
        "accounts_liquidated", "collateral_by_pricing_method", "self_priced_collateral_share",
        "cross_margin_collateral_usd", "cross_margin_self_priced_usd",
    ],
    "lending": [
        "cefi_usd", "defi_usd", "cdp_usd", "crypto_collateralized_usd", "unsecured_usd", "onchain_share",
        "double_count_usd", "crypto_collateralized_adjusted_usd", "dat_debt_usd", "total_industry_debt_usd",
        "by_lender", "lender_hhi", "top_lender", "cefi_lender_hhi", "collateral_by_asset", "weighted_ltv",
        "dat_debt_by_maturity_year",
    ],
    "incidents": [
        "total", "by_category", "by_severity", "downtime_minutes", "in_peak_liquidation_window",
        "false_liquidations_usd", "compensation_usd", "by_entity",
    ],
    "coverage": [
        "submissions_accepted", "submissions_rejected", "submissions_restated", "exchanges", "lenders", "warnings",
    ],
}  # fmt: skip
ALL = test_derivatives.SUBMISSIONS + test_lending.SUBMISSIONS + test_incidents.SUBMISSIONS[2:]


def test_keys_are_those_of_the_specification() -> None:
    metrics = compute_metrics(ALL, PERIOD, load_thresholds(), coverage=count_coverage(ALL)).to_dict()
    assert list(metrics) == [
        "period", "derivatives", "lending", "incidents", "coverage", "changes", "scenarios", "flags", "trends",
    ]  # fmt: skip
    assert list(metrics["scenarios"]) == [
        "shocks", "oi_at_risk_usd", "oi_at_risk_share", "loans_at_risk_usd", "loans_at_risk_share",
    ]  # fmt: skip
    for section, keys in SPEC_KEYS.items():
        assert list(metrics[section]) == keys
    derivatives = metrics["derivatives"]
    assert list(derivatives["largest_liquidation"]) == [
        "notional_usd", "venue", "symbol", "base_asset", "position_side", "ts",
    ]  # fmt: skip
    assert list(derivatives["peak_24h_liquidations"]) == ["start", "end", "total_usd", "long_usd", "short_usd"]
    assert list(derivatives["peak_1h_liquidations"]) == ["start", "end", "total_usd", "long_usd", "short_usd"]
    assert all(list(hour) == ["start", "total_usd", "multiple"] for hour in derivatives["stress_hours"])
    assert list(derivatives["collateral_by_pricing_method"]) == ["order_book", "external_index", "redemption"]
    assert list(derivatives["liquidations_method_share"]) == ["order_book", "backstop", "adl"]
    assert list(metrics["lending"]["top_lender"]) == ["name", "share"]
    assert all(list(flag) == ["id", "metric", "value", "threshold", "status", "reason"] for flag in metrics["flags"])


def test_json_is_plain_and_deterministic() -> None:
    first = compute_metrics(ALL, PERIOD, load_thresholds(), coverage=count_coverage(ALL)).to_dict()
    second = compute_metrics(ALL[::-1], PERIOD, load_thresholds(), coverage=count_coverage(ALL)).to_dict()
    text = json.dumps(first, sort_keys=True, allow_nan=False)
    assert text == json.dumps(second, sort_keys=True, allow_nan=False)
    assert json.loads(text) == first  # nothing numpy- or pandas-typed survives
    # Dicts keyed by name are sorted by name.
    assert list(first["derivatives"]["open_interest_by_venue"]) == ["Venue A", "Venue B", "Venue C"]


def test_no_submissions_at_all() -> None:
    metrics = compute_metrics([], PERIOD, load_thresholds(), coverage=count_coverage([])).to_dict()
    for section in ("derivatives", "lending", "incidents"):
        assert all(value is None for value in metrics[section].values()), section
    assert metrics["coverage"] == dict.fromkeys(SPEC_KEYS["coverage"], 0)
    assert {flag["status"] for flag in metrics["flags"]} == {"n/a"}
    assert metrics["changes"] == {}


def test_no_exchanges_gives_null_derivatives() -> None:
    metrics = compute_metrics(
        test_lending.SUBMISSIONS, PERIOD, load_thresholds(), coverage=count_coverage(test_lending.SUBMISSIONS)
    ).to_dict()
    assert all(value is None for value in metrics["derivatives"].values())
    assert metrics["lending"]["total_industry_debt_usd"] == 2560.40
    assert metrics["coverage"]["exchanges"] == 0 and metrics["coverage"]["lenders"] == 5


def test_no_lenders_gives_null_lending() -> None:
    submissions = test_derivatives.SUBMISSIONS
    metrics = compute_metrics(submissions, PERIOD, load_thresholds(), coverage=count_coverage(submissions)).to_dict()
    assert all(value is None for value in metrics["lending"].values())
    lender_flag = next(flag for flag in metrics["flags"] if flag["id"] == "lender_concentration")
    assert lender_flag["status"] == "n/a"


def test_coverage_counts_statuses_entities_and_warnings() -> None:
    rejected = make_submission("Venue R", "cex", status="rejected")
    restated = make_submission("Venue A", "cex", status="restated")
    warned = make_submission(
        "Venue W",
        "dex",
        warnings=3,
        open_interest=[{"date": "2025-11-02", "base_asset": "BTC", "open_interest_usd": 7.0}],
    )
    submissions = [*test_lending.SUBMISSIONS, *test_derivatives.SUBMISSIONS, warned, rejected, restated]
    coverage = count_coverage(submissions)
    assert coverage == Coverage(
        submissions_accepted=9, submissions_rejected=1, submissions_restated=1, exchanges=4, lenders=5, warnings=3
    )
    # Rejected and restated submissions stay out of the figures.
    metrics = compute_metrics(submissions, PERIOD, load_thresholds(), coverage=coverage).to_dict()
    assert "Venue R" not in metrics["derivatives"]["open_interest_by_venue"]
    assert metrics["derivatives"]["open_interest_by_venue"]["Venue W"] == 7.0


def test_a_million_liquidations_sum_exactly() -> None:
    rows = 1_000_000
    rng = np.random.default_rng(7)
    start = pd.Timestamp(f"{PERIOD}-01", tz="UTC")
    notional = np.round(rng.uniform(1.0, 1e6, rows), 2)
    liquidations = pd.DataFrame(
        {
            "event_id": pd.Series(np.arange(rows).astype(str), dtype="str"),
            "ts": (start + pd.to_timedelta(rng.integers(0, 30 * 86_400_000_000, rows), unit="us")).astype(
                "datetime64[us, UTC]"
            ),
            "symbol": pd.Series(rng.choice(["BTCUSDT", "ETHUSDT", "SOLUSDT"], rows), dtype="str"),
            "base_asset": pd.Series(rng.choice(["BTC", "ETH", "SOL"], rows), dtype="str"),
            "position_side": pd.Series(rng.choice(["long", "short"], rows), dtype="str"),
            "method": pd.Series(rng.choice(["order_book", "backstop", "adl"], rows), dtype="str"),
            "margin_mode": pd.Series(rng.choice(["cross", "isolated", "portfolio"], rows), dtype="str"),
            "quantity": 1.0,
            "price_usd": notional,
            "notional_usd": notional,
            "account_ref": pd.Series(np.full(rows, None), dtype="str"),
            "incident_id": pd.Series(np.where(rng.random(rows) < 0.01, "INC-1", None), dtype="str"),
        }
    )
    venue = make_submission(
        "Venue M",
        "cex",
        open_interest=[{"date": "2025-11-30", "base_asset": "BTC", "open_interest_usd": 1.0}],
        liquidations=liquidations,
    )
    metrics = compute_metrics([venue], PERIOD, load_thresholds(), coverage=count_coverage([venue])).to_dict()
    assert metrics["derivatives"]["liquidations_total_usd"] == round(float(np.round(notional * 100).sum()) / 100, 2)
    assert metrics["derivatives"]["largest_liquidation"]["notional_usd"] == notional.max()
