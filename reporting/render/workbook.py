"""The audit workbook `report-<period>.xlsx`: every figure recomputed by live formulas from data in the workbook.

Layout. `README` explains the workbook; `Summary` lists every scalar figure of metrics-<period>.json with a
formula that computes it from the data sheets, the value the toolkit computed, and a check; `Flags` holds
the thresholds in cells and derives each status by formula; the data sheets are Excel tables (filters,
frozen header), except `Liquidations hourly`, a grid with a column per side and venue; `Validation` lists
every finding and `Lineage` every input file with its SHA-256.

Names. Every scalar figure has a workbook-level defined name: the path of the figure in the metrics JSON
with `_` between the parts, e.g. `lending_onchain_share`, `derivatives_peak_24h_liquidations_total_usd`,
`incidents_by_severity_major`, `changes_lending_cefi_usd_change_pct`, `flags_oi_concentration_status`
(flags are named by their id). The top-level `period` is named `period`. Entries of maps keyed by data
(by venue, by asset, by lender, by category, by entity, collateral by asset) are listed on Summary under
"Breakdowns" with a formula and a check, without a name: a venue's name is not a valid spreadsheet name.
A figure that is null in the JSON is "n/a" in both the formula and the toolkit column.

Safety. Every submitted text (names, identifiers, descriptions, finding values and messages, file paths)
is written as a text cell, never as a formula, whatever character it starts with. Formulas compare
submitted names with EXACT inside SUMPRODUCT, never as criteria of SUMIF/COUNTIF (which read `<`, `=`,
`*` and `?` in a name as operators and wildcards).

Size. The workbook holds aggregates; raw liquidation events only up to `EVENTS_CAP` (the largest ones).
Its rows and cells follow the venues, assets, days and hours of the period, never the number of events:
the hourly grid has a row for every hour, whether or not it had events.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.filters import AutoFilter
from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from reporting.contract import EXCHANGE_TYPES, LENDER_TYPES
from reporting.findings import CATALOGUE
from reporting.metrics.audit import EVENTS_CAP, AuditTables, compute_audit_tables
from reporting.metrics.changes import CHANGE_KEYS, MONEY_KEYS
from reporting.metrics.derivatives import METHODS, WINDOW_HOURS
from reporting.metrics.incidents import DOWNTIME_CATEGORIES, INCIDENT_REPORTER_TYPES, SEVERITIES
from reporting.metrics.lending import CREDIT_TYPES, LOAN_TYPES
from reporting.metrics.partials import HIGH_LEVERAGE_BANDS
from reporting.metrics.period import compute_period_bounds
from reporting.render.model import Report
from reporting.render.xlsx import cell_text, xlsx_bytes

CREATOR = "riskreport"
NOT_AVAILABLE = "n/a"
MONEY_TOLERANCE = 0.005
"""A money figure checks when the formula and the toolkit differ by at most half a cent."""
RATIO_TOLERANCE = 1e-9
"""Any other number checks when they differ by at most this."""

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


class Formula(str):
    """A cell formula written by the toolkit (starts with `=`); any other str is written as text."""


@dataclass(frozen=True)
class Column:
    """A column of a sheet table: its header (with the unit), its kind (number format), its width."""

    header: str
    kind: str = "text"
    width: int | None = None


@dataclass
class Ranges:
    """Absolute ranges of the columns of a written table, by header key (the header before any ` (`)."""

    sheet: str
    first: int
    last: int
    letters: dict[str, str] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    """Row of each name, for the computed tables that list one name a row."""

    def __getitem__(self, key: str) -> str:
        letter = self.letters[key]
        return f"{quote_sheetname(self.sheet)}!${letter}${self.first}:${letter}${self.last}"

    def cell(self, key: str, row: int) -> str:
        return f"{quote_sheetname(self.sheet)}!${self.letters[key]}${row}"


def _key(header: str) -> str:
    return header.split(" (")[0]


def _dollars(cents: object) -> float:
    return int(cents) / 100.0  # type: ignore[call-overload]


def _naive_utc_all(values: Iterable[object]) -> list[datetime | None]:
    """Timestamps as naive UTC datetimes, converted together (cells carry no zone; every time in the
    workbook is UTC; a value without a zone is taken as UTC)."""
    stamps = pd.DatetimeIndex(pd.to_datetime(pd.Series(values), utc=True)).tz_localize(None)
    return [None if pd.isna(stamp) else stamp for stamp in stamps.to_pydatetime()]


def _naive_utc(value: object) -> datetime | None:
    """One timestamp as `_naive_utc_all` converts it."""
    return _naive_utc_all([value])[0]


def _text(value: object) -> str | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return str(value)


def write_table(
    workbook: Workbook,
    title: str,
    table_name: str,
    columns: Sequence[Column],
    rows: Iterable[list],
    sheet: Worksheet | None = None,
) -> Ranges:
    """A sheet holding one Excel table (header frozen, filters on), rows as given.

    The header is in row 1 of a new sheet, or two rows below the content of `sheet` when given. A str is
    written as a text cell, a `Formula` as a formula. A table with no rows gets one empty row, so that its
    ranges (and the formulas over them) stay valid.
    """
    if sheet is None:
        sheet = workbook.create_sheet(title)
        top = 1
    else:
        top = sheet.max_row + 2
        sheet.append([])
    _write_header(sheet, [column.header for column in columns])
    styles = _column_styles(sheet, [column.kind for column in columns])
    count = 0
    for row in rows:
        sheet.append([_cell(sheet, value, style) for value, style in zip(row, styles, strict=True)])
        count += 1
    if count == 0:
        sheet.append([None] * len(columns))
        count = 1
    last = count + top
    ranges = Ranges(sheet=title, first=top + 1, last=last)
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        ranges.letters[_key(column.header)] = letter
        sheet.column_dimensions[letter].width = column.width or max(
            WIDTHS[column.kind], min(len(column.header) + 3, 40)
        )
    sheet.freeze_panes = f"A{top + 1}"
    ref = f"A{top}:{get_column_letter(len(columns))}{last}"
    # The columns are named here, so that saving does not read them back from the header cells.
    table = Table(
        displayName=table_name,
        ref=ref,
        autoFilter=AutoFilter(ref=ref),
        tableColumns=[TableColumn(id=index, name=column.header) for index, column in enumerate(columns, start=1)],
    )
    table.tableStyleInfo = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)
    sheet.add_table(table)
    _protect(sheet)
    return ranges


def _write_header(sheet: Worksheet, headers: Sequence[str]) -> None:
    """Append a header row of text cells: bold, shaded, wrapped."""
    sheet.append(headers)
    for cell in sheet[sheet.max_row]:
        cell.data_type = "s"
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = WRAP


def _column_styles(sheet: Worksheet, kinds: Sequence[str]) -> list[StyleArray | None]:
    """The style of each column's cells (its number format), made once and copied into every cell."""
    styles: list[StyleArray | None] = []
    for kind in kinds:
        template = Cell(sheet)
        template.number_format = FORMATS[kind]
        styles.append(template._style if FORMATS[kind] != "General" else None)
    return styles


def _cell(sheet: Worksheet, value: Any, style: StyleArray | None) -> Cell:
    """A cell of `sheet` holding the value; a str that is not a `Formula` stays text whatever it starts with."""
    if isinstance(value, str) and not isinstance(value, Formula):
        value = cell_text(value)
    cell = Cell(sheet, value=value, style_array=style)
    _set_type(cell, value)
    return cell


def _set_type(cell: Any, value: Any) -> None:
    # openpyxl turns any str starting with "=" into a formula (and "#N/A" into an error); only the
    # toolkit's own formulas may be one.
    if isinstance(value, str) and not isinstance(value, Formula):
        cell.data_type = "s"


def _protect(sheet: Worksheet) -> None:
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


def _exact_sum(names: str, name_cell: str, *factors: str) -> str:
    """SUMPRODUCT of the factors over the rows whose name equals the cell exactly (case-sensitive, no wildcards)."""
    return "SUMPRODUCT(EXACT(" + names + "," + name_cell + ")*" + "*".join(factors) + ")"


@dataclass
class Figure:
    """One row of Summary: a figure of the metrics JSON, its defined name (None for breakdowns), its formula."""

    path: tuple[str, ...]
    kind: str
    formula: str
    value: Any
    name: str | None = None


def render_workbook(report: Report) -> bytes:
    """The audit workbook of the report, as .xlsx bytes (identical for identical reports)."""
    audit = compute_audit_tables(report.partials, report.submissions, report.period)
    metrics = report.metrics.to_dict()
    workbook = Workbook()
    readme = workbook.active
    assert readme is not None
    readme.title = "README"
    summary = workbook.create_sheet("Summary")
    flags_sheet = workbook.create_sheet("Flags")
    period_start, period_end = compute_period_bounds(report.period)
    sheets = _write_data_sheets(workbook, report, audit)
    figures = _derivatives_figures(metrics, sheets) + _lending_figures(metrics, sheets)
    figures += _incidents_figures(metrics, sheets) + _coverage_figures(metrics, sheets)
    figures += _changes_figures(metrics, sheets)
    figures += _flag_figures(metrics, report, flags_sheet)
    figures += _breakdown_figures(metrics, sheets)
    _write_summary(workbook, summary, report, figures, period_start, period_end)
    _write_lineage(workbook, report)
    _write_readme(readme, report, audit, workbook.sheetnames)
    generated = _naive_utc(report.options.generated_at) or period_end.tz_localize(None).to_pydatetime()
    workbook.properties.creator = CREATOR
    workbook.properties.created = generated
    workbook.properties.modified = generated
    workbook.properties.title = f"Systemic-risk report {report.period}: audit workbook"
    return xlsx_bytes(workbook)


