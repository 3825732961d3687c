"""The history store: revisions, failures that record nothing, faults of the file, two writers at once."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import textwrap
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from reporting.cli import cli
from reporting.history import store
from reporting.history.store import BuildRecord, flatten_figures, open_history
from reporting.pipeline import run_build
from tests.history.conftest import MONTHS

ROOT = Path(__file__).resolve().parents[2]
REJECTED = ROOT / "sample_data" / "rejected"


def run(*args: object):
    return CliRunner().invoke(cli, [str(a) for a in args])


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_same_inputs_add_no_revision_and_new_inputs_add_one_keeping_the_first(months: Path, tmp_path: Path) -> None:
    period, folder, out = MONTHS[-1], tmp_path / "submissions", tmp_path / "reports"
    shutil.copytree(months / MONTHS[-1], folder)
    first = run_build(folder, period, out)
    again = run_build(folder, period, out)
    assert (first.revision, first.recorded, again.revision, again.recorded) == (1, True, 1, False)

    ledger = folder / "copperleaf-capital.json"
    document = json.loads(ledger.read_text(encoding="utf-8"))
    loan = document["tables"]["loans"][0]
    loan["borrowed_usd"] = str(Decimal(loan["borrowed_usd"]) + 1_000_000)
    ledger.write_text(json.dumps(document), encoding="utf-8")
    changed = run_build(folder, period, out)
    assert (changed.revision, changed.recorded) == (2, True)

    with open_history(out / "history.sqlite", create=False) as history:
        assert history.list_builds()[["period", "revision"]].values.tolist() == [[period, 1], [period, 2]]
        debt = history.read_figures("lending.cefi_usd")
        latest = history.latest_metrics(period)
    assert debt["value"].tolist()[1] == debt["value"].tolist()[0] + 1_000_000
    assert latest == json.loads((out / f"metrics-{period}.json").read_text(encoding="utf-8"))


def test_a_build_that_fails_records_nothing(months: Path, tmp_path: Path) -> None:
    folder, out = tmp_path / "submissions", tmp_path / "reports"
    shutil.copytree(months / MONTHS[-1], folder)
    shutil.copy(REJECTED / "missing-lei.json", folder / "missing-lei.json")
    result = run("build", folder, "--period", MONTHS[-1], "--out", out, "--strict")
    assert result.exit_code == 1
    assert not out.exists() or not any(out.iterdir())
    # Into an existing history, it adds no build either.
    recorded = run_build(months / MONTHS[-2], MONTHS[-2], out, documents=False)
    assert recorded.recorded
    before = digest(out / "history.sqlite")
    assert run("build", folder, "--period", MONTHS[-1], "--out", out, "--strict").exit_code == 1
    with open_history(out / "history.sqlite", create=False) as history:
        assert history.list_builds()[["period", "revision"]].values.tolist() == [[MONTHS[-2], 1]]
    assert digest(out / "history.sqlite") == before


def corrupt(path: Path) -> None:
    path.write_bytes(b"this is not an SQLite database\n" * 100)


def newer(path: Path) -> None:
    open_history(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    conn.close()


def foreign(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE accounts (id INTEGER)")
    conn.close()


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (corrupt, "not a readable history file"),
        (newer, "was written by a newer riskreport (schema revision 9999); upgrade riskreport"),
        (foreign, "is a database of something else"),
    ],
)
def test_a_bad_history_file_gives_one_line_and_stays_untouched(months: Path, tmp_path: Path, spoil, message) -> None:
    out = tmp_path / "reports"
    out.mkdir()
    history = out / "history.sqlite"
    spoil(history)
    before = digest(history)
    result = run("build", months / MONTHS[-1], "--period", MONTHS[-1], "--out", out)
    assert result.exit_code == 1
    assert result.output.count("\n") == 1 and message in result.output, result.output
    assert "Traceback" not in result.output
    assert digest(history) == before
    assert sorted(p.name for p in out.iterdir()) == ["history.sqlite"]
    listed = run("history", "list", history)
    assert listed.exit_code == 1 and message in listed.output
    assert digest(history) == before


def test_a_locked_history_gives_one_line_and_stays_untouched(
    months: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "reports"
    history = out / "history.sqlite"
    open_history(history).close()
    before = digest(history)
    monkeypatch.setattr(store, "BUSY_TIMEOUT_S", 0.5)
    holder = sqlite3.connect(history, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        result = run("build", months / MONTHS[-1], "--period", MONTHS[-1], "--out", out)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.exit_code == 1
    assert result.output.count("\n") == 1 and "locked by another process (waited 0.5 s)" in result.output
    assert digest(history) == before


def test_history_commands_do_not_create_a_missing_file(tmp_path: Path) -> None:
    result = run("history", "list", tmp_path / "none.sqlite")
    assert result.exit_code == 1 and "no such file" in result.output
    assert not (tmp_path / "none.sqlite").exists()


WRITER = textwrap.dedent(
    """
    import sys
    from reporting.history.store import BuildRecord, open_history

    target, period = sys.argv[1], sys.argv[2]
    for n in range(15):
        metrics = {"period": period, "lending": {"defi_usd": float(n)}}
        build = BuildRecord(period, "2025-12-01T00:00:00Z", f"inputs-{n}", "0", "1.0", {}, {}, metrics, [])
        with open_history(target) as history:
            history.record(build)
    """
)


def write_at_once(target: str, periods: tuple[str, str]) -> None:
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, target, period], cwd=ROOT) for period in periods]
    assert [writer.wait(timeout=300) for writer in writers] == [0, 0]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_two_processes_writing_different_periods_both_land(tmp_path: Path, request, backend: str) -> None:
    target = str(tmp_path / "history.sqlite") if backend == "sqlite" else request.getfixturevalue("postgres_url")
    write_at_once(target, ("2025-10", "2025-11"))
    with open_history(target, create=False) as history:
        builds = history.list_builds()
        figures = history.read_figures("lending.defi_usd")
    for period in ("2025-10", "2025-11"):
        assert builds[builds.period == period].revision.tolist() == list(range(1, 16))
        assert figures[figures.period == period].value.tolist() == [float(n) for n in range(15)]


def test_two_builds_of_different_periods_at_once_both_land(months: Path, tmp_path: Path) -> None:
    # Each build has its own --out (one build holds an output folder at a time); the history file is shared.
    history = tmp_path / "shared.sqlite"
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1764547200"}
    builds = [
        subprocess.Popen(
            [sys.executable, "-m", "reporting", "build", str(months / period), "--period", period]
            + ["--out", str(tmp_path / f"reports-{period}"), "--history", str(history), "--jobs", "1"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        for period in MONTHS[-2:]
    ]
    outputs = [build.communicate(timeout=600)[0].decode() for build in builds]
    assert [build.returncode for build in builds] == [0, 0], outputs
    with open_history(history, create=False) as opened:
        assert opened.list_builds()[["period", "revision"]].values.tolist() == [[p, 1] for p in MONTHS[-2:]]


def test_every_figure_is_a_row_with_flags_keyed_by_their_id() -> None:
    metrics = {
        "period": "2025-11",
        "lending": {"defi_usd": 41e9, "top_lender": {"name": "Helix", "share": 0.3}},
        "flags": [{"id": "debt_growth", "status": "amber", "value": None}],
        "trends": {"lending.defi_usd": {"mom": 0.1}},
    }
    assert flatten_figures(metrics) == {
        "period": "2025-11",
        "lending.defi_usd": 41e9,
        "lending.top_lender.name": "Helix",
        "lending.top_lender.share": 0.3,
        "flags.debt_growth.id": "debt_growth",
        "flags.debt_growth.status": "amber",
        "flags.debt_growth.value": None,
    }
    assert BuildRecord  # the record the writers above build by position


def test_the_schema_revision_the_store_expects_is_the_newest_migration() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", "reporting.history:migrations")
    assert ScriptDirectory.from_config(config).get_current_head() == store.SCHEMA_REVISION
