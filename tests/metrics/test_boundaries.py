"""Both sides of every threshold: incident severity (DORA criteria), the peak-window overlap and edges, the flags.

Each case sits exactly on a threshold, where the rule must not fire, and just past it, where it must; a suite
that survives flipping `>` to `>=` is not testing the rule. Flags are computed from figures and thresholds
through `compute_flags`, and checked by status and threshold.
"""

from __future__ import annotations

import dataclasses

import pytest

from reporting.config import Level, load_thresholds
from reporting.metrics import compute_metrics, count_coverage
from reporting.metrics.flags import FLAGS as FLAG_DEFINITIONS
from reporting.metrics.flags import compute_flags, flag_definition
from tests.metrics.factories import PERIOD, make_submission

# The two liquidations put the peak 24-hour window at [2025-11-10T01:00Z, 2025-11-11T01:00Z).
WINDOW_START, WINDOW_END = "2025-11-10T01:00:00Z", "2025-11-11T01:00:00Z"


def incident(incident_id: str, started_at: str = "2025-11-20T00:00:00Z", **fields: object) -> dict[str, object]:
    """An incident lasting one hour (unless `resolved_at` says otherwise), on a critical service unless told."""
    return {
        "incident_id": incident_id,
        "category": "outage",
        "started_at": started_at,
        "resolved_at": "2025-11-20T01:00:00Z",
        "critical_service": True,
        **fields,
    }


# incident id: (its fields, the thresholds it meets, its severity)
CASES: dict[str, tuple[dict[str, object], tuple[str, ...], str]] = {
    # One threshold on a critical service makes an incident significant; none leaves it minor.
    "clients-pct-at-10": ({"clients_affected_pct": 10.0}, (), "minor"),
    "clients-pct-over-10": ({"clients_affected_pct": 10.01}, ("clients_affected",), "significant"),
    "clients-at-100000": ({"clients_affected": 100_000}, (), "minor"),
    "clients-over-100000": ({"clients_affected": 100_001}, ("clients_affected",), "significant"),
    "transactions-pct-at-10": ({"transactions_affected_pct": 10.0}, (), "minor"),
    "transactions-pct-over-10": ({"transactions_affected_pct": 10.01}, ("transactions_affected",), "significant"),
    "jurisdictions-1": ({"jurisdictions_affected": 1}, (), "minor"),
    "jurisdictions-2": ({"jurisdictions_affected": 2}, ("jurisdictions_affected",), "significant"),
    "economic-at-100000": ({"economic_impact_usd": 100_000.0}, (), "minor"),
    "economic-over-100000": ({"economic_impact_usd": 100_000.01}, ("economic_impact",), "significant"),
    "no-data-loss": ({"data_loss": False}, (), "minor"),
    "data-loss": ({"data_loss": True}, ("data_loss",), "significant"),
    # Critical service: over 2 h meets the duration threshold.
    "critical-2h": ({"resolved_at": "2025-11-20T02:00:00Z"}, (), "minor"),
    "critical-2h-1s": ({"resolved_at": "2025-11-20T02:00:01Z"}, ("duration",), "significant"),
    # Other services: over 24 h (not critical, so minor even when met).
    "other-24h": ({"critical_service": False, "resolved_at": "2025-11-21T00:00:00Z"}, (), "minor"),
    "other-24h-1s": ({"critical_service": False, "resolved_at": "2025-11-21T00:00:01Z"}, ("duration",), "minor"),
    # Still open: it runs to the end of the period (2025-12-01T00:00Z).
    "open-24h": ({"critical_service": False, "started_at": "2025-11-30T00:00:00Z", "resolved_at": None}, (), "minor"),
    "open-24h-1s": (
        {"critical_service": False, "started_at": "2025-11-29T23:59:59Z", "resolved_at": None},
        ("duration",),
        "minor",
    ),
    # Major: a critical service with two thresholds met, or with malicious access and data loss.
    "critical-two-thresholds": (
        {"jurisdictions_affected": 2, "economic_impact_usd": 100_000.01},
        ("jurisdictions_affected", "economic_impact"),
        "major",
    ),
    "other-two-thresholds": (
        {"critical_service": False, "jurisdictions_affected": 2, "economic_impact_usd": 100_000.01},
        ("jurisdictions_affected", "economic_impact"),
        "minor",
    ),
    "malicious-with-data-loss": ({"malicious_access": True, "data_loss": True}, ("data_loss",), "major"),
    "malicious-without-data-loss": ({"malicious_access": True}, (), "minor"),
    # The peak window [start, end): overlapping it makes any incident significant.
    "resolved-at-window-start": (
        {"critical_service": False, "started_at": "2025-11-10T00:00:00Z", "resolved_at": WINDOW_START},
        (),
        "significant",
    ),
    "resolved-1s-before-window": (
        {"critical_service": False, "started_at": "2025-11-10T00:00:00Z", "resolved_at": "2025-11-10T00:59:59Z"},
        (),
        "minor",
    ),
    "started-1s-before-window-end": (
        {"critical_service": False, "started_at": "2025-11-11T00:59:59Z", "resolved_at": "2025-11-11T02:00:00Z"},
        (),
        "significant",
    ),
    "started-at-window-end": (
        {"critical_service": False, "started_at": WINDOW_END, "resolved_at": "2025-11-11T02:00:00Z"},
        (),
        "minor",
    ),
    "open-across-window": (
        {"critical_service": False, "started_at": "2025-11-09T00:00:00Z", "resolved_at": None},
        ("duration",),
        "significant",
    ),
}
IN_WINDOW = {"resolved-at-window-start", "started-1s-before-window-end", "open-across-window"}
VENUE = make_submission(
    "Venue A",
    "cex",
    open_interest=[{"date": "2025-11-30", "base_asset": "BTC", "open_interest_usd": 1.0}],
    liquidations=[
        {"ts": "2025-11-10T01:10:00Z", "base_asset": "BTC", "position_side": "long", "notional_usd": 500.0},
        {"ts": "2025-11-11T00:20:00Z", "base_asset": "BTC", "position_side": "long", "notional_usd": 400.0},
    ],
    incidents=[incident(incident_id, **fields) for incident_id, (fields, _, _) in CASES.items()],
)


