"""Flags: every status reachable, n/a for null metrics, thresholds and reasons, all from the registry."""

from __future__ import annotations

from typing import Any

import pytest

from reporting.config import Band, FlagThresholds, Level, load_thresholds
from reporting.metrics.flags import FLAGS, RULES, Flag, compute_flags

THRESHOLDS = load_thresholds().flags
FLAG_IDS = [
    "oi_concentration",
    "liquidation_imbalance",
    "funding_stress",
    "high_leverage",
    "lender_concentration",
    "major_incident",
    "incident_in_liquidation_window",
    "debt_growth",
    "adl_activation",
    "false_liquidations",
    "cross_margin_cascade",
    "self_priced_collateral",
]
EMPTY: dict[str, Any] = {"derivatives": {}, "lending": {}, "incidents": {}, "changes": {}}


def flag_on(
    flag_id: str, figures: dict[str, Any], thresholds: FlagThresholds = THRESHOLDS, has_prior: bool = True
) -> Flag:
    """The flag `flag_id` computed on `figures` (sections missing from them are empty)."""
    flags = compute_flags({**EMPTY, **figures}, has_prior=has_prior, thresholds=thresholds)
    return next(flag for flag in flags if flag.id == flag_id)


def with_levels(flag_id: str, levels: Level | Band) -> FlagThresholds:
    return FlagThresholds(**{**THRESHOLDS.__dict__, flag_id: levels})


def test_registry_lists_the_specification_flags_in_order_with_a_known_rule() -> None:
    assert [definition.id for definition in FLAGS] == FLAG_IDS
    assert all(definition.rule in RULES for definition in FLAGS)
    assert [field for field in FlagThresholds.__dataclass_fields__] == FLAG_IDS


@pytest.mark.parametrize(
    ("value", "status", "threshold"),
    [(3412.0, "red", 2500), (2500.0, "amber", 1500), (1500.0, "green", 1500), (None, "n/a", 1500)],
)
def test_hhi_flag_statuses(value: float | None, status: str, threshold: float) -> None:
    flag = flag_on("oi_concentration", {"derivatives": {"open_interest_hhi": value}})
    assert (flag.status, flag.threshold, flag.value, flag.metric) == (
        status,
        threshold,
        value,
        "derivatives.open_interest_hhi",
    )


def test_hhi_flag_reason() -> None:
    flag = flag_on("lender_concentration", {"lending": {"lender_hhi": 3412.0}})
    assert flag.reason == "lender HHI 3,412 above the red threshold 2,500"


def test_above_without_amber_level_is_green_up_to_red() -> None:
    thresholds = with_levels("high_leverage", Level(red=0.25, amber=None))
    at_red = flag_on("high_leverage", {"derivatives": {"high_leverage_oi_share": 0.25}}, thresholds)
    above = flag_on("high_leverage", {"derivatives": {"high_leverage_oi_share": 0.2501}}, thresholds)
    assert (at_red.status, at_red.threshold) == ("green", 0.25)
    assert at_red.reason == "share of open interest at 25x leverage or more 25.0 % not above the threshold 25.0 %"
    assert above.status == "red"


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
    flag = flag_on("liquidation_imbalance", {"derivatives": {"liquidations_long_share": share}})
    assert (flag.status, flag.threshold) == (status, threshold)


def test_liquidation_imbalance_reason_names_the_side() -> None:
    flag = flag_on("liquidation_imbalance", {"derivatives": {"liquidations_long_share": 0.15}})
    assert flag.reason == "long share of liquidations 15.0 % below the red threshold 20.0 %"
    flag = flag_on("liquidation_imbalance", {"derivatives": {"liquidations_long_share": 0.5}})
    assert flag.reason == "long share of liquidations 50.0 % within 35.0 % to 65.0 %"


@pytest.mark.parametrize(
    ("rate", "status"), [(-0.7, "red"), (0.61, "red"), (-0.45, "amber"), (0.3, "green"), (0.0, "green"), (None, "n/a")]
)
def test_funding_stress_uses_absolute_value(rate: float | None, status: str) -> None:
    flag = flag_on("funding_stress", {"derivatives": {"funding_rate_annualized": rate}})
    assert flag.status == status
    assert flag.value == rate


def test_funding_stress_reason() -> None:
    flag = flag_on("funding_stress", {"derivatives": {"funding_rate_annualized": -0.45}})
    assert flag.reason == "annualized funding rate \u221245.0 %, in absolute value above the amber threshold 30.0 %"


@pytest.mark.parametrize(
    ("by_severity", "status", "metric", "value"),
    [
        ({"major": 2, "significant": 5, "minor": 0}, "red", "incidents.by_severity.major", 2),
        ({"major": 1, "significant": 0, "minor": 0}, "red", "incidents.by_severity.major", 1),
        ({"major": 0, "significant": 1, "minor": 3}, "amber", "incidents.by_severity.significant", 1),
        ({"major": 0, "significant": 0, "minor": 3}, "green", "incidents.by_severity.major", 0),
        (None, "n/a", "incidents.by_severity.major", None),
    ],
)
def test_major_incident(by_severity: dict | None, status: str, metric: str, value: int | None) -> None:
    flag = flag_on("major_incident", {"incidents": {"by_severity": by_severity}})
    assert (flag.status, flag.metric, flag.value) == (status, metric, value)


def test_major_incident_reasons() -> None:
    red = flag_on("major_incident", {"incidents": {"by_severity": {"major": 1, "significant": 0, "minor": 0}}})
    green = flag_on("major_incident", {"incidents": {"by_severity": {"major": 0, "significant": 0, "minor": 2}}})
    assert red.reason == "1 major incident, at least the red threshold 1"
    assert green.reason == "no major incidents and no significant incidents, below the thresholds"


