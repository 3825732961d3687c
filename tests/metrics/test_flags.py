"""Flags: every status reachable, n/a for null metrics, thresholds and reasons."""

from __future__ import annotations

import pytest

from reporting.config import Band, Level, load_thresholds
from reporting.metrics.flags import (
    compute_flags,
    flag_above,
    flag_funding_stress,
    flag_incident_in_liquidation_window,
    flag_liquidation_imbalance,
    flag_major_incident,
    format_hhi,
)

FLAGS = load_thresholds().flags
FLAG_IDS = [
    "oi_concentration",
    "liquidation_imbalance",
    "funding_stress",
    "high_leverage",
    "lender_concentration",
    "major_incident",
    "incident_in_liquidation_window",
    "debt_growth",
]


@pytest.mark.parametrize(
    ("value", "status", "threshold"),
    [(3412.0, "red", 2500), (2500.0, "amber", 1500), (1500.0, "green", 1500), (None, "n/a", 1500)],
)
def test_hhi_flag_statuses(value: float | None, status: str, threshold: float) -> None:
    flag = flag_above(
        "oi_concentration", "derivatives.open_interest_hhi", value, FLAGS.oi_concentration, "HHI", format_hhi
    )
    assert (flag.status, flag.threshold, flag.value) == (status, threshold, value)


def test_hhi_flag_reason() -> None:
    flag = flag_above("x", "m", 3412.0, Level(red=2500, amber=1500), "HHI", format_hhi)
    assert flag.reason == "HHI 3,412 above the red threshold 2,500"


@pytest.mark.parametrize(
    ("share", "status", "threshold"),
    [
        (0.85, "red", 0.80),
        (0.15, "red", 0.20),
        (0.70, "amber", 0.65),
        (0.30, "amber", 0.35),
        (0.65, "green", 0.65),
        (0.50, "green", 0.65),
        (0.40, "green", 0.35),
        (None, "n/a", 0.65),
    ],
)
def test_liquidation_imbalance(share: float | None, status: str, threshold: float) -> None:
    flag = flag_liquidation_imbalance(share, FLAGS.liquidation_imbalance)
    assert (flag.status, flag.threshold) == (status, threshold)


def test_liquidation_imbalance_reason_names_the_side() -> None:
    flag = flag_liquidation_imbalance(0.15, Band(red_high=0.8, red_low=0.2, amber_high=0.65, amber_low=0.35))
    assert flag.reason == "long share of liquidations 15.0 % below the red threshold 20.0 %"


@pytest.mark.parametrize(
    ("rate", "status"), [(-0.7, "red"), (0.61, "red"), (-0.45, "amber"), (0.3, "green"), (0.0, "green"), (None, "n/a")]
)
def test_funding_stress_uses_absolute_value(rate: float | None, status: str) -> None:
    flag = flag_funding_stress(rate, FLAGS.funding_stress)
    assert flag.status == status
    assert flag.value == rate


def test_funding_stress_reason() -> None:
    flag = flag_funding_stress(-0.45, FLAGS.funding_stress)
    assert flag.reason == "annualized funding rate -45.0 %, in absolute value above the amber threshold 30.0 %"


@pytest.mark.parametrize(
    ("by_severity", "status", "metric", "value"),
    [
        ({"major": 2, "significant": 5, "minor": 0}, "red", "incidents.by_severity.major", 2),
        ({"major": 0, "significant": 1, "minor": 3}, "amber", "incidents.by_severity.significant", 1),
        ({"major": 0, "significant": 0, "minor": 3}, "green", "incidents.by_severity.major", 0),
        (None, "n/a", "incidents.by_severity.major", None),
    ],
)
def test_major_incident(by_severity: dict | None, status: str, metric: str, value: int | None) -> None:
    flag = flag_major_incident(by_severity, FLAGS.major_incident)
    assert (flag.status, flag.metric, flag.value) == (status, metric, value)


def test_major_incident_reason() -> None:
    flag = flag_major_incident({"major": 1, "significant": 0, "minor": 0}, FLAGS.major_incident)
    assert flag.reason == "1 major incident, at least the red threshold 1"


@pytest.mark.parametrize(
    ("count", "level", "status"),
    [
        (1, Level(red=1, amber=None), "red"),
        (0, Level(red=1, amber=None), "green"),
        (None, Level(red=1, amber=None), "n/a"),
        (1, Level(red=2, amber=1), "amber"),
    ],
)
def test_incident_in_liquidation_window(count: int | None, level: Level, status: str) -> None:
    assert flag_incident_in_liquidation_window(count, level).status == status


def test_all_flags_in_spec_order_and_na_without_data() -> None:
    empty = {"derivatives": {}, "lending": {}, "incidents": {}}
    flags = compute_flags(empty, debt_change_pct=None, has_prior=False, thresholds=FLAGS)
    assert [flag.id for flag in flags] == FLAG_IDS
    assert {flag.status for flag in flags} == {"n/a"}
    assert flags[-1].reason == "change in total industry debt not available (no prior period given)"


@pytest.mark.parametrize(("change_pct", "status"), [(0.30, "red"), (0.25, "amber"), (0.10, "green"), (-0.5, "green")])
def test_debt_growth(change_pct: float, status: str) -> None:
    empty = {"derivatives": {}, "lending": {}, "incidents": {}}
    flags = compute_flags(empty, debt_change_pct=change_pct, has_prior=True, thresholds=FLAGS)
    assert flags[-1].status == status
    assert flags[-1].metric == "changes.lending.total_industry_debt_usd.change_pct"


def test_every_status_reachable_through_compute_flags() -> None:
    figures = {
        "derivatives": {
            "open_interest_hhi": 9000.0,  # red
            "liquidations_long_share": 0.70,  # amber
            "funding_rate_annualized": 0.10,  # green
            "high_leverage_oi_share": None,  # n/a
        },
        "lending": {"lender_hhi": 1600.0},  # amber
        "incidents": {"by_severity": {"major": 0, "significant": 0, "minor": 1}, "in_peak_liquidation_window": 1},
    }
    flags = compute_flags(figures, debt_change_pct=0.5, has_prior=True, thresholds=FLAGS)
    assert [flag.status for flag in flags] == ["red", "amber", "green", "n/a", "amber", "green", "red", "red"]
