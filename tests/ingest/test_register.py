"""Reading the register of expected filers: CSV and .xlsx, and one clear line for every bad register."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from reporting.cli import cli
from reporting.ingest.register import RegisterError, days_late, due_at, due_date, read_register

HEADER = "entity_id,entity_name,entity_type,expected_from,expected_to,due_day"
GOOD = f"""{HEADER}
northwind-derivatives,Northwind Derivatives,cex,2025-01,,
strata-treasury,Strata Treasury,dat,2024-06,2025-10,20
"""


def test_a_csv_register_reads_into_entries(tmp_path: Path) -> None:
    path = tmp_path / "register.csv"
    path.write_text(GOOD, encoding="utf-8")
    register = read_register(path)
    northwind, strata = register.entries
    assert (northwind.entity_id, northwind.expected_to, northwind.due_day) == ("northwind-derivatives", None, None)
    assert (strata.expected_from, strata.expected_to, strata.due_day) == ("2024-06", "2025-10", 20)
    assert [e.entity_id for e in register.expected("2025-11")] == ["northwind-derivatives"]
    assert [e.entity_id for e in register.expected("2025-10")] == ["northwind-derivatives", "strata-treasury"]
    assert [e.entity_id for e in register.expected("2024-12")] == ["strata-treasury"]
    assert register.find("strata-treasury") is strata and register.find("nobody") is None


def test_an_xlsx_register_reads_like_the_csv_even_with_date_and_number_cells(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "register"
    sheet.append(HEADER.split(","))
    sheet.append(["northwind-derivatives", "Northwind Derivatives", "cex", datetime(2025, 1, 1), None, None])
    sheet.append(["strata-treasury", "Strata Treasury", "dat", "2024-06", datetime(2025, 10, 1), 20])
    book.save(tmp_path / "register.xlsx")
    (tmp_path / "register.csv").write_text(GOOD, encoding="utf-8")
    assert read_register(tmp_path / "register.xlsx").entries == read_register(tmp_path / "register.csv").entries


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("entity_id,entity_name\nx,y\n", "row 1 must name the columns"),
        (f"{HEADER},notes\nx,X,cex,2025-01,,,hello\n", "unknown notes"),
        (f"{HEADER}\nx,X,cex,2025-1,,\n", "row 2: expected_from is '2025-1'; it must be a period YYYY-MM"),
        (f"{HEADER}\nx,X,cex,2025-01,November,\n", "row 2: expected_to is 'November'"),
        (f"{HEADER}\nx,X,cex,2025-01,,0\n", "row 2: due_day is '0'; it must be a whole number from 1 to 28"),
        (f"{HEADER}\nx,X,cex,2025-01,,29\n", "row 2: due_day is '29'"),
        (f"{HEADER}\nx,X,cex,2025-01,,15.5\n", "row 2: due_day is '15.5'"),
        (f"{HEADER}\nx,X,broker,2025-01,,\n", "row 2: entity_type is 'broker'"),
        (f"{HEADER}\nx,X,cex,2025-01,,\ny,Y,dex,2025-01,,\nx,X2,cex,2025-02,,\n", "row 4: entity_id x is already"),
        (f"{HEADER}\nx,X,cex,2025-06,2025-05,\n", "row 2: expected_to 2025-05 is before expected_from 2025-06"),
        (f"{HEADER}\nx,,cex,2025-01,,\n", "row 2: entity_name is empty"),
        (f"{HEADER}\n", "the register lists no entity"),
        ("", "row 1 must name the columns"),
        ('entity_id,"entity_name\n', "not a readable CSV file"),
    ],
)
def test_a_bad_register_is_one_line_naming_the_problem(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "register.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RegisterError, match=None) as raised:
        read_register(path)
    assert message in str(raised.value)
    assert str(raised.value).startswith(str(path)) and "\n" not in str(raised.value)


@pytest.mark.parametrize("day", [1, 28])
def test_due_days_1_and_28_are_allowed(tmp_path: Path, day: int) -> None:
    path = tmp_path / "register.csv"
    path.write_text(f"{HEADER}\nx,X,cex,2025-01,,{day}\n", encoding="utf-8")
    assert read_register(path).entries[0].due_day == day


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("register.csv", "entity_id,entity_name\n".encode("utf-16"), "not UTF-8 text"),
        ("register.xlsx", b"PK not a zip", "not an .xlsx workbook"),
    ],
)
def test_an_unreadable_register_is_one_line(tmp_path: Path, name: str, data: bytes, message: str) -> None:
    (tmp_path / name).write_bytes(data)
    with pytest.raises(RegisterError) as raised:
        read_register(tmp_path / name)
    assert message in str(raised.value)


def test_a_workbook_without_a_register_sheet_is_refused(tmp_path: Path) -> None:
    openpyxl.Workbook().save(tmp_path / "register.xlsx")
    with pytest.raises(RegisterError, match="no sheet named 'register'"):
        read_register(tmp_path / "register.xlsx")


def test_the_cli_refuses_a_bad_register_with_exit_2_and_no_traceback(tmp_path: Path) -> None:
    path = tmp_path / "register.csv"
    path.write_text(f"{HEADER}\nx,X,cex,2025-01,,31\n", encoding="utf-8")
    for command in (["validate", str(tmp_path)], ["build", str(tmp_path), "--period", "2025-11", "--out", "o"]):
        result = CliRunner().invoke(cli, [*command, "--register", str(path)])
        assert result.exit_code == 2
        assert "Invalid value for '--register'" in result.output and "row 2: due_day is '31'" in result.output
        assert "Traceback" not in result.output


def test_due_at_is_the_end_of_the_due_day_of_the_next_month() -> None:
    assert due_date("2025-11", None) == datetime(2025, 12, 15).date()
    assert due_at("2025-11", None) == datetime(2025, 12, 16, tzinfo=UTC)
    assert due_at("2025-12", 3) == datetime(2026, 1, 4, tzinfo=UTC)


def test_days_late_round_up_and_the_due_instant_itself_is_on_time() -> None:
    due = due_at("2025-11", 15)
    second = timedelta(seconds=1)
    assert days_late(due - second, due) == 0
    assert days_late(due, due) == 0
    assert days_late(due + second, due) == 1
    assert days_late(due + timedelta(days=1), due) == 1
    assert days_late(due + timedelta(days=1) + second, due) == 2


def test_validate_with_the_sample_register_warns_of_the_late_filer_and_still_exits_0() -> None:
    root = Path(__file__).resolve().parents[2] / "sample_data"
    args = ["validate", str(root / "2025-11"), "--register", str(root / "register.csv"), "--format", "json"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    found = {(s["entity_id"], f["code"]) for s in json.loads(result.output)["submissions"] for f in s["findings"]}
    assert found == {("lanternfield-lending", "submission-late")}
