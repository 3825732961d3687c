"""The register figures of `coverage` (metrics 1.1): who was expected, who filed on time, late, or not at all.

An entity's **part of the market** in a period is its period-end open interest (venues, of
open_interest_usd) or the debt it reports (lenders: its amount in crypto_collateralized_usd plus its
dat_debt, of crypto_collateralized_usd + dat_debt_usd). `compute_entity_figures` gives it for the
period built; the earlier periods' figures come in as a small mapping (`earlier`), from the history of
builds or from the prior month, so the computation does not depend on where they are kept.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import pandas as pd

from reporting.contract import EXCHANGE_TYPES
from reporting.ingest.register import Register, days_late, due_at, due_date
from reporting.metrics.derivatives import DerivativesMetrics
from reporting.metrics.lending import LendingMetrics
from reporting.metrics.partials import Partials
from reporting.metrics.period import format_timestamp, format_usd
from reporting.validate.model import Status, ValidatedSubmission

FilingStatus = Literal["on_time", "late", "rejected", "missing"]


@dataclass(frozen=True)
class Filing:
    """One submission of the period, as far as filing goes: whose it is, when it came, and its status."""

    entity_id: str
    entity_name: str
    entity_type: str
    submitted_at: datetime
    status: Status


def list_filings(submissions: Iterable[ValidatedSubmission]) -> list[Filing]:
    """The filings of the submissions whose header could be read (the others name no entity)."""
    return [
        Filing(s.header.entity_id, s.header.entity_name, s.header.entity_type, s.header.submitted_at, s.status)
        for s in submissions
        if s.header is not None
    ]


def days_late_of(filing: Filing, period: str, register: Register | None) -> int:
    """Whole days the filing came after its due date (the register's due day for its entity, else the 15th)."""
    entry = None if register is None else register.find(filing.entity_id)
    return days_late(filing.submitted_at, due_at(period, entry.due_day if entry else None))


def filing_status(days_late_of_accepted: int | None, sent: bool) -> FilingStatus:
    """An entity's status: from the days late of its accepted submission (None if none), and whether it sent any."""
    if days_late_of_accepted is None:
        return "rejected" if sent else "missing"
    return "late" if days_late_of_accepted else "on_time"


@dataclass(frozen=True)
class EntityFigure:
    """An entity's part of the market in one period: the amount (USD) and its share of the market (0–1)."""

    period: str
    amount_usd: float
    share: float | None


def compute_entity_figures(
    period: str,
    filings: Sequence[Filing],
    derivatives: DerivativesMetrics,
    lending: LendingMetrics,
    partials: Partials,
) -> dict[str, EntityFigure]:
    """{entity_id: part of the market} for every accepted entity of the period.

    Partials and figures name entities by entity_name; the accepted filings give each name's entity_id.
    """
    venue_total = derivatives.open_interest_usd
    lending_total = lending_market_usd(lending.crypto_collateralized_usd, lending.dat_debt_usd)
    dat_cents = partials.dat_debt.groupby("lender")["principal_cents"].sum()
    figures = {}
    for filing in filings:
        if filing.status != "accepted":
            continue
        name = filing.entity_name
        if filing.entity_type in EXCHANGE_TYPES:
            amount = (derivatives.open_interest_by_venue or {}).get(name, 0.0)
            total = venue_total
        else:
            amount = (lending.by_lender or {}).get(name, 0.0) + format_usd(int(dat_cents.get(name, 0)))
            total = lending_total
        figures[filing.entity_id] = EntityFigure(period, amount, amount / total if total else None)
    return figures


def entity_figures_from_metrics(metrics: Mapping[str, Any], register: Register) -> dict[str, EntityFigure]:
    """{entity_id: part of the market} of a period known only by its metrics JSON, for the register's entities.

    The JSON names venues and lenders by the register's entity_name. It holds no DAT debt per entity,
    so a `dat` entity's amount is left out (only submissions folders and the history give it).
    """
    period = str(metrics.get("period"))
    derivatives, lending = metrics.get("derivatives") or {}, metrics.get("lending") or {}
    venues, lenders = derivatives.get("open_interest_by_venue") or {}, lending.get("by_lender") or {}
    venue_total = derivatives.get("open_interest_usd")
    lending_total = lending_market_usd(lending.get("crypto_collateralized_usd"), lending.get("dat_debt_usd"))
    figures = {}
    for entry in register.entries:
        amounts, total = (venues, venue_total) if entry.entity_type in EXCHANGE_TYPES else (lenders, lending_total)
        if entry.entity_name in amounts:
            amount = float(amounts[entry.entity_name])
            figures[entry.entity_id] = EntityFigure(period, amount, amount / total if total else None)
    return figures


@dataclass(frozen=True)
class FilingInput:
    """What the register figures need besides the period's figures: the register, the period's filings, and
    {entity_id: part of the market} in the latest earlier period each entity filed."""

    register: Register
    filings: list[Filing]
    earlier: Mapping[str, EntityFigure]


@dataclass(frozen=True)
class MissingFiler:
    """An expected entity without an accepted submission (`missing` of coverage)."""

    entity: str
    entity_type: str
    status: FilingStatus
    last_period: str | None
    last_share: float | None


@dataclass(frozen=True)
class LateFiler:
    """An accepted submission received after its due date (`late` of coverage)."""

    entity: str
    submitted_at: str
    days_late: int


@dataclass(frozen=True)
class FilingDetail:
    """One expected entity's line of the filing-status table (not part of the metrics JSON).

    `share` is the last-known part of the market: this period's when the entity filed, else that of
    `share_period`, the latest earlier period it filed; `amount_usd` is its part of the market then.
    """

    entity_id: str
    entity: str
    entity_type: str
    status: FilingStatus
    submitted_at: str | None
    due: str
    days_late: int | None
    share: float | None
    share_period: str | None
    amount_usd: float | None


@dataclass(frozen=True)
class FilingCoverage:
    """The register figures of `coverage`, key for key."""

    expected: int
    filing_status: dict[str, FilingStatus]
    missing: list[MissingFiler]
    late: list[LateFiler]
    unregistered: list[str]
    missing_oi_share: float | None
    missing_lending_share: float | None


def compute_register_figures(
    register: Register,
    period: str,
    filings: Sequence[Filing],
    current: Mapping[str, EntityFigure],
    earlier: Mapping[str, EntityFigure],
    open_interest_usd: float | None,
    lending_usd: float | None,
) -> tuple[FilingCoverage, list[FilingDetail]]:
    """The register figures of `period`, and the filing-status line of every expected entity.

    - expected: the register entries expected in the period.
    - filing_status: `on_time` or `late` (an accepted submission, after its due date or not), `rejected`
      (only submissions that are not accepted), `missing` (none), per expected entity (named as in the register).
    - missing: the `rejected` and `missing` ones, with the latest earlier period they filed (`earlier`) and
      their share in it.
    - late: accepted submissions after their due date, registered or not (an unregistered entity is due on
      the 15th), with days_late rounded up to whole days.
    - unregistered: entity_ids of accepted submissions not in the register.
    - missing_oi_share: Σ last-period open interest of the missing venues ÷ (open_interest_usd + that sum);
      missing_lending_share the same for lenders, with lending_usd (crypto_collateralized_usd + dat_debt_usd).
      0 when none is missing; None when both sums are 0 or unknown.
    """
    accepted = {f.entity_id: f for f in filings if f.status == "accepted"}
    sent = {f.entity_id for f in filings}
    details = []
    for entry in register.expected(period):
        filing = accepted.get(entry.entity_id)
        late = None if filing is None else days_late_of(filing, period, register)
        status = filing_status(late, entry.entity_id in sent)
        figure = current.get(entry.entity_id) if filing else earlier.get(entry.entity_id)
        details.append(
            FilingDetail(
                entity_id=entry.entity_id,
                entity=entry.entity_name,
                entity_type=entry.entity_type,
                status=status,
                submitted_at=None if filing is None else format_timestamp(pd.Timestamp(filing.submitted_at)),
                due=due_date(period, entry.due_day).isoformat(),
                days_late=late,
                share=None if figure is None else figure.share,
                share_period=None if figure is None else figure.period,
                amount_usd=None if figure is None else figure.amount_usd,
            )
        )
    details.sort(key=lambda d: d.entity)
    absent = [d for d in details if d.status in ("rejected", "missing")]
    venue = EXCHANGE_TYPES
    coverage = FilingCoverage(
        expected=len(details),
        filing_status={d.entity: d.status for d in details},
        missing=[MissingFiler(d.entity, d.entity_type, d.status, d.share_period, d.share) for d in absent],
        late=_late_filers(register, period, accepted.values()),
        unregistered=sorted(entity_id for entity_id in accepted if register.find(entity_id) is None),
        missing_oi_share=_missing_share([d for d in absent if d.entity_type in venue], open_interest_usd),
        missing_lending_share=_missing_share([d for d in absent if d.entity_type not in venue], lending_usd),
    )
    return coverage, details


def _late_filers(register: Register, period: str, accepted: Iterable[Filing]) -> list[LateFiler]:
    late = []
    for filing in accepted:
        days = days_late_of(filing, period, register)
        if days:
            entry = register.find(filing.entity_id)
            name = entry.entity_name if entry else filing.entity_name
            late.append(LateFiler(name, format_timestamp(pd.Timestamp(filing.submitted_at)), days))
    return sorted(late, key=lambda filer: filer.entity)


def _missing_share(absent: Sequence[FilingDetail], total: float | None) -> float | None:
    if not absent:
        return 0.0
    missing_usd = sum(d.amount_usd or 0.0 for d in absent)
    whole = (total or 0.0) + missing_usd
    return missing_usd / whole if whole else None


def lending_market_usd(crypto_collateralized_usd: float | None, dat_debt_usd: float | None) -> float | None:
    """The lenders' market: crypto_collateralized_usd + dat_debt_usd (the parts reported; None when neither is)."""
    if crypto_collateralized_usd is None and dat_debt_usd is None:
        return None
    return (crypto_collateralized_usd or 0.0) + (dat_debt_usd or 0.0)