@pytest.mark.parametrize(
    ("count", "level", "status", "threshold"),
    [
        (1, Level(red=1, amber=None), "red", 1),
        (0, Level(red=1, amber=None), "green", 1),
        (None, Level(red=1, amber=None), "n/a", 1),
        (1, Level(red=2, amber=1), "amber", 1),
        (0, Level(red=2, amber=1), "green", 1),
        (2, Level(red=2, amber=1), "red", 2),
    ],
)
def test_incident_in_liquidation_window(count: int | None, level: Level, status: str, threshold: int) -> None:
    thresholds = with_levels("incident_in_liquidation_window", level)
    flag = flag_on("incident_in_liquidation_window", {"incidents": {"in_peak_liquidation_window": count}}, thresholds)
    assert (flag.status, flag.threshold) == (status, threshold)


def test_incident_in_liquidation_window_reason() -> None:
    flag = flag_on("incident_in_liquidation_window", {"incidents": {"in_peak_liquidation_window": 0}})
    assert flag.reason == "no incidents in the peak 24-hour liquidation window, below the threshold 1"


def test_all_flags_in_spec_order_and_na_without_data() -> None:
    flags = compute_flags(EMPTY, has_prior=False, thresholds=THRESHOLDS)
    assert [flag.id for flag in flags] == FLAG_IDS
    assert {flag.status for flag in flags} == {"n/a"}
    assert flags[7].reason == "change in total industry debt not available (no prior period given)"


def test_debt_growth_null_with_a_prior_says_why() -> None:
    flag = flag_on("debt_growth", {}, has_prior=True)
    assert flag.reason == (
        "change in total industry debt not available (total industry debt not available in both periods)"
    )


@pytest.mark.parametrize(("change_pct", "status"), [(0.30, "red"), (0.25, "amber"), (0.10, "green"), (-0.5, "green")])
def test_debt_growth(change_pct: float, status: str) -> None:
    changes = {"lending": {"total_industry_debt_usd": {"change_pct": change_pct}}}
    flag = flag_on("debt_growth", {"changes": changes})
    assert flag.status == status
    assert flag.metric == "changes.lending.total_industry_debt_usd.change_pct"


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
        "changes": {"lending": {"total_industry_debt_usd": {"change_pct": 0.5}}},
    }
    flags = compute_flags(figures, has_prior=True, thresholds=THRESHOLDS)
    assert [flag.status for flag in flags][:8] == ["red", "amber", "green", "n/a", "amber", "green", "red", "red"]


# The crash-mechanics flags (1.1), each on both sides of its red and amber levels.
CRASH_CASES = [
    ("adl_activation", {"derivatives": {"liquidations_method_share": {"adl": 0.0501}}}, "red", 0.05),
    ("adl_activation", {"derivatives": {"liquidations_method_share": {"adl": 0.05}}}, "amber", 0.01),
    ("adl_activation", {"derivatives": {"liquidations_method_share": {"adl": 0.01}}}, "green", 0.01),
    ("adl_activation", {"derivatives": {"liquidations_method_share": None}}, "n/a", 0.01),
    ("false_liquidations", {"incidents": {"false_liquidations_usd": 10_000_000.01}}, "red", 10_000_000),
    ("false_liquidations", {"incidents": {"false_liquidations_usd": 10_000_000.0}}, "amber", 0),
    ("false_liquidations", {"incidents": {"false_liquidations_usd": 0.01}}, "amber", 0),
    ("false_liquidations", {"incidents": {"false_liquidations_usd": 0.0}}, "green", 0),
    ("false_liquidations", {"incidents": {"false_liquidations_usd": None}}, "n/a", 0),
    ("cross_margin_cascade", {"derivatives": {"cross_margin_liquidation_share": 0.5001}}, "red", 0.50),
    ("cross_margin_cascade", {"derivatives": {"cross_margin_liquidation_share": 0.50}}, "amber", 0.30),
    ("cross_margin_cascade", {"derivatives": {"cross_margin_liquidation_share": 0.30}}, "green", 0.30),
    ("self_priced_collateral", {"derivatives": {"self_priced_collateral_share": 0.2501}}, "red", 0.25),
    ("self_priced_collateral", {"derivatives": {"self_priced_collateral_share": 0.25}}, "amber", 0.10),
    ("self_priced_collateral", {"derivatives": {"self_priced_collateral_share": 0.10}}, "green", 0.10),
    ("self_priced_collateral", {"derivatives": {"self_priced_collateral_share": None}}, "n/a", 0.10),
]


@pytest.mark.parametrize(("flag_id", "figures", "status", "threshold"), CRASH_CASES)
def test_crash_mechanics_flags(flag_id: str, figures: dict[str, Any], status: str, threshold: float) -> None:
    flag = flag_on(flag_id, figures)
    assert (flag.status, flag.threshold) == (status, threshold)


def test_crash_mechanics_flag_reasons() -> None:
    adl = flag_on("adl_activation", {"derivatives": {"liquidations_method_share": {"adl": 0.0589}}})
    assert adl.reason == "share of liquidations closed by auto-deleveraging 5.9 % above the red threshold 5.0 %"
    assert adl.metric == "derivatives.liquidations_method_share.adl"
    false = flag_on("false_liquidations", {"incidents": {"false_liquidations_usd": 3_304_988.91}})
    assert false.reason == "false liquidations reported with incidents $3.30M above the amber threshold $0.00"
    collateral = flag_on("self_priced_collateral", {"derivatives": {"self_priced_collateral_share": None}})
    assert collateral.reason == "share of self-priced collateral not available (no venue sent collateral)"
