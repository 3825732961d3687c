"""Reading JSON: the JSON document container and the `submission.json` header of a folder.

Numbers are parsed as the text written (`parse_float=str`, `parse_int=str`), so `1250.10` stays
`"1250.10"` and money keeps its exact cents. Every value becomes text or null by the same rules as
the other containers: strings as written (an empty string is an empty cell, so null), numbers as
written, `true`/`false`, null. A nested object or array used as a value is kept as its JSON text;
validation then rejects it like any other malformed value.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pyarrow as pa

from reporting.contract import HEADER_TABLE, TABLES
from reporting.findings import Finding
from reporting.ingest.model import Limits, RawTable

UTF8_BOM = "\ufeff"
DOCUMENT_KEYS = (HEADER_TABLE, "tables")
MAX_DEPTH = 64
"""Deepest nesting of arrays and objects read. A document nests four deep (document, tables, rows, row); the
bound is checked before parsing, so that no parse depends on the stack left to the thread that runs it."""
SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
"""A `\\uD800`-`\\uDFFF` escape: half of a pair, or a lone surrogate, which is no character."""


class DuplicateKeyError(ValueError):
    """A JSON object names a key twice."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def decode_json(data: bytes, file: str) -> tuple[object, list[Finding]]:
    """Parse UTF-8 JSON text (a leading BOM is accepted); on failure, None and one finding.

    A document nested deeper than MAX_DEPTH, an object naming a key twice (which one would count?) and a lone
    surrogate (`"\\ud800"`, which no UTF-8 text can hold) are refused.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        return None, [Finding("file-encoding", file, message=f"The file is not UTF-8 text: {error}.")]
    text = text.removeprefix(UTF8_BOM)
    if not text.strip():
        return None, [Finding("file-unreadable", file, message="The file is empty.")]
    if json_depth(data) > MAX_DEPTH:
        message = f"The JSON is nested more than {MAX_DEPTH} levels deep; a submission nests four."
        return None, [Finding("file-unreadable", file, message=message)]
    try:
        # parse_constant keeps NaN/Infinity as text, for validation to reject as not-a-number.
        document = json.loads(
            text, parse_float=str, parse_int=str, parse_constant=str, object_pairs_hook=object_of_unique_keys
        )
    except json.JSONDecodeError as error:
        return None, [Finding("file-unreadable", file, message=f"The file is not valid JSON: {error}.")]
    except DuplicateKeyError as error:
        message = f"An object of the JSON names the key {error.key!r} twice; write each key once."
        return None, [Finding("json-duplicate-key", file, message=message)]
    except RecursionError:
        return None, [Finding("file-unreadable", file, message="The JSON is nested too deeply to read.")]
    if SURROGATE_ESCAPE.search(text):
        try:
            json.dumps(document, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError as error:
            lone = error.object[error.start : error.end].encode("unicode_escape").decode()
            message = f"The JSON holds a lone surrogate ({lone}), which is not a character; write the text as UTF-8."
            return None, [Finding("file-encoding", file, message=message)]
    return document, []


def object_of_unique_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    """A JSON object as a dict; DuplicateKeyError when it names a key twice."""
    value = dict(pairs)
    if len(value) < len(pairs):
        seen: set[str] = set()
        raise DuplicateKeyError(next(key for key, _ in pairs if key in seen or seen.add(key)))  # type: ignore[func-returns-value]
    return value


def json_depth(data: bytes) -> int:
    """The deepest nesting of arrays and objects in JSON text, counted on its bytes with no Python per byte.

    Brackets inside strings do not count: a quote opens or closes a string unless an odd run of backslashes
    precedes it. On text that is not JSON the count means nothing, and parsing then fails anyway.
    """
    raw = np.frombuffer(data, dtype=np.uint8)
    brackets = np.flatnonzero(np.isin(raw, np.frombuffer(b"[]{}", dtype=np.uint8)))
    quotes = np.flatnonzero(raw == ord('"'))
    backslash = raw == ord("\\")
    if backslash.any() and len(quotes):
        positions = np.arange(len(raw))
        last_other = np.maximum.accumulate(np.where(backslash, -1, positions))  # last byte that is no backslash
        run = np.where(quotes > 0, quotes - 1 - last_other[np.maximum(quotes - 1, 0)], 0)
        quotes = quotes[run % 2 == 0]
    outside = np.searchsorted(quotes, brackets) % 2 == 0
    kinds = raw[brackets[outside]]
    steps = np.where((kinds == ord("[")) | (kinds == ord("{")), 1, -1)
    return int(np.cumsum(steps).max(initial=0))


def text_of_json_value(value: object) -> str | None:
    """The submitted text of one JSON value (numbers already arrive as their text)."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value
    if value is True:
        return "true"
    if value is False:
        return "false"
    return json.dumps(value, ensure_ascii=False)


