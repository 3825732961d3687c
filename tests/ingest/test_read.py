"""The ingest stage: the three containers read to the same text, and bad files give findings, not crashes."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import zipfile
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reporting.findings import CATALOGUE
from reporting.ingest.folder import text_of_column
from reporting.ingest.model import Limits, RawSubmission
from reporting.ingest.read import discover_submissions, read_submission

HEADER = {
    "schema_version": "1.0",
    "submission_id": "0b7c4f1e-8d2a-4c1b-9e3f-5a6d7c8b9e0f",
    "entity_id": "venue-7",
    "entity_name": "Venue Seven",
    "entity_type": "dex",
    "lei": None,
    "period": "2025-10",
    "submitted_at": "2025-11-03T14:00:00Z",
    "contact_email": "risk@venue7.example",
    "attestation_name": "A. Person",
    "attestation_role": "CRO",
}
OPEN_INTEREST = [
    {
        "date": date(2025, 10, 1),
        "symbol": "BTCUSDT",
        "base_asset": "BTC",
        "contract_type": "perpetual",
        "open_interest_usd": 1250000.5,
        "mark_price_usd": 65000.25,
        "funding_rate": 0.0001,
        "funding_interval_hours": 8,
        "volume_usd": 3000000,
    },
    {
        "date": date(2025, 10, 2),
        "symbol": "BTC-DEC25",
        "base_asset": "BTC",
        "contract_type": "future",
        "open_interest_usd": 12345678901.25,
        "mark_price_usd": 64000.125,
        "funding_rate": None,
        "funding_interval_hours": None,
        "volume_usd": 0,
    },
]
LIQUIDATIONS = [
    {"event_id": "e1", "ts": datetime(2025, 10, 3, 14, 0, tzinfo=UTC), "quantity": 0.5, "notional_usd": 32500.13},
    {"event_id": "e2", "ts": datetime(2025, 10, 4, 9, 30, 15, tzinfo=UTC), "quantity": 2, "notional_usd": 128000},
]
EXPECTED_OPEN_INTEREST = {
    "date": ["2025-10-01", "2025-10-02"],
    "symbol": ["BTCUSDT", "BTC-DEC25"],
    "base_asset": ["BTC", "BTC"],
    "contract_type": ["perpetual", "future"],
    "open_interest_usd": ["1250000.5", "12345678901.25"],
    "mark_price_usd": ["65000.25", "64000.125"],
    "funding_rate": ["0.0001", None],
    "funding_interval_hours": ["8", None],
    "volume_usd": ["3000000", "0"],
}
EXPECTED_LIQUIDATIONS = {
    "event_id": ["e1", "e2"],
    "ts": ["2025-10-03T14:00:00Z", "2025-10-04T09:30:15Z"],
    "quantity": ["0.5", "2"],
    "notional_usd": ["32500.13", "128000"],
}
TABLES = {"open_interest": OPEN_INTEREST, "liquidations": LIQUIDATIONS}


def as_text(value: object) -> str:
    """How a submitter writes a value in CSV or a workbook text cell."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def csv_text(rows: list[dict[str, object]], line_end: str = "\n") -> str:
    lines = [",".join(rows[0])] + [",".join(as_text(v) for v in row.values()) for row in rows]
    return line_end.join(lines) + line_end


def write_folder(path: Path, header: object = HEADER, tables: dict | None = None, parquet: bool = False) -> Path:
    path.mkdir(parents=True)
    (path / "submission.json").write_text(json.dumps(header), encoding="utf-8")
    for name, rows in (TABLES if tables is None else tables).items():
        if parquet:
            pq.write_table(pa.Table.from_pylist(rows), path / f"{name}.parquet")
        else:
            (path / f"{name}.csv").write_text(csv_text(rows), encoding="utf-8")
    return path


def write_workbook(path: Path, header: dict = HEADER, tables: dict | None = None, timestamps_as_text=True) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "submission"
    sheet.append(["field", "value"])
    for field, value in header.items():
        sheet.append([field, value])
    for name, rows in (TABLES if tables is None else tables).items():
        sheet = book.create_sheet(name)
        sheet.append(list(rows[0]))
        for row in rows:
            # Spreadsheet cells carry no zone, so the format asks for timestamps as text.
            sheet.append([as_text(v) if isinstance(v, datetime) and timestamps_as_text else v for v in row.values()])
    book.save(path)
    return path


def write_json(path: Path, header: dict = HEADER, tables: dict | None = None) -> Path:
    document = {"submission": header, "tables": TABLES if tables is None else tables}
    path.write_text(json.dumps(document, default=as_text), encoding="utf-8")
    return path


