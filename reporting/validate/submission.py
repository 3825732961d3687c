"""Validation of one submission: header, table set, columns, and the rules across its tables."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd
import pyarrow as pa
from pydantic import ValidationError

from reporting.contract import (
    HEADER_TABLE,
    RULES_CHECKED,
    TABLES,
    TABLES_BY_ENTITY,
    Header,
    column_specs,
    compute_period_bounds,
)
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


def validate_submission(raw: RawSubmission, period: str | None = None, threads: int = 1) -> ValidatedSubmission:
    """Check one submission against the contract; collect every finding in one pass.

    `period` is the month being reported; without it, each submission is checked against its own.
    Any error rejects the submission. Findings come in this order: the reader's, the header's, each table's
    columns and key, money totals and the table set, then the row rules (each table's, the period, references,
    the entity type's), then tickers that differ only in letter case. With `threads` > 1 and a large table, the
    header, the columns and the row rules are checked in a pool of that many threads; the order of findings stays
    the same.
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
            rows += cross_table_checks(header, period or header.period, tables, checks)
        run_row_checks(rows, pool)
    check_ticker_case(raw, tables, log)
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
    run_row_checks(check.rule_checks(Header.rules, OneRow(check.check_typed_columns(Header))), InThisThread())
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
    start, _ = compute_period_bounds(header.period)
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


class OneRow(Mapping[str, pd.Series]):
    """A typed table of one row (the header) as its row rules read it, without a DataFrame: each column a
    one-value Series, made when a rule first reads it. Text is held as Python strings (None where missing), which
    the rules read as they read the table's text and categories; every other kind as the typed table holds it."""

    def __init__(self, typed: dict[str, pa.Array | pa.ChunkedArray]):
        self.typed = typed
        self.read: dict[str, pd.Series] = {}

    def __getitem__(self, name: str) -> pd.Series:
        if name not in self.read:
            column = self.typed[name]
            if pa.types.is_string(column.type) or pa.types.is_dictionary(column.type):
                self.read[name] = pd.Series(column.to_pylist(), dtype=object)
            else:
                self.read[name] = column.to_pandas(date_as_object=False)
        return self.read[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.typed)

    def __len__(self) -> int:
        return len(self.typed)


def check_ticker_case(raw: RawSubmission, tables: dict[str, pd.DataFrame], log: FindingLog) -> None:
    """Warn once for each set of the submission's tickers that differ only in letter case (`WETH`, `weth`).

    Tickers compare exactly, so such spellings are different assets; the warning asks whether one is a typo.
    Only the distinct tickers of each ticker column are compared, so the common case (no variants) reads no
    row. The first spelling seen (in the contract's order of tables, then by row, then by column) is taken as
    meant; the warning stands at the first place of any other spelling, and names where the first one is.
    """
    columns = [
        (name, spec.name)
        for name, model in TABLES.items()
        if name in tables
        for spec in column_specs(model)
        if spec.is_ticker
    ]
    distinct = [
        (str(ticker), rank) for rank, (name, column) in enumerate(columns) for ticker in _distinct(tables[name][column])
    ]
    spelled = {ticker for ticker, _ in distinct}
    # The common case, no two spellings of one ticker, is settled on the distinct tickers alone. Python and
    # the column's own lower case agree on ASCII, which tickers nearly always are; any other goes the long way.
    if all(ticker.isascii() for ticker in spelled) and len({ticker.lower() for ticker in spelled}) == len(spelled):
        return
    seen = pd.DataFrame(distinct, columns=["ticker", "rank"])
    folded = seen["ticker"].str.lower()
    spellings = seen.groupby(folded)["ticker"].nunique()
    for key in spellings.index[spellings > 1]:
        places = []  # (order of the table, index of the first row, rank of the column, ticker)
        for ticker, rank in seen[folded == key].itertuples(index=False):
            name, column = columns[rank]
            rows = np.flatnonzero((tables[name][column] == ticker).to_numpy(dtype=bool, na_value=False))
            if len(rows):
                places.append((list(TABLES).index(name), int(rows[0]), rank, ticker))
        places.sort()
        others = [place for place in places if place[3] != places[0][3]]
        if not others:
            continue
        log.add(_case_variant(raw, columns, places[0], others[0], sorted({place[3] for place in places})))


def _case_variant(
    raw: RawSubmission,
    columns: list[tuple[str, str]],
    first: tuple[int, int, int, str],
    variant: tuple[int, int, int, str],
    spellings: list[str],
) -> Finding:
    """The ticker-case-variant finding at the `variant` spelling's first row, naming where the `first` is."""
    (first_table, first_column), (table, column) = columns[first[2]], columns[variant[2]]
    first_row = first[1] + raw.tables[first_table].first_row
    return Finding(
        "ticker-case-variant",
        raw.tables[table].file,
        table,
        variant[1] + raw.tables[table].first_row,
        column,
        variant[3],
        f"{column} {variant[3]!r} differs only in letter case from {first[3]!r} ({first_table}.{first_column}, "
        f"row {first_row}): tickers compare exactly, so {' and '.join([', '.join(spellings[:-1]), spellings[-1]])} are "
        f"{len(spellings)} assets.",
    )


def _distinct(column: pd.Series) -> pd.Index:
    """The distinct values of a ticker column: its categories when coded (as a clean one is)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.cat.categories
    return pd.Index(column.dropna().unique())


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


@dataclass(frozen=True)
class Scope:
    """What a cross-table rule reads: the submission's typed tables and the period's bounds."""

    tables: dict[str, pd.DataFrame]
    start: pd.Timestamp
    end: pd.Timestamp


@dataclass(frozen=True)
class CrossTableRule:
    """A rule on the rows of `table` that reads more than the row: the period, other tables, the entity type.

    As a `RowRule`, it flags `code` on `column` with `message` (`{value}` stands for the submitted value,
    `{period}` for the month); its severity is in the catalogue. It runs when `table` and every table of
    `needs` were sent, and, when `entity_types` is given, only for those entity types.
    """

    code: str
    table: str
    column: str
    message: str
    violated: Callable[[Scope], pd.Series | np.ndarray]
    needs: tuple[str, ...] = ()
    entity_types: tuple[str, ...] = ()


def _outside(values: pd.Series, start: pd.Timestamp, end: pd.Timestamp) -> pd.Series | np.ndarray:
    """Where `values` lie before `start` or from `end` on. The common case, every value inside, is settled by
    the least and the greatest value, in two passes instead of two comparisons of every row."""
    if values.min() >= start and values.max() < end:
        return np.zeros(len(values), dtype=bool)
    return (values < start) | (values >= end)


def _unknown(values: pd.Series, known: Collection[object]) -> pd.Series | np.ndarray:
    """Where `values` are set but not among `known` (with nothing known, wherever they are set). A coded column
    (tickers) is looked up once per category, not once per row."""
    if len(known) == 0:
        return values.notna()
    if isinstance(values.dtype, pd.CategoricalDtype):
        unknown = ~values.cat.categories.isin(known)
        if not unknown.any():
            return np.zeros(len(values), dtype=bool)
        codes = values.cat.codes.to_numpy()
        return unknown[codes] & (codes >= 0)  # code -1 is a missing value
    return values.notna() & ~values.isin(known)


CROSS_TABLE_RULES: tuple[CrossTableRule, ...] = (
    # The period: dates and timestamps inside it; incidents that started in it or were still open in it.
    CrossTableRule(
        "outside-period",
        "open_interest",
        "date",
        "date {value} is outside the period {period}.",
        lambda s: _outside(s.tables["open_interest"]["date"], s.start.tz_localize(None), s.end.tz_localize(None)),
    ),
    CrossTableRule(
        "outside-period",
        "liquidations",
        "ts",
        "ts {value} is outside the period {period}.",
        lambda s: _outside(s.tables["liquidations"]["ts"], s.start, s.end),
    ),
    CrossTableRule(
        "incident-outside-period",
        "incidents",
        "started_at",
        "The incident neither started in {period} nor was open in it (started {value}).",
        lambda s: (s.tables["incidents"]["started_at"] >= s.end) | (s.tables["incidents"]["resolved_at"] < s.start),
    ),
    # References: liquidation symbols known to open_interest; incident_id naming a row of incidents.
    CrossTableRule(
        "symbol-unknown",
        "liquidations",
        "symbol",
        "symbol {value!r} does not appear in open_interest.",
        lambda s: _unknown(s.tables["liquidations"]["symbol"], s.tables["open_interest"]["symbol"].unique()),
        needs=("open_interest",),
    ),
    CrossTableRule(
        "incident-unknown",
        "liquidations",
        "incident_id",
        "incident_id {value!r} is not in this submission's incidents.",
        lambda s: _unknown(
            s.tables["liquidations"]["incident_id"],
            s.tables["incidents"]["incident_id"].unique() if "incidents" in s.tables else [],
        ),
    ),
    # The loans table by who reports it.
    CrossTableRule(
        "chain-required",
        "loans",
        "chain",
        "chain is required for DeFi loans.",
        lambda s: s.tables["loans"]["chain"].isna(),
        entity_types=("defi_protocol",),
    ),
    CrossTableRule(
        "chain-not-allowed",
        "loans",
        "chain",
        "chain {value!r} is set on a CeFi loan.",
        lambda s: s.tables["loans"]["chain"].notna(),
        entity_types=("cefi_lender",),
    ),
    CrossTableRule(
        "supplied-not-allowed",
        "loans",
        "supplied_usd",
        "supplied_usd {value} is set on a CeFi loan.",
        lambda s: s.tables["loans"]["supplied_usd"].notna(),
        entity_types=("cefi_lender",),
    ),
)
"""The rules across a submission's tables, in the order their findings are listed."""


def cross_table_checks(
    header: Header, period: str, tables: dict[str, pd.DataFrame], checks: dict[str, TableCheck]
) -> list[RowCheck]:
    """The CROSS_TABLE_RULES that apply to this submission, to be run by `run_row_checks`."""
    start, end = compute_period_bounds(period)
    scope = Scope(tables, start, end)
    return [
        RowCheck(
            checks[rule.table],
            rule.code,
            rule.column,
            rule.message.replace("{period}", period),
            partial(rule.violated, scope),
        )
        for rule in CROSS_TABLE_RULES
        if rule.table in tables
        and all(name in tables for name in rule.needs)
        and (not rule.entity_types or header.entity_type in rule.entity_types)
    ]
