"""Validation of one submission: header, table set, columns, and the rules across its tables."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from functools import partial

import numpy as np
import pandas as pd
import pyarrow as pa
from pydantic import ValidationError

from reporting.contract import HEADER_TABLE, RULES_CHECKED, TABLES, TABLES_BY_ENTITY, Header, column_specs
from reporting.findings import Finding
from reporting.ingest.model import RawSubmission, RawTable
from reporting.validate.columns import PARALLEL_ROWS, InThisThread, RowCheck, TableCheck, run_row_checks
from reporting.validate.log import FindingLog
from reporting.validate.model import ValidatedSubmission

MAX_COLUMN_TOTAL_USD = 1e15
"""Largest plausible total of one money column of one submission (one quadrillion US dollars).

Each value is bounded already (`PLAUSIBLE_MAGNITUDE`), but many rows at the bound could still add
up past what the metrics' int64 cents can hold (about 9.2e16 dollars); this bound needs about a
hundred submissions at the limit before any sum can overflow.
"""


def period_bounds(period: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The first instant of the period and the first instant after it, in UTC."""
    start = pd.Timestamp(f"{period}-01", tz="UTC")
    return start, start + pd.offsets.MonthBegin(1)


def validate_submission(raw: RawSubmission, period: str | None = None, threads: int = 1) -> ValidatedSubmission:
    """Check one submission against the contract; collect every finding in one pass.

    `period` is the month being reported; without it, each submission is checked against its own.
    Any error rejects the submission. Findings come in this order: the reader's, the header's, each table's
    columns and key, money totals and the table set, then the row rules (each table's, the period, references,
    the entity type's). With `threads` > 1 and a large table, the header, the columns and the row rules are
    checked in a pool of that many threads; the order of findings stays the same.
    """
    log = FindingLog()
    log.extend(raw.findings, beyond_cap=True)  # the reader's, a few per file at most: every file is named
    checks = {name: TableCheck(table, FindingLog(), first_row=table.first_row) for name, table in raw.tables.items()}
    large = threads > 1 and any(table.data.num_rows >= PARALLEL_ROWS for table in raw.tables.values())
    with ThreadPoolExecutor(threads) if large else InThisThread() as pool:
        # The header is checked in the pool too, beside the columns of the tables.
        header_log = FindingLog()
        pending_header = pool.submit(check_header, raw, header_log, period)
        tables = {name: check.check_columns(TABLES[name], pool) for name, check in checks.items()}
        header = pending_header.result()
        # The header's findings first, then each table's own; later findings on a table go straight to this log.
        log.merge(header_log)
        for check in checks.values():
            log.merge(check.log)
            check.log = log
        check_totals(raw, tables, log)
        rows = [rule for name, check in checks.items() for rule in check.rule_checks(TABLES[name].rules, tables[name])]
        if header is not None:
            check_table_set(header, raw, log)
            rows += period_checks(period or header.period, tables, checks)
            rows += reference_checks(tables, checks)
            rows += entity_checks(header, tables, checks)
        run_row_checks(rows, pool)
    if log.capped:
        unlisted = ", ".join(f"{count:,} {code}" for code, count in sorted(log.dropped.items()))
        message = (
            f"{len(log.kept):,} of {sum(log.counts.values()):,} findings are listed, errors first; "
            f"not listed: {unlisted}."
        )
        log.kept.append(Finding(code="findings-capped", file=raw.source, message=message))
    return ValidatedSubmission(
        source=raw.source,
        container=raw.container,
        header=header,
        header_values=raw.header or {},
        tables=tables,
        findings=log.kept,
        finding_counts=log.counts,
        files=raw.files,
        status="rejected" if log.has_errors else "accepted",
        rows={name: table.data.num_rows for name, table in raw.tables.items()},
        header_file=raw.header_file,
    )


def check_header(raw: RawSubmission, log: FindingLog, period: str | None) -> Header | None:
    """Check the header with the same column checks as a table of one row; return it if valid."""
    if raw.header is None:
        return None
    values = raw.header
    data = pa.table({name: pa.array([value], pa.string()) for name, value in values.items()})
    errors_before = log.errors
    check = TableCheck(RawTable(HEADER_TABLE, raw.header_file, data, first_row=0), log, first_row=None)
    run_row_checks(check.rule_checks(Header.rules, check.check_columns(Header)), InThisThread())
    if log.errors > errors_before:
        return None
    try:
        fields = {name: values.get(name) for name in Header.model_fields}
        header = Header.model_validate(fields, context={RULES_CHECKED: True})  # the column checks ran the rules
    except ValidationError as error:
        # The column checks and the model should agree; if they do not, the model has the last word.
        for problem in error.errors():
            field = ".".join(str(part) for part in problem["loc"])
            log.add(Finding("value-pattern", raw.header_file, HEADER_TABLE, None, field, None, problem["msg"]))
        return None
    start, _ = period_bounds(header.period)
    if period is not None and header.period != period:
        log.add(
            Finding(
                "period-mismatch",
                raw.header_file,
                HEADER_TABLE,
                None,
                "period",
                header.period,
                f"The submission is for {header.period}, but the period being reported is {period}.",
            )
        )
    if pd.Timestamp(header.submitted_at) < start:
        log.add(
            Finding(
                "submitted-before-period",
                raw.header_file,
                HEADER_TABLE,
                None,
                "submitted_at",
                values.get("submitted_at"),
                f"submitted_at is before the period {header.period} began.",
            )
        )
    return header


