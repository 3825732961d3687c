"""Reading submissions off disk: finding them in a submissions folder, then reading each one.

Every file is opened the same guarded way: never through a symbolic link, never a device or a pipe,
its size checked before a byte is read, and its SHA-256 recorded for the lineage of the report. Bad
input gives findings, never an exception; only faults of the program or of the machine raise.

Paths in findings, in `RawSubmission.source` and in `RawTable.file` are relative to the submissions
folder, with `/` separators. When the folder given is itself one submission, paths start with its
name (`acme-2025-10/open_interest.csv`), as they would inside a submissions folder.
"""

from __future__ import annotations

import errno
import hashlib
import mmap
import os
import re
import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Literal, overload

from reporting.contract import TABLES
from reporting.findings import Finding
from reporting.ingest.folder import table_from_csv, table_from_parquet
from reporting.ingest.jsondoc import decode_json, header_from_json, submission_from_json_document
from reporting.ingest.model import Container, InputFile, Limits, RawSubmission, RawTable
from reporting.ingest.workbook import submission_from_workbook

DEFAULT_LIMITS = Limits()
HASHER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sha256")
"""Computes the SHA-256 of large table files in the background. A forked child (a validation worker) makes its
own: the parent's thread does not live on in it."""
FOLDER_NOTES = frozenset({"README.md", "README.txt"})
"""Notes a supervisor may keep beside the submissions; they are not submissions and are not read."""
HEADER_FILE = "submission.json"
WORKBOOK_SUFFIX = ".xlsx"
JSON_SUFFIX = ".json"
NOT_ONE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
"""Characters that would break a file name's line in text output or a cell: controls and line separators."""
TABLE_READERS = {".csv": table_from_csv, ".parquet": table_from_parquet}

# O_NOFOLLOW refuses a link in the last path component; O_NONBLOCK keeps opening a named pipe from
# waiting for a writer, so that the file-type check after opening is reached.
OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)


def _new_hasher() -> None:
    global HASHER
    HASHER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sha256")


os.register_at_fork(after_in_child=_new_hasher)


def discover_submissions(folder: Path, limits: Limits = DEFAULT_LIMITS) -> tuple[list[Path], list[Finding]]:
    """The submissions in a submissions folder, sorted by name, and findings on everything else in it.

    A submission is a subfolder holding `submission.json`, an `.xlsx` workbook or a `.json` document.
    Links, devices, pipes and names with `..` give `file-unsafe-path` and are never followed; other
    entries give `file-unrecognised`; hidden entries (name starting with '.') and a folder's notes
    (README.md, README.txt) are skipped silently.
    When `folder` is itself one submission, it is the only one returned. A folder that holds both a
    `submission.json` and submissions (see `holds_submissions`) is a submissions folder whose stray
    `submission.json` gives `file-unrecognised`.
    Nothing is read here, so `limits` is unused; it is taken for symmetry with `read_submission`.

    Raises FileNotFoundError when `folder` does not exist: that is a usage error, not bad data.
    """
    del limits
    if is_submission(folder) and not (folder.is_dir() and holds_submissions(folder)):
        return [folder], []
    if not folder.is_dir():
        if not folder.exists():
            raise FileNotFoundError(errno.ENOENT, "No such file or folder", str(folder))
        message = "This is not a submission: give a submission folder, an .xlsx workbook or a .json document."
        return [], [Finding("file-unrecognised", printable(folder.name), message=message)]
    submissions: list[Path] = []
    findings: list[Finding] = []
    with os.scandir(folder) as scan:
        entries = sorted(scan, key=lambda entry: entry.name)
    for entry in entries:
        if entry.name.startswith(".") or entry.name in FOLDER_NOTES:
            continue
        file = printable(entry.name)
        unsafe = unsafe_entry_reason(entry)
        if unsafe:
            findings.append(Finding("file-unsafe-path", file, message=f"This {unsafe}; it was not read."))
        elif entry.name == HEADER_FILE:
            message = f"A {HEADER_FILE} beside submissions belongs in a submission's own folder; it was not read."
            findings.append(Finding("file-unrecognised", file, message=message))
        elif entry.is_dir(follow_symlinks=False):
            if os.path.lexists(os.path.join(entry.path, HEADER_FILE)):
                submissions.append(folder / entry.name)
            else:
                message = f"This folder has no {HEADER_FILE}, so it is not a submission; it was not read."
                findings.append(Finding("file-unrecognised", file, message=message))
        elif Path(entry.name).suffix.lower() in (WORKBOOK_SUFFIX, JSON_SUFFIX):
            submissions.append(folder / entry.name)
        else:
            message = "This file is not a submission (a folder, an .xlsx workbook or a .json document); not read."
            findings.append(Finding("file-unrecognised", file, message=message))
    return submissions, findings


