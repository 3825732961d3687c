"""Folders, archives and documents crafted to slip past a check or to make it answer differently
(issue 17, classes 6, 9, 10, 11, 12, 14, 15 and 17)."""

from __future__ import annotations

import copy
import io
import json
import os
import zipfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from reporting.ingest.model import Limits
from reporting.validate.folder import validate_folder
from tests.security.hostile import PERIOD
from tests.validate.cases import BASES
from tests.validate.containers import write_container

OTHER_ID = "0d3f6c1e-2a4b-4c5d-9e8f-7a6b5c4d3e2f"


def codes(submission) -> list[tuple[object, ...]]:
    return [(f.table, f.column, f.code) for f in submission.findings]


def test_a_parquet_table_that_decodes_past_the_limit_is_refused_before_decoding(tmp_path: Path) -> None:
    folder = write_container(BASES["dat"], "parquet", tmp_path / "dat")
    row = BASES["dat"]["tables"]["dat_debt"][0]
    rows = {column: [value] * 20_000 for column, value in row.items()} | {"instrument_id": ["X" * 5_000] * 20_000}
    pq.write_table(pa.table(rows), folder / "dat_debt.parquet", compression="zstd")
    assert (folder / "dat_debt.parquet").stat().st_size < 100_000  # 100 MB of text, stored as codes
    [submission] = validate_folder(folder, PERIOD, Limits(max_parquet_expanded_bytes=50_000_000))
    assert ("dat_debt", None, "file-zip-bomb") in codes(submission)


def test_a_parquet_table_declaring_more_than_the_limit_is_refused_unread(tmp_path: Path) -> None:
    folder = write_container(BASES["dat"], "parquet", tmp_path / "dat")
    [submission] = validate_folder(folder, PERIOD, Limits(max_parquet_expanded_bytes=100))
    assert ("dat_debt", None, "file-zip-bomb") in codes(submission)


