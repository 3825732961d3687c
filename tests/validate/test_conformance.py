"""The conformance set: every finding code has a small bad submission and its expected findings."""

from __future__ import annotations

import copy
import json
import os
import zipfile
from pathlib import Path

import pytest

from reporting.findings import CATALOGUE
from reporting.ingest.model import Limits
from reporting.validate.folder import validate_folder
from tests.validate.cases import BASES, CASES, Case


def located(submissions) -> set[tuple[object, ...]]:
    return {(f.table, f.row, f.column, f.code) for s in submissions for f in s.findings}


@pytest.mark.parametrize("case", CASES, ids=[case.code for case in CASES])
def test_case_gives_exactly_its_findings(case: Case, tmp_path: Path) -> None:
    [submission] = validate_folder(case.write(tmp_path), period="2025-11")
    assert located([submission]) == set(case.expected)
    expected_status = "rejected" if CATALOGUE[case.code].severity == "error" else "accepted"
    assert submission.status == expected_status


@pytest.mark.parametrize("base", sorted(BASES))
def test_bases_are_valid(base: str, tmp_path: Path) -> None:
    path = tmp_path / f"{base}.json"
    path.write_text(json.dumps(BASES[base]))
    [submission] = validate_folder(path, period="2025-11")
    assert submission.findings == []
    assert submission.status == "accepted"


def write_json(folder: Path, name: str, doc: dict) -> Path:
    path = folder / name
    path.write_text(json.dumps(doc))
    return path


def write_csv_folder(folder: Path, doc: dict) -> Path:
    folder.mkdir()
    (folder / "submission.json").write_text(json.dumps(doc["submission"]))
    for name, rows in doc["tables"].items():
        columns = list(rows[0])
        lines = [",".join(columns)] + [",".join("" if r[c] is None else str(r[c]) for c in columns) for r in rows]
        (folder / f"{name}.csv").write_text("\n".join(lines) + "\n")
    return folder


def codes(submissions) -> list[str]:
    return sorted(f.code for s in submissions for f in s.findings)


def test_file_too_large(tmp_path: Path) -> None:
    path = write_json(tmp_path, "big.json", BASES["dat"])
    [submission] = validate_folder(path, "2025-11", Limits(max_file_bytes=100))
    assert located([submission]) == {(None, None, None, "file-too-large")}


def test_zip_bomb(tmp_path: Path) -> None:
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * 20_000_000)
    [submission] = validate_folder(path, "2025-11")
    assert located([submission]) == {(None, None, None, "file-zip-bomb")}


def test_symlink_out_of_folder_is_not_followed(tmp_path: Path) -> None:
    outside = write_json(tmp_path, "outside.json", BASES["dat"])
    folder = tmp_path / "submissions"
    folder.mkdir()
    os.symlink(outside, folder / "linked.json")
    submissions = validate_folder(folder, "2025-11")
    assert codes(submissions) == ["file-unsafe-path"]
    assert submissions[0].status == "rejected"


def test_unrecognised_file_is_listed(tmp_path: Path) -> None:
    write_json(tmp_path, "dat.json", BASES["dat"])
    (tmp_path / "notes.txt").write_text("hello")
    submissions = validate_folder(tmp_path, "2025-11")
    assert [(s.source, s.status) for s in submissions] == [("dat.json", "accepted"), ("notes.txt", "rejected")]
    assert codes(submissions) == ["file-unrecognised"]


def test_duplicate_table_files(tmp_path: Path) -> None:
    folder = write_csv_folder(tmp_path / "dat", BASES["dat"])
    (folder / "dat_debt.parquet").write_bytes(b"PAR1")
    [submission] = validate_folder(tmp_path, "2025-11")
    assert "file-duplicate-table" in codes([submission])


def test_too_many_rows(tmp_path: Path) -> None:
    write_csv_folder(tmp_path / "cex", BASES["cex"])
    [submission] = validate_folder(tmp_path, "2025-11", Limits(max_rows=1))
    assert "table-too-many-rows" in codes([submission])