# Cells of the Summary sheet that other formulas use: the period bounds.
PERIOD_START_CELL = "Summary!$B$4"
PERIOD_END_CELL = "Summary!$B$5"
# Threshold cells on Flags (column C = red, D = amber, ...) are filled in by _flag_figures.
SEVERITY_ROW0 = 16


def _severity_cell(index: int) -> str:
    return f"Flags!$C${SEVERITY_ROW0 + index}"


SEVERITY_KEYS = (
    "clients_affected_pct",
    "clients_affected",
    "transactions_affected_pct",
    "duration_hours",
    "critical_duration_hours",
    "jurisdictions_affected",
    "economic_impact_usd",
    "data_loss",
)


def _threshold(key: str) -> str:
    return _severity_cell(SEVERITY_KEYS.index(key))


def _write_data_sheets(workbook: Workbook, report: Report, audit: AuditTables) -> dict[str, Ranges]:
    partials = report.partials
    sheets: dict[str, Ranges] = {}

    entities = partials.entities
    sheets["entities"] = write_table(
        workbook,
        "Entities",
        "entities",
        [Column("entity", width=34), Column("entity_type", width=14)],
        ([_text(e), _text(t)] for e, t in zip(entities["entity"], entities["entity_type"], strict=True)),
    )

    submissions = sorted(report.submissions, key=lambda s: s.source)
    count = len(submissions) or 1
    sub_rows = []
    for index, s in enumerate(submissions, start=2):
        header = s.header
        entity_id = header.entity_id if header else s.header_values.get("entity_id")
        entity_type = header.entity_type if header else s.header_values.get("entity_type")
        ids = f"$B$2:$B${count + 1}"
        statuses = f"$F$2:$F${count + 1}"
        distinct = f'1/SUMPRODUCT(EXACT({ids},B{index})*({statuses}="accepted"))'
        exchange = " ,".join(f'D{index}="{t}"' for t in EXCHANGE_TYPES).replace(" ,", ",")
        lender = ",".join(f'D{index}="{t}"' for t in LENDER_TYPES)
        sub_rows.append(
            [
                _text(s.source),
                _text(entity_id),
                _text(header.entity_name if header else s.header_values.get("entity_name")),
                _text(entity_type),
                _text(s.container),
                s.status,
                s.errors,
                s.warnings,
                sum(s.rows.values()),
                Formula(f'=IF(AND(F{index}="accepted",OR({exchange})),{distinct},0)'),
                Formula(f'=IF(AND(F{index}="accepted",OR({lender})),{distinct},0)'),
            ]
        )
    sheets["submissions"] = write_table(
        workbook,
        "Submissions",
        "submissions",
        [
            Column("source", width=30),
            Column("entity_id", width=22),
            Column("entity_name", width=30),
            Column("entity_type", width=14),
            Column("container", width=11),
            Column("status", width=11),
            Column("errors", "count"),
            Column("warnings", "count"),
            Column("rows_read", "count"),
            Column("exchange_weight (1/accepted submissions of the entity_id)", "ratio", 18),
            Column("lender_weight (1/accepted submissions of the entity_id)", "ratio", 18),
        ],
        sub_rows,
    )

    # Open interest: daily rows per venue, date and asset; each venue's last reported date.
    oi = partials.open_interest
    venues = sorted(set(oi["venue"]))
    n_venues = len(venues) or 1
    venue_rows = f"'OI by venue'!$A$2:$A${n_venues + 1}"
    last_dates = f"'OI by venue'!$B$2:$B${n_venues + 1}"
    oi_rows = [
        [
            _text(venue),
            date,
            _text(asset),
            _dollars(cents),
            Formula(f"=IF(B{i}={_exact_sum(venue_rows, f'A{i}', last_dates)},TRUE,FALSE)"),
        ]
        for i, (venue, date, asset, cents) in enumerate(
            zip(oi["venue"], _naive_utc_all(oi["date"]), oi["base_asset"], oi["open_interest_cents"], strict=True),
            start=2,
        )
    ]
    sheets["oi_daily"] = daily = write_table(
        workbook,
        "OI daily",
        "oi_daily",
        [
            Column("venue", width=30),
            Column("date (UTC)", "date"),
            Column("base_asset", width=12),
            Column("open_interest_usd (USD, Σ over symbols)", "money"),
            Column("period_end (the venue's last reported date)", "bool", 16),
        ],
        oi_rows,
    )
    sheets["oi_by_venue"] = by_venue = write_table(
        workbook,
        "OI by venue",
        "oi_by_venue",
        [
            Column("venue", width=30),
            Column("last_reported_date (UTC)", "date", 16),
            Column("open_interest_usd (USD, on the last reported date)", "money"),
            Column("share (of open_interest_usd)", "share", 14),
        ],
        (
            [
                venue,
                Formula(f"=SUMPRODUCT(MAX(EXACT({daily['venue']},A{i})*{daily['date']}))"),
                Formula(
                    "="
                    + _exact_sum(daily["venue"], f"A{i}", "(" + daily["date"] + f"=B{i})", daily["open_interest_usd"])
                ),
                Formula(f'=IF(SUM($C$2:$C${n_venues + 1})=0,"{NOT_AVAILABLE}",C{i}/SUM($C$2:$C${n_venues + 1}))'),
            ]
            for i, venue in enumerate(venues, start=2)
        ),
    )
    assets = sorted(set(oi["base_asset"]))
    sheets["oi_by_asset"] = write_table(
        workbook,
        "OI by asset",
        "oi_by_asset",
        [Column("base_asset", width=14), Column("open_interest_usd (USD, period end)", "money")],
        (
            [
                asset,
                Formula(
                    f"=SUMPRODUCT(({daily['base_asset']}=A{i})*{daily['period_end']}*{daily['open_interest_usd']})"
                ),
            ]
            for i, asset in enumerate(assets, start=2)
        ),
    )
    dates = sorted(set(oi["date"]))
    sheets["oi_totals"] = write_table(
        workbook,
        "OI daily totals",
        "oi_daily_totals",
        [Column("date (UTC)", "date"), Column("open_interest_usd (USD, Σ over venues and symbols)", "money")],
        (
            [date, Formula(f"=SUMPRODUCT(({daily['date']}=A{i})*{daily['open_interest_usd']})")]
            for i, date in enumerate(_naive_utc_all(dates), start=2)
        ),
    )
    end_rows = audit.period_end_open_interest
    sheets["oi_period_end"] = write_table(
        workbook,
        "OI period end",
        "oi_period_end",
        [
            Column("venue", width=30),
            Column("date (UTC)", "date"),
            Column("symbol", width=18),
            Column("base_asset", width=12),
            Column("contract_type", width=13),
            Column("open_interest_usd (USD)", "money"),
        ],
        (
            [_text(v), d, _text(s), _text(a), _text(c), _dollars(x)]
            for (v, _, s, a, c, x), d in zip(
                end_rows.itertuples(index=False), _naive_utc_all(end_rows["date"]), strict=True
            )
        ),
    )
    funding = audit.funding_rows
    sheets["funding"] = write_table(
        workbook,
        "Funding",
        "funding",
        [
            Column("venue", width=30),
            Column("date (UTC)", "date"),
            Column("symbol", width=18),
            Column("open_interest_usd (USD)", "money"),
            Column("funding_rate (per interval)", "rate", 14),
            Column("funding_interval_hours (h)", "count", 12),
            Column("weighted_usd (USD; open_interest_usd × funding_rate × 8 ÷ interval)", "number", 24),
        ],
        (
            [_text(v), d, _text(s), _dollars(x), float(r), float(h), Formula(f"=D{i}*E{i}*8/F{i}")]
            for i, ((v, _, s, x, r, h), d) in enumerate(
                zip(funding.itertuples(index=False), _naive_utc_all(funding["date"]), strict=True), start=2
            )
        ),
    )
    collateral = partials.collateral
    sheets["collateral"] = write_table(
        workbook,
        "Collateral",
        "collateral",
        [
            Column("venue", width=30),
            Column("balance_usd (USD, Σ client collateral)", "money"),
            Column("rows", "count"),
            Column("open_interest_usd (USD, period end, from OI by venue)", "money"),
        ],
        (
            [
                _text(v),
                _dollars(b),
                int(n),
                Formula(f"={_exact_sum(by_venue['venue'], f'A{i}', by_venue['open_interest_usd'])}"),
            ]
            for i, (v, b, n) in enumerate(collateral.itertuples(index=False), start=2)
        ),
    )
    bands = audit.leverage_band_rows
    high = ",".join(f'B{{i}}="{band}"' for band in HIGH_LEVERAGE_BANDS)
    sheets["bands"] = write_table(
        workbook,
        "Leverage bands",
        "leverage_bands",
        [
            Column("venue", width=30),
            Column("band (effective leverage, base_asset ALL)", "text", 16),
            Column("open_interest_usd (USD)", "money"),
            Column("high_leverage (band 25-50 or 50+)", "bool", 16),
        ],
        (
            [_text(v), _text(b), _dollars(x), Formula("=OR(" + high.format(i=i) + ")")]
            for i, (v, b, x) in enumerate(bands.itertuples(index=False), start=2)
        ),
    )

    # Liquidations: every hour of the period per venue, the 24-hour sums, the breakdown.
    long_sums, short_sums = _write_hourly(workbook, audit)
    window_rows = []
    hours = audit.period_hours
    for i, (k, hour, end, inside) in enumerate(
        zip(
            hours["hour_of_period"],
            _naive_utc_all(hours["hour"]),
            _naive_utc_all(hours["window_end"]),
            hours["window_inside"],
            strict=True,
        ),
        start=2,
    ):
        span = f"{i}:{{c}}{i + WINDOW_HOURS - 1}"
        window_rows.append(
            [
                int(k),
                hour,
                end,
                Formula(long_sums.format(row=i)),
                Formula(short_sums.format(row=i)),
                Formula(f"=D{i}+E{i}"),
                Formula(f"=ROUND(SUM(D{span.format(c='D')}),2)") if inside else NOT_AVAILABLE,
                Formula(f"=ROUND(SUM(E{span.format(c='E')}),2)") if inside else NOT_AVAILABLE,
                Formula(f"=ROUND(G{i}+H{i},2)") if inside else NOT_AVAILABLE,
            ]
        )
    sheets["windows"] = write_table(
        workbook,
        "Liquidation windows",
        "liquidation_windows",
        [
            Column("hour_of_period", "count", 14),
            Column("window_start (UTC)", "datetime"),
            Column("window_end (UTC, start + 24 h)", "datetime"),
            Column("long_usd (USD, this hour)", "money"),
            Column("short_usd (USD, this hour)", "money"),
            Column("total_usd (USD, this hour)", "money"),
            Column("long_24h_usd (USD, window from this hour)", "money"),
            Column("short_24h_usd (USD, window from this hour)", "money"),
            Column("total_24h_usd (USD, window from this hour)", "money"),
        ],
        window_rows,
    )
    breakdown = audit.liquidation_breakdown
    sheets["liq_breakdown"] = liq = write_table(
        workbook,
        "Liquidations breakdown",
        "liquidations_breakdown",
        [
            Column("venue", width=30),
            Column("base_asset", width=12),
            Column("position_side", width=13),
            Column("method", width=12),
            Column("margin_mode", width=13),
            Column("notional_usd (USD)", "money"),
            Column("incident_usd (USD, events naming an incident)", "money"),
            Column("events", "count"),
        ],
        (
            [_text(v), _text(a), _text(s), _text(m), _text(mm), _dollars(n), _dollars(ic), int(e)]
            for v, a, s, m, mm, n, ic, e in breakdown.itertuples(index=False)
        ),
    )
    liq_venues = sorted(set(breakdown["venue"]))
    is_long = "(" + liq["position_side"] + '="long")'
    is_short = "(" + liq["position_side"] + '="short")'
    n_liq = len(liq_venues) or 1
    sheets["liq_by_venue"] = write_table(
        workbook,
        "Liquidations by venue",
        "liquidations_by_venue",
        [
            Column("venue", width=30),
            Column("long_usd (USD)", "money"),
            Column("short_usd (USD)", "money"),
            Column("total_usd (USD)", "money"),
            Column("share (of liquidations_total_usd)", "share", 14),
        ],
        (
            [
                venue,
                Formula(f"=ROUND({_exact_sum(liq['venue'], f'A{i}', is_long, liq['notional_usd'])},2)"),
                Formula(f"=ROUND({_exact_sum(liq['venue'], f'A{i}', is_short, liq['notional_usd'])},2)"),
                Formula(f"=ROUND(B{i}+C{i},2)"),
                Formula(f'=IF(SUM($D$2:$D${n_liq + 1})=0,"{NOT_AVAILABLE}",D{i}/SUM($D$2:$D${n_liq + 1}))'),
            ]
            for i, venue in enumerate(liq_venues, start=2)
        ),
    )
    sheets["liq_by_asset"] = write_table(
        workbook,
        "Liquidations by asset",
        "liquidations_by_asset",
        [
            Column("base_asset", width=14),
            Column("long_usd (USD)", "money"),
            Column("short_usd (USD)", "money"),
            Column("total_usd (USD)", "money"),
        ],
        (
            [
                asset,
                Formula(
                    f'=ROUND(SUMPRODUCT(({liq["base_asset"]}=A{i})*({liq["position_side"]}="long")*{liq["notional_usd"]}),2)'
                ),
                Formula(
                    f'=ROUND(SUMPRODUCT(({liq["base_asset"]}=A{i})*({liq["position_side"]}="short")*{liq["notional_usd"]}),2)'
                ),
                Formula(f"=ROUND(B{i}+C{i},2)"),
            ]
            for i, asset in enumerate(sorted(set(breakdown["base_asset"])), start=2)
        ),
    )
    event_columns = [
        Column("venue", width=30),
        Column("event_id", width=24),
        Column("ts (UTC)", "datetime"),
        Column("symbol", width=16),
        Column("base_asset", width=12),
        Column("position_side", width=13),
        Column("method", width=12),
        Column("margin_mode", width=13),
        Column("notional_usd (USD)", "money"),
        Column("incident_id", width=20),
    ]

    def event_rows(frame: pd.DataFrame) -> Iterable[list]:
        for (v, e, _, s, a, side, m, mm, n, inc), ts in zip(
            frame.itertuples(index=False), _naive_utc_all(frame["ts"]), strict=True
        ):
            yield [
                _text(v),
                _text(e),
                ts,
                _text(s),
                _text(a),
                _text(side),
                _text(m),
                _text(mm),
                _dollars(n),
                _text(inc),
            ]

    sheets["largest"] = write_table(
        workbook, "Largest by venue", "largest_by_venue", event_columns, event_rows(audit.largest_by_venue)
    )
    sheets["events"] = write_table(
        workbook, "Largest events", "largest_events", event_columns, event_rows(audit.largest_events)
    )

    # Lending.
    loans = audit.loans
    sheets["loans"] = loans_ranges = write_table(
        workbook,
        "Loans",
        "loans",
        [
            Column("lender", width=30),
            Column("entity_type", width=14),
            Column("collateral_asset", width=14),
            Column("borrowed_usd (USD)", "money"),
            Column("collateral_usd (USD)", "money"),
            Column("funded_onchain_usd (USD)", "money"),
            Column("loans", "count"),
            Column("secured (collateral_asset is not NONE)", "bool", 14),
        ],
        (
            [_text(le), _text(t), _text(a), _dollars(b), _dollars(c), _dollars(f), int(n), Formula(f'=C{i}<>"NONE"')]
            for i, (le, t, a, b, c, f, n, _secured) in enumerate(loans.itertuples(index=False), start=2)
        ),
    )
    sheets["cdp"] = cdp = write_table(
        workbook,
        "CDP supply",
        "cdp_supply",
        [Column("lender", width=34), Column("crypto_backed_supply_usd (USD)", "money")],
        ([_text(le), _dollars(c)] for le, c in partials.cdp_supply.itertuples(index=False)),
    )
    sheets["dat"] = write_table(
        workbook,
        "DAT debt",
        "dat_debt",
        [Column("lender", width=34), Column("principal_usd (USD)", "money")],
        ([_text(le), _dollars(c)] for le, c in partials.dat_debt.itertuples(index=False)),
    )
    credit = entities[entities["entity_type"].isin(CREDIT_TYPES)].sort_values("entity")
    n_credit = len(credit) or 1
    amounts = f"$E$2:$E${n_credit + 1}"
    cefi_amounts = f'SUMPRODUCT(($B$2:$B${n_credit + 1}="cefi_lender")*{amounts})'
    sheets["lenders"] = write_table(
        workbook,
        "Lenders",
        "lenders",
        [
            Column("lender", width=34),
            Column("entity_type", width=14),
            Column("secured_borrowed_usd (USD, loans)", "money"),
            Column("crypto_backed_usd (USD, CDP supply)", "money"),
            Column("amount_usd (USD, counted in crypto_collateralized_usd)", "money"),
            Column("share (of Σ amount_usd)", "share", 14),
            Column("cefi_share (of Σ amount_usd of CeFi lenders)", "share", 16),
        ],
        (
            [
                _text(lender),
                _text(entity_type),
                Formula(
                    "=ROUND("
                    + _exact_sum(loans_ranges["lender"], f"A{i}", loans_ranges["secured"], loans_ranges["borrowed_usd"])
                    + ",2)"
                ),
                Formula(f"=ROUND({_exact_sum(cdp['lender'], f'A{i}', cdp['crypto_backed_supply_usd'])},2)"),
                Formula(f"=ROUND(C{i}+D{i},2)"),
                Formula(f'=IF(SUM({amounts})=0,"{NOT_AVAILABLE}",E{i}/SUM({amounts}))'),
                Formula(f'=IF(B{i}<>"cefi_lender","",IF({cefi_amounts}=0,"{NOT_AVAILABLE}",E{i}/{cefi_amounts}))'),
            ]
            for i, (lender, entity_type) in enumerate(credit.itertuples(index=False), start=2)
        ),
    )
    sheets["collateral_by_asset"] = write_table(
        workbook,
        "Collateral by asset",
        "collateral_by_asset",
        [Column("collateral_asset", width=16), Column("collateral_usd (USD, secured loans)", "money")],
        (
            [
                _text(asset),
                Formula(
                    f"=ROUND(SUMPRODUCT(({loans_ranges['collateral_asset']}=A{i})*{loans_ranges['secured']}"
                    f"*{loans_ranges['collateral_usd']}),2)"
                ),
            ]
            for i, asset in enumerate(partials.loan_collateral["collateral_asset"], start=2)
        ),
    )

    # The computed tables list one name a row, from row 2; Summary's breakdown rows point at them.
    for key, names in (
        ("oi_by_venue", venues),
        ("oi_by_asset", assets),
        ("liq_by_venue", liq_venues),
        ("liq_by_asset", sorted(set(breakdown["base_asset"]))),
        ("lenders", list(credit["entity"])),
        ("collateral_by_asset", list(partials.loan_collateral["collateral_asset"])),
    ):
        sheets[key].rows = {str(name): row for row, name in enumerate(names, start=2)}
    sheets["incidents"] = _write_incidents(workbook, report, audit, sheets["windows"])
    incident_rows = report.partials.incidents
    for column in ("entity", "category"):
        for row, name in reversed(list(enumerate(incident_rows[column], start=2))):
            sheets["incidents"].rows[f"{column}:{name}"] = row  # the first row naming it
    sheets["prior"] = write_table(
        workbook,
        "Prior period",
        "prior_period",
        [
            Column("section", width=14),
            Column("figure", width=36),
            Column("prior (the prior period's value)", "number", 24),
        ],
        (
            [section, key, NOT_AVAILABLE if change["prior"] is None else change["prior"]]
            for section, figures in report.metrics.to_dict()["changes"].items()
            for key, change in figures.items()
        ),
    )
    return sheets


