"""One grammar of written values in every container: the same text gives the same findings in a CSV folder,
a Parquet folder, a workbook and a JSON document (README: "the same written value gives the same result")."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from reporting.validate.folder import validate_folder
from tests.validate.cases import BASES
from tests.validate.containers import CONTAINERS, write_container

OI, INC = "open_interest", "incidents"

WRITTEN = [
    # (table, column, written value, the one code it must give)
    (OI, "open_interest_usd", "1e-3", "value-precision"),
    (OI, "open_interest_usd", "5841595711.150000000001", "value-precision"),
    (OI, "open_interest_usd", " 5.00 ", "value-not-number"),
    (OI, "open_interest_usd", "+5.00", "value-not-number"),
    (OI, "open_interest_usd", "inf", "value-not-number"),
    (OI, "open_interest_usd", "0x7", "value-not-number"),
    (OI, "open_interest_usd", "1e400", "value-out-of-range"),
    (INC, "clients_affected", "0x7", "value-not-integer"),
    (INC, "clients_affected", "+7", "value-not-integer"),
    (INC, "clients_affected", " 7", "value-not-integer"),
    (INC, "clients_affected", "7.0", "value-not-integer"),
    (INC, "clients_affected", "1234567890123456789", "value-out-of-range"),
    (INC, "clients_affected", "99999999999999999999999", "value-out-of-range"),
    (OI, "date", "05.11.2025", "value-not-date"),
    (OI, "date", "0000-11-05", "value-out-of-range"),
    (INC, "started_at", "2300-01-01T00:00:00Z", "value-out-of-range"),
    (INC, "description", "halted\x07", "value-control-character"),
    (INC, "description", "halted\u200b", "value-control-character"),
]
"""Values each container used to read its own way (issue 17, classes 3, 4, 5, 7 and 13)."""


def written_document(table: str, column: str, value: str) -> dict:
    doc = copy.deepcopy(BASES["cex"])
    doc["tables"][table][0][column] = value
    return doc


def located(path: Path) -> set[tuple[object, ...]]:
    [submission] = validate_folder(path, "2025-11")
    first = 0 if submission.container == "json" else 2
    return {(f.table, None if f.row is None else f.row - first, f.column, f.code) for f in submission.findings}


@pytest.mark.parametrize(("table", "column", "value", "code"), WRITTEN, ids=[repr(w[2]) for w in WRITTEN])
def test_a_written_value_gives_one_finding_in_every_container(table, column, value, code, tmp_path: Path) -> None:
    doc = written_document(table, column, value)
    for container in CONTAINERS:
        if container == "xlsx" and value == "halted\x07":
            continue  # a workbook cannot hold BEL: XML 1.0 has no such character
        path = write_container(doc, container, tmp_path / container)
        assert located(path) == {(table, 0, column, code)}, container


@pytest.mark.parametrize(
    ("number", "code"),
    [("1e-3", "value-precision"), ("1.5e1", None), ("5841595711.15", None), ("-1E+2", None), ("Infinity", None)],
)
def test_a_json_number_reads_as_the_same_written_text(number: str, code: str | None, tmp_path: Path) -> None:
    """JSON numbers are written values too: `1e-3` money has three decimals, `1.5e1` none."""
    text = json.dumps(written_document(OI, "open_interest_usd", "@")).replace('"@"', number)
    path = tmp_path / "doc.json"
    path.write_text(text)
    expected = {(OI, 0, "open_interest_usd", code)} if code else set()
    if number == "Infinity":
        expected = {(OI, 0, "open_interest_usd", "value-not-number")}
    elif number == "-1E+2":
        expected = {(OI, 0, "open_interest_usd", "value-out-of-range")}  # open interest is at least 0
    assert located(path) == expected


def test_a_header_timestamp_past_2262_is_out_of_range_and_hides_nothing(tmp_path: Path) -> None:
    """A submitted_at in 2925 is one finding on its submission; the clean submission beside it is accepted."""
    folder = tmp_path / "month"
    folder.mkdir()
    late = copy.deepcopy(BASES["dat"])
    late["submission"] |= {
        "submitted_at": "2925-12-05T09:30:00Z",
        "submission_id": "0d3f6c1e-2a4b-4c5d-9e8f-7a6b5c4d3e2f",
    }
    (folder / "late.json").write_text(json.dumps(late))
    (folder / "clean.json").write_text(json.dumps(BASES["cex"]))
    clean, bad = validate_folder(folder, "2025-11")
    assert (clean.source, clean.status) == ("clean.json", "accepted")
    assert [(f.column, f.code) for f in bad.findings] == [("submitted_at", "value-out-of-range")]
