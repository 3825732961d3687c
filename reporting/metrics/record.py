"""Each firm's filing record: per period, how it filed and how clean its data was, and a 12-period scorecard.

A period's record of an entity counts its submissions of the period, their error and warning findings,
and the restatements among them (accepted submissions that replace another), with its filing status:
`on_time` or `late` (an accepted submission, against the register's due day, or the 15th), `rejected`
(only submissions that are not accepted) or `missing` (none, while the register expects one). The
scorecard adds up the records of the last 12 periods; earlier periods' records come in as a mapping
(from the history of builds), so the computation does not depend on where they are kept.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from reporting.ingest.register import Register, due_date
from reporting.metrics.filing import FilingStatus, days_late_of, filing_status, list_filings
from reporting.metrics.period import format_timestamp
from reporting.validate.model import ValidatedSubmission

SCORECARD_PERIODS = 12


@dataclass(frozen=True)
class PeriodRecord:
    """One entity's filing in one period; `submitted_at` and `days_late` are those of its accepted submission."""

    period: str
    status: FilingStatus
    due: str
    submitted_at: str | None
    days_late: int | None
    submissions: int
    errors: int
    warnings: int
    restatements: int


def compute_period_records(
    period: str, submissions: Sequence[ValidatedSubmission], register: Register | None
) -> dict[str, PeriodRecord]:
    """{entity_id: record} of every entity that sent a submission for `period` or that the register expects."""
    counts: dict[str, list[int]] = {}
    for s in submissions:
        if s.header is None:
            continue
        entity_id = s.header.entity_id
        tally = counts.setdefault(entity_id, [0, 0, 0, 0])
        restates = s.status == "accepted" and s.header.restates is not None
        for index, value in enumerate((1, s.errors, s.warnings, int(restates))):
            tally[index] += value
    accepted = {f.entity_id: f for f in list_filings(submissions) if f.status == "accepted"}
    records = {}
    for entity_id, (sent, errors, warnings, restatements) in counts.items():
        filing = accepted.get(entity_id)
        late = None if filing is None else days_late_of(filing, period, register)
        records[entity_id] = PeriodRecord(
            period,
            filing_status(late, sent=True),
            _due(period, register, entity_id),
            None if filing is None else format_timestamp(pd.Timestamp(filing.submitted_at)),
            late,
            sent,
            errors,
            warnings,
            restatements,
        )
    for entry in [] if register is None else register.expected(period):
        if entry.entity_id not in records:
            due = _due(period, register, entry.entity_id)
            records[entry.entity_id] = PeriodRecord(period, "missing", due, None, None, 0, 0, 0, 0)
    return dict(sorted(records.items()))


def _due(period: str, register: Register | None, entity_id: str) -> str:
    entry = None if register is None else register.find(entity_id)
    return due_date(period, entry.due_day if entry else None).isoformat()


@dataclass(frozen=True)
class Scorecard:
    """An entity's record over the last periods: filings by status, findings per submission, restatements."""

    entity_id: str
    entity: str
    periods: list[str]
    records: list[PeriodRecord | None]
    on_time: int
    late: int
    missing: int
    rejected: int
    submissions: int
    errors_per_submission: float | None
    warnings_per_submission: float | None
    restatements: int


def last_periods(period: str, count: int = SCORECARD_PERIODS) -> list[str]:
    """The `count` periods ending with `period`, oldest first."""
    end = pd.Period(period, freq="M")
    return [(end - back).strftime("%Y-%m") for back in range(count - 1, -1, -1)]


def compute_scorecard(
    entity_id: str,
    entity: str,
    period: str,
    records: Mapping[str, Mapping[str, PeriodRecord]],
    count: int = SCORECARD_PERIODS,
) -> Scorecard:
    """The scorecard of `entity_id` (named `entity`) over the `count` periods ending with `period`.

    `records` maps periods to that period's {entity_id: record}; a period it lacks, or in which the
    entity has no record (not expected and nothing sent), counts for nothing.
    """
    periods = last_periods(period, count)
    found = [records.get(p, {}).get(entity_id) for p in periods]
    kept = [r for r in found if r is not None]
    sent = sum(r.submissions for r in kept)
    return Scorecard(
        entity_id=entity_id,
        entity=entity,
        periods=periods,
        records=found,
        on_time=sum(r.status == "on_time" for r in kept),
        late=sum(r.status == "late" for r in kept),
        missing=sum(r.status == "missing" for r in kept),
        rejected=sum(r.status == "rejected" for r in kept),
        submissions=sent,
        errors_per_submission=sum(r.errors for r in kept) / sent if sent else None,
        warnings_per_submission=sum(r.warnings for r in kept) / sent if sent else None,
        restatements=sum(r.restatements for r in kept),
    )


def compute_scorecards(
    period: str, records: Mapping[str, Mapping[str, PeriodRecord]], names: Mapping[str, str]
) -> list[Scorecard]:
    """The scorecard of every entity with a record in the last 12 periods, by name; `names` maps ids to names."""
    periods = last_periods(period)
    entity_ids = {entity_id for p in periods for entity_id in records.get(p, {})}
    cards = [compute_scorecard(e, names.get(e, e), period, records) for e in entity_ids]
    return sorted(cards, key=lambda card: (card.entity, card.entity_id))


def name_entities(submissions: Sequence[ValidatedSubmission], register: Register | None) -> dict[str, tuple[str, str]]:
    """{entity_id: (entity_name, entity_type)}: as the register gives them, else as the latest submission does."""
    named: dict[str, tuple[str, str]] = {
        s.header.entity_id: (s.header.entity_name, s.header.entity_type) for s in submissions if s.header
    }
    if register is not None:
        named.update({entry.entity_id: (entry.entity_name, entry.entity_type) for entry in register.entries})
    return named
