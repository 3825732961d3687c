"""Who was expected to file: the Filing sheet, and the register figures of coverage with live formulas.

One row per entity the register expects in the period (none without a register): its status, when its
accepted submission came and when it was due, and its last-known part of the market (`last_amount_usd`:
this period's when it filed, else that of `last_period`, the latest earlier period it filed). The missing
shares are recomputed from that column over the `missing` and `rejected` rows.
"""

from __future__ import annotations

from typing import Any

from reporting.contract import EXCHANGE_TYPES
from reporting.render.workbook.figures import Figure
from reporting.render.workbook.inputs import Inputs, text
from reporting.render.workbook.writer import NOT_AVAILABLE, Column, Sheet

TITLE = "Filing"


def filing_rows(inputs: Inputs) -> list[list[Any]]:
    return [
        [
            text(d.entity_id),
            text(d.entity),
            text(d.entity_type),
            "venue" if d.entity_type in EXCHANGE_TYPES else "lender",
            d.status,
            text(d.submitted_at),
            d.due,
            d.days_late,
            text(d.share_period),
            d.amount_usd,
            d.share,
        ]
        for d in inputs.report.metrics.filing_details
    ]


SHEETS = (
    Sheet(
        TITLE,
        (
            Column("entity_id", width=22),
            Column("entity", width=30),
            Column("entity_type", width=14),
            Column("market", width=9),
            Column("status", width=10),
            Column("submitted_at", width=21),
            Column("due", width=11),
            Column("days_late", "count"),
            Column("last_period", width=11),
            Column("last_amount_usd", "money"),
            Column("last_share", "share"),
        ),
        filing_rows,
        "every entity the register expects in the period: status, submitted at, due date, days late, last-known "
        "part of the market (empty without a register)",
    ),
)


def _missing_share(market: str, total: str) -> str:
    """The share of `market` (venue or lender) held at their last filing by the entities that did not file."""
    absent = f'(({{{TITLE}!status}}="missing")+({{{TITLE}!status}}="rejected"))*({{{TITLE}!market}}="{market}")'
    missing = f"SUMPRODUCT({absent}*{{{TITLE}!last_amount_usd}})"
    return f'=IF(SUMPRODUCT({absent})=0,0,IF({total}+{missing}=0,"{NOT_AVAILABLE}",{missing}/({total}+{missing})))'


REGISTER_FIGURES = (
    Figure("coverage.expected", "count", f"=COUNTA({{{TITLE}!entity_id}})"),
    Figure("coverage.missing_oi_share", "share", _missing_share("venue", "N(derivatives_open_interest_usd)")),
    Figure(
        "coverage.missing_lending_share",
        "share",
        _missing_share("lender", "N(lending_crypto_collateralized_usd)+N(lending_dat_debt_usd)"),
    ),
)


def figures(inputs: Inputs) -> list[Figure]:
    """The register figures of coverage, when the build had a register."""
    return list(REGISTER_FIGURES) if "filing_status" in inputs.metrics["coverage"] else []