@pytest.fixture(scope="module")
def metrics():
    return compute_metrics([VENUE], PERIOD, load_thresholds(), coverage=count_coverage([VENUE]))


def test_the_peak_window_of_the_fixture(metrics) -> None:
    peak = metrics.to_dict()["derivatives"]["peak_24h_liquidations"]
    assert (peak["start"], peak["end"], peak["total_usd"]) == (WINDOW_START, WINDOW_END, 900.0)


@pytest.mark.parametrize("incident_id", CASES)
def test_each_threshold_on_both_sides(metrics, incident_id: str) -> None:
    [detail] = [d for d in metrics.incident_details if d.incident_id == incident_id]
    _, thresholds_met, severity = CASES[incident_id]
    assert (detail.thresholds_met, detail.severity) == (thresholds_met, severity)
    assert detail.in_peak_liquidation_window == (incident_id in IN_WINDOW)


def test_counts_of_the_boundary_incidents(metrics) -> None:
    incidents = metrics.to_dict()["incidents"]
    assert incidents["total"] == 27
    assert incidents["by_severity"] == {"major": 2, "significant": 10, "minor": 15}
    assert incidents["in_peak_liquidation_window"] == 3


def test_data_loss_meets_no_threshold_when_configured_off() -> None:
    base = load_thresholds()
    thresholds = dataclasses.replace(
        base, incident_severity=dataclasses.replace(base.incident_severity, data_loss=False)
    )
    metrics = compute_metrics([VENUE], PERIOD, thresholds, coverage=count_coverage([VENUE]))
    details = {detail.incident_id: detail for detail in metrics.incident_details}
    assert (details["data-loss"].thresholds_met, details["data-loss"].severity) == ((), "minor")
    assert details["malicious-with-data-loss"].severity == "major"


def peak_of(liquidations: list[dict[str, object]]) -> dict[str, object]:
    venue = make_submission(
        "Venue P",
        "cex",
        open_interest=[{"date": "2025-11-30", "base_asset": "BTC", "open_interest_usd": 1.0}],
        liquidations=[{"base_asset": "BTC", "position_side": "short", **row} for row in liquidations],
    )
    metrics = compute_metrics([venue], PERIOD, load_thresholds(), coverage=count_coverage([venue]))
    return metrics.to_dict()["derivatives"]["peak_24h_liquidations"]


