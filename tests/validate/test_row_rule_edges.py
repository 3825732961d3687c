"""Every row rule of the contract on both sides of its edge: exactly at the edge gives no finding, just past it does.

The conformance set shows each rule firing once, far from its edge; these cases pin where it starts. Each
starts from a valid base of the conformance set and changes cells of one row of one table.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError

from reporting.contract import TABLES, IncidentRow
from reporting.findings import CATALOGUE
from reporting.validate.folder import validate_folder
from tests.validate.cases import BASES


def notional(value: str) -> dict[str, str]:
    """A liquidation of 1 unit at 1,000.00 US dollars, with its notional_usd."""
    return {"quantity": "1", "price_usd": "1000", "notional_usd": value}


# (base, table, the cells changed in its row 0, the row-rule finding expected on that row, or None)
EDGES = {
    # notional_usd may differ from quantity x price_usd (here 1,000.00) by up to 0.5 %, either way.
    "notional-0.5%-above": ("cex", "liquidations", notional("1005.00"), None),
    "notional-over-0.5%-above": ("cex", "liquidations", notional("1005.01"), "notional-mismatch"),
    "notional-0.5%-below": ("cex", "liquidations", notional("995.00"), None),
    "notional-over-0.5%-below": ("cex", "liquidations", notional("994.99"), "notional-mismatch"),
    "funding-rate-0.05": ("cex", "open_interest", {"funding_rate": "0.05"}, None),
    "funding-rate-over-0.05": ("cex", "open_interest", {"funding_rate": "0.0500001"}, "funding-rate-extreme"),
    "funding-rate-minus-0.05": ("cex", "open_interest", {"funding_rate": "-0.05"}, None),
    "funding-rate-under-minus-0.05": ("cex", "open_interest", {"funding_rate": "-0.0500001"}, "funding-rate-extreme"),
    "funding-on-a-perpetual": ("cex", "open_interest", {"contract_type": "perpetual"}, None),
    "funding-on-a-future": ("cex", "open_interest", {"contract_type": "future"}, "funding-not-perpetual"),
    "cross-margin-equal-to-balance": ("cex", "collateral", {"cross_margin_usd": "900000000.00"}, None),
    "cross-margin-over-balance": ("cex", "collateral", {"cross_margin_usd": "900000000.01"},
                                  "cross-margin-above-balance"),
    "detected-at-start": ("cex", "incidents", {"detected_at": "2025-11-21T02:00:00Z"}, None),
    "detected-1s-before-start": ("cex", "incidents", {"detected_at": "2025-11-21T01:59:59Z"}, "detected-before-start"),
    "resolved-at-start": ("cex", "incidents", {"detected_at": "2025-11-21T02:00:00Z",
                                               "resolved_at": "2025-11-21T02:00:00Z"}, None),
    "resolved-1s-before-start": ("cex", "incidents", {"detected_at": "2025-11-21T02:00:00Z",
                                                      "resolved_at": "2025-11-21T01:59:59Z"}, "resolved-before-start"),
    "secured-collateral-0.01": ("cefi_lender", "loans", {"collateral_usd": "0.01"}, None),
    "secured-collateral-0": ("cefi_lender", "loans", {"collateral_usd": "0.00"}, "collateral-zero-secured"),
    "unsecured-collateral-0": ("cefi_lender", "loans", {"collateral_asset": "NONE", "collateral_usd": "0.00"}, None),
    "unsecured-collateral-0.01": ("cefi_lender", "loans", {"collateral_asset": "NONE", "collateral_usd": "0.01"},
                                  "collateral-unsecured-nonzero"),
    "funded-onchain-equal-to-borrowed": ("cefi_lender", "loans", {"funded_onchain_usd": "5000000000.00"}, None),
    "funded-onchain-over-borrowed": ("cefi_lender", "loans", {"funded_onchain_usd": "5000000000.01"},
                                     "funded-onchain-above-borrowed"),
    "borrowed-equal-to-supplied": ("defi_protocol", "loans", {"supplied_usd": "5000000000.00"}, None),
    "borrowed-over-supplied": ("defi_protocol", "loans", {"supplied_usd": "4999999999.99"}, "borrowed-above-supplied"),
    "crypto-backed-equal-to-supply": ("cdp_issuer", "cdp_supply", {"crypto_backed_supply_usd": "5000000000.00"}, None),
    "crypto-backed-over-supply": ("cdp_issuer", "cdp_supply", {"crypto_backed_supply_usd": "5000000000.01"},
                                  "crypto-backed-above-supply"),
    "maturity-a-day-after-issue": ("dat", "dat_debt", {"maturity_date": "2024-03-02"}, None),
    "maturity-on-issue": ("dat", "dat_debt", {"maturity_date": "2024-03-01"}, "maturity-not-after-issue"),
    "maturity-before-issue": ("dat", "dat_debt", {"maturity_date": "2024-02-29"}, "maturity-not-after-issue"),
}  # fmt: skip


@pytest.mark.parametrize("case", EDGES)
def test_a_row_rule_starts_just_past_its_edge(case: str, tmp_path: Path) -> None:
    base, table, cells, expected = EDGES[case]
    document = copy.deepcopy(BASES[base])
    document["tables"][table][0].update(cells)
    path = tmp_path / f"{case}.json"
    path.write_text(json.dumps(document))
    [submission] = validate_folder(path, "2025-11")
    found = [(f.table, f.row, f.code) for f in submission.findings]
    assert found == ([] if expected is None else [(table, 0, expected)])


@pytest.mark.parametrize("case", EDGES)
def test_the_model_applies_the_same_edges_one_row_at_a_time(case: str) -> None:
    """The row-by-row path (a model validating one row): an error rule refuses the row, a warning rule does not."""
    base, table, cells, expected = EDGES[case]
    row = {**BASES[base]["tables"][table][0], **cells}
    if row.get("funding_interval_hours") is not None:  # a choice among integers is given as a number
        row["funding_interval_hours"] = int(row["funding_interval_hours"])
    if expected is None or CATALOGUE[expected].severity == "warning":
        TABLES[table].model_validate(row)
    else:
        with pytest.raises(ValidationError, match=expected):
            TABLES[table].model_validate(row)


@pytest.mark.parametrize(
    ("detected_at", "refused"),
    [("2025-11-21T03:00:00+01:00", False), ("2025-11-21T02:59:59+01:00", True), ("2025-11-20T21:00:00-05:00", False)],
)
def test_the_model_compares_timestamps_across_zones(detected_at: str, refused: bool) -> None:
    # The base incident starts at 2025-11-21T02:00:00Z.
    row = {**BASES["cex"]["tables"]["incidents"][0], "detected_at": detected_at}
    if refused:
        with pytest.raises(ValidationError, match="detected-before-start"):
            IncidentRow.model_validate(row)
    else:
        assert IncidentRow.model_validate(row).detected_at == datetime(2025, 11, 21, 2, tzinfo=UTC)