def read_submission(
    path: Path, root: Path, limits: Limits = DEFAULT_LIMITS, hashed: bool = True, threads: int = 1
) -> RawSubmission:
    """Read one submission (folder, workbook or JSON document) found in the submissions folder `root`.

    Every value comes back as submitted text (null for empty); problems with files and containers
    come back as findings on the RawSubmission. `files` lists every file opened, with its SHA-256
    unless `hashed` is false (validation alone reports no hashes, so it need not compute them). Table
    files are parsed in `threads` threads.
    """
    base = root.parent if path == root else root
    source = relative(path, base)
    container = container_of(path)
    if path != root and path.is_symlink():
        submission = RawSubmission(source=source, container=container, header_file=source, header=None)
        submission.findings.append(Finding("file-unsafe-path", source, message="This is a link; it was not read."))
        return submission
    if container == "folder":
        return read_folder(path, source, limits, hashed, threads)
    submission = RawSubmission(source=source, container=container, header_file=source, header=None)
    if path.suffix.lower() not in (WORKBOOK_SUFFIX, JSON_SUFFIX):
        message = "This file is not a submission: give a submission folder, an .xlsx workbook or a .json document."
        submission.findings.append(Finding("file-unrecognised", source, message=message))
        return submission
    # A submission given directly may be a link the user chose; inside a folder, links are refused.
    chosen = path == root
    data = read_file(path.resolve() if chosen else path, source, limits, submission, hashed=hashed, chosen=chosen)
    if data is None:
        return submission
    if container == "workbook":
        header, tables, findings = submission_from_workbook(data, source, limits)
    else:
        document, findings = decode_json(data, source)
        header, tables = None, {}
        if not findings:
            header, tables, findings = submission_from_json_document(document, source, limits)
    submission.header = header
    submission.tables = tables
    submission.findings += findings
    return submission


