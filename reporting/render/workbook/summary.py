"""The Summary sheet: every figure of the metrics JSON with its formula, the toolkit's value and a check.

The period's bounds are written on top under the defined names `period_start` and `period_end` (the first
instant after the period), which other sheets' formulas use.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.worksheet import Worksheet

from reporting.render.workbook.figures import PERIOD_END, PERIOD_START, Figure
from reporting.render.workbook.inputs import naive_utc
from reporting.render.workbook.writer import (
    FORMATS,
    NOT_AVAILABLE,
    TITLE_FONT,
    WRAP,
    Formula,
    Layout,
    protect,
    resolve,
    set_type,
    write_heading,
)

TITLE = "Summary"
NOTE = "every figure of the metrics JSON: formula, toolkit value, check; master check on top"
MONEY_TOLERANCE = 0.005
"""A money figure checks when the formula and the toolkit differ by at most half a cent."""
RATIO_TOLERANCE = 1e-9
"""Any other number checks when they differ by at most this."""
SUMMARY_ROW0 = 8
"""The header row of the figures."""
CHECK_FORMULAS = {
    "money": '=IF(E{r}="n/a",D{r}="n/a",IF(AND(ISNUMBER(D{r}),ISNUMBER(E{r})),ABS(D{r}-E{r})<='
    + str(MONEY_TOLERANCE)
    + ",FALSE))",
    "text": "=EXACT(D{r},E{r})",
}
NUMBER_CHECK = (
    '=IF(E{r}="n/a",D{r}="n/a",IF(AND(ISNUMBER(D{r}),ISNUMBER(E{r})),ABS(D{r}-E{r})<='
    + repr(RATIO_TOLERANCE)
    + ",FALSE))"
)
UNITS = {
    "money": "USD",
    "share": "share (0–1)",
    "rate": "rate",
    "hhi": "HHI (0–10,000)",
    "ratio": "ratio",
    "count": "count",
    "number": "minutes",
    "date": "date (UTC)",
    "datetime": "UTC",
    "text": "text",
}
LOOKUP = re.compile(r"\{@([a-z][a-z0-9_]*)\}")


def toolkit_cell(kind: str, value: Any) -> Any:
    """The toolkit's value as a cell value: n/a for null, datetimes for dates and timestamps."""
    if value is None:
        return NOT_AVAILABLE
    if kind in ("date", "datetime") and isinstance(value, str):
        return naive_utc(pd.Timestamp(value))
    return value


def figure_formula(figure: Figure, layouts: dict[str, Layout]) -> Formula:
    """The figure's formula with its references resolved; for an entry of a keyed map, `{@key}` names the
    cell of column `key` in the row of the entry's name (n/a when the table has no such row)."""
    formula = figure.formula
    if figure.lookup is not None:
        title, name_column = figure.lookup
        table = layouts[title]
        row = table.row_of(name_column, figure.entry[0])
        if row is None:
            return Formula(f'="{NOT_AVAILABLE}"')
        formula = LOOKUP.sub(lambda match: table.cell(match.group(1), row), formula)
    return resolve(formula, layouts)


def write_summary(
    workbook: Workbook,
    sheet: Worksheet,
    period: str,
    bounds: tuple[pd.Timestamp, pd.Timestamp],
    figures: list[Figure],
    metrics: dict[str, Any],
    layouts: dict[str, Layout],
) -> None:
    """Summary: every figure with its formula, the toolkit's value and a check; the master check on top."""
    figures = [Figure("period", "text", "=$B$3"), *figures]
    # Flags are a list in the metrics JSON; their figures' paths name them by id.
    values = {**metrics, "flags": {flag["id"]: flag for flag in metrics["flags"]}}
    last = SUMMARY_ROW0 + len(figures)
    sheet["A1"] = f"Summary of the {period} report: every figure recomputed from the data sheets"
    sheet["A1"].font = TITLE_FONT
    sheet["A2"] = "Master check (every check below)"
    sheet["B2"] = Formula(
        f'=IF(AND($F${SUMMARY_ROW0 + 1}:$F${last}),"OK: all {len(figures)} figures match","CHECK FAILED")'
    )
    sheet["B2"].font = Font(bold=True, size=12)
    sheet["A3"] = "Period"
    sheet["B3"] = period
    sheet["B3"].data_type = "s"
    sheet["A4"] = "Period start (UTC)"
    sheet["B4"] = naive_utc(bounds[0])
    sheet["A5"] = "Period end (UTC, first instant after the period)"
    sheet["B5"] = naive_utc(bounds[1])
    for name, address in ((PERIOD_START, "$B$4"), (PERIOD_END, "$B$5")):
        sheet[address.replace("$", "")].number_format = FORMATS["datetime"]
        workbook.defined_names[name] = DefinedName(name, attr_text=f"Summary!{address}")
    sheet["A6"] = (
        "Column D computes each figure by formula from the data sheets (click a cell to follow it); column E is "
        "the value the toolkit computed (metrics JSON); column F checks them: within half a cent for money, "
        "1e-9 otherwise; n/a on both sides when the figure cannot be computed."
    )
    sheet["A6"].alignment = WRAP
    sheet.merge_cells("A6:F6")
    sheet.row_dimensions[6].height = 48
    write_heading(
        sheet,
        SUMMARY_ROW0,
        ["figure (path in the metrics JSON)", "defined name", "unit", "workbook formula", "toolkit value", "check"],
    )
    for row, figure in enumerate(figures, start=SUMMARY_ROW0 + 1):
        label = sheet.cell(row, 1, ".".join(figure.parts))
        label.data_type = "s"
        if figure.name:
            sheet.cell(row, 2, figure.name)
            workbook.defined_names[figure.name] = DefinedName(figure.name, attr_text=f"Summary!$D${row}")
        sheet.cell(row, 3, UNITS[figure.kind])
        formula = sheet.cell(row, 4, figure_formula(figure, layouts))
        shown = toolkit_cell(figure.kind, figure.value(values))
        toolkit = sheet.cell(row, 5, shown)
        set_type(toolkit, shown)
        sheet.cell(row, 6, Formula(CHECK_FORMULAS.get(figure.kind, NUMBER_CHECK).format(r=row)))
        formula.number_format = FORMATS[figure.kind]
        toolkit.number_format = FORMATS[figure.kind]
    for letter, width in zip("ABCDEF", (58, 58, 15, 24, 24, 8), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = f"A{SUMMARY_ROW0 + 1}"
    sheet.auto_filter.ref = f"A{SUMMARY_ROW0}:F{last}"
    protect(sheet)
