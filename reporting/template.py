"""Blank submission workbooks: the `.xlsx` a reporting entity fills in for one entity type.

The workbook follows the workbook container of the submission format: a `submission` sheet with the
columns `field` and `value` (the header), and one sheet per table the entity type sends, named as the
table, with the column names in row 1. A `README` sheet comes first and explains every field. Column
order, required/optional, allowed values and descriptions all come from `reporting.contract`, so the
template cannot drift from the contract.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from reporting.contract import (
    HEADER_TABLE,
    SCHEMA_VERSION,
    TABLES,
    TABLES_BY_ENTITY,
    ColumnSpec,
    ContractModel,
    Header,
    column_specs,
)
from reporting.render.xlsx import xlsx_bytes

README_SHEET = "README"
LAST_TEMPLATE_ROW = 100_000
"""Dropdowns cover table rows 2 to this row; formats cover whole columns."""

FIXED_TIME = datetime(2000, 1, 1)
"""Creation and modification time written into every template, so that one entity type gives one file."""

CREATOR = "riskreport"

# Excel keeps an inline list validation ("a,b,c") to 255 characters; every enum of the contract fits,
# which spares the workbook a helper sheet that the reader would report as an unknown table.
INLINE_LIST_LIMIT = 255

TEXT_FORMAT = "@"
NUMBER_FORMATS: dict[str, str] = {
    "money": "#,##0.00",
    "price": "0.00######",
    "number": "0.00######",
    "integer": "0",
    "date": "yyyy-mm-dd",
    # Spreadsheet cells carry no time zone, so timestamps are typed as text with their zone; text,
    # enums and booleans are text too, so that Excel does not turn `2025-11` into a date or `true`
    # into TRUE.
    "timestamp": TEXT_FORMAT,
    "boolean": TEXT_FORMAT,
    "enum": TEXT_FORMAT,
    "text": TEXT_FORMAT,
}
PERCENT_FORMAT = "0.00"
"""For `_pct` (0–100) and `_share` (0–1) columns."""

COLUMN_WIDTHS: dict[str, int] = {
    "money": 18,
    "price": 16,
    "number": 14,
    "integer": 10,
    "date": 12,
    "timestamp": 24,
    "boolean": 8,
    "enum": 12,
    "text": 20,
}
MAX_COLUMN_WIDTH = 40

TABLE_NEEDS = {
    "R": "required",
    "E": "required, may have no rows",
    "O": "optional",
}

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
TITLE_FONT = Font(bold=True, size=14)
WRAP = Alignment(wrap_text=True, vertical="top")

README_COLUMNS = ("table", "column", "type", "required", "allowed values", "description")
README_WIDTHS = (16, 26, 11, 22, 40, 100)


def write_template(entity_type: str, path: Path) -> Path:
    """Write the blank submission workbook for `entity_type` (cex, dex, cefi_lender, ...) to `path`.

    Sheets: README, submission, then one per table the entity type sends (required and optional),
    in the order of the submission format. The same entity type always gives the same bytes.
    """
    if entity_type not in TABLES_BY_ENTITY:
        known = ", ".join(TABLES_BY_ENTITY)
        raise ValueError(f"unknown entity type {entity_type!r}; expected one of {known}")
    workbook = build_template(entity_type)
    path.write_bytes(xlsx_bytes(workbook))
    return path


def build_template(entity_type: str) -> Workbook:
    """The template workbook for one entity type, in memory."""
    workbook = Workbook()
    readme = workbook.active
    assert readme is not None  # a new Workbook always has one sheet
    readme.title = README_SHEET
    tables = TABLES_BY_ENTITY[entity_type]
    write_readme(readme, entity_type, tables)
    write_header_sheet(workbook.create_sheet(HEADER_TABLE), entity_type)
    for name in tables:
        write_table_sheet(workbook.create_sheet(name), TABLES[name])
    workbook.properties.creator = CREATOR
    workbook.properties.lastModifiedBy = CREATOR
    workbook.properties.title = f"Submission template {SCHEMA_VERSION}: {entity_type}"
    workbook.properties.created = FIXED_TIME
    workbook.properties.modified = FIXED_TIME
    return workbook


def number_format(spec: ColumnSpec) -> str:
    """The cell number format of a column: how Excel shows (and parses) what is typed in it."""
    if spec.kind == "number" and spec.name.endswith(("_pct", "_share")):
        return PERCENT_FORMAT
    return NUMBER_FORMATS[spec.kind]


def dropdown_choices(spec: ColumnSpec) -> tuple[str, ...]:
    """The values a dropdown offers for a column; empty when the column is not a closed list."""
    if spec.kind == "boolean":
        return ("true", "false")
    return spec.choices


def dropdown(spec: ColumnSpec) -> DataValidation:
    """A list validation offering the allowed values of a column; a blank cell stays allowed (null)."""
    choices = dropdown_choices(spec)
    formula = '"' + ",".join(choices) + '"'
    if len(formula) - 2 > INLINE_LIST_LIMIT or any("," in c or '"' in c for c in choices):
        raise ValueError(f"the choices of {spec.name} do not fit an inline list: {choices}")
    return DataValidation(
        type="list",
        formula1=formula,
        allow_blank=True,
        showErrorMessage=True,
        errorTitle=f"Not a value of {spec.name}",
        error=f"{spec.name} must be one of: {', '.join(choices)}.",
    )


def column_width(spec: ColumnSpec) -> int:
    """A width that shows the column name and a typical value."""
    width = COLUMN_WIDTHS[spec.kind]
    if spec.choices:
        width = max(width, max(len(choice) for choice in spec.choices) + 4)
    return min(max(width, len(spec.name) + 4), MAX_COLUMN_WIDTH)


def type_label(spec: ColumnSpec) -> str:
    """The type of a field as the submission format names it."""
    if spec.kind == "number" and spec.name.endswith("_pct"):
        return "percent"
    return spec.kind


def requirement_label(spec: ColumnSpec, required_here: bool = False) -> str:
    """Whether a field must be filled in; `required_here` for a nullable field this entity type must fill."""
    if not spec.nullable:
        return "required"
    return "required for this entity type" if required_here else "optional (may be empty)"


def header_fields_required_for(entity_type: str) -> frozenset[str]:
    """Nullable header fields that an entity type must fill in (lei and jurisdiction for cex, ...).

    Read off the header's own rules: a header with only `entity_type` set breaks exactly the
    "required" rules that apply to that entity type.
    """
    blank = pd.DataFrame([{name: None for name in Header.model_fields} | {"entity_type": entity_type}])
    return frozenset(rule.column for rule in Header.rules if bool(rule.violated(blank).fillna(False).iloc[0]))


def table_summary(model: type[ContractModel]) -> str:
    """What one row of a table is, from the model's docstring (`name: one row per ...`)."""
    first_line = (model.__doc__ or "").strip().splitlines()[0]
    return first_line.split(": ", 1)[-1].rstrip(".")


