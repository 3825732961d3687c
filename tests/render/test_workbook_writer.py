"""The workbook writer: formulas name cells by column key, resolved to the right letters and rows; flag formulas."""

from __future__ import annotations

from io import BytesIO

import pytest
from openpyxl import Workbook, load_workbook

from reporting.metrics.flags import FLAGS, RULES
from reporting.render.workbook.flags import FLAG_FORMULAS
from reporting.render.workbook.writer import Column, Formula, Layout, resolve, table_name, write_table
from reporting.render.xlsx import xlsx_bytes

COLUMNS = (Column("venue"), Column("long_usd (USD)", "money"), Column("short_usd (USD)", "money"))
ROWS = [["a", 1.0, 2.0], ["b", 3.0, 4.0], ["c", 5.0, 6.0]]


@pytest.fixture
def layouts() -> dict[str, Layout]:
    return {
        "Liquidations by venue": Layout("Liquidations by venue", COLUMNS, ROWS),
        "Funding": Layout("Funding", COLUMNS, []),
    }


@pytest.mark.parametrize(
    ("formula", "row", "expected"),
    [
        ("={long_usd}+{short_usd}", 3, "=B3+C3"),
        ("=SUM({long_usd}:{long_usd+23})", 5, "=SUM(B5:B28)"),
        ("={short_usd}/SUM({short_usd$})", 2, "=C2/SUM($C$2:$C$4)"),
        ("=SUM({Liquidations by venue!long_usd})", 2, "=SUM('Liquidations by venue'!$B$2:$B$4)"),
        ("={Liquidations by venue!short_usd#3}", 2, "='Liquidations by venue'!$C$4"),
        ("=SUM({Funding!long_usd})", 2, "=SUM('Funding'!$B$2:$B$2)"),  # an empty table keeps one row
        ("=SUM(Sheet!$A{row}:$B{row})", 7, "=SUM(Sheet!$A7:$B7)"),
        ('=IF({venue}="n/a",0,1)', 4, '=IF(A4="n/a",0,1)'),
    ],
)
def test_column_keys_resolve_to_letters(layouts: dict[str, Layout], formula: str, row: int, expected: str) -> None:
    assert resolve(formula, layouts, layouts["Liquidations by venue"], row) == expected


def test_a_table_is_written_with_its_formulas_resolved_and_text_kept_text(layouts: dict[str, Layout]) -> None:
    layout = Layout("Liquidations by venue", (*COLUMNS, Column("total_usd (USD)", "money")), [])
    layout.rows = [[*row, Formula("={long_usd}+{short_usd}")] for row in ROWS] + [["=1+1", 0.0, 0.0, None]]
    workbook = Workbook()
    sheet = workbook.create_sheet(layout.title)
    write_table(sheet, layout, {**layouts, layout.title: layout})
    read = load_workbook(BytesIO(xlsx_bytes(workbook)))[layout.title]
    assert [cell.value for cell in read["D"]][1:4] == ["=B2+C2", "=B3+C3", "=B4+C4"]
    assert read["A5"].value == "=1+1" and read["A5"].data_type == "s"  # a str is never a formula
    assert read.tables[table_name(layout.title)].ref == "A1:D5"
    assert table_name("OI daily totals") == "oi_daily_totals"


def test_every_flag_rule_kind_has_its_workbook_formulas() -> None:
    assert set(FLAG_FORMULAS) == set(RULES)
    assert all(definition.rule in FLAG_FORMULAS for definition in FLAGS)
