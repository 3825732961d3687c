"""The README sheet: how to read the workbook (prose in `templates/workbook_readme.txt`) and an index of the sheets."""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from jinja2 import Environment, StrictUndefined, Template
from openpyxl.worksheet.worksheet import Worksheet

from reporting.metrics.flags import FLAGS
from reporting.metrics.partials import EVENTS_CAP
from reporting.render.format import format_count
from reporting.render.workbook.inputs import Inputs
from reporting.render.workbook.writer import HEADER_FONT, TITLE_FONT, WRAP, protect

TITLE = "README"
NOTE = "this page"
TEMPLATE = "workbook_readme.txt"
LINE_WIDTH = 110
"""Characters of prose a row shows at the column's width; a longer line gets a taller row."""


@cache
def readme_template() -> Template:
    # Plain text for text cells, not HTML: nothing to escape, and a cell holding it is always text.
    environment = Environment(undefined=StrictUndefined, autoescape=False)  # noqa: S701
    environment.filters["count"] = format_count
    return environment.from_string(files("reporting.templates").joinpath(TEMPLATE).read_text(encoding="utf-8"))


def write_readme(sheet: Worksheet, inputs: Inputs, notes: dict[str, str]) -> None:
    """The prose of the template, a row per line (a title, headings, paragraphs), then each sheet and its note."""
    report, audit = inputs.report, inputs.audit
    prose = readme_template().render(
        period=report.period,
        status="FINAL" if report.options.final else "DRAFT",
        report_id=report.report_id,
        first_flag=FLAGS[0].id,
        events_cap=EVENTS_CAP,
        events_kept=len(audit.largest_events),
        events_total=audit.events_total,
    )
    lines = prose.replace("\\\n", "").splitlines()
    for row, line in enumerate(lines, start=1):
        font, text = (TITLE_FONT, line[2:]) if line.startswith("# ") else (None, line)
        font, text = (HEADER_FONT, line[3:]) if line.startswith("## ") else (font, text)
        cell = sheet.cell(row, 1, text)
        cell.data_type = "s"
        if font is not None:
            cell.font = font
        cell.alignment = WRAP
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
        if len(text) > LINE_WIDTH:
            sheet.row_dimensions[row].height = 15 * (len(text) // LINE_WIDTH + 1)
    for row, (name, note) in enumerate(notes.items(), start=len(lines) + 1):
        sheet.cell(row, 1, name).font = HEADER_FONT
        sheet.cell(row, 2, note)
    sheet.column_dimensions["A"].width = 26
    sheet.column_dimensions["B"].width = 110
    protect(sheet)