def header_from_json(value: object, file: str) -> tuple[dict[str, str | None] | None, list[Finding]]:
    """The header fields of a parsed JSON object; None and a finding when it is not an object."""
    if not isinstance(value, dict):
        message = f"The header must be a JSON object of fields, not {json_kind(value)}."
        return None, [Finding("file-unreadable", file, table=HEADER_TABLE, message=message)]
    return {str(key): text_of_json_value(item) for key, item in value.items()}, []


def table_from_json_rows(name: str, rows: object, file: str, limits: Limits) -> tuple[RawTable | None, list[Finding]]:
    """One table of a JSON document: an array of row objects, columns in the order keys first appear.

    A row that is not an object gives a finding and is kept as an empty row, so the index of every
    other row stays the one the submitter sees.
    """
    if not isinstance(rows, list):
        message = f"Table '{name}' must be an array of row objects, not {json_kind(rows)}."
        return None, [Finding("file-unreadable", file, table=name, message=message)]
    if len(rows) > limits.max_rows:
        message = f"Table '{name}' has {len(rows):,} rows; the limit is {limits.max_rows:,}."
        return None, [Finding("table-too-many-rows", file, table=name, message=message)]
    columns: dict[str, None] = {}
    bad_rows = []
    for index, row in enumerate(rows):
        if isinstance(row, dict):
            columns.update(dict.fromkeys(row))
        else:
            bad_rows.append(index)
    if len(rows) * len(columns) > limits.max_cells:
        message = f"Table '{name}' has {len(rows) * len(columns):,} cells; the limit is {limits.max_cells:,}."
        return None, [Finding("table-too-many-rows", file, table=name, message=message)]
    findings = []
    if bad_rows:
        others = f" ({len(bad_rows)} rows are not objects)" if len(bad_rows) > 1 else ""
        message = f"Row {bad_rows[0]} of table '{name}' is {json_kind(rows[bad_rows[0]])}, not an object{others}."
        findings.append(Finding("file-unreadable", file, table=name, row=bad_rows[0], message=message))
    objects = [row if isinstance(row, dict) else {} for row in rows]
    arrays = [pa.array([text_of_json_value(row.get(column)) for row in objects], pa.string()) for column in columns]
    data = pa.table(arrays, names=list(columns)) if columns else pa.table({})
    return RawTable(name=name, file=file, data=data, first_row=0), findings


def submission_from_json_document(
    document: object, file: str, limits: Limits
) -> tuple[dict[str, str | None] | None, dict[str, RawTable], list[Finding]]:
    """Header, tables and findings of a parsed JSON document `{"submission": {...}, "tables": {...}}`."""
    if not isinstance(document, dict):
        message = f"The document must be a JSON object with 'submission' and 'tables', not {json_kind(document)}."
        return None, {}, [Finding("file-unreadable", file, message=message)]
    findings: list[Finding] = []
    if HEADER_TABLE in document:
        header, found = header_from_json(document[HEADER_TABLE], file)
        findings += found
    else:
        header = None
        message = "The document has no 'submission' object (the header)."
        findings.append(Finding("file-unreadable", file, table=HEADER_TABLE, message=message))
    for key in document:
        if key not in DOCUMENT_KEYS:
            message = f"Key '{key}' is not part of the format and was not read; use 'submission' and 'tables'."
            findings.append(Finding("table-unknown", file, table=str(key), message=message))
    tables: dict[str, RawTable] = {}
    submitted = document.get("tables", {})
    if not isinstance(submitted, dict):
        message = f"'tables' must be an object of tables by name, not {json_kind(submitted)}."
        return header, tables, [*findings, Finding("file-unreadable", file, message=message)]
    for name, rows in submitted.items():
        if name not in TABLES:
            message = f"Table '{name}' is not a table of the format and was not read."
            findings.append(Finding("table-unknown", file, table=str(name), message=message))
            continue
        table, found = table_from_json_rows(name, rows, file, limits)
        findings += found
        if table is not None:
            tables[name] = table
    return header, tables, findings


def json_kind(value: object) -> str:
    """How a JSON value is named in messages: 'an array', 'a string', ..."""
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, bool):
        return "a boolean"
    if value is None:
        return "null"
    # Numbers arrive as text (parse_int/parse_float), so they read as text here.
    return "a string or number"