def check_totals(raw: RawSubmission, tables: dict[str, pd.DataFrame], log: FindingLog) -> None:
    """Flag a money column whose total over the submission's table exceeds MAX_COLUMN_TOTAL_USD."""
    for name, frame in tables.items():
        for spec in column_specs(TABLES[name]):
            if spec.kind != "money" or frame.empty:
                continue
            total = float(frame[spec.name].abs().sum())  # missing values skipped
            if total > MAX_COLUMN_TOTAL_USD:
                message = (
                    f"{spec.name} adds up to {total:,.2f} US dollars over the table; "
                    f"the plausible bound is {MAX_COLUMN_TOTAL_USD:,.0f}."
                )
                log.add(Finding("value-out-of-range", raw.tables[name].file, name, None, spec.name, None, message))


def check_table_set(header: Header, raw: RawSubmission, log: FindingLog) -> None:
    """The tables this entity type must, may and may not send."""
    allowed = TABLES_BY_ENTITY[header.entity_type]
    for name, table in raw.tables.items():
        if name not in allowed:
            log.add(
                Finding(
                    "table-not-allowed",
                    table.file,
                    name,
                    message=f"A {header.entity_type} submission does not send {name}.",
                )
            )
    for name, need in allowed.items():
        if need == "O":
            continue
        if name not in raw.tables:
            log.add(
                Finding(
                    "table-missing", raw.source, name, message=f"A {header.entity_type} submission must send {name}."
                )
            )
        elif need == "R" and raw.tables[name].data.num_rows == 0:
            log.add(Finding("table-empty", raw.tables[name].file, name, message=f"{name} has no rows."))


def period_checks(period: str, tables: dict[str, pd.DataFrame], checks: dict[str, TableCheck]) -> list[RowCheck]:
    """Dates and timestamps inside the period; incidents that started in it or were still open in it."""
    start, end = period_bounds(period)
    found: list[RowCheck] = []
    if "open_interest" in tables:
        day = tables["open_interest"]["date"]
        found.append(
            RowCheck(
                checks["open_interest"],
                "outside-period",
                "date",
                f"date {{value}} is outside the period {period}.",
                partial(_outside, day, start.tz_localize(None), end.tz_localize(None)),
            )
        )
    if "liquidations" in tables:
        ts = tables["liquidations"]["ts"]
        found.append(
            RowCheck(
                checks["liquidations"],
                "outside-period",
                "ts",
                f"ts {{value}} is outside the period {period}.",
                partial(_outside, ts, start, end),
            )
        )
    if "incidents" in tables:
        incidents = tables["incidents"]
        found.append(
            RowCheck(
                checks["incidents"],
                "incident-outside-period",
                "started_at",
                f"The incident neither started in {period} nor was open in it (started {{value}}).",
                lambda: (incidents["started_at"] >= end) | (incidents["resolved_at"] < start),
            )
        )
    return found


def _outside(values: pd.Series, start: pd.Timestamp, end: pd.Timestamp) -> pd.Series | np.ndarray:
    """Where `values` lie before `start` or from `end` on. The common case, every value inside, is settled by
    the least and the greatest value, in two passes instead of two comparisons of every row."""
    if values.min() >= start and values.max() < end:
        return np.zeros(len(values), dtype=bool)
    return (values < start) | (values >= end)


def reference_checks(tables: dict[str, pd.DataFrame], checks: dict[str, TableCheck]) -> list[RowCheck]:
    """Liquidation symbols known to open_interest; incident_id naming a row of incidents."""
    if "liquidations" not in tables:
        return []
    liquidations = tables["liquidations"]
    found: list[RowCheck] = []
    if "open_interest" in tables:
        known = tables["open_interest"]["symbol"].unique()
        found.append(
            RowCheck(
                checks["liquidations"],
                "symbol-unknown",
                "symbol",
                "symbol {value!r} does not appear in open_interest.",
                lambda: liquidations["symbol"].notna() & ~liquidations["symbol"].isin(known),
            )
        )
    incident_ids = tables["incidents"]["incident_id"].unique() if "incidents" in tables else []
    found.append(
        RowCheck(
            checks["liquidations"],
            "incident-unknown",
            "incident_id",
            "incident_id {value!r} is not in this submission's incidents.",
            lambda: liquidations["incident_id"].notna() & ~liquidations["incident_id"].isin(incident_ids),
        )
    )
    return found


def entity_checks(header: Header, tables: dict[str, pd.DataFrame], checks: dict[str, TableCheck]) -> list[RowCheck]:
    """Rules of the loans table that depend on who reports it."""
    if "loans" not in tables:
        return []
    loans, check = tables["loans"], checks["loans"]
    if header.entity_type == "defi_protocol":
        return [RowCheck(check, "chain-required", "chain", "chain is required for DeFi loans.", loans["chain"].isna)]
    if header.entity_type == "cefi_lender":
        return [
            RowCheck(
                check, "chain-not-allowed", "chain", "chain {value!r} is set on a CeFi loan.", loans["chain"].notna
            ),
            RowCheck(
                check,
                "supplied-not-allowed",
                "supplied_usd",
                "supplied_usd {value} is set on a CeFi loan.",
                loans["supplied_usd"].notna,
            ),
        ]
    return []
