"""Nothing lost: every entry of a mixed submissions folder is accounted for in every output of a build.

The folder mixes good submissions with every kind of bad one (tests/security/hostile.py). The build
must still succeed; each good submission must reach the figures, and each bad one must be listed with
a finding in validation-<period>.json, the workbook's Submissions, Validation and Lineage sheets and
the PDF's data-quality annex, including entries the toolkit could not read at all.
"""

from __future__ import annotations

import json
import os
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from reporting.cli import cli
from reporting.ingest.read import printable, read_submission
from tests.security.hostile import GOOD, HOSTILE_NAME, PERIOD, SAMPLE, make_mixed_folder


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    base = tmp_path_factory.mktemp("mixed")
    folder = base / "submissions"
    expected = make_mixed_folder(folder, base / "secret.txt")
    out = base / "out"
    result = CliRunner().invoke(cli, ["build", str(folder), "--period", PERIOD, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    return {"folder": folder, "expected": expected, "out": out, "output": result.output}


def entries(folder: Path) -> list[str]:
    """Every entry of the folder a build must account for: all but hidden ones and the folder's notes."""
    return sorted(
        printable(name) for name in os.listdir(folder) if not name.startswith(".") and name not in {"README.md"}
    )


def every_file(folder: Path) -> list[str]:
    """Every file path under the folder's entries, relative, as findings and lineage name them."""
    found = []
    for entry in entries(folder):
        path = folder / entry
        if path.is_dir() and not path.is_symlink():
            found += [f"{entry}/{printable(name)}" for name in sorted(os.listdir(path)) if not name.startswith(".")]
        else:
            found.append(entry)
    return found


def validation(mixed: dict[str, Any]) -> dict[str, dict[str, Any]]:
    document = json.loads((mixed["out"] / f"validation-{PERIOD}.json").read_text(encoding="utf-8"))
    return {s["source"]: s for s in document["submissions"]}


def test_every_entry_is_listed_once_with_the_status_it_deserves(mixed: dict[str, Any]) -> None:
    document = json.loads((mixed["out"] / f"validation-{PERIOD}.json").read_text(encoding="utf-8"))
    sources = [s["source"] for s in document["submissions"]]
    assert sorted(sources) == entries(mixed["folder"])
    assert len(sources) == len(set(sources)) == len(mixed["expected"])
    listed = validation(mixed)
    for name, code in mixed["expected"].items():
        submission = listed[printable(name)]
        if code == "":
            assert submission["status"] == "accepted", (name, submission["findings"][:3])
            continue
        assert submission["status"] == "rejected", name
        assert submission["errors"] >= 1 and submission["findings"], name
        if code != "*":
            assert code in submission["finding_counts"] and submission["finding_counts"][code] > 0, (name, submission)


def test_counts_add_up_in_the_metrics(mixed: dict[str, Any]) -> None:
    metrics = json.loads((mixed["out"] / f"metrics-{PERIOD}.json").read_text(encoding="utf-8"))
    coverage = metrics["coverage"]
    listed = validation(mixed)
    accepted = [s for s in listed.values() if s["status"] == "accepted"]
    rejected = [s for s in listed.values() if s["status"] == "rejected"]
    assert len(accepted) == len(GOOD) == coverage["submissions_accepted"]
    assert len(rejected) == coverage["submissions_rejected"] == len(listed) - len(GOOD)
    # The accepted venues and lender are in the figures; the rejected hostile one is not.
    venues = set(metrics["derivatives"]["open_interest_by_venue"])
    assert venues == {s["entity_name"] for s in accepted if s["entity_name"] != "Helix Lending Protocol"}
    assert HOSTILE_NAME not in json.dumps(metrics)
    # The one accepted lender, a DeFi protocol: the sum of its secured loans, exactly as submitted.
    lender = read_submission(SAMPLE / PERIOD / "helix-lending", SAMPLE / PERIOD)
    secured = [loan for loan in lender.tables["loans"].data.to_pylist() if loan["collateral_asset"] != "NONE"]
    expected = sum((Decimal(str(loan["borrowed_usd"])) for loan in secured), Decimal(0))
    assert Decimal(repr(metrics["lending"]["crypto_collateralized_usd"])) == expected == Decimal("24500000000")


def test_every_file_is_in_the_validation_or_lineage_sheet(mixed: dict[str, Any]) -> None:
    workbook = openpyxl.load_workbook(mixed["out"] / f"report-{PERIOD}.xlsx", read_only=True)
    header_rows = {"Validation": "submission", "Lineage": "path", "Submissions": None}
    tables: dict[str, list[dict[str, Any]]] = {}
    for sheet in ("Validation", "Lineage"):
        rows = list(workbook[sheet].iter_rows(values_only=True))
        start = next(i for i, row in enumerate(rows) if row and row[0] == header_rows[sheet])
        names = rows[start]
        tables[sheet] = [dict(zip(names, row, strict=False)) for row in rows[start + 1 :] if any(row)]
    submissions_text = "\n".join(
        str(value) for row in workbook["Submissions"].iter_rows(values_only=True) for value in row if value is not None
    )
    workbook.close()
    listed = validation(mixed)
    lineage_paths = {row["path"] for row in tables["Lineage"]}
    finding_files = {row["file"] for row in tables["Validation"]}
    for file in every_file(mixed["folder"]):
        assert file in lineage_paths or file in finding_files, file
    for source, submission in listed.items():
        assert source in submissions_text, source
        rows = [row for row in tables["Validation"] if row["submission"] == source]
        # Every finding kept in the JSON report is a row of the Validation sheet.
        assert len(rows) == len(submission["findings"]), source
        if submission["status"] == "rejected":
            assert any(row["severity"] == "error" for row in rows), source
    # Every input file read is listed with its SHA-256.
    for row in tables["Lineage"]:
        assert re.fullmatch(r"[0-9a-f]{64}", row["sha256"]), row


def test_the_data_quality_annex_lists_every_entry(mixed: dict[str, Any]) -> None:
    reader = PdfReader(mixed["out"] / f"report-{PERIOD}.pdf")
    text = "\n".join(page.extract_text() for page in reader.pages)
    annex = text[text.rindex("Data quality") :]
    # Long names wrap across lines in table cells; compare without white space.
    flat = re.sub(r"\s+", "", annex)
    listed = validation(mixed)
    for source, submission in listed.items():
        assert re.sub(r"\s+", "", source) in flat, source
        if submission["status"] == "rejected":
            code = next(iter(c for c, n in submission["finding_counts"].items() if n > 0))
            assert code in flat, (source, code)
    statuses = re.findall(r"\b(accepted|rejected)\b", annex)
    assert statuses.count("rejected") >= len(listed) - len(GOOD)


def test_nothing_outside_the_folder_reached_any_output(mixed: dict[str, Any]) -> None:
    secret = (mixed["folder"].parent / "secret.txt").read_bytes()
    for output in mixed["out"].iterdir():
        assert secret not in output.read_bytes(), output.name
    manifest = json.loads((mixed["out"] / f"manifest-{PERIOD}.json").read_text(encoding="utf-8"))
    paths = {item["path"] for item in manifest["inputs"]}
    assert not any(path.startswith(("link-", "linked-table/open_interest")) for path in paths)
    assert all(".." not in path.split("/") and not path.startswith("/") for path in paths)
