"""Format 1.1 tickers: the issuer's letter case kept and compared exactly, in every container and in the metrics."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from reporting.config import load_thresholds
from reporting.metrics import compute_metrics, count_coverage
from reporting.sample.write import write_submission
from reporting.validate.folder import validate_folder
from tests.validate.cases import BASES, DEFI_LOAN
from tests.validate.test_equivalence import CONTAINERS

ISSUER_CASED = [
    {**DEFI_LOAN, "market": "Prime", "loan_asset": "USDC.e", "collateral_asset": "weETH"},
    {**DEFI_LOAN, "market": "Core", "loan_asset": "crvUSD", "collateral_asset": "cbBTC"},
    {
        **DEFI_LOAN,
        "market": "Core",
        "loan_asset": "USDC",
        "collateral_asset": "WEETH",
        "collateral_usd": "6000000000.00",
    },
]


def lender(loans: list[dict[str, Any]], schema_version: str = "1.1") -> tuple[dict[str, Any], dict[str, pd.DataFrame]]:
    doc = copy.deepcopy(BASES["defi_protocol"])
    doc["submission"]["schema_version"] = schema_version
    return doc["submission"], {"loans": pd.DataFrame(loans)}


def validated(header: dict[str, Any], tables: dict[str, pd.DataFrame], path: Path, container: str, fmt: str):
    [submission] = validate_folder(write_submission(header, tables, path, container, fmt), "2025-11")  # type: ignore[arg-type]
    return submission


@pytest.mark.parametrize(("container", "fmt", "suffix"), CONTAINERS, ids=[f"{c}-{f}" for c, f, _ in CONTAINERS])
def test_issuer_cased_tickers_are_accepted_as_written(container: str, fmt: str, suffix: str, tmp_path: Path) -> None:
    header, tables = lender(ISSUER_CASED[:2])
    submission = validated(header, tables, tmp_path / f"lender{suffix}", container, fmt)
    assert submission.status == "accepted"
    assert submission.findings == []
    loans = submission.tables["loans"]
    assert list(loans["loan_asset"].astype(str)) == ["USDC.e", "crvUSD"]
    assert list(loans["collateral_asset"].astype(str)) == ["weETH", "cbBTC"]


@pytest.mark.parametrize(("container", "fmt", "suffix"), CONTAINERS, ids=[f"{c}-{f}" for c, f, _ in CONTAINERS])
def test_weth_beside_its_lower_case_gives_exactly_one_warning(
    container: str, fmt: str, suffix: str, tmp_path: Path
) -> None:
    loans = [
        {**DEFI_LOAN, "market": "a", "collateral_asset": "WETH"},
        {**DEFI_LOAN, "market": "b", "collateral_asset": "weth"},
        {**DEFI_LOAN, "market": "c", "loan_asset": "weth", "collateral_asset": "WBTC"},
    ]
    header, tables = lender(loans)
    submission = validated(header, tables, tmp_path / f"lender{suffix}", container, fmt)
    assert submission.status == "accepted"
    first = 0 if container == "json" else 2
    [finding] = submission.findings
    assert (finding.code, finding.table, finding.row, finding.column, finding.value) == (
        "ticker-case-variant",
        "loans",
        first + 1,
        "collateral_asset",
        "weth",
    )
    assert f"'WETH' (loans.collateral_asset, row {first})" in finding.message


def test_no_warning_for_tickers_that_differ_by_more_than_case(tmp_path: Path) -> None:
    loans = [
        {**DEFI_LOAN, "market": "a", "collateral_asset": "ETH"},
        {**DEFI_LOAN, "market": "b", "collateral_asset": "WETH"},
        {**DEFI_LOAN, "market": "c", "collateral_asset": "wstETH"},
    ]
    submission = validated(*lender(loans), tmp_path / "lender.json", "json", "csv")
    assert submission.findings == []


@pytest.mark.parametrize(
    ("ticker", "accepted"),
    [
        ("1000PEPE", True),
        ("A" * 20, True),
        ("A" * 21, False),
        (".ETH", False),
        ("USDC-e", False),
        ("USD C", False),
        ("stETH", True),
    ],
)
def test_the_ticker_rule(ticker: str, accepted: bool, tmp_path: Path) -> None:
    submission = validated(*lender([{**DEFI_LOAN, "loan_asset": ticker}]), tmp_path / "lender.json", "json", "csv")
    assert submission.status == ("accepted" if accepted else "rejected")
    assert [f.code for f in submission.findings] == ([] if accepted else ["value-pattern"])


@pytest.mark.parametrize(("version", "accepted"), [("1.0", True), ("1.1", True), ("1.2", False)])
def test_schema_version(version: str, accepted: bool, tmp_path: Path) -> None:
    submission = validated(*lender([DEFI_LOAN], version), tmp_path / "lender.json", "json", "csv")
    assert submission.status == ("accepted" if accepted else "rejected")


def test_none_is_unsecured_only_in_upper_case(tmp_path: Path) -> None:
    """NONE keeps its meaning; `none` is a ticker like any other, so a zero collateral on it is an error."""
    unsecured = {**DEFI_LOAN, "market": "unsecured", "collateral_usd": "0.00"}
    header, tables = lender([{**unsecured, "collateral_asset": "NONE"}, {**unsecured, "collateral_asset": "none"}])
    submission = validated(header, tables, tmp_path / "lender.json", "json", "csv")
    assert sorted((f.code, f.row) for f in submission.findings) == [
        ("collateral-zero-secured", 1),
        ("ticker-case-variant", 1),
    ]


def test_the_metrics_count_weeth_and_WEETH_as_two_assets(tmp_path: Path) -> None:
    header, tables = lender(ISSUER_CASED)
    path = tmp_path / "lender.json"
    write_submission(header, tables, path, "json")
    submissions = validate_folder(path, "2025-11")
    assert [f.code for f in submissions[0].findings] == ["ticker-case-variant"]
    lending = compute_metrics(submissions, "2025-11", load_thresholds(), coverage=count_coverage(submissions))
    assert lending.to_dict()["lending"]["collateral_by_asset"] == {"weETH": 8e9, "cbBTC": 8e9, "WEETH": 6e9}
