"""The rules of the register of expected filers: unregistered entities, names and types that differ, lateness.

They apply to accepted submissions only (after the folder rules), and all give warnings: a rejected
submission has to be sent again, and its lateness is judged on the new one.
"""

from __future__ import annotations

from reporting.contract import HEADER_TABLE
from reporting.findings import Finding
from reporting.ingest.register import Register, days_late, due_at, due_date
from reporting.validate.model import ValidatedSubmission


def apply_register_rules(submissions: list[ValidatedSubmission], register: Register) -> None:
    """Add the register's findings to every accepted submission."""
    for submission in submissions:
        header = submission.header
        if submission.status != "accepted" or header is None:
            continue
        file = submission.header_file or submission.source
        entry = register.find(header.entity_id)
        if entry is None:
            message = f"Entity {header.entity_id} is not in the register of expected filers ({register.source})."
            found = Finding("entity-not-registered", file, HEADER_TABLE, None, "entity_id", header.entity_id, message)
            submission.add(found)
        else:
            for column, registered in (("entity_name", entry.entity_name), ("entity_type", entry.entity_type)):
                submitted = getattr(header, column)
                if submitted != registered:
                    message = f"The register gives {column} {registered!r} for {header.entity_id}, not {submitted!r}."
                    submission.add(
                        Finding("entity-register-mismatch", file, HEADER_TABLE, None, column, submitted, message)
                    )
        due_day = entry.due_day if entry else None
        late = days_late(header.submitted_at, due_at(header.period, due_day))
        if late:
            submitted_at = submission.header_values.get("submitted_at")
            due = due_date(header.period, due_day).isoformat()
            message = f"Submitted {late} day(s) late: {header.period} was due by the end of {due} (24:00 UTC)."
            submission.add(Finding("submission-late", file, HEADER_TABLE, None, "submitted_at", submitted_at, message))
