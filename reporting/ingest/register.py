"""The register of expected filers (submission format 1.1): who must report, from when, and by which day.

The supervisor keeps it as a CSV file, or as the sheet `register` of an .xlsx workbook, one row per
entity. `RegisterEntry` is its contract, in the style of `reporting.contract`. A register that cannot
be read, or that breaks the contract, is a usage error: `read_register` raises `RegisterError` with a
one-line message naming the file, the row and the column, never a finding.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated

import openpyxl
from pydantic import Field, ValidationError, model_validator

from reporting.contract import ENTITY_ID_PATTERN, PERIOD_PATTERN, ContractModel, EntityType, Text
from reporting.ingest.model import Limits
from reporting.ingest.workbook import read_sheet, text_of_cell, text_of_period_cell, xml_refused_message, zip_finding

REGISTER_SHEET = "register"
DEFAULT_DUE_DAY = 15
"""The due day when the register leaves it empty, or for an entity the register does not list."""
MAX_REGISTER_BYTES = 16 * 1024**2
MAX_REGISTER_ROWS = 100_000
MAX_REGISTER_CELLS = 2_000_000
"""Cells read from the register sheet (empty ones too), as the reader of submitted workbooks limits them."""
PERIOD_COLUMNS = ("expected_from", "expected_to")

Period = Annotated[str, Field(pattern=PERIOD_PATTERN)]


class RegisterError(Exception):
    """A register file that cannot be used; the message is one line for the person running the command."""


class RegisterEntry(ContractModel):
    """One row of the register: an entity that must report, and when."""

    entity_id: Annotated[str, Field(pattern=ENTITY_ID_PATTERN)] = Field(
        description="The entity_id its submissions carry in their header; unique in the register."
    )
    entity_name: Text = Field(description="The name the reports use for the entity.")
    entity_type: EntityType = Field(description="As in the submission header.")
    expected_from: Period = Field(description="The first period the entity must report, YYYY-MM.")
    expected_to: Period | None = Field(
        default=None, description="The last period the entity must report, YYYY-MM; empty while still expected."
    )
    due_day: Annotated[int, Field(ge=1, le=28)] | None = Field(
        default=None,
        description="1 to 28: a submission is due by the end (24:00 UTC) of that day of the month after the "
        "period; empty means 15.",
    )

    @model_validator(mode="after")
    def _check_span(self) -> RegisterEntry:
        if self.expected_to is not None and self.expected_to < self.expected_from:
            raise ValueError(f"expected_to {self.expected_to} is before expected_from {self.expected_from}")
        return self

    def is_expected(self, period: str) -> bool:
        """Whether the entity must report `period` (YYYY-MM; periods in this form compare as text)."""
        return self.expected_from <= period and (self.expected_to is None or period <= self.expected_to)


COLUMNS = tuple(RegisterEntry.model_fields)


@dataclass(frozen=True)
class Register:
    """The register's entries, in file order, and the file they came from (its path and SHA-256)."""

    source: str
    sha256: str
    entries: tuple[RegisterEntry, ...]

    def find(self, entity_id: str) -> RegisterEntry | None:
        return next((entry for entry in self.entries if entry.entity_id == entity_id), None)

    def expected(self, period: str) -> list[RegisterEntry]:
        """The entries expected to report `period`, in register order."""
        return [entry for entry in self.entries if entry.is_expected(period)]