def read(path: Path, limits: Limits | None = None) -> RawSubmission:
    return read_submission(path, path.parent, limits or Limits())


def codes(submission: RawSubmission) -> list[str]:
    return [finding.code for finding in submission.findings]


def columns(submission: RawSubmission, table: str) -> dict[str, list[str | None]]:
    """A table's columns as text: CSV columns that parsed with the contract's type come typed."""
    data = submission.tables[table].data
    return {
        name: text_of_column(column).to_pylist() for name, column in zip(data.column_names, data.columns, strict=True)
    }


# Each container read correctly


def test_a_folder_submission_is_read(tmp_path):
    raw = read(write_folder(tmp_path / "venue-7"))
    assert (raw.container, raw.source, raw.header_file) == ("folder", "venue-7", "venue-7/submission.json")
    assert raw.findings == []
    assert raw.header == HEADER
    assert columns(raw, "open_interest") == EXPECTED_OPEN_INTEREST
    assert columns(raw, "liquidations") == EXPECTED_LIQUIDATIONS
    table = raw.tables["open_interest"]
    assert (table.file, table.first_row) == ("venue-7/open_interest.csv", 2)
    # Clean CSV dates come already parsed with the contract's type; numbers stay text, for validation's grammar.
    types = {field.name: field.type for field in table.data.schema}
    assert types["symbol"] == pa.string()
    assert types["open_interest_usd"] == pa.string()
    assert types["date"] == pa.date32()
    csv_bytes = (tmp_path / "venue-7" / "open_interest.csv").read_bytes()
    assert [f.path for f in raw.files] == [
        "venue-7/submission.json",
        "venue-7/liquidations.csv",
        "venue-7/open_interest.csv",
    ]
    assert raw.files[2].sha256 == hashlib.sha256(csv_bytes).hexdigest()
    assert raw.files[2].bytes == len(csv_bytes)


def test_reading_without_hashes_reads_the_same_tables_and_lists_the_same_files(tmp_path):
    path = write_folder(tmp_path / "venue-7")
    hashed, unhashed = read(path), read_submission(path, path.parent, Limits(), hashed=False)
    assert [(f.path, f.bytes) for f in unhashed.files] == [(f.path, f.bytes) for f in hashed.files]
    assert [f.sha256 for f in unhashed.files] == [None, None, None]
    assert all(len(f.sha256 or "") == 64 for f in hashed.files)
    assert columns(unhashed, "liquidations") == columns(hashed, "liquidations")


def test_parquet_columns_are_written_back_as_text(tmp_path):
    paris = timezone(timedelta(hours=1))
    table = pa.table(
        {
            "aware": pa.array(
                [datetime(2025, 11, 3, 15, 0, tzinfo=paris), datetime(2025, 11, 3, 14, 0, 0, 500, tzinfo=UTC), None],
                pa.timestamp("us", tz="Europe/Paris"),
            ),
            "naive": pa.array([datetime(2025, 11, 3, 14, 0), None, None], pa.timestamp("ns")),
            "day": pa.array([date(2025, 10, 31), None, None], pa.date32()),
            "flag": [True, False, None],
            "whole": pa.array([8, None, -3], pa.int64()),
            "real": [0.1, 1.5e-7, 123456789012.5],
            "money": pa.array([Decimal("12.50"), None, Decimal("0.01")], pa.decimal128(12, 2)),
            "label": pa.array(["a", "a", None]).dictionary_encode(),
        }
    )
    path = tmp_path / "s"
    path.mkdir()
    (path / "submission.json").write_text(json.dumps(HEADER))
    pq.write_table(table, path / "loans.parquet")
    raw = read(path)
    assert raw.findings == []
    assert columns(raw, "loans") == {
        "aware": ["2025-11-03T14:00:00Z", "2025-11-03T14:00:00.000500Z", None],
        "naive": ["2025-11-03T14:00:00", None, None],
        "day": ["2025-10-31", None, None],
        "flag": ["true", "false", None],
        "whole": ["8", None, "-3"],
        "real": ["0.1", "0.00000015", "123456789012.5"],
        "money": ["12.50", None, "0.01"],
        "label": ["a", "a", None],
    }
    assert (raw.tables["loans"].file, raw.tables["loans"].first_row) == ("s/loans.parquet", 2)


