"""Reading the table files of the folder container: `<table>.csv` and `<table>.parquet`.

Both give a table with the file's own column names, as the other containers do. CSV is parsed by
pyarrow's multithreaded reader, so a million-row file costs no Python per row. Types are never
inferred: each column the contract types as dates, timestamps or booleans is parsed with that type
while reading, and when any value of the file does not parse, the whole file is read again as text,
so that validation can name each bad value as it was written. Numbers are read as text, which
validation parses by the format's one grammar of numbers.
Parquet columns are typed: a column stored with the contract's type is kept as the CSV fast path
would have read it; any other is written back as the text a submitter would have put in a CSV:
timestamps in ISO 8601 (UTC with `Z` when the column has a zone, without a zone otherwise, which
validation then reports), dates as `YYYY-MM-DD`, booleans as `true`/`false`, numbers and decimals
as their decimal text, never with an exponent.
"""

from __future__ import annotations

import codecs
import csv
import json
import mmap
import re
from collections import Counter
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from reporting.contract import TABLES, column_specs
from reporting.findings import Finding
from reporting.ingest.model import Limits, RawTable

UTF8_BOM = b"\xef\xbb\xbf"
FIRST_DATA_ROW = 2
"""Row number the submitter sees for the first data row: the column names are row 1."""
MAX_HEADER_BYTES = 1024**2
"""Longest first row searched for its end; a header longer than this is not one of the format."""
UTF8_CHECK_CHUNK = 1 << 22
"""Bytes decoded at a time when locating the first byte that is not UTF-8."""
# Anything but line breaks after the header: a data row, even of empty cells in a one-column table.
FileBytes = bytes | mmap.mmap
"""A file's contents: read into memory, or mapped (large table files)."""

BODY_TEXT = re.compile(rb"[^\r\n]")
NOT_BLANK = re.compile(rb"\S")


def table_from_csv(
    name: str, data: FileBytes, file: str, limits: Limits, threads: int = 1
) -> tuple[RawTable | None, list[Finding]]:
    """One CSV table: comma separated, UTF-8, first row = column names, empty cell = null.

    A UTF-8 byte order mark is accepted; CRLF and LF line endings both work; blank lines are skipped.
    The header record is parsed here and the body by pyarrow under generated unique names, so that
    duplicate column names survive to validation, which reports them. A quoted empty cell (`""`) is
    null too, as in every container. A malformed file (ragged rows, an unclosed quote) gives
    `file-unreadable` with the parser's message.
    """
    if not NOT_BLANK.search(data, len(UTF8_BOM) if data[: len(UTF8_BOM)] == UTF8_BOM else 0):
        return None, [Finding("file-unreadable", file, table=name, message="The file is empty.")]
    header_end = csv_header_end(data)
    if header_end is None:
        message = "Row 1 (the column names) is not complete CSV: a quote is not closed."
        return None, [Finding("file-unreadable", file, table=name, message=message)]
    try:
        header_text = data[:header_end].removeprefix(UTF8_BOM).decode("utf-8")
    except UnicodeDecodeError:
        return None, [encoding_finding(name, data, file)]
    try:
        names = next(csv.reader([header_text.removesuffix("\n").removesuffix("\r")]), [])
    except csv.Error as error:
        message = f"Row 1 (the column names) is not valid CSV: {error}."
        return None, [Finding("file-unreadable", file, table=name, message=message)]
    if not names:
        message = "Row 1 must hold the column names; it is empty."
        return None, [Finding("file-unreadable", file, table=name, message=message)]
    if not BODY_TEXT.search(data, header_end):
        arrays = [pa.array([], pa.string()) for _ in names]
        return RawTable(name=name, file=file, data=pa.table(arrays, names=names), first_row=FIRST_DATA_ROW), []
    keys = [f"column_{index}" for index in range(len(names))]
    body = pa.py_buffer(data).slice(header_end)
    # A quoted value may hold a line break, which the faster parallel line splitting would cut.
    parse = pa_csv.ParseOptions(newlines_in_values=data.find(b'"', header_end) >= 0)
    # Text that is all ASCII is valid UTF-8, so the parser need not check each value again; any other text is
    # checked value by value as it is read, which gives the same findings in the same order as it always has.
    ascii_only = is_ascii(body)
    try:
        try:
            # The fast path: parse each column with the contract's type while reading. Any value that
            # does not parse sends the whole table down the text path, where validation names it.
            # Enums stay text here: Arrow's CSV reader codes a column more slowly than validation then
            # looks its text up among the allowed values. Numbers stay text too: Arrow's parser takes what
            # the format's grammar refuses (` 5.00 `, `0x7`, `inf`) and drops digits a float cannot hold
            # (`5.150000000001`), and validation reads the written number by one grammar in every container.
            types = contract_types(name, names, code_enums=False, numbers=False)
            table = _read_csv_body(body, keys, parse, types, threads, ascii_only)
        except pa.ArrowInvalid:
            table = _read_csv_body(body, keys, parse, {}, threads, ascii_only)
    except pa.ArrowInvalid as error:
        if "invalid UTF8" in str(error):
            return None, [encoding_finding(name, data, file)]
        # pyarrow names the row ("Row #3: ") only when it parses in one thread: the finding must not depend on threads.
        reason = re.sub(r"Row #\d+: ", "", str(error))
        return None, [Finding("file-unreadable", file, table=name, message=f"The file is not valid CSV: {reason}.")]
    too_many = too_many_rows(name, table.num_rows, table.num_columns, file, limits)
    if too_many is not None:
        return None, [too_many]
    return RawTable(name=name, file=file, data=table.rename_columns(names), first_row=FIRST_DATA_ROW), []