def test_a_zip_bomb_padded_with_stored_random_bytes_is_refused(tmp_path: Path) -> None:
    path = write_container(BASES["dat"], "xlsx", tmp_path / "dat")
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("xl/media/bomb.bin", bytes(30_000_000), compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("xl/media/padding.bin", os.urandom(1_000_000), compress_type=zipfile.ZIP_STORED)
    with zipfile.ZipFile(path) as archive:
        members = archive.infolist()
    whole = sum(m.file_size for m in members) / sum(m.compress_size for m in members)
    assert whole < Limits().max_xlsx_zip_ratio  # the whole archive looks harmless
    [submission] = validate_folder(path, PERIOD)
    [finding] = submission.findings
    assert finding.code == "file-zip-bomb" and "bomb.bin" in finding.message


def test_a_sheet_over_the_cell_limit_is_refused(tmp_path: Path) -> None:
    doc = copy.deepcopy(BASES["dat"])
    [row] = doc["tables"]["dat_debt"]
    doc["tables"]["dat_debt"] = [{**row, "instrument_id": f"CV-{index}"} for index in range(20)]  # 21 rows of 6
    path = write_container(doc, "xlsx", tmp_path / "dat")
    [within] = validate_folder(path, PERIOD, Limits(max_xlsx_cells=200))
    assert within.findings == []
    [over] = validate_folder(path, PERIOD, Limits(max_xlsx_cells=100))
    assert ("dat_debt", None, "table-too-many-rows") in codes(over)


def test_two_sheets_of_one_name_are_both_refused(tmp_path: Path) -> None:
    doc = copy.deepcopy(BASES["cex"])
    doc["tables"]["incidentz"] = doc["tables"]["incidents"]
    path = write_container(doc, "xlsx", tmp_path / "cex")
    crafted = io.BytesIO()
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(crafted, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            data = source.read(member)
            if member.filename == "xl/workbook.xml":
                data = data.replace(b'name="incidentz"', b'name="incidents"')
            target.writestr(member, data)
    path.write_bytes(crafted.getvalue())
    [submission] = validate_folder(path, PERIOD)
    assert codes(submission).count(("incidents", None, "file-duplicate-table")) == 2
    assert submission.status == "rejected"


def test_a_submission_json_at_the_root_does_not_swallow_the_submissions(tmp_path: Path) -> None:
    folder = tmp_path / "month"
    folder.mkdir()
    (folder / "cex.json").write_text(json.dumps(BASES["cex"]))
    write_container(
        BASES["dat"] | {"submission": BASES["dat"]["submission"] | {"submission_id": OTHER_ID}}, "csv", folder / "dat"
    )
    (folder / "submission.json").write_text(json.dumps(BASES["cex"]["submission"]))
    submissions = {s.source: s for s in validate_folder(folder, PERIOD)}
    assert {name: s.status for name, s in submissions.items()} == {
        "cex.json": "accepted",
        "dat": "accepted",
        "submission.json": "rejected",
    }
    assert codes(submissions["submission.json"]) == [(None, None, "file-unrecognised")]


def test_a_submission_restating_itself_or_its_restater_is_an_error(tmp_path: Path) -> None:
    folder = tmp_path / "month"
    folder.mkdir()
    own = "5e1c2a10-3b4d-4e5f-8a9b-0c1d2e3f4a5b"
    itself = copy.deepcopy(BASES["cex"])
    itself["submission"]["submission_id"] = own
    itself["submission"] |= {"restates": own, "restatement_reason": "Restates itself."}
    (folder / "itself.json").write_text(json.dumps(itself))
    first, second = copy.deepcopy(BASES["dat"]), copy.deepcopy(BASES["dat"])
    dat_id = first["submission"]["submission_id"]
    first["submission"] |= {"submission_id": OTHER_ID, "restates": dat_id, "restatement_reason": "One."}
    second["submission"] |= {"restates": OTHER_ID, "restatement_reason": "Two."}
    (folder / "first.json").write_text(json.dumps(first))
    (folder / "second.json").write_text(json.dumps(second))
    submissions = validate_folder(folder, PERIOD)
    assert {s.source: (s.status, codes(s)) for s in submissions} == {
        name: ("rejected", [("submission", "restates", "restates-cycle")])
        for name in ("first.json", "itself.json", "second.json")
    }


def test_an_error_behind_a_thousand_warnings_is_listed(tmp_path: Path) -> None:
    doc = copy.deepcopy(BASES["cex"])
    row = doc["tables"]["liquidations"][1]
    rows = [{**row, "event_id": f"E{i}", "notional_usd": "1.00"} for i in range(1_200)]  # notional-mismatch
    rows[-1]["incident_id"] = "NO-SUCH-INCIDENT"  # one error, found after the warnings
    doc["tables"]["liquidations"] = rows
    path = tmp_path / "cex.json"
    path.write_text(json.dumps(doc))
    [submission] = validate_folder(path, PERIOD)
    listed = [f.code for f in submission.findings]
    assert listed.count("incident-unknown") == 1
    assert submission.finding_counts["notional-mismatch"] == 1_200
    assert listed.count("notional-mismatch") == 999
    assert listed[-1] == "findings-capped" and "201 notional-mismatch" in submission.findings[-1].message


def test_every_stray_file_of_a_submission_is_named(tmp_path: Path) -> None:
    folder = write_container(BASES["dat"], "csv", tmp_path / "dat")
    for index in range(1_100):
        (folder / f"stray-{index}.txt").write_text("")
    [submission] = validate_folder(folder, PERIOD)
    named = {f.file for f in submission.findings if f.code == "table-unknown"}
    assert len(named) == 1_100


def test_json_nesting_gives_the_same_findings_for_every_jobs(tmp_path: Path) -> None:
    folder = tmp_path / "month"
    folder.mkdir()
    for depth in (60, 70, 970, 5_000):
        doc = copy.deepcopy(BASES["cex"])
        doc["tables"]["incidents"][0]["description"] = "@"
        nested = "[" * depth + '"Matching engine stalled."' + "]" * depth
        (folder / f"deep-{depth}.json").write_text(json.dumps(doc).replace('"@"', nested))
    (folder / "clean.json").write_text(json.dumps(BASES["dat"]))

    def located(jobs: int, findings_only: bool) -> dict[str, list[tuple[object, ...]]]:
        submissions = validate_folder(folder, PERIOD, jobs=jobs, findings_only=findings_only)
        return {
            s.source: [(*where, f.message) for where, f in zip(codes(s), s.findings, strict=True)] for s in submissions
        }

    one = located(1, False)
    # With findings_only and several jobs, submissions are validated in worker processes: another stack.
    assert one == located(2, False) == located(2, True) == located(4, True)
    deep = [(None, None, "file-unreadable", "The JSON is nested more than 64 levels deep; a submission nests four.")]
    assert one["deep-70.json"] == one["deep-970.json"] == one["deep-5000.json"] == deep
    assert all(where[2] != "file-unreadable" for where in one["deep-60.json"])


def test_a_hard_link_in_the_folder_is_not_read(tmp_path: Path) -> None:
    outside = tmp_path / "outside.json"
    outside.write_text(json.dumps(BASES["dat"]))
    folder = tmp_path / "month"
    folder.mkdir()
    os.link(outside, folder / "linked.json")
    [submission] = validate_folder(folder, PERIOD)
    assert codes(submission) == [(None, None, "file-unsafe-path")]
    assert submission.files == []


def test_event_ids_that_differ_by_an_invisible_character_are_refused(tmp_path: Path) -> None:
    doc = copy.deepcopy(BASES["cex"])
    first = doc["tables"]["liquidations"][0]
    doc["tables"]["liquidations"].append({**first, "event_id": first["event_id"] + "\u200b"})
    path = tmp_path / "cex.json"
    path.write_text(json.dumps(doc))
    [submission] = validate_folder(path, PERIOD)
    assert codes(submission) == [("liquidations", "event_id", "value-control-character")]
