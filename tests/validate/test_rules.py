"""Row rules and cross-table rules: each carries its message, and its severity comes from the catalogue alone."""

from __future__ import annotations

import itertools
import typing

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from pydantic import ValidationError

from reporting.contract import HEADER_TABLE, TABLES, EntityType, Header, LoanRow
from reporting.findings import CATALOGUE
from reporting.ingest.model import RawTable
from reporting.validate.columns import TableCheck
from reporting.validate.log import FindingLog
from reporting.validate.submission import CROSS_TABLE_RULES, OneRow, _unknown
from tests.validate.cases import HEADER

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


IDENTITY_VALUES = {
    "lei": [None, "5493001KJTIIGC8Y1R12", "5493001KJTIIGC8Y1R13", "5493001kjtiigc8y1r12", ""],
    "entity_type": [*typing.get_args(EntityType), "CEX", None],
    "jurisdiction": [None, "IE", "ie"],
}
RESTATEMENT_VALUES = {
    "restates": [None, "6f1c2a10-3b4d-4e5f-8a9b-0c1d2e3f4a5b", "x" * 65],
    "restatement_reason": [None, "A late correction.", ""],
}


def test_header_rules_read_the_one_row_view_as_they_read_the_typed_table() -> None:
    """The header's rules run on `OneRow` (one-value columns made when read) instead of a DataFrame of the typed
    header: on every combination of the identity values they read, valid or not, each with one of the combinations
    of the restatement values in turn, each rule flags exactly what it flags on the DataFrame of `check_columns`."""
    identities = [
        dict(zip(IDENTITY_VALUES, values, strict=True)) for values in itertools.product(*IDENTITY_VALUES.values())
    ]
    restatements = [
        dict(zip(RESTATEMENT_VALUES, values, strict=True)) for values in itertools.product(*RESTATEMENT_VALUES.values())
    ]
    flagged = set()
    for identity, restatement in zip(identities, itertools.cycle(restatements), strict=False):
        header = HEADER | identity | restatement
        data = pa.table({name: pa.array([value], pa.string()) for name, value in header.items()})
        raw = RawTable(HEADER_TABLE, "submission.json", data, first_row=0)
        typed = TableCheck(raw, FindingLog()).check_typed_columns(Header)
        frame = TableCheck(raw, FindingLog()).check_columns(Header)
        for rule in Header.rules:
            on_frame = rule.violated(frame).fillna(False).to_numpy(dtype=bool)
            on_row = rule.violated(OneRow(typed)).fillna(False).to_numpy(dtype=bool)
            assert on_row.tolist() == on_frame.tolist(), (rule.code, header)
            flagged |= {rule.code} if on_row.any() else set()
    assert flagged == {rule.code for rule in Header.rules}  # every rule is broken by some header


@pytest.mark.parametrize(
    "known",
    [["BTCUSD", "ETHUSD"], ["BTCUSD"], ["SOLUSD"], [], pd.Categorical(["ETHUSD"])],
    ids=["all-known", "one-unknown", "none-known", "nothing-known", "known-coded"],
)
def test_references_are_looked_up_alike_in_a_coded_and_a_text_column(known: object) -> None:
    """A coded (ticker) column is looked up once per category; it flags the same rows as its text, nulls never."""
    text = pd.Series(["BTCUSD", None, "ETHUSD", "BTCUSD", "ETHUSD"], dtype=object)
    coded = text.astype("category")
    expected = (text.notna() & ~text.isin(list(known))).to_numpy(dtype=bool)  # type: ignore[call-overload]
    for values in (text, coded):
        flagged = _unknown(values, known)  # type: ignore[arg-type]
        assert np.asarray(flagged, dtype=bool).tolist() == expected.tolist()
