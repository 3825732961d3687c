"""The workbook writer: tables, styles, protection and formulas with column keys; no knowledge of the report.

A table's columns are named by key, the header before any ` (`: `open_interest_usd (USD)` has the key
`open_interest_usd`. A `Formula` names cells by key in braces, resolved to letters here and nowhere else:
- `{key}`: the cell of column `key` in the formula's own row (`D7`); `{key+23}` the cell 23 rows below;
- `{key$}`: the whole column `key` of the formula's own table, absolute (`$D$2:$D$40`);
- `{row}`: the number of the formula's own row;
- `{Title!key}`: the whole column `key` of the table on sheet `Title` (`'OI by venue'!$C$2:$C$12`);
  `{Title!key#3}`: its cell in the third row of the table (`'Prior period'!$C$4`).
Any other text of a formula is left as it is, and a str that is not a `Formula` is always written as text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from openpyxl.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.filters import AutoFilter
from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from reporting.render.xlsx import cell_text

NOT_AVAILABLE = "n/a"
FORMATS = {
    "money": "$ #,##0.00",
    "share": "0.00%",
    "rate": "0.0000%",
    "hhi": "#,##0.00",
    "ratio": "0.0000",
    "count": "#,##0",
    "number": "#,##0.00",
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm:ss",
    "text": "@",
    "bool": "General",
}
WIDTHS = {
    "money": 22,
    "share": 11,
    "rate": 12,
    "hhi": 12,
    "ratio": 12,
    "count": 10,
    "number": 14,
    "date": 12,
    "datetime": 20,
    "text": 22,
    "bool": 11,
}
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
TITLE_FONT = Font(bold=True, size=14)
WRAP = Alignment(wrap_text=True, vertical="top")
REFERENCE = re.compile(r"\{(?:([A-Za-z][A-Za-z0-9 ]*)!)?([a-z][a-z0-9_]*)(\$|\+\d+|#\d+)?\}")


class Formula(str):
    """A cell formula (starts with `=`), its cells named by column key in braces; any other str is text."""


@dataclass(frozen=True)
class Column:
    """A column of a table: its header (key, then the unit in brackets), its kind (number format), its width."""

    header: str
    kind: str = "text"
    width: int | None = None

    @property
    def key(self) -> str:
        return self.header.split(" (")[0]


@dataclass(frozen=True)
class Sheet:
    """A sheet holding one Excel table, declared as data.

    `title` is the sheet's key and title; its table is named after it (`table_name`). `rows` gives the
    rows from the workbook's inputs, each a list with a value per column: a number, a date, a str (text),
    a `Formula` or None. `note` describes the sheet on README.
    """

    title: str
    columns: tuple[Column, ...]
    rows: Callable[[Any], Sequence[Sequence[Any]]]
    note: str


def table_name(title: str) -> str:
    """The Excel table name of the sheet `title`: lower case, `_` for spaces (`OI by venue` -> `oi_by_venue`)."""
    return title.lower().replace(" ", "_")


@dataclass
class Layout:
    """Where a table lies: its sheet, its rows (first and last data row), its column letters by key."""

    title: str
    columns: Sequence[Column]
    rows: Sequence[Sequence[Any]]
    top: int = 1
    letters: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        self.letters = {column.key: get_column_letter(index) for index, column in enumerate(self.columns, start=1)}

    @property
    def first(self) -> int:
        return self.top + 1

    @property
    def last(self) -> int:
        # A table with no rows gets one empty row, so that its ranges (and the formulas over them) stay valid.
        return self.top + max(len(self.rows), 1)

    def column(self, key: str, sheet: bool = True) -> str:
        """The absolute range of column `key`, with its sheet's name unless `sheet` is False."""
        letter = self.letters[key]
        where = f"{quote_sheetname(self.title)}!" if sheet else ""
        return f"{where}${letter}${self.first}:${letter}${self.last}"

    def cell(self, key: str, row: int) -> str:
        """The absolute address of column `key` in `row`, with its sheet's name."""
        return f"{quote_sheetname(self.title)}!${self.letters[key]}${row}"

    def row_of(self, key: str, value: object) -> int | None:
        """The first row whose cell in column `key` holds `value`."""
        index = list(self.columns).index(next(c for c in self.columns if c.key == key))
        for row, cells in enumerate(self.rows, start=self.first):
            if cells[index] == value:
                return row
        return None


