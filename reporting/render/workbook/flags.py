"""The Flags sheet: the thresholds of the run in cells, and each flag's value, threshold and status by formula.

Every flag of `reporting.metrics.flags.FLAGS` gets a row of levels and four figures on Summary (metric,
value, threshold, status), computed by the formulas of its rule kind (`FLAG_FORMULAS`). The incident-severity
thresholds follow, each under its defined name `incident_severity_<key>`, which the Incidents sheet's formulas use.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.worksheet import Worksheet

from reporting.config import SEVERITY_KEYS, Band, Thresholds
from reporting.metrics.flags import FLAGS, FlagDefinition, RuleKind
from reporting.render.workbook.figures import Figure, name_of, severity_threshold
from reporting.render.workbook.inputs import text
from reporting.render.workbook.writer import (
    NOT_AVAILABLE,
    TITLE_FONT,
    WRAP,
    Formula,
    protect,
    string_literal,
    write_heading,
)

TITLE = "Flags"
NOTE = "flag thresholds and incident-severity thresholds in cells; statuses are computed on Summary"
FLAG_ROW0 = 4
"""The row of the first flag; the flags' header is above it."""
SEVERITY_ROW0 = FLAG_ROW0 + len(FLAGS) + 4
"""The row of the first incident-severity threshold, three rows below the last flag, under its header."""
SEVERITY_MEANINGS = {
    "clients_affected_pct": "met when clients_affected_pct > this (%)",
    "clients_affected": "or when clients_affected > this",
    "transactions_affected_pct": "met when transactions_affected_pct > this (%)",
    "duration_hours": "met when the incident lasted over this (h)",
    "critical_duration_hours": "or, on a critical service, over this (h)",
    "jurisdictions_affected": "met when jurisdictions_affected ≥ this",
    "economic_impact_usd": "met when economic_impact_usd > this (USD)",
    "data_loss": "met on data loss when TRUE",
}


@dataclass(frozen=True)
class FlagCells:
    """The cells a flag's formulas read: its figure's defined name and its levels on the Flags sheet."""

    figure: str
    red: str
    amber: str
    red_low: str
    amber_low: str


