"""Findings: what validation reports about bad data, and the catalogue of their stable codes.

Bad data is not an exception. Every stage that looks at submitted files (reading, validating) returns
findings. Each code is listed here once, with its severity and a one-line hint on how to fix it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

Severity = Literal["error", "warning"]

FINDINGS_CAP = 1000
"""Findings kept per submission; past this, findings are only counted by code."""


@dataclass(frozen=True)
class Code:
    severity: Severity
    fix: str


CATALOGUE: dict[str, Code] = {
    # Files and containers
    "file-unreadable": Code("error", "Send the file again: it could not be opened or parsed at all."),
    "file-encoding": Code("error", "Save the file as UTF-8 text."),
    "file-too-large": Code("error", "Split the data or ask the supervisor to raise the size limit."),
    "file-zip-bomb": Code("error", "Save the file normally; its compressed contents expand far too much."),
    "file-unsafe-path": Code(
        "error", "Send plain files inside the submissions folder: no links, devices or '..' names."
    ),
    "file-unrecognised": Code("error", "Send a submission folder, an .xlsx workbook or a .json document."),
    "json-duplicate-key": Code("error", "Write each key once in every object of the JSON document."),
    "file-duplicate-table": Code("error", "Send each table once: in CSV or in Parquet, not both, or in one sheet."),
    "table-unknown": Code("warning", "Remove the file or sheet, or rename it after a table of the format."),
    "table-missing": Code("error", "Add the table: this entity type must send it."),
    "table-empty": Code("error", "Fill in the table: this entity type must report rows in it."),
    "table-not-allowed": Code("error", "Remove the table: this entity type does not send it."),
    "table-too-many-rows": Code("error", "Split the data or ask the supervisor to raise the row limit."),
    "column-missing": Code("error", "Add the column, with the exact name from the format."),
    "column-missing-nullable": Code("warning", "Add the column; its values were read as empty."),
    "column-unknown": Code("warning", "Remove the column or rename it after a column of the format."),
    "column-duplicate": Code("error", "Keep one column of that name."),
    # Values
    "value-missing": Code("error", "Fill in the value: it may not be empty."),
    "value-not-number": Code("error", "Write a plain number with '.' as decimal point and no thousands separators."),
    "value-not-integer": Code("error", "Write a whole number."),
    "value-precision": Code("error", "Round money to cents (2 decimals) and prices to 8 decimals."),
    "value-out-of-range": Code("error", "Correct the value: it is outside the range the format allows."),
    "value-not-allowed": Code("error", "Use one of the values the format lists for this column."),
    "value-pattern": Code("error", "Write the value in the form the format gives."),
    "value-control-character": Code(
        "error",
        "Remove the control or invisible character (NUL, ESC, BEL, zero-width space); tabs and line breaks may stay.",
    ),
    "value-too-long": Code("error", "Shorten the text to the length the format allows."),
    "value-not-date": Code("error", "Write the date as YYYY-MM-DD."),
    "value-not-timestamp": Code("error", "Write the timestamp in ISO 8601, e.g. 2025-11-03T14:00:00Z."),
    "timestamp-no-zone": Code("error", "Add the time zone to the timestamp: 'Z' for UTC or an offset like +01:00."),
    "value-not-boolean": Code("error", "Write true or false."),
    "ticker-case-variant": Code(
        "warning",
        "Write each asset's ticker as its issuer does, the same way throughout: tickers that differ only in "
        "letter case are two assets.",
    ),
    "duplicate-key": Code("error", "Remove or merge the duplicate row: the key columns must be unique."),
    # Header
    "lei-check-digits": Code("error", "Check the LEI: its check digits are wrong (ISO 17442)."),
    "lei-required": Code("error", "Add the entity's LEI: it is required for this entity type."),
    "jurisdiction-required": Code("error", "Add the ISO 3166-1 alpha-2 jurisdiction: it is required with the LEI."),
    "restatement-reason-required": Code("error", "Say why the submission restates an earlier one."),
    "period-mismatch": Code("error", "Set period to the month being reported, or send the file for its own month."),
    "submitted-before-period": Code("error", "Correct submitted_at: it is before the period began."),
    # Row rules
    "outside-period": Code("error", "Report only dates and times inside the period."),
    "funding-not-perpetual": Code("error", "Leave funding_rate empty for futures and options."),
    "funding-interval-required": Code("error", "Give funding_interval_hours (1, 2, 4 or 8) with every funding rate."),
    "funding-rate-extreme": Code("warning", "Check the funding rate: above 5 % per interval is unusual."),
    "notional-mismatch": Code("warning", "Check notional_usd: it differs from quantity x price_usd by over 0.5 %."),
    "symbol-unknown": Code("error", "Use a symbol that appears in this submission's open_interest."),
    "incident-unknown": Code("error", "Use an incident_id listed in this submission's incidents table."),
    "cross-margin-above-balance": Code("error", "cross_margin_usd cannot exceed balance_usd."),
    "collateral-zero-secured": Code(
        "error", "Give the collateral value, or set collateral_asset to NONE if unsecured."
    ),
    "collateral-unsecured-nonzero": Code("error", "Set collateral_usd to 0 for unsecured (NONE) loans."),
    "borrowed-above-supplied": Code(
        "warning", "Check borrowed_usd and supplied_usd: a market rarely lends more than it holds."
    ),
    "funded-onchain-above-borrowed": Code("error", "funded_onchain_usd cannot exceed borrowed_usd."),
    "chain-required": Code("error", "Give the chain of every DeFi loan market."),
    "chain-not-allowed": Code("error", "Leave chain empty for CeFi loans."),
    "supplied-not-allowed": Code("error", "Leave supplied_usd empty for CeFi loans: it is reported by DeFi protocols."),
    "crypto-backed-above-supply": Code("error", "crypto_backed_supply_usd cannot exceed total_supply_usd."),
    "maturity-not-after-issue": Code("error", "maturity_date must be after issue_date."),
    "detected-before-start": Code("error", "detected_at cannot be before started_at."),
    "resolved-before-start": Code("error", "resolved_at cannot be before started_at."),
    "incident-outside-period": Code("error", "Report incidents that started in the period or were still open in it."),
    # Submissions folder
    "submission-id-duplicate": Code("error", "Give every submission its own submission_id (a new UUID)."),
    "entity-period-duplicate": Code(
        "error", "Send one submission per entity and month, or mark the newer one with restates."
    ),
    "restates-cycle": Code(
        "error", "Set restates to the submission_id of the earlier submission replaced: not this one's own."
    ),
    "restates-unknown": Code("warning", "Check restates: no submission with that submission_id is in the folder."),
    "findings-capped": Code("warning", "Fix the findings listed and validate again to see the rest."),
}


@dataclass(frozen=True)
class Finding:
    """One problem found in a submission, located as the submitter sees it.

    `row` follows the submitter's view: in CSV files and sheets the header is row 1 and the first
    data row is row 2; in JSON documents it is the index in the table's array, from 0. It is None for
    header and file-level findings. `table` is "submission" for header fields.
    """

    code: str
    file: str
    table: str | None = None
    row: int | None = None
    column: str | None = None
    value: str | None = None
    message: str = ""

    @property
    def severity(self) -> Severity:
        return CATALOGUE[self.code].severity

    def to_dict(self) -> dict[str, object]:
        return {"code": self.code, "severity": self.severity, **{k: v for k, v in asdict(self).items() if k != "code"}}
