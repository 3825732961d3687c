"""The trends: the History sheet (each trend figure over the 13 months) and the trends' change figures.

The History table has a row per figure and month, the 13 months of a figure together, oldest first, so
that the current month of the figure at position i (from 0, in TREND_PATHS order) is row 13 × i + 13.
Its 1-, 3- and 12-month changes are live formulas over those rows, named `trends_<path with _>_mom`,
`_qoq` and `_yoy`, as the metrics JSON's trends section defines them (change ÷ |earlier value|; n/a
where either value is missing or the earlier one is 0).
"""

from __future__ import annotations

from typing import Any

from reporting.metrics.trends import LAGS, SERIES_PERIODS, TREND_PATHS
from reporting.render.workbook.figures import Figure
from reporting.render.workbook.inputs import Inputs
from reporting.render.workbook.writer import NOT_AVAILABLE, Column, Sheet

TITLE = "History"


def history_rows(inputs: Inputs) -> list[list[Any]]:
    trends = inputs.metrics.get("trends") or {}
    return [
        [path, point["period"], NOT_AVAILABLE if point["value"] is None else point["value"]]
        for path in TREND_PATHS
        if path in trends
        for point in trends[path]["series"]
    ]


SHEETS = (
    Sheet(
        TITLE,
        (
            Column("figure", width=40),
            Column("period", width=10),
            Column("value (latest revision)", "number", 24),
        ),
        history_rows,
        "each trend figure over the 13 months ending with this period, from the history of builds, for the "
        "trends' 1-, 3- and 12-month changes",
    ),
)


def trend_figures(metrics: dict[str, Any]) -> list[Figure]:
    """mom, qoq and yoy of every trend figure, over the rows of History (none without trends)."""
    trends = metrics.get("trends") or {}
    figures = []
    for index, path in enumerate(p for p in TREND_PATHS if p in trends):
        current = f"{{{TITLE}!value#{SERIES_PERIODS * index + SERIES_PERIODS}}}"
        for name, lag in LAGS.items():
            earlier = f"{{{TITLE}!value#{SERIES_PERIODS * index + SERIES_PERIODS - lag}}}"
            missing = f"OR(NOT(ISNUMBER({current})),NOT(ISNUMBER({earlier})))"
            formula = f'=IF(OR({missing},N({earlier})=0),"{NOT_AVAILABLE}",({current}-{earlier})/ABS({earlier}))'
            figures.append(Figure(f"trends.{path}.{name}", "share", formula))
    return figures