def write_flags(
    workbook: Workbook, sheet: Worksheet, thresholds: Thresholds, flags: list[dict[str, Any]]
) -> list[Figure]:
    """Write the thresholds on Flags; return each flag's figures (metric, value, threshold, status) for Summary."""
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
    headers = ["flag", "figure", "red (or red_high)", "amber (or amber_high)", "red_low", "amber_low", "status"]
    write_heading(sheet, FLAG_ROW0 - 1, [*headers, "reason (toolkit)"])
    reasons = {flag["id"]: flag.get("reason") for flag in flags}
    figures = []
    for r, definition in enumerate(FLAGS, start=FLAG_ROW0):
        cells = FlagCells(
            name_of(definition.metric), f"Flags!$C${r}", f"Flags!$D${r}", f"Flags!$E${r}", f"Flags!$F${r}"
        )
        level = definition.levels(thresholds.flags)
        sheet.cell(r, 1, definition.id)
        sheet.cell(r, 2, cells.figure)
        values = (
            [level.red_high, level.amber_high, level.red_low, level.amber_low]
            if isinstance(level, Band)
            else [level.red, level.amber]
        )
        for offset, number in enumerate(values):
            sheet.cell(r, 3 + offset, number)
        sheet.cell(r, 7, Formula(f"=flags_{definition.id}_status"))
        reason = sheet.cell(r, 8, text(reasons.get(definition.id)))
        reason.data_type = "s"
        kind = "count" if definition.rule == "count at least" else "ratio"
        for part, formula in FLAG_FORMULAS[definition.rule](definition, cells).items():
            part_kind = "text" if part in ("metric", "status") else kind
            figures.append(Figure(f"flags.{definition.id}.{part}", part_kind, formula))
    write_heading(sheet, SEVERITY_ROW0 - 1, ["incident_severity threshold", "meaning", "value"])
    severity = thresholds.incident_severity
    for r, key in enumerate(SEVERITY_KEYS, start=SEVERITY_ROW0):
        sheet.cell(r, 1, key)
        sheet.cell(r, 2, SEVERITY_MEANINGS[key])
        sheet.cell(r, 3, getattr(severity, key))
        name = severity_threshold(key)
        workbook.defined_names[name] = DefinedName(name, attr_text=f"{TITLE}!$C${r}")
    for letter, width in zip("ABCDEFGH", (30, 50, 18, 20, 10, 11, 10, 80), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A4"
    protect(sheet)
    return figures


def _level_formulas(definition: FlagDefinition, cells: FlagCells, size: str, crosses: str) -> dict[str, str]:
    """metric, value, threshold and status of a flag whose `size` (the figure, or a function of it) `crosses`
    (`>` or `>=`) its red or amber level."""
    figure, red, amber = cells.figure, cells.red, cells.amber
    has, na = f"ISNUMBER({figure})", f'"{NOT_AVAILABLE}"'
    first = f"IF(ISNUMBER({amber}),{amber},{red})"
    amber_hit = f"AND(ISNUMBER({amber}),{size}{crosses}{amber})"
    return {
        "metric": f"={string_literal(definition.metric)}",
        "value": f"=IF({has},{figure},{na})",
        "threshold": f"=IF(NOT({has}),{first},IF({size}{crosses}{red},{red},IF({amber_hit},{amber},{first})))",
        "status": f'=IF(NOT({has}),{na},IF({size}{crosses}{red},"red",IF({amber_hit},"amber","green")))',
    }


def _above_formulas(definition: FlagDefinition, cells: FlagCells) -> dict[str, str]:
    """An "above" flag: its figure (its size, for "absolute above") above a level."""
    size = f"ABS({cells.figure})" if definition.rule == "absolute above" else cells.figure
    return _level_formulas(definition, cells, size, ">")


def _outside_band_formulas(definition: FlagDefinition, cells: FlagCells) -> dict[str, str]:
    """metric, value, threshold and status of an "outside band" flag."""
    v, red, amber, red_low, amber_low = cells.figure, cells.red, cells.amber, cells.red_low, cells.amber_low
    has, na = f"ISNUMBER({v})", f'"{NOT_AVAILABLE}"'
    return {
        "metric": f"={string_literal(definition.metric)}",
        "value": f"=IF({has},{v},{na})",
        "threshold": (
            f"=IF(NOT({has}),{amber},IF({v}>{red},{red},IF({v}<{red_low},{red_low},IF({v}>{amber},{amber},"
            f"IF({v}<{amber_low},{amber_low},IF({v}>=({amber}+{amber_low})/2,{amber},{amber_low}))))))"
        ),
        "status": (
            f'=IF(NOT({has}),{na},IF(OR({v}>{red},{v}<{red_low}),"red",'
            f'IF(OR({v}>{amber},{v}<{amber_low}),"amber","green")))'
        ),
    }


def _count_at_least_formulas(definition: FlagDefinition, cells: FlagCells) -> dict[str, str]:
    """metric, value, threshold and status of a "count at least" flag, amber on its `amber_metric` if it has one."""
    figure, red, amber = cells.figure, cells.red, cells.amber
    has, na = f"ISNUMBER({figure})", f'"{NOT_AVAILABLE}"'
    if definition.amber_metric is None:
        return _level_formulas(definition, cells, figure, ">=")
    other = name_of(definition.amber_metric)
    amber_hit = f"AND(ISNUMBER({amber}),ISNUMBER({other}),{figure}<{red},N({other})>={amber})"
    return {
        "metric": (
            f"=IF(AND({has},{amber_hit}),{string_literal(definition.amber_metric)},{string_literal(definition.metric)})"
        ),
        "value": f"=IF(NOT({has}),{na},IF({amber_hit},{other},{figure}))",
        "threshold": f"=IF(NOT({has}),{red},IF({figure}>={red},{red},IF({amber_hit},{amber},{red})))",
        "status": f'=IF(NOT({has}),{na},IF({figure}>={red},"red",IF({amber_hit},"amber","green")))',
    }


FLAG_FORMULAS: dict[RuleKind, Callable[[FlagDefinition, FlagCells], dict[str, str]]] = {
    "above": _above_formulas,
    "absolute above": _above_formulas,
    "change above": _above_formulas,
    "outside band": _outside_band_formulas,
    "count at least": _count_at_least_formulas,
}
"""The live formulas of each rule kind of `reporting.metrics.flags.RULES`."""
