"""Changes against the prior period, and the debt_growth flag that reads them."""

from __future__ import annotations

import pytest

from reporting.config import load_thresholds
from reporting.metrics import compute_metrics, count_coverage
from reporting.metrics.changes import CHANGE_KEYS, Change, compute_change
from tests.metrics.factories import PERIOD, make_submission

DAT = make_submission("Strategy", "dat", dat_debt=[{"instrument_id": "c1", "principal_usd": 1200.0}])


def compute(prior: dict | None) -> dict:
    return compute_metrics([DAT], PERIOD, load_thresholds(), coverage=count_coverage([DAT]), prior=prior).to_dict()


def test_no_prior_gives_empty_changes() -> None:
    assert compute(None)["changes"] == {}


def test_changes_have_a_fixed_shape() -> None:
    changes = compute({"lending": {"total_industry_debt_usd": 1000.0}})["changes"]
    assert {section: list(figures) for section, figures in changes.items()} == {
        section: list(keys) for section, keys in CHANGE_KEYS.items()
    }
    # Current 1,200 against 1,000: +200, +20 % → debt_growth amber (above 10 %, not above 25 %).
    assert changes["lending"]["total_industry_debt_usd"] == {"prior": 1000.0, "change": 200.0, "change_pct": 0.2}
    assert changes["lending"]["dat_debt_usd"] == {"prior": None, "change": None, "change_pct": None}
    # Current null (no venue), prior given: no change.
    assert changes["derivatives"]["open_interest_usd"] == {"prior": None, "change": None, "change_pct": None}


def test_debt_growth_flag_reads_change_pct() -> None:
    flags = {flag["id"]: flag for flag in compute({"lending": {"total_industry_debt_usd": 1000.0}})["flags"]}
    assert flags["debt_growth"]["status"] == "amber"
    assert flags["debt_growth"]["value"] == pytest.approx(0.2)
    flags = {flag["id"]: flag for flag in compute({"lending": {"total_industry_debt_usd": 900.0}})["flags"]}
    assert flags["debt_growth"]["status"] == "red"  # +33 %


def test_prior_zero_gives_null_change_pct() -> None:
    metrics = compute({"lending": {"total_industry_debt_usd": 0.0}})
    assert metrics["changes"]["lending"]["total_industry_debt_usd"] == {
        "prior": 0.0,
        "change": 1200.0,
        "change_pct": None,
    }
    debt_growth = next(flag for flag in metrics["flags"] if flag["id"] == "debt_growth")
    assert debt_growth["status"] == "n/a"


def test_prior_values_that_are_not_numbers_count_as_missing() -> None:
    changes = compute({"lending": {"total_industry_debt_usd": "1000"}, "derivatives": [1, 2]})["changes"]
    assert changes["lending"]["total_industry_debt_usd"]["prior"] is None


def test_compute_change() -> None:
    # Money is rounded to cents; change_pct is relative to |prior|, so a rise from a negative rate is positive.
    # 10.10 − 10.0 is 0.0999999999999996 in binary floating point: money changes are given in cents.
    assert compute_change(10.10, 10.0, money=True) == Change(prior=10.0, change=0.1, change_pct=pytest.approx(0.01))
    assert compute_change(1234.56, 1000.0, money=True).change == 234.56
    assert compute_change(0.3, 0.1, money=False).change == pytest.approx(0.2)
    assert compute_change(-0.1, -0.2, money=False).change_pct == pytest.approx(0.5)
    assert compute_change(None, 1.0, money=False).change is None
