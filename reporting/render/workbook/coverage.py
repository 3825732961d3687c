"""Who reported: the Entities and Submissions sheets, and the coverage figures."""

from __future__ import annotations

from typing import Any

from reporting.contract import EXCHANGE_TYPES, LENDER_TYPES
from reporting.render.workbook.figures import Figure
from reporting.render.workbook.inputs import Inputs, text
from reporting.render.workbook.writer import Column, Formula, Sheet


def entity_rows(inputs: Inputs) -> list[list[Any]]:
    entities = inputs.report.partials.entities
    return [[text(e), text(t)] for e, t in zip(entities["entity"], entities["entity_type"], strict=True)]


def submission_rows(inputs: Inputs) -> list[list[Any]]:
    distinct = '1/SUMPRODUCT(EXACT({entity_id$},{entity_id})*({status$}="accepted"))'
    exchange = ",".join(f'{{entity_type}}="{t}"' for t in EXCHANGE_TYPES)
    lender = ",".join(f'{{entity_type}}="{t}"' for t in LENDER_TYPES)
    rows = []
    for s in sorted(inputs.report.submissions, key=lambda s: s.source):
        header = s.header
        rows.append(
            [
                text(s.source),
                text(header.entity_id if header else s.header_values.get("entity_id")),
                text(header.entity_name if header else s.header_values.get("entity_name")),
                text(header.entity_type if header else s.header_values.get("entity_type")),
                text(s.container),
                s.status,
                s.errors,
                s.warnings,
                sum(s.rows.values()),
                Formula(f'=IF(AND({{status}}="accepted",OR({exchange})),{distinct},0)'),
                Formula(f'=IF(AND({{status}}="accepted",OR({lender})),{distinct},0)'),
            ]
        )
    return rows


SHEETS = (
    Sheet(
        "Entities",
        (Column("entity", width=34), Column("entity_type", width=14)),
        entity_rows,
        "accepted entities and their type (decides which figures apply)",
    ),
    Sheet(
        "Submissions",
        (
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
        ),
        submission_rows,
        "every submission with its status and counts (coverage figures)",
    ),
)

FIGURES = (
    Figure("coverage.submissions_accepted", "count", '=COUNTIF({Submissions!status},"accepted")'),
    Figure("coverage.submissions_rejected", "count", '=COUNTIF({Submissions!status},"rejected")'),
    Figure("coverage.submissions_restated", "count", '=COUNTIF({Submissions!status},"restated")'),
    Figure("coverage.exchanges", "count", "=ROUND(SUM({Submissions!exchange_weight}),0)"),
    Figure("coverage.lenders", "count", "=ROUND(SUM({Submissions!lender_weight}),0)"),
    Figure("coverage.warnings", "count", '=SUMPRODUCT(({Submissions!status}="accepted")*{Submissions!warnings})'),
)
