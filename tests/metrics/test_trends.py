"""The trends section: series, mom/qoq/yoy and records, on hand-made histories."""

from __future__ import annotations

from reporting.metrics.trends import TREND_PATHS, compute_trends, series_periods

DEBT = "lending.total_industry_debt_usd"


def current(debt: float | None) -> dict[str, dict[str, object]]:
    return {"derivatives": {}, "lending": {"total_industry_debt_usd": debt}, "incidents": {}}


def history(values: dict[str, float | None]) -> dict[str, dict[str, object]]:
    return {period: {DEBT: value} for period, value in values.items()}


def test_series_is_the_13_periods_ending_with_this_one_with_nulls_where_nothing_was_built() -> None:
    trend = compute_trends(current(50.0), "2025-11", history({"2025-10": 40.0, "2024-11": 10.0}))[DEBT]
    assert [point["period"] for point in trend.series] == series_periods("2025-11")
    assert trend.series[0] == {"period": "2024-11", "value": 10.0}
    assert trend.series[-2:] == [{"period": "2025-10", "value": 40.0}, {"period": "2025-11", "value": 50.0}]
    assert [point["value"] for point in trend.series[1:-2]] == [None] * 10
    assert set(compute_trends(current(1.0), "2025-11", {})) == set(TREND_PATHS)


def test_changes_against_1_3_and_12_periods_earlier() -> None:
    earlier = history({"2024-11": 80.0, "2025-08": -50.0, "2025-10": 100.0})
    trend = compute_trends(current(120.0), "2025-11", earlier)[DEBT]
    assert (trend.mom, trend.qoq, trend.yoy) == (0.2, (120.0 + 50.0) / 50.0, 0.5)


def test_changes_are_null_when_the_earlier_value_is_null_or_zero_or_this_one_is_null() -> None:
    trend = compute_trends(current(120.0), "2025-11", history({"2025-10": 0.0, "2025-08": None}))[DEBT]
    assert (trend.mom, trend.qoq, trend.yoy) == (None, None, None)
    trend = compute_trends(current(None), "2025-11", history({"2025-10": 10.0}))[DEBT]
    assert trend.mom is None


def test_record_needs_three_earlier_non_null_values() -> None:
    two = history({"2025-08": 1.0, "2025-09": 2.0, "2025-10": None})
    assert compute_trends(current(9.0), "2025-11", two)[DEBT].record is None
    three = history({"2025-08": 1.0, "2025-09": 2.0, "2025-10": 3.0})
    assert compute_trends(current(9.0), "2025-11", three)[DEBT].record == "high"
    assert compute_trends(current(0.5), "2025-11", three)[DEBT].record == "low"
    assert compute_trends(current(2.5), "2025-11", three)[DEBT].record is None


def test_a_record_is_strictly_above_or_below_every_earlier_value_of_the_whole_history() -> None:
    # The 2023 value is outside the 13-month series but still in the history.
    earlier = history({"2023-01": 10.0, "2025-08": 1.0, "2025-09": 2.0, "2025-10": 3.0})
    assert compute_trends(current(9.0), "2025-11", earlier)[DEBT].record is None
    assert compute_trends(current(10.0), "2025-11", earlier)[DEBT].record is None
    assert compute_trends(current(10.01), "2025-11", earlier)[DEBT].record == "high"
    assert compute_trends(current(1.0), "2025-11", earlier)[DEBT].record is None


def test_periods_after_this_one_are_not_part_of_its_trends() -> None:
    earlier = history({"2025-08": 1.0, "2025-09": 2.0, "2025-10": 3.0, "2025-12": 99.0})
    trend = compute_trends(current(9.0), "2025-11", earlier)[DEBT]
    assert trend.record == "high"
    assert trend.series[-1] == {"period": "2025-11", "value": 9.0}