def test_parquet_columns_of_the_contract_type_stay_typed_as_the_csv_reader_types_them(tmp_path):
    money = [Decimal("0.07"), Decimal("12345678901.29"), None, Decimal("-0.10")]
    when = [datetime(2025, 10, 1, 0, 0, 1, 500000, tzinfo=UTC), None, datetime(2025, 10, 31, 23, 59, tzinfo=UTC), None]
    rows = {
        "date": pa.array([date(2025, 10, d) for d in (1, 2, 3, 4)], pa.date32()),
        "symbol": ["BTCUSDT"] * 4,
        "base_asset": ["BTC", "ETH", None, "BTC"],
        "contract_type": ["perpetual", "", "future", "future"],
        "open_interest_usd": pa.array(money, pa.decimal128(20, 2)),
        "funding_interval_hours": pa.array([8, None, 4, 1], pa.int32()),
        "mark_price_usd": [65000.25, 64000.125, 0.1, 3.0],
        "when": pa.array(when, pa.timestamp("ms", tz="UTC")),
    }
    path = tmp_path / "s"
    path.mkdir()
    (path / "submission.json").write_text(json.dumps(HEADER))
    pq.write_table(pa.table(rows), path / "open_interest.parquet")
    data = read(path).tables["open_interest"].data
    # What CSV's typed reader gives: float64 parsed from the decimal text exactly, int64, UTC nanoseconds.
    assert data.column("open_interest_usd").type == pa.float64()
    assert data.column("open_interest_usd").to_pylist() == [0.07, 12345678901.29, None, -0.1]
    assert data.column("funding_interval_hours").to_pylist() == [8, None, 4, 1]
    assert data.column("funding_interval_hours").type == pa.int64()
    assert data.column("date").type == pa.date32()
    # Enums and tickers come as codes into their values, as from CSV; an empty value makes the column text.
    assert pa.types.is_dictionary(data.column("base_asset").type)
    assert data.column("base_asset").to_pylist() == ["BTC", "ETH", None, "BTC"]
    assert data.column("contract_type").to_pylist() == ["perpetual", None, "future", "future"]
    # Not a contract column: text, as a submitter would have written it.
    assert data.column("when").to_pylist() == ["2025-10-01T00:00:01.500Z", None, "2025-10-31T23:59:00Z", None]


def test_parquet_decimals_too_long_for_an_exact_float_are_read_as_text(tmp_path):
    path = tmp_path / "s"
    path.mkdir()
    (path / "submission.json").write_text(json.dumps(HEADER))
    huge = Decimal("123456789012345678.25")  # 2**53 is about 9.0e15: no float64 holds this exactly
    table = pa.table({"open_interest_usd": pa.array([huge, Decimal("1.00")], pa.decimal128(38, 2))})
    pq.write_table(table, path / "open_interest.parquet")
    assert columns(read(path), "open_interest") == {"open_interest_usd": ["123456789012345678.25", "1.00"]}


