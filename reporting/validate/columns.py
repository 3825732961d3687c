"""Column-wise checks derived from the contract models.

Each column of a submitted table arrives as text. `check_table` turns it into a typed column with
pyarrow compute kernels, one column at a time, and records a finding for every value that breaks
the contract: no Python code runs per row, except to build the findings that are kept.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import Executor, Future
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from reporting.contract import ColumnSpec, ContractModel, RowRule, column_specs
from reporting.findings import Finding
from reporting.ingest.model import RawTable
from reporting.validate.grammar import (
    CONTROL,
    DATE,
    FLOAT_DIGITS,
    INTEGER,
    INTEGER_DIGITS,
    NUMBER,
    PLAIN_NUMBER_BYTES,
    PRINTABLE_ASCII,
    TIMESTAMP_NAIVE,
    TIMESTAMP_ZONED,
    YEARS,
    byte_lengths,
    bytes_within,
    decimals_written,
)
from reporting.validate.keys import count_distinct, count_distinct_rows
from reporting.validate.log import FindingLog

PARALLEL_ROWS = 50_000
"""Tables with at least this many rows have their columns checked in parallel, given threads to do it."""


class InThisThread(Executor):
    """An executor that runs each task at once, in the calling thread: checks of small tables, or with one thread."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        future.set_result(fn(*args, **kwargs))
        return future


TIMESTAMP_TYPE = pa.timestamp("ns", tz="UTC")
BOOLEANS = pa.array(["true", "false"])

PLAUSIBLE_MAGNITUDE = {"money": 1e13, "price": 1e13, "number": 1e15, "integer": 1e15}
"""Largest magnitude accepted per kind of number, though the format sets no maximum. Ten trillion US
dollars is several times the whole crypto market; 10^15 is more than any quantity or count in the
format. The bounds keep every sum and product of the metrics finite and money exact in int64 cents."""

KIND_WORDS = {
    "money": "an amount in US dollars",
    "price": "a price in US dollars",
    "number": "a number",
    "integer": "a whole number",
}


