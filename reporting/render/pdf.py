"""The PDF supervisory report: a Report → HTML (Jinja templates) → PDF/A-3b (WeasyPrint).

Building the values is kept apart from rendering them: `build_view` is a pure function from the Report to
the plain values the templates show (rows sorted, a share of a total, a band looked up against its
thresholds, the series of a chart); the templates in `reporting.templates` only lay them out and format
them with the filters of `reporting.render.format`. Nothing in the PDF grows with the number of submitted
events: tables are per venue, lender, asset, code or submission, and the incident table is capped.

Safety: autoescape is on and undefined names raise (StrictUndefined), so submitted text (entity names,
incident ids and descriptions) is always literal text; WeasyPrint fetches through `AssetFetcher`, which
serves the package's own stylesheet and the charts' SVG (given in the page as data: URLs) and refuses every
other URL (no file:, no network).

Reproducibility: every date comes from the Report (`options.generated_at`), never from the clock; the
charts have fixed ids and no dates; WeasyPrint derives the PDF identifier from the content. Two renders
of the same Report give the same bytes.
"""

from __future__ import annotations

import base64
import hashlib
import warnings
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from functools import cache
from importlib.resources import files
from typing import Any

import pandas as pd
from jinja2 import BaseLoader, Environment, StrictUndefined, TemplateNotFound
from weasyprint import HTML, Attachment
from weasyprint.urls import URLFetcher, URLFetcherResponse

from reporting.config import Band, Level, Thresholds
from reporting.contract import EXCHANGE_TYPES, compute_period_bounds
from reporting.findings import CATALOGUE
from reporting.metrics.flags import FLAGS, flag_definition
from reporting.render import charts
from reporting.render.format import FILTERS, figure_filter, format_shortened
from reporting.render.mechanics import (
    build_cascade,
    build_collateral_margin,
    build_maturity_ladder,
    build_scenarios,
    instant,
    liquidations_by_hour,
    share_of,
)
from reporting.render.model import Report
from reporting.render.trends import build_flag_strips, build_revisions, build_trends

ASSET_SCHEME = "riskreport-asset:"
ASSETS = {"report.css": "text/css", "letter.css": "text/css"}
"""The files of `reporting.templates` the PDF and the letters may load, with their media types."""

INCIDENT_ROWS_CAP = 25
"""Major and significant incidents listed in full; past this the table says how many more there are."""
DESCRIPTION_CAP = 600
"""Characters of an incident description shown; the workbook and the submission hold the full text."""

SUBJECT = "Monthly systemic-risk report on crypto derivatives and crypto lending"
KEYWORDS = ("systemic risk", "crypto derivatives", "crypto lending", "liquidations", "open interest", "incidents")

# The headline figures of the executive summary: (section, key, label, filter of reporting.render.format).
HEADLINE_FIGURES = (
    ("derivatives", "open_interest_usd", "Open interest, end of period", "money"),
    ("derivatives", "liquidations_total_usd", "Liquidations", "money"),
    ("derivatives", "liquidations_long_share", "Long share of liquidations", "share"),
    ("derivatives", "funding_rate_annualized", "Funding rate, annualized (OI-weighted)", "share"),
    ("derivatives", "estimated_leverage_ratio", "Estimated leverage ratio", "ratio"),
    ("derivatives", "open_interest_hhi", "Open-interest HHI", "hhi"),
    ("lending", "crypto_collateralized_usd", "Crypto-collateralized lending", "money"),
    ("lending", "onchain_share", "Onchain share of lending", "share"),
    ("lending", "dat_debt_usd", "DAT debt", "money"),
    ("lending", "total_industry_debt_usd", "Total industry debt", "money"),
    ("lending", "lender_hhi", "Lender HHI", "hhi"),
    ("incidents", "false_liquidations_usd", "False liquidations", "money"),
)

