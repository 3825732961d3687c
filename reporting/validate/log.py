"""The findings of one submission, kept up to a cap and counted in full."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pyarrow as pa

from reporting.findings import CATALOGUE, FINDINGS_CAP, Finding


class FindingLog:
    """Collects findings in one pass, and counts every one.

    Up to `cap` findings are kept, errors before warnings: past the cap an error takes the place of the last
    warning kept, and a warning is only counted. Findings added with `beyond_cap` (the reader's findings on
    files, the folder's rules) are kept whatever the cap, so that every file is named.
    """

    def __init__(
        self, cap: int = FINDINGS_CAP, kept: list[Finding] | None = None, counts: Counter[str] | None = None
    ) -> None:
        self.cap = cap
        self.kept: list[Finding] = [] if kept is None else kept
        self.counts: Counter[str] = Counter() if counts is None else counts
        self.beyond_cap = 0  # kept findings the cap does not count

    def add(self, finding: Finding, beyond_cap: bool = False) -> None:
        assert finding.code in CATALOGUE, finding.code
        self.counts[finding.code] += 1
        if beyond_cap:
            self.kept.append(finding)
            self.beyond_cap += 1
        else:
            self._keep(finding)

    def extend(self, findings: list[Finding], beyond_cap: bool = False) -> None:
        for finding in findings:
            self.add(finding, beyond_cap)

    def merge(self, other: FindingLog) -> None:
        """Take in the findings of another log, after this one's, under this log's cap."""
        self.counts.update(+other.counts)
        for finding in other.kept:
            self._keep(finding)

    def room(self, severity: str) -> int:
        """How many more findings of `severity` would be kept: errors may also take the place of warnings."""
        free = max(self.cap - (len(self.kept) - self.beyond_cap), 0)
        if severity != "error":
            return free
        return free + sum(f.severity == "warning" for f in self.kept[self.beyond_cap :])

    def _keep(self, finding: Finding) -> None:
        if len(self.kept) - self.beyond_cap < self.cap:
            self.kept.append(finding)
            return
        if finding.severity != "error":
            return
        for index in range(len(self.kept) - 1, self.beyond_cap - 1, -1):
            if self.kept[index].severity == "warning":
                del self.kept[index]
                self.kept.append(finding)
                return

    def add_rows(
        self,
        code: str,
        mask: np.ndarray,
        *,
        file: str,
        table: str,
        column: str,
        values: pa.ChunkedArray | pa.Array | None,
        first_row: int | None,
        message: str,
    ) -> None:
        """Record one finding per row where `mask` is true; only the rows that fit under the cap are built.

        `values` holds the submitted text of the column; `message` may use `{value}`.
        """
        assert code in CATALOGUE, code
        rows = np.flatnonzero(mask)
        if not len(rows):
            return
        self.counts[code] += len(rows)
        for index in rows[: self.room(CATALOGUE[code].severity)]:
            value = None if values is None else quoted(values, int(index))
            self._keep(
                Finding(
                    code=code,
                    file=file,
                    table=table,
                    row=None if first_row is None else int(index) + first_row,
                    column=column,
                    value=None if value is None else str(value),
                    message=message.format(value=value),
                )
            )

    @property
    def capped(self) -> bool:
        return sum(self.counts.values()) > len(self.kept)

    @property
    def dropped(self) -> Counter[str]:
        """The count by code of findings counted but not kept."""
        return self.counts - Counter(finding.code for finding in self.kept)

    @property
    def errors(self) -> int:
        return sum(n for code, n in self.counts.items() if CATALOGUE[code].severity == "error")

    @property
    def has_errors(self) -> bool:
        return self.errors > 0


def quoted(values: pa.ChunkedArray | pa.Array, index: int) -> object:
    """The value at `index`, as Python; Arrow's text of it when Python has no such value (a date of year 0)."""
    try:
        return values[index].as_py()
    except (OverflowError, ValueError):
        return values.slice(index, 1).cast(pa.string())[0].as_py()
