"""The register figures of coverage (metrics 1.1), computed by hand for a small folder built from the bases."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from reporting.config import load_thresholds
from reporting.ingest.register import Register, RegisterEntry
from reporting.metrics.filing import EntityFigure
from reporting.pipeline import compute_period, load_prior
from tests.validate.cases import BASES

OCTOBER_PINECREST = EntityFigure("2025-09", 700_000_000.0, 0.35)
OCTOBER_HARBOR = EntityFigure("2025-10", 5_000_000_000.0, 0.4)


def entry(entity_id: str, name: str, entity_type: str, **more: Any) -> RegisterEntry:
    values = {"entity_id": entity_id, "entity_name": name, "entity_type": entity_type, "expected_from": "2025-01"}
    return RegisterEntry.model_validate({**values, **more})


REGISTER = Register(
    "register.csv",
    "",
    (
        entry("northwind-derivatives", "Northwind Derivatives", "cex", due_day=3),
        entry("strata-treasury", "Strata Treasury", "dat"),
        entry("harbor-credit", "Harbor Credit", "cefi_lender"),
        entry("pinecrest-perps", "Pinecrest Perps", "dex"),
        entry("old-venue", "Old Venue", "cex", expected_to="2025-10"),
        entry("new-lender", "New Lender", "defi_protocol", expected_from="2025-12"),
    ),
)


def write(folder: Path, name: str, doc: dict[str, Any], **header: Any) -> None:
    doc = copy.deepcopy(doc)
    doc["submission"].update(header)
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(json.dumps(doc), encoding="utf-8")


@pytest.fixture
def november(tmp_path: Path) -> Path:
    """Northwind files late (5 Dec 09:30, due by the end of 3 Dec), Strata on time, Harbor only a rejected
    submission, Lumen unregistered, and Pinecrest nothing at all."""
    folder = tmp_path / "2025-11"
    write(folder, "northwind.json", BASES["cex"])
    write(folder, "strata.json", BASES["dat"], submission_id="2a1c2a10-3b4d-4e5f-8a9b-0c1d2e3f4a5b")
    harbor = copy.deepcopy(BASES["cefi_lender"])
    harbor["tables"]["loans"][0]["borrowed_usd"] = "five billion"
    write(folder, "harbor.json", harbor, submission_id="3a1c2a10-3b4d-4e5f-8a9b-0c1d2e3f4a5b")
    write(folder, "lumen.json", BASES["defi_protocol"], submission_id="4a1c2a10-3b4d-4e5f-8a9b-0c1d2e3f4a5b")
    return folder


def test_the_register_figures_are_those_of_the_spec(november: Path) -> None:
    earlier = {"pinecrest-perps": OCTOBER_PINECREST, "harbor-credit": OCTOBER_HARBOR}
    coverage = compute_period(november, "2025-11", register=REGISTER, last_known=earlier).metrics.to_dict()["coverage"]
    assert coverage["expected"] == 4
    assert coverage["filing_status"] == {
        "Harbor Credit": "rejected",
        "Northwind Derivatives": "late",
        "Pinecrest Perps": "missing",
        "Strata Treasury": "on_time",
    }
    assert coverage["missing"] == [
        {
            "entity": "Harbor Credit",
            "entity_type": "cefi_lender",
            "status": "rejected",
            "last_period": "2025-10",
            "last_share": 0.4,
        },
        {
            "entity": "Pinecrest Perps",
            "entity_type": "dex",
            "status": "missing",
            "last_period": "2025-09",
            "last_share": 0.35,
        },
    ]
    # 5 Dec 09:30 is 1 day 9.5 hours after the end of 3 Dec: 2 days, rounded up.
    assert coverage["late"] == [
        {"entity": "Northwind Derivatives", "submitted_at": "2025-12-05T09:30:00Z", "days_late": 2}
    ]
    assert coverage["unregistered"] == ["lumen-lend"]
    # Pinecrest's last 700M of open interest against Northwind's 1,300M at the end of November.
    assert coverage["missing_oi_share"] == pytest.approx(700 / (1300 + 700))
    # Harbor's last 5,000M against Lumen's 5,000M of DeFi loans and Strata's 3,000M of DAT debt.
    assert coverage["missing_lending_share"] == pytest.approx(5000 / (5000 + 3000 + 5000))


def test_the_filing_details_give_every_expected_entity_its_line(november: Path) -> None:
    earlier = {"pinecrest-perps": OCTOBER_PINECREST}
    metrics = compute_period(november, "2025-11", register=REGISTER, last_known=earlier).metrics
    lines = {d.entity_id: d for d in metrics.filing_details}
    assert list(lines) == ["harbor-credit", "northwind-derivatives", "pinecrest-perps", "strata-treasury"]
    northwind = lines["northwind-derivatives"]
    assert (northwind.status, northwind.due, northwind.days_late) == ("late", "2025-12-03", 2)
    assert (northwind.share, northwind.share_period) == (1.0, "2025-11")
    strata = lines["strata-treasury"]
    assert (strata.status, strata.due, strata.days_late, strata.submitted_at) == (
        "on_time",
        "2025-12-15",
        0,
        "2025-12-05T09:30:00Z",
    )
    assert strata.share == pytest.approx(3000 / (5000 + 3000))
    assert (lines["pinecrest-perps"].share, lines["pinecrest-perps"].share_period) == (0.35, "2025-09")
    harbor = lines["harbor-credit"]
    assert (harbor.status, harbor.submitted_at, harbor.share, harbor.share_period) == ("rejected", None, None, None)
    # With no earlier figure for Harbor, the missing lending share counts nothing for it.
    assert metrics.coverage.filing is not None and metrics.coverage.filing.missing_lending_share == 0.0


def test_without_a_register_the_keys_are_absent(november: Path) -> None:
    coverage = compute_period(november, "2025-11").metrics.to_dict()["coverage"]
    assert "expected" not in coverage and "missing_oi_share" not in coverage
    assert set(coverage) == {
        "submissions_accepted",
        "submissions_rejected",
        "submissions_restated",
        "exchanges",
        "lenders",
        "warnings",
    }


def test_nobody_missing_gives_zero_shares(november: Path) -> None:
    register = Register("r.csv", "", REGISTER.entries[:2])
    coverage = compute_period(november, "2025-11", register=register).metrics.to_dict()["coverage"]
    assert (
        coverage["missing"] == [] and coverage["missing_oi_share"] == 0.0 and coverage["missing_lending_share"] == 0.0
    )


def test_the_prior_folder_gives_each_entity_its_part_of_the_market(tmp_path: Path) -> None:
    october = tmp_path / "2025-10"
    pinecrest = copy.deepcopy(BASES["cex"])
    for row in pinecrest["tables"]["open_interest"]:
        row["date"] = row["date"].replace("2025-11", "2025-10")
    pinecrest["tables"]["liquidations"] = []
    pinecrest["tables"].pop("incidents")
    write(
        october,
        "pinecrest.json",
        pinecrest,
        entity_id="pinecrest-perps",
        entity_name="Pinecrest Perps",
        period="2025-10",
        submitted_at="2025-11-05T09:30:00Z",
    )
    write(october, "strata.json", BASES["dat"], period="2025-10", submission_id="2a1c2a10-3b4d-4e5f-8a9b-0c1d2e3f4a5b")
    write(
        october,
        "harbor.json",
        BASES["cefi_lender"],
        period="2025-10",
        submission_id="3a1c2a10-3b4d-4e5f-8a9b-0c1d2e3f4a5b",
    )
    prior = load_prior(october, "2025-11", load_thresholds(None), register=REGISTER)
    assert prior.entity_figures == {
        "pinecrest-perps": EntityFigure("2025-10", 1_300_000_000.0, 1.0),
        "strata-treasury": EntityFigure("2025-10", 3_000_000_000.0, 3 / 8),
        "harbor-credit": EntityFigure("2025-10", 5_000_000_000.0, 5 / 8),
    }
    # The prior month's metrics JSON names entities as the register does, but holds no DAT debt per entity.
    (tmp_path / "metrics.json").write_text(json.dumps(prior.metrics), encoding="utf-8")
    from_json = load_prior(tmp_path / "metrics.json", "2025-11", load_thresholds(None), register=REGISTER)
    assert from_json.entity_figures == {
        "pinecrest-perps": EntityFigure("2025-10", 1_300_000_000.0, 1.0),
        "harbor-credit": EntityFigure("2025-10", 5_000_000_000.0, 5 / 8),
    }


def test_the_flag_is_red_when_the_missing_share_is_over_10_percent(november: Path) -> None:
    earlier = {"pinecrest-perps": OCTOBER_PINECREST, "harbor-credit": OCTOBER_HARBOR}
    flags = compute_period(november, "2025-11", register=REGISTER, last_known=earlier).metrics.to_dict()["flags"]
    [flag] = [f for f in flags if f["id"] == "filing_coverage"]
    # The larger share is lending's: Harbor's 5,000M of 13,000M.
    assert flag["status"] == "red" and flag["metric"] == "coverage.missing_lending_share"
    assert flag["value"] == pytest.approx(5000 / 13000) and flag["threshold"] == 0.10


@pytest.mark.parametrize(
    ("pinecrest_usd", "status"),
    [
        (1300e6 / 9, "amber"),  # exactly 10 % of (1,300M + its 144.4M): not over
        (1300e6 / 9 + 1000, "red"),
    ],
)
def test_the_flag_goes_red_only_above_10_percent(november: Path, pinecrest_usd: float, status: str) -> None:
    register = Register("r.csv", "", REGISTER.entries[:4])
    earlier = {"pinecrest-perps": EntityFigure("2025-10", pinecrest_usd, 0.1)}
    metrics = compute_period(november, "2025-11", register=register, last_known=earlier).metrics.to_dict()
    [flag] = [f for f in metrics["flags"] if f["id"] == "filing_coverage"]
    assert metrics["coverage"]["missing_lending_share"] == 0.0  # Harbor has no earlier figure here
    assert flag["metric"] == "coverage.missing_oi_share" and flag["status"] == status


def test_the_flag_is_amber_for_a_late_filer_alone_green_when_all_are_on_time(november: Path) -> None:
    late_only = Register("r.csv", "", REGISTER.entries[:1])  # Northwind, late
    on_time = Register("r.csv", "", REGISTER.entries[1:2])  # Strata, on time
    for register, status in ((late_only, "amber"), (on_time, "green")):
        flags = compute_period(november, "2025-11", register=register).metrics.to_dict()["flags"]
        [flag] = [f for f in flags if f["id"] == "filing_coverage"]
        assert (flag["status"], flag["value"]) == (status, 0.0)


def test_without_a_register_there_is_no_filing_flag(november: Path) -> None:
    flags = compute_period(november, "2025-11").metrics.to_dict()["flags"]
    assert "filing_coverage" not in {f["id"] for f in flags}