def test_a_window_holds_its_start_but_not_its_end() -> None:
    # 100 at 11-10 00:00 and 100 at 11-11 00:00, 24 h apart: no window [start, start + 24 h) holds both, so the
    # peak is 100, and of the windows that hold 100 the earliest starts at 11-09 01:00 and ends at 11-10 01:00.
    peak = peak_of(
        [{"ts": "2025-11-10T00:00:00Z", "notional_usd": 100.0}, {"ts": "2025-11-11T00:00:00Z", "notional_usd": 100.0}]
    )
    assert peak == {
        "start": "2025-11-09T01:00:00Z",
        "end": "2025-11-10T01:00:00Z",
        "total_usd": 100.0,
        "long_usd": 0.0,
        "short_usd": 100.0,
    }


def test_a_tie_between_two_far_apart_windows_goes_to_the_earliest() -> None:
    # 300 on 11-20 at 12:30 and, given later in the table, 300 on 11-05 at 12:30: the 11-05 window wins; its
    # earliest start that still holds 12:30 is 11-04 13:00.
    peak = peak_of(
        [{"ts": "2025-11-20T12:30:00Z", "notional_usd": 300.0}, {"ts": "2025-11-05T12:30:00Z", "notional_usd": 300.0}]
    )
    assert (peak["start"], peak["end"], peak["total_usd"]) == ("2025-11-04T13:00:00Z", "2025-11-05T13:00:00Z", 300.0)


def test_a_window_never_starts_before_the_period() -> None:
    peak = peak_of([{"ts": "2025-11-01T05:00:00Z", "notional_usd": 7.0}])
    assert (peak["start"], peak["end"], peak["total_usd"]) == ("2025-11-01T00:00:00Z", "2025-11-02T00:00:00Z", 7.0)


FLAGS = load_thresholds().flags
NO_FIGURES: dict[str, dict[str, object]] = {"derivatives": {}, "lending": {}, "incidents": {}}


def flag_of(flag_id: str, figures: dict[str, dict[str, object]], debt_change_pct: float | None = None, flags=FLAGS):
    """The flag `flag_id` computed from the figures of the metrics JSON and the thresholds."""
    changes = {"lending": {"total_industry_debt_usd": {"change_pct": debt_change_pct}}}
    computed = compute_flags({**NO_FIGURES, "changes": changes, **figures}, debt_change_pct is not None, flags)
    [flag] = [flag for flag in computed if flag.id == flag_id]
    return flag


# (section, key): [(value, status, threshold)] on both sides of each level of the flag above it.
ABOVE_LEVELS = {
    ("derivatives", "open_interest_hhi", "oi_concentration"): [
        (1500.0, "green", 1500),
        (1500.01, "amber", 1500),
        (2500.0, "amber", 1500),
        (2500.01, "red", 2500),
    ],
    ("derivatives", "high_leverage_oi_share", "high_leverage"): [
        (0.10, "green", 0.10),
        (0.1001, "amber", 0.10),
        (0.25, "amber", 0.10),
        (0.2501, "red", 0.25),
    ],
    ("lending", "lender_hhi", "lender_concentration"): [
        (1500.0, "green", 1500),
        (1500.01, "amber", 1500),
        (2500.0, "amber", 1500),
        (2500.01, "red", 2500),
    ],
}


@pytest.mark.parametrize(
    ("section", "key", "flag_id", "value", "status", "threshold"),
    [(*where, *case) for where, cases in ABOVE_LEVELS.items() for case in cases],
)
def test_flags_above_a_level(section: str, key: str, flag_id: str, value: float, status: str, threshold: float) -> None:
    flag = flag_of(flag_id, {section: {key: value}})
    assert (flag.status, flag.threshold, flag.value) == (status, threshold, value)


@pytest.mark.parametrize(
    ("change_pct", "status", "threshold"),
    [(0.10, "green", 0.10), (0.1001, "amber", 0.10), (0.25, "amber", 0.10), (0.2501, "red", 0.25)],
)
def test_debt_growth_levels(change_pct: float, status: str, threshold: float) -> None:
    flag = flag_of("debt_growth", {}, debt_change_pct=change_pct)
    assert (flag.status, flag.threshold, flag.value) == (status, threshold, change_pct)


