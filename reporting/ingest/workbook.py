"""Reading the workbook container: an .xlsx file with a `submission` sheet and one sheet per table.

The zip archive is inspected before openpyxl sees it, so a workbook that would expand to gigabytes
(a zip bomb) is rejected unopened. openpyxl parses the sheets' XML through defusedxml (it does so by
itself once defusedxml is installed, which the package requires), in read-only mode, and reads cached
values rather than formulas.

Cell values become text by these rules: text as is (nothing stripped), whole numbers without a
decimal point (`8.0` → `8`), other numbers in their shortest decimal digits, never with an
exponent (`1e-05` → `0.00001`), booleans as `true`/`false`, dates
as `YYYY-MM-DD`, date-times as ISO 8601 without a zone (a spreadsheet cell carries none, so
validation reports a timestamp typed as a date cell), empty cells as null. In the `submission` sheet a
`period` that the spreadsheet turned into the first day of a month is read back as `YYYY-MM`.
"""

from __future__ import annotations

import io
import math
import warnings
import zipfile
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from typing import IO

import openpyxl
import pyarrow as pa
from defusedxml import DefusedXmlException

from reporting.contract import HEADER_TABLE, TABLES
from reporting.findings import Finding
from reporting.ingest.model import Limits, RawTable

HEADER_COLUMNS = ("field", "value")
MAX_HEADER_ROWS = 1000
"""Rows read from the `submission` sheet, which holds about fifteen fields; the table row limit is for tables."""
IGNORED_SHEETS = frozenset({"README"})
"""Sheets read by nobody: the blank templates ship a README sheet with instructions."""

SMALL_MEMBER_BYTES = 1024**2
"""A part of a workbook this small is harmless however far it expands (styles and empty sheets expand far)."""
# Floats at or above this size are not exactly whole numbers as written, so they keep Python's text.
EXACT_INTEGER_FLOAT = 2.0**53

Row = tuple[object, ...]


ZIP_CONTAINERS = {"workbook": "an .xlsx workbook", "zip": "a zip archive"}
"""What a zip file was sent as, for the findings' messages: a workbook, or a zip of a folder submission."""


def zip_finding(data: bytes | IO[bytes], file: str, limits: Limits, container: str = "workbook") -> Finding | None:
    """A finding when the bytes are not a zip archive or would expand too far; None when safe to open.

    The expansion is judged on the sizes the archive declares: Python's zipfile never returns more
    than the declared size of a member, so a member cannot lie its way past the check. Each member is
    judged on its own, so that stored random bytes beside a bomb cannot dilute the ratio; a member of
    up to SMALL_MEMBER_BYTES expands as it may. `data` is the file's bytes or an open binary file;
    `container` names what it was sent as (see ZIP_CONTAINERS).
    """
    what = "workbook" if container == "workbook" else "archive"
    try:
        with zipfile.ZipFile(io.BytesIO(data) if isinstance(data, bytes) else data) as archive:
            members = archive.infolist()
    except Exception as error:  # a malformed archive fails inside zipfile in many ways; all mean "unreadable"
        return Finding("file-unreadable", file, message=f"The file is not {ZIP_CONTAINERS[container]}: {error}.")
    expanded = sum(member.file_size for member in members)
    if expanded > limits.max_xlsx_uncompressed_bytes:
        message = f"The {what} expands to {expanded:,} bytes; the limit is {limits.max_xlsx_uncompressed_bytes:,}."
        return Finding("file-zip-bomb", file, message=message)
    for member in members:
        if member.file_size > max(member.compress_size * limits.max_xlsx_zip_ratio, SMALL_MEMBER_BYTES):
            ratio = member.file_size / member.compress_size if member.compress_size else float("inf")
            message = (
                f"The {what}'s part {member.filename!r} expands {ratio:,.0f} times its compressed size; "
                f"the limit is {limits.max_xlsx_zip_ratio:,.0f}."
            )
            return Finding("file-zip-bomb", file, message=message)
    return None