def test_workbook_cells_are_read_by_the_value_conventions(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "submission"
    for row in (["field", "value"], ["period", datetime(2025, 10, 1)], ["entity_id", " padded "], ["lei", None]):
        sheet.append(row)
    sheet = book.create_sheet("incidents")
    sheet.append(["text", "whole", "float", "flag", "day", "moment", "small", "empty"])
    sheet.append([" keep spaces ", 3, 8.0, True, datetime(2025, 10, 5), datetime(2025, 10, 5, 14, 30), 1e-05, None])
    sheet.append([])  # an empty row inside the data keeps its row number
    sheet.append(["x", -2, 0.1, False, date(2025, 10, 6), None, 2.5, None])
    for row in range(4, 9):  # formatted but empty trailing rows and columns
        sheet.cell(row=row, column=12).value = None
        sheet.cell(row=row, column=12).number_format = "0.00"
    book.create_sheet("README").append(["Fill in the sheets."])
    book.create_sheet("notes").append(["scratch"])
    path = tmp_path / "book.xlsx"
    book.save(path)
    raw = read_submission(path, tmp_path)
    assert (raw.source, raw.container, raw.header_file) == ("book.xlsx", "workbook", "book.xlsx")
    assert raw.header == {"period": "2025-10", "entity_id": " padded ", "lei": None}
    assert [(f.code, f.table, f.file) for f in raw.findings] == [("table-unknown", "notes", "book.xlsx")]
    assert columns(raw, "incidents") == {
        "text": [" keep spaces ", None, "x"],
        "whole": ["3", None, "-2"],
        "float": ["8", None, "0.1"],
        "flag": ["true", None, "false"],
        "day": ["2025-10-05", None, "2025-10-06"],
        "moment": ["2025-10-05T14:30:00", None, None],
        "small": ["0.00001", None, "2.5"],
        "empty": [None, None, None],
    }
    assert (raw.tables["incidents"].file, raw.tables["incidents"].first_row) == ("book.xlsx", 2)
    assert [f.path for f in raw.files] == ["book.xlsx"]
    assert raw.files[0].sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_json_numbers_keep_the_digits_written(tmp_path):
    path = tmp_path / "doc.json"
    path.write_text(
        '{"submission": {"period": "2025-10", "schema_version": 1.0},'
        ' "tables": {"loans": [{"market": "m", "borrowed_usd": 1250.10, "collateral_usd": "7.00"},'
        ' {"chain": "ethereum", "borrowed_usd": 100000000000000000000.01, "flag": true, "nested": {"a": [1]}},'
        ' {"market": "", "borrowed_usd": null, "liquidation_ltv": 8.5e-1}]}}'
    )
    raw = read(path)
    assert raw.findings == []
    assert raw.header == {"period": "2025-10", "schema_version": "1.0"}
    # Columns in the order keys first appear; missing keys and empty strings are null.
    assert columns(raw, "loans") == {
        "market": ["m", None, None],
        "borrowed_usd": ["1250.10", "100000000000000000000.01", None],
        "collateral_usd": ["7.00", None, None],
        "chain": [None, "ethereum", None],
        "flag": [None, "true", None],
        "nested": [None, '{"a": ["1"]}', None],
        "liquidation_ltv": [None, None, "8.5e-1"],
    }
    assert (raw.tables["loans"].file, raw.tables["loans"].first_row) == ("doc.json", 0)


def test_the_three_containers_give_the_same_submission(tmp_path):
    read_back = [
        read(write_folder(tmp_path / "csv")),
        read(write_folder(tmp_path / "parquet", parquet=True)),
        read(write_workbook(tmp_path / "book.xlsx")),
        read(write_json(tmp_path / "doc.json")),
    ]
    assert [raw.findings for raw in read_back] == [[]] * 4
    first = read_back[0]
    assert columns(first, "open_interest") == EXPECTED_OPEN_INTEREST
    for raw in read_back[1:]:
        assert raw.header == first.header
        assert sorted(raw.tables) == sorted(first.tables)
        for name in first.tables:
            assert columns(raw, name) == columns(first, name), (raw.container, name)


# CSV details


def test_csv_with_crlf_and_bom_and_duplicate_columns(tmp_path):
    path = write_folder(tmp_path / "s", tables={})
    (path / "collateral.csv").write_bytes(
        b'\xef\xbb\xbfasset,balance_usd,asset\r\nBTC,"1,000.10",x\r\n"",NA,\r\n"ETH\r\nline",null,""\r\n'
    )
    raw = read(path)
    assert raw.findings == []
    data = raw.tables["collateral"].data
    assert data.column_names == ["asset", "balance_usd", "asset"]
    # Empty and quoted-empty cells are null; 'NA' and 'null' are text for validation to judge.
    assert [data.column(i).to_pylist() for i in range(3)] == [
        ["BTC", None, "ETH\r\nline"],
        ["1,000.10", "NA", "null"],
        ["x", None, None],
    ]


def test_a_csv_with_only_its_header_is_an_empty_table(tmp_path):
    path = write_folder(tmp_path / "s", tables={})
    (path / "liquidations.csv").write_text("event_id,ts\n")
    raw = read(path)
    assert raw.findings == []
    assert raw.tables["liquidations"].data.column_names == ["event_id", "ts"]
    assert raw.tables["liquidations"].data.num_rows == 0


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "file-unreadable"),
        (b"\r\n  \n", "file-unreadable"),
        ("asset,balance_usd\ncafé,1\n".encode("latin-1"), "file-encoding"),
        ("café,balance_usd\nBTC,1\n".encode("latin-1"), "file-encoding"),
        ("asset\n".encode("utf-16"), "file-encoding"),
        (b"asset,balance_usd\nBTC,1\nETH\n", "file-unreadable"),
        (b'asset,"balance_usd\nBTC,1\n', "file-unreadable"),
    ],
    ids=["empty", "blank", "latin-1 body", "latin-1 header", "utf-16", "ragged", "open quote"],
)
def test_a_bad_csv_gives_one_finding(tmp_path, content, code):
    path = write_folder(tmp_path / "s", tables={})
    (path / "collateral.csv").write_bytes(content)
    raw = read(path)
    assert [(f.code, f.file, f.table) for f in raw.findings] == [(code, "s/collateral.csv", "collateral")]
    assert "collateral" not in raw.tables
    assert [f.path for f in raw.files] == ["s/submission.json", "s/collateral.csv"]