def readme_intro(entity_type: str, tables: dict[str, str]) -> list[str]:
    """The instructions at the top of the README sheet."""
    lines = [
        f"This workbook is a blank submission, format version {SCHEMA_VERSION}, for a reporting entity of type "
        f"{entity_type}. One submission is what one entity reports for one calendar month.",
        "",
        "How to fill it in",
        f"- Sheet '{HEADER_TABLE}': one row per header field; type each value in column B (value). "
        "schema_version and entity_type are filled in already.",
        "- One sheet per table, named exactly as the table; row 1 holds the column names. Do not rename, "
        "reorder or delete sheets or columns. Type one row per record, from row 2 down, with no blank rows.",
    ]
    for name, need in tables.items():
        lines.append(f"    {name} ({TABLE_NEEDS[need]}): {table_summary(TABLES[name])}.")
    lines += [
        "- An optional table with nothing to report keeps its column names and no rows.",
        "- An empty cell means null (no value). Leave optional cells empty when they do not apply.",
        "- Numbers: '.' as the decimal point, no thousands separators, no currency signs. Money is in US "
        "dollars, up to 2 decimals; prices up to 8 decimals. _pct columns are percentages from 0 to 100; "
        "_share columns and liquidation_ltv are fractions (0.8 = 80 %).",
        "- Dates: YYYY-MM-DD, e.g. 2025-11-03 (date cells are fine).",
        "- Timestamps: text with their time zone, e.g. 2025-11-03T14:00:00Z or 2025-11-03T15:00:00+01:00. "
        "A timestamp without a zone is an error.",
        "- Booleans: true or false. Columns with a closed list of values have a dropdown.",
        "- Tickers: as the asset's issuer writes them, letter case included (BTC, weETH, cbBTC, crvUSD, USDC.e); "
        "weETH and WEETH are two assets. ALL (leverage_bands) and NONE (unsecured loans) are written in upper case.",
        "- Row numbers in the validation report are the ones shown here: row 1 is the column names, "
        "the first record is row 2.",
        "",
        "Fields",
    ]
    return lines


