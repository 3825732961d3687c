"""Lending figures on a hand-computed fixture, and the published lender-concentration figure."""

from __future__ import annotations

import pandas as pd
import pytest

from reporting.config import load_thresholds
from reporting.metrics import compute_metrics, count_coverage
from reporting.metrics.concentration import compute_hhi
from tests.metrics.factories import PERIOD, make_submission

TETHER = make_submission(
    "Tether Lend",
    "cefi_lender",
    loans=[
        {"loan_asset": "USDT", "collateral_asset": "BTC", "borrowed_usd": 570.20, "collateral_usd": 1000.0,
         "funded_onchain_usd": 100.0},
        {"loan_asset": "USDT", "collateral_asset": "NONE", "borrowed_usd": 50.0, "collateral_usd": 0.0},
    ],
)  # fmt: skip
NEXO = make_submission(
    "Nexo",
    "cefi_lender",
    loans=[{"loan_asset": "USDC", "collateral_asset": "ETH", "borrowed_usd": 110.20, "collateral_usd": 200.0}],
)
AAVE = make_submission(
    "Aave",
    "defi_protocol",
    loans=[{"chain": "ethereum", "loan_asset": "USDC", "collateral_asset": "WETH", "borrowed_usd": 300.0,
            "collateral_usd": 400.0, "supplied_usd": 500.0}],
)  # fmt: skip
SKY = make_submission(
    "Sky",
    "cdp_issuer",
    cdp_supply=[{"stablecoin": "DAI", "total_supply_usd": 100.0, "crypto_backed_supply_usd": 80.0,
                 "collateral_usd": 150.0}],
)  # fmt: skip
STRATEGY = make_submission(
    "Strategy",
    "dat",
    dat_debt=[
        {"instrument_id": "c1", "principal_usd": 1000.0},
        {"instrument_id": "c2", "instrument": "term_loan", "principal_usd": 500.0},
    ],
)
SUBMISSIONS = [TETHER, NEXO, AAVE, SKY, STRATEGY]


@pytest.fixture(scope="module")
def lending() -> dict:
    metrics = compute_metrics(SUBMISSIONS, PERIOD, load_thresholds(), coverage=count_coverage(SUBMISSIONS))
    return metrics.to_dict()["lending"]


def test_debt_totals(lending: dict) -> None:
    # cefi = 570.20 + 110.20 (the unsecured 50 is left out); defi = 300; cdp = 80 (crypto-backed part).
    assert lending["cefi_usd"] == 680.40
    assert lending["defi_usd"] == 300.0
    assert lending["cdp_usd"] == 80.0
    assert lending["crypto_collateralized_usd"] == 1060.40
    assert lending["unsecured_usd"] == 50.0
    assert lending["onchain_share"] == pytest.approx(380 / 1060.40, rel=1e-12)
    assert lending["double_count_usd"] == 100.0
    assert lending["crypto_collateralized_adjusted_usd"] == 960.40
    assert lending["dat_debt_usd"] == 1500.0
    assert lending["total_industry_debt_usd"] == 2560.40


def test_lender_concentration(lending: dict) -> None:
    assert lending["by_lender"] == {"Aave": 300.0, "Nexo": 110.20, "Sky": 80.0, "Tether Lend": 570.20}
    expected = sum((100 * x / 1060.40) ** 2 for x in (300.0, 110.20, 80.0, 570.20))
    assert lending["lender_hhi"] == pytest.approx(expected, rel=1e-12)
    assert lending["top_lender"] == {"name": "Tether Lend", "share": pytest.approx(570.20 / 1060.40, rel=1e-12)}
    # CeFi only: Tether Lend 570.20 and Nexo 110.20 of 680.40.
    assert lending["cefi_lender_hhi"] == pytest.approx(
        ((100 * 570.20 / 680.40) ** 2 + (100 * 110.20 / 680.40) ** 2), rel=1e-12
    )


def test_collateral_and_ltv(lending: dict) -> None:
    assert lending["collateral_by_asset"] == {"BTC": 1000.0, "ETH": 200.0, "WETH": 400.0}
    # (570.20 + 110.20 + 300) / (1000 + 200 + 400).
    assert lending["weighted_ltv"] == pytest.approx(980.40 / 1600, rel=1e-12)


def test_missing_lender_types_are_null_not_zero() -> None:
    metrics = compute_metrics([STRATEGY], PERIOD, load_thresholds(), coverage=count_coverage([STRATEGY])).to_dict()
    lending = metrics["lending"]
    assert lending["dat_debt_usd"] == 1500.0
    assert lending["total_industry_debt_usd"] == 1500.0
    for key in ("cefi_usd", "defi_usd", "cdp_usd", "crypto_collateralized_usd", "unsecured_usd", "onchain_share",
                "by_lender", "lender_hhi", "top_lender", "collateral_by_asset", "weighted_ltv"):  # fmt: skip
        assert lending[key] is None, key
    assert metrics["incidents"]["total"] is None  # a DAT sends no incidents table


def test_published_lender_hhi_is_highly_concentrated() -> None:
    # Shares 57.02 %, 11.02 % and 6.24 % (Q2 2025): 57.02² + 11.02² + 6.24² = 3,411.66, "about 3,412";
    # the other 25.72 % spread over 643 lenders of 0.04 % adds 643 × 0.04² = 1.03.
    amounts = pd.Series([5702.0, 1102.0, 624.0] + [4.0] * 643)
    assert compute_hhi(amounts) == pytest.approx(3411.6584 + 1.0288, rel=1e-12)
    # The same through the whole computation, with the rest spread over 26 lenders of 25.72 / 26 %.
    lenders = [
        make_submission(name, "cefi_lender", loans=[{"collateral_asset": "BTC", "borrowed_usd": amount,
                                                     "collateral_usd": 2 * amount}])
        for name, amount in [("Tether", 57_020_000.0), ("Nexo", 11_020_000.0), ("Galaxy", 6_240_000.0)]
        + [(f"Lender {i:02d}", 25_720_000.0 / 26) for i in range(26)]
    ]  # fmt: skip
    metrics = compute_metrics(lenders, PERIOD, load_thresholds(), coverage=count_coverage(lenders)).to_dict()
    expected = 3411.6584 + 26 * (25.72 / 26) ** 2
    assert metrics["lending"]["lender_hhi"] == pytest.approx(expected, rel=1e-6)
    flag = next(flag for flag in metrics["flags"] if flag["id"] == "lender_concentration")
    assert flag["status"] == "red"
    assert flag["reason"] == "lender HHI 3,437 above the red threshold 2,500"
