"""The coverage section: what went into the report."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from reporting.contract import EXCHANGE_TYPES, LENDER_TYPES
from reporting.validate.model import ValidatedSubmission


@dataclass(frozen=True)
class Coverage:
    """The `coverage` section of metrics.md: counts of submissions by status, of accepted entities, of warnings."""

    submissions_accepted: int
    submissions_rejected: int
    submissions_restated: int
    exchanges: int
    lenders: int
    warnings: int


def count_coverage(submissions: Iterable[ValidatedSubmission]) -> Coverage:
    """Coverage of a run, from every validated submission of the period (accepted, rejected and restated).

    exchanges and lenders count the distinct entity_ids of accepted submissions of types cex/dex and
    cefi_lender/defi_protocol/cdp_issuer/dat; warnings counts the warning findings of accepted submissions.
    """
    submissions = list(submissions)
    accepted = [s for s in submissions if s.status == "accepted" and s.header is not None]
    return Coverage(
        submissions_accepted=len(accepted),
        submissions_rejected=sum(1 for s in submissions if s.status == "rejected"),
        submissions_restated=sum(1 for s in submissions if s.status == "restated"),
        exchanges=len({s.header.entity_id for s in accepted if s.header and s.header.entity_type in EXCHANGE_TYPES}),
        lenders=len({s.header.entity_id for s in accepted if s.header and s.header.entity_type in LENDER_TYPES}),
        warnings=sum(s.warnings for s in accepted),
    )
