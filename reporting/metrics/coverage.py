"""The coverage section: what went into the report."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from reporting.contract import EXCHANGE_TYPES, LENDER_TYPES
from reporting.metrics.filing import FilingCoverage
from reporting.validate.model import ValidatedSubmission


@dataclass(frozen=True)
class Coverage:
    """The `coverage` section of metrics.md: counts of submissions by status, of accepted entities, of warnings.

    `filing` holds the register figures (metrics 1.1); they are absent from `to_dict()` without a register.
    """

    submissions_accepted: int
    submissions_rejected: int
    submissions_restated: int
    exchanges: int
    lenders: int
    warnings: int
    filing: FilingCoverage | None = None

    def to_dict(self) -> dict[str, Any]:
        """The coverage section of the metrics JSON."""
        counts = {key: value for key, value in asdict(self).items() if key != "filing"}
        return counts if self.filing is None else {**counts, **asdict(self.filing)}


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