def _write_hourly(workbook: Workbook, audit: AuditTables) -> tuple[str, str]:
    """Liquidations hourly: a row per hour of the period, a column per side and venue (USD).

    Row k + 2 holds hour_of_period k, as on Liquidation windows. The sheet is not an Excel table: its
    headers name venues, and table headers must differ even in letter case. Returns the formulas of
    an hour's long and short sums over the venues, with `{row}` for its row.
    """
    hourly = audit.hourly_liquidations
    hours = audit.period_hours
    sheet = workbook.create_sheet("Liquidations hourly")
    headers = ["hour_of_period", "hour (UTC, start)"]
    headers += [f"{side}_usd (USD): {venue}" for side, venue in hourly.columns]
    _write_header(sheet, headers)
    styles = _column_styles(sheet, ["count", "datetime"] + ["money"] * len(hourly.columns))
    dollars = (hourly.to_numpy() / 100.0).tolist()
    for k, hour, sums in zip(hours["hour_of_period"], _naive_utc_all(hours["hour"]), dollars, strict=True):
        values = [int(k), hour, *sums]
        sheet.append([_cell(sheet, value, style) for value, style in zip(values, styles, strict=True)])
    for index, header in enumerate(headers, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(14, min(len(header) + 3, 40))
    last = get_column_letter(len(headers))
    sheet.freeze_panes = "C2"
    sheet.auto_filter.ref = f"A1:{last}{len(hours) + 1}"
    _protect(sheet)
    venues = len(hourly.columns) // 2
    if venues == 0:
        return "=0", "=0"
    name = quote_sheetname(sheet.title)
    first_long, last_long = get_column_letter(3), get_column_letter(2 + venues)
    first_short = get_column_letter(3 + venues)
    return (
        f"=SUM({name}!${first_long}{{row}}:${last_long}{{row}})",
        f"=SUM({name}!${first_short}{{row}}:${last}{{row}})",
    )


INCIDENT_COLUMNS = [
    Column("entity", width=28),
    Column("incident_id", width=18),
    Column("category", width=17),
    Column("description", width=40),
    Column("critical_service", "bool", 10),
    Column("malicious_access", "bool", 10),
    Column("data_loss", "bool", 10),
    Column("started_at (UTC)", "datetime"),
    Column("resolved_at (UTC; empty while open)", "datetime"),
    Column("clients_affected", "count", 11),
    Column("clients_affected_pct (%)", "number", 11),
    Column("transactions_affected_pct (%)", "number", 13),
    Column("jurisdictions_affected", "count", 13),
    Column("economic_impact_usd (USD)", "money"),
    Column("false_liquidations_usd (USD)", "money"),
    Column("compensation_usd (USD)", "money"),
    Column("liquidations_usd (USD, events naming the incident)", "money"),
    Column("ends_at (UTC; resolved_at, or the period's end)", "datetime"),
    Column("duration_hours (h)", "number", 12),
    Column("minutes_in_period (min, clipped to the period)", "number", 14),
    Column("met_clients_affected", "bool", 12),
    Column("met_transactions_affected", "bool", 12),
    Column("met_duration", "bool", 12),
    Column("met_jurisdictions_affected", "bool", 12),
    Column("met_economic_impact", "bool", 12),
    Column("met_data_loss", "bool", 12),
    Column("thresholds_met (count)", "count", 12),
    Column("in_peak_liquidation_window", "bool", 14),
    Column("severity", width=13),
]


def _write_incidents(workbook: Workbook, report: Report, audit: AuditTables, windows: Ranges) -> Ranges:
    """Incidents with duration, thresholds met and severity, all by formula over the threshold cells on Flags."""
    rows = report.partials.incidents
    details = {(d.entity, d.incident_id): d for d in report.metrics.incident_details}
    descriptions = {(e, i): d for e, i, d in audit.incident_descriptions.itertuples(index=False)}
    peak_start = "derivatives_peak_24h_liquidations_start"
    peak_end = "derivatives_peak_24h_liquidations_end"

    def row(i: int, incident: Any) -> list:
        detail = details.get((incident.entity, incident.incident_id))
        ends = f"R{i}"
        return [
            _text(incident.entity),
            _text(incident.incident_id),
            _text(incident.category),
            _text(descriptions.get((incident.entity, incident.incident_id))),
            bool(incident.critical_service),
            bool(incident.malicious_access),
            bool(incident.data_loss),
            _naive_utc(incident.started_at),
            _naive_utc(incident.resolved_at),
            None if pd.isna(incident.clients_affected) else int(incident.clients_affected),
            None if pd.isna(incident.clients_affected_pct) else float(incident.clients_affected_pct),
            None if pd.isna(incident.transactions_affected_pct) else float(incident.transactions_affected_pct),
            None if pd.isna(incident.jurisdictions_affected) else int(incident.jurisdictions_affected),
            None if pd.isna(incident.economic_impact_usd) else float(incident.economic_impact_usd),
            _dollars(incident.false_liquidations_cents),
            _dollars(incident.compensation_cents),
            detail.liquidations_usd if detail else 0.0,
            Formula(f"=IF(ISNUMBER(I{i}),I{i},{PERIOD_END_CELL})"),
            # Whole milliseconds: date serials carry about a microsecond of rounding noise.
            Formula(f"=ROUND(({ends}-H{i})*86400,3)/3600"),
            Formula(f"=MAX(0,ROUND((MIN({ends},{PERIOD_END_CELL})-MAX(H{i},{PERIOD_START_CELL}))*86400,3))/60"),
            Formula(
                f"=OR(AND(ISNUMBER(K{i}),K{i}>{_threshold('clients_affected_pct')}),"
                f"AND(ISNUMBER(J{i}),J{i}>{_threshold('clients_affected')}))"
            ),
            Formula(f"=AND(ISNUMBER(L{i}),L{i}>{_threshold('transactions_affected_pct')})"),
            Formula(f"=OR(S{i}>{_threshold('duration_hours')},AND(E{i},S{i}>{_threshold('critical_duration_hours')}))"),
            Formula(f"=AND(ISNUMBER(M{i}),M{i}>={_threshold('jurisdictions_affected')})"),
            Formula(f"=AND(ISNUMBER(N{i}),N{i}>{_threshold('economic_impact_usd')})"),
            Formula(f"=AND(G{i},{_threshold('data_loss')})"),
            Formula(f"=SUMPRODUCT(--(U{i}:Z{i}))"),
            Formula(f"=IF(ISNUMBER({peak_start}),AND(H{i}<{peak_end},{ends}>={peak_start}),FALSE)"),
            Formula(
                f'=IF(AND(E{i},OR(AND(F{i},G{i}),AA{i}>=2)),"major",'
                f'IF(OR(AND(E{i},AA{i}>=1),AB{i}),"significant","minor"))'
            ),
        ]

    return write_table(
        workbook,
        "Incidents",
        "incidents",
        INCIDENT_COLUMNS,
        (row(i, incident) for i, incident in enumerate(rows.itertuples(index=False), start=2)),
    )


# Figures of the Summary sheet. Each builder returns the formulas of one section of the metrics JSON.


def _gate(count: str, formula: str) -> str:
    """The formula, or n/a when `count` (how many entities report the figure) is 0."""
    return f'=IF({count}=0,"{NOT_AVAILABLE}",{formula})'


def _count_types(sheets: dict[str, Ranges], types: Iterable[str]) -> str:
    entity_types = sheets["entities"]["entity_type"]
    return "(" + "+".join(f'COUNTIF({entity_types},"{t}")' for t in types) + ")"


def _name(*path: str) -> str:
    return "_".join(path)


def _value(metrics: dict[str, Any], path: Sequence[str]) -> Any:
    value: Any = metrics
    for part in path:
        value = None if value is None else value.get(part)
    return value


def _derivatives_figures(metrics: dict[str, Any], sheets: dict[str, Ranges]) -> list[Figure]:
    venues = _count_types(sheets, EXCHANGE_TYPES)
    by_venue = sheets["oi_by_venue"]
    totals = sheets["oi_totals"]
    funding = sheets["funding"]
    collateral = sheets["collateral"]
    bands = sheets["bands"]
    liq = sheets["liq_breakdown"]
    liq_venue = sheets["liq_by_venue"]
    windows = sheets["windows"]
    largest = sheets["largest"]
    oi = by_venue["open_interest_usd"]
    n = "derivatives_"
    total = f"{n}liquidations_total_usd"
    no_oi = f"OR({venues}=0,COUNT({oi})=0)"
    top4 = "+".join(f"IFERROR(LARGE({oi},{k}),0)" for k in range(1, 5))
    peak = f"MAX({totals['open_interest_usd']})"
    window_totals = windows["total_24h_usd"]
    best = f"MATCH(MAX({window_totals}),{window_totals},0)"
    no_peak = f"OR({venues}=0,MAX({window_totals})=0)"
    top_event = f"MATCH(MAX({largest['notional_usd']}),{largest['notional_usd']},0)"
    no_event = f"OR({venues}=0,COUNT({largest['notional_usd']})=0)"

    def side(name: str) -> str:
        return f'ROUND(SUMPRODUCT(({liq["position_side"]}="{name}")*{liq["notional_usd"]}),2)'

    def share_of_total(part: str) -> str:
        return f'=IF(OR({venues}=0,N({total})=0),"{NOT_AVAILABLE}",{part}/{total})'

    def nullable(condition: str, formula: str) -> str:
        return f'=IF({condition},"{NOT_AVAILABLE}",{formula})'

    figures = [
        ("open_interest_usd", "money", nullable(no_oi, f"ROUND(SUM({oi}),2)")),
        ("open_interest_peak_usd", "money", nullable(no_oi, f"ROUND({peak},2)")),
        (
            "open_interest_peak_date",
            "date",
            nullable(no_oi, f"INDEX({totals['date']},MATCH({peak},{totals['open_interest_usd']},0))"),
        ),
        (
            "open_interest_hhi",
            "hhi",
            nullable(f"OR({no_oi},SUM({oi})=0)", f"10000*SUMPRODUCT({by_venue['share']},{by_venue['share']})"),
        ),
        ("open_interest_top4_share", "share", nullable(f"OR({no_oi},SUM({oi})=0)", f"({top4})/SUM({oi})")),
        (
            "funding_rate_8h_oi_weighted",
            "rate",
            nullable(
                f"OR({venues}=0,SUM({funding['open_interest_usd']})=0)",
                f"SUM({funding['weighted_usd']})/SUM({funding['open_interest_usd']})",
            ),
        ),
        (
            "funding_rate_annualized",
            "share",
            nullable(f'{n}funding_rate_8h_oi_weighted="{NOT_AVAILABLE}"', f"{n}funding_rate_8h_oi_weighted*3*365"),
        ),
        (
            "estimated_leverage_ratio",
            "ratio",
            nullable(
                f"OR({venues}=0,SUM({collateral['balance_usd']})=0)",
                f"SUM({collateral['open_interest_usd']})/SUM({collateral['balance_usd']})",
            ),
        ),
        (
            "high_leverage_oi_share",
            "share",
            nullable(
                f"OR({venues}=0,SUM({bands['open_interest_usd']})=0)",
                f"SUMPRODUCT({bands['high_leverage']}*{bands['open_interest_usd']})/SUM({bands['open_interest_usd']})",
            ),
        ),
        ("liquidations_long_usd", "money", _gate(venues, side("long"))),
        ("liquidations_short_usd", "money", _gate(venues, side("short"))),
        (
            "liquidations_total_usd",
            "money",
            _gate(venues, f"ROUND({n}liquidations_long_usd+{n}liquidations_short_usd,2)"),
        ),
        ("liquidations_long_share", "share", share_of_total(f"{n}liquidations_long_usd")),
        (
            "liquidations_hhi",
            "hhi",
            nullable(f"OR({venues}=0,N({total})=0)", f"10000*SUMPRODUCT({liq_venue['share']},{liq_venue['share']})"),
        ),
        ("largest_liquidation_notional_usd", "money", nullable(no_event, f"MAX({largest['notional_usd']})")),
        ("largest_liquidation_venue", "text", nullable(no_event, f"INDEX({largest['venue']},{top_event})")),
        ("largest_liquidation_symbol", "text", nullable(no_event, f"INDEX({largest['symbol']},{top_event})")),
        ("largest_liquidation_base_asset", "text", nullable(no_event, f"INDEX({largest['base_asset']},{top_event})")),
        (
            "largest_liquidation_position_side",
            "text",
            nullable(no_event, f"INDEX({largest['position_side']},{top_event})"),
        ),
        ("largest_liquidation_ts", "datetime", nullable(no_event, f"INDEX({largest['ts']},{top_event})")),
        ("peak_24h_liquidations_start", "datetime", nullable(no_peak, f"INDEX({windows['window_start']},{best})")),
        ("peak_24h_liquidations_end", "datetime", nullable(no_peak, f"INDEX({windows['window_end']},{best})")),
        ("peak_24h_liquidations_total_usd", "money", nullable(no_peak, f"MAX({window_totals})")),
        ("peak_24h_liquidations_long_usd", "money", nullable(no_peak, f"INDEX({windows['long_24h_usd']},{best})")),
        ("peak_24h_liquidations_short_usd", "money", nullable(no_peak, f"INDEX({windows['short_24h_usd']},{best})")),
    ]
    for method in METHODS:
        figures.append(
            (
                f"liquidations_method_share_{method}",
                "share",
                share_of_total(f'SUMPRODUCT(({liq["method"]}="{method}")*{liq["notional_usd"]})'),
            )
        )
    figures += [
        ("adl_usd", "money", _gate(venues, f'ROUND(SUMPRODUCT(({liq["method"]}="adl")*{liq["notional_usd"]}),2)')),
        (
            "cross_margin_liquidation_share",
            "share",
            share_of_total(
                f'SUMPRODUCT((({liq["margin_mode"]}="cross")+({liq["margin_mode"]}="portfolio"))*{liq["notional_usd"]})'
            ),
        ),
        ("incident_liquidations_usd", "money", _gate(venues, f"ROUND(SUM({liq['incident_usd']}),2)")),
    ]
    nested = {
        "largest_liquidation_": "largest_liquidation",
        "peak_24h_liquidations_": "peak_24h_liquidations",
        "liquidations_method_share_": "liquidations_method_share",
    }
    result = []
    for key, kind, formula in figures:
        path: tuple[str, ...] = ("derivatives", key)
        for prefix, parent in nested.items():
            if key.startswith(prefix):
                path = ("derivatives", parent, key.removeprefix(prefix))
        result.append(Figure(path, kind, formula, _value(metrics, path), _name(*path)))
    return result


def _lending_figures(metrics: dict[str, Any], sheets: dict[str, Ranges]) -> list[Figure]:
    loans = sheets["loans"]
    lenders = sheets["lenders"]
    cdp = sheets["cdp"]
    dat = sheets["dat"]
    n = "lending_"
    reports_loans = _count_types(sheets, LOAN_TYPES)
    credit = _count_types(sheets, CREDIT_TYPES)

    def borrowed(entity_type: str) -> str:
        return (
            f'ROUND(SUMPRODUCT(({loans["entity_type"]}="{entity_type}")*{loans["secured"]}*{loans["borrowed_usd"]}),2)'
        )

    amounts = lenders["amount_usd"]
    top = f"MATCH(MAX({amounts}),{amounts},0)"
    no_shares = f"OR({credit}=0,SUM({amounts})=0)"
    cefi_total = f'SUMPRODUCT(({lenders["entity_type"]}="cefi_lender")*{amounts})'
    collateral_secured = f"SUMPRODUCT({loans['secured']}*{loans['collateral_usd']})"
    figures = [
        ("cefi_usd", "money", _gate(_count_types(sheets, ["cefi_lender"]), borrowed("cefi_lender"))),
        ("defi_usd", "money", _gate(_count_types(sheets, ["defi_protocol"]), borrowed("defi_protocol"))),
        (
            "cdp_usd",
            "money",
            _gate(_count_types(sheets, ["cdp_issuer"]), f"ROUND(SUM({cdp['crypto_backed_supply_usd']}),2)"),
        ),
        (
            "crypto_collateralized_usd",
            "money",
            f'=IF(COUNT({n}cefi_usd,{n}defi_usd,{n}cdp_usd)=0,"{NOT_AVAILABLE}",'
            f"ROUND(SUM({n}cefi_usd,{n}defi_usd,{n}cdp_usd),2))",
        ),
        (
            "unsecured_usd",
            "money",
            _gate(reports_loans, f"ROUND(SUMPRODUCT(NOT({loans['secured']})*{loans['borrowed_usd']}),2)"),
        ),
        (
            "onchain_share",
            "share",
            f'=IF(N({n}crypto_collateralized_usd)=0,"{NOT_AVAILABLE}",'
            f"SUM({n}defi_usd,{n}cdp_usd)/{n}crypto_collateralized_usd)",
        ),
        ("double_count_usd", "money", _gate(reports_loans, f"ROUND(SUM({loans['funded_onchain_usd']}),2)")),
        (
            "crypto_collateralized_adjusted_usd",
            "money",
            f'=IF(COUNT({n}crypto_collateralized_usd)=0,"{NOT_AVAILABLE}",'
            f"ROUND({n}crypto_collateralized_usd-SUM({n}double_count_usd),2))",
        ),
        ("dat_debt_usd", "money", _gate(_count_types(sheets, ["dat"]), f"ROUND(SUM({dat['principal_usd']}),2)")),
        (
            "total_industry_debt_usd",
            "money",
            f'=IF(COUNT({n}crypto_collateralized_usd,{n}dat_debt_usd)=0,"{NOT_AVAILABLE}",'
            f"ROUND(SUM({n}crypto_collateralized_usd,{n}dat_debt_usd),2))",
        ),
        (
            "lender_hhi",
            "hhi",
            f'=IF({no_shares},"{NOT_AVAILABLE}",10000*SUMPRODUCT({lenders["share"]},{lenders["share"]}))',
        ),
        ("top_lender_name", "text", f'=IF({no_shares},"{NOT_AVAILABLE}",INDEX({lenders["lender"]},{top}))'),
        ("top_lender_share", "share", f'=IF({no_shares},"{NOT_AVAILABLE}",MAX({amounts})/SUM({amounts}))'),
        (
            "cefi_lender_hhi",
            "hhi",
            f'=IF(OR({_count_types(sheets, ["cefi_lender"])}=0,{cefi_total}=0),"{NOT_AVAILABLE}",'
            f"10000*SUMPRODUCT({lenders['cefi_share']},{lenders['cefi_share']}))",
        ),
        (
            "weighted_ltv",
            "ratio",
            f'=IF({collateral_secured}=0,"{NOT_AVAILABLE}",'
            f"SUMPRODUCT({loans['secured']}*{loans['borrowed_usd']})/{collateral_secured})",
        ),
    ]
    result = []
    for key, kind, formula in figures:
        path: tuple[str, ...] = ("lending", key)
        if key.startswith("top_lender_"):
            path = ("lending", "top_lender", key.removeprefix("top_lender_"))
        result.append(Figure(path, kind, formula, _value(metrics, path), _name(*path)))
    return result


def _incidents_figures(metrics: dict[str, Any], sheets: dict[str, Ranges]) -> list[Figure]:
    incidents = sheets["incidents"]
    reporters = _count_types(sheets, INCIDENT_REPORTER_TYPES)
    ids = incidents["incident_id"]
    downtime = "+".join(f'({incidents["category"]}="{c}")' for c in DOWNTIME_CATEGORIES)
    figures = [
        ("total", "count", _gate(reporters, f'COUNTIF({ids},"?*")')),
        *[
            (f"by_severity_{s}", "count", _gate(reporters, f'COUNTIF({incidents["severity"]},"{s}")'))
            for s in SEVERITIES
        ],
        (
            "downtime_minutes",
            "number",
            _gate(reporters, f"SUMPRODUCT(({downtime})*{incidents['minutes_in_period']})"),
        ),
        (
            "in_peak_liquidation_window",
            "count",
            f'=IF(OR({reporters}=0,NOT(ISNUMBER(derivatives_peak_24h_liquidations_start))),"{NOT_AVAILABLE}",'
            f"SUMPRODUCT(--({incidents['in_peak_liquidation_window']}=TRUE)))",
        ),
        ("false_liquidations_usd", "money", _gate(reporters, f"ROUND(SUM({incidents['false_liquidations_usd']}),2)")),
        ("compensation_usd", "money", _gate(reporters, f"ROUND(SUM({incidents['compensation_usd']}),2)")),
    ]
    result = []
    for key, kind, formula in figures:
        path: tuple[str, ...] = ("incidents", key)
        if key.startswith("by_severity_"):
            path = ("incidents", "by_severity", key.removeprefix("by_severity_"))
        result.append(Figure(path, kind, formula, _value(metrics, path), _name(*path)))
    return result


def _coverage_figures(metrics: dict[str, Any], sheets: dict[str, Ranges]) -> list[Figure]:
    subs = sheets["submissions"]
    status = subs["status"]
    figures = [
        ("submissions_accepted", f'=COUNTIF({status},"accepted")'),
        ("submissions_rejected", f'=COUNTIF({status},"rejected")'),
        ("submissions_restated", f'=COUNTIF({status},"restated")'),
        ("exchanges", f"=ROUND(SUM({subs['exchange_weight']}),0)"),
        ("lenders", f"=ROUND(SUM({subs['lender_weight']}),0)"),
        ("warnings", f'=SUMPRODUCT(({status}="accepted")*{subs["warnings"]})'),
    ]
    return [
        Figure(("coverage", key), "count", formula, _value(metrics, ("coverage", key)), _name("coverage", key))
        for key, formula in figures
    ]


def _changes_figures(metrics: dict[str, Any], sheets: dict[str, Ranges]) -> list[Figure]:
    changes = metrics["changes"]
    prior = sheets["prior"]
    result = []
    row = prior.first
    for section, keys in CHANGE_KEYS.items():
        if section not in changes:
            continue
        for key in keys:
            money = key in MONEY_KEYS[section]
            kind = "money" if money else ("hhi" if key.endswith("_hhi") else "ratio")
            current = _name(section, key)
            base = _name("changes", section, key)
            prior_cell = prior.cell("prior", row)
            row += 1
            missing = f"OR(NOT(ISNUMBER({base}_prior)),NOT(ISNUMBER({current})))"
            change = f"{current}-{base}_prior"
            formulas = {
                "prior": f'=IF(ISNUMBER({prior_cell}),{prior_cell},"{NOT_AVAILABLE}")',
                "change": f'=IF({missing},"{NOT_AVAILABLE}",{f"ROUND({change},2)" if money else change})',
                "change_pct": f'=IF(OR({missing},N({base}_prior)=0),"{NOT_AVAILABLE}",({change})/ABS({base}_prior))',
            }
            for part, formula in formulas.items():
                path = ("changes", section, key, part)
                part_kind = "share" if part == "change_pct" else kind
                result.append(Figure(path, part_kind, formula, _value(metrics, path), _name(*path)))
    return result


FLAG_ROW0 = 4
FLAG_METRICS = {
    "oi_concentration": "derivatives.open_interest_hhi",
    "liquidation_imbalance": "derivatives.liquidations_long_share",
    "funding_stress": "derivatives.funding_rate_annualized",
    "high_leverage": "derivatives.high_leverage_oi_share",
    "lender_concentration": "lending.lender_hhi",
    "major_incident": "incidents.by_severity.major",
    "incident_in_liquidation_window": "incidents.in_peak_liquidation_window",
    "debt_growth": "changes.lending.total_industry_debt_usd.change_pct",
}
"""The dotted path of each flag's figure (major_incident names the significant count when that set it amber)."""


def _flag_figures(metrics: dict[str, Any], report: Report, sheet: Worksheet) -> list[Figure]:
    """Write the thresholds on Flags and return the flag figures (value, threshold, status) for Summary."""
    sheet["A1"] = "Flags: thresholds and statuses"
    sheet["A1"].font = TITLE_FONT
    sheet["A2"] = (
        "Thresholds from the configuration of this run. Each status on Summary is computed by formula from "
        "these cells: red when the figure crosses red, amber when it crosses amber, green otherwise, n/a when "
        "the figure is n/a. Counts are compared with ≥, every other figure with >."
    )
    sheet["A2"].alignment = WRAP
    sheet.merge_cells("A2:H2")
    sheet.row_dimensions[2].height = 45
    headers = [
        "flag",
        "figure",
        "red (or red_high)",
        "amber (or amber_high)",
        "red_low",
        "amber_low",
        "status",
        "reason (toolkit)",
    ]
    for col, text in enumerate(headers, start=1):
        cell = sheet.cell(FLAG_ROW0 - 1, col, text)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
    flags = report.thresholds.flags
    statuses = {flag["id"]: flag for flag in metrics["flags"]}
    levels: list[tuple[str, str, Any]] = [
        ("oi_concentration", "derivatives_open_interest_hhi", flags.oi_concentration),
        ("liquidation_imbalance", "derivatives_liquidations_long_share", flags.liquidation_imbalance),
        ("funding_stress", "derivatives_funding_rate_annualized", flags.funding_stress),
        ("high_leverage", "derivatives_high_leverage_oi_share", flags.high_leverage),
        ("lender_concentration", "lending_lender_hhi", flags.lender_concentration),
        ("major_incident", "incidents_by_severity_major", flags.major_incident),
        (
            "incident_in_liquidation_window",
            "incidents_in_peak_liquidation_window",
            flags.incident_in_liquidation_window,
        ),
        ("debt_growth", "changes_lending_total_industry_debt_usd_change_pct", flags.debt_growth),
    ]
    result = []
    na = f'"{NOT_AVAILABLE}"'
    for index, (flag_id, figure, level) in enumerate(levels):
        r = FLAG_ROW0 + index
        red, amber, red_low, amber_low = (f"Flags!$C${r}", f"Flags!$D${r}", f"Flags!$E${r}", f"Flags!$F${r}")
        sheet.cell(r, 1, flag_id)
        sheet.cell(r, 2, figure)
        if flag_id == "liquidation_imbalance":
            values = [level.red_high, level.amber_high, level.red_low, level.amber_low]
        else:
            values = [level.red, level.amber]
        for offset, number in enumerate(values):
            sheet.cell(r, 3 + offset, number)
        flag = statuses.get(flag_id, {})
        sheet.cell(r, 7, Formula(f"=flags_{flag_id}_status"))
        reason = sheet.cell(r, 8, _text(flag.get("reason")))
        reason.data_type = "s"
        has = f"ISNUMBER({figure})"
        first = f"IF(ISNUMBER({amber}),{amber},{red})"
        if flag_id == "liquidation_imbalance":
            v = figure
            status = (
                f'=IF(NOT({has}),{na},IF(OR({v}>{red},{v}<{red_low}),"red",'
                f'IF(OR({v}>{amber},{v}<{amber_low}),"amber","green")))'
            )
            threshold = (
                f"=IF(NOT({has}),{amber},IF({v}>{red},{red},IF({v}<{red_low},{red_low},IF({v}>{amber},{amber},"
                f"IF({v}<{amber_low},{amber_low},IF({v}>=({amber}+{amber_low})/2,{amber},{amber_low}))))))"
            )
            value = f"=IF({has},{v},{na})"
        elif flag_id == "major_incident":
            significant = "incidents_by_severity_significant"
            amber_hit = f"AND(ISNUMBER({amber}),ISNUMBER({significant}),{figure}<{red},N({significant})>={amber})"
            status = f'=IF(NOT({has}),{na},IF({figure}>={red},"red",IF({amber_hit},"amber","green")))'
            threshold = f"=IF(NOT({has}),{red},IF({figure}>={red},{red},IF({amber_hit},{amber},{red})))"
            value = f"=IF(NOT({has}),{na},IF({amber_hit},{significant},{figure}))"
        elif flag_id == "incident_in_liquidation_window":
            amber_hit = f"AND(ISNUMBER({amber}),{figure}>={amber})"
            status = f'=IF(NOT({has}),{na},IF({figure}>={red},"red",IF({amber_hit},"amber","green")))'
            threshold = f"=IF(NOT({has}),{first},IF({figure}>={red},{red},IF({amber_hit},{amber},{first})))"
            value = f"=IF({has},{figure},{na})"
        else:
            size = f"ABS({figure})" if flag_id == "funding_stress" else figure
            amber_hit = f"AND(ISNUMBER({amber}),{size}>{amber})"
            status = f'=IF(NOT({has}),{na},IF({size}>{red},"red",IF({amber_hit},"amber","green")))'
            threshold = f"=IF(NOT({has}),{first},IF({size}>{red},{red},IF({amber_hit},{amber},{first})))"
            value = f"=IF({has},{figure},{na})"
        kind = "count" if flag_id in ("major_incident", "incident_in_liquidation_window") else "ratio"
        path_of = _string(FLAG_METRICS[flag_id])
        if flag_id == "major_incident":
            metric = f"=IF(AND({has},{amber_hit}),{_string('incidents.by_severity.significant')},{path_of})"
        else:
            metric = f"={path_of}"
        for part, formula, part_kind in (
            ("metric", metric, "text"),
            ("value", value, kind),
            ("threshold", threshold, kind),
            ("status", status, "text"),
        ):
            path = ("flags", flag_id, part)
            result.append(Figure(path, part_kind, formula, flag.get(part), _name(*path)))
    # Incident severity thresholds.
    top = SEVERITY_ROW0 - 1
    for col, text in enumerate(["incident_severity threshold", "meaning", "value"], start=1):
        cell = sheet.cell(top, col, text)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
    meanings = {
        "clients_affected_pct": "met when clients_affected_pct > this (%)",
        "clients_affected": "or when clients_affected > this",
        "transactions_affected_pct": "met when transactions_affected_pct > this (%)",
        "duration_hours": "met when the incident lasted over this (h)",
        "critical_duration_hours": "or, on a critical service, over this (h)",
        "jurisdictions_affected": "met when jurisdictions_affected ≥ this",
        "economic_impact_usd": "met when economic_impact_usd > this (USD)",
        "data_loss": "met on data loss when TRUE",
    }
    severity = report.thresholds.incident_severity
    for index, key in enumerate(SEVERITY_KEYS):
        r = SEVERITY_ROW0 + index
        sheet.cell(r, 1, key)
        sheet.cell(r, 2, meanings[key])
        sheet.cell(r, 3, getattr(severity, key))
    for letter, width in zip("ABCDEFGH", (30, 50, 18, 20, 10, 11, 10, 80), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A4"
    _protect(sheet)
    return result


def _breakdown_figures(metrics: dict[str, Any], sheets: dict[str, Ranges]) -> list[Figure]:
    """Entries of the maps keyed by data (venue, asset, lender...): a reference to their row, no name."""
    result = []

    def add(
        path_prefix: tuple[str, ...],
        sheet_key: str,
        name_column: str,
        value_column: str,
        kind: str,
        mapping: dict[str, Any] | None,
        field_name: str | None = None,
    ) -> None:
        if not mapping:
            return
        ranges = sheets[sheet_key]
        sheet = ranges.sheet
        # Rows of the computed tables are written in sorted order of their names, like the maps.
        names = list(mapping)
        rows = _row_numbers(sheets, sheet_key, name_column, names)
        for entry in names:
            value = mapping[entry]
            if field_name is not None:
                value = value[field_name]
            row = rows.get(entry)
            formula = f"={ranges.cell(value_column, row)}" if row else f'="{NOT_AVAILABLE}"'
            path = (*path_prefix, entry) if field_name is None else (*path_prefix, entry, field_name)
            result.append(Figure(path, kind, formula, value))
        del sheet

    d = metrics["derivatives"]
    add(
        ("derivatives", "open_interest_by_venue"),
        "oi_by_venue",
        "venue",
        "open_interest_usd",
        "money",
        d["open_interest_by_venue"],
    )
    add(
        ("derivatives", "open_interest_by_asset"),
        "oi_by_asset",
        "base_asset",
        "open_interest_usd",
        "money",
        d["open_interest_by_asset"],
    )
    for part in ("long_usd", "short_usd", "total_usd"):
        add(
            ("derivatives", "liquidations_by_venue"),
            "liq_by_venue",
            "venue",
            part,
            "money",
            d["liquidations_by_venue"],
            part,
        )
        add(
            ("derivatives", "liquidations_by_asset"),
            "liq_by_asset",
            "base_asset",
            part,
            "money",
            d["liquidations_by_asset"],
            part,
        )
    lending = metrics["lending"]
    add(("lending", "by_lender"), "lenders", "lender", "amount_usd", "money", lending["by_lender"])
    add(
        ("lending", "collateral_by_asset"),
        "collateral_by_asset",
        "collateral_asset",
        "collateral_usd",
        "money",
        lending["collateral_by_asset"],
    )
    incidents = sheets["incidents"]
    inc = metrics["incidents"]
    for key, column in (("by_category", "category"), ("by_entity", "entity")):
        for entry, count in (inc.get(key) or {}).items():
            # Compared exactly with a cell that holds the name: submitted text never enters a formula.
            first = incidents.cell(column, incidents.rows[f"{column}:{entry}"])
            formula = f"=SUMPRODUCT(--EXACT({incidents[column]},{first}))"
            result.append(Figure(("incidents", key, entry), "count", formula, count))
    return result


def _string(text: str) -> str:
    """A text as a formula string literal (quotes doubled)."""
    return '"' + text.replace('"', '""') + '"'


def _row_numbers(sheets: dict[str, Ranges], sheet_key: str, name_column: str, names: list[str]) -> dict[str, int]:
    """Row number of each name in a computed table."""
    del name_column, names
    return sheets[sheet_key].rows


SUMMARY_ROW0 = 8
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


def _toolkit_cell(kind: str, value: Any) -> Any:
    """The toolkit's value as a cell value: n/a for null, datetimes for dates and timestamps."""
    if value is None:
        return NOT_AVAILABLE
    if kind in ("date", "datetime") and isinstance(value, str):
        return _naive_utc(pd.Timestamp(value))
    if isinstance(value, bool):
        return value
    return value


def _write_summary(
    workbook: Workbook,
    sheet: Worksheet,
    report: Report,
    figures: list[Figure],
    period_start: pd.Timestamp,
    period_end: pd.Timestamp,
) -> None:
    """Summary: every figure with its formula, the toolkit's value and a check; the master check on top."""
    period = Figure(("period",), "text", "=$B$3", report.period, "period")
    figures = [period, *figures]
    last = SUMMARY_ROW0 + len(figures)
    sheet["A1"] = f"Summary of the {report.period} report: every figure recomputed from the data sheets"
    sheet["A1"].font = TITLE_FONT
    sheet["A2"] = "Master check (every check below)"
    sheet["B2"] = Formula(
        f'=IF(AND($F${SUMMARY_ROW0 + 1}:$F${last}),"OK: all {len(figures)} figures match","CHECK FAILED")'
    )
    sheet["B2"].font = Font(bold=True, size=12)
    sheet["A3"] = "Period"
    sheet["B3"] = report.period
    sheet["B3"].data_type = "s"
    sheet["A4"] = "Period start (UTC)"
    sheet["B4"] = _naive_utc(period_start)
    sheet["A5"] = "Period end (UTC, first instant after the period)"
    sheet["B5"] = _naive_utc(period_end)
    for cell in ("B4", "B5"):
        sheet[cell].number_format = FORMATS["datetime"]
    sheet["A6"] = (
        "Column D computes each figure by formula from the data sheets (click a cell to follow it); column E is "
        "the value the toolkit computed (metrics JSON); column F checks them: within half a cent for money, "
        "1e-9 otherwise; n/a on both sides when the figure cannot be computed."
    )
    sheet["A6"].alignment = WRAP
    sheet.merge_cells("A6:F6")
    sheet.row_dimensions[6].height = 48
    headers = [
        "figure (path in the metrics JSON)",
        "defined name",
        "unit",
        "workbook formula",
        "toolkit value",
        "check",
    ]
    for col, text in enumerate(headers, start=1):
        cell = sheet.cell(SUMMARY_ROW0, col, text)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
    for row, figure in enumerate(figures, start=SUMMARY_ROW0 + 1):
        label = sheet.cell(row, 1, ".".join(figure.path))
        label.data_type = "s"
        if figure.name:
            sheet.cell(row, 2, figure.name)
            workbook.defined_names[figure.name] = DefinedName(figure.name, attr_text=f"Summary!$D${row}")
        sheet.cell(row, 3, UNITS[figure.kind])
        formula = sheet.cell(row, 4, Formula(figure.formula))
        shown = _toolkit_cell(figure.kind, figure.value)
        toolkit = sheet.cell(row, 5, shown)
        _set_type(toolkit, shown)
        check = CHECK_FORMULAS.get(figure.kind, NUMBER_CHECK)
        sheet.cell(row, 6, Formula(check.format(r=row)))
        number_format = FORMATS[figure.kind]
        formula.number_format = number_format
        toolkit.number_format = number_format
    for letter, width in zip("ABCDEF", (58, 58, 15, 24, 24, 8), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = f"A{SUMMARY_ROW0 + 1}"
    sheet.auto_filter.ref = f"A{SUMMARY_ROW0}:F{last}"
    _protect(sheet)


def _write_validation(workbook: Workbook, report: Report) -> None:
    """Every finding kept of every submission (at most FINDINGS_CAP each; Submissions counts them all)."""
    rows = []
    for s in sorted(report.submissions, key=lambda s: s.source):
        for f in s.findings:
            rows.append(
                [
                    _text(s.source),
                    s.status,
                    f.severity,
                    f.code,
                    _text(f.file),
                    _text(f.table),
                    f.row,
                    _text(f.column),
                    _text(f.value),
                    _text(f.message),
                    CATALOGUE[f.code].fix,
                ]
            )
    write_table(
        workbook,
        "Validation",
        "validation",
        [
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
        ],
        rows,
    )


def _write_lineage(workbook: Workbook, report: Report) -> None:
    """Every input file with its SHA-256, rows read, container and status; the run's versions and options."""
    _write_validation(workbook, report)
    sheet = workbook.create_sheet("Lineage")
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
        cell = sheet.cell(row, 2, _text(value))
        cell.data_type = "s"
        cell.alignment = Alignment(wrap_text=False)
    by_source = {s.source: s for s in report.submissions}
    rows = []
    for item in provenance.get("inputs", []):
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
                _text(item.get("path")),
                _text(item.get("sha256")),
                item.get("bytes"),
                _text(item.get("submission")),
                _text(container),
                _text(item.get("status")),
                rows_read,
            ]
        )
    write_table(
        workbook,
        "Lineage",
        "lineage",
        [
            Column("path", width=44),
            Column("sha256", width=68),
            Column("bytes", "count", 12),
            Column("submission", width=28),
            Column("container", width=11),
            Column("status", width=10),
            Column("rows_read (data rows of the file's table; all tables for a workbook or JSON)", "count", 20),
        ],
        rows,
        sheet=sheet,
    )


SHEET_NOTES = {
    "README": "this page",
    "Summary": "every figure of the metrics JSON: formula, toolkit value, check; master check on top",
    "Flags": "flag thresholds and incident-severity thresholds in cells; statuses are computed on Summary",
    "Entities": "accepted entities and their type (decides which figures apply)",
    "Submissions": "every submission with its status and counts (coverage figures)",
    "OI daily": "open interest per venue, UTC date and base asset (Σ over symbols); period_end marks each venue's "
    "last reported date",
    "OI by venue": "each venue's last reported date, period-end open interest and share (HHI, top-4 share)",
    "OI by asset": "period-end open interest per base asset",
    "OI daily totals": "Σ open interest per date (the peak)",
    "OI period end": "the open-interest rows of each venue's last reported date, by symbol",
    "Funding": "perpetual rows with a funding rate: the OI-weighted funding rate",
    "Collateral": "client collateral per venue and its period-end open interest (estimated leverage)",
    "Leverage bands": "open interest by leverage band, whole book (high-leverage share)",
    "Liquidations hourly": "liquidated notional in every UTC hour of the period: long, then short, per venue",
    "Liquidation windows": "every hour of the period: its sums over the venues (same row as on Liquidations "
    "hourly) and its 24-hour window sums (the peak window)",
    "Liquidations breakdown": "liquidated notional per venue, asset, side, method and margin mode",
    "Liquidations by venue": "long, short, total and share per venue (liquidation HHI)",
    "Liquidations by asset": "long, short and total per base asset",
    "Largest by venue": "the largest liquidation of each venue, in the toolkit's tie order",
    "Largest events": f"the largest liquidation events, at most {EVENTS_CAP:,}",
    "Loans": "loans per lender and collateral asset (NONE = unsecured)",
    "CDP supply": "crypto-backed stablecoin supply per issuer",
    "DAT debt": "debt principal per digital-asset treasury company",
    "Lenders": "amount counted in crypto_collateralized_usd per lender, shares (lender HHI, top lender)",
    "Collateral by asset": "collateral of secured loans per asset",
    "Incidents": "every incident: duration, thresholds met and severity by formula over the thresholds on Flags",
    "Prior period": "the prior period's figures, for the changes section",
    "Validation": "every finding of every submission (at most 1,000 kept per submission)",
    "Lineage": "every input file with its SHA-256, rows read, container and status; versions and options",
}


def _write_readme(sheet: Worksheet, report: Report, audit: AuditTables, sheet_names: list[str]) -> None:
    """How to read the workbook, the period, its status and an index of the sheets."""
    status = "FINAL" if report.options.final else "DRAFT"
    capped = audit.events_total > len(audit.largest_events)
    events = (
        f"The cap was applied: the sheet holds the {len(audit.largest_events):,} largest of "
        f"{audit.events_total:,} liquidation events."
        if capped
        else f"The cap was not reached: the sheet holds all {audit.events_total:,} liquidation events."
    )
    lines = [
        (f"Systemic-risk report {report.period}: audit workbook", TITLE_FONT),
        (f"Period: {report.period} (UTC calendar month)    Status: {status}    Report id: {report.report_id}", None),
        ("", None),
        ("How to read it", HEADER_FONT),
        (
            "Summary lists every scalar figure of metrics-" + report.period + ".json. Column D computes it with a live "
            "formula from the data sheets; column E is the value the toolkit computed; column F checks that they "
            "agree (within half a cent for money, 1e-9 otherwise). The master check at the top of Summary is OK "
            "only when every check is.",
            None,
        ),
        (
            "Every scalar figure has a defined name: its path in the metrics JSON joined with _, e.g. "
            "lending_onchain_share, derivatives_liquidations_total_usd, derivatives_peak_24h_liquidations_total_usd, "
            "incidents_by_severity_major, changes_lending_cefi_usd_change_pct, flags_oi_concentration_status. "
            "Entries of maps keyed by a venue, asset, lender, category or entity are listed under their path on "
            "Summary, with a formula and a check but without a name.",
            None,
        ),
        (
            "A figure that cannot be computed (null in the JSON) shows n/a, in the formula and in the toolkit column.",
            None,
        ),
        (
            "Money is in US dollars ($ #,##0.00), shares are 0–1 (shown as %), HHI is 0–10,000. Every time is UTC; "
            "date cells carry no time zone.",
            None,
        ),
        (
            "HHI = 10,000 × SUMPRODUCT(shares, shares). The peak 24-hour liquidation window is the largest "
            "total_24h_usd on Liquidation windows (windows of 24 whole UTC hours inside the period; ties: the "
            "earliest). Incident severities follow from the thresholds on Flags.",
            None,
        ),
        (
            f"Raw events: only the largest liquidation of each venue and the {EVENTS_CAP:,} largest events are "
            f"included; every other sheet holds aggregates. {events}",
            None,
        ),
        (
            "Submitted text (names, identifiers, descriptions, finding values) is always a text cell, never a "
            "formula. The sheets are protected against accidental edits without a password; sorting and "
            "filtering work.",
            None,
        ),
        ("", None),
        ("Sheets", HEADER_FONT),
    ]
    for row, (text, font) in enumerate(lines, start=1):
        cell = sheet.cell(row, 1, text)
        cell.data_type = "s"
        if font is not None:
            cell.font = font
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
        if len(text) > 110:
            sheet.row_dimensions[row].height = 15 * (len(text) // 110 + 1)
    row = len(lines) + 1
    for name in sheet_names:
        sheet.cell(row, 1, name).font = Font(bold=True)
        sheet.cell(row, 2, SHEET_NOTES.get(name, ""))
        row += 1
    sheet.column_dimensions["A"].width = 26
    sheet.column_dimensions["B"].width = 110
    _protect(sheet)
