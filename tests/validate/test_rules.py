"""Row rules and cross-table rules: each carries its message, and its severity comes from the catalogue alone."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from reporting.contract import TABLES, Header, LoanRow
from reporting.findings import CATALOGUE
from reporting.validate.submission import CROSS_TABLE_RULES

ROW_RULES = [rule for model in (Header, *TABLES.values()) for rule in model.rules]


@pytest.mark.parametrize("rule", [*ROW_RULES, *CROSS_TABLE_RULES], ids=lambda rule: rule.code)
def test_every_rule_has_a_catalogued_code_and_a_message(rule: object) -> None:
    assert rule.code in CATALOGUE  # type: ignore[attr-defined]
    assert rule.message.endswith(".")  # type: ignore[attr-defined]


LOAN = {
    "chain": "ethereum",
    "market": "main",
    "loan_asset": "USDC",
    "collateral_asset": "ETH",
    "borrowed_usd": "100.00",
    "collateral_usd": "150.00",
    "supplied_usd": "200.00",
    "liquidation_ltv": 0.8,
    "funded_onchain_usd": None,
}


def test_row_by_row_a_warning_rule_passes_and_an_error_rule_rejects() -> None:
    # borrowed-above-supplied is a warning in the catalogue: the row is still valid.
    assert CATALOGUE["borrowed-above-supplied"].severity == "warning"
    LoanRow.model_validate({**LOAN, "supplied_usd": "50.00"})
    # funded-onchain-above-borrowed is an error: the row is refused, naming the code.
    assert CATALOGUE["funded-onchain-above-borrowed"].severity == "error"
    with pytest.raises(ValidationError, match="funded-onchain-above-borrowed"):
        LoanRow.model_validate({**LOAN, "funded_onchain_usd": "120.00"})
