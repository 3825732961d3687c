"""All the figures of one period, from the accepted submissions: the entry point of the metrics stage."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from reporting.config import Thresholds
from reporting.metrics.changes import Change, compute_changes
from reporting.metrics.coverage import Coverage
from reporting.metrics.derivatives import DerivativesMetrics, compute_derivatives
from reporting.metrics.flags import Flag, compute_flags
from reporting.metrics.incidents import IncidentDetail, IncidentsMetrics, classify_incidents, compute_incidents
from reporting.metrics.lending import LendingMetrics, compute_lending
from reporting.metrics.partials import Partials, combine_partials, compute_partials
from reporting.validate.model import ValidatedSubmission


@dataclass(frozen=True)
class Metrics:
    """Every figure of metrics.md for one period, plus the per-incident detail.

    `to_dict()` gives the metrics JSON: the keys and nesting of metrics.md. `incident_details` is not
    part of it; it is the classified incident list for the PDF and the workbook.
    """

    period: str
    derivatives: DerivativesMetrics
    lending: LendingMetrics
    incidents: IncidentsMetrics
    coverage: Coverage
    changes: dict[str, dict[str, Change]]
    flags: list[Flag]
    incident_details: list[IncidentDetail]

    def to_dict(self) -> dict[str, Any]:
        """The metrics JSON as a dict of plain values (str, int, float, bool, None, dict, list)."""
        return {
            "period": self.period,
            "derivatives": asdict(self.derivatives),
            "lending": asdict(self.lending),
            "incidents": asdict(self.incidents),
            "coverage": asdict(self.coverage),
            "changes": {
                section: {key: asdict(change) for key, change in figures.items()}
                for section, figures in self.changes.items()
            },
            "flags": [asdict(flag) for flag in self.flags],
        }


def compute_metrics(
    submissions: Iterable[ValidatedSubmission],
    period: str,
    thresholds: Thresholds,
    *,
    coverage: Coverage,
    prior: Mapping[str, Any] | None = None,
) -> Metrics:
    """The metrics of `period` (YYYY-MM) from its accepted submissions.

    Submissions that are not accepted are left out. `coverage` comes from `count_coverage` over all the
    period's submissions; `prior` is the prior period's metrics JSON, for the changes section and the
    flags on changes.
    """
    return compute_metrics_from_partials(
        combine_accepted_partials(submissions), period, thresholds, coverage=coverage, prior=prior
    )


def combine_accepted_partials(submissions: Iterable[ValidatedSubmission]) -> Partials:
    """The combined partial aggregates of the accepted submissions; the others are left out."""
    return combine_partials(
        compute_partials(s.header, s.tables) for s in submissions if s.status == "accepted" and s.header is not None
    )


def compute_metrics_from_partials(
    partials: Partials,
    period: str,
    thresholds: Thresholds,
    *,
    coverage: Coverage,
    prior: Mapping[str, Any] | None = None,
) -> Metrics:
    """The metrics of `period` from combined partials (see `reporting.metrics.partials`)."""
    derivatives = compute_derivatives(partials, period)
    lending = compute_lending(partials)
    peak = derivatives.peak_24h_liquidations
    details = classify_incidents(partials, period, thresholds.incident_severity, peak)
    incidents = compute_incidents(partials, details, peak)
    figures = {"derivatives": asdict(derivatives), "lending": asdict(lending), "incidents": asdict(incidents)}
    changes = compute_changes(figures, prior)
    plain_changes = {
        section: {key: asdict(change) for key, change in keys.items()} for section, keys in changes.items()
    }
    flags = compute_flags(
        {**figures, "changes": plain_changes}, has_prior=prior is not None, thresholds=thresholds.flags
    )
    return Metrics(
        period=period,
        derivatives=derivatives,
        lending=lending,
        incidents=incidents,
        coverage=coverage,
        changes=changes,
        flags=flags,
        incident_details=details,
    )
