"""The incidents section: severity classification (EU DORA logic) and incident counts and sums.

A threshold is met when (defaults in `reporting/thresholds.toml`, all configurable):
clients_affected_pct > 10 or clients_affected > 100,000 (one threshold); transactions_affected_pct > 10;
the incident lasted over 24 h, or over 2 h on a critical service; jurisdictions_affected ≥ 2;
economic_impact_usd > 100,000; data_loss.
- major: critical_service and (malicious_access and data_loss, or two or more thresholds met);
- significant: not major, and critical_service with a threshold met, or overlapping the peak 24-hour
  liquidation window;
- minor: the rest.

Duration runs from started_at to resolved_at; an open incident runs to the end of the period. An
incident overlaps the peak window when [started_at, resolved_at] meets the window's 24 whole
hours [start, end): started_at < end and resolved_at ≥ start (an incident starting at the very end
of the window is after it, as a liquidation at that instant is). The per-incident `IncidentDetail` list is the detailed
result (for the PDF and the workbook); every count of `IncidentsMetrics` is derived from it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass

import pandas as pd

from reporting.config import SeverityThresholds
from reporting.contract import LENDER_TYPES, compute_period_bounds
from reporting.metrics.derivatives import PeakWindow
from reporting.metrics.partials import Partials
from reporting.metrics.period import format_timestamp, format_usd

DOWNTIME_CATEGORIES = ("outage", "degraded_service", "withdrawal_halt")
SEVERITIES = ("major", "significant", "minor")
# Entity types whose submissions may carry an incidents table.
INCIDENT_REPORTER_TYPES = ("cex", "dex", *(t for t in LENDER_TYPES if t != "dat"))


@dataclass(frozen=True)
class IncidentDetail:
    """One incident as classified.

    thresholds_met names the thresholds met: clients_affected, transactions_affected, duration,
    jurisdictions_affected, economic_impact, data_loss. duration_hours runs from started_at to
    resolved_at (or to the end of the period when open); minutes_in_period is that span clipped to
    the period, in minutes. liquidations_usd is Σ notional_usd of the entity's liquidations that
    name this incident.
    """

    entity: str
    incident_id: str
    category: str
    severity: str
    thresholds_met: tuple[str, ...]
    critical_service: bool
    malicious_access: bool
    started_at: str
    resolved_at: str | None
    duration_hours: float
    minutes_in_period: float
    in_peak_liquidation_window: bool
    false_liquidations_usd: float
    compensation_usd: float
    liquidations_usd: float

    def to_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["thresholds_met"] = list(self.thresholds_met)
        return data


@dataclass(frozen=True)
class IncidentsMetrics:
    """The `incidents` section of metrics.md, key for key."""

    total: int | None = None
    by_category: dict[str, int] | None = None
    by_severity: dict[str, int] | None = None
    downtime_minutes: float | None = None
    in_peak_liquidation_window: int | None = None
    false_liquidations_usd: float | None = None
    compensation_usd: float | None = None
    by_entity: dict[str, int] | None = None


def classify_incidents(
    partials: Partials, period: str, thresholds: SeverityThresholds, peak: PeakWindow | None
) -> list[IncidentDetail]:
    """Every incident with its severity, thresholds met, duration and sums; sorted by entity, incident_id."""
    rows = partials.incidents
    if rows.empty:
        return []
    period_start, period_end = compute_period_bounds(period)
    started = rows["started_at"]
    ended = rows["resolved_at"].fillna(period_end)
    duration_hours = (ended - started) / pd.Timedelta(hours=1)
    clipped = (ended.clip(upper=period_end) - started.clip(lower=period_start)).clip(lower=pd.Timedelta(0))
    minutes_in_period = clipped / pd.Timedelta(minutes=1)
    critical = rows["critical_service"]
    met = pd.DataFrame(
        {
            "clients_affected": (rows["clients_affected_pct"] > thresholds.clients_affected_pct)
            | (rows["clients_affected"] > thresholds.clients_affected),
            "transactions_affected": rows["transactions_affected_pct"] > thresholds.transactions_affected_pct,
            "duration": (duration_hours > thresholds.duration_hours)
            | (critical & (duration_hours > thresholds.critical_duration_hours)),
            "jurisdictions_affected": rows["jurisdictions_affected"] >= thresholds.jurisdictions_affected,
            "economic_impact": rows["economic_impact_usd"] > thresholds.economic_impact_usd,
            "data_loss": rows["data_loss"] & thresholds.data_loss,
        }
    )
    count_met = met.sum(axis=1)
    if peak is None:
        in_window = pd.Series(False, index=rows.index)
    else:
        in_window = (started < pd.Timestamp(peak.end)) & (ended >= pd.Timestamp(peak.start))
    major = critical & ((rows["malicious_access"] & rows["data_loss"]) | (count_met >= 2))
    significant = ~major & ((critical & (count_met >= 1)) | in_window)
    severity = pd.Series("minor", index=rows.index).mask(significant, "significant").mask(major, "major")
    linked = partials.incident_liquidations.set_index(["entity", "incident_id"])["notional_cents"]
    details = []
    for i, row in enumerate(rows.itertuples(index=False)):
        resolved = row.resolved_at
        details.append(
            IncidentDetail(
                entity=row.entity,
                incident_id=row.incident_id,
                category=row.category,
                severity=str(severity.iloc[i]),
                thresholds_met=tuple(name for name in met.columns if met[name].iloc[i]),
                critical_service=bool(row.critical_service),
                malicious_access=bool(row.malicious_access),
                started_at=format_timestamp(row.started_at),
                resolved_at=None if pd.isna(resolved) else format_timestamp(resolved),
                duration_hours=float(duration_hours.iloc[i]),
                minutes_in_period=float(minutes_in_period.iloc[i]),
                in_peak_liquidation_window=bool(in_window.iloc[i]),
                false_liquidations_usd=format_usd(row.false_liquidations_cents),
                compensation_usd=format_usd(row.compensation_cents),
                liquidations_usd=format_usd(linked.get((row.entity, row.incident_id), 0)),
            )
        )
    return details


def compute_incidents(partials: Partials, details: list[IncidentDetail], peak: PeakWindow | None) -> IncidentsMetrics:
    """The incidents section, from the classified incidents.

    - total: number of incidents; by_category, by_entity: counts (sorted by key, only keys with incidents);
      by_severity: {major, significant, minor: count}.
    - downtime_minutes: Σ duration, clipped to the period, of incidents in categories `outage`,
      `degraded_service`, `withdrawal_halt` (minutes).
    - in_peak_liquidation_window: number of incidents overlapping peak_24h_liquidations; None when there
      is no peak window (no liquidations).
    - false_liquidations_usd, compensation_usd: Σ over incidents (USD).
    All None when no entity that may report incidents (exchanges, CeFi lenders, DeFi protocols, CDP
    issuers) was accepted.
    """
    if not partials.entities["entity_type"].isin(INCIDENT_REPORTER_TYPES).any():
        return IncidentsMetrics()
    severities = Counter(detail.severity for detail in details)
    return IncidentsMetrics(
        total=len(details),
        by_category=dict(sorted(Counter(detail.category for detail in details).items())),
        by_severity={severity: severities.get(severity, 0) for severity in SEVERITIES},
        downtime_minutes=float(
            sum(detail.minutes_in_period for detail in details if detail.category in DOWNTIME_CATEGORIES)
        ),
        in_peak_liquidation_window=None
        if peak is None
        else sum(1 for detail in details if detail.in_peak_liquidation_window),
        false_liquidations_usd=format_usd(int(partials.incidents["false_liquidations_cents"].sum())),
        compensation_usd=format_usd(int(partials.incidents["compensation_cents"].sum())),
        by_entity=dict(sorted(Counter(detail.entity for detail in details).items())),
    )
