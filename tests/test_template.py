"""Blank submission workbooks: read back with openpyxl and checked against the contract."""

from __future__ import annotations

import uuid
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from openpyxl.worksheet.worksheet import Worksheet

from reporting.cli import cli
from reporting.contract import (
    LEI_REQUIRED_TYPES,
    TABLES,
    TABLES_BY_ENTITY,
    ColumnSpec,
    Header,
    column_specs,
    lei_checksum_valid,
)
from reporting.ingest.read import read_submission
from reporting.template import write_template
from reporting.validate.submission import validate_submission

ENTITY_TYPES = sorted(TABLES_BY_ENTITY)

# What a compliance officer should see in each kind of column, written out here rather than imported,
# so that a change to the template's formats has to be made on purpose in both places.
EXPECTED_FORMATS = {
    "money": "#,##0.00",
    "price": "0.00######",
    "integer": "0",
    "date": "yyyy-mm-dd",
    "timestamp": "@",
    "boolean": "@",
    "enum": "@",
    "text": "@",
}


def expected_format(spec: ColumnSpec) -> str:
    if spec.kind == "number":
        return "0.00" if spec.name.endswith(("_pct", "_share")) else "0.00######"
    return EXPECTED_FORMATS[spec.kind]


@pytest.fixture(scope="module")
def workbooks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, openpyxl.Workbook]:
    folder = tmp_path_factory.mktemp("templates")
    return {et: openpyxl.load_workbook(write_template(et, folder / f"{et}.xlsx")) for et in ENTITY_TYPES}


def validations_of(sheet: Worksheet, cell: str) -> list[str]:
    """The list formulas of the data validations that cover one cell."""
    return [dv.formula1 for dv in sheet.data_validations.dataValidation if cell in dv.sqref]


def inline_list(choices: tuple[str, ...]) -> str:
    return '"' + ",".join(choices) + '"'


@pytest.mark.parametrize("entity_type", ENTITY_TYPES)
def test_sheets_are_readme_submission_and_the_entity_tables(workbooks, entity_type):
    assert workbooks[entity_type].sheetnames == ["README", "submission", *TABLES_BY_ENTITY[entity_type]]


@pytest.mark.parametrize("entity_type", ENTITY_TYPES)
def test_table_sheets_have_contract_columns_bold_and_frozen(workbooks, entity_type):
    for table in TABLES_BY_ENTITY[entity_type]:
        sheet = workbooks[entity_type][table]
        header = [cell.value for cell in sheet[1]]
        assert header == [spec.name for spec in column_specs(TABLES[table])]
        assert all(cell.font.b for cell in sheet[1])
        assert sheet.freeze_panes == "A2"
        assert sheet.max_row == 1, "a blank template has no data rows"


@pytest.mark.parametrize("entity_type", ENTITY_TYPES)
def test_closed_list_columns_have_a_dropdown_of_the_contract_choices(workbooks, entity_type):
    checked = 0
    for table in TABLES_BY_ENTITY[entity_type]:
        sheet = workbooks[entity_type][table]
        for index, spec in enumerate(column_specs(TABLES[table]), start=1):
            letter = openpyxl.utils.get_column_letter(index)
            if spec.choices:
                expected = [inline_list(spec.choices)]
            elif spec.kind == "boolean":
                expected = ['"true,false"']
            else:
                assert validations_of(sheet, f"{letter}2") == [], f"{table}.{spec.name}"
                continue
            for row in (2, 100_000):
                assert validations_of(sheet, f"{letter}{row}") == expected, f"{table}.{spec.name}"
            assert validations_of(sheet, f"{letter}1") == [], "the column names are not restricted"
            checked += 1
    assert checked > 0


@pytest.mark.parametrize("entity_type", ENTITY_TYPES)
def test_columns_carry_number_formats_and_widths(workbooks, entity_type):
    for table in TABLES_BY_ENTITY[entity_type]:
        sheet = workbooks[entity_type][table]
        for index, spec in enumerate(column_specs(TABLES[table]), start=1):
            dimension = sheet.column_dimensions[openpyxl.utils.get_column_letter(index)]
            assert dimension.number_format == expected_format(spec), f"{table}.{spec.name}"
            assert dimension.width >= len(spec.name), f"{table}.{spec.name}"