def test_a_bad_csv_gives_the_same_finding_whatever_the_threads(tmp_path):
    path = write_folder(tmp_path / "s", tables={})
    (path / "collateral.csv").write_bytes(b"asset,balance_usd\nBTC,1\nETH\n")
    findings = [read_submission(path, path.parent, threads=threads).findings for threads in (1, 2)]
    assert findings[0] == findings[1]
    assert findings[0][0].message == "The file is not valid CSV: CSV parse error: Expected 2 columns, got 1: ETH."


# Folder container rules


def test_csv_and_parquet_of_one_table_is_a_duplicate(tmp_path):
    path = write_folder(tmp_path / "s")
    pq.write_table(pa.Table.from_pylist(OPEN_INTEREST), path / "open_interest.parquet")
    raw = read(path)
    # One finding per file, so that both files are accounted for.
    assert [(f.code, f.table, f.file) for f in raw.findings] == [
        ("file-duplicate-table", "open_interest", "s/open_interest.csv"),
        ("file-duplicate-table", "open_interest", "s/open_interest.parquet"),
    ]
    assert sorted(raw.tables) == ["liquidations"]


def test_other_files_in_a_submission_folder_are_warned_about_and_not_read(tmp_path):
    path = write_folder(tmp_path / "s")
    (path / "notes.txt").write_text("hello")
    (path / "Open_Interest.csv").write_text("a\n1\n")
    (path / "extra").mkdir()
    (path / ".DS_Store").write_bytes(b"\0\1")
    raw = read(path)
    assert [(f.code, f.file) for f in raw.findings] == [
        ("table-unknown", "s/Open_Interest.csv"),
        ("table-unknown", "s/extra"),
        ("table-unknown", "s/notes.txt"),
    ]
    assert CATALOGUE["table-unknown"].severity == "warning"
    assert "s/notes.txt" not in [f.path for f in raw.files]


def test_a_folder_without_header_or_with_a_bad_header(tmp_path):
    path = tmp_path / "s"
    path.mkdir()
    (path / "collateral.csv").write_text("asset\nBTC\n")
    raw = read(path)
    assert raw.header is None
    assert [(f.code, f.file) for f in raw.findings] == [("file-unreadable", "s/submission.json")]
    assert raw.tables["collateral"].data.num_rows == 1
    for text, code in [("[1, 2]", "file-unreadable"), ("{nope", "file-unreadable"), ("", "file-unreadable")]:
        (path / "submission.json").write_text(text)
        raw = read(path)
        assert raw.header is None
        assert codes(raw) == [code]
    (path / "submission.json").write_bytes('{"entity_name": "Société"}'.encode("latin-1"))
    assert codes(read(path)) == ["file-encoding"]
    (path / "submission.json").write_bytes(b'\xef\xbb\xbf{"entity_name": "Soci\xc3\xa9t\xc3\xa9", "lei": null}')
    raw = read(path)
    assert raw.findings == [] and raw.header == {"entity_name": "Société", "lei": None}


# Links, devices and sizes


def test_a_link_out_of_the_folder_is_refused_and_never_read(tmp_path):
    secret = tmp_path / "outside" / "secret.csv"
    secret.parent.mkdir()
    secret.write_text("asset\nSECRET\n")
    root = tmp_path / "submissions"
    inner = write_folder(root / "venue-7", tables={})
    (inner / "collateral.csv").symlink_to(secret)
    (inner / "submission.json").unlink()
    (inner / "submission.json").symlink_to(secret)
    (root / "linked.json").symlink_to(secret)
    (root / "linked-folder").symlink_to(inner)
    submissions, findings = discover_submissions(root)
    assert submissions == [root / "venue-7"]
    assert [(f.code, f.file) for f in findings] == [
        ("file-unsafe-path", "linked-folder"),
        ("file-unsafe-path", "linked.json"),
    ]
    raw = read_submission(root / "venue-7", root)
    assert [(f.code, f.file) for f in raw.findings] == [
        ("file-unsafe-path", "venue-7/collateral.csv"),
        ("file-unsafe-path", "venue-7/submission.json"),
    ]
    assert raw.files == [] and raw.tables == {} and raw.header is None
    # Handed a link directly, the reader refuses it too.
    assert codes(read_submission(root / "linked.json", root)) == ["file-unsafe-path"]