def read_folder(path: Path, source: str, limits: Limits, hashed: bool = True, threads: int = 1) -> RawSubmission:
    """A folder submission: `submission.json` and one `<table>.csv` or `<table>.parquet` per table."""
    submission = RawSubmission(source=source, container="folder", header_file=f"{source}/{HEADER_FILE}", header=None)
    try:
        with os.scandir(path) as scan:
            entries = sorted(scan, key=lambda entry: entry.name)
    except OSError as error:
        message = f"The folder could not be listed: {error.strerror}."
        submission.findings.append(Finding("file-unreadable", source, message=message))
        return submission
    header_entry = None
    header_refused = False
    table_entries: dict[str, list[os.DirEntry[str]]] = {}
    for entry in entries:
        if entry.name.startswith("."):
            continue
        file = f"{source}/{printable(entry.name)}"
        stem, suffix = os.path.splitext(entry.name)
        unsafe = unsafe_entry_reason(entry)
        if unsafe:
            submission.findings.append(Finding("file-unsafe-path", file, message=f"This {unsafe}; it was not read."))
            header_refused = header_refused or entry.name == HEADER_FILE
        elif entry.name == HEADER_FILE:
            header_entry = entry
        elif stem in TABLES and suffix in TABLE_READERS and entry.is_file(follow_symlinks=False):
            table_entries.setdefault(stem, []).append(entry)
        else:
            message = "This is not a table of the format (<table>.csv or <table>.parquet); it was not read."
            submission.findings.append(Finding("table-unknown", file, message=message))

    if header_entry is not None:
        data = read_file(Path(header_entry.path), submission.header_file, limits, submission, hashed=hashed)
        if data is not None:
            value, findings = decode_json(data, submission.header_file)
            if not findings:
                submission.header, findings = header_from_json(value, submission.header_file)
            submission.findings += findings
    elif not header_refused:
        message = f"The folder has no {HEADER_FILE} (the header)."
        submission.findings.append(
            Finding("file-unreadable", submission.header_file, table="submission", message=message)
        )

    for name, found in table_entries.items():
        if len(found) > 1:
            files = " and ".join(entry.name for entry in found)
            message = f"Table '{name}' is sent twice, as {files}; neither was read."
            # One finding per file, so that every file of the folder is accounted for in the report.
            submission.findings += [
                Finding("file-duplicate-table", f"{source}/{printable(entry.name)}", table=name, message=message)
                for entry in found
            ]
            continue
        file = f"{source}/{found[0].name}"
        table = read_table_file(Path(found[0].path), name, file, limits, submission, hashed, threads)
        if table is not None:
            submission.tables[name] = table
    return submission


def read_table_file(
    path: Path, name: str, file: str, limits: Limits, submission: RawSubmission, hashed: bool = True, threads: int = 1
) -> RawTable | None:
    """One table file of a folder submission, parsed in `threads` threads; findings go to `submission`."""
    data = read_file(path, file, limits, submission, mapped=True, hashed=hashed)
    if data is None:
        return None
    table, findings = TABLE_READERS[path.suffix](name, data, file, limits, threads)
    submission.findings += findings
    return table


@overload
def read_file(
    path: Path,
    file: str,
    limits: Limits,
    submission: RawSubmission,
    mapped: Literal[False] = ...,
    hashed: bool = ...,
    chosen: bool = ...,
) -> bytes | None: ...


@overload
def read_file(
    path: Path,
    file: str,
    limits: Limits,
    submission: RawSubmission,
    mapped: Literal[True],
    hashed: bool = ...,
    chosen: bool = ...,
) -> bytes | mmap.mmap | None: ...


def read_file(
    path: Path,
    file: str,
    limits: Limits,
    submission: RawSubmission,
    mapped: bool = False,
    hashed: bool = True,
    chosen: bool = False,
) -> bytes | mmap.mmap | None:
    """The bytes of one plain file, recorded in `submission.files` (with its SHA-256 when `hashed`); None,
    with a finding, when refused. `mapped` maps the file instead of reading it.

    The file is opened without following links and checked to be a regular file of at most
    `limits.max_file_bytes` before it is read. A file over the limit is not read, so not recorded.
    A file with other names (a hard link, which may be a name for a file outside the folder) is refused,
    unless it is the submission the user `chosen` to validate.
    """
    try:
        descriptor = os.open(path, OPEN_FLAGS)
    except OSError as error:
        if error.errno == errno.ELOOP:
            submission.findings.append(Finding("file-unsafe-path", file, message="This is a link; it was not read."))
        else:
            message = f"The file could not be opened: {error.strerror}."
            submission.findings.append(Finding("file-unreadable", file, message=message))
        return None
    try:
        with os.fdopen(descriptor, "rb") as stream:
            status = os.fstat(stream.fileno())
            if not stat.S_ISREG(status.st_mode):
                message = "This is not a plain file (a device, pipe or socket); it was not read."
                submission.findings.append(Finding("file-unsafe-path", file, message=message))
                return None
            if status.st_nlink > 1 and not chosen:
                message = "This file has other names (hard links), so it may be a file outside the folder; not read."
                submission.findings.append(Finding("file-unsafe-path", file, message=message))
                return None
            if status.st_size > limits.max_file_bytes:
                submission.findings.append(too_large(file, status.st_size, limits))
                return None
            data: bytes | mmap.mmap
            if mapped and status.st_size > 0:
                # Large table files are mapped rather than copied; the parsers read them in place.
                data = mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ)
            else:
                data = stream.read(limits.max_file_bytes + 1)
    except OSError as error:
        message = f"The file could not be read: {error.strerror}."
        submission.findings.append(Finding("file-unreadable", file, message=message))
        return None
    if len(data) > limits.max_file_bytes:  # it grew after the size check
        submission.findings.append(too_large(file, len(data), limits))
        return None
    # Hashing a large file costs a fair part of parsing it; it runs in the background, on a core
    # that parsing or the later checks leave free (hashlib releases the GIL).
    digest = HASHER.submit(lambda: hashlib.sha256(data).hexdigest()) if hashed else None
    submission.files.append(InputFile(path=file, bytes=len(data), digest=digest))
    return data


