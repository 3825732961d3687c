"""What the renderers take: everything computed for one period, and nothing to compute."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from reporting.config import Thresholds
from reporting.metrics.compute import Metrics
from reporting.metrics.partials import Partials
from reporting.metrics.record import Scorecard
from reporting.metrics.revisions import RevisedFigure
from reporting.validate.model import ValidatedSubmission


@dataclass(frozen=True)
class ReportOptions:
    """How the report is presented.

    `final` marks it FINAL (otherwise DRAFT, with a watermark); `classification` is the label of the
    running header; `authority` is the issuing authority, the PDF's author; `generated_at` is the run
    time (fixed by SOURCE_DATE_EPOCH for reproducible builds).
    """

    final: bool = False
    classification: str = "RESTRICTED"
    authority: str = "Supervisory Authority"
    generated_at: datetime | None = None


@dataclass(frozen=True)
class Report:
    """The computed report of one period.

    - metrics: every figure of the metrics spec (`metrics.to_dict()` is metrics-<period>.json), and the
      classified incidents (`metrics.incident_details`).
    - partials: the combined aggregates the figures come from (daily open interest, hourly liquidation
      buckets, sums per lender...), for charts and data sheets.
    - submissions: every submission of the folder with its status and findings (its tables are not
      needed by renderers).
    - provenance: tool and schema versions, options, thresholds and the input files with SHA-256
      (the manifest without its outputs).
    - report_id: a stable identifier of this report, derived from its figures.
    - metrics_json: the bytes of metrics-<period>.json, to embed in the outputs.
    - scorecards: each firm's filing and data-quality record over the last 12 periods known.
    - revisions: the figures of earlier periods revised since the last report, from → to, and why.
    """

    period: str
    metrics: Metrics
    partials: Partials
    submissions: list[ValidatedSubmission]
    thresholds: Thresholds
    provenance: dict[str, Any]
    report_id: str
    metrics_json: bytes
    options: ReportOptions
    scorecards: list[Scorecard] = field(default_factory=list)
    revisions: list[RevisedFigure] = field(default_factory=list)