@pytest.mark.parametrize(
    ("share", "status", "threshold"),
    [
        (0.80, "amber", 0.65),
        (0.8001, "red", 0.80),
        (0.65, "green", 0.65),
        (0.6501, "amber", 0.65),
        (0.50, "green", 0.65),  # green: the nearer amber level, the upper one from the middle of the band up
        (0.4999, "green", 0.35),
        (0.35, "green", 0.35),
        (0.3499, "amber", 0.35),
        (0.20, "amber", 0.35),
        (0.1999, "red", 0.20),
    ],
)
def test_liquidation_imbalance_levels(share: float, status: str, threshold: float) -> None:
    flag = flag_of("liquidation_imbalance", {"derivatives": {"liquidations_long_share": share}})
    assert (flag.status, flag.threshold) == (status, threshold)


@pytest.mark.parametrize(
    ("rate", "status", "threshold", "reason"),
    [
        (0.30, "green", 0.30, "annualized funding rate 30.0 %, in absolute value not above the threshold 30.0 %"),
        (-0.30, "green", 0.30, "annualized funding rate −30.0 %, in absolute value not above the threshold 30.0 %"),
        (0.3001, "amber", 0.30, "annualized funding rate 30.0 %, in absolute value above the amber threshold 30.0 %"),
        (-0.60, "amber", 0.30, "annualized funding rate −60.0 %, in absolute value above the amber threshold 30.0 %"),
        (0.60, "amber", 0.30, "annualized funding rate 60.0 %, in absolute value above the amber threshold 30.0 %"),
        (-0.6001, "red", 0.60, "annualized funding rate −60.0 %, in absolute value above the red threshold 60.0 %"),
    ],
)
def test_funding_stress_levels(rate: float, status: str, threshold: float, reason: str) -> None:
    flag = flag_of("funding_stress", {"derivatives": {"funding_rate_annualized": rate}})
    assert (flag.status, flag.threshold, flag.reason) == (status, threshold, reason)


TWO_AND_TWO = dataclasses.replace(
    FLAGS,
    major_incident=Level(red=2, amber=2),
    incident_in_liquidation_window=Level(red=2, amber=1),
)


@pytest.mark.parametrize(
    ("counts", "flags", "status", "metric", "threshold"),
    [
        ((1, 0), FLAGS, "red", "incidents.by_severity.major", 1),
        ((0, 1), FLAGS, "amber", "incidents.by_severity.significant", 1),
        ((0, 0), FLAGS, "green", "incidents.by_severity.major", 1),
        ((1, 1), TWO_AND_TWO, "green", "incidents.by_severity.major", 2),
        ((2, 0), TWO_AND_TWO, "red", "incidents.by_severity.major", 2),
        ((1, 2), TWO_AND_TWO, "amber", "incidents.by_severity.significant", 2),
    ],
)
def test_major_incident_levels(counts: tuple[int, int], flags, status: str, metric: str, threshold: int) -> None:
    by_severity = {"major": counts[0], "significant": counts[1], "minor": 0}
    flag = flag_of("major_incident", {"incidents": {"by_severity": by_severity}}, flags=flags)
    assert (flag.status, flag.metric, flag.threshold) == (status, metric, threshold)


@pytest.mark.parametrize(
    ("count", "flags", "status", "threshold"),
    [(0, FLAGS, "green", 1), (1, FLAGS, "red", 1), (0, TWO_AND_TWO, "green", 1), (1, TWO_AND_TWO, "amber", 1),
     (2, TWO_AND_TWO, "red", 2)],
)  # fmt: skip
def test_incident_in_liquidation_window_levels(count: int, flags, status: str, threshold: int) -> None:
    flag = flag_of("incident_in_liquidation_window", {"incidents": {"in_peak_liquidation_window": count}}, flags=flags)
    assert (flag.status, flag.threshold, flag.value) == (status, threshold, count)


def test_each_figure_finds_the_flag_that_judges_it() -> None:
    # The PDF bands the HHI figures by the levels of the flag found this way.
    assert flag_definition("derivatives.open_interest_hhi").id == "oi_concentration"
    assert flag_definition("lending.lender_hhi").id == "lender_concentration"
    assert [flag_definition(definition.metric) for definition in FLAG_DEFINITIONS] == list(FLAG_DEFINITIONS)
