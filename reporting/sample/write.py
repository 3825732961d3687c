"""Write one submission in one of the three containers of the format, as a careful submitter would.

The writers follow the "Value conventions" of the submission format: UTF-8 text, `.` as decimal point
and no thousands separators, money with exactly 2 decimals, prices with at most 8, timestamps in ISO
8601 with `Z`, dates as YYYY-MM-DD, booleans `true`/`false`, an empty cell for null. Columns that
already hold text are written as they are: that is how a submitter's own (possibly wrong) text, such as
a timestamp without a zone, reaches the file.

CSV, JSON and Parquet are built column by column with pyarrow kernels, so a million rows take seconds;
the same input always gives the same bytes (workbooks included: their zip entries and document
properties carry a fixed date).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from reporting.contract import HEADER_TABLE, TABLES, column_specs
from reporting.render.xlsx import xlsx_bytes

Container = Literal["folder", "workbook", "json"]
TableFormat = Literal["csv", "parquet"]
Kind = Literal["text", "enum", "money", "price", "number", "integer", "date", "timestamp", "boolean"]

FIXED_FILE_TIME = dt.datetime(2025, 1, 1, 0, 0, 0)
"""Date stamped on workbook properties and zip entries, so that a workbook's bytes depend on its data only."""

TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
# Characters that a JSON string must escape; text without them is quoted as it is.
_JSON_ESCAPES = r'["\\\x00-\x1f]'


def write_submission(
    header: dict[str, object],
    tables: dict[str, pd.DataFrame],
    path: Path,
    container: Container,
    table_format: TableFormat = "csv",
) -> Path:
    """Write one submission to `path` and return it.

    `container` is `folder` (`path/` with `submission.json` and one `<table>.csv` or `<table>.parquet`
    per table, as `table_format` says), `workbook` (`path` is the .xlsx file) or `json` (`path` is the
    .json document). Tables are written in the order given, columns in DataFrame order.
    """
    path = Path(path)
    if container == "folder":
        path.mkdir(parents=True, exist_ok=True)
        (path / "submission.json").write_text(_header_json(header, indent=2) + "\n", encoding="utf-8")
        for name, frame in tables.items():
            if table_format == "parquet":
                pq.write_table(_arrow_typed(name, frame), path / f"{name}.parquet")
            else:
                (path / f"{name}.csv").write_bytes(_csv_bytes(name, frame))
    elif container == "workbook":
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_workbook(header, tables, path)
    elif container == "json":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(_json_bytes(header, tables))
    else:
        raise ValueError(f"unknown container {container!r}: use folder, workbook or json")
    return path


# Column kinds -------------------------------------------------------------------------------------


def column_kinds(table: str, frame: pd.DataFrame) -> dict[str, Kind]:
    """The kind of each column: text for columns that already hold text, else the contract's kind.

    Columns the contract does not know (an unknown table or column) get a kind from their dtype.
    """
    model = TABLES.get(table)
    contract = {spec.name: spec.kind for spec in column_specs(model)} if model else {}
    kinds: dict[str, Kind] = {}
    for column in frame.columns:
        inferred = pd.api.types.infer_dtype(frame[column], skipna=True)
        if inferred in ("string", "empty") and contract.get(column) != "boolean":
            kinds[column] = "text"
        elif column in contract:
            kinds[column] = contract[column]  # type: ignore[assignment]
        elif inferred == "boolean":
            kinds[column] = "boolean"
        elif inferred == "integer":
            kinds[column] = "integer"
        elif inferred in ("floating", "mixed-integer-float", "decimal"):
            kinds[column] = "number"
        elif inferred in ("datetime64", "datetime"):
            kinds[column] = "timestamp"
        elif inferred == "date":
            kinds[column] = "date"
        else:
            kinds[column] = "text"
    return kinds


def _floats(series: pd.Series) -> np.ndarray:
    return pd.to_numeric(series, errors="raise").to_numpy(dtype="float64", na_value=np.nan)


def _null_mask(series: pd.Series) -> np.ndarray:
    return series.isna().to_numpy(dtype=bool)


def _with_nulls(text: pa.Array, nulls: np.ndarray) -> pa.Array:
    if not nulls.any():
        return text
    return pc.if_else(pa.array(nulls), pa.scalar(None, pa.string()), text)


