"""Feedback letters: one firm's status, findings and record, and nothing about any other firm."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from reporting.cli import cli
from reporting.ingest.register import read_register
from reporting.pipeline import BuildError, run_letters
from tests.validate.cases import BASES

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_data"


def text_of(path: Path) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(path.read_bytes())).pages).split())


@pytest.fixture(scope="module")
def letters(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    out = tmp_path_factory.mktemp("letters")
    register = read_register(SAMPLE / "register.csv")
    written = run_letters(SAMPLE / "2025-11", "2025-11", out, register=register)
    return {path.name.removeprefix("letter-2025-11-").removesuffix(".pdf"): text_of(path) for path in written}


def test_every_firm_gets_a_letter_naming_no_other_firm(letters: dict[str, str]) -> None:
    register = read_register(SAMPLE / "register.csv")
    assert sorted(letters) == sorted(entry.entity_id for entry in register.entries)
    for entity_id, text in letters.items():
        entry = register.find(entity_id)
        assert entry is not None
        assert entity_id in text and entry.entity_name in text
        for other in register.entries:
            if other.entity_id != entity_id:
                assert other.entity_id not in text, (entity_id, other.entity_id)
                assert other.entity_name not in text, (entity_id, other.entity_name)


def test_the_late_filer_is_told_how_late_with_the_finding_and_its_fix(letters: dict[str, str]) -> None:
    text = letters["lanternfield-lending"]
    assert "on 2025-12-20 13:08 UTC, 5 days after its due date of 2025-12-15" in text
    assert "submission-late warning, 1 finding" in text
    assert "How to fix: Submit by the end (24:00 UTC) of the due day" in text
    assert re.search(r"2025-11 late 2025-12-20 13:08 UTC 5 1 0 1 0", text)
    assert "On time 0, late 1, missing 0, rejected 0" in text


def test_the_missing_filer_is_asked_for_its_submission(letters: dict[str, str]) -> None:
    text = letters["pinecrest-perps"]
    assert "We have not received your submission for November 2025, due by 2025-12-15" in text
    assert "None: no submission was received." in text
    assert "On time 0, late 0, missing 1, rejected 0; no submission; 0 restatements" in text


def test_a_rejected_submission_lists_its_errors_grouped_by_code(tmp_path: Path) -> None:
    folder = tmp_path / "2025-11"
    folder.mkdir()
    doc = json.loads(json.dumps(BASES["cex"]))
    for row in doc["tables"]["liquidations"]:
        row["position_side"] = "buy"
    (folder / "northwind.json").write_text(json.dumps(doc), encoding="utf-8")
    other = json.loads(json.dumps(BASES["dat"]))
    other["submission"]["submission_id"] = "2a1c2a10-3b4d-4e5f-8a9b-0c1d2e3f4a5b"
    (folder / "strata.json").write_text(json.dumps(other), encoding="utf-8")
    [path] = run_letters(folder, "2025-11", tmp_path / "out", entities=["northwind-derivatives"])
    text = text_of(path)
    rows = len(doc["tables"]["liquidations"])
    assert "Your submission for November 2025 was rejected" in text
    assert f"value-not-allowed error, {rows} findings" in text
    assert "How to fix: Use one of the values the format lists for this column." in text
    assert "Strata" not in text and "strata-treasury" not in text


def test_an_unknown_entity_is_refused(tmp_path: Path) -> None:
    with pytest.raises(BuildError, match="entity nobody"):
        run_letters(SAMPLE / "2025-11", "2025-11", tmp_path, entities=["nobody"])
    assert not any(tmp_path.iterdir())


def test_the_cli_needs_entity_or_all(tmp_path: Path) -> None:
    args = ["letter", str(SAMPLE / "2025-11"), "--period", "2025-11", "--out", str(tmp_path)]
    assert CliRunner().invoke(cli, args).exit_code == 2
    assert CliRunner().invoke(cli, [*args, "--all", "--entity", "x"]).exit_code == 2
    result = CliRunner().invoke(cli, [*args, "--entity", "northwind-derivatives"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "letter-2025-11-northwind-derivatives.pdf").is_file()
