"""Derivatives figures on a tiny hand-computed fixture (period 2025-11: 30 days, 720 hours)."""

from __future__ import annotations

import pytest

from reporting.config import load_thresholds
from reporting.metrics import compute_metrics, compute_partials, count_coverage
from tests.metrics.factories import PERIOD, make_submission

VENUE_A = make_submission(
    "Venue A",
    "cex",
    open_interest=[
        {"date": "2025-11-01", "base_asset": "BTC", "open_interest_usd": 1000.0, "funding_rate": 0.0001,
         "funding_interval_hours": 8},
        {"date": "2025-11-01", "base_asset": "ETH", "contract_type": "future", "open_interest_usd": 500.0},
        {"date": "2025-11-30", "base_asset": "BTC", "open_interest_usd": 1200.0, "funding_rate": 0.0002,
         "funding_interval_hours": 8},
        {"date": "2025-11-30", "base_asset": "ETH", "contract_type": "future", "open_interest_usd": 300.0},
    ],
    collateral=[{"asset": "USDT", "balance_usd": 2000.0}, {"asset": "BTC", "balance_usd": 1000.0}],
    leverage_bands=[
        {"base_asset": "ALL", "band": "1-5", "open_interest_usd": 600.0},
        {"base_asset": "ALL", "band": "5-10", "open_interest_usd": 300.0},
        {"base_asset": "ALL", "band": "10-25", "open_interest_usd": 50.0},
        {"base_asset": "ALL", "band": "25-50", "open_interest_usd": 40.0},
        {"base_asset": "ALL", "band": "50+", "open_interest_usd": 10.0},
        {"base_asset": "BTC", "band": "50+", "open_interest_usd": 999.0},  # per-asset rows are not counted
    ],
    liquidations=[
        {"event_id": "e1", "ts": "2025-11-10T00:15:00Z", "base_asset": "BTC", "position_side": "long",
         "method": "order_book", "margin_mode": "cross", "notional_usd": 100.0},
        {"event_id": "e2", "ts": "2025-11-10T05:00:00Z", "base_asset": "BTC", "position_side": "short",
         "method": "backstop", "margin_mode": "isolated", "notional_usd": 50.0, "incident_id": "INC-A1"},
        {"event_id": "e3", "ts": "2025-11-10T23:59:59Z", "base_asset": "ETH", "position_side": "long",
         "method": "adl", "margin_mode": "portfolio", "notional_usd": 300.0},
    ],
)  # fmt: skip
VENUE_B = make_submission(
    "Venue B",
    "dex",
    open_interest=[
        {"date": "2025-11-01", "base_asset": "BTC", "open_interest_usd": 2000.0, "funding_rate": -0.0001,
         "funding_interval_hours": 4},
        {"date": "2025-11-29", "base_asset": "BTC", "open_interest_usd": 600.0, "funding_rate": 0.0003,
         "funding_interval_hours": 1},
    ],
    leverage_bands=[
        {"base_asset": "ALL", "band": "1-5", "open_interest_usd": 100.0},
        {"base_asset": "ALL", "band": "50+", "open_interest_usd": 100.0},
    ],
    liquidations=[
        {"event_id": "f1", "ts": "2025-11-11T00:30:00Z", "base_asset": "BTC", "position_side": "long",
         "notional_usd": 300.0},
        {"event_id": "f2", "ts": "2025-11-20T12:00:00Z", "base_asset": "BTC", "position_side": "short",
         "margin_mode": "cross", "notional_usd": 25.0},
    ],
)  # fmt: skip
VENUE_C = make_submission(
    "Venue C",
    "cex",
    open_interest=[{"date": "2025-11-30", "base_asset": "SOL", "open_interest_usd": 100.0}],
    collateral=[{"asset": "USDT", "balance_usd": 50.0}],
    liquidations=[],
)
SUBMISSIONS = [VENUE_A, VENUE_B, VENUE_C]


@pytest.fixture(scope="module")
def derivatives() -> dict:
    metrics = compute_metrics(SUBMISSIONS, PERIOD, load_thresholds(), coverage=count_coverage(SUBMISSIONS))
    return metrics.to_dict()["derivatives"]