ENTITY_TYPE_LABELS = {
    "cex": "centralised exchange",
    "dex": "decentralised exchange",
    "cefi_lender": "CeFi lender",
    "defi_protocol": "DeFi protocol",
    "cdp_issuer": "CDP issuer",
    "dat": "digital-asset treasury",
}
SEVERITY_ORDER = {"major": 0, "significant": 1, "minor": 2}


class AssetFetcher(URLFetcher):
    """The only way WeasyPrint may load anything: the package's own assets, by name, the charts' SVG given in the
    page as data: URLs (no I/O), and, with `drawn_apart`, the SVG of charts drawn apart by name (see
    `charts.drawn_apart`); everything else refused.

    `drawn_apart` gives the SVG of the charts drawn apart, by name; it is called when the first of them is needed.
    `fetched` and `refused` record the URLs asked for, so that a caller (or a test) can check that
    nothing outside the package was requested, and nothing the page needs was missing.
    """

    def __init__(self, drawn_apart: Callable[[], dict[str, str]] | None = None) -> None:
        super().__init__(allowed_protocols=(), allow_redirects=False)
        self.drawn_apart = drawn_apart
        self.svg: dict[str, str] | None = None  # what drawn_apart gave
        self.fetched: list[str] = []
        self.refused: list[str] = []

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        if url.startswith(charts.SVG_DATA_URL):
            self.fetched.append(url)
            body = base64.b64decode(url.removeprefix(charts.SVG_DATA_URL), validate=True)
            return URLFetcherResponse(url, body=body, headers={"Content-Type": "image/svg+xml"})
        if url.startswith(charts.CHART_URL) and self.drawn_apart is not None:
            if self.svg is None:
                try:
                    self.svg = self.drawn_apart()
                except (OSError, ValueError):  # none to be had: each chart is refused, and the caller told
                    self.svg = {}
            svg = self.svg.get(url.removeprefix(charts.CHART_URL))
            if svg is not None:
                self.fetched.append(url)
                return URLFetcherResponse(url, body=svg.encode("utf-8"), headers={"Content-Type": "image/svg+xml"})
        name = url.removeprefix(ASSET_SCHEME)
        if url.startswith(ASSET_SCHEME) and name in ASSETS:
            self.fetched.append(url)
            body = files("reporting.templates").joinpath(name).read_bytes()
            return URLFetcherResponse(url, body=body, headers={"Content-Type": ASSETS[name]})
        self.refused.append(url)
        raise ValueError(f"the report loads only its own assets; refused {url!r}")


class PackageLoader(BaseLoader):
    """Jinja templates read from the installed package `reporting.templates` (works from a wheel too)."""

    def get_source(self, environment: Environment, template: str) -> tuple[str, str, Any]:
        resource = files("reporting.templates").joinpath(template)
        if not template.endswith(".html") or "/" in template or not resource.is_file():
            raise TemplateNotFound(template)
        return resource.read_text(encoding="utf-8"), template, lambda: True