def resolve(formula: str, layouts: dict[str, Layout], own: Layout | None = None, row: int = 0) -> Formula:
    """The formula with every `{...}` reference (see the module's docstring) replaced by its cells."""

    def replace(match: re.Match[str]) -> str:
        title, key, suffix = match.groups()
        if title is not None:
            table = layouts[title]
            return table.cell(key, table.first + int(suffix[1:]) - 1) if suffix else table.column(key)
        assert own is not None, f"{match.group(0)} names a column of its own table, outside a table"
        if key == "row":
            return str(row)
        if suffix == "$":
            return own.column(key, sheet=False)
        return f"{own.letters[key]}{row + int(suffix or 0)}"

    return Formula(REFERENCE.sub(replace, formula))


def write_table(sheet: Worksheet, layout: Layout, layouts: dict[str, Layout]) -> None:
    """Write the table of `layout` on `sheet` from row `layout.top`: header frozen, filters on, protected."""
    columns = layout.columns
    write_header(sheet, [column.header for column in columns])
    styles = column_styles(sheet, [column.kind for column in columns])
    for row, values in enumerate(layout.rows, start=layout.first):
        cells = [resolve(v, layouts, layout, row) if isinstance(v, Formula) else v for v in values]
        sheet.append([cell(sheet, value, style) for value, style in zip(cells, styles, strict=True)])
    if not layout.rows:
        sheet.append([None] * len(columns))
    for column in columns:
        sheet.column_dimensions[layout.letters[column.key]].width = column.width or max(
            WIDTHS[column.kind], min(len(column.header) + 3, 40)
        )
    sheet.freeze_panes = f"A{layout.first}"
    ref = f"A{layout.top}:{get_column_letter(len(columns))}{layout.last}"
    # The columns are named here, so that saving does not read them back from the header cells.
    table = Table(
        displayName=table_name(layout.title),
        ref=ref,
        autoFilter=AutoFilter(ref=ref),
        tableColumns=[TableColumn(id=index, name=column.header) for index, column in enumerate(columns, start=1)],
    )
    table.tableStyleInfo = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)
    sheet.add_table(table)
    protect(sheet)


def write_header(sheet: Worksheet, headers: Sequence[str]) -> None:
    """Append a header row of text cells: bold, shaded, wrapped."""
    sheet.append(headers)
    for header in sheet[sheet.max_row]:
        header.data_type = "s"
        header.font = HEADER_FONT
        header.fill = HEADER_FILL
        header.alignment = WRAP


def write_heading(sheet: Worksheet, row: int, headers: Sequence[str]) -> None:
    """Bold, shaded header cells in `row`, from column A (above cells that are not an Excel table)."""
    for col, text in enumerate(headers, start=1):
        heading = sheet.cell(row, col, text)
        heading.font = HEADER_FONT
        heading.fill = HEADER_FILL


def column_styles(sheet: Worksheet, kinds: Sequence[str]) -> list[StyleArray | None]:
    """The style of each column's cells (its number format), made once and copied into every cell."""
    styles: list[StyleArray | None] = []
    for kind in kinds:
        template = Cell(sheet)
        template.number_format = FORMATS[kind]
        styles.append(template._style if FORMATS[kind] != "General" else None)
    return styles


def cell(sheet: Worksheet, value: Any, style: StyleArray | None) -> Cell:
    """A cell of `sheet` holding the value; a str that is not a `Formula` stays text whatever it starts with, with
    what XML cannot hold escaped (`cell_text`)."""
    if isinstance(value, str) and not isinstance(value, Formula):
        value = cell_text(value)
    made = Cell(sheet, value=value, style_array=style)
    set_type(made, value)
    return made


def set_type(target: Any, value: Any) -> None:
    """Keep a str that is not a `Formula` a text cell."""
    # openpyxl turns any str starting with "=" into a formula (and "#N/A" into an error); only the
    # toolkit's own formulas may be one.
    if isinstance(value, str) and not isinstance(value, Formula):
        target.data_type = "s"


def protect(sheet: Worksheet) -> None:
    """Protect against accidental edits, without a password; sorting, filtering and resizing stay allowed."""
    # Printed (or converted to PDF) one page wide, landscape, so that no column lands on a page of its own.
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.protection.sheet = True
    sheet.protection.sort = False
    sheet.protection.autoFilter = False
    sheet.protection.formatColumns = False


def string_literal(text: str) -> str:
    """A text as a formula string literal (quotes doubled)."""
    return '"' + text.replace('"', '""') + '"'
