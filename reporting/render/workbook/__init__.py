"""The audit workbook `report-<period>.xlsx`: every figure recomputed by live formulas from data in the workbook.

Layout. `README` explains the workbook; `Summary` lists every scalar figure of metrics-<period>.json with a
formula that computes it from the data sheets, the value the toolkit computed, and a check; `Flags` holds
the thresholds in cells and derives each status by formula; the data sheets are Excel tables (filters,
frozen header), except `Liquidations hourly`, a grid with a column per side and venue; `Validation` lists
every finding and `Lineage` every input file with its SHA-256.

Names. Every scalar figure has a workbook-level defined name: the path of the figure in the metrics JSON
with `_` between the parts, e.g. `lending_onchain_share`, `derivatives_peak_24h_liquidations_total_usd`,
`incidents_by_severity_major`, `changes_lending_cefi_usd_change_pct`, `flags_<flag id>_status`
(flags are named by their id). The top-level `period` is named `period`. Entries of maps keyed by data
(by venue, by asset, by lender, by category, by entity, collateral by asset) are listed on Summary under
their path with a formula and a check, without a name: a venue's name is not a valid spreadsheet name.
A figure that is null in the JSON is "n/a" in both the formula and the toolkit column.
The cells that other sheets' formulas read are named too, never addressed: `period_start` and `period_end`
(Summary) and `incident_severity_<key>` (Flags).

The code. `writer` knows tables, styles, protection and formulas, nothing of the report; a formula names
cells by column key (`{funding_rate}`, `{OI daily!venue}`), resolved to letters there alone. Each group of
sheets is a module that declares its sheets as data (`Sheet`: title, columns, a function giving the rows,
the note shown on README) and its Summary figures (`Figure`: path in the metrics JSON, kind, formula):
`coverage`, `filing`, `scorecard`, `derivatives`, `lending`, `incidents`, `changes`, `history` (the trends),
`lineage`; `flags` writes the Flags sheet from the flag registry, `summary` the Summary sheet, `readme` the
README sheet from its template (`templates/workbook_readme.txt`). `render_workbook` below lists the sheets in
their order.

To add a sheet: declare a `Sheet` in its group's `SHEETS` (a new group's tuple goes into `DATA_SHEETS`,
in the workbook's order); its title is also its key in formulas and, in lower case with `_`, its table's
name, and its note goes on README. To add a figure: declare a `Figure` with its path in its group's
`FIGURES` (a new group's go into `summary_figures`); its Summary row, check and defined name follow. A flag needs no
workbook code: the Flags sheet follows the registry `reporting.metrics.flags.FLAGS`.

Safety. Every submitted text (names, identifiers, descriptions, finding values and messages, file paths)
is written as a text cell, never as a formula, whatever character it starts with. Formulas compare
submitted names with EXACT inside SUMPRODUCT, never as criteria of SUMIF/COUNTIF (which read `<`, `=`,
`*` and `?` in a name as operators and wildcards).

Size. The workbook holds aggregates; raw liquidation events only up to `EVENTS_CAP` (the largest ones).
Its rows and cells follow the venues, assets, days and hours of the period, never the number of events:
the hourly grid has a row for every hour, whether or not it had events.
"""

from __future__ import annotations

from openpyxl import Workbook

from reporting.contract import compute_period_bounds
from reporting.metrics.audit import compute_audit_tables
from reporting.render.model import Report
from reporting.render.workbook import (
    changes,
    coverage,
    derivatives,
    filing,
    flags,
    history,
    incidents,
    lending,
    lineage,
    mechanics,
    readme,
    scorecard,
    summary,
)
from reporting.render.workbook.figures import Figure
from reporting.render.workbook.inputs import Inputs, naive_utc
from reporting.render.workbook.writer import Layout, Sheet, write_table
from reporting.render.xlsx import xlsx_bytes

CREATOR = "riskreport"
DATA_SHEETS: tuple[Sheet, ...] = (
    *coverage.SHEETS,
    *filing.SHEETS,
    *scorecard.SHEETS,
    *derivatives.OPEN_INTEREST_SHEETS,
    *derivatives.LIQUIDATION_SHEETS,
    *lending.SHEETS,
    *mechanics.SHEETS,
    *incidents.SHEETS,
    *changes.SHEETS,
    *history.SHEETS,
)
"""The sheets holding one table each, in the workbook's order (Liquidations hourly goes after Leverage bands)."""
HOURLY_AFTER = "Leverage bands"


def render_workbook(report: Report) -> bytes:
    """The audit workbook of the report, as .xlsx bytes (identical for identical reports)."""
    audit = compute_audit_tables(report.partials, report.submissions, report.period)
    inputs = Inputs(report, audit, report.metrics.to_dict())
    workbook = Workbook()
    readme_sheet = workbook.active
    assert readme_sheet is not None
    readme_sheet.title = readme.TITLE
    summary_sheet = workbook.create_sheet(summary.TITLE)
    flags_sheet = workbook.create_sheet(flags.TITLE)
    layouts = {sheet.title: Layout(sheet.title, sheet.columns, sheet.rows(inputs)) for sheet in DATA_SHEETS}
    notes = {readme.TITLE: readme.NOTE, summary.TITLE: summary.NOTE, flags.TITLE: flags.NOTE}
    for sheet in DATA_SHEETS:
        write_table(workbook.create_sheet(sheet.title), layouts[sheet.title], layouts)
        notes[sheet.title] = sheet.note
        if sheet.title == HOURLY_AFTER:
            derivatives.write_hourly(workbook, inputs.audit)
            notes[derivatives.HOURLY] = derivatives.HOURLY_NOTE
    figures = [
        *summary_figures(inputs),
        *flags.write_flags(workbook, flags_sheet, report.thresholds, inputs.metrics["flags"]),
    ]
    figures += breakdown_figures(inputs)
    bounds = compute_period_bounds(report.period)
    summary.write_summary(workbook, summary_sheet, report.period, bounds, figures, inputs.metrics, layouts)
    for sheet in lineage.SHEETS:
        layout = Layout(sheet.title, sheet.columns, sheet.rows(inputs))
        write_table(workbook.create_sheet(sheet.title), layout, layouts)
        notes[sheet.title] = sheet.note
    lineage.write_lineage(workbook, inputs)
    notes[lineage.LINEAGE] = lineage.LINEAGE_NOTE
    readme.write_readme(readme_sheet, inputs, {name: notes[name] for name in workbook.sheetnames})
    generated = naive_utc(report.options.generated_at) or bounds[1].tz_localize(None).to_pydatetime()
    workbook.properties.creator = CREATOR
    workbook.properties.created = generated
    workbook.properties.modified = generated
    workbook.properties.title = f"Systemic-risk report {report.period}: audit workbook"
    return xlsx_bytes(workbook)


def summary_figures(inputs: Inputs) -> list[Figure]:
    """The scalar figures of the metrics JSON, section by section (flags apart: the Flags sheet makes them)."""
    return [
        *derivatives.FIGURES,
        *mechanics.FIGURES,
        *lending.FIGURES,
        *incidents.FIGURES,
        *coverage.FIGURES,
        *filing.figures(inputs),
        *changes.change_figures(inputs.metrics),
        *history.trend_figures(inputs.metrics),
    ]


def breakdown_figures(inputs: Inputs) -> list[Figure]:
    """The entries of the maps keyed by data, after the scalar figures."""
    metrics = inputs.metrics
    return [
        *derivatives.breakdown_figures(metrics),
        *lending.breakdown_figures(metrics),
        *mechanics.breakdown_figures(metrics),
        *incidents.breakdown_figures(metrics),
    ]
