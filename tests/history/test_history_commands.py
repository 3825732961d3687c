"""`riskreport history` and `riskreport backfill` as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from reporting.cli import cli
from tests.history.conftest import MONTHS


def run(*args: object):
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture(scope="module")
def backfilled(months: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("backfilled")
    result = run("backfill", months, "--from", MONTHS[0], "--to", MONTHS[1], "--reports", "last", "--out", out)
    assert result.exit_code == 0, result.output
    assert f"recorded in the history as {MONTHS[1]} revision 1" in result.output
    return out


def test_backfill_writes_json_for_every_month_and_documents_for_the_last(backfilled: Path) -> None:
    names = {p.name for p in backfilled.iterdir()}
    for period in MONTHS[:2]:
        assert {f"metrics-{period}.json", f"validation-{period}.json", f"manifest-{period}.json"} <= names
    assert {p for p in names if p.startswith("report-")} == {f"report-{MONTHS[1]}.pdf", f"report-{MONTHS[1]}.xlsx"}
    manifest = json.loads((backfilled / f"manifest-{MONTHS[0]}.json").read_text(encoding="utf-8"))
    assert {o["path"] for o in manifest["outputs"]} == {f"metrics-{MONTHS[0]}.json", f"validation-{MONTHS[0]}.json"}


def test_history_list_shows_every_period_and_revision(backfilled: Path) -> None:
    result = run("history", "list", backfilled / "history.sqlite")
    assert result.exit_code == 0, result.output
    rows = [line.split() for line in result.output.splitlines()[1:]]
    assert [(row[0], row[1]) for row in rows] == [(MONTHS[0], "1"), (MONTHS[1], "1")]


def test_history_series_shows_one_figure_month_by_month(backfilled: Path) -> None:
    result = run("history", "series", backfilled / "history.sqlite", "lending.defi_usd")
    assert result.exit_code == 0, result.output
    for line, period in zip(result.output.splitlines(), MONTHS[:2], strict=True):
        metrics = json.loads((backfilled / f"metrics-{period}.json").read_text(encoding="utf-8"))
        assert line == f"{period}  revision 1  {metrics['lending']['defi_usd']:,.15g}"
    unknown = run("history", "series", backfilled / "history.sqlite", "lending.no_such_figure")
    assert unknown.exit_code == 1 and "no figure 'lending.no_such_figure'" in unknown.output


@pytest.mark.parametrize("file_format", ["csv", "parquet", "json"])
def test_history_export_gives_every_figure_of_the_metrics(backfilled: Path, tmp_path: Path, file_format: str) -> None:
    target = tmp_path / f"figures.{file_format}"
    result = run("history", "export", backfilled / "history.sqlite", "--format", file_format, "--out", target)
    assert result.exit_code == 0, result.output
    # A flag's status "n/a" is text, not a missing value: only empty CSV cells are.
    read = {
        "csv": lambda path: pd.read_csv(path, keep_default_na=False, na_values=[""]),
        "parquet": pd.read_parquet,
        "json": pd.read_json,
    }[file_format]
    figures = read(target)
    assert list(figures.columns) == ["period", "revision", "path", "value", "text"]
    figures["period"] = figures["period"].astype(str)
    for period in MONTHS[:2]:
        metrics = json.loads((backfilled / f"metrics-{period}.json").read_text(encoding="utf-8"))
        rows = figures[figures.period == period].set_index("path")
        assert rows.loc["lending.total_industry_debt_usd", "value"] == metrics["lending"]["total_industry_debt_usd"]
        assert rows.loc["incidents.total", "value"] == metrics["incidents"]["total"]
        peak_date = metrics["derivatives"]["open_interest_peak_date"]
        assert rows.loc["derivatives.open_interest_peak_date", "text"] == peak_date
        statuses = {flag["id"]: flag["status"] for flag in metrics["flags"]}
        assert {path.split(".")[1]: rows.loc[path, "text"] for path in rows.index if path.endswith(".status")} == (
            statuses
        )


def test_backfill_refuses_missing_months_and_a_backward_range(months: Path, tmp_path: Path) -> None:
    missing = run("backfill", months, "--from", "2025-06", "--to", MONTHS[0], "--out", tmp_path)
    assert missing.exit_code == 1 and "no submissions folder for 2025-06, 2025-07" in missing.output
    backward = run("backfill", months, "--from", MONTHS[1], "--to", MONTHS[0], "--out", tmp_path)
    assert backward.exit_code == 1 and f"--to {MONTHS[0]} is before --from {MONTHS[1]}" in backward.output
    assert not any(tmp_path.iterdir())
