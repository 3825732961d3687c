"""The register over several built months: last-known shares and the 12-period scorecard from the history."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from pypdf import PdfReader

from reporting.cli import cli
from reporting.ingest.register import read_register
from reporting.pipeline import BuildResult, run_build
from reporting.sample.register import write_register
from tests.render.test_letter import text_of
from tests.render.test_pdf import read_text
from tests.render.test_workbook import recalculate

BUILT = ("2025-08", "2025-09", "2025-10")
ABSENT = "kestrel-markets"
"""A venue that files in August, then neither in September nor in October."""


@dataclass(frozen=True)
class Built:
    out: Path
    root: Path
    register: Path
    october: BuildResult


def read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def built(months: Path, tmp_path_factory: pytest.TempPathFactory) -> Built:
    work = tmp_path_factory.mktemp("filing-history")
    root, out = work / "submissions", work / "reports"
    register_file = write_register(work / "register.csv")
    register = read_register(register_file)
    for period in BUILT:
        shutil.copytree(months / period, root / period)
    for period in BUILT[1:]:
        (root / period / f"{ABSENT}.xlsx").unlink()
    results = [
        run_build(root / period, period, out, register=register, documents=period == BUILT[-1]) for period in BUILT
    ]
    return Built(out, root, register_file, results[-1])


def test_a_filer_absent_for_two_months_keeps_its_share_of_the_last_month_it_filed(built: Built) -> None:
    august = read_json(built.out / "metrics-2025-08.json")["derivatives"]
    october = read_json(built.out / "metrics-2025-10.json")
    name = "Kestrel Markets"
    amount = august["open_interest_by_venue"][name]
    missing = [m for m in october["coverage"]["missing"] if m["entity"] == name]
    assert missing == [
        {
            "entity": name,
            "entity_type": "cex",
            "status": "missing",
            "last_period": "2025-08",
            "last_share": amount / august["open_interest_usd"],
        }
    ]
    # Its August open interest counts in October's missing share (alone unless another venue is missing).
    others = [m for m in october["coverage"]["missing"] if m["entity_type"] in ("cex", "dex") and m["entity"] != name]
    assert not others
    total = october["derivatives"]["open_interest_usd"]
    assert october["coverage"]["missing_oi_share"] == pytest.approx(amount / (total + amount), rel=1e-12)


def expected_scorecards(out: Path) -> dict[str, dict[str, float | int | None]]:
    """Each firm's counts over the months built, from their metrics and validation JSON outputs."""
    statuses: dict[str, Counter[str]] = {}
    sent: dict[str, Counter[str]] = {}
    for period in BUILT:
        metrics = read_json(out / f"metrics-{period}.json")
        for entity, status in metrics["coverage"]["filing_status"].items():
            statuses.setdefault(entity, Counter())[status] += 1
        for submission in read_json(out / f"validation-{period}.json")["submissions"]:
            tally = sent.setdefault(submission["entity_name"], Counter())
            tally.update(submissions=1, errors=submission["errors"], warnings=submission["warnings"])
    cards = {}
    for entity, counts in statuses.items():
        tally = sent.get(entity, Counter())
        received = tally["submissions"]
        cards[entity] = {
            "on_time": counts["on_time"],
            "late": counts["late"],
            "missing": counts["missing"],
            "rejected": counts["rejected"],
            "submissions": received,
            "errors_per_submission": tally["errors"] / received if received else None,
            "warnings_per_submission": tally["warnings"] / received if received else None,
            "restatements": 0,
        }
    return cards


def test_the_scorecard_counts_every_month_of_the_history(built: Built) -> None:
    expected = expected_scorecards(built.out)
    got = {
        card.entity: {key: getattr(card, key) for key in expected[card.entity]}
        for card in built.october.report.scorecards
    }
    assert got == expected
    assert got["Kestrel Markets"]["on_time"] + got["Kestrel Markets"]["late"] == 1
    assert got["Kestrel Markets"]["missing"] == 2
    text = read_text(PdfReader(built.out / "report-2025-10.pdf"))
    assert "of which 3 (2025-08, 2025-09, 2025-10) had a report built" in " ".join(text.split())


def test_the_scorecard_sheet_recomputes_the_counts(built: Built, tmp_path: Path) -> None:
    expected = expected_scorecards(built.out)
    data = (built.out / "report-2025-10.xlsx").read_bytes()
    workbook = load_workbook(recalculate(data, tmp_path), data_only=True)
    sheet = workbook["Scorecard"]
    header = [cell.value for cell in sheet[1]]
    rows = [dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert {row["entity"] for row in rows} == set(expected)
    for row in rows:
        card = expected[row["entity"]]
        for key, value in card.items():
            assert row[key] == ("n/a" if value is None else pytest.approx(value)), (row["entity"], key)
    assert (rows[0]["from"], rows[0]["to"]) == ("2024-11", "2025-10")
    records = workbook["Period records"]
    assert records.max_row - 1 == sum(
        c["on_time"] + c["late"] + c["missing"] + c["rejected"] for c in expected.values()
    )


def test_the_letter_counts_the_months_of_the_history(built: Built, tmp_path: Path) -> None:
    args = ["letter", built.root / "2025-10", "--period", "2025-10", "--entity", ABSENT, "--out", tmp_path]
    args += ["--register", built.register, "--history", built.out / "history.sqlite"]
    result = CliRunner().invoke(cli, [str(arg) for arg in args])
    assert result.exit_code == 0, result.output
    expected = expected_scorecards(built.out)["Kestrel Markets"]
    text = text_of(tmp_path / f"letter-2025-10-{ABSENT}.pdf")
    assert f"On time {expected['on_time']}, late {expected['late']}, missing 2, rejected 0; 1 submission, with" in text
    without = CliRunner().invoke(cli, [str(arg) for arg in args[:-2] + ["--out", tmp_path / "alone"]])
    assert without.exit_code == 0, without.output
    assert "On time 0, late 0, missing 1, rejected 0; no submission" in text_of(
        tmp_path / "alone" / f"letter-2025-10-{ABSENT}.pdf"
    )