def write_readme(sheet: Worksheet, entity_type: str, tables: dict[str, str]) -> None:
    """The README sheet: instructions, then one row per field of the header and of each table."""
    sheet.append([f"Submission template: {entity_type}"])
    sheet["A1"].font = TITLE_FONT
    for line in readme_intro(entity_type, tables):
        sheet.append([line])
        if line in ("How to fill it in", "Fields"):
            sheet.cell(sheet.max_row, 1).font = HEADER_FONT
    sheet.append(list(README_COLUMNS))
    first = sheet.max_row
    for cell in sheet[first]:
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
    required_here = header_fields_required_for(entity_type)
    models: list[tuple[str, type[ContractModel]]] = [(HEADER_TABLE, Header)]
    models += [(name, TABLES[name]) for name in tables]
    for table, model in models:
        for spec in column_specs(model):
            sheet.append(
                [
                    table,
                    spec.name,
                    type_label(spec),
                    requirement_label(spec, table == HEADER_TABLE and spec.name in required_here),
                    ", ".join(dropdown_choices(spec)),
                    spec.description,
                ]
            )
            for cell in sheet[sheet.max_row]:
                cell.alignment = WRAP
    sheet.auto_filter.ref = f"A{first}:{get_column_letter(len(README_COLUMNS))}{sheet.max_row}"
    for index, width in enumerate(README_WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width


def write_header_sheet(sheet: Worksheet, entity_type: str) -> None:
    """The `submission` sheet: one row per header field, values typed as text."""
    sheet.append(["field", "value"])
    for cell in sheet[1]:
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
    prefilled = {"schema_version": SCHEMA_VERSION, "entity_type": entity_type}
    required_here = header_fields_required_for(entity_type)
    for row, spec in enumerate(column_specs(Header), start=2):
        name_cell = sheet.cell(row, 1, spec.name)
        name_cell.comment = field_comment(spec, spec.name in required_here)
        value = sheet.cell(row, 2, prefilled.get(spec.name))
        # Text, not General: Excel would read a period such as 2025-11 as a date.
        value.number_format = TEXT_FORMAT
        if dropdown_choices(spec):
            validation = dropdown(spec)
            sheet.add_data_validation(validation)
            validation.add(value)
    sheet.freeze_panes = "A2"
    sheet.column_dimensions["A"].width = 22
    sheet.column_dimensions["B"].width = 48


def write_table_sheet(sheet: Worksheet, model: type[ContractModel]) -> None:
    """One table sheet: column names in row 1, formats and dropdowns on the rows below."""
    specs = column_specs(model)
    sheet.append([spec.name for spec in specs])
    for index, spec in enumerate(specs, start=1):
        letter = get_column_letter(index)
        header = sheet.cell(1, index)
        header.font = HEADER_FONT
        header.fill = HEADER_FILL
        header.comment = field_comment(spec)
        # The column style is what Excel gives to every cell typed into the column later.
        dimension = sheet.column_dimensions[letter]
        dimension.number_format = number_format(spec)
        dimension.width = column_width(spec)
        header.number_format = TEXT_FORMAT
        if dropdown_choices(spec):
            validation = dropdown(spec)
            sheet.add_data_validation(validation)
            validation.add(f"{letter}2:{letter}{LAST_TEMPLATE_ROW}")
    sheet.freeze_panes = "A2"


def field_comment(spec: ColumnSpec, required_here: bool = False) -> Comment:
    """A note on a column name: what goes in the column, shown when the pointer rests on it."""
    need = requirement_label(spec, required_here)
    comment = Comment(f"{spec.name} ({type_label(spec)}, {need})\n{spec.description}", CREATOR)
    comment.width = 320
    comment.height = 140
    return comment
