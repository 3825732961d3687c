"""The conformance set: every finding code has a small bad submission and its expected findings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reporting.findings import CATALOGUE
from reporting.validate.folder import validate_folder
from tests.validate.cases import BASES, CASES, FOLDER_CASES, Case

ALL_CASES = CASES + FOLDER_CASES


def located(submissions) -> set[tuple[object, ...]]:
    return {(f.table, f.row, f.column, f.code) for s in submissions for f in s.findings}


@pytest.mark.parametrize("case", ALL_CASES, ids=[case.code for case in ALL_CASES])
def test_case_gives_exactly_its_findings(case: Case, tmp_path: Path) -> None:
    submissions = validate_folder(case.write(tmp_path), "2025-11", case.limits, register=case.register)
    assert located(submissions) == set(case.expected)
    assert case.code in {f.code for s in submissions for f in s.findings}
    for submission in submissions:
        assert submission.status == ("rejected" if submission.errors else "accepted")


def test_every_code_has_a_fixture() -> None:
    assert sorted(case.code for case in ALL_CASES) == sorted(CATALOGUE)


@pytest.mark.parametrize("base", sorted(BASES))
def test_bases_are_valid(base: str, tmp_path: Path) -> None:
    path = tmp_path / f"{base}.json"
    path.write_text(json.dumps(BASES[base]))
    [submission] = validate_folder(path, period="2025-11")
    assert submission.findings == []
    assert submission.status == "accepted"


def test_unrecognised_file_is_listed_as_rejected(tmp_path: Path) -> None:
    (tmp_path / "dat.json").write_text(json.dumps(BASES["dat"]))
    (tmp_path / "notes.txt").write_text("hello")
    submissions = validate_folder(tmp_path, "2025-11")
    assert [(s.source, s.status) for s in submissions] == [("dat.json", "accepted"), ("notes.txt", "rejected")]


def test_restatement_replaces_the_earlier_submission(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text(json.dumps(BASES["dat"]))
    newer = json.loads(json.dumps(BASES["dat"]))
    newer["submission"]["submission_id"] = "0d3f6c1e-2a4b-4c5d-9e8f-7a6b5c4d3e2f"
    newer["submission"]["restates"] = BASES["dat"]["submission"]["submission_id"]
    newer["submission"]["restatement_reason"] = "Corrected principal of CV-2030."
    (tmp_path / "b.json").write_text(json.dumps(newer))
    submissions = validate_folder(tmp_path, "2025-11")
    assert [(s.source, s.status) for s in submissions] == [("a.json", "restated"), ("b.json", "accepted")]
    assert located(submissions) == set()


def test_capped_findings_are_all_counted(tmp_path: Path) -> None:
    [case] = [case for case in FOLDER_CASES if case.code == "findings-capped"]
    [submission] = validate_folder(case.write(tmp_path), "2025-11")
    assert submission.finding_counts["value-not-allowed"] == 1500


def test_a_restatement_of_a_submission_known_from_an_earlier_build_is_no_finding(tmp_path: Path) -> None:
    [case] = [case for case in FOLDER_CASES if case.code == "restates-unknown"]
    [submission] = validate_folder(
        case.write(tmp_path), "2025-11", known_submissions={"11111111-2a4b-4c5d-9e8f-7a6b5c4d3e2f"}
    )
    assert submission.findings == [] and submission.status == "accepted"