def too_large(file: str, size: int, limits: Limits) -> Finding:
    message = f"The file has {size:,} bytes; the limit is {limits.max_file_bytes:,}."
    return Finding("file-too-large", file, message=message)


def is_submission(path: Path) -> bool:
    """Whether a path is one submission: a folder with `submission.json`, or an .xlsx or .json file."""
    if path.is_dir():
        return os.path.lexists(path / HEADER_FILE)
    return path.is_file() and path.suffix.lower() in (WORKBOOK_SUFFIX, JSON_SUFFIX)


def holds_submissions(folder: Path) -> bool:
    """Whether a folder holding `submission.json` holds submissions of its own: a subfolder with its own
    `submission.json`, or .xlsx workbooks and .json documents with no table file (`<table>.csv`,
    `<table>.parquet`) beside them. A submission folder holds tables, and nothing of the kind."""
    documents = tables = False
    with os.scandir(folder) as scan:
        for entry in scan:
            if entry.name.startswith(".") or entry.name == HEADER_FILE or entry.is_symlink():
                continue
            stem, suffix = os.path.splitext(entry.name)
            if entry.is_dir(follow_symlinks=False):
                if os.path.lexists(os.path.join(entry.path, HEADER_FILE)):
                    return True
            elif suffix.lower() in (WORKBOOK_SUFFIX, JSON_SUFFIX):
                documents = True
            elif stem in TABLES and suffix in TABLE_READERS:
                tables = True
    return documents and not tables


def container_of(path: Path) -> Container:
    """The container a path is read as: a folder, else by its suffix (.xlsx workbook, else JSON)."""
    if path.is_dir() and not path.is_symlink():
        return "folder"
    return "workbook" if path.suffix.lower() == WORKBOOK_SUFFIX else "json"


def unsafe_entry_reason(entry: os.DirEntry[str]) -> str | None:
    """Why a folder entry must not be read ('is a link', ...), or None for a plain file or folder."""
    if ".." in entry.name:
        return "name holds '..'"
    if entry.is_symlink():
        return "is a link"
    if not (entry.is_file(follow_symlinks=False) or entry.is_dir(follow_symlinks=False)):
        return "is not a plain file (a device, pipe or socket)"
    return None


def relative(path: Path, base: Path) -> str:
    """A path relative to `base`, with `/` separators, printable even when the name is not UTF-8."""
    return printable(path.relative_to(base).as_posix())


def printable(name: str) -> str:
    """A file name (or any text) on one line: bytes that are not UTF-8 (kept by Python as surrogates), lone
    surrogates, control characters and line separators become escapes (`caf\\xe9.json`, `a\\nb.json`)."""
    try:
        text = name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a surrogate that no undecodable byte gives
        text = name.encode("utf-8", "backslashreplace").decode("utf-8")
    return NOT_ONE_LINE.sub(lambda found: found.group().encode("unicode_escape").decode(), text)