def _money_text(values: np.ndarray) -> pa.Array:
    """Amounts with exactly two decimals, from whole cents so that no binary fraction shows."""
    nulls = np.isnan(values)
    cents = np.round(np.where(nulls, 0.0, values) * 100).astype(np.int64)
    magnitude = np.abs(cents)
    whole = pc.cast(pa.array(magnitude // 100), pa.string())
    fraction = pc.utf8_lpad(pc.cast(pa.array(magnitude % 100), pa.string()), width=2, padding="0")
    sign = pa.array(np.where(cents < 0, "-", ""))
    return _with_nulls(pc.binary_join_element_wise(sign, whole, ".", fraction, ""), nulls)


def _number_text(values: np.ndarray, places: int | None = None) -> pa.Array:
    """Plain decimal notation, the shortest that reads back as the same float; `places` rounds first."""
    nulls = np.isnan(values)
    clean = np.where(nulls, 0.0, values)
    if places is not None:
        clean = np.round(clean, places)
    text = pc.cast(pa.array(clean), pa.string())
    # pyarrow writes very small and very large numbers with an exponent; a spreadsheet user would not.
    exponent = np.asarray(pc.match_substring(text, "e").to_numpy(zero_copy_only=False), dtype=bool)
    if exponent.any():
        spelled = text.to_pylist()
        for i in np.flatnonzero(exponent):
            spelled[i] = np.format_float_positional(clean[i], trim="-")
        text = pa.array(spelled, pa.string())
    return _with_nulls(text, nulls)


def _timestamps(series: pd.Series) -> pa.Array:
    stamps = pd.to_datetime(series, utc=True)
    array = pa.array(stamps, type=pa.timestamp("us", tz="UTC"))
    whole = pa.array(stamps.isna() | (stamps.dt.microsecond == 0))
    if pc.all(whole).as_py():
        return array.cast(pa.timestamp("s", tz="UTC"))
    return array


def column_text(series: pd.Series, kind: Kind) -> pa.Array:
    """One column as the text a CSV file carries: the value conventions of the format, null as null."""
    if kind in ("text", "enum"):
        return pa.array(series.astype(object).where(series.notna(), None).tolist(), pa.string())
    if kind == "money":
        return _money_text(_floats(series))
    if kind == "price":
        return _number_text(_floats(series), places=8)
    if kind == "number":
        return _number_text(_floats(series))
    if kind == "integer":
        return pc.cast(pa.array(pd.array(series, dtype="Int64")), pa.string())
    if kind == "boolean":
        flags = pa.array(pd.array(series, dtype="boolean"))
        return pc.if_else(flags, "true", "false")
    if kind == "date":
        days = pa.array(pd.to_datetime(series).dt.date, type=pa.date32())
        return pc.strftime(days, format="%Y-%m-%d")
    if kind == "timestamp":
        # Casting the UTC wall-clock time to text is ten times faster than strftime with a zone.
        stamps = _timestamps(series)
        wall = pc.cast(stamps.cast(pa.timestamp(stamps.type.unit)), pa.string())
        return pc.binary_join_element_wise(pc.replace_substring(wall, " ", "T", max_replacements=1), "Z", "")
    raise ValueError(f"unknown column kind {kind!r}")


# Folder: CSV and Parquet --------------------------------------------------------------------------


def _csv_bytes(table: str, frame: pd.DataFrame) -> bytes:
    kinds = column_kinds(table, frame)
    text = pa.table({column: column_text(frame[column], kinds[column]) for column in frame.columns})
    sink = pa.BufferOutputStream()
    try:
        # Quote nothing when nothing needs it: the file then looks like any spreadsheet's CSV export.
        pa_csv.write_csv(text, sink, pa_csv.WriteOptions(quoting_style="none", include_header=False))
    except pa.ArrowInvalid:
        # Some text holds a comma, quote or line break: quote just those values (pyarrow would quote all).
        frame = text.to_pandas()
        return frame.to_csv(index=False, lineterminator="\n").encode("utf-8")
    # pyarrow quotes column names whatever the quoting style; contract names never need it.
    names = ",".join(column if column.isidentifier() else json.dumps(column) for column in frame.columns)
    return (names + "\n").encode("utf-8") + sink.getvalue().to_pybytes()


def _arrow_typed(table: str, frame: pd.DataFrame) -> pa.Table:
    """Typed columns for Parquet: money as decimal(20, 2), timestamps as UTC instants, dates as dates."""
    kinds = column_kinds(table, frame)
    columns: dict[str, pa.Array] = {}
    for column in frame.columns:
        series, kind = frame[column], kinds[column]
        if kind == "money":
            columns[column] = _money_text(_floats(series)).cast(pa.decimal128(20, 2))
        elif kind in ("price", "number"):
            values = _floats(series)
            columns[column] = pa.array(np.round(values, 8) if kind == "price" else values, mask=np.isnan(values))
        elif kind == "integer":
            columns[column] = pa.array(pd.array(series, dtype="Int64"), type=pa.int64())
        elif kind == "boolean":
            columns[column] = pa.array(pd.array(series, dtype="boolean"), type=pa.bool_())
        elif kind == "date":
            columns[column] = pa.array(pd.to_datetime(series).dt.date, type=pa.date32())
        elif kind == "timestamp":
            columns[column] = _timestamps(series)
        else:
            columns[column] = column_text(series, kind)
    return pa.table(columns)


# JSON document -----------------------------------------------------------------------------------


def _header_value(value: object) -> object:
    if isinstance(value, dt.datetime):
        stamp = pd.Timestamp(value)
        stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
        return stamp.strftime(TIMESTAMP_FORMAT)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _header_json(header: dict[str, object], indent: int) -> str:
    return json.dumps({k: _header_value(v) for k, v in header.items()}, indent=indent, ensure_ascii=False)


def _json_strings(text: pa.Array) -> pa.Array:
    """Text as JSON string literals."""
    needs_escape = pc.any(pc.match_substring_regex(text, _JSON_ESCAPES)).as_py()
    if needs_escape:
        return pa.array([None if v is None else json.dumps(v, ensure_ascii=False) for v in text.to_pylist()])
    return pc.binary_join_element_wise('"', text, '"', "")


def _json_rows(table: str, frame: pd.DataFrame) -> list[str]:
    """Each row as a one-line JSON object; money as strings (exact cents), other numbers as numbers."""
    kinds = column_kinds(table, frame)
    pieces = []
    for column in frame.columns:
        kind = kinds[column]
        text = column_text(frame[column], kind)
        token = text if kind in ("price", "number", "integer", "boolean") else _json_strings(text)
        key = json.dumps(column, ensure_ascii=False) + ": "
        pieces.append(pc.binary_join_element_wise(key, pc.fill_null(token, "null"), ""))
    if not pieces or len(frame) == 0:
        return ["{}"] * len(frame)
    joined = pc.binary_join_element_wise(*pieces, ", ")
    return pc.binary_join_element_wise("{", joined, "}", "").to_pylist()


def _json_bytes(header: dict[str, object], tables: dict[str, pd.DataFrame]) -> bytes:
    header_text = _header_json(header, indent=2).replace("\n", "\n  ")
    parts = ["{\n", f'  "{HEADER_TABLE}": {header_text},\n', '  "tables": {']
    for i, (name, frame) in enumerate(tables.items()):
        rows = _json_rows(name, frame)
        body = "[\n      " + ",\n      ".join(rows) + "\n    ]" if rows else "[]"
        parts.append(("," if i else "") + f"\n    {json.dumps(name)}: {body}")
    parts.append("\n  }\n}\n" if tables else "}\n}\n")
    return "".join(parts).encode("utf-8")


# Workbook ----------------------------------------------------------------------------------------


def _cell(sheet, value: object) -> object:  # type: ignore[no-untyped-def]
    if isinstance(value, str) and value.startswith("="):
        # Text that looks like a formula stays text: the submitter wrote a value, not a calculation.
        cell = WriteOnlyCell(sheet, value)
        cell.data_type = "s"
        return cell
    return value


def _sheet_values(table: str, frame: pd.DataFrame) -> list[list[object]]:
    """Python cell values per column: numbers and dates as such, timestamps as text with their zone."""
    kinds = column_kinds(table, frame)
    columns: list[list[object]] = []
    for column in frame.columns:
        series, kind = frame[column], kinds[column]
        values: list[object]
        if kind in ("money", "price", "number"):
            numbers = _floats(series)
            if kind != "number":
                numbers = np.round(numbers, 2 if kind == "money" else 8)
            values = [None if np.isnan(x) else float(x) for x in numbers]
        elif kind == "integer":
            values = [None if x is pd.NA else int(x) for x in pd.array(series, dtype="Int64")]
        elif kind == "boolean":
            values = [None if x is pd.NA else bool(x) for x in pd.array(series, dtype="boolean")]
        elif kind == "date":
            values = [None if pd.isna(x) else x for x in pd.to_datetime(series).dt.date]
        else:
            values = column_text(series, kind).to_pylist()
        columns.append(values)
    return [list(row) for row in zip(*columns, strict=True)]


def _write_workbook(header: dict[str, object], tables: dict[str, pd.DataFrame], path: Path) -> None:
    book = Workbook(write_only=True)
    book.properties.creator = "riskreport"
    book.properties.created = FIXED_FILE_TIME
    sheet = book.create_sheet(HEADER_TABLE)
    sheet.append(["field", "value"])
    for field, value in header.items():
        sheet.append([field, _cell(sheet, _header_value(value))])
    for name, frame in tables.items():
        sheet = book.create_sheet(name)
        sheet.append(list(frame.columns))
        for row in _sheet_values(name, frame):
            sheet.append([_cell(sheet, value) for value in row])
    book.properties.modified = FIXED_FILE_TIME
    path.write_bytes(xlsx_bytes(book))