def test_duplicate_column(tmp_path: Path) -> None:
    folder = write_csv_folder(tmp_path / "dat", BASES["dat"])
    text = (folder / "dat_debt.csv").read_text().splitlines()
    (folder / "dat_debt.csv").write_text(f"{text[0]},coupon_pct\n{text[1]},1\n")
    [submission] = validate_folder(tmp_path, "2025-11")
    assert ("dat_debt", None, "coupon_pct", "column-duplicate") in located([submission])


def test_duplicate_submission_id(tmp_path: Path) -> None:
    write_json(tmp_path, "a.json", BASES["dat"])
    other = copy.deepcopy(BASES["cdp_issuer"])
    write_json(tmp_path, "b.json", other)
    submissions = validate_folder(tmp_path, "2025-11")
    assert codes(submissions) == ["submission-id-duplicate"] * 2
    assert {s.status for s in submissions} == {"rejected"}


def test_restatement_replaces_the_earlier_submission(tmp_path: Path) -> None:
    write_json(tmp_path, "a.json", BASES["dat"])
    newer = copy.deepcopy(BASES["dat"])
    newer["submission"]["submission_id"] = "0d3f6c1e-2a4b-4c5d-9e8f-7a6b5c4d3e2f"
    newer["submission"]["restates"] = BASES["dat"]["submission"]["submission_id"]
    newer["submission"]["restatement_reason"] = "Corrected principal of CV-2030."
    write_json(tmp_path, "b.json", newer)
    submissions = validate_folder(tmp_path, "2025-11")
    assert [(s.source, s.status) for s in submissions] == [("a.json", "restated"), ("b.json", "accepted")]
    assert codes(submissions) == []


def test_restates_unknown(tmp_path: Path) -> None:
    doc = copy.deepcopy(BASES["dat"])
    doc["submission"]["restates"] = "0d3f6c1e-2a4b-4c5d-9e8f-7a6b5c4d3e2f"
    doc["submission"]["restatement_reason"] = "Corrected."
    [submission] = validate_folder(write_json(tmp_path, "a.json", doc), "2025-11")
    assert located([submission]) == {("submission", None, "restates", "restates-unknown")}
    assert submission.status == "accepted"


def test_two_submissions_of_one_entity_and_period(tmp_path: Path) -> None:
    write_json(tmp_path, "a.json", BASES["dat"])
    again = copy.deepcopy(BASES["dat"])
    again["submission"]["submission_id"] = "0d3f6c1e-2a4b-4c5d-9e8f-7a6b5c4d3e2f"
    write_json(tmp_path, "b.json", again)
    submissions = validate_folder(tmp_path, "2025-11")
    assert codes(submissions) == ["entity-period-duplicate"] * 2
    assert {s.status for s in submissions} == {"rejected"}


def test_findings_are_capped_and_counted(tmp_path: Path) -> None:
    doc = copy.deepcopy(BASES["cex"])
    row = doc["tables"]["liquidations"][1]
    doc["tables"]["liquidations"] = [{**row, "event_id": f"E{i}", "position_side": "buy"} for i in range(1500)]
    [submission] = validate_folder(write_json(tmp_path, "cex.json", doc), "2025-11")
    assert submission.finding_counts["value-not-allowed"] == 1500
    assert len(submission.findings) == 1001
    assert submission.findings[-1].code == "findings-capped"


SPECIAL = {
    "file-too-large",
    "file-zip-bomb",
    "file-unsafe-path",
    "file-unrecognised",
    "file-duplicate-table",
    "table-too-many-rows",
    "column-duplicate",
    "submission-id-duplicate",
    "entity-period-duplicate",
    "restates-unknown",
    "findings-capped",
}


def test_every_code_has_a_fixture() -> None:
    assert {case.code for case in CASES} | SPECIAL == set(CATALOGUE)