def test_a_named_pipe_is_refused_without_waiting_for_it(tmp_path):
    root = tmp_path / "submissions"
    path = write_folder(root / "s", tables={})
    os.mkfifo(path / "collateral.csv")
    os.mkfifo(root / "pipe.json")
    submissions, findings = discover_submissions(root)
    assert submissions == [path]
    assert [(f.code, f.file) for f in findings] == [("file-unsafe-path", "pipe.json")]
    assert [(f.code, f.file) for f in read_submission(path, root).findings] == [
        ("file-unsafe-path", "s/collateral.csv")
    ]


def test_a_file_over_the_size_limit_is_not_read(tmp_path):
    folder = write_folder(tmp_path / "s")
    size = (folder / "open_interest.csv").stat().st_size
    raw = read(folder, Limits(max_file_bytes=size - 1))
    assert ("file-too-large", "s/open_interest.csv") in [(f.code, f.file) for f in raw.findings]
    assert "open_interest" not in raw.tables
    assert "s/open_interest.csv" not in [f.path for f in raw.files]
    book = write_workbook(tmp_path / "book.xlsx")
    assert codes(read(book, Limits(max_file_bytes=100))) == ["file-too-large"]
    doc = write_json(tmp_path / "doc.json")
    assert codes(read(doc, Limits(max_file_bytes=100))) == ["file-too-large"]


@pytest.mark.parametrize("container", ["csv", "parquet", "xlsx", "json"])
def test_a_table_over_the_row_limit_is_refused(tmp_path, container):
    if container == "xlsx":
        path = write_workbook(tmp_path / "book.xlsx")
    elif container == "json":
        path = write_json(tmp_path / "doc.json")
    else:
        path = write_folder(tmp_path / "s", parquet=container == "parquet")
    raw = read(path, Limits(max_rows=1))
    assert sorted((f.code, f.table) for f in raw.findings) == [
        ("table-too-many-rows", "liquidations"),
        ("table-too-many-rows", "open_interest"),
    ]
    assert raw.tables == {}
    assert read(path, Limits(max_rows=2)).findings == []


# Broken workbooks and JSON documents


def test_openpyxl_parses_xml_through_defusedxml():
    assert openpyxl.DEFUSEDXML is True