def _mask(condition: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """A boolean array with nulls read as false (filled only when there are any: most conditions have none)."""
    if condition.null_count:
        condition = pc.fill_null(condition, False)
    return np.asarray(condition.to_numpy(zero_copy_only=False), dtype=bool)


def _true_rows(mask: pd.Series) -> np.ndarray:
    """A pandas boolean mask as a numpy array, with missing values read as false (a mask of dtype bool has none)."""
    return mask.to_numpy(dtype=bool) if mask.dtype == bool else mask.fillna(False).to_numpy(dtype=bool)


def _matches(text: pa.Array, pattern: str) -> pa.Array:
    return pc.match_substring_regex(text, pattern=pattern)


class TableCheck:
    """The checks of one table of one submission: the raw text in, a typed DataFrame and findings out."""

    def __init__(self, raw: RawTable, log: FindingLog, table: str | None = None, first_row: int | None = None):
        self.raw = raw
        self.log = log
        self.table = table or raw.name
        # Header findings carry no row; table findings carry the submitter's row number.
        self.first_row = first_row
        # Rows whose value in a column was invalid (and so read as null), by column: row rules skip
        # them, since the column check has already said what is wrong.
        self.invalid: dict[str, np.ndarray] = {}
        self.distinct: int | None = None  # distinct values of a one-column key, counted beside the column checks

    def flag(self, code: str, mask: np.ndarray, column: str, values: pa.Array | None, message: str) -> None:
        self.log.add_rows(
            code,
            mask,
            file=self.raw.file,
            table=self.table,
            column=column,
            values=values,
            first_row=self.first_row,
            message=message,
        )

    def flag_column(self, code: str, mask: pd.Series | np.ndarray, column: str, message: str) -> None:
        """Flag the rows where `mask` holds (a missing value does not), quoting the column's submitted text."""
        rows = mask if isinstance(mask, np.ndarray) else _true_rows(mask)
        if not rows.any():
            return
        names = self.raw.data.column_names
        values = self.raw.data.column(names.index(column)).combine_chunks() if column in names else None
        self.flag(code, rows, column, values, message)

    def check_column(self, spec: ColumnSpec, text: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
        """Check one column against its spec; return it typed, null where the value is missing or invalid.

        Plain text and enum columns may come chunked, as read; every other kind comes as one array."""
        name = spec.name
        if pa.types.is_dictionary(text.type) and not _is_coded(spec):
            text = text.cast(pa.string())
        if not (pa.types.is_string(text.type) or pa.types.is_dictionary(text.type)):
            return self.check_typed(spec, text)
        # Every reader gives an empty cell as null (see RawTable), so a missing value is a null here.
        if text.null_count:
            present = _mask(pc.is_valid(text))
            if not spec.nullable:
                self.flag("value-missing", ~present, name, None, f"{name} is required but empty.")
        parse = PARSERS[spec.kind]
        typed, bad = parse(self, spec, text)
        if text.null_count:
            bad &= present
        self.invalid[name] = bad
        if not bad.any() or pa.types.is_dictionary(typed.type):  # coded columns have no code for bad values
            return typed
        return pc.if_else(pa.array(bad), pa.scalar(None, typed.type), typed)

    def check_typed(self, spec: ColumnSpec, values: pa.Array) -> pa.Array:
        """Check a column that the reader could already parse with the contract's type.

        Only what parsing cannot settle is left: missing values, non-finite numbers, decimal places,
        ranges and allowed values. Findings quote the parsed value.
        """
        name = spec.name
        bad = np.zeros(len(values), dtype=bool)
        if values.null_count and not spec.nullable:
            self.flag("value-missing", ~_mask(pc.is_valid(values)), name, None, f"{name} is required but empty.")
        if spec.kind in ("money", "price", "number"):
            x = values.to_numpy(zero_copy_only=False)  # NaN where null
            finite = np.isfinite(x)
            bad = ~finite
            if values.null_count:
                bad &= _mask(pc.is_valid(values))
            self.flag("value-not-number", bad, name, values, f"{name} must be a finite number; got {{value}}.")
            bad |= self.check_precision(spec, values, values, finite)
        if spec.kind == "integer" and spec.choices:
            not_allowed = _mask(pc.invert(pc.is_in(values, pa.array([int(c) for c in spec.choices]))))
            not_allowed &= _mask(pc.is_valid(values))
            self.flag(
                "value-not-allowed",
                not_allowed,
                name,
                values,
                f"{name} must be one of {', '.join(spec.choices)}; got {{value}}.",
            )
            bad |= not_allowed
        if spec.kind in ("money", "price", "number", "integer"):
            bad |= self.check_range(spec, values, values)
        if spec.kind in ("date", "timestamp"):
            bad |= self.check_years(spec, values, values)
        self.invalid[name] = bad
        return pc.if_else(pa.array(bad), pa.scalar(None, values.type), values) if bad.any() else values

    def check_range(self, spec: ColumnSpec, text: pa.Array, values: pa.Array) -> np.ndarray:
        """Flag numbers outside ge/gt/le; return the mask of those rows."""
        bad = np.zeros(len(values), dtype=bool)
        numbers = values.to_numpy(zero_copy_only=False)  # NaN where null: no comparison holds for it
        bounds: list[tuple[float | None, Callable[..., np.ndarray], str]] = [
            (spec.ge, np.less, "at least"),
            (spec.gt, np.less_equal, "greater than"),
            (spec.le, np.greater, "at most"),
        ]
        for bound, breaks, words in bounds:
            if bound is None:
                continue
            with np.errstate(invalid="ignore"):
                mask = breaks(numbers, bound)
            if mask.any():
                self.flag(
                    "value-out-of-range",
                    mask,
                    spec.name,
                    text,
                    f"{spec.name} must be {words} {bound:g}; got {{value}}.",
                )
            bad |= mask
        return bad | self.check_plausible(spec, text, numbers, ~bad)

    def check_years(self, spec: ColumnSpec, text: pa.Array, values: pa.Array) -> np.ndarray:
        """Flag dates and timestamps outside YEARS; return those rows. `values` are the dates or timestamps, or the
        years written. The common case, every year inside, is settled by the years of the least and the greatest
        value, without the year of every row."""
        first, last = YEARS
        temporal = pa.types.is_temporal(values.type)

        def year_of(value: Any) -> Any:
            return pc.year(value) if temporal else value

        least, greatest = (year_of(bound).as_py() for bound in pc.min_max(values).values())
        if least is None or (least >= first and greatest <= last):
            return np.zeros(len(values), dtype=bool)
        years = year_of(values)
        outside = _mask(pc.or_(pc.less(years, first), pc.greater(years, last)))
        self.flag(
            "value-out-of-range",
            outside,
            spec.name,
            text,
            f"{spec.name} must lie in the years {first} to {last}; got {{value}}.",
        )
        return outside

    def check_plausible(
        self, spec: ColumnSpec, text: pa.Array, numbers: np.ndarray, unflagged: np.ndarray
    ) -> np.ndarray:
        """Flag numbers beyond the plausible magnitude of their kind, and a negative zero in a column
        that allows no negative value; return the mask of those rows. `unflagged` excludes rows whose
        range finding is already made.

        A negative zero there is most often a small negative amount rounded, so it is not read as 0.
        """
        limit = PLAUSIBLE_MAGNITUDE.get(spec.kind)
        if limit is None or len(numbers) == 0:
            return np.zeros(len(numbers), dtype=bool)
        with np.errstate(invalid="ignore"):
            implausible = (np.abs(numbers) > limit) & unflagged
            self.flag(
                "value-out-of-range",
                implausible,
                spec.name,
                text,
                f"{spec.name} is implausibly large: {{value}}; the bound is {limit:,.0f}.",
            )
            if spec.ge is None or spec.ge < 0 or spec.kind == "integer":
                return implausible
            negative_zero = (numbers == 0) & np.signbit(numbers) & unflagged
        self.flag(
            "value-out-of-range",
            negative_zero,
            spec.name,
            text,
            f"{spec.name} must be at least 0 and is written with a minus sign: {{value}}; give the amount unrounded.",
        )
        return implausible | negative_zero

    def parse_number(self, spec: ColumnSpec, text: pa.Array) -> tuple[pa.Array, np.ndarray]:
        """Numbers by the one grammar NUMBER, whatever the container; precision by the decimals written."""
        plain = bytes_within(text, PLAIN_NUMBER_BYTES)
        values = _cast_or_none(text, pa.float64()) if plain else None
        if values is not None:
            # Fast path: only digits, points and minus signs, and every value parsed, so every one is well formed.
            malformed = infinite = np.zeros(len(text), dtype=bool)
        else:
            well_formed = _matches(text, NUMBER)
            malformed = _mask(pc.invert(well_formed))
            self.flag(
                "value-not-number",
                malformed,
                spec.name,
                text,
                f"{spec.name} must be {KIND_WORDS[spec.kind]} written as a plain number; got {{value!r}}.",
            )
            values = pc.cast(pc.if_else(well_formed, text, pa.scalar(None, pa.string())), pa.float64())
            infinite = _mask(pc.is_inf(values))
            self.flag("value-out-of-range", infinite, spec.name, text, f"{spec.name} is too large: {{value}}.")
        bad = malformed | infinite | self.check_precision(spec, text, values, ~(malformed | infinite))
        bad |= self.check_range(spec, text, values)
        return values, bad

    def check_precision(self, spec: ColumnSpec, text: pa.Array, values: pa.Array, judged: np.ndarray) -> np.ndarray:
        """Flag money with more than 2 decimals and prices with more than 8, among the `judged` rows; return them.

        The decimals are those of the value written (`1e-3` has 3, `5.10` has 1): a number written in at most
        FLOAT_DIGITS characters is judged by its float, which keeps every digit; a longer one by its text. A value
        stored as a number (Parquet) is its shortest text, which its float judges.
        """
        if spec.decimal_places is None:
            return np.zeros(len(text), dtype=bool)
        numbers = values.to_numpy(zero_copy_only=False)
        with np.errstate(invalid="ignore", over="ignore"):
            too_precise = (np.round(numbers, spec.decimal_places) != numbers) & np.isfinite(numbers) & judged
        long = np.zeros(len(text), dtype=bool)
        if pa.types.is_string(text.type):
            long = (byte_lengths(text) > FLOAT_DIGITS) & judged  # a null is not a number, so its decimals are 0
        if long.any():
            too_precise[long] = decimals_written(pc.filter(text, pa.array(long))) > spec.decimal_places
        self.flag(
            "value-precision",
            too_precise,
            spec.name,
            text,
            f"{spec.name} has more than {spec.decimal_places} decimal places: {{value}}.",
        )
        return too_precise

    def parse_integer(self, spec: ColumnSpec, text: pa.Array) -> tuple[pa.Array, np.ndarray]:
        """Whole numbers by the one grammar INTEGER; more than INTEGER_DIGITS digits is out of range."""
        values = _cast_or_none(text, pa.int64()) if bytes_within(text, PLAIN_NUMBER_BYTES) else None
        if values is not None:
            bad = np.zeros(len(text), dtype=bool)
        else:
            well_formed = _matches(text, INTEGER)
            bad = _mask(pc.invert(well_formed))
            self.flag(
                "value-not-integer", bad, spec.name, text, f"{spec.name} must be a whole number; got {{value!r}}."
            )
            digits = pc.utf8_length(pc.utf8_ltrim(pc.utf8_ltrim(text, characters="-"), characters="0"))
            huge = _mask(pc.greater(digits, INTEGER_DIGITS)) & ~bad
            self.flag("value-out-of-range", huge, spec.name, text, f"{spec.name} is too large: {{value}}.")
            bad |= huge
            values = pc.cast(pc.if_else(pa.array(~bad), text, pa.scalar(None, pa.string())), pa.int64())
        if spec.choices:
            not_allowed = _mask(pc.invert(pc.is_in(values, pa.array([int(c) for c in spec.choices]))))
            not_allowed &= ~bad & _mask(pc.is_valid(values))
            self.flag(
                "value-not-allowed",
                not_allowed,
                spec.name,
                text,
                f"{spec.name} must be one of {', '.join(spec.choices)}; got {{value}}.",
            )
            bad |= not_allowed
        bad |= self.check_range(spec, text, values)
        return values, bad

    def parse_text(self, spec: ColumnSpec, text: pa.Array) -> tuple[pa.Array, np.ndarray]:
        if _is_coded(spec) and spec.pattern is not None:
            # Tickers repeat: check the form of each distinct value once, and keep the column coded
            # (as categories), so that grouping by it later is cheap.
            coded = _coded(text)
            misfits = pc.invert(_matches(coded.dictionary, spec.pattern))
            bad = _mask(pc.take(misfits, coded.indices)) if pc.any(misfits).as_py() else np.zeros(len(text), dtype=bool)
            self.flag(
                "value-pattern", bad, spec.name, text, f"{spec.name} does not have the required form: {{value!r}}."
            )
            return (text if bad.any() else _sorted_categories(coded)), bad
        bad = np.zeros(len(text), dtype=bool)
        # A text no longer in bytes than the limit is no longer in characters either.
        if spec.max_length is not None and byte_lengths(text).max(initial=0) > spec.max_length:
            mask = _mask(pc.greater(pc.utf8_length(text), spec.max_length))
            self.flag(
                "value-too-long", mask, spec.name, None, f"{spec.name} is longer than {spec.max_length} characters."
            )
            bad |= mask
        if not bytes_within(text, PRINTABLE_ASCII):
            mask = _mask(_matches(text, CONTROL)) & ~bad
            self.flag(
                "value-control-character",
                mask,
                spec.name,
                text,
                f"{spec.name} holds a control or invisible character: {{value!r}}.",
            )
            bad |= mask
        if spec.pattern is not None:
            mask = _mask(pc.invert(_matches(text, spec.pattern))) & ~bad
            self.flag(
                "value-pattern", mask, spec.name, text, f"{spec.name} does not have the required form: {{value!r}}."
            )
            bad |= mask
        return text, bad

    def parse_enum(self, spec: ColumnSpec, text: pa.Array) -> tuple[pa.Array, np.ndarray]:
        # Enums are kept coded: categories are the contract's choices, sorted; a value outside them has no code.
        categories = pa.array(sorted(spec.choices))
        if isinstance(text, pa.DictionaryArray):  # coded by the reader: each distinct value is looked up once
            codes = pc.take(pc.index_in(text.dictionary, value_set=categories), text.indices)
        else:
            codes = pc.index_in(text, value_set=categories)
            if isinstance(codes, pa.ChunkedArray):
                codes = codes.combine_chunks()
        if codes.null_count == text.null_count:  # every value is allowed: no row to look at
            return pa.DictionaryArray.from_arrays(codes, categories, safe=False), np.zeros(len(text), dtype=bool)
        bad = _mask(pc.is_null(codes)) & _mask(pc.is_valid(text))
        self.flag(
            "value-not-allowed",
            bad,
            spec.name,
            text,
            f"{spec.name} must be one of {', '.join(spec.choices)}; got {{value!r}}.",
        )
        return pa.DictionaryArray.from_arrays(codes, categories), bad

    def parse_boolean(self, spec: ColumnSpec, text: pa.Array) -> tuple[pa.Array, np.ndarray]:
        lowered = pc.utf8_lower(text)
        bad = _mask(pc.invert(pc.is_in(lowered, BOOLEANS))) & _mask(pc.is_valid(text))
        self.flag("value-not-boolean", bad, spec.name, text, f"{spec.name} must be true or false; got {{value!r}}.")
        return pc.equal(lowered, "true"), bad

    def parse_date(self, spec: ColumnSpec, text: pa.Array) -> tuple[pa.Array, np.ndarray]:
        dates = _cast_or_none(text, pa.date32())
        if dates is not None:
            bad = np.zeros(len(text), dtype=bool)
        else:
            parsed, bad = _parse_calendar_date(text)
            self.flag(
                "value-not-date",
                bad,
                spec.name,
                text,
                f"{spec.name} must be a date written YYYY-MM-DD; got {{value!r}}.",
            )
            dates = pc.cast(parsed, pa.date32())
        return dates, bad | self.check_years(spec, text, dates)

    def parse_timestamp(self, spec: ColumnSpec, text: pa.Array) -> tuple[pa.Array, np.ndarray]:
        fast = _cast_or_none(text, TIMESTAMP_TYPE)
        if fast is not None:
            return fast, self.check_years(spec, text, fast)
        zoned = _matches(text, TIMESTAMP_ZONED)
        _, bad_day = _parse_calendar_date(pc.utf8_slice_codeunits(text, 0, 10))
        naive = _mask(_matches(text, TIMESTAMP_NAIVE)) & ~bad_day
        self.flag(
            "timestamp-no-zone",
            naive,
            spec.name,
            text,
            f"{spec.name} has no time zone: {{value!r}}; add Z for UTC or an offset such as +01:00.",
        )
        malformed = (_mask(pc.invert(zoned)) | bad_day) & ~naive
        self.flag(
            "value-not-timestamp",
            malformed,
            spec.name,
            text,
            f"{spec.name} must be an ISO 8601 timestamp with its zone; got {{value!r}}.",
        )
        bad = naive | malformed
        # The year is checked on the text, before the cast, which fails on a year a nanosecond timestamp cannot hold.
        years = pc.utf8_slice_codeunits(pc.if_else(pa.array(bad), pa.scalar(None, pa.string()), text), 0, 4)
        written_years = pc.cast(years, pa.int64())
        bad |= self.check_years(spec, text, written_years)
        usable = pc.if_else(pa.array(~bad), text, pa.scalar(None, pa.string()))
        return pc.cast(usable, TIMESTAMP_TYPE), bad

    def check_columns(self, model: type[ContractModel], pool: Executor | None = None) -> pd.DataFrame:
        """Check the table's columns against the model and its key; return the typed table (contract columns only)."""
        typed = self.check_typed_columns(model, pool)
        distinct = count_distinct_rows(typed, model.unique) if len(model.unique) > 1 else self.distinct
        # One block per column: numbers and timestamps without nulls are taken over from Arrow, not copied into
        # a block shared with the other columns of their type.
        in_pool = self._runner(pool) is pool
        frame = pa.table(typed).to_pandas(date_as_object=False, use_threads=in_pool, split_blocks=True)
        self.check_unique(model.unique, frame, distinct)
        return frame

    def _runner(self, pool: Executor | None) -> Executor:
        """Where the table's checks run: in `pool` when the table is large enough to share out, else here."""
        return pool if pool is not None and self.raw.data.num_rows >= PARALLEL_ROWS else InThisThread()

    def check_typed_columns(
        self, model: type[ContractModel], pool: Executor | None = None
    ) -> dict[str, pa.Array | pa.ChunkedArray]:
        """Check the table's columns against the model; return them typed, by name, in contract order.

        Columns are checked independently, each with a log of its own; on a large table, given a `pool`
        of threads, they are checked in it (pyarrow kernels release the GIL), beside the count of the
        distinct values of a one-column key. Logs are merged in column order, so findings do not depend on
        timing.
        """
        data = self.raw.data
        names = data.column_names
        specs = column_specs(model)
        known = {spec.name for spec in specs}
        seen: set[str] = set()
        for name in names:
            if name in seen:
                self.log.add(self._table_finding("column-duplicate", name, f"Column {name!r} appears more than once."))
            elif name not in known:
                self.log.add(self._table_finding("column-unknown", name, f"Column {name!r} is not in the format."))
            seen.add(name)
        present = [spec for spec in specs if spec.name in seen]
        key = model.unique[0] if len(model.unique) == 1 and model.unique[0] in seen else None

        def check(spec: ColumnSpec) -> tuple[pa.Array | pa.ChunkedArray, TableCheck]:
            own = TableCheck(self.raw, FindingLog(cap=self.log.cap), self.table, self.first_row)
            column = data.column(names.index(spec.name))
            # Plain text and enums are checked in the chunks they were read in (their kernels take chunked
            # columns), without a copy; the other columns are joined into one array first.
            if not (pa.types.is_string(column.type) and (spec.kind == "enum" or not _is_coded(spec))):
                column = column.combine_chunks()
            return own.check_column(spec, column), own

        run = self._runner(pool)
        distinct = run.submit(count_distinct, data, key)  # the longest task, first
        checked = [future.result() for future in [run.submit(check, spec) for spec in present]]
        self.distinct = distinct.result()
        typed: dict[str, pa.Array | pa.ChunkedArray] = {}
        for spec, (column, check_of_column) in zip(present, checked, strict=True):
            typed[spec.name] = column
            self.log.merge(check_of_column.log)
            self.invalid.update(check_of_column.invalid)
        # An empty JSON array names no columns: then no column is missing.
        columnless = data.num_rows == 0 and data.num_columns == 0
        for spec in specs:
            if spec.name in seen:
                continue
            if not columnless:
                code = "column-missing-nullable" if spec.nullable else "column-missing"
                self.log.add(self._table_finding(code, spec.name, f"Column {spec.name!r} is missing."))
            typed[spec.name] = pa.nulls(data.num_rows, PARSED_TYPES[spec.kind])
        return {spec.name: typed[spec.name] for spec in specs}

    def rule_checks(self, rules: tuple[RowRule, ...], frame: pd.DataFrame | Mapping[str, pd.Series]) -> list[RowCheck]:
        """The model's row rules on the typed table, to be run by `run_row_checks`."""
        return [
            RowCheck(
                self,
                rule.code,
                rule.column,
                rule.message,
                partial(rule.violated, frame),
                after_column_check=True,
            )
            for rule in rules
        ]

    def check_unique(self, key: tuple[str, ...], frame: pd.DataFrame, distinct: int | None) -> None:
        """Flag rows whose key an earlier row has; `distinct` (the key's distinct values or rows, None when not
        counted) settles the common case, no repeat, without looking."""
        if not key or frame.empty:
            return
        if distinct == len(frame):
            return  # the common case, settled by the count
        self.flag_column(
            "duplicate-key",
            frame.duplicated(subset=list(key), keep="first"),
            key[-1],
            f"An earlier row has the same ({', '.join(key)}); here {key[-1]} is {{value!r}}.",
        )

    def _table_finding(self, code: str, column: str, message: str) -> Finding:
        return Finding(code=code, file=self.raw.file, table=self.table, row=None, column=column, message=message)


@dataclass(frozen=True)
class RowCheck:
    """A rule on every row of a table: `code` is flagged on `column` where `violated()` holds (a missing value
    does not). With `after_column_check`, rows whose value in `column` was invalid are left to that finding."""

    of: TableCheck  # the checks of the table the rule reads and flags
    code: str
    column: str
    message: str
    violated: Callable[[], pd.Series | np.ndarray]
    after_column_check: bool = False


def run_row_checks(checks: list[RowCheck], pool: Executor) -> None:
    """Evaluate the rules at once in `pool` (their column operations release the GIL), then flag their rows in
    the order of `checks`, so that findings do not depend on timing."""
    masks = list(pool.map(lambda check: check.violated(), checks))
    for check, mask in zip(checks, masks, strict=True):
        rows = mask if isinstance(mask, np.ndarray) else _true_rows(mask)
        if check.after_column_check and check.column in check.of.invalid:
            rows = rows & ~check.of.invalid[check.column]
        check.of.flag_column(check.code, rows, check.column, check.message)


def _is_coded(spec: ColumnSpec) -> bool:
    """Whether a column is kept coded (as categories): enums, and tickers, whose values repeat."""
    return spec.kind == "enum" or (spec.is_ticker)


def _coded(text: pa.Array) -> pa.DictionaryArray:
    """A text column as codes into its distinct values (readers may deliver it coded already)."""
    return text if isinstance(text, pa.DictionaryArray) else pc.dictionary_encode(text)


def _sorted_categories(coded: pa.DictionaryArray) -> pa.DictionaryArray:
    """The same coded column with its categories in sorted order (grouped results come out sorted)."""
    order = pc.sort_indices(coded.dictionary).to_numpy()
    position = np.empty(len(order), dtype=np.int32)  # the sorted position of each old code
    position[order] = np.arange(len(order), dtype=np.int32)
    return pa.DictionaryArray.from_arrays(pc.take(pa.array(position), coded.indices), coded.dictionary.take(order))


def _cast_or_none(text: pa.Array, target: pa.DataType) -> pa.Array | None:
    """Arrow's strict cast of the whole column, or None when any value does not parse.

    The cast is the fast path for clean data; when it fails, the column checks find the values to blame.
    """
    try:
        return pc.cast(text, target)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None


def _parse_calendar_date(text: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """Parse YYYY-MM-DD strictly: a date that does not exist (2025-02-30) is invalid, not rolled over."""
    well_formed = _matches(text, DATE)
    parsed = pc.strptime(text, format="%Y-%m-%d", unit="s", error_is_null=True)
    round_trip = pc.equal(pc.strftime(parsed, format="%Y-%m-%d"), text)
    # A value strptime cannot parse is null in `round_trip`: it is not ok (nor is `and_` of it with true).
    ok = pc.fill_null(pc.and_(well_formed, round_trip), False)
    bad = _mask(pc.invert(ok)) & _mask(pc.is_valid(text))
    return pc.if_else(ok, parsed, pa.scalar(None, parsed.type)), bad


PARSERS: dict[str, Callable[[TableCheck, ColumnSpec, pa.Array], tuple[pa.Array, np.ndarray]]] = {
    "text": TableCheck.parse_text,
    "enum": TableCheck.parse_enum,
    "money": TableCheck.parse_number,
    "price": TableCheck.parse_number,
    "number": TableCheck.parse_number,
    "integer": TableCheck.parse_integer,
    "date": TableCheck.parse_date,
    "timestamp": TableCheck.parse_timestamp,
    "boolean": TableCheck.parse_boolean,
}

PARSED_TYPES: dict[str, pa.DataType] = {
    "text": pa.string(),
    "enum": pa.string(),
    "money": pa.float64(),
    "price": pa.float64(),
    "number": pa.float64(),
    "integer": pa.int64(),
    "date": pa.date32(),
    "timestamp": TIMESTAMP_TYPE,
    "boolean": pa.bool_(),
}
