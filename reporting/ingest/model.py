"""What the ingest stage produces: submissions read off disk, every value still as submitted text."""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, Literal

import pyarrow as pa

from reporting.findings import Finding

Container = Literal["folder", "workbook", "json", "unrecognised"]


@dataclass(frozen=True)
class Limits:
    """Limits on what a submitter may send; anything over a limit gives a finding, not a crash."""

    max_file_bytes: int = 4 * 1024**3
    max_rows: int = 50_000_000
    max_cells: int = 600_000_000
    max_xlsx_uncompressed_bytes: int = 1024**3
    max_xlsx_zip_ratio: float = 200.0
    max_xlsx_cells: int = 5_000_000
    max_parquet_expanded_bytes: int = 2 * 1024**3


@dataclass(frozen=True)
class InputFile:
    """A file that was read, for the manifest and the lineage sheet.

    Its SHA-256 is of the very bytes that were parsed; for large table files it is computed in the
    background while the file is parsed and checked, and `sha256` waits for it. It is None when the
    file was read without hashing (validation alone reports no hashes).
    """

    path: str
    bytes: int
    digest: Future[str] | None = field(repr=False, compare=False)

    @property
    def sha256(self) -> str | None:
        return None if self.digest is None else self.digest.result()

    def __reduce__(self) -> tuple[Any, ...]:
        # Sent from a worker process to its parent: with the SHA-256 finished, not a Future.
        return (_hashed_file, (self.path, self.bytes, self.sha256))


def _hashed_file(path: str, size: int, sha256: str | None) -> InputFile:
    digest: Future[str] | None = None
    if sha256 is not None:
        digest = Future()
        digest.set_result(sha256)
    return InputFile(path, size, digest)


@dataclass
class RawTable:
    """One table as submitted.

    `data` has one column per column of the file, in file order, with the file's own column names
    (duplicates and unknown names included: validation reports them). An empty cell is null. Columns
    are text, except where a reader could already parse every value with the contract's type (the
    fast path for clean CSV files).
    `first_row` is the row number the submitter sees for the first data row: 2 for CSV, Parquet and
    sheets (the header is row 1), 0 for a JSON array.
    """

    name: str
    file: str
    data: pa.Table
    first_row: int


@dataclass
class RawSubmission:
    """One submission as read from one folder, workbook or JSON document.

    `header` maps header field names to their submitted text (None for empty); it is None when the
    header could not be read at all. `findings` holds the problems met while reading (file level).
    """

    source: str
    container: Container
    header_file: str
    header: dict[str, str | None] | None
    tables: dict[str, RawTable] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    files: list[InputFile] = field(default_factory=list)
