"""What the validate stage produces: submissions with typed tables, findings and a status."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

from reporting.contract import Header
from reporting.findings import CATALOGUE, Finding
from reporting.ingest.model import Container, InputFile
from reporting.validate.log import FindingLog

Status = Literal["accepted", "rejected", "restated"]


@dataclass
class ValidatedSubmission:
    """One submission after validation.

    `tables` holds every table the submission sent, with typed columns named as in the contract:
    money, prices and numbers are float64 (NaN for null); integers are int64, or float64 where the
    column may be null; dates are datetime64 (midnight, no zone); timestamps are datetime64[UTC];
    booleans are bool; text and enums are strings. A table the entity type may leave out and did
    not send is absent; `tables` is empty when the submission was validated for its findings only
    (`riskreport validate`), and holds no liquidations once a build has summarised it into `partials`.
    `header` is None when the header itself was invalid.

    `findings` keeps at most FINDINGS_CAP findings; `finding_counts` counts every finding by code.
    `partials` holds, in a build, the partial aggregates of an accepted submission, computed where it was
    validated (`reporting.metrics.compute.summarise_submission`); it is None otherwise.
    """

    source: str
    container: Container
    header: Header | None
    header_values: dict[str, str | None]
    tables: dict[str, pd.DataFrame]
    findings: list[Finding]
    finding_counts: Counter[str]
    files: list[InputFile]
    status: Status = "accepted"
    rows: dict[str, int] = field(default_factory=dict)
    header_file: str = ""
    partials: object = None

    def add(self, finding: Finding) -> None:
        """Record a finding made after the submission's own checks (the folder-level rules)."""
        FindingLog(kept=self.findings, counts=self.finding_counts).add(finding, beyond_cap=True)
        if finding.severity == "error" and self.status == "accepted":
            self.status = "rejected"

    @property
    def errors(self) -> int:
        return sum(n for code, n in self.finding_counts.items() if CATALOGUE[code].severity == "error")

    @property
    def warnings(self) -> int:
        return sum(self.finding_counts.values()) - self.errors