def text_of_cell(value: object) -> str | None:
    """The submitted text of one cell value as openpyxl returns it (None for an empty cell)."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < EXACT_INTEGER_FLOAT:
            return str(int(value))
        if math.isfinite(value):
            # The shortest digits that read back as the same float, written without an exponent.
            return format(Decimal(repr(value)), "f")
        return repr(value)
    if isinstance(value, datetime):
        if value.time() == time(0) and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


def text_of_period_cell(value: object) -> str | None:
    """The header's period: a first-of-month date cell is the month the spreadsheet turned into a date."""
    if isinstance(value, date) and value.day == 1 and (not isinstance(value, datetime) or value.time() == time(0)):
        return f"{value.year:04d}-{value.month:02d}"
    return text_of_cell(value)


def is_empty(value: object) -> bool:
    return value is None or value == ""


def trimmed_rows(rows: Iterable[Sequence[object]], max_rows: int, max_cells: int) -> tuple[list[Row], bool]:
    """The rows of a sheet without trailing empty rows and cells; True when there are over `max_rows`, or
    over `max_cells` cells read (empty ones too: each costs the reader as much).

    Empty rows inside the data are kept, so every row keeps the number the submitter sees. Reading
    stops at the first non-empty row past the row limit, or at the row that passes the cell limit.
    """
    kept: list[Row] = []
    pending_empty = 0
    cells = 0
    for row in rows:
        width = len(row)
        cells += width
        if cells > max_cells:
            return kept, True
        while width and is_empty(row[width - 1]):
            width -= 1
        if not width:
            pending_empty += 1
            continue
        if len(kept) + pending_empty >= max_rows:
            return kept, True
        kept.extend([()] * pending_empty)
        pending_empty = 0
        kept.append(tuple(row[:width]))
    return kept, False


def table_from_rows(name: str, rows: list[Row], file: str) -> RawTable:
    """A table sheet: the first row names the columns, every other row is data (row 2 onwards)."""
    if not rows:
        return RawTable(name=name, file=file, data=pa.table({}), first_row=2)
    width = max(len(row) for row in rows)
    names = [text_of_cell(row_value) or "" for row_value in rows[0]] + [""] * (width - len(rows[0]))
    body = rows[1:]
    arrays = [
        pa.array([text_of_cell(row[index]) if index < len(row) else None for row in body], pa.string())
        for index in range(width)
    ]
    return RawTable(name=name, file=file, data=pa.table(arrays, names=names), first_row=2)


def header_from_rows(rows: list[Row], file: str) -> tuple[dict[str, str | None] | None, list[Finding]]:
    """The `submission` sheet: a `field`, `value` header row, then one header field per row."""
    if not rows or tuple(text_of_cell(value) for value in rows[0][:2]) != HEADER_COLUMNS:
        message = "The 'submission' sheet must start with the column names 'field' and 'value' in row 1."
        return None, [Finding("file-unreadable", file, table=HEADER_TABLE, row=1, message=message)]
    header: dict[str, str | None] = {}
    findings = []
    for number, row in enumerate(rows[1:], start=2):
        if not row:
            continue
        field = text_of_cell(row[0]) or ""
        value = row[1] if len(row) > 1 else None
        if field in header:
            message = f"Field '{field}' is given again in row {number}; this row was not read."
            duplicate = Finding("column-duplicate", file, table=HEADER_TABLE, row=number, column=field, message=message)
            findings.append(duplicate)
            continue
        header[field] = text_of_period_cell(value) if field == "period" else text_of_cell(value)
    return header, findings


