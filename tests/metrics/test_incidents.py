"""Incident severity, durations and counts on a hand-computed fixture (period 2025-11).

The liquidations of Venue A and B put the peak 24-hour window at [2025-11-10T01:00Z, 2025-11-11T01:00Z).
"""

from __future__ import annotations

import dataclasses

import pytest

from reporting.config import load_thresholds
from reporting.metrics import compute_metrics, count_coverage
from tests.metrics.factories import PERIOD, make_submission

OPEN_INTEREST = [{"date": "2025-11-30", "base_asset": "BTC", "open_interest_usd": 1.0}]
VENUE_A = make_submission(
    "Venue A",
    "cex",
    open_interest=OPEN_INTEREST,
    liquidations=[
        {"ts": "2025-11-10T01:10:00Z", "base_asset": "BTC", "position_side": "long", "notional_usd": 500.0,
         "incident_id": "A1"},
        {"ts": "2025-11-11T00:20:00Z", "base_asset": "BTC", "position_side": "long", "notional_usd": 400.0},
    ],
    incidents=[
        # 2 h outage on a critical service, 15 % of clients: one threshold (clients) → significant;
        # inside the peak window too. Downtime 120 min.
        {"incident_id": "A1", "category": "outage", "started_at": "2025-11-10T04:00:00Z",
         "resolved_at": "2025-11-10T06:00:00Z", "critical_service": True, "clients_affected_pct": 15.0},
        # Malicious access with data loss on a critical service → major, even with one threshold met.
        {"incident_id": "A2", "category": "security_breach", "started_at": "2025-11-05T00:00:00Z",
         "resolved_at": "2025-11-05T01:00:00Z", "critical_service": True, "malicious_access": True,
         "data_loss": True},
        # Two thresholds (economic impact, jurisdictions) but no critical service → minor.
        # Started before the period: 2 h long, 60 min of it inside the period.
        {"incident_id": "A3", "category": "degraded_service", "started_at": "2025-10-31T23:00:00Z",
         "resolved_at": "2025-11-01T01:00:00Z", "economic_impact_usd": 200_000.0, "jurisdictions_affected": 3},
    ],
)  # fmt: skip
VENUE_B = make_submission(
    "Venue B",
    "dex",
    open_interest=OPEN_INTEREST,
    liquidations=[],
    incidents=[
        # Still open: runs to the period end, 48 h (> 24 h) plus 20 % of transactions → two thresholds,
        # critical → major. Downtime 2,880 min.
        {"incident_id": "B1", "category": "withdrawal_halt", "started_at": "2025-11-29T00:00:00Z",
         "critical_service": True, "transactions_affected_pct": 20.0, "false_liquidations_usd": 1000.0,
         "compensation_usd": 500.5},
        # Not critical, but started one minute before the peak window ends → significant.
        {"incident_id": "B2", "category": "oracle_failure", "started_at": "2025-11-11T00:59:00Z",
         "resolved_at": "2025-11-11T02:00:00Z", "compensation_usd": 0.25},
        # Starts exactly at the window's end: after the window → minor.
        {"incident_id": "B3", "category": "third_party", "started_at": "2025-11-11T01:00:00Z",
         "resolved_at": "2025-11-11T03:00:00Z"},
    ],
)  # fmt: skip
LENDER = make_submission(
    "Lender L",
    "cefi_lender",
    loans=[{"loan_asset": "USDT", "collateral_asset": "BTC", "borrowed_usd": 10.0, "collateral_usd": 20.0}],
    incidents=[
        # Critical, 3 h: over the 2 h critical-service limit → one threshold → significant.
        {"incident_id": "L1", "category": "third_party", "started_at": "2025-11-20T00:00:00Z",
         "resolved_at": "2025-11-20T03:00:00Z", "critical_service": True},
    ],
)  # fmt: skip
SUBMISSIONS = [VENUE_A, VENUE_B, LENDER]


@pytest.fixture(scope="module")
def metrics():
    return compute_metrics(SUBMISSIONS, PERIOD, load_thresholds(), coverage=count_coverage(SUBMISSIONS))


