"""All the figures of one period, from the accepted submissions: the entry point of the metrics stage."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from reporting.config import ScenarioSettings, Thresholds
from reporting.metrics.changes import Change, compute_changes
from reporting.metrics.coverage import Coverage
from reporting.metrics.derivatives import DerivativesMetrics, compute_derivatives
from reporting.metrics.filing import (
    FilingDetail,
    FilingInput,
    compute_entity_figures,
    compute_register_figures,
    lending_market_usd,
)
from reporting.metrics.flags import Flag, compute_flags
from reporting.metrics.incidents import IncidentDetail, IncidentsMetrics, classify_incidents, compute_incidents
from reporting.metrics.lending import LendingMetrics, compute_lending
from reporting.metrics.partials import Partials, combine_partials, compute_partials
from reporting.metrics.scenarios import ScenariosMetrics, compute_scenarios
from reporting.metrics.trends import EarlierFigures, Trend, compute_trends, series_periods
from reporting.validate.model import ValidatedSubmission


@dataclass(frozen=True)
class Metrics:
    """Every figure of metrics.md for one period, plus the per-incident and per-filer detail.

    `to_dict()` gives the metrics JSON: the keys and nesting of metrics.md. `incident_details` and
    `flag_history` and `filing_details` are not part of it: the classified incident list, each flag's status
    over the 13 periods of the trends ({flag id: [{period, status}]}, status None where the history has no
    build), and, with a register, the filing status of every expected entity, for the PDF and the workbook.
    `trends` is empty when the metrics were computed without a history.
    """

    period: str
    derivatives: DerivativesMetrics
    lending: LendingMetrics
    incidents: IncidentsMetrics
    coverage: Coverage
    scenarios: ScenariosMetrics
    changes: dict[str, dict[str, Change]]
    flags: list[Flag]
    incident_details: list[IncidentDetail]
    trends: dict[str, Trend] = field(default_factory=dict)
    flag_history: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    filing_details: list[FilingDetail] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The metrics JSON as a dict of plain values (str, int, float, bool, None, dict, list)."""
        return {
            "period": self.period,
            "derivatives": asdict(self.derivatives),
            "lending": asdict(self.lending),
            "incidents": asdict(self.incidents),
            "coverage": self.coverage.to_dict(),
            "changes": {
                section: {key: asdict(change) for key, change in figures.items()}
                for section, figures in self.changes.items()
            },
            "scenarios": asdict(self.scenarios),
            "flags": [asdict(flag) for flag in self.flags],
            "trends": {path: asdict(trend) for path, trend in self.trends.items()},
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
        combine_accepted_partials(submissions, thresholds.scenarios), period, thresholds, coverage=coverage, prior=prior
    )


def summarise_submission(submission: ValidatedSubmission, scenarios: ScenarioSettings) -> ValidatedSubmission:
    """A validated submission as a build keeps it: with its partial aggregates when accepted, and without its
    liquidation rows, of which the partials hold all that the metrics, the report and the workbook need.

    The map step: a build runs it where the submission was validated (`validate_folder`'s `then`), so that
    the partials of several submissions are computed at once and the event rows never leave that worker.
    """
    partials = None
    if submission.status == "accepted" and submission.header is not None:
        partials = compute_partials(submission.header, submission.tables, scenarios)
    tables = {name: table for name, table in submission.tables.items() if name != "liquidations"}
    return replace(submission, tables=tables, partials=partials)


def combine_accepted_partials(submissions: Iterable[ValidatedSubmission], scenarios: ScenarioSettings) -> Partials:
    """The combined partial aggregates of the accepted submissions (computed from their tables unless summarised
    already); the others are left out."""
    return combine_partials(
        s.partials if isinstance(s.partials, Partials) else compute_partials(s.header, s.tables, scenarios)
        for s in submissions
        if s.status == "accepted" and s.header is not None
    )


def compute_metrics_from_partials(
    partials: Partials,
    period: str,
    thresholds: Thresholds,
    *,
    coverage: Coverage,
    prior: Mapping[str, Any] | None = None,
    earlier: EarlierFigures | None = None,
    filing: FilingInput | None = None,
) -> Metrics:
    """The metrics of `period` from combined partials (see `reporting.metrics.partials`).

    `earlier` holds the figures of earlier builds from the history, for the trends section and the
    flags' status history; without it both are empty. With `filing` (a register of expected filers and
    what it needs), coverage gains its register figures.
    """
    derivatives = compute_derivatives(partials, period, thresholds.liquidations.stress_multiple)
    lending = compute_lending(partials)
    filing_details: list[FilingDetail] = []
    if filing is not None:
        current = compute_entity_figures(period, filing.filings, derivatives, lending, partials)
        register_figures, filing_details = compute_register_figures(
            filing.register,
            period,
            filing.filings,
            current,
            filing.earlier,
            derivatives.open_interest_usd,
            lending_market_usd(lending.crypto_collateralized_usd, lending.dat_debt_usd),
        )
        coverage = replace(coverage, filing=register_figures)
    peak = derivatives.peak_24h_liquidations
    details = classify_incidents(partials, period, thresholds.incident_severity, peak)
    incidents = compute_incidents(partials, details, peak)
    figures = {"derivatives": asdict(derivatives), "lending": asdict(lending), "incidents": asdict(incidents)}
    changes = compute_changes(figures, prior)
    plain_changes = {
        section: {key: asdict(change) for key, change in keys.items()} for section, keys in changes.items()
    }
    flags = compute_flags(
        {**figures, "changes": plain_changes, "coverage": coverage.to_dict()},
        has_prior=prior is not None,
        thresholds=thresholds.flags,
    )
    return Metrics(
        period=period,
        derivatives=derivatives,
        lending=lending,
        incidents=incidents,
        coverage=coverage,
        scenarios=compute_scenarios(partials, thresholds.scenarios),
        changes=changes,
        flags=flags,
        incident_details=details,
        trends={} if earlier is None else compute_trends(figures, period, earlier),
        flag_history={} if earlier is None else _flag_history(flags, period, earlier),
        filing_details=filing_details,
    )


def _flag_history(flags: list[Flag], period: str, earlier: EarlierFigures) -> dict[str, list[dict[str, Any]]]:
    """Each flag's status over the 13 periods ending with this one (the history keys it `flags.<id>.status`)."""
    periods = series_periods(period)[:-1]
    return {
        flag.id: [{"period": p, "status": earlier.get(p, {}).get(f"flags.{flag.id}.status")} for p in periods]
        + [{"period": period, "status": flag.status}]
        for flag in flags
    }