def test_formats_of_some_columns_a_submitter_meets():
    by_name = {(t, s.name): s for t, m in TABLES.items() for s in column_specs(m)}
    assert expected_format(by_name["open_interest", "open_interest_usd"]) == "#,##0.00"
    assert expected_format(by_name["open_interest", "mark_price_usd"]) == "0.00######"
    assert expected_format(by_name["incidents", "clients_affected_pct"]) == "0.00"
    assert expected_format(by_name["liquidations", "ts"]) == "@"


@pytest.mark.parametrize("entity_type", ENTITY_TYPES)
def test_submission_sheet_lists_every_header_field(workbooks, entity_type):
    sheet = workbooks[entity_type]["submission"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("field", "value")
    assert [row[0] for row in rows[1:]] == list(Header.model_fields)
    values = {row[0]: row[1] for row in rows[1:]}
    assert values["schema_version"] == "1.1"
    assert values["entity_type"] == entity_type
    assert {name for name, value in values.items() if value is not None} == {"schema_version", "entity_type"}
    for row in sheet.iter_rows(min_row=2, min_col=2, max_col=2):
        assert row[0].number_format == "@", "a period such as 2025-11 must stay text"
    fields = [row[0] for row in rows]
    entity_cell = f"B{fields.index('entity_type') + 1}"
    assert validations_of(sheet, entity_cell) == [inline_list(tuple(ENTITY_TYPES_IN_CONTRACT_ORDER))]
    period_cell = f"B{fields.index('period') + 1}"
    assert validations_of(sheet, period_cell) == []


ENTITY_TYPES_IN_CONTRACT_ORDER = next(s.choices for s in column_specs(Header) if s.name == "entity_type")


@pytest.mark.parametrize("entity_type", ENTITY_TYPES)
def test_readme_explains_every_field_sent(workbooks, entity_type):
    sheet = workbooks[entity_type]["README"]
    assert sheet.title == workbooks[entity_type].sheetnames[0]
    rows = [row for row in sheet.iter_rows(values_only=True)]
    start = rows.index(("table", "column", "type", "required", "allowed values", "description"))
    fields = {(row[0], row[1]): row for row in rows[start + 1 :]}
    expected = [("submission", Header)] + [(t, TABLES[t]) for t in TABLES_BY_ENTITY[entity_type]]
    assert list(fields) == [(table, spec.name) for table, model in expected for spec in column_specs(model)]
    for table, model in expected:
        for spec in column_specs(model):
            row = fields[table, spec.name]
            if table == "submission" and spec.name in ("lei", "jurisdiction") and entity_type in LEI_REQUIRED_TYPES:
                assert row[3] == "required for this entity type"
            else:
                assert row[3] == ("optional (may be empty)" if spec.nullable else "required")
            assert row[5] == spec.description
    text = "\n".join(str(row[0]) for row in rows[:start])
    assert "empty cell means null" in text
    assert "2025-11-03T14:00:00Z" in text
    assert "no thousands separators" in text
    for table, need in TABLES_BY_ENTITY[entity_type].items():
        label = {"R": "required", "E": "required, may have no rows", "O": "optional"}[need]
        assert f"{table} ({label})" in text


def test_every_field_of_the_contract_has_a_description():
    for model in [Header, *TABLES.values()]:
        for spec in column_specs(model):
            assert len(spec.description) > 10, f"{model.__name__}.{spec.name}"
    optional = [spec for spec in column_specs(TABLES["loans"]) if spec.nullable]
    assert optional and all(spec.description for spec in optional)
    assert "cross" in next(s.description for s in column_specs(TABLES["liquidations"]) if s.name == "margin_mode")


def test_enum_choices_fit_inline_lists():
    for model in [Header, *TABLES.values()]:
        for spec in column_specs(model):
            assert len(",".join(spec.choices)) <= 255, spec.name


def test_same_entity_type_gives_the_same_bytes(tmp_path):
    first = write_template("cex", tmp_path / "a.xlsx").read_bytes()
    second = write_template("cex", tmp_path / "b.xlsx").read_bytes()
    assert first == second
    with zipfile.ZipFile(tmp_path / "a.xlsx") as archive:
        assert {entry.date_time for entry in archive.infolist()} == {(2000, 1, 1, 0, 0, 0)}
    book = openpyxl.load_workbook(tmp_path / "a.xlsx")
    assert book.properties.creator == "riskreport"
    assert book.properties.created.year == 2000
    assert book.properties.modified.year == 2000


def test_unknown_entity_type_is_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown entity type 'bank'"):
        write_template("bank", tmp_path / "bank.xlsx")
    assert not (tmp_path / "bank.xlsx").exists()


def test_cli_writes_the_template(tmp_path):
    out = tmp_path / "dat.xlsx"
    result = CliRunner().invoke(cli, ["template", "dat", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert openpyxl.load_workbook(out).sheetnames == ["README", "submission", "dat_debt"]
    refused = CliRunner().invoke(cli, ["template", "bank", "--out", str(out)])
    assert refused.exit_code == 2


def valid_lei(prefix: str) -> str:
    """A syntactically valid LEI: 18 characters and the ISO 7064 mod 97-10 check digits."""
    check = 98 - int("".join(str(int(ch, 36)) for ch in prefix + "00")) % 97
    return f"{prefix}{check:02d}"


def fill_table(sheet: Worksheet, rows: list[dict[str, object]]) -> None:
    """Type rows under the column names, as a submitter would."""
    columns = [cell.value for cell in sheet[1]]
    for offset, row in enumerate(rows, start=2):
        for index, name in enumerate(columns, start=1):
            if row.get(name) is not None:
                sheet.cell(offset, index, row[name])


def fill_cex_template(path: Path) -> Path:
    """A cex template filled in with a few valid rows, saved."""
    book = openpyxl.load_workbook(write_template("cex", path))
    header = {
        "submission_id": str(uuid.UUID(int=7)),
        "entity_id": "venue-7",
        "entity_name": "Venue Seven",
        "lei": valid_lei("5493001KJTIIGC8Y1R"),
        "jurisdiction": "FR",
        "period": "2025-11",
        "submitted_at": "2025-12-05T09:00:00Z",
        "contact_email": "reporting@venue7.example",
        "attestation_name": "Jane Roe",
        "attestation_role": "Chief Compliance Officer",
    }
    assert lei_checksum_valid(header["lei"])
    for row in book["submission"].iter_rows(min_row=2, max_col=2):
        if row[0].value in header:
            row[1].value = header[row[0].value]
    fill_table(
        book["open_interest"],
        [
            {
                "date": date(2025, 11, day),
                "symbol": "BTCUSDT",
                "base_asset": "BTC",
                "contract_type": "perpetual",
                "open_interest_usd": 1_250_000.5,
                "mark_price_usd": 91_234.12345678,
                "funding_rate": 0.0001,
                "funding_interval_hours": 8,
                "volume_usd": 9_800_000,
            }
            for day in (1, 2)
        ]
        + [
            {
                "date": "2025-11-01",
                "symbol": "ETH-27MAR26",
                "base_asset": "ETH",
                "contract_type": "future",
                "open_interest_usd": 300_000,
                "mark_price_usd": 3_100.5,
                "volume_usd": 120_000.25,
            }
        ],
    )
    fill_table(
        book["liquidations"],
        [
            {
                "event_id": "liq-1",
                "ts": "2025-11-03T14:00:00Z",
                "symbol": "BTCUSDT",
                "base_asset": "BTC",
                "position_side": "long",
                "method": "order_book",
                "margin_mode": "cross",
                "quantity": 0.5,
                "price_usd": 90_000,
                "notional_usd": 45_000,
            }
        ],
    )
    fill_table(
        book["collateral"],
        [{"asset": "USDT", "balance_usd": 5_000_000, "pricing_method": "order_book", "cross_margin_usd": 1_000_000}],
    )
    filled = path.with_name("filled.xlsx")
    book.save(filled)
    return filled


def read_and_validate(path: Path):
    return validate_submission(read_submission(path, path.parent), "2025-11")


def test_a_filled_in_template_is_read_and_accepted(tmp_path):
    result = read_and_validate(fill_cex_template(tmp_path / "cex.xlsx"))
    assert [f for f in result.findings if f.severity == "error"] == []
    # Not even a warning: the README sheet is not mistaken for a table.
    assert result.findings == []
    assert result.status == "accepted"
    assert result.rows == {"open_interest": 3, "liquidations": 1, "collateral": 1, "leverage_bands": 0, "incidents": 0}
    assert result.header is not None and result.header.entity_id == "venue-7"


def test_a_value_outside_a_dropdown_is_found_where_the_submitter_typed_it(tmp_path):
    filled = fill_cex_template(tmp_path / "cex.xlsx")
    book = openpyxl.load_workbook(filled)
    book["liquidations"]["E2"] = "sideways"
    book.save(filled)
    result = read_and_validate(filled)
    assert result.status == "rejected"
    assert [(f.table, f.row, f.column, f.value) for f in result.findings if f.severity == "error"] == [
        ("liquidations", 2, "position_side", "sideways")
    ]
