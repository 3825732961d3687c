"""The feedback letter to one firm: its filing status, this month's findings grouped by code with the fix, and its
12-month record, as a short PDF from `templates/letter.html`.

A letter is built from that firm's own submissions and record only, so it cannot show another firm's data.
As for the report, `build_letter_view` is pure and the template only lays the values out.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from datetime import UTC
from typing import Any

from weasyprint import HTML

from reporting.contract import compute_period_bounds
from reporting.findings import CATALOGUE, Finding
from reporting.metrics.record import PeriodRecord, Scorecard
from reporting.render.model import ReportOptions
from reporting.render.pdf import ENTITY_TYPE_LABELS, AssetFetcher, template_environment
from reporting.validate.model import ValidatedSubmission

EXAMPLES_PER_CODE = 5
"""Findings quoted under each code; the validation report holds all of them."""


@dataclass(frozen=True)
class Letter:
    """What one firm's letter says: who it is, its record this period and over the last ones, and its submissions."""

    period: str
    entity_id: str
    entity_name: str
    entity_type: str
    record: PeriodRecord
    scorecard: Scorecard
    submissions: list[ValidatedSubmission]
    options: ReportOptions


def build_letter_view(letter: Letter) -> dict[str, Any]:
    """Every value the letter template shows (pure: no I/O, no clock)."""
    start, _ = compute_period_bounds(letter.period)
    generated_at = letter.options.generated_at
    findings = [f for s in letter.submissions for f in s.findings]
    counts: Counter[str] = Counter()
    for s in letter.submissions:
        counts.update(s.finding_counts)
    codes = sorted(counts, key=lambda code: (CATALOGUE[code].severity != "error", code))
    return {
        "period": letter.period,
        "period_label": f"{start:%B %Y}",
        "authority": letter.options.authority,
        "classification": letter.options.classification,
        "date": "" if generated_at is None else f"{generated_at.astimezone(UTC):%d %B %Y}",
        "entity_id": letter.entity_id,
        "entity_name": letter.entity_name,
        "entity_type": ENTITY_TYPE_LABELS.get(letter.entity_type, letter.entity_type),
        "record": asdict(letter.record),
        "submissions": [
            {"source": s.source, "status": s.status, "errors": s.errors, "warnings": s.warnings}
            for s in letter.submissions
        ],
        "codes": [
            {
                "code": code,
                "severity": CATALOGUE[code].severity,
                "fix": CATALOGUE[code].fix,
                "count": counts[code],
                "examples": [_example(f) for f in findings if f.code == code][:EXAMPLES_PER_CODE],
            }
            for code in codes
        ],
        "scorecard": {
            **{k: v for k, v in asdict(letter.scorecard).items() if k not in ("periods", "records")},
            "rows": [
                {"period": period, "record": None if record is None else asdict(record)}
                for period, record in zip(letter.scorecard.periods, letter.scorecard.records, strict=True)
            ],
        },
    }


def _example(finding: Finding) -> dict[str, Any]:
    where = [finding.file, finding.table, None if finding.row is None else f"row {finding.row}", finding.column]
    return {"where": ", ".join(str(part) for part in where if part), "value": finding.value, "message": finding.message}


def render_letter(letter: Letter) -> bytes:
    """The letter as a PDF; the same Letter gives the same bytes."""
    html = template_environment().get_template("letter.html").render(letter=build_letter_view(letter))
    return HTML(string=html, url_fetcher=AssetFetcher(), base_url=None).write_pdf()