def is_ascii(body: pa.Buffer) -> bool:
    """Whether every byte is below 0x80: one pass of numpy, a small part of parsing the same bytes."""
    return body.size == 0 or int(np.frombuffer(body, dtype=np.uint8).max()) < 0x80


def _read_csv_body(
    body: pa.Buffer,
    keys: list[str],
    parse: pa_csv.ParseOptions,
    types: dict[int, pa.DataType],
    threads: int,
    ascii_only: bool,
) -> pa.Table:
    column_types = {key: types.get(index, pa.string()) for index, key in enumerate(keys)}
    # With more than one thread, blocks are parsed in parallel: four per core share the work evenly (one
    # 32 MiB block would leave a 10 MB file to a single core), and blocks of a few MiB cost less to hand
    # round than pyarrow's 1 MiB.
    block_size = min(max(body.size // (4 * pa.cpu_count()), 1 << 20), 32 << 20)
    return pa_csv.read_csv(
        pa.BufferReader(body),
        read_options=pa_csv.ReadOptions(column_names=keys, block_size=block_size, use_threads=threads > 1),
        parse_options=parse,
        convert_options=pa_csv.ConvertOptions(
            check_utf8=not ascii_only,
            column_types=column_types,
            null_values=[""],
            true_values=["true"],
            false_values=["false"],
            strings_can_be_null=True,
            quoted_strings_can_be_null=True,
        ),
    )


ARROW_TYPES: dict[str, pa.DataType] = {
    "money": pa.float64(),
    "price": pa.float64(),
    "number": pa.float64(),
    "integer": pa.int64(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("ns", tz="UTC"),
    "boolean": pa.bool_(),
}


NUMBER_KINDS = frozenset({"money", "price", "number", "integer"})
CODED = pa.dictionary(pa.int32(), pa.string())
"""Tickers (and, from Parquet, enums) are read as codes into their distinct values: they repeat, and stay text."""


def contract_types(
    table: str, names: list[str], code_enums: bool = True, numbers: bool = True
) -> dict[int, pa.DataType]:
    """Arrow types for the columns, by position, that the contract types as other than plain text.

    Enum columns are coded only when `code_enums`; number columns (money, prices, numbers, integers) are
    typed only when `numbers`. Duplicated and unknown columns stay text, for
    validation to report as they are.
    """
    specs = {spec.name: spec for spec in column_specs(TABLES[table])} if table in TABLES else {}
    counts = Counter(names)
    types: dict[int, pa.DataType] = {}
    for index, column in enumerate(names):
        spec = specs.get(column)
        if spec is None or counts[column] > 1:
            continue
        if spec.kind in NUMBER_KINDS and not numbers:
            continue
        if spec.kind in ARROW_TYPES:
            types[index] = ARROW_TYPES[spec.kind]
        elif (spec.kind == "enum" and code_enums) or spec.is_ticker:
            types[index] = CODED
    return types


def csv_header_end(data: FileBytes) -> int | None:
    """Where the header record ends, just past its line break; None when it is not complete.

    A quoted column name may hold a line break, so the record ends at the first line break that
    follows an even number of quote characters. Only the first MAX_HEADER_BYTES are searched.
    """
    search_end = min(len(data), MAX_HEADER_BYTES)
    start = 0
    while True:
        newline = data.find(b"\n", start, search_end)
        if newline < 0 and len(data) > MAX_HEADER_BYTES:
            return None
        end = len(data) if newline < 0 else newline + 1
        if data[:end].count(b'"') % 2 == 0:
            return end
        if newline < 0:
            return None
        start = newline + 1


def encoding_finding(name: str, data: FileBytes, file: str) -> Finding:
    """A `file-encoding` finding naming the line of the first byte that is not UTF-8.

    Called only once the parser has failed, so a valid file is never decoded twice.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(data)
    for start in range(0, len(data), UTF8_CHECK_CHUNK):
        try:
            decoder.decode(view[start : start + UTF8_CHECK_CHUNK], final=start + UTF8_CHECK_CHUNK >= len(data))
        except UnicodeDecodeError as error:
            offset = start + error.start
            line = data[:offset].count(b"\n") + 1
            message = f"The file is not UTF-8 text: byte 0x{data[offset]:02X} on line {line} is not valid UTF-8."
            return Finding("file-encoding", file, table=name, message=message)
    return Finding("file-encoding", file, table=name, message="The file is not UTF-8 text.")


def table_from_parquet(
    name: str, data: FileBytes, file: str, limits: Limits, threads: int = 1
) -> tuple[RawTable | None, list[Finding]]:
    """One Parquet table: columns of the contract's type kept typed, the others as text; rows counted before reading.

    What the table expands to is bounded before it is decoded (`limits.max_parquet_expanded_bytes`): the
    uncompressed size the footer declares, and the text that dictionary-encoded columns expand to, counted on
    their codes. A few megabytes of Parquet can otherwise expand to gigabytes.
    """
    try:
        with pq.ParquetFile(pa.BufferReader(pa.py_buffer(data))) as parquet:
            # Row and column counts come from the footer, so an oversized table is refused unread.
            metadata = parquet.metadata
            too_many = too_many_rows(name, metadata.num_rows, metadata.num_columns, file, limits)
            if too_many is not None:
                return None, [too_many]
            declared = sum(metadata.row_group(index).total_byte_size for index in range(metadata.num_row_groups))
            if declared > limits.max_parquet_expanded_bytes:
                return None, [expands_too_far(name, declared, file, limits)]
            schema = parquet.schema_arrow
        types = contract_types(name, schema.names)
        # Enum and ticker columns are read as codes into their distinct values, as the CSV reader reads them; so
        # are text columns that may expand past their declared size, so that what they expand to can be counted
        # before they are decoded.
        compact = compact_columns(metadata)
        coded = [
            column
            for index, column in enumerate(schema.names)
            if pa.types.is_string(schema.field(index).type) and (types.get(index) == CODED or column in compact)
        ]
        with pq.ParquetFile(pa.BufferReader(pa.py_buffer(data)), read_dictionary=coded) as parquet:
            typed = parquet.read(use_threads=threads > 1)
    except (pa.ArrowException, OSError, ValueError, EOFError) as error:
        return None, [Finding("file-unreadable", file, table=name, message=f"The file is not valid Parquet: {error}.")]
    expanded = sum(decoded_bytes(column) for column in typed.columns)
    if expanded > limits.max_parquet_expanded_bytes:
        return None, [expands_too_far(name, expanded, file, limits)]
    arrays = []
    for index, (column_name, column) in enumerate(zip(typed.column_names, typed.columns, strict=True)):
        kept = kept_typed(column, types.get(index))
        if kept is not None:
            arrays.append(kept)
            continue
        try:
            arrays.append(text_of_column(column))
        except pa.ArrowInvalid as error:
            # Binary columns are the one cast that fails on submitted data: bytes that are not UTF-8.
            code = "file-encoding" if "UTF8" in str(error) else "file-unreadable"
            message = f"Column '{column_name}' could not be read as UTF-8 text: {error}."
            return None, [Finding(code, file, table=name, column=column_name, message=message)]
    data_table = pa.table(arrays, names=typed.column_names) if arrays else pa.table({})
    return RawTable(name=name, file=file, data=data_table, first_row=FIRST_DATA_ROW), []


def compact_columns(metadata: pq.FileMetaData) -> set[str]:
    """Columns declared in under 4 bytes a value: only a dictionary's codes are that small (a plain text value
    takes 4 bytes of length alone), and only such a column can decode to far more than its declared size."""
    declared: Counter[str] = Counter()
    values: Counter[str] = Counter()
    for group in range(metadata.num_row_groups):
        row_group = metadata.row_group(group)
        for index in range(row_group.num_columns):
            column = row_group.column(index)
            declared[column.path_in_schema] += column.total_uncompressed_size
            values[column.path_in_schema] += column.num_values
    return {name for name, count in values.items() if declared[name] < 4 * count}


def decoded_bytes(column: pa.ChunkedArray) -> int:
    """Bytes of text a dictionary-encoded column holds once decoded (the length of each row's value); 0 otherwise."""
    if not pa.types.is_dictionary(column.type):
        return 0
    total = 0
    for chunk in column.chunks:
        lengths = pc.binary_length(chunk.dictionary)
        total += pc.sum(pc.take(lengths, chunk.indices)).as_py() or 0
    return total


def expands_too_far(name: str, size: int, file: str, limits: Limits) -> Finding:
    message = (
        f"Table '{name}' expands to {size:,} bytes once decompressed; "
        f"the limit is {limits.max_parquet_expanded_bytes:,}."
    )
    return Finding("file-zip-bomb", file, table=name, message=message)


def kept_typed(column: pa.ChunkedArray, target: pa.DataType | None) -> pa.ChunkedArray | None:
    """The column as the contract's type when Parquet already stores it so, as the CSV fast path reads it.

    Integers widen to int64, decimals become the nearest float64 (as their text would parse), zoned
    timestamps of any unit become UTC nanoseconds (the same instants), and enum and ticker columns read
    as codes stay coded.
    Anything else (naive timestamps, float32, text) returns None and goes to text, where
    validation names each bad value as the submitter would have written it.
    """
    kind = column.type
    if target is None:
        return None
    if target == CODED:
        # Codes into text values; an empty value is a missing one, which the text path makes null.
        if kind != CODED or any(pc.any(pc.equal(chunk.dictionary, "")).as_py() for chunk in column.chunks):
            return None
        return column
    if kind == target:
        return column
    if pa.types.is_decimal(kind) and target == pa.float64():
        return floats_of_decimals(column)
    widens = pa.types.is_integer(kind) and target == pa.int64()
    zoned = pa.types.is_timestamp(kind) and kind.tz is not None and pa.types.is_timestamp(target)
    if not (widens or zoned):
        return None
    try:
        return column.cast(target)
    except pa.ArrowInvalid:  # out of the target's range: the text path reports it
        return None


EXACT_INTEGER = 2**53
"""Integers below this in magnitude are exact in float64."""
MAX_EXACT_SCALE = 22
"""10.0 ** scale is exact in float64 up to this scale."""


def floats_of_decimals(column: pa.ChunkedArray) -> pa.ChunkedArray | None:
    """decimal128 values as the float64 their decimal text parses to; None when that cannot be exact.

    Arrow's own cast may be one unit in the last place off. An unscaled integer below 2**53 and a power
    of ten up to 10**22 are exact in float64, and IEEE division rounds their quotient correctly, which is
    what parsing the text does.
    """
    kind = column.type
    if kind.byte_width != 16 or not 0 <= kind.scale <= MAX_EXACT_SCALE:
        return None
    chunks = []
    for chunk in column.chunks:
        words = np.frombuffer(chunk.buffers()[1], dtype=np.int64)[2 * chunk.offset : 2 * (chunk.offset + len(chunk))]
        low, high = words[0::2], words[1::2]  # little-endian two's complement halves
        exact = (high == (low >> 63)) & (np.abs(low) < EXACT_INTEGER)
        missing = np.asarray(chunk.is_null()) if chunk.null_count else np.zeros(len(chunk), dtype=bool)
        if not (exact | missing).all():
            return None
        values = low.astype(np.float64) / 10.0**kind.scale
        chunks.append(pa.array(values, pa.float64(), mask=missing if chunk.null_count else None))
    return pa.chunked_array(chunks, pa.float64())


def text_of_column(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """A typed Parquet column as the text a submitter would have written in CSV; "" becomes null."""
    kind = column.type
    if pa.types.is_dictionary(kind):
        return text_of_column(column.cast(kind.value_type))
    if pa.types.is_timestamp(kind):
        return text_of_timestamps(column)
    if pa.types.is_floating(kind):
        return text_of_floats(column)
    if pa.types.is_nested(kind):
        # No CSV text exists for a list or a struct; its JSON text lets validation name the bad value.
        values = [None if value is None else json.dumps(value, default=str) for value in column.to_pylist()]
        return pa.chunked_array([pa.array(values, pa.string())])
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        text = column
    else:
        try:
            text = column.cast(pa.string())
        except pa.ArrowNotImplementedError:
            values = [None if value is None else str(value) for value in column.to_pylist()]
            return pa.chunked_array([pa.array(values, pa.string())])
    # An empty string is an empty cell, as in CSV; most columns have none, and are kept without a copy.
    if not pc.any(pc.equal(pc.binary_length(text), 0)).as_py():
        return text
    return pc.if_else(pc.equal(text, ""), pa.scalar(None, text.type), text)


def text_of_floats(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Shortest decimal digits of each float, written without an exponent (`1.5e-07` → `0.00000015`).

    Money in billions would otherwise come out as `1.2345678901e+10`, which is not a plain number.
    Only the values that pyarrow writes with an exponent take the slower Python path.
    """
    text = column.cast(pa.string())
    if not pc.any(pc.match_substring(text, "e")).as_py():
        return text
    values = [value if value is None or "e" not in value else format(Decimal(value), "f") for value in text.to_pylist()]
    return pa.chunked_array([pa.array(values, pa.string())])


def text_of_timestamps(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """ISO 8601 text: `2025-11-03T14:00:00Z` in UTC for a zoned column, no zone for a naive one.

    Fractional seconds are written only for the values that have them.
    """
    unit = column.type.unit
    suffix = "Z" if column.type.tz is not None else ""
    # Zoned timestamps are stored as UTC instants; relabelling the zone as UTC leaves them unchanged.
    instants = column.cast(pa.timestamp(unit, tz="UTC")) if suffix else column
    seconds = pc.cast(instants, pa.timestamp("s", tz=instants.type.tz), safe=False)
    whole = pc.strftime(seconds, format=f"%Y-%m-%dT%H:%M:%S{suffix}")
    if unit == "s":
        return whole
    fractional = pc.strftime(instants, format=f"%Y-%m-%dT%H:%M:%S{suffix}")
    return pc.if_else(pc.equal(pc.cast(seconds, instants.type), instants), whole, fractional)


def too_many_rows(name: str, rows: int, columns: int, file: str, limits: Limits) -> Finding | None:
    """A `table-too-many-rows` finding when a table is over the row or cell limit."""
    if rows > limits.max_rows:
        message = f"Table '{name}' has {rows:,} rows; the limit is {limits.max_rows:,}."
    elif rows * columns > limits.max_cells:
        message = f"Table '{name}' has {rows * columns:,} cells; the limit is {limits.max_cells:,}."
    else:
        return None
    return Finding("table-too-many-rows", file, table=name, message=message)
