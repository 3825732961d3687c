"""The validation report: what `riskreport validate` prints, as text for people or JSON for machines."""

from __future__ import annotations

from reporting.findings import CATALOGUE
from reporting.ingest.read import printable
from reporting.validate.model import ValidatedSubmission

FIRST_FINDINGS = 10
"""Findings shown per submission in the text report; the JSON report has them all."""


def validation_to_dict(submissions: list[ValidatedSubmission]) -> dict[str, object]:
    """The validation report as the JSON document `validate --format json` prints."""
    return {
        "submissions": [
            {
                "source": s.source,
                "entity_id": s.header.entity_id if s.header else s.header_values.get("entity_id"),
                "entity_name": s.header.entity_name if s.header else s.header_values.get("entity_name"),
                "status": s.status,
                "errors": s.errors,
                "warnings": s.warnings,
                "finding_counts": dict(sorted(s.finding_counts.items())),
                "findings": [f.to_dict() for f in s.findings],
            }
            for s in submissions
        ]
    }


def render_validation_text(submissions: list[ValidatedSubmission]) -> str:
    """A readable summary per submission, for a compliance officer fixing a file."""
    lines = []
    for s in submissions:
        who = s.header.entity_name if s.header else (s.header_values.get("entity_name") or "unknown entity")
        # Every text from a submission is escaped to one line, so that none can forge a line of the output.
        lines.append(f"{s.status.upper():9} {printable(s.source)}  ({printable(who)})")
        lines.append(f"          {s.errors} error(s), {s.warnings} warning(s); rows: " + _rows(s))
        ordered = sorted(s.findings, key=lambda f: (f.severity != "error", f.file, f.table or "", f.row or 0))
        for f in ordered[:FIRST_FINDINGS]:
            where = ":".join(
                str(part) for part in (f.file, f.table, None if f.row is None else f"row {f.row}", f.column) if part
            )
            lines.append(f"          {f.severity:7} {f.code:28} {printable(where)}")
            lines.append(f"                  {printable(f.message)}")
        hidden = s.errors + s.warnings - min(len(s.findings), FIRST_FINDINGS)
        if hidden > 0:
            lines.append(f"          ... and {hidden} more (use --format json for all of them)")
    counts = {status: sum(s.status == status for s in submissions) for status in ("accepted", "rejected", "restated")}
    lines.append("")
    lines.append(
        f"{len(submissions)} submission(s): {counts['accepted']} accepted, {counts['rejected']} rejected, "
        f"{counts['restated']} restated."
    )
    return "\n".join(lines)


def _rows(s: ValidatedSubmission) -> str:
    return ", ".join(f"{name} {n:,}" for name, n in s.rows.items()) or "none read"


def render_catalogue_markdown() -> str:
    """The catalogue of finding codes as a Markdown table: code, severity and how to fix it."""
    lines = ["| code | severity | how to fix |", "|---|---|---|"]
    lines += [f"| `{code}` | {entry.severity} | {entry.fix} |" for code, entry in CATALOGUE.items()]
    return "\n".join(lines) + "\n"