def test_peak_window_of_the_fixture(metrics) -> None:
    # 500 at 11-10 01h and 400 at 11-11 00h: only windows starting 11-10 01:00 hold both.
    peak = metrics.to_dict()["derivatives"]["peak_24h_liquidations"]
    assert (peak["start"], peak["end"], peak["total_usd"]) == ("2025-11-10T01:00:00Z", "2025-11-11T01:00:00Z", 900.0)


def test_severity_of_each_incident(metrics) -> None:
    severity = {detail.incident_id: detail.severity for detail in metrics.incident_details}
    assert severity == {
        "A1": "significant",
        "A2": "major",
        "A3": "minor",
        "B1": "major",
        "B2": "significant",
        "B3": "minor",
        "L1": "significant",
    }


def test_incident_details(metrics) -> None:
    details = {detail.incident_id: detail for detail in metrics.incident_details}
    assert details["A1"].thresholds_met == ("clients_affected",)
    assert details["A1"].liquidations_usd == 500.0
    assert details["A1"].in_peak_liquidation_window
    assert details["A2"].thresholds_met == ("data_loss",)
    assert details["A3"].thresholds_met == ("jurisdictions_affected", "economic_impact")
    assert (details["A3"].duration_hours, details["A3"].minutes_in_period) == (2.0, 60.0)
    assert details["B1"].thresholds_met == ("transactions_affected", "duration")
    assert details["B1"].resolved_at is None
    assert (details["B1"].duration_hours, details["B1"].minutes_in_period) == (48.0, 2880.0)
    assert (details["B1"].false_liquidations_usd, details["B1"].compensation_usd) == (1000.0, 500.5)
    assert details["B2"].in_peak_liquidation_window and not details["B3"].in_peak_liquidation_window
    assert details["L1"].thresholds_met == ("duration",)
    assert details["A1"].to_dict()["started_at"] == "2025-11-10T04:00:00Z"
    assert [d.incident_id for d in metrics.incident_details] == ["L1", "A1", "A2", "A3", "B1", "B2", "B3"]


def test_incident_figures(metrics) -> None:
    assert metrics.to_dict()["incidents"] == {
        "total": 7,
        "by_category": {
            "degraded_service": 1,
            "oracle_failure": 1,
            "outage": 1,
            "security_breach": 1,
            "third_party": 2,
            "withdrawal_halt": 1,
        },
        "by_severity": {"major": 2, "significant": 3, "minor": 2},
        # outage A1 120 + degraded_service A3 60 (clipped) + withdrawal_halt B1 2880.
        "downtime_minutes": 3060.0,
        # A1 (04:00–06:00 on 11-10) and B2 (from 11-11 00:59).
        "in_peak_liquidation_window": 2,
        "false_liquidations_usd": 1000.0,
        "compensation_usd": 500.75,
        "by_entity": {"Lender L": 1, "Venue A": 3, "Venue B": 3},
    }


def test_thresholds_are_configurable() -> None:
    # With a 30 % clients threshold, A1 meets none and is significant only through the peak window;
    # without data loss counting as a threshold, A2 stays major (malicious access with data loss).
    base = load_thresholds()
    thresholds = dataclasses.replace(
        base,
        incident_severity=dataclasses.replace(base.incident_severity, clients_affected_pct=30.0, data_loss=False),
    )
    metrics = compute_metrics(SUBMISSIONS, PERIOD, thresholds, coverage=count_coverage(SUBMISSIONS))
    details = {detail.incident_id: detail for detail in metrics.incident_details}
    assert details["A1"].thresholds_met == ()
    assert details["A1"].severity == "significant"
    assert details["A2"].thresholds_met == ()
    assert details["A2"].severity == "major"


def test_no_incidents_reported_gives_zero_counts_not_null() -> None:
    lender = make_submission(
        "Lender M",
        "defi_protocol",
        loans=[{"chain": "ethereum", "loan_asset": "USDC", "collateral_asset": "ETH", "borrowed_usd": 1.0,
                "collateral_usd": 2.0}],
    )  # fmt: skip
    incidents = compute_metrics([lender], PERIOD, load_thresholds(), coverage=count_coverage([lender])).to_dict()
    assert incidents["incidents"]["total"] == 0
    assert incidents["incidents"]["by_severity"] == {"major": 0, "significant": 0, "minor": 0}
    assert incidents["incidents"]["in_peak_liquidation_window"] is None  # no liquidations, no window
