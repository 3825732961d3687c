"""The three containers are equivalent: one submission as a folder, a workbook and a JSON document
gives the same validated data and the same findings."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from reporting.ingest.read import read_submission
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


def test_findings_do_not_depend_on_the_chunks_a_large_csv_is_read_in(tmp_path: Path) -> None:
    """A CSV table large enough to be parsed in several blocks, checked in two threads, gives the findings of
    the same table sent as one JSON document: text and enum columns are checked chunk by chunk as read."""
    submission = next(s for s in generate_period("2025-11", liquidations=30_000) if s.header["entity_type"] == "cex")
    tables = {name: frame.copy() for name, frame in submission.tables.items()}
    liquidations = tables["liquidations"]
    last = len(liquidations) - 1
    liquidations.loc[5, "method"] = "margin_call"  # not allowed, in the first block
    liquidations.loc[last - 2, "position_side"] = ""  # missing, in the last
    liquidations.loc[last // 2, "event_id"] = "E" * 200  # too long
    liquidations.loc[last - 1, "symbol"] = "NOSUCH"  # not in open_interest
    liquidations.loc[last, "account_ref"] = ""  # missing
    csv = write_submission(submission.header, tables, tmp_path / "csv", "folder", "csv")
    document = write_submission(submission.header, tables, tmp_path / "doc.json", "json", "csv")
    raw = read_submission(csv, tmp_path, threads=2)
    assert raw.tables["liquidations"].data.column("method").num_chunks > 1
    [chunked] = validate_folder(csv, "2025-11", jobs=2)
    [whole] = validate_folder(document, "2025-11")
    assert {"value-not-allowed", "value-missing", "value-too-long", "symbol-unknown"} <= {
        f.code for f in chunked.findings
    }
    assert located(chunked) == located(whole)
    assert [f.value for f in chunked.findings] == [f.value for f in whole.findings]
