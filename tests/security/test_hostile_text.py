"""Text no cell, line or report can hold as given: control characters, surrogates and line breaks in
values, entity names, file names and readers' messages (issue 17, classes 1, 2 and 17)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import openpyxl
from click.testing import CliRunner

from reporting.cli import cli
from reporting.pipeline import run_build
from reporting.render.xlsx import cell_text
from reporting.validate.folder import validate_folder
from tests.security.hostile import PERIOD, SAMPLE, copy_entry
from tests.validate.cases import BASES


def month_with(folder: Path, documents: dict[str, dict]) -> Path:
    """A submissions folder: two good sample submissions, and the given JSON documents."""
    folder.mkdir()
    for name in ("helix-lending", "copperleaf-capital.json"):
        copy_entry(SAMPLE / PERIOD / name, folder / name)
    for name, document in documents.items():
        (folder / name).write_text(json.dumps(document), encoding="utf-8")
    return folder


def with_header(**fields: str) -> dict:
    doc = copy.deepcopy(BASES["cex"])
    doc["submission"] |= fields
    return doc


def test_control_characters_in_values_are_findings_and_the_build_completes(tmp_path: Path) -> None:
    escape = copy.deepcopy(BASES["cex"])
    escape["tables"]["incidents"][0]["description"] = "Engine halted\x01 \x1b[31m"
    nul = with_header(entity_name="Northwind\x00Derivatives", entity_id="northwind-nul")
    nul["submission"]["submission_id"] = "0d3f6c1e-2a4b-4c5d-9e8f-7a6b5c4d3e2f"
    folder = month_with(tmp_path / "month", {"escape.json": escape, "nul.json": nul})
    (folder / "bell\x07.txt").write_text("a stray file named with BEL")
    result = run_build(folder, PERIOD, tmp_path / "out")
    by_source = {s.source: s for s in result.submissions}
    assert [(f.table, f.column, f.code) for f in by_source["escape.json"].findings] == [
        ("incidents", "description", "value-control-character")
    ]
    assert [(f.column, f.code) for f in by_source["nul.json"].findings] == [("entity_name", "value-control-character")]
    assert by_source["bell\\x07.txt"].status == "rejected"
    assert {s.status for s in result.submissions if s.source in ("helix-lending", "copperleaf-capital.json")} == {
        "accepted"
    }
    workbook = openpyxl.load_workbook(next((tmp_path / "out").glob("*.xlsx")), read_only=True)
    cells = {value for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True) for value in row}
    assert "bell\\x07.txt" in cells
    assert "Northwind\\x00Derivatives" in cells  # the value a finding quotes, escaped


def test_a_cell_holds_any_text_with_what_xml_refuses_escaped() -> None:
    assert cell_text("Halted\x01\x1b[2J\ttab\nline") == "Halted\\x01\\x1b[2J\ttab\nline"
    assert cell_text("lone \ud800 surrogate") == "lone \\ud800 surrogate"
    assert cell_text("plain é 😀 \u200b") == "plain é 😀 \u200b"


def test_a_newline_in_a_file_name_cannot_forge_a_line_of_text_output(tmp_path: Path) -> None:
    folder = month_with(tmp_path / "month", {})
    forged = "x\nACCEPTED  forged-submission  (Forged Ltd).txt"
    (folder / forged).write_text("hello")
    result = CliRunner().invoke(cli, ["validate", str(folder), "--period", PERIOD])
    lines = result.output.splitlines()
    assert not any(line.startswith("ACCEPTED  forged") for line in lines)
    assert "REJECTED  x\\nACCEPTED  forged-submission  (Forged Ltd).txt  (unknown entity)" in lines


def test_a_lone_surrogate_in_a_json_document_is_a_finding(tmp_path: Path) -> None:
    in_header = json.dumps(BASES["cex"]).replace('"Northwind Derivatives"', '"North\\ud800wind"')
    in_table = json.dumps(BASES["dat"]).replace('"2024-03-01"', '"2024-03-01\\udfff"', 1)
    pair = json.dumps(BASES["cex"]).replace('"Northwind Derivatives"', '"Northwind \\ud83d\\ude00"')
    folder = tmp_path / "month"
    folder.mkdir()
    for name, text in (("header.json", in_header), ("table.json", in_table), ("pair.json", pair)):
        (folder / name).write_text(text, encoding="utf-8")
    submissions = {s.source: s for s in validate_folder(folder, PERIOD)}
    for name in ("header.json", "table.json"):
        [finding] = submissions[name].findings
        assert finding.code == "file-encoding" and "surrogate" in finding.message, name
    assert submissions["pair.json"].findings == []  # an escaped pair is one character, U+1F600


def test_a_repeated_json_key_rejects_the_document_and_names_the_key(tmp_path: Path) -> None:
    text = json.dumps(BASES["cex"]).replace('"volume_usd": "', '"volume_usd": "1", "volume_usd": "', 1)
    assert text.count('"volume_usd"') > json.dumps(BASES["cex"]).count('"volume_usd"')
    path = tmp_path / "twice.json"
    path.write_text(text)
    [submission] = validate_folder(path, PERIOD)
    assert [(f.code, "'volume_usd'" in f.message) for f in submission.findings] == [("json-duplicate-key", True)]
