"""Values: every odd value a spreadsheet or a hostile submitter can produce gives a clear finding.

Each case edits one value (or the bytes) of a good folder submission, `helix-lending`, whose loans
table is a small CSV, and expects the named finding quoting the value as submitted. No case may be
accepted with a value changed: an accepted submission carries exactly the amounts written.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import pytest

from reporting.validate.folder import validate_folder
from reporting.validate.model import ValidatedSubmission
from tests.security.hostile import PERIOD, SAMPLE, copy_entry

GOOD = SAMPLE / PERIOD / "helix-lending"


def submission(tmp_path: Path, edit: None | tuple[str, str] = None, data: bytes | None = None) -> ValidatedSubmission:
    """helix-lending with `edit` = (column, text) written into the first row of loans, or loans.csv = `data`."""
    folder = tmp_path / "helix-lending"
    copy_entry(GOOD, folder)
    loans = folder / "loans.csv"
    if edit is not None:
        lines = loans.read_text(encoding="utf-8").split("\n")
        names = lines[0].split(",")
        cells = lines[1].split(",")
        column, text = edit
        cells[names.index(column)] = text
        lines[1] = ",".join(cells)
        loans.write_text("\n".join(lines), encoding="utf-8")
    if data is not None:
        loans.write_bytes(data)
    (result,) = validate_folder(folder, PERIOD)
    return result


@pytest.mark.parametrize(
    ("column", "text", "code"),
    [
        ("borrowed_usd", "NaN", "value-not-number"),
        ("borrowed_usd", "nan", "value-not-number"),
        ("borrowed_usd", "Infinity", "value-not-number"),
        ("borrowed_usd", "inf", "value-not-number"),
        ("supplied_usd", "-inf", "value-not-number"),
        ("borrowed_usd", "1e308", "value-out-of-range"),
        ("borrowed_usd", "10000000000000.01", "value-out-of-range"),  # a cent above the bound of 10^13 dollars
        ("borrowed_usd", "-0", "value-out-of-range"),
        ("collateral_usd", "-0.00", "value-out-of-range"),
        ("borrowed_usd", '"4,305,434,377.60"', "value-not-number"),
        ("borrowed_usd", "4 305 434 377.60", "value-not-number"),
        ("borrowed_usd", '"4305434377,60"', "value-not-number"),
        ("borrowed_usd", "$4305434377.60", "value-not-number"),
        ("borrowed_usd", "0x10", "value-not-number"),
        ("liquidation_ltv", "1e999", "value-out-of-range"),
        ("borrowed_usd", "4305434377.601", "value-precision"),
    ],
)
def test_an_odd_number_gives_a_finding_quoting_it(tmp_path: Path, column: str, text: str, code: str) -> None:
    result = submission(tmp_path, (column, text))
    assert result.status == "rejected"
    found = [f for f in result.findings if f.code == code and f.column == column]
    assert found, [(f.code, f.column, f.value) for f in result.findings]
    assert (found[0].row, found[0].value) == (2, text.strip('"'))


def test_money_at_the_plausible_bound_is_accepted(tmp_path: Path) -> None:
    result = submission(tmp_path, ("borrowed_usd", "10000000000000.00"))  # 10^13 dollars: at the bound, not over
    assert [f for f in result.findings if f.column == "borrowed_usd" and f.severity == "error"] == []


def test_the_same_odd_numbers_in_a_json_document_give_the_same_findings(tmp_path: Path) -> None:
    document = json.loads((SAMPLE / PERIOD / "copperleaf-capital.json").read_text(encoding="utf-8"))
    rows = document["tables"]["loans"]
    values = ["NaN", "Infinity", "-Infinity", "1e308", "-0", "1,250.00"]
    for row, value in zip(rows, values, strict=False):
        row["borrowed_usd"] = value
    (tmp_path / "doc.json").write_text(json.dumps(document), encoding="utf-8")
    (result,) = validate_folder(tmp_path / "doc.json", PERIOD)
    flagged = {f.row: (f.code, f.value) for f in result.findings if f.column == "borrowed_usd" and f.row is not None}
    assert flagged == {
        0: ("value-not-number", "NaN"),
        1: ("value-not-number", "Infinity"),
        2: ("value-not-number", "-Infinity"),
        3: ("value-out-of-range", "1e308"),
        4: ("value-out-of-range", "-0"),
        5: ("value-not-number", "1,250.00"),
    }


def test_a_bom_and_crlf_change_nothing(tmp_path: Path) -> None:
    plain = submission(tmp_path / "plain")
    original = (GOOD / "loans.csv").read_bytes()
    crlf = submission(tmp_path / "crlf", data=b"\xef\xbb\xbf" + original.replace(b"\n", b"\r\n"))
    assert plain.status == crlf.status == "accepted"
    assert crlf.findings == []
    assert plain.tables["loans"].equals(crlf.tables["loans"])


def test_accepted_money_is_exactly_what_was_written(tmp_path: Path) -> None:
    result = submission(tmp_path)
    assert result.status == "accepted"
    written = pa_csv.read_csv(GOOD / "loans.csv", convert_options=pa_csv.ConvertOptions(strings_can_be_null=True))
    text = pa_csv.read_csv(
        GOOD / "loans.csv",
        convert_options=pa_csv.ConvertOptions(column_types=dict.fromkeys(written.column_names, "string")),
    )
    for column in ("borrowed_usd", "collateral_usd"):
        for value, typed in zip(text.column(column).to_pylist(), result.tables["loans"][column], strict=True):
            assert Decimal(value) == Decimal(repr(typed)).quantize(Decimal("0.01")), (column, value, typed)


def test_a_mixed_encoding_file_names_the_first_bad_line(tmp_path: Path) -> None:
    original = (GOOD / "loans.csv").read_bytes()
    lines = original.split(b"\n")
    lines[3] = lines[3].replace(b"Core", "Cor\u00e9".encode("latin-1"), 1)  # one Latin-1 byte in UTF-8 text
    result = submission(tmp_path, data=b"\n".join(lines))
    (finding,) = [f for f in result.findings if f.code == "file-encoding"]
    assert "line 4" in finding.message and "0xE9" in finding.message
    assert result.status == "rejected"


@pytest.mark.parametrize(
    ("header", "code"),
    [
        ("chain,market,loan_asset,collateral_asset,borrowed_usd,borrowed_usd", "column-duplicate"),
        ("chain,market,loan_asset,collateral_asset,collateral_usd,supplied_usd", "column-missing"),
        ("chain,market,loan_asset,collateral_asset,borrowed_usd,collateral_usd,colour", "column-unknown"),
    ],
)
def test_duplicate_missing_and_extra_columns(tmp_path: Path, header: str, code: str) -> None:
    width = header.count(",") + 1
    body = "\n".join(",".join(["ethereum", "Core", "USDC", "WETH"] + ["100.00"] * (width - 4)) for _ in range(2))
    result = submission(tmp_path, data=f"{header}\n{body}\n".encode())
    assert code in [f.code for f in result.findings]
    if code == "column-missing":
        assert result.status == "rejected"


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b"\n\n  \r\n"])
def test_an_empty_file_is_unreadable(tmp_path: Path, data: bytes) -> None:
    result = submission(tmp_path, data=data)
    assert [(f.code, f.file) for f in result.findings if f.code == "file-unreadable"] == [
        ("file-unreadable", "helix-lending/loans.csv")
    ]
    assert result.status == "rejected"


def test_parquet_nan_and_negative_zero_are_flagged_too(tmp_path: Path) -> None:
    folder = tmp_path / "helix-lending"
    copy_entry(GOOD, folder)
    table = pa_csv.read_csv(folder / "loans.csv")
    borrowed = table.column("borrowed_usd").to_pylist()
    borrowed[0], borrowed[1] = float("nan"), -0.0
    table = table.set_column(table.column_names.index("borrowed_usd"), "borrowed_usd", [borrowed])
    (folder / "loans.csv").unlink()
    pq.write_table(table, folder / "loans.parquet")
    (result,) = validate_folder(folder, PERIOD)
    flagged = {f.row: f.code for f in result.findings if f.column == "borrowed_usd"}
    assert flagged == {2: "value-not-number", 3: "value-out-of-range"}
