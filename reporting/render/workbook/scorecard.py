"""Each firm's record over the last 12 periods: the Period records sheet, and the Scorecard sheet over it.

Period records has one row per firm and period with a record (the entity was expected or sent a
submission; the latest revision of each earlier period, from the history): its filing status and its
submissions, findings and restatements. The Scorecard has one row per firm, as Annex A of the PDF; its
counts, sums and per-submission rates are formulas over Period records.
"""

from __future__ import annotations

from typing import Any

from reporting.render.workbook.inputs import Inputs, text
from reporting.render.workbook.writer import NOT_AVAILABLE, Column, Formula, Sheet

RECORDS = "Period records"
TITLE = "Scorecard"


def record_rows(inputs: Inputs) -> list[list[Any]]:
    return [
        [
            text(card.entity_id),
            text(card.entity),
            record.period,
            record.status,
            record.due,
            text(record.submitted_at),
            record.days_late,
            record.submissions,
            record.errors,
            record.warnings,
            record.restatements,
        ]
        for card in inputs.report.scorecards
        for record in card.records
        if record is not None
    ]


# The firm's rows of Period records, matched with EXACT: an entity_id is submitted text, never a criterion.
_OWN = f"EXACT({{{RECORDS}!entity_id}},{{entity_id}})"


def _count(status: str) -> Formula:
    return Formula(f'=SUMPRODUCT({_OWN}*({{{RECORDS}!status}}="{status}"))')


def _total(key: str) -> Formula:
    return Formula(f"=SUMPRODUCT({_OWN}*{{{RECORDS}!{key}}})")


def _per_submission(key: str) -> Formula:
    return Formula(f'=IF({{submissions}}=0,"{NOT_AVAILABLE}",{{{key}}}/{{submissions}})')


def scorecard_rows(inputs: Inputs) -> list[list[Any]]:
    cards = inputs.report.scorecards
    return [
        [
            text(card.entity_id),
            text(card.entity),
            card.periods[0],
            card.periods[-1],
            *(_count(status) for status in ("on_time", "late", "missing", "rejected")),
            *(_total(key) for key in ("submissions", "errors", "warnings")),
            _per_submission("errors"),
            _per_submission("warnings"),
            _total("restatements"),
        ]
        for card in cards
    ]


SHEETS = (
    Sheet(
        RECORDS,
        (
            Column("entity_id", width=22),
            Column("entity", width=30),
            Column("period", width=9),
            Column("status", width=10),
            Column("due", width=11),
            Column("submitted_at", width=21),
            Column("days_late", "count"),
            Column("submissions", "count", 12),
            Column("errors", "count"),
            Column("warnings", "count"),
            Column("restatements", "count", 13),
        ),
        record_rows,
        "each firm's filing record per period of the last 12 (latest revision of each earlier period, from the "
        "history of builds): status, due date, submission time, days late, submissions, findings, restatements",
    ),
    Sheet(
        TITLE,
        (
            Column("entity_id", width=22),
            Column("entity", width=30),
            Column("from", width=9),
            Column("to", width=9),
            Column("on_time", "count"),
            Column("late", "count"),
            Column("missing", "count"),
            Column("rejected", "count"),
            Column("submissions", "count", 12),
            Column("errors", "count"),
            Column("warnings", "count"),
            Column("errors_per_submission", "number", 23),
            Column("warnings_per_submission", "number", 25),
            Column("restatements", "count", 13),
        ),
        scorecard_rows,
        "each firm's scorecard over the 12 periods from..to, by formula over Period records: filings on time, "
        "late, missing and rejected, submissions received, findings per submission, restatements",
    ),
)
