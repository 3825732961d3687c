"""Revised since the last report: the figures of earlier periods that a later build of theirs changed.

A period is **revised** when it was built again (a new revision) after the last report, the first build
of the latest period before the one reported. The revision compared with is the one that period had then
(the figures the last report was built on); the headline figures of `trends` (TREND_PATHS) that differ
between the two are listed, with the reasons the restating submissions gave. The revisions come in
as data (from the history of builds), so the computation does not depend on where they are kept.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from reporting.metrics.trends import TREND_PATHS


@dataclass(frozen=True)
class RevisedPeriod:
    """An earlier period built again since the last report: its figures then (`before`, of revision
    `from_revision`) and now (`after`, of `to_revision`), and each restatement among the new inputs as
    (entity name, restatement_reason)."""

    period: str
    from_revision: int
    to_revision: int
    before: Mapping[str, object]
    after: Mapping[str, object]
    restatements: list[tuple[str, str]]


@dataclass(frozen=True)
class RevisedFigure:
    """One figure of a revised period, from → to, and why (the restatements' reasons; none when the period
    was rebuilt on other new inputs)."""

    period: str
    path: str
    before: float | None
    after: float | None
    from_revision: int
    to_revision: int
    reasons: list[tuple[str, str]]


def list_revised_figures(revised: Sequence[RevisedPeriod]) -> list[RevisedFigure]:
    """Each headline figure (TREND_PATHS) that differs between the two revisions, by period then figure order."""
    figures = []
    for period in sorted(revised, key=lambda r: r.period):
        for path in TREND_PATHS:
            before, after = _number(period.before.get(path)), _number(period.after.get(path))
            if before != after:
                figures.append(
                    RevisedFigure(
                        period.period,
                        path,
                        before,
                        after,
                        period.from_revision,
                        period.to_revision,
                        period.restatements,
                    )
                )
    return figures


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