def due_date(period: str, due_day: int | None) -> date:
    """The day a submission for `period` (YYYY-MM) is due: `due_day` (default 15) of the month after it."""
    year, month = int(period[:4]), int(period[5:7])
    return date(year + month // 12, month % 12 + 1, due_day or DEFAULT_DUE_DAY)


def due_at(period: str, due_day: int | None) -> datetime:
    """The instant a submission for `period` is due: the end (24:00 UTC) of its due date."""
    return datetime.combine(due_date(period, due_day) + timedelta(days=1), time(0), tzinfo=UTC)


def days_late(submitted_at: datetime, due: datetime) -> int:
    """Whole days after the due time, rounded up: 0 when on time, 1 for one second late."""
    return max(0, math.ceil((submitted_at - due) / timedelta(days=1)))


def read_register(path: Path) -> Register:
    """The register in `path` (a .csv file, or an .xlsx workbook with a sheet `register`), validated."""
    try:
        size = path.stat().st_size
        if size > MAX_REGISTER_BYTES:
            raise RegisterError(f"{path}: {size:,} bytes is more than a register needs ({MAX_REGISTER_BYTES:,}).")
        data = path.read_bytes()
    except OSError as error:
        raise RegisterError(f"{path}: cannot be read ({error.strerror or error}).") from None
    rows = _workbook_rows(data, path) if path.suffix.lower() == ".xlsx" else _csv_rows(data, path)
    return Register(str(path), hashlib.sha256(data).hexdigest(), tuple(_entries(rows, path)))


def _csv_rows(data: bytes, path: Path) -> list[list[str | None]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise RegisterError(f"{path}: not UTF-8 text (byte {error.start}); save it as UTF-8 CSV.") from None
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as error:
        raise RegisterError(f"{path}: not a readable CSV file ({error}).") from None
    return [[cell if cell != "" else None for cell in row] for row in rows]


def _workbook_rows(data: bytes, path: Path) -> list[list[str | None]]:
    unsafe = zip_finding(data, str(path), Limits(max_file_bytes=MAX_REGISTER_BYTES))
    if unsafe is not None:
        raise RegisterError(f"{path}: {unsafe.message}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl's notes on styles it does not keep; only values matter here
        try:
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as error:  # openpyxl fails on malformed parts in many ways; all mean "unreadable"
            refused = xml_refused_message(error) or f"not an .xlsx workbook ({error})."
            raise RegisterError(f"{path}: {refused}") from None
        try:
            if REGISTER_SHEET not in workbook.sheetnames:
                raise RegisterError(f"{path}: the workbook has no sheet named '{REGISTER_SHEET}'.")
            rows, too_many, problem = read_sheet(workbook, REGISTER_SHEET, MAX_REGISTER_ROWS, MAX_REGISTER_CELLS)
        finally:
            workbook.close()
    if problem is not None:
        raise RegisterError(f"{path}: {problem}")
    if too_many:
        raise RegisterError(
            f"{path}: over {MAX_REGISTER_ROWS:,} rows or {MAX_REGISTER_CELLS:,} cells in sheet '{REGISTER_SHEET}'."
        )
    names = [text_of_cell(value) for value in rows[0]] if rows else []
    return [
        [
            (text_of_period_cell if index < len(names) and names[index] in PERIOD_COLUMNS else text_of_cell)(value)
            for index, value in enumerate(row)
        ]
        for row in rows
    ]


def _entries(rows: Sequence[Sequence[str | None]], path: Path) -> Iterable[RegisterEntry]:
    """The entries of the rows (row 1 names the columns), or a RegisterError at the first problem."""
    if len(rows) > MAX_REGISTER_ROWS + 1:
        raise RegisterError(f"{path}: over {MAX_REGISTER_ROWS:,} rows.")
    names = [(name or "").strip() for name in rows[0]] if rows else []
    missing = [column for column in COLUMNS if column not in names]
    unknown = [name or "(empty)" for name in names if name not in COLUMNS]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if missing or unknown or repeated:
        problems = [
            f"{label} {', '.join(columns)}"
            for label, columns in (("missing", missing), ("unknown", unknown), ("repeated", repeated))
            if columns
        ]
        raise RegisterError(f"{path}: row 1 must name the columns {', '.join(COLUMNS)} ({'; '.join(problems)}).")
    seen: dict[str, int] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(row):
            continue
        values = {name: row[index] if index < len(row) else None for index, name in enumerate(names)}
        try:
            entry = RegisterEntry.model_validate(values)
        except ValidationError as error:
            raise RegisterError(f"{path}: row {number}: {_describe(error, values)}") from None
        if entry.entity_id in seen:
            raise RegisterError(
                f"{path}: row {number}: entity_id {entry.entity_id} is already listed in row {seen[entry.entity_id]}; "
                "list each entity once."
            )
        seen[entry.entity_id] = number
        yield entry
    if not seen:
        raise RegisterError(f"{path}: the register lists no entity.")


def _describe(error: ValidationError, values: dict[str, str | None]) -> str:
    """The first problem of a row, as the person who keeps the register would read it."""
    first = error.errors()[0]
    column = str(first["loc"][0]) if first["loc"] else ""
    if not column:
        return f"{first['msg'].removeprefix('Value error, ')}."
    value = values.get(column)
    shown = "empty" if value is None else repr(value)
    rule = {
        "expected_from": "a period YYYY-MM",
        "expected_to": "a period YYYY-MM, or empty",
        "due_day": "a whole number from 1 to 28, or empty",
        "entity_type": "one of cex, dex, cefi_lender, defi_protocol, cdp_issuer, dat",
        "entity_id": "1 to 64 of A-Z a-z 0-9 . _ -",
        "entity_name": "1 to 200 characters",
    }[column]
    more = len(error.errors()) - 1
    return f"{column} is {shown}; it must be {rule}" + (f" ({more} more problem(s) in this row)." if more else ".")
