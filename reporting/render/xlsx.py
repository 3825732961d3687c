"""Workbook bytes that depend on the workbook only: the same cells give the same file."""

from __future__ import annotations

import io
import re
from zipfile import ZIP_DEFLATED, ZIP_STORED, ZipFile, ZipInfo

from openpyxl import Workbook
from openpyxl.writer.excel import ExcelWriter

ZIP_ENTRY_TIME = (2000, 1, 1, 0, 0, 0)
NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
"""Characters that XML 1.0, so a workbook cell, cannot hold: C0 controls but tab and line breaks, surrogates."""


def cell_text(text: str) -> str:
    """Text a cell can hold: each character XML cannot hold written as its escape (`\\x1b`, `\\ud800`).

    File names, readers' messages and submitted values all reach cells; validation refuses controls in
    values, but a message may quote the bytes of a corrupt file, and nothing may crash the workbook.
    """
    return NOT_XML.sub(lambda found: found.group().encode("unicode_escape", "backslashreplace").decode(), text)


def xlsx_bytes(workbook: Workbook) -> bytes:
    """The `.xlsx` bytes of a workbook, with every zip entry stamped ZIP_ENTRY_TIME.

    openpyxl stamps zip entries with the time of writing (and write-only sheets with the time of
    their temporary files), so two saves of one workbook would differ. The caller fixes the
    document properties (created, modified), which are workbook content. openpyxl's own zip is left
    uncompressed: its entries are compressed once, as they are copied with the fixed stamp.
    """
    scratch = io.BytesIO()
    ExcelWriter(workbook, ZipFile(scratch, "w", ZIP_STORED, allowZip64=True)).save()
    packed = io.BytesIO()
    with ZipFile(scratch) as source, ZipFile(packed, "w", ZIP_DEFLATED) as target:
        for entry in source.infolist():
            fixed = ZipInfo(entry.filename, date_time=ZIP_ENTRY_TIME)
            fixed.compress_type = ZIP_DEFLATED
            target.writestr(fixed, source.read(entry))
    return packed.getvalue()