def submission_from_workbook(
    data: bytes, file: str, limits: Limits
) -> tuple[dict[str, str | None] | None, dict[str, RawTable], list[Finding]]:
    """Header, tables and findings of an .xlsx workbook given as bytes."""
    unsafe = zip_finding(data, file, limits)
    if unsafe is not None:
        return None, {}, [unsafe]
    findings: list[Finding] = []
    header: dict[str, str | None] | None = None
    tables: dict[str, RawTable] = {}
    # openpyxl warns about styles and extensions it does not keep; only the cell values matter here.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as error:  # openpyxl fails on malformed parts in many ways; all mean "unreadable"
            message = xml_refused_message(error) or f"The workbook could not be opened: {error!r}."
            return None, {}, [Finding("file-unreadable", file, message=message)]
        try:
            names = list(workbook.sheetnames)
            repeated = {name for name, count in Counter(names).items() if count > 1}
            for name in names:
                if name in IGNORED_SHEETS:
                    continue
                if name in repeated:
                    # openpyxl finds only the first sheet of a name: a crafted workbook may hold two.
                    message = f"The workbook holds {names.count(name)} sheets named '{name}'; none was read."
                    findings.append(Finding("file-duplicate-table", file, table=name, message=message))
                    continue
                if name != HEADER_TABLE and name not in TABLES:
                    message = f"Sheet '{name}' is not a table of the format and was not read."
                    findings.append(Finding("table-unknown", file, table=name, message=message))
                    continue
                max_rows = MAX_HEADER_ROWS if name == HEADER_TABLE else limits.max_rows
                rows, too_many, problem = read_sheet(workbook, name, max_rows, limits.max_xlsx_cells)
                if problem is not None:
                    findings.append(Finding("file-unreadable", file, table=name, message=problem))
                elif too_many:
                    message = (
                        f"Sheet '{name}' has over {max_rows:,} data rows or {limits.max_xlsx_cells:,} cells, "
                        "the limits; send large tables as CSV or Parquet files."
                    )
                    findings.append(Finding("table-too-many-rows", file, table=name, message=message))
                elif name == HEADER_TABLE:
                    header, found = header_from_rows(rows, file)
                    findings += found
                else:
                    table = table_from_rows(name, rows, file)
                    if table.data.num_rows * table.data.num_columns > limits.max_cells:
                        message = f"Sheet '{name}' has over {limits.max_cells:,} cells, the limit."
                        findings.append(Finding("table-too-many-rows", file, table=name, message=message))
                    else:
                        tables[name] = table
        finally:
            workbook.close()
    if HEADER_TABLE not in names:
        message = "The workbook has no 'submission' sheet (the header)."
        findings.append(Finding("file-unreadable", file, table=HEADER_TABLE, message=message))
    return header, tables, findings


def read_sheet(
    workbook: openpyxl.Workbook, name: str, max_rows: int, max_cells: int
) -> tuple[list[Row], bool, str | None]:
    """The trimmed rows of one sheet, whether it has over `max_rows` data rows or `max_cells` cells, and the
    error met, if any."""
    sheet = workbook[name]
    if not hasattr(sheet, "iter_rows"):
        return [], False, f"Sheet '{name}' is a chart, not a sheet of cells."
    try:
        # Some writers record a wrong sheet size; without it, read-only mode reads every cell present.
        sheet.reset_dimensions()
        rows, too_many = trimmed_rows(sheet.iter_rows(values_only=True), max_rows + 1, max_cells)
    except Exception as error:  # a malformed sheet part fails inside openpyxl in many ways
        return [], False, xml_refused_message(error) or f"Sheet '{name}' could not be read: {error!r}."
    return rows, too_many, None


def xml_refused_message(error: BaseException) -> str | None:
    """The message for a workbook whose XML defusedxml refused (entities or a DTD: an XML bomb), else None.

    openpyxl wraps the parser's error, so the chain of causes is searched.
    """
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, DefusedXmlException):
            return (
                f"The workbook's XML declares entities or a document type ({type(seen).__name__}), which are "
                "refused because they can expand without bound (an XML bomb); save it again from a spreadsheet."
            )
        seen = seen.__cause__ or seen.__context__
    return None
