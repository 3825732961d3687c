"""The three containers are equivalent: one submission as a folder, a workbook and a JSON document
gives the same validated data and the same findings."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from reporting.sample.generate import generate_period
from reporting.sample.write import write_submission
from reporting.validate.folder import validate_folder

CONTAINERS = [("folder", "csv", ""), ("folder", "parquet", ""), ("workbook", "csv", ".xlsx"), ("json", "csv", ".json")]


@pytest.fixture(scope="module")
def venue():
    """A generated exchange submission with every table, and some mistakes a submitter makes."""
    submission = next(s for s in generate_period("2025-11", liquidations=2_000) if s.header["entity_type"] == "cex")
    tables = {name: frame.copy() for name, frame in submission.tables.items()}
    assert set(tables) >= {"open_interest", "liquidations", "collateral", "leverage_bands", "incidents"}
    liquidations = tables["liquidations"]
    liquidations.loc[3, "notional_usd"] = round(liquidations.loc[3, "notional_usd"] * 1.5, 2)  # a warning
    liquidations.loc[7, "event_id"] = liquidations.loc[6, "event_id"]  # an error
    tables["collateral"].loc[0, "cross_margin_usd"] = tables["collateral"].loc[0, "balance_usd"] + 1  # an error
    return submission.header, tables


def located(submission) -> list[tuple[object, ...]]:
    """Findings with rows as data-row indexes: JSON counts rows from 0, CSV and sheets from 2."""
    first = {"json": 0}.get(submission.container, 2)
    return sorted((f.code, f.table, None if f.row is None else f.row - first, f.column) for f in submission.findings)


def test_containers_give_identical_validated_data_and_findings(venue, tmp_path: Path) -> None:
    header, tables = venue
    results = []
    for container, table_format, suffix in CONTAINERS:
        path = write_submission(
            header, tables, tmp_path / f"{container}-{table_format}{suffix}", container, table_format
        )
        [submission] = validate_folder(path, "2025-11")
        results.append(submission)
    first = results[0]
    assert first.status == "rejected"
    assert {f.code for f in first.findings} == {"notional-mismatch", "duplicate-key", "cross-margin-above-balance"}
    for other in results[1:]:
        assert other.status == first.status
        assert other.header == first.header
        assert located(other) == located(first), other.container
        assert other.tables.keys() == first.tables.keys()
        for name in first.tables:
            pd.testing.assert_frame_equal(other.tables[name], first.tables[name], check_exact=True, obj=name)
