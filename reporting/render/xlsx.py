"""Workbook bytes that depend on the workbook only: the same cells give the same file."""

from __future__ import annotations

import io
from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo

from openpyxl import Workbook
from openpyxl.writer.excel import ExcelWriter

ZIP_ENTRY_TIME = (2000, 1, 1, 0, 0, 0)


def xlsx_bytes(workbook: Workbook) -> bytes:
    """The `.xlsx` bytes of a workbook, with every zip entry stamped ZIP_ENTRY_TIME.

    openpyxl stamps zip entries with the time of writing (and write-only sheets with the time of
    their temporary files), so two saves of one workbook would differ. The caller fixes the
    document properties (created, modified), which are workbook content.
    """
    scratch = io.BytesIO()
    ExcelWriter(workbook, ZipFile(scratch, "w", ZIP_DEFLATED, allowZip64=True)).save()
    packed = io.BytesIO()
    with ZipFile(scratch) as source, ZipFile(packed, "w", ZIP_DEFLATED) as target:
        for entry in source.infolist():
            fixed = ZipInfo(entry.filename, date_time=ZIP_ENTRY_TIME)
            fixed.compress_type = ZIP_DEFLATED
            target.writestr(fixed, source.read(entry))
    return packed.getvalue()
