"""The figures of the Summary sheet, declared with their path in the metrics JSON, the formula pieces they share,
and the defined names of the cells that formulas read across sheets."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from reporting.config import SEVERITY_KEYS
from reporting.render.workbook.writer import NOT_AVAILABLE

PERIOD_START = "period_start"
"""The defined name of the first instant of the period (a cell on Summary)."""
PERIOD_END = "period_end"
"""The defined name of the first instant after the period (a cell on Summary)."""


def severity_threshold(key: str) -> str:
    """The defined name of the incident-severity threshold `key` (a cell on Flags)."""
    assert key in SEVERITY_KEYS, key
    return f"incident_severity_{key}"


@dataclass(frozen=True)
class Figure:
    """One row of Summary: the figure at dotted `path` of the metrics JSON, its kind (unit and format) and
    the formula that recomputes it (column references as in `reporting.render.workbook.writer`).

    Every scalar figure has a defined name, its path with `_` between the parts. An entry of a map keyed
    by data (a venue, an asset, a lender...) has none: its `entry` (the key, then the field for maps of
    objects) follows the path, and `lookup` = (sheet title, column key) finds the first row of that
    table whose column holds the key; its formula names that row's cells as `{@key}`.
    """

    path: str
    kind: str
    formula: str
    entry: tuple[str, ...] = ()
    lookup: tuple[str, str] | None = None

    @property
    def parts(self) -> tuple[str, ...]:
        if self.path.startswith("trends."):
            # The trends section is keyed by the dotted path of each figure: trends.<path>.<mom|qoq|yoy>.
            figure, _, part = self.path.removeprefix("trends.").rpartition(".")
            return ("trends", figure, part, *self.entry)
        return (*self.path.split("."), *self.entry)

    @property
    def name(self) -> str | None:
        """The defined name of a scalar figure: its path with `_` between the parts."""
        return None if self.entry else name_of(self.path)

    def value(self, metrics: dict[str, Any]) -> Any:
        """The toolkit's value of the figure, None when null or absent."""
        value: Any = metrics
        for part in self.parts:
            value = None if value is None else value.get(part)
        return value


def keyed_figures(
    path: str, section: dict[str, Any], title: str, name_column: str, formula: str, part: str | None = None
) -> list[Figure]:
    """A figure per entry of the map at `path` (found in its `section`), looked up by name in column
    `name_column` of the table on sheet `title`; `part` is the field of each entry, for maps of objects."""
    entries = section.get(path.rsplit(".", 1)[1]) or {}
    return [
        Figure(path, "money", formula, (entry, part) if part else (entry,), (title, name_column)) for entry in entries
    ]


def name_of(path: str) -> str:
    """The defined name of the figure at dotted `path`."""
    return path.replace(".", "_")


def gate(count: str, formula: str) -> str:
    """The formula, or n/a when `count` (how many entities report the figure) is 0."""
    return f'=IF({count}=0,"{NOT_AVAILABLE}",{formula})'


def nullable(condition: str, formula: str) -> str:
    """The formula, or n/a when `condition` holds (the figure cannot be computed)."""
    return f'=IF({condition},"{NOT_AVAILABLE}",{formula})'


def count_types(types: Iterable[str]) -> str:
    """How many accepted entities are of one of `types`."""
    return "(" + "+".join(f'COUNTIF({{Entities!entity_type}},"{t}")' for t in types) + ")"


def exact_sum(names: str, name_cell: str, *factors: str) -> str:
    """SUMPRODUCT of the factors over the rows whose name equals the cell exactly (case-sensitive, no wildcards)."""
    return "SUMPRODUCT(EXACT(" + names + "," + name_cell + ")*" + "*".join(factors) + ")"