def test_open_interest(derivatives: dict) -> None:
    # Period end: A on 11-30 = 1200 + 300 = 1500; B on its last date 11-29 = 600; C on 11-30 = 100.
    assert derivatives["open_interest_usd"] == 2200.0
    assert derivatives["open_interest_by_venue"] == {"Venue A": 1500.0, "Venue B": 600.0, "Venue C": 100.0}
    assert derivatives["open_interest_by_asset"] == {"BTC": 1800.0, "ETH": 300.0, "SOL": 100.0}
    # Daily totals: 11-01 = 1000 + 500 + 2000 = 3500; 11-29 = 600; 11-30 = 1200 + 300 + 100 = 1600.
    assert derivatives["open_interest_peak_usd"] == 3500.0
    assert derivatives["open_interest_peak_date"] == "2025-11-01"
    # HHI = (1500² + 600² + 100²) / 2200² × 10,000 = 2,620,000 / 4,840,000 × 10,000.
    assert derivatives["open_interest_hhi"] == pytest.approx(2_620_000 / 4_840_000 * 10_000, rel=1e-12)
    assert derivatives["open_interest_top4_share"] == 1.0


def test_funding(derivatives: dict) -> None:
    # Σ OI × rate × 8 / interval = 1000×0.0001 + 1200×0.0002 + 2000×(-0.0001)×2 + 600×0.0003×8 = 1.38;
    # Σ OI = 1000 + 1200 + 2000 + 600 = 4800 (the futures have no rate).
    assert derivatives["funding_rate_8h_oi_weighted"] == pytest.approx(1.38 / 4800, rel=1e-12)
    assert derivatives["funding_rate_annualized"] == pytest.approx(1.38 / 4800 * 3 * 365, rel=1e-12)


def test_leverage(derivatives: dict) -> None:
    # Venues with collateral: A (balance 3000, period-end OI 1500) and C (50, 100): 1600 / 3050.
    assert derivatives["estimated_leverage_ratio"] == pytest.approx(1600 / 3050, rel=1e-12)
    # Bands of `ALL`: high = 40 + 10 (A) + 100 (B) = 150; all = 1000 (A) + 200 (B) = 1200.
    assert derivatives["high_leverage_oi_share"] == pytest.approx(150 / 1200, rel=1e-12)


def test_liquidation_totals(derivatives: dict) -> None:
    # long = 100 + 300 + 300 = 700; short = 50 + 25 = 75.
    assert derivatives["liquidations_long_usd"] == 700.0
    assert derivatives["liquidations_short_usd"] == 75.0
    assert derivatives["liquidations_total_usd"] == 775.0
    assert derivatives["liquidations_long_share"] == pytest.approx(700 / 775, rel=1e-12)
    assert derivatives["liquidations_by_venue"] == {
        "Venue A": {"long_usd": 400.0, "short_usd": 50.0, "total_usd": 450.0},
        "Venue B": {"long_usd": 300.0, "short_usd": 25.0, "total_usd": 325.0},
    }
    assert derivatives["liquidations_by_asset"] == {
        "BTC": {"long_usd": 400.0, "short_usd": 75.0, "total_usd": 475.0},
        "ETH": {"long_usd": 300.0, "short_usd": 0.0, "total_usd": 300.0},
    }
    # HHI = (450² + 325²) / 775² × 10,000.
    assert derivatives["liquidations_hhi"] == pytest.approx((450**2 + 325**2) / 775**2 * 10_000, rel=1e-12)


def test_liquidation_breakdowns(derivatives: dict) -> None:
    # order_book 100 + 300 + 25 = 425, backstop 50, adl 300; cross/portfolio 100 + 25 + 300 = 425.
    assert derivatives["liquidations_method_share"] == pytest.approx(
        {"order_book": 425 / 775, "backstop": 50 / 775, "adl": 300 / 775}, rel=1e-12
    )
    assert derivatives["adl_usd"] == 300.0
    assert derivatives["cross_margin_liquidation_share"] == pytest.approx(425 / 775, rel=1e-12)
    assert derivatives["incident_liquidations_usd"] == 50.0


def test_largest_liquidation_tie_goes_to_earliest(derivatives: dict) -> None:
    # e3 and f1 are both 300.00; e3 (11-10 23:59:59) is earlier than f1 (11-11 00:30).
    assert derivatives["largest_liquidation"] == {
        "notional_usd": 300.0,
        "venue": "Venue A",
        "symbol": "ETHUSDT",
        "base_asset": "ETH",
        "position_side": "long",
        "ts": "2025-11-10T23:59:59Z",
    }


def test_peak_24h_window(derivatives: dict) -> None:
    # Hourly: 11-10 00h 100, 05h 50, 23h 300; 11-11 00h 300; 11-20 12h 25. A window starting 11-10 00:00
    # holds 450; starting 01:00 to 05:00 it holds 50 + 300 + 300 = 650 (the maximum); the earliest wins.
    assert derivatives["peak_24h_liquidations"] == {
        "start": "2025-11-10T01:00:00Z",
        "end": "2025-11-11T01:00:00Z",
        "total_usd": 650.0,
        "long_usd": 600.0,
        "short_usd": 50.0,
    }