@cache
def template_environment() -> Environment:
    """The Jinja environment of the report: autoescape on, undefined names are errors, format filters."""
    environment = Environment(
        loader=PackageLoader(),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters.update(FILTERS)
    environment.filters["figure"] = figure_filter
    return environment


@dataclass(frozen=True)
class Row:
    """A row of a table: a name and its figures."""

    name: str
    values: dict[str, Any]


def render_pdf(report: Report, *, url_fetcher: AssetFetcher | None = None) -> bytes:
    """The report as a PDF/A-3b document with metrics-<period>.json attached; the same bytes for the same Report."""
    return pdf_from_html(report, render_html(report), url_fetcher or AssetFetcher())


def pdf_from_html(report: Report, html: str, fetcher: AssetFetcher) -> bytes:
    """The PDF of the report's page `html` (`render_html`), loading what it names through `fetcher`."""
    generated_at = report_time(report)
    attachment = Attachment(
        string=report.metrics_json.decode("utf-8"),
        name=f"metrics-{report.period}.json",
        description=f"The figures of this report (metrics JSON), period {report.period}",
        created=generated_at,
        modified=generated_at,
        relationship="Data",
        url_fetcher=fetcher,
    )
    document = HTML(string=html, url_fetcher=fetcher, base_url=None).render()
    with warnings.catch_warnings():
        # WeasyPrint opens its sRGB output-intent profile for PDF/A and leaves the file to the garbage
        # collector; the ResourceWarning that follows is WeasyPrint's, not a fault of the report.
        warnings.filterwarnings("ignore", category=ResourceWarning, message=r"unclosed file .*sRGB2014\.icc")
        return document.write_pdf(pdf_variant="pdf/a-3b", attachments=[attachment])


def render_html(report: Report) -> str:
    """The report as the HTML page that WeasyPrint lays out (also handy to look at in a browser)."""
    return template_environment().get_template("report.html").render(report=build_view(report))


def report_time(report: Report) -> datetime:
    """When the report was generated (UTC): the options' time, else the provenance's; never the clock."""
    if report.options.generated_at is not None:
        value = report.options.generated_at
    elif isinstance(report.provenance.get("generated_at"), str):
        value = datetime.fromisoformat(report.provenance["generated_at"].replace("Z", "+00:00"))
    else:
        raise ValueError("the report has no generation time (options.generated_at or provenance.generated_at)")
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def build_view(report: Report) -> dict[str, Any]:
    """Every value the templates show, built from the Report (pure: no I/O, no clock)."""
    metrics = report.metrics
    figures = metrics.to_dict()
    generated_at = report_time(report)
    start, end = compute_period_bounds(report.period)
    strips = build_flag_strips(report)
    return {
        "period": report.period,
        "period_label": f"{start:%B %Y}",
        "report_id": report.report_id,
        "final": report.options.final,
        "status": "FINAL" if report.options.final else "DRAFT",
        "classification": report.options.classification,
        "authority": report.options.authority,
        "generated_at": generated_at.strftime("%Y-%m-%d %H:%M UTC"),
        "generated_date": f"{generated_at:%d %B %Y}",
        "created_w3c": generated_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "title": f"Systemic-risk report on crypto derivatives and crypto lending, {start:%B %Y}",
        "subject": SUBJECT,
        "keywords": ", ".join(KEYWORDS),
        "generator": f"riskreport {report.provenance.get('tool_version', '')}".strip(),
        "metrics": figures,
        "has_prior": bool(metrics.changes),
        "headline": build_headline(figures),
        "trends": build_trends(report),
        "flags": [
            {
                **flag,
                "title": definition.title,
                "kind": definition.display,
                "strip": strips.get(flag["id"], []),
            }
            for flag in figures["flags"]
            for definition in FLAGS
            if definition.id == flag["id"]
        ],
        "derivatives": build_derivatives(report, figures["derivatives"]),
        "lending": build_lending(report, figures["lending"]),
        "incidents": build_incidents(report, figures["incidents"]),
        "scenarios": build_scenarios(report, figures["scenarios"]),
        "quality": build_quality(report),
        "filing": build_filing(report),
        "scorecards": build_scorecards(report),
        "revisions": build_revisions(report),
        "thresholds": build_thresholds(report.thresholds),
        "provenance": build_provenance(report),
    }


def build_headline(figures: dict[str, Any]) -> list[dict[str, Any]]:
    """The headline figures with the prior month and the change, as in metrics.json (changes section)."""
    rows = []
    for section, key, label, kind in HEADLINE_FIGURES:
        change = figures["changes"].get(section, {}).get(key)
        rows.append(
            {
                "label": label,
                "key": f"{section}.{key}",
                "kind": kind,
                "value": figures[section][key],
                "prior": None if change is None else change["prior"],
                "change_pct": None if change is None else change["change_pct"],
            }
        )
    return rows


def _descending(amounts: dict[str, float] | None) -> list[tuple[str, float]]:
    """Entries largest first (ties by name), for tables and bars read from the top."""
    return sorted((amounts or {}).items(), key=lambda item: (-item[1], item[0]))


def concentration_band(hhi: float | None, level: Level) -> str:
    """The band of an HHI against the flag's levels: unconcentrated up to amber, moderately up to red, highly above."""
    if hhi is None:
        return "n/a"
    if hhi > level.red:
        return "highly concentrated"
    if level.amber is not None and hhi > level.amber:
        return "moderately concentrated"
    return "unconcentrated"


def build_derivatives(report: Report, d: dict[str, Any]) -> dict[str, Any]:
    """Venue and asset tables, concentration against the bands, method mix and the derivatives charts."""
    by_venue = d["open_interest_by_venue"] or {}
    liquidations = d["liquidations_by_venue"] or {}
    venues = sorted(
        set(by_venue) | set(liquidations),
        key=lambda name: (-(by_venue.get(name) or 0.0), -(liquidations.get(name, {}).get("total_usd") or 0.0), name),
    )
    entity_types = dict(zip(report.partials.entities["entity"], report.partials.entities["entity_type"], strict=True))
    venue_rows = [
        Row(
            name,
            {
                "type": entity_types.get(name, ""),
                "open_interest_usd": by_venue.get(name),
                "open_interest_share": share_of(by_venue.get(name), d["open_interest_usd"]),
                "long_usd": liquidations.get(name, {}).get("long_usd"),
                "short_usd": liquidations.get(name, {}).get("short_usd"),
                "total_usd": liquidations.get(name, {}).get("total_usd"),
                "liquidation_share": share_of(liquidations.get(name, {}).get("total_usd"), d["liquidations_total_usd"]),
            },
        )
        for name in venues
    ]
    by_asset = d["open_interest_by_asset"] or {}
    liquidations_by_asset = d["liquidations_by_asset"] or {}
    assets = sorted(set(by_asset) | set(liquidations_by_asset), key=lambda a: (-(by_asset.get(a) or 0.0), a))
    asset_rows = [
        Row(
            asset,
            {
                "open_interest_usd": by_asset.get(asset),
                "open_interest_share": share_of(by_asset.get(asset), d["open_interest_usd"]),
                "long_usd": liquidations_by_asset.get(asset, {}).get("long_usd"),
                "short_usd": liquidations_by_asset.get(asset, {}).get("short_usd"),
                "total_usd": liquidations_by_asset.get(asset, {}).get("total_usd"),
            },
        )
        for asset in assets
    ]
    levels = flag_definition("derivatives.open_interest_hhi").levels(report.thresholds.flags)
    assert isinstance(levels, Level)
    concentration = [
        {
            "label": "Open interest, HHI",
            "kind": "hhi",
            "value": d["open_interest_hhi"],
            "band": concentration_band(d["open_interest_hhi"], levels),
        },
        {"label": "Open interest, top-4 share", "kind": "share", "value": d["open_interest_top4_share"], "band": ""},
        {
            "label": "Liquidations, HHI",
            "kind": "hhi",
            "value": d["liquidations_hhi"],
            "band": concentration_band(d["liquidations_hhi"], levels),
        },
    ]
    methods = d["liquidations_method_share"] or {}
    method_rows = [{"method": method, "share": methods.get(method)} for method in ("order_book", "backstop", "adl")]
    peak = d["peak_24h_liquidations"]
    peak_span = None if peak is None else (instant(peak["start"]), instant(peak["end"]))
    days, long_usd, short_usd = liquidations_by_day(report.partials.liquidations, report.period)
    chart_list = []
    if venues and by_venue:
        chart_list.append(charts.draw_open_interest_by_venue(_descending(by_venue)))
    liquidations_chart = (
        charts.draw_liquidations_by_day(days, long_usd, short_usd, peak_span) if d["liquidations_total_usd"] else None
    )
    return {
        "figures": d,
        "available": d["open_interest_usd"] is not None or d["liquidations_total_usd"] is not None,
        "venues": venue_rows,
        "assets": asset_rows,
        "concentration": concentration,
        "bands": {"amber": levels.amber, "red": levels.red},
        "methods": method_rows,
        "open_interest_chart": charts.inline(chart_list[0]) if chart_list else None,
        "liquidations_chart": charts.inline(liquidations_chart) if liquidations_chart else None,
        "cascade": build_cascade(report, d),
        "collateral": build_collateral_margin(report, d),
    }


def liquidations_by_day(buckets: pd.DataFrame, period: str) -> tuple[list[datetime], list[float], list[float]]:
    """Every UTC day of the period with Σ notional_usd of long and of short liquidations (USD).

    From the hourly buckets of the partials: summed in cents, so that the days add up to the totals.
    """
    start, end = compute_period_bounds(period)
    days = pd.date_range(start, end, freq="D", inclusive="left")
    frame = pd.DataFrame(
        {"day": buckets["hour"].dt.floor("D"), "side": buckets["position_side"], "cents": buckets["notional_cents"]}
    )
    table = frame.groupby(["day", "side"])["cents"].sum().unstack("side").reindex(days).fillna(0)
    long_cents = table["long"] if "long" in table else pd.Series(0, index=days)
    short_cents = table["short"] if "short" in table else pd.Series(0, index=days)
    return (
        [day.to_pydatetime() for day in days],
        [int(c) / 100 for c in long_cents],
        [int(c) / 100 for c in short_cents],
    )


def build_lending(report: Report, lending: dict[str, Any]) -> dict[str, Any]:
    """Lender league table, collateral mix, DAT debt per treasury and the composition chart."""
    entity_types = dict(zip(report.partials.entities["entity"], report.partials.entities["entity_type"], strict=True))
    levels = flag_definition("lending.lender_hhi").levels(report.thresholds.flags)
    assert isinstance(levels, Level)
    lenders = [
        Row(
            name,
            {
                "type": ENTITY_TYPE_LABELS.get(entity_types.get(name, ""), entity_types.get(name, "")),
                "amount_usd": amount,
                "share": share_of(amount, lending["crypto_collateralized_usd"]),
            },
        )
        for name, amount in _descending(lending["by_lender"])
    ]
    collateral_total = sum((lending["collateral_by_asset"] or {}).values())
    collateral = [
        Row(asset, {"amount_usd": amount, "share": share_of(amount, collateral_total)})
        for asset, amount in _descending(lending["collateral_by_asset"])
    ]
    dat = report.partials.dat_debt
    dat_rows = [
        Row(name, {"amount_usd": amount, "share": share_of(amount, lending["dat_debt_usd"])})
        for name, amount in _descending(
            {lender: int(cents) / 100 for lender, cents in zip(dat["lender"], dat["principal_cents"], strict=True)}
        )
    ]
    parts = [("CeFi", lending["cefi_usd"]), ("DeFi", lending["defi_usd"]), ("CDP", lending["cdp_usd"])]
    composition = (
        charts.inline(charts.draw_lending_composition(parts)) if lending["crypto_collateralized_usd"] else None
    )
    return {
        "figures": lending,
        "available": lending["crypto_collateralized_usd"] is not None or lending["dat_debt_usd"] is not None,
        "lenders": lenders,
        "collateral": collateral,
        "dat": dat_rows,
        "composition_chart": composition,
        "maturity_chart": build_maturity_ladder(lending),
        "bands": {"amber": levels.amber, "red": levels.red},
        "lender_band": concentration_band(lending["lender_hhi"], levels),
        "cefi_band": concentration_band(lending["cefi_lender_hhi"], levels),
    }


def build_incidents(report: Report, incidents: dict[str, Any]) -> dict[str, Any]:
    """Tallies, the capped table of major and significant incidents, and the timeline chart."""
    details = report.metrics.incident_details
    descriptions = incident_descriptions(report)
    serious = sorted(
        (i for i in details if i.severity in ("major", "significant")),
        key=lambda i: (SEVERITY_ORDER[i.severity], i.started_at, i.entity, i.incident_id),
    )
    rows = [
        {
            "entity": i.entity,
            "incident_id": i.incident_id,
            "category": i.category,
            "severity": i.severity,
            "started_at": i.started_at,
            "resolved_at": i.resolved_at,
            "duration_hours": i.duration_hours,
            "critical_service": i.critical_service,
            "thresholds_met": list(i.thresholds_met),
            "in_peak_liquidation_window": i.in_peak_liquidation_window,
            "false_liquidations_usd": i.false_liquidations_usd,
            "compensation_usd": i.compensation_usd,
            "description": format_shortened(descriptions.get((i.entity, i.incident_id), ""), DESCRIPTION_CAP),
        }
        for i in serious[:INCIDENT_ROWS_CAP]
    ]
    start, end = compute_period_bounds(report.period)
    hours, totals = liquidations_by_hour(report.partials.liquidations, report.period)
    peak = report.metrics.derivatives.peak_24h_liquidations
    spans = [
        (instant(i.started_at), instant(i.resolved_at) if i.resolved_at else end.to_pydatetime(), i.severity)
        for i in details
    ]
    timeline = (
        charts.inline(
            charts.draw_incident_timeline(
                hours,
                totals,
                spans,
                None if peak is None else (instant(peak.start), instant(peak.end)),
                (start.to_pydatetime(), end.to_pydatetime()),
            )
        )
        if details or any(totals)
        else None
    )
    return {
        "figures": incidents,
        "by_category": sorted((incidents["by_category"] or {}).items(), key=lambda item: (-item[1], item[0])),
        "by_severity": [(s, (incidents["by_severity"] or {}).get(s, 0)) for s in SEVERITY_ORDER],
        "rows": rows,
        "more": max(len(serious) - INCIDENT_ROWS_CAP, 0),
        "timeline_chart": timeline,
    }


def incident_descriptions(report: Report) -> dict[tuple[str, str], str]:
    """{(entity, incident_id): description} from the accepted submissions that still hold their tables."""
    found: dict[tuple[str, str], str] = {}
    for submission in report.submissions:
        table = submission.tables.get("incidents") if submission.status == "accepted" else None
        if submission.header is None or table is None or "description" not in table:
            continue
        for incident_id, description in zip(table["incident_id"], table["description"], strict=True):
            if isinstance(description, str) and description.strip():
                found[(submission.header.entity_name, str(incident_id))] = description.strip()
    return found


def build_quality(report: Report) -> dict[str, Any]:
    """Per submission: entity, container, status, rows read and findings counted by code (never row lists)."""
    rows: list[dict[str, Any]] = []
    for s in report.submissions:
        name = s.header.entity_name if s.header else (s.header_values.get("entity_name") or "")
        entity_type = s.header.entity_type if s.header else (s.header_values.get("entity_type") or "")
        codes = sorted(
            ((code, n) for code, n in s.finding_counts.items() if n > 0),
            key=lambda item: (CATALOGUE[item[0]].severity != "error", item[0]),
        )
        rows.append(
            {
                "entity": name or "(no valid header)",
                "entity_type": ENTITY_TYPE_LABELS.get(entity_type, entity_type),
                "source": s.source,
                "container": str(s.container),
                "status": s.status,
                "rows": sum(s.rows.values()),
                "errors": s.errors,
                "warnings": s.warnings,
                "findings": [
                    {"code": code, "count": n, "severity": CATALOGUE[code].severity, "fix": CATALOGUE[code].fix}
                    for code, n in codes
                ],
            }
        )
    rows.sort(key=lambda row: ({"rejected": 0, "restated": 1, "accepted": 2}.get(row["status"], 3), row["entity"]))
    codes_seen = sorted({f["code"] for row in rows for f in row["findings"]})
    return {
        "submissions": rows,
        "coverage": report.metrics.coverage,
        "fixes": [
            {"code": code, "severity": CATALOGUE[code].severity, "fix": CATALOGUE[code].fix} for code in codes_seen
        ],
    }


FILING_STATUS_ORDER = {"missing": 0, "rejected": 1, "late": 2, "on_time": 3}


def build_filing(report: Report) -> dict[str, Any] | None:
    """The register's view: who was expected and how each filed, the missing and late ones first; None without one.

    A missing or rejected entity's share is its last-known part of the market (`share_period`).
    """
    coverage = report.metrics.coverage.filing
    if coverage is None:
        return None
    lines = sorted(
        (
            {
                **asdict(detail),
                "type": ENTITY_TYPE_LABELS.get(detail.entity_type, detail.entity_type),
                "market": "open interest" if detail.entity_type in EXCHANGE_TYPES else "lending and DAT debt",
            }
            for detail in report.metrics.filing_details
        ),
        key=lambda line: (FILING_STATUS_ORDER[line["status"]], line["entity"]),
    )
    return {
        "expected": coverage.expected,
        "on_time": sum(line["status"] == "on_time" for line in lines),
        "lines": lines,
        "absent": [line for line in lines if line["status"] in ("missing", "rejected")],
        "late": [line for line in lines if line["status"] == "late"],
        "unregistered": coverage.unregistered,
        "missing_oi_share": coverage.missing_oi_share,
        "missing_lending_share": coverage.missing_lending_share,
    }


def build_scorecards(report: Report) -> dict[str, Any]:
    """Each firm's record over the last 12 periods, and the periods of them that had a build."""
    cards = report.scorecards
    known = sorted({p for card in cards for p, r in zip(card.periods, card.records, strict=True) if r is not None})
    return {
        "first": cards[0].periods[0] if cards else report.period,
        "periods_known": known,
        "rows": [{k: v for k, v in asdict(card).items() if k != "records"} for card in cards],
    }


def build_thresholds(thresholds: Thresholds) -> dict[str, Any]:
    """The thresholds in force, as rows of the methodology annex."""
    flags = []
    for definition in FLAGS:
        flag_id, title, kind = definition.id, definition.title, definition.display
        level = definition.levels(thresholds.flags)
        if isinstance(level, Band):
            flags.append(
                {
                    "id": flag_id,
                    "title": title,
                    "kind": kind,
                    "band": True,
                    "red_low": level.red_low,
                    "red_high": level.red_high,
                    "amber_low": level.amber_low,
                    "amber_high": level.amber_high,
                }
            )
        else:
            flags.append(
                {
                    "id": flag_id,
                    "title": title,
                    "kind": kind,
                    "band": False,
                    "red": level.red,
                    "amber": level.amber,
                    "rule": definition.rule,
                }
            )
    return {"flags": flags, "severity": thresholds.incident_severity}


def build_provenance(report: Report) -> dict[str, Any]:
    """Tool and schema versions, options and every input file with its SHA-256."""
    provenance = report.provenance
    inputs: Iterable[dict[str, Any]] = provenance.get("inputs", [])
    return {
        "tool": provenance.get("tool", "riskreport"),
        "tool_version": provenance.get("tool_version", ""),
        "schema_version": provenance.get("schema_version", ""),
        "generated_at": provenance.get("generated_at", ""),
        "options": sorted((str(k), "" if v is None else str(v)) for k, v in provenance.get("options", {}).items()),
        "metrics_sha256": hashlib.sha256(report.metrics_json).hexdigest(),
        "metrics_bytes": len(report.metrics_json),
        "inputs": list(inputs),
        "total_bytes": sum(int(entry.get("bytes", 0)) for entry in provenance.get("inputs", [])),
    }
