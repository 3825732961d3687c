"""A month's filing board: every submission in the month folder, as `riskreport validate` sees it for that month.

The board validates the folder that `build` reads, with the same pipeline, so that it shows what the build
will show, whether a submission came through the portal or was put there by hand. The result is kept
until an entry of the month folder changes (the portal replaces whole entries, so each upload put in
force changes the folder).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reporting import pipeline
from reporting.portal.store import Store
from reporting.render.validation import validation_to_dict


@dataclass(frozen=True)
class BoardRow:
    """One submission of the month: whose, its status and findings, and its upload when it came through the portal."""

    entity_id: str | None
    entity_name: str | None
    source: str
    status: str
    submitted_at: str | None
    errors: int
    warnings: int
    upload_id: str | None


@dataclass(frozen=True)
class Board:
    period: str
    rows: list[BoardRow]

    def to_api(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "submissions": [
                {
                    "entity_id": row.entity_id,
                    "entity_name": row.entity_name,
                    "source": row.source,
                    "status": row.status,
                    "submitted_at": row.submitted_at,
                    "errors": row.errors,
                    "warnings": row.warnings,
                    "id": row.upload_id,
                }
                for row in self.rows
            ],
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
        board = Board(period, self._rows(month, period) if month.is_dir() else [])
        with self.lock:
            self.kept[period] = (state, board)
        return board

    def _rows(self, month: Path, period: str) -> list[BoardRow]:
        submissions = pipeline.run_validation(month, period, self.store.limits)
        shown_all: list[dict[str, Any]] = validation_to_dict(submissions)["submissions"]  # type: ignore[assignment]
        rows = []
        for validated, shown in zip(submissions, shown_all, strict=True):
            entity_id = shown["entity_id"]
            in_force = self.store.in_force_id(period, entity_id) if isinstance(entity_id, str) else None
            came_through_portal = in_force is not None and Path(validated.source).stem == entity_id
            rows.append(
                BoardRow(
                    entity_id=entity_id,
                    entity_name=shown["entity_name"],
                    source=validated.source,
                    status=validated.status,
                    submitted_at=validated.header_values.get("submitted_at"),
                    errors=validated.errors,
                    warnings=validated.warnings,
                    upload_id=in_force if came_through_portal else None,
                )
            )
        return rows


def _folder_state(month: Path) -> object:
    """What changes when an entry of the month folder is added, removed or replaced."""
    if not month.is_dir():
        return None
    return sorted((entry.name, entry.stat(follow_symlinks=False).st_mtime_ns) for entry in month.iterdir())
