"""Changes against the prior period: the Prior period sheet and the changes figures."""

from __future__ import annotations

from typing import Any

from reporting.metrics.changes import CHANGE_KEYS, MONEY_KEYS
from reporting.render.workbook.figures import Figure, name_of
from reporting.render.workbook.inputs import Inputs
from reporting.render.workbook.writer import NOT_AVAILABLE, Column, Sheet

TITLE = "Prior period"


def prior_rows(inputs: Inputs) -> list[list[Any]]:
    return [
        [section, key, NOT_AVAILABLE if change["prior"] is None else change["prior"]]
        for section, figures in inputs.metrics["changes"].items()
        for key, change in figures.items()
    ]


SHEETS = (
    Sheet(
        TITLE,
        (
            Column("section", width=14),
            Column("figure", width=36),
            Column("prior (the prior period's value)", "number", 24),
        ),
        prior_rows,
        "the prior period's figures, for the changes section",
    ),
)


def change_figures(metrics: dict[str, Any]) -> list[Figure]:
    """prior, change and change_pct of every compared figure, in the rows of Prior period (none without one)."""
    changes = metrics["changes"]
    figures = []
    row = 1
    for section, keys in CHANGE_KEYS.items():
        if section not in changes:
            continue
        for key in keys:
            money = key in MONEY_KEYS[section]
            kind = "money" if money else ("hhi" if key.endswith("_hhi") else "ratio")
            current = name_of(f"{section}.{key}")
            prior = name_of(f"changes.{section}.{key}.prior")
            prior_cell = f"{{{TITLE}!prior#{row}}}"
            row += 1
            missing = f"OR(NOT(ISNUMBER({prior})),NOT(ISNUMBER({current})))"
            change = f"{current}-{prior}"
            formulas = {
                "prior": f'=IF(ISNUMBER({prior_cell}),{prior_cell},"{NOT_AVAILABLE}")',
                "change": f'=IF({missing},"{NOT_AVAILABLE}",{f"ROUND({change},2)" if money else change})',
                "change_pct": f'=IF(OR({missing},N({prior})=0),"{NOT_AVAILABLE}",({change})/ABS({prior}))',
            }
            for part, formula in formulas.items():
                figures.append(
                    Figure(f"changes.{section}.{key}.{part}", "share" if part == "change_pct" else kind, formula)
                )
    return figures