def test_peak_window_stays_inside_the_period() -> None:
    # One event in the last hour of the period: the only window holding it starts 24 h before the end.
    venue = make_submission(
        "Venue Z",
        "cex",
        open_interest=[{"date": "2025-11-30", "base_asset": "BTC", "open_interest_usd": 1.0}],
        liquidations=[{"ts": "2025-11-30T23:30:00Z", "base_asset": "BTC", "position_side": "short",
                       "notional_usd": 10.0}],
    )  # fmt: skip
    derivatives = compute_metrics([venue], PERIOD, load_thresholds(), coverage=count_coverage([venue])).to_dict()
    peak = derivatives["derivatives"]["peak_24h_liquidations"]
    assert (peak["start"], peak["end"]) == ("2025-11-30T00:00:00Z", "2025-12-01T00:00:00Z")
    assert (peak["total_usd"], peak["short_usd"], peak["long_usd"]) == (10.0, 10.0, 0.0)


def test_top4_share_and_hhi_with_five_venues() -> None:
    # Period-end OI 40, 30, 20, 5, 5: top four hold 95 %; HHI = 1600 + 900 + 400 + 25 + 25 = 2950.
    venues = [
        make_submission(
            f"V{i}", "dex", open_interest=[{"date": "2025-11-30", "base_asset": "BTC", "open_interest_usd": amount}]
        )
        for i, amount in enumerate([40.0, 30.0, 20.0, 5.0, 5.0])
    ]
    derivatives = compute_metrics(venues, PERIOD, load_thresholds(), coverage=count_coverage(venues)).to_dict()
    assert derivatives["derivatives"]["open_interest_top4_share"] == pytest.approx(0.95, rel=1e-12)
    assert derivatives["derivatives"]["open_interest_hhi"] == pytest.approx(2950.0, rel=1e-12)
    # No venue sent liquidations rows: sums are 0, shares and the peak window are null.
    assert derivatives["derivatives"]["liquidations_total_usd"] == 0.0
    assert derivatives["derivatives"]["liquidations_long_share"] is None
    assert derivatives["derivatives"]["liquidations_method_share"] is None
    assert derivatives["derivatives"]["peak_24h_liquidations"] is None
    assert derivatives["derivatives"]["largest_liquidation"] is None
    assert derivatives["derivatives"]["estimated_leverage_ratio"] is None
    assert derivatives["incidents"]["in_peak_liquidation_window"] is None


def test_published_long_short_split() -> None:
    # Published: long $406.88M against short $163.07M, long share 0.7139.
    venue = make_submission(
        "Venue P",
        "cex",
        open_interest=[{"date": "2025-11-30", "base_asset": "BTC", "open_interest_usd": 1.0}],
        liquidations=[
            {"ts": "2025-11-05T10:00:00Z", "base_asset": "BTC", "position_side": "long", "notional_usd": 406_880_000.0},
            {
                "ts": "2025-11-06T10:00:00Z",
                "base_asset": "BTC",
                "position_side": "short",
                "notional_usd": 163_070_000.0,
            },
        ],
    )
    metrics = compute_metrics([venue], PERIOD, load_thresholds(), coverage=count_coverage([venue])).to_dict()
    assert round(metrics["derivatives"]["liquidations_long_share"], 4) == 0.7139
    imbalance = next(flag for flag in metrics["flags"] if flag["id"] == "liquidation_imbalance")
    assert imbalance["status"] == "amber"  # 0.7139 is above 0.65 and not above 0.80


def test_largest_liquidation_of_a_venue_breaks_ties_by_time_then_event_id() -> None:
    # Three events of 500.00: L-9 and L-2 at 10:00, L-1 at 11:00; at one instant the smaller event_id comes first.
    events = [("L-9", "10:00", 500.0), ("L-1", "11:00", 500.0), ("L-2", "10:00", 500.0), ("L-0", "09:00", 100.0)]
    submission = make_submission(
        "Venue A",
        "dex",
        open_interest=[{"date": "2025-11-05", "base_asset": "BTC", "open_interest_usd": 1000.0}],
        liquidations=[
            {
                "event_id": event_id,
                "ts": f"2025-11-05T{time}:00Z",
                "base_asset": "BTC",
                "position_side": "long",
                "notional_usd": notional,
            }
            for event_id, time, notional in events
        ],  # fmt: skip
    )
    largest = compute_partials(submission.header, submission.tables, load_thresholds().scenarios).largest_liquidations
    assert largest["event_id"].tolist() == ["L-2", "L-9", "L-1", "L-0"]
