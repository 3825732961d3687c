"""The committed JSON Schemas are what `riskreport schema` writes from the contract models."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from reporting.cli import cli
from reporting.contract import TABLES

COMMITTED = Path(__file__).resolve().parents[1] / "schemas"


def test_committed_schemas_are_fresh(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["schema", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    written = {p.name: p.read_text() for p in tmp_path.iterdir()}
    committed = {p.name: p.read_text() for p in COMMITTED.glob("*.json")}
    assert written == committed, "schemas/ is stale: run `riskreport schema --out schemas`"


def test_one_schema_per_table_and_one_for_the_header() -> None:
    names = {p.name for p in COMMITTED.glob("*.json")}
    assert names == {"submission.schema.json"} | {f"{t}.schema.json" for t in TABLES}


def test_finding_codes_page_lists_the_catalogue() -> None:
    """docs/finding-codes.md holds what `riskreport codes` prints."""
    result = CliRunner().invoke(cli, ["codes"])
    assert result.exit_code == 0
    page = (COMMITTED.parent / "docs" / "finding-codes.md").read_text()
    assert page.endswith(result.output)
