"""Where the figures came from: the Validation sheet (every finding) and the Lineage sheet (every input file)."""

from __future__ import annotations

import json
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment

from reporting.findings import CATALOGUE
from reporting.render.workbook.inputs import Inputs, text
from reporting.render.workbook.writer import HEADER_FONT, TITLE_FONT, Column, Layout, Sheet, write_table

LINEAGE = "Lineage"
LINEAGE_NOTE = "every input file with its SHA-256, rows read, container and status; versions and options"
LINEAGE_COLUMNS = (
    Column("path", width=44),
    Column("sha256", width=68),
    Column("bytes", "count", 12),
    Column("submission", width=28),
    Column("container", width=11),
    Column("status", width=10),
    Column("rows_read (data rows of the file's table; all tables for a workbook or JSON)", "count", 20),
)


def finding_rows(inputs: Inputs) -> list[list[Any]]:
    """Every finding kept of every submission (at most FINDINGS_CAP each; Submissions counts them all)."""
    return [
        [
            text(s.source),
            s.status,
            f.severity,
            f.code,
            text(f.file),
            text(f.table),
            f.row,
            text(f.column),
            text(f.value),
            text(f.message),
            CATALOGUE[f.code].fix,
        ]
        for s in sorted(inputs.report.submissions, key=lambda s: s.source)
        for f in s.findings
    ]


SHEETS = (
    Sheet(
        "Validation",
        (
            Column("submission", width=28),
            Column("status", width=10),
            Column("severity", width=9),
            Column("code", width=26),
            Column("file", width=30),
            Column("table", width=14),
            Column("row", "count", 8),
            Column("column", width=20),
            Column("value (as submitted)", width=24),
            Column("message", width=60),
            Column("how to fix", width=50),
        ),
        finding_rows,
        "every finding of every submission (at most 1,000 kept per submission)",
    ),
)


def input_rows(inputs: Inputs) -> list[list[Any]]:
    """Every input file with its SHA-256, size, submission, container, status and rows read."""
    by_source = {s.source: s for s in inputs.report.submissions}
    rows = []
    for item in inputs.report.provenance.get("inputs", []):
        submission = by_source.get(item.get("submission"))
        rows_read = None
        container = None
        if submission is not None:
            container = submission.container
            stem = str(item.get("path", "")).rsplit("/", 1)[-1].split(".")[0]
            # A folder has one file per table; a workbook or JSON document holds every table.
            rows_read = submission.rows.get(stem) if container == "folder" else sum(submission.rows.values())
        rows.append(
            [
                text(item.get("path")),
                text(item.get("sha256")),
                item.get("bytes"),
                text(item.get("submission")),
                text(container),
                text(item.get("status")),
                rows_read,
            ]
        )
    return rows


def write_lineage(workbook: Workbook, inputs: Inputs) -> None:
    """The run's versions and options, then the table of input files below them."""
    report = inputs.report
    sheet = workbook.create_sheet(LINEAGE)
    provenance = report.provenance
    sheet["A1"] = "Lineage: where every input came from"
    sheet["A1"].font = TITLE_FONT
    facts = [
        ("tool", provenance.get("tool")),
        ("tool_version", provenance.get("tool_version")),
        ("schema_version", provenance.get("schema_version")),
        ("generated_at (UTC)", provenance.get("generated_at")),
        ("report_id", report.report_id),
        ("status", "FINAL" if report.options.final else "DRAFT"),
        ("options", json.dumps(provenance.get("options", {}), sort_keys=True, default=str)),
        ("thresholds", json.dumps(provenance.get("thresholds", {}), sort_keys=True, default=str)),
    ]
    for row, (label, value) in enumerate(facts, start=2):
        sheet.cell(row, 1, label).font = HEADER_FONT
        fact = sheet.cell(row, 2, text(value))
        fact.data_type = "s"
        fact.alignment = Alignment(wrap_text=False)
    layout = Layout(LINEAGE, LINEAGE_COLUMNS, input_rows(inputs), top=sheet.max_row + 2)
    sheet.append([])  # a blank row between the facts and the table
    write_table(sheet, layout, {})
