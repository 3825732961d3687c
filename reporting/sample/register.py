"""The sample register of expected filers: every sample entity, expected since REGISTERED_FROM, due on the 15th.

Pinecrest Perps stops reporting after October 2025 and Lanternfield Lending files after the 15th, so the
November report built with this register shows one missing and one late filer.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from reporting.ingest.register import COLUMNS
from reporting.sample.scenario import ENTITIES, REGISTERED_FROM


def register_text() -> str:
    """The register as CSV text (UTF-8, `\\n` line ends), in the order of the sample entities."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(COLUMNS)
    for entity in ENTITIES:
        writer.writerow([entity.entity_id, entity.entity_name, entity.entity_type, REGISTERED_FROM, "", ""])
    return text.getvalue()


def write_register(path: Path) -> Path:
    """Write the sample register to `path` (a .csv file) and return it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(register_text(), encoding="utf-8")
    return path
