"""Each firm's filing record per period, and the scorecard over the last 12 periods."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from reporting.metrics.record import PeriodRecord, compute_period_records, compute_scorecard, last_periods
from reporting.validate.folder import validate_folder
from tests.metrics.test_filing import REGISTER, write
from tests.validate.cases import BASES


def record(
    period: str, status: str, sent: int = 1, errors: int = 0, warnings: int = 0, restated: int = 0
) -> PeriodRecord:
    return PeriodRecord(period, status, f"{period}-15", None, None, sent, errors, warnings, restated)  # type: ignore[arg-type]


def test_the_period_record_of_each_firm(tmp_path: Path) -> None:
    folder = tmp_path / "2025-11"
    write(folder, "northwind.json", BASES["cex"])
    newer = copy.deepcopy(BASES["dat"])
    newer["submission"].update(
        submission_id="2a1c2a10-3b4d-4e5f-8a9b-0c1d2e3f4a5b",
        restates="6f1c2a10-3b4d-4e5f-8a9b-0c1d2e3f4a5c",
        restatement_reason="Corrected principal.",
    )
    write(folder, "strata-old.json", BASES["dat"], submission_id="6f1c2a10-3b4d-4e5f-8a9b-0c1d2e3f4a5c")
    (folder / "strata-new.json").write_text(json.dumps(newer), encoding="utf-8")
    harbor = copy.deepcopy(BASES["cefi_lender"])
    harbor["tables"]["loans"][0]["borrowed_usd"] = "five billion"
    write(folder, "harbor.json", harbor, submission_id="3a1c2a10-3b4d-4e5f-8a9b-0c1d2e3f4a5b")
    records = compute_period_records("2025-11", validate_folder(folder, "2025-11", register=REGISTER), REGISTER)
    assert list(records) == ["harbor-credit", "northwind-derivatives", "pinecrest-perps", "strata-treasury"]
    northwind = records["northwind-derivatives"]
    assert (northwind.status, northwind.due, northwind.days_late, northwind.warnings) == ("late", "2025-12-03", 2, 1)
    strata = records["strata-treasury"]
    assert (strata.status, strata.submissions, strata.restatements, strata.days_late) == ("on_time", 2, 1, 0)
    assert (records["harbor-credit"].status, records["harbor-credit"].errors) == ("rejected", 1)
    assert records["pinecrest-perps"] == PeriodRecord("2025-11", "missing", "2025-12-15", None, None, 0, 0, 0, 0)


def test_last_periods_cross_the_year() -> None:
    assert last_periods("2025-11") == [f"2024-{m:02d}" for m in (12,)] + [f"2025-{m:02d}" for m in range(1, 12)]


def test_the_scorecard_counts_the_last_12_periods_only() -> None:
    records = {
        "2024-11": {"x": record("2024-11", "late")},  # 13 periods back: outside the window
        "2024-12": {"x": record("2024-12", "late", errors=3)},
        "2025-03": {"x": record("2025-03", "rejected", sent=2, errors=5, warnings=1)},
        "2025-06": {"x": record("2025-06", "missing", sent=0)},
        "2025-10": {"x": record("2025-10", "on_time", warnings=2, restated=1)},
        "2025-11": {"x": record("2025-11", "on_time"), "y": record("2025-11", "late")},
    }
    card = compute_scorecard("x", "X", "2025-11", records)
    assert (card.on_time, card.late, card.missing, card.rejected) == (2, 1, 1, 1)
    assert card.submissions == 5 and card.restatements == 1
    assert card.errors_per_submission == pytest.approx(8 / 5)
    assert card.warnings_per_submission == pytest.approx(3 / 5)
    assert card.periods[0] == "2024-12" and card.periods[-1] == "2025-11" and len(card.records) == 12
    nothing = compute_scorecard("z", "Z", "2025-11", records)
    assert nothing.submissions == 0 and nothing.errors_per_submission is None
