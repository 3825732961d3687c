"""A month's filing board: every entity the register expects or that submitted, with its filing status.

The board validates the month folder that `build` reads, with the register, by the same pipeline, and takes
each entity's status (on time, late, rejected, missing), due date and counts from the filing records that the
feedback letters use, so that it shows what the build and the letters will show, whether a submission came
through the portal or was put in the folder by hand. The result is kept until an entry of the month folder
changes (the portal replaces whole entries, so each upload put in force changes the folder).
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from reporting import pipeline
from reporting.metrics.record import compute_period_records
from reporting.portal.store import Store


@dataclass(frozen=True)
class BoardRow:
    """One entity of the month: its filing, the counts of its submissions' findings, and its upload in force."""

    entity_id: str
    entity_name: str | None
    expected: bool
    filing_status: str
    due: str
    submitted_at: str | None
    days_late: int | None
    submissions: int
    errors: int
    warnings: int
    upload_id: str | None


@dataclass(frozen=True)
class Board:
    """The rows by entity, and the entries of the folder whose header names no entity (they are rejected)."""

    period: str
    rows: list[BoardRow]
    unidentified: list[str]

    def to_api(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "entities": {
                row.entity_id: {k: v for k, v in asdict(row).items() if k != "entity_id"} for row in self.rows
            },
            "unidentified": self.unidentified,
        }


class Boards:
    """The filing boards of a store's months, each kept until its month folder changes."""

    def __init__(self, store: Store):
        self.store = store
        self.kept: dict[str, tuple[object, Board]] = {}
        self.lock = threading.Lock()

    def board(self, period: str) -> Board:
        month = self.store.root / period
        state = _folder_state(month)
        with self.lock:
            kept = self.kept.get(period)
        if kept is not None and kept[0] == state:
            return kept[1]
        board = self._board(month, period)
        with self.lock:
            self.kept[period] = (state, board)
        return board

    def _board(self, month: Path, period: str) -> Board:
        register = self.store.register
        submissions = (
            pipeline.run_validation(month, period, self.store.limits, register=register) if month.is_dir() else []
        )
        names = {s.header.entity_id: s.header.entity_name for s in submissions if s.header is not None}
        expected = {entry.entity_id for entry in register.expected(period)}
        rows = []
        for entity_id, record in compute_period_records(period, submissions, register).items():
            entry = register.find(entity_id)
            rows.append(
                BoardRow(
                    entity_id=entity_id,
                    entity_name=entry.entity_name if entry is not None else names.get(entity_id),
                    expected=entity_id in expected,
                    filing_status=record.status,
                    due=record.due,
                    submitted_at=record.submitted_at,
                    days_late=record.days_late,
                    submissions=record.submissions,
                    errors=record.errors,
                    warnings=record.warnings,
                    upload_id=self.store.in_force_id(period, entity_id),
                )
            )
        return Board(period, rows, [s.source for s in submissions if s.header is None])


def _folder_state(month: Path) -> object:
    """What changes when an entry of the month folder is added, removed or replaced."""
    if not month.is_dir():
        return None
    return sorted((entry.name, entry.stat(follow_symlinks=False).st_mtime_ns) for entry in month.iterdir())
