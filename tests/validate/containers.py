"""One submission document written as each of the four containers, every value as the text given.

A document is `{"submission": {field: text}, "tables": {name: [row, ...]}}` with every value a str or None
(empty). `write_container` writes it as a CSV folder, a Parquet folder of text columns, a workbook of
text cells or a JSON document of strings: the same written values in every container, as a submitter
would type them. The fuzzer and the tests of the value grammar compare the findings of the four.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq

CONTAINERS = ("csv", "parquet", "xlsx", "json")


def write_container(doc: dict[str, Any], container: str, path: Path) -> Path:
    """Write `doc` as `container` at `path` (a folder for csv and parquet, `path.xlsx` or `path.json` otherwise)."""
    if container in ("csv", "parquet"):
        path.mkdir(parents=True)
        (path / "submission.json").write_text(json.dumps(doc["submission"]), encoding="utf-8")
        for name, rows in doc["tables"].items():
            columns = _columns(rows)
            if container == "csv":
                (path / f"{name}.csv").write_bytes(_csv_bytes(columns, rows))
            else:
                arrays = [pa.array([row.get(c) for row in rows], pa.string()) for c in columns]
                pq.write_table(pa.table(arrays, names=columns), path / f"{name}.parquet")
        return path
    if container == "xlsx":
        target = path.with_suffix(".xlsx")
        workbook = openpyxl.Workbook()
        header = workbook.active
        header.title = "submission"
        header.append(["field", "value"])
        for field, value in doc["submission"].items():
            header.append([field, value])
        for name, rows in doc["tables"].items():
            sheet = workbook.create_sheet(name)
            columns = _columns(rows)
            sheet.append(columns)
            for row in rows:
                sheet.append([row.get(c) for c in columns])
        for sheet in workbook.worksheets:
            for line in sheet.iter_rows():
                for cell in line:
                    if isinstance(cell.value, str):
                        cell.data_type = "s"  # text as typed, even when it starts with '='
        workbook.save(target)
        return target
    target = path.with_suffix(".json")
    target.write_text(json.dumps(doc), encoding="utf-8")
    return target


def _columns(rows: list[dict[str, Any]]) -> list[str]:
    return list(dict.fromkeys(column for row in rows for column in row))


def _csv_bytes(columns: list[str], rows: list[dict[str, Any]]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_ALL)  # a bare \r must be quoted too
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else row[c] for c in columns])
    return buffer.getvalue().encode("utf-8", "surrogatepass")
