"""What a build reads from the history of earlier builds, in one place (each period's latest revision)."""

from __future__ import annotations

from dataclasses import dataclass, field

from reporting.history.store import History
from reporting.metrics.filing import EntityFigure
from reporting.metrics.record import SCORECARD_PERIODS, PeriodRecord
from reporting.metrics.revisions import RevisedPeriod
from reporting.metrics.trends import EarlierFigures


@dataclass(frozen=True)
class EarlierBuilds:
    """The history as a build of one period sees it.

    - figures: the trend figures and flag statuses of every earlier period (for `trends` and the flags' strips).
    - records, names: the period records of the 12 periods before it, and the entities' names (for the scorecards).
    - last_known: each entity's part of the market in the latest earlier period it had an accepted submission.
    - known_submissions: the submission_ids accepted in earlier builds of the period itself (a restatement
      may name one of them).
    - revised: the earlier periods built again since the last report.
    """

    figures: EarlierFigures = field(default_factory=dict)
    records: dict[str, dict[str, PeriodRecord]] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    last_known: dict[str, EntityFigure] = field(default_factory=dict)
    known_submissions: set[str] = field(default_factory=set)
    revised: list[RevisedPeriod] = field(default_factory=list)


def read_earlier_builds(store: History | None, period: str) -> EarlierBuilds:
    """What the history holds before `period` (nothing without a store)."""
    if store is None:
        return EarlierBuilds()
    records, names = store.earlier_records(period, SCORECARD_PERIODS - 1)
    return EarlierBuilds(
        figures=store.earlier_figures(period),
        records=records,
        names=names,
        last_known=store.last_known_figures(period),
        known_submissions=store.known_submissions(period),
        revised=store.revised_since_last_report(period),
    )
