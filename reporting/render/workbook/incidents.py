"""Incidents: the Incidents sheet (duration, thresholds met and severity by formula) and the incident figures."""

from __future__ import annotations

from typing import Any

import pandas as pd

from reporting.metrics.incidents import DOWNTIME_CATEGORIES, INCIDENT_REPORTER_TYPES, SEVERITIES
from reporting.render.workbook.figures import PERIOD_END, PERIOD_START, Figure, count_types, gate, severity_threshold
from reporting.render.workbook.inputs import Inputs, dollars, naive_utc, text
from reporting.render.workbook.writer import NOT_AVAILABLE, Column, Formula, Sheet

PEAK_START = "derivatives_peak_24h_liquidations_start"
PEAK_END = "derivatives_peak_24h_liquidations_end"


def _number(value: Any, kind: type[int] | type[float]) -> int | float | None:
    return None if pd.isna(value) else kind(value)


def incident_rows(inputs: Inputs) -> list[list[Any]]:
    details = {(d.entity, d.incident_id): d for d in inputs.report.metrics.incident_details}
    descriptions = {(e, i): d for e, i, d in inputs.audit.incident_descriptions.itertuples(index=False)}
    limit = severity_threshold
    formulas = [
        "=IF(ISNUMBER({resolved_at}),{resolved_at}," + PERIOD_END + ")",
        # Whole milliseconds: date serials carry about a microsecond of rounding noise.
        "=ROUND(({ends_at}-{started_at})*86400,3)/3600",
        f"=MAX(0,ROUND((MIN({{ends_at}},{PERIOD_END})-MAX({{started_at}},{PERIOD_START}))*86400,3))/60",
        f"=OR(AND(ISNUMBER({{clients_affected_pct}}),{{clients_affected_pct}}>{limit('clients_affected_pct')}),"
        f"AND(ISNUMBER({{clients_affected}}),{{clients_affected}}>{limit('clients_affected')}))",
        "=AND(ISNUMBER({transactions_affected_pct}),{transactions_affected_pct}>"
        + limit("transactions_affected_pct")
        + ")",
        f"=OR({{duration_hours}}>{limit('duration_hours')},"
        f"AND({{critical_service}},{{duration_hours}}>{limit('critical_duration_hours')}))",
        f"=AND(ISNUMBER({{jurisdictions_affected}}),{{jurisdictions_affected}}>={limit('jurisdictions_affected')})",
        f"=AND(ISNUMBER({{economic_impact_usd}}),{{economic_impact_usd}}>{limit('economic_impact_usd')})",
        f"=AND({{data_loss}},{limit('data_loss')})",
        "=SUMPRODUCT(--({met_clients_affected}:{met_data_loss}))",
        f"=IF(ISNUMBER({PEAK_START}),AND({{started_at}}<{PEAK_END},{{ends_at}}>={PEAK_START}),FALSE)",
        '=IF(AND({critical_service},OR(AND({malicious_access},{data_loss}),{thresholds_met}>=2)),"major",'
        'IF(OR(AND({critical_service},{thresholds_met}>=1),{in_peak_liquidation_window}),"significant","minor"))',
    ]
    rows = []
    for incident in inputs.report.partials.incidents.itertuples(index=False):
        key = (incident.entity, incident.incident_id)
        detail = details.get(key)
        rows.append(
            [
                text(incident.entity),
                text(incident.incident_id),
                text(incident.category),
                text(descriptions.get(key)),
                bool(incident.critical_service),
                bool(incident.malicious_access),
                bool(incident.data_loss),
                naive_utc(incident.started_at),
                naive_utc(incident.resolved_at),
                _number(incident.clients_affected, int),
                _number(incident.clients_affected_pct, float),
                _number(incident.transactions_affected_pct, float),
                _number(incident.jurisdictions_affected, int),
                _number(incident.economic_impact_usd, float),
                dollars(incident.false_liquidations_cents),
                dollars(incident.compensation_cents),
                detail.liquidations_usd if detail else 0.0,
                *(Formula(formula) for formula in formulas),
            ]
        )
    return rows