def test_random_bytes_and_a_truncated_workbook_are_unreadable(tmp_path):
    (tmp_path / "random.xlsx").write_bytes(os.urandom(4096))
    assert codes(read(tmp_path / "random.xlsx")) == ["file-unreadable"]
    whole = write_workbook(tmp_path / "whole.xlsx").read_bytes()
    (tmp_path / "cut.xlsx").write_bytes(whole[: len(whole) // 2])
    raw = read(tmp_path / "cut.xlsx")
    assert codes(raw) == ["file-unreadable"]
    assert [f.path for f in raw.files] == ["cut.xlsx"]
    # A zip that is not a workbook.
    with zipfile.ZipFile(tmp_path / "other.xlsx", "w") as archive:
        archive.writestr("hello.txt", "hello")
    assert codes(read(tmp_path / "other.xlsx")) == ["file-unreadable"]


def write_zip_bomb(path: Path, megabytes: int) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as member:
            for _ in range(megabytes):
                member.write(b"\0" * 1024**2)
    return path


def test_a_zip_bomb_is_refused_before_it_is_opened(tmp_path):
    bomb = write_zip_bomb(tmp_path / "bomb.xlsx", 20)
    assert bomb.stat().st_size < 100_000
    raw = read(bomb)
    assert codes(raw) == ["file-zip-bomb"]
    assert "times its compressed size" in raw.findings[0].message
    # Over the total size limit even where the ratio would pass.
    book = write_workbook(tmp_path / "book.xlsx")
    assert codes(read(book, Limits(max_xlsx_uncompressed_bytes=1000))) == ["file-zip-bomb"]
    assert read(book).findings == []


def test_a_workbook_without_submission_sheet_or_with_a_bad_one(tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "collateral"
    book.active.append(["asset"])
    book.save(tmp_path / "no-header.xlsx")
    raw = read(tmp_path / "no-header.xlsx")
    assert raw.header is None
    assert [(f.code, f.table) for f in raw.findings] == [("file-unreadable", "submission")]
    assert raw.tables["collateral"].data.column_names == ["asset"]

    book = openpyxl.Workbook()
    book.active.title = "submission"
    for row in (["name", "text"], ["period", "2025-10"]):
        book.active.append(row)
    book.save(tmp_path / "bad-header.xlsx")
    raw = read(tmp_path / "bad-header.xlsx")
    assert raw.header is None and [(f.code, f.row) for f in raw.findings] == [("file-unreadable", 1)]

    book = openpyxl.Workbook()
    book.active.title = "submission"
    for row in (["field", "value"], ["period", "2025-10"], [], ["period", "2025-11"]):
        book.active.append(row)
    book.save(tmp_path / "twice.xlsx")
    raw = read(tmp_path / "twice.xlsx")
    assert raw.header == {"period": "2025-10"}
    assert [(f.code, f.row, f.column) for f in raw.findings] == [("column-duplicate", 4, "period")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[]", [("file-unreadable", None, None)]),
        ('"just text"', [("file-unreadable", None, None)]),
        ('{"submission": [1], "tables": {}}', [("file-unreadable", "submission", None)]),
        ('{"tables": {}}', [("file-unreadable", "submission", None)]),
        ('{"submission": {}, "tables": []}', [("file-unreadable", None, None)]),
        ('{"submission": {}, "tables": {"loans": {"a": 1}}}', [("file-unreadable", "loans", None)]),
        ('{"submission": {}, "tables": {"loans": [{"a": 1}, 2, "x"]}}', [("file-unreadable", "loans", 1)]),
        ('{"submission": {}, "tables": {"trades": []}, "notes": 1}', [("table-unknown", "notes", None)]),
        ('{"submission": {}, "tables": {}} trailing', [("file-unreadable", None, None)]),
        ("[" * 100_000, [("file-unreadable", None, None)]),
    ],
    ids=[
        "array",
        "string",
        "header array",
        "no header",
        "tables array",
        "table object",
        "row not object",
        "unknown keys",
        "trailing text",
        "deep nesting",
    ],
)
def test_a_malformed_json_document_gives_findings(tmp_path, text, expected):
    path = tmp_path / "doc.json"
    path.write_text(text)
    raw = read(path)
    if "trades" in text:  # an unknown table is reported too, in the document's order
        expected = [*expected, ("table-unknown", "trades", None)]
    assert sorted((f.code, f.table or "", f.row or 0) for f in raw.findings) == sorted(
        (code, table or "", row or 0) for code, table, row in expected
    )
    assert all(f.file == "doc.json" for f in raw.findings)


def test_a_row_that_is_not_an_object_keeps_the_other_rows_indices(tmp_path):
    raw = read(write_json(tmp_path / "doc.json", tables={"loans": [{"market": "a"}, 7, {"market": "c"}]}))
    assert columns(raw, "loans") == {"market": ["a", None, "c"]}


# Discovering submissions


def test_discover_lists_submissions_by_name_and_flags_the_rest(tmp_path):
    root = tmp_path / "submissions"
    write_folder(root / "b-folder")
    write_workbook(root / "c.xlsx")
    write_json(root / "a.json")
    (root / "no-header").mkdir()
    (root / "notes.txt").write_text("x")
    (root / "x..json").write_text("{}")
    (root / ".hidden.json").write_text("{}")
    (root / ".git").mkdir()
    submissions, findings = discover_submissions(root)
    assert submissions == [root / "a.json", root / "b-folder", root / "c.xlsx"]
    assert [(f.code, f.file) for f in findings] == [
        ("file-unrecognised", "no-header"),
        ("file-unrecognised", "notes.txt"),
        ("file-unsafe-path", "x..json"),
    ]
    assert all(CATALOGUE[f.code].severity == "error" for f in findings)


def test_discover_given_one_submission_returns_just_it(tmp_path):
    folder = write_folder(tmp_path / "venue-7")
    assert discover_submissions(folder) == ([folder], [])
    book = write_workbook(tmp_path / "book.xlsx")
    assert discover_submissions(book) == ([book], [])
    (tmp_path / "notes.txt").write_text("x")
    assert [f.code for f in discover_submissions(tmp_path / "notes.txt")[1]] == ["file-unrecognised"]
    with pytest.raises(FileNotFoundError):
        discover_submissions(tmp_path / "missing")
    # Read as the only submission, its paths still start with its own name.
    raw = read_submission(folder, folder)
    assert raw.source == "venue-7" and raw.tables["open_interest"].file == "venue-7/open_interest.csv"


# Never a traceback on bad input

SETTINGS = settings(
    max_examples=int(os.environ.get("RISKREPORT_FUZZ_EXAMPLES", "50")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def assert_only_findings(raw: RawSubmission) -> None:
    assert all(finding.code in CATALOGUE for finding in raw.findings)
    for table in raw.tables.values():
        assert all(pa.types.is_string(field.type) for field in table.data.schema)


@SETTINGS
@given(content=st.binary(max_size=2000))
def test_random_bytes_as_csv_give_only_findings(tmp_path_factory, content):
    path = write_folder(tmp_path_factory.mktemp("csv") / "s", tables={})
    (path / "collateral.csv").write_bytes(content)
    (path / "loans.parquet").write_bytes(content)
    assert_only_findings(read(path))


@SETTINGS
@given(content=st.binary(max_size=2000), container=st.sampled_from(["xlsx", "json"]))
def test_random_bytes_as_a_document_give_only_findings(tmp_path_factory, content, container):
    path = tmp_path_factory.mktemp("doc") / f"doc.{container}"
    path.write_bytes(content)
    raw = read(path)
    assert_only_findings(raw)
    assert raw.findings


@SETTINGS
@given(content=st.binary(min_size=1, max_size=200), offset=st.integers(min_value=0))
def test_a_corrupted_workbook_gives_only_findings(tmp_path_factory, content, offset):
    folder = tmp_path_factory.mktemp("book")
    whole = write_workbook(folder / "whole.xlsx").read_bytes()
    at = offset % len(whole)
    (folder / "bad.xlsx").write_bytes(whole[:at] + content + whole[at + len(content) :])
    assert_only_findings(read(folder / "bad.xlsx"))


# Cell text openpyxl can store: XML forbids most control characters.
cell_text = st.text(st.characters(blacklist_categories=["Cs", "Cc"]), max_size=30)
cell_values = st.one_of(
    st.none(),
    cell_text,
    st.booleans(),
    st.integers(min_value=-(2**53), max_value=2**53),
    st.floats(allow_nan=False, allow_infinity=False),
    st.datetimes(min_value=datetime(1901, 1, 1), max_value=datetime(2999, 12, 31)),
    st.dates(min_value=date(1901, 1, 1), max_value=date(2999, 12, 31)),
)
rows_of_cells = st.lists(st.lists(cell_values, min_size=1, max_size=5), min_size=1, max_size=8)


@SETTINGS
@given(rows=rows_of_cells)
def test_random_cells_give_only_findings_and_text(tmp_path_factory, rows):
    folder = tmp_path_factory.mktemp("cells")
    book = openpyxl.Workbook()
    book.active.title = "submission"
    for row in [["field", "value"], *rows]:
        book.active.append(row)
    sheet = book.create_sheet("loans")
    for row in [["c1", "c2", "c3", "c4", "c5"], *rows]:
        sheet.append(row)
    book.save(folder / "book.xlsx")
    raw = read(folder / "book.xlsx")
    assert_only_findings(raw)
    assert {f.code for f in raw.findings} <= {"column-duplicate"}
    loans = raw.tables["loans"].data
    # Trailing empty rows are dropped, so there are never more rows than were written.
    assert loans.num_rows <= len(rows)
    # An empty cell is null, never an empty text: validation relies on it to find missing values.
    assert "" not in [value for column in loans.to_pydict().values() for value in column]

    json_rows = [{f"c{i}": as_text(v) if isinstance(v, date) else v for i, v in enumerate(row)} for row in rows]
    path = write_json(folder / "doc.json", header=json_rows[0], tables={"loans": json_rows})
    raw = read(path)
    assert raw.findings == []
    assert raw.tables["loans"].data.num_rows == len(rows)
    assert "" not in [value for column in raw.tables["loans"].data.to_pydict().values() for value in column]


# Any text but lone surrogates, which UTF-8 cannot hold; line breaks and quotes included.
csv_values = st.text(st.characters(blacklist_categories=["Cs"]), max_size=20)


@SETTINGS
@given(
    rows=st.lists(st.lists(csv_values, min_size=3, max_size=3), max_size=10), line_end=st.sampled_from(["\n", "\r\n"])
)
def test_any_text_round_trips_through_csv(tmp_path_factory, rows, line_end):
    path = write_folder(tmp_path_factory.mktemp("csv") / "s", tables={})
    buffer = io.StringIO()
    # With LF endings a lone CR is only kept as data inside quotes; Python quotes it only under CRLF.
    quoting = csv.QUOTE_ALL if line_end == "\n" else csv.QUOTE_MINIMAL
    csv.writer(buffer, lineterminator=line_end, quoting=quoting).writerows([["a", "b", "c"], *rows])
    (path / "collateral.csv").write_text(buffer.getvalue(), encoding="utf-8", newline="")
    raw = read(path)
    assert raw.findings == []
    expected = {name: [row[index] or None for row in rows] for index, name in enumerate("abc")}
    assert raw.tables["collateral"].data.to_pydict() == expected
