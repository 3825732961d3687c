"""Schema migrations: a store written by the first schema (0001) upgrades in place and keeps its rows."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from reporting.history import HistoryError
from reporting.history.store import BuildRecord, open_history

BUILD_0001 = {
    "period": "2025-09",
    "revision": 1,
    "run_at": "2025-10-20T00:00:00Z",
    "fingerprint": "f" * 64,
    "tool_version": "0.9",
    "schema_version": "1.1",
    "metrics_version": "1.1",
    "thresholds": "{}",
    "manifest": "{}",
    "metrics": '{"period": "2025-09", "lending": {"defi_usd": 41.0}}',
}


def write_0001_store(url: str) -> None:
    """A store at schema 0001 (the first migration only) with one build, its figure and its entity."""
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            config = Config()
            config.set_main_option("script_location", "reporting.history:migrations")
            config.attributes["connection"] = conn
            command.upgrade(config, "0001")
            conn.execute(
                sa.text(
                    "INSERT INTO builds VALUES (:period, :revision, :run_at, :fingerprint, :tool_version,"
                    " :schema_version, :metrics_version, :thresholds, :manifest, :metrics)"
                ),
                BUILD_0001,
            )
            conn.execute(sa.text("INSERT INTO figures VALUES ('2025-09', 1, 'lending.defi_usd', 41.0, NULL)"))
            conn.execute(sa.text("INSERT INTO entities VALUES ('2025-09', 1, 'a.json', 'a', 'A', 'accepted', 3, 0, 1)"))
    finally:
        engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_0001_store_upgrades_in_place_and_keeps_its_rows(tmp_path: Path, request, backend: str) -> None:
    file = tmp_path / "history.sqlite"
    target = str(file) if backend == "sqlite" else request.getfixturevalue("postgres_url")
    write_0001_store(f"sqlite:///{file}" if backend == "sqlite" else target)
    with pytest.raises(HistoryError, match="has an older schema; run riskreport build once to upgrade it"):
        open_history(target, create=False)

    with open_history(target) as history:
        builds = history.list_builds()
        assert builds[["period", "revision", "accepted"]].values.tolist() == [["2025-09", 1, 1]]
        assert history.read_figures("lending.defi_usd")["value"].tolist() == [41.0]
        assert history.latest_metrics("2025-09") == {"period": "2025-09", "lending": {"defi_usd": 41.0}}
        # A build of the old schema has no records: nothing is known of it beyond its figures.
        assert history.earlier_records("2025-10", 11) == ({}, {})
        assert history.last_known_figures("2025-10") == {}
        metrics = {"period": "2025-09", "lending": {"defi_usd": 42.0}}
        record = {
            "entity_id": "a",
            "entity_name": "A",
            "status": "on_time",
            "due": "2025-10-15",
            "submitted_at": "2025-10-10T00:00:00Z",
            "days_late": 0,
            "submissions": 1,
            "errors": 0,
            "warnings": 0,
            "restatements": 1,
            "amount_usd": 5.0,
            "share": 0.5,
        }
        accepted = {"submission_id": "s2", "entity_id": "a", "restates": "s1", "restatement_reason": "Corrected."}
        build = BuildRecord(
            "2025-09", "2025-10-21T00:00:00Z", "g" * 64, "1.0", "1.1", {}, {}, metrics, [], [record], [accepted]
        )
        assert history.record(build) == (2, True)
        assert history.known_submissions("2025-09") == {"s2"}
        assert history.last_known_figures("2025-10")["a"].share == 0.5
        revised = history.revised_since_last_report("2025-10")
        # The old build was numbered when the store was upgraded, so the new revision comes after it.
        assert [(r.period, r.from_revision, r.to_revision, r.restatements) for r in revised] == [
            ("2025-09", 1, 2, [("A", "Corrected.")])
        ]
        assert (revised[0].before["lending.defi_usd"], revised[0].after["lending.defi_usd"]) == (41.0, 42.0)