SHEETS = (
    Sheet(
        "Incidents",
        (
            Column("entity", width=28),
            Column("incident_id", width=18),
            Column("category", width=17),
            Column("description", width=40),
            Column("critical_service", "bool", 10),
            Column("malicious_access", "bool", 10),
            Column("data_loss", "bool", 10),
            Column("started_at (UTC)", "datetime"),
            Column("resolved_at (UTC; empty while open)", "datetime"),
            Column("clients_affected", "count", 11),
            Column("clients_affected_pct (%)", "number", 11),
            Column("transactions_affected_pct (%)", "number", 13),
            Column("jurisdictions_affected", "count", 13),
            Column("economic_impact_usd (USD)", "money"),
            Column("false_liquidations_usd (USD)", "money"),
            Column("compensation_usd (USD)", "money"),
            Column("liquidations_usd (USD, events naming the incident)", "money"),
            Column("ends_at (UTC; resolved_at, or the period's end)", "datetime"),
            Column("duration_hours (h)", "number", 12),
            Column("minutes_in_period (min, clipped to the period)", "number", 14),
            Column("met_clients_affected", "bool", 12),
            Column("met_transactions_affected", "bool", 12),
            Column("met_duration", "bool", 12),
            Column("met_jurisdictions_affected", "bool", 12),
            Column("met_economic_impact", "bool", 12),
            Column("met_data_loss", "bool", 12),
            Column("thresholds_met (count)", "count", 12),
            Column("in_peak_liquidation_window", "bool", 14),
            Column("severity", width=13),
        ),
        incident_rows,
        "every incident: duration, thresholds met and severity by formula over the thresholds on Flags",
    ),
)


_REPORTERS = count_types(INCIDENT_REPORTER_TYPES)
_DOWNTIME = "+".join(f'({{Incidents!category}}="{c}")' for c in DOWNTIME_CATEGORIES)
FIGURES: tuple[Figure, ...] = (
    Figure("incidents.total", "count", gate(_REPORTERS, 'COUNTIF({Incidents!incident_id},"?*")')),
    *(
        Figure(f"incidents.by_severity.{s}", "count", gate(_REPORTERS, f'COUNTIF({{Incidents!severity}},"{s}")'))
        for s in SEVERITIES
    ),
    Figure(
        "incidents.downtime_minutes",
        "number",
        gate(_REPORTERS, f"SUMPRODUCT(({_DOWNTIME})*{{Incidents!minutes_in_period}})"),
    ),
    Figure(
        "incidents.in_peak_liquidation_window",
        "count",
        f'=IF(OR({_REPORTERS}=0,NOT(ISNUMBER({PEAK_START}))),"{NOT_AVAILABLE}",'
        "SUMPRODUCT(--({Incidents!in_peak_liquidation_window}=TRUE)))",
    ),
    Figure(
        "incidents.false_liquidations_usd",
        "money",
        gate(_REPORTERS, "ROUND(SUM({Incidents!false_liquidations_usd}),2)"),
    ),
    Figure("incidents.compensation_usd", "money", gate(_REPORTERS, "ROUND(SUM({Incidents!compensation_usd}),2)")),
)
"""Every scalar figure of the incidents section, with the formula that recomputes it."""


def breakdown_figures(metrics: dict[str, Any]) -> list[Figure]:
    """Incidents by category and by entity: a count of the rows naming each, compared exactly (no wildcards)."""
    incidents = metrics["incidents"]
    return [
        Figure(
            f"incidents.{key}",
            "count",
            # Compared exactly with a cell that holds the name: submitted text never enters a formula.
            f"=SUMPRODUCT(--EXACT({{Incidents!{column}}},{{@{column}}}))",
            (entry,),
            ("Incidents", column),
        )
        for key, column in (("by_category", "category"), ("by_entity", "entity"))
        for entry in incidents.get(key) or {}
    ]
