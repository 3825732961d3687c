"""A month's filing board: each entity's submission in force, as the portal holds it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from reporting.portal.app import Portal


@dataclass(frozen=True)
class BoardRow:
    entity_id: str
    entity_name: str | None
    status: str
    received_at: str
    upload_id: str
    errors: int
    warnings: int


@dataclass(frozen=True)
class Board:
    period: str
    rows: list[BoardRow]

    def to_api(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "entities": {
                row.entity_id: {
                    "status": row.status,
                    "entity_name": row.entity_name,
                    "received_at": row.received_at,
                    "id": row.upload_id,
                    "errors": row.errors,
                    "warnings": row.warnings,
                }
                for row in self.rows
            },
        }


def filing_board(portal: Portal, period: str) -> Board:
    """Every entity with a submission in force for `period`, by entity_id."""
    store = portal.store
    folder = store.portal / "in-force" / period
    rows = []
    for pointer in sorted(folder.iterdir()) if folder.is_dir() else []:
        if pointer.name.startswith("."):  # a pointer being written
            continue
        upload = store.get(pointer.read_text(encoding="utf-8"))
        rows.append(
            BoardRow(
                entity_id=pointer.name,
                entity_name=upload.submission.get("entity_name"),
                status=upload.status,
                received_at=upload.received_at,
                upload_id=upload.id,
                errors=upload.submission["errors"],
                warnings=upload.submission["warnings"],
            )
        )
    return Board(period, rows)
