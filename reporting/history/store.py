"""The history store: every build kept in a database (SQLite file by default, or PostgreSQL), with SQLAlchemy Core.

The schema is versioned with Alembic; its migrations ship in `reporting/history/migrations/` and are run by
`open_history` itself, in the transaction that checks the store. What a build records (`BuildRecord`):
the period, a revision number, the run time, tool/schema/metrics versions, the thresholds, the manifest
(every input's SHA-256), the metrics JSON, every figure of it as a row (period, revision, dotted path,
value or text) and each submission's entity, status, rows and finding counts.

- Revisions: a build whose fingerprint (inputs and options) equals that of the period's latest revision
  adds nothing; any other build adds revision n + 1. Nothing is updated or deleted.
- Writers take the store's write lock for their one transaction: SQLite's `BEGIN IMMEDIATE` (WAL mode, so
  readers are never blocked, and a busy timeout), PostgreSQL's transaction-level advisory lock.
- Faults of the store (not a database, locked past the timeout, a schema from a newer version, no server)
  raise HistoryError with one line for the person running the build; the store is left as it was.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy import event, exc
from sqlalchemy.engine import Connection, Engine

from reporting.history import HistoryError
from reporting.metrics.filing import EntityFigure
from reporting.metrics.record import PeriodRecord
from reporting.metrics.revisions import RevisedPeriod
from reporting.metrics.trends import TREND_PATHS

BUSY_TIMEOUT_S = 30.0
"""How long a writer waits for another one to finish before the store counts as locked."""
METRICS_VERSION = "1.1"
SCHEMA_REVISION = "0002"
"""The Alembic revision of the newest migration in `migrations/versions` (a test checks that they agree)."""
_WRITE_LOCK = 1919
"""The PostgreSQL advisory lock key that writers to the history hold for their transaction."""

METADATA = sa.MetaData()
BUILDS = sa.Table(
    "builds",
    METADATA,
    sa.Column("period", sa.String(7), primary_key=True),
    sa.Column("revision", sa.Integer, primary_key=True),
    sa.Column("run_at", sa.String(32), nullable=False),
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.Column("tool_version", sa.Text, nullable=False),
    sa.Column("schema_version", sa.Text, nullable=False),
    sa.Column("metrics_version", sa.Text, nullable=False),
    sa.Column("thresholds", sa.Text, nullable=False),
    sa.Column("manifest", sa.Text, nullable=False),
    sa.Column("metrics", sa.Text, nullable=False),
    sa.Column("sequence", sa.Integer, nullable=True),
)
FIGURES = sa.Table(
    "figures",
    METADATA,
    sa.Column("period", sa.String(7), primary_key=True),
    sa.Column("revision", sa.Integer, primary_key=True),
    sa.Column("path", sa.Text, primary_key=True),
    sa.Column("value", sa.Float, nullable=True),
    sa.Column("text", sa.Text, nullable=True),
)
ENTITIES = sa.Table(
    "entities",
    METADATA,
    sa.Column("period", sa.String(7), primary_key=True),
    sa.Column("revision", sa.Integer, primary_key=True),
    sa.Column("source", sa.Text, primary_key=True),
    sa.Column("entity_id", sa.Text, nullable=True),
    sa.Column("entity_name", sa.Text, nullable=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("rows", sa.Integer, nullable=False),
    sa.Column("errors", sa.Integer, nullable=False),
    sa.Column("warnings", sa.Integer, nullable=False),
)
RECORDS = sa.Table(
    "records",
    METADATA,
    sa.Column("period", sa.String(7), primary_key=True),
    sa.Column("revision", sa.Integer, primary_key=True),
    sa.Column("entity_id", sa.Text, primary_key=True),
    sa.Column("entity_name", sa.Text, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("due", sa.String(10), nullable=False),
    sa.Column("submitted_at", sa.String(32), nullable=True),
    sa.Column("days_late", sa.Integer, nullable=True),
    sa.Column("submissions", sa.Integer, nullable=False),
    sa.Column("errors", sa.Integer, nullable=False),
    sa.Column("warnings", sa.Integer, nullable=False),
    sa.Column("restatements", sa.Integer, nullable=False),
    sa.Column("amount_usd", sa.Float, nullable=True),
    sa.Column("share", sa.Float, nullable=True),
)
SUBMISSIONS = sa.Table(
    "submissions",
    METADATA,
    sa.Column("period", sa.String(7), primary_key=True),
    sa.Column("revision", sa.Integer, primary_key=True),
    sa.Column("submission_id", sa.Text, primary_key=True),
    sa.Column("entity_id", sa.Text, nullable=False),
    sa.Column("restates", sa.Text, nullable=True),
    sa.Column("restatement_reason", sa.Text, nullable=True),
)


@dataclass(frozen=True)
class BuildRecord:
    """What one build records: `entities` has one dict per submission (source, entity_id, entity_name,
    status, rows, errors, warnings); `fingerprint` identifies its inputs and options. `records` has each
    entity's period record (the columns of RECORDS but period and revision), `accepted` each accepted
    submission's submission_id, entity_id, restates and restatement_reason."""

    period: str
    run_at: str
    fingerprint: str
    tool_version: str
    schema_version: str
    thresholds: Mapping[str, Any]
    manifest: Mapping[str, Any]
    metrics: Mapping[str, Any]
    entities: list[dict[str, Any]]
    records: list[dict[str, Any]] = field(default_factory=list)
    accepted: list[dict[str, Any]] = field(default_factory=list)


def flatten_figures(metrics: Mapping[str, Any]) -> dict[str, object]:
    """Every figure of a metrics JSON by dotted path, e.g. `lending.defi_usd`.

    Items of a list are keyed by their `id` when they have one (`flags.debt_growth.status`), otherwise by
    their index. The `trends` section is left out: it is derived from these very rows.
    """
    flat: dict[str, object] = {}

    def walk(value: object, path: str) -> None:
        if isinstance(value, Mapping):
            for key, item in value.items():
                walk(item, f"{path}.{key}" if path else str(key))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                key = item["id"] if isinstance(item, Mapping) and "id" in item else index
                walk(item, f"{path}.{key}")
        else:
            flat[path] = value

    walk({key: value for key, value in metrics.items() if key != "trends"}, "")
    return flat


class History:
    """An open history store. Use `open_history`; close it with `close()` or a `with` block."""

    def __init__(self, engine: Engine, where: str):
        self.engine, self.where = engine, where

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self.engine.dispose()

    def record(self, build: BuildRecord) -> tuple[int, bool]:
        """Record a build in one transaction: (its revision, whether it was added).

        A build with the fingerprint of the period's latest revision is that revision and adds nothing.
        """
        with self._transaction(write=True) as conn:
            latest = conn.execute(
                sa.select(BUILDS.c.revision, BUILDS.c.fingerprint)
                .where(BUILDS.c.period == build.period)
                .order_by(BUILDS.c.revision.desc())
                .limit(1)
            ).first()
            if latest is not None and latest.fingerprint == build.fingerprint:
                return latest.revision, False
            revision = 1 if latest is None else latest.revision + 1
            key = {"period": build.period, "revision": revision}
            sequence = conn.execute(sa.select(sa.func.coalesce(sa.func.max(BUILDS.c.sequence), 0) + 1)).scalar()
            conn.execute(
                BUILDS.insert(),
                {
                    **key,
                    "run_at": build.run_at,
                    "fingerprint": build.fingerprint,
                    "tool_version": build.tool_version,
                    "schema_version": build.schema_version,
                    "metrics_version": METRICS_VERSION,
                    "thresholds": _json_text(build.thresholds),
                    "manifest": _json_text(build.manifest),
                    "metrics": _json_text(build.metrics),
                    "sequence": sequence,
                },
            )
            conn.execute(
                FIGURES.insert(),
                [{**key, "path": path, **_cell(value)} for path, value in flatten_figures(build.metrics).items()],
            )
            for table, rows in ((ENTITIES, build.entities), (RECORDS, build.records), (SUBMISSIONS, build.accepted)):
                if rows:
                    conn.execute(table.insert(), [{**key, **row} for row in rows])
            return revision, True

    def earlier_figures(self, period: str) -> dict[str, dict[str, object]]:
        """{period: {path: value}} of the trend figures and flag statuses of every period before `period`.

        Each period's latest revision only.
        """
        latest = self._latest_revisions().where(BUILDS.c.period < period).subquery()
        query = (
            sa.select(FIGURES.c.period, FIGURES.c.path, FIGURES.c.value, FIGURES.c.text)
            .join(latest, sa.and_(FIGURES.c.period == latest.c.period, FIGURES.c.revision == latest.c.revision))
            .where(sa.or_(FIGURES.c.path.in_(TREND_PATHS), FIGURES.c.path.like("flags.%.status")))
        )
        earlier: dict[str, dict[str, object]] = {}
        with self._transaction() as conn:
            for row in conn.execute(query):
                earlier.setdefault(row.period, {})[row.path] = row.text if row.value is None else row.value
        return earlier

    def earlier_records(self, period: str, count: int) -> tuple[dict[str, dict[str, PeriodRecord]], dict[str, str]]:
        """The period records of the `count` periods before `period` ({period: {entity_id: record}}, each
        period's latest revision), and each entity's name in the latest of them."""
        first = (pd.Period(period, freq="M") - count).strftime("%Y-%m")
        latest = self._latest_revisions().where(BUILDS.c.period < period, BUILDS.c.period >= first).subquery()
        query = (
            sa.select(RECORDS)
            .join(latest, sa.and_(RECORDS.c.period == latest.c.period, RECORDS.c.revision == latest.c.revision))
            .order_by(RECORDS.c.period)
        )
        records: dict[str, dict[str, PeriodRecord]] = {}
        names: dict[str, str] = {}
        with self._transaction() as conn:
            for row in conn.execute(query):
                fields = {name: getattr(row, name) for name in PeriodRecord.__dataclass_fields__}
                records.setdefault(row.period, {})[row.entity_id] = PeriodRecord(**fields)
                names[row.entity_id] = row.entity_name
        return records, names

    def last_known_figures(self, period: str) -> dict[str, EntityFigure]:
        """{entity_id: part of the market} in the latest period before `period` in which the entity had an
        accepted submission (each period's latest revision)."""
        latest = self._latest_revisions().where(BUILDS.c.period < period).subquery()
        query = (
            sa.select(RECORDS.c.entity_id, RECORDS.c.period, RECORDS.c.amount_usd, RECORDS.c.share)
            .join(latest, sa.and_(RECORDS.c.period == latest.c.period, RECORDS.c.revision == latest.c.revision))
            .where(RECORDS.c.status.in_(("on_time", "late")), RECORDS.c.amount_usd.is_not(None))
            .order_by(RECORDS.c.period)
        )
        with self._transaction() as conn:
            return {row.entity_id: EntityFigure(row.period, row.amount_usd, row.share) for row in conn.execute(query)}

    def known_submissions(self, period: str | None) -> set[str]:
        """The submission_ids accepted in any build of `period` (of any period when None)."""
        query = sa.select(SUBMISSIONS.c.submission_id).distinct()
        if period is not None:
            query = query.where(SUBMISSIONS.c.period == period)
        with self._transaction() as conn:
            return set(conn.execute(query).scalars())

    def revised_since_last_report(self, period: str) -> list[RevisedPeriod]:
        """The periods before `period` built again since the last report (`reporting.metrics.revisions`).

        The last report is the first build of the latest period before `period`. A period is revised when
        its latest revision was recorded after that build and it had a revision recorded by then (the
        one compared with).
        """
        with self._transaction() as conn:
            last = conn.execute(sa.select(sa.func.max(BUILDS.c.period)).where(BUILDS.c.period < period)).scalar()
            if last is None:
                return []
            cutoff = conn.execute(sa.select(sa.func.min(BUILDS.c.sequence)).where(BUILDS.c.period == last)).scalar()
            spans = conn.execute(
                sa.select(
                    BUILDS.c.period,
                    sa.func.max(sa.case((BUILDS.c.sequence <= cutoff, BUILDS.c.revision))).label("before"),
                    sa.func.max(BUILDS.c.revision).label("after"),
                    sa.func.max(BUILDS.c.sequence).label("newest"),
                )
                .where(BUILDS.c.period < period)
                .group_by(BUILDS.c.period)
            ).fetchall()
            return [
                RevisedPeriod(
                    span.period,
                    span.before,
                    span.after,
                    self._trend_figures(conn, span.period, span.before),
                    self._trend_figures(conn, span.period, span.after),
                    self._restatements(conn, span.period, span.before, span.after),
                )
                for span in spans
                if span.before is not None and span.newest > cutoff and span.after > span.before
            ]

    @staticmethod
    def _trend_figures(conn: Connection, period: str, revision: int) -> dict[str, object]:
        query = sa.select(FIGURES.c.path, FIGURES.c.value).where(
            FIGURES.c.period == period, FIGURES.c.revision == revision, FIGURES.c.path.in_(TREND_PATHS)
        )
        return {row.path: row.value for row in conn.execute(query)}

    @staticmethod
    def _restatements(conn: Connection, period: str, before: int, after: int) -> list[tuple[str, str]]:
        """(entity name, reason) of the restating submissions of revision `after` that revision `before` lacked."""
        earlier = sa.select(SUBMISSIONS.c.submission_id).where(
            SUBMISSIONS.c.period == period, SUBMISSIONS.c.revision == before
        )
        query = (
            sa.select(RECORDS.c.entity_name, SUBMISSIONS.c.restatement_reason)
            .join(
                RECORDS,
                sa.and_(
                    RECORDS.c.period == SUBMISSIONS.c.period,
                    RECORDS.c.revision == SUBMISSIONS.c.revision,
                    RECORDS.c.entity_id == SUBMISSIONS.c.entity_id,
                ),
            )
            .where(
                SUBMISSIONS.c.period == period,
                SUBMISSIONS.c.revision == after,
                SUBMISSIONS.c.restates.is_not(None),
                SUBMISSIONS.c.submission_id.not_in(earlier),
            )
            .order_by(RECORDS.c.entity_name)
        )
        return [(row.entity_name, row.restatement_reason or "") for row in conn.execute(query)]

    def latest_metrics(self, period: str) -> dict[str, Any] | None:
        """The metrics JSON of the period's latest revision, or None when the period was never built."""
        query = sa.select(BUILDS.c.metrics).where(BUILDS.c.period == period).order_by(BUILDS.c.revision.desc()).limit(1)
        with self._transaction() as conn:
            text = conn.execute(query).scalar()
        return None if text is None else json.loads(text)

    def list_builds(self) -> pd.DataFrame:
        """Every build recorded: period, revision, run time, versions, fingerprint, and submission counts."""
        counts = (
            sa.select(
                ENTITIES.c.period,
                ENTITIES.c.revision,
                *(
                    sa.func.sum(sa.case((ENTITIES.c.status == status, 1), else_=0)).label(status)
                    for status in ("accepted", "rejected", "restated")
                ),
            )
            .group_by(ENTITIES.c.period, ENTITIES.c.revision)
            .subquery()
        )
        query = (
            sa.select(
                BUILDS.c.period,
                BUILDS.c.revision,
                BUILDS.c.run_at,
                BUILDS.c.tool_version,
                BUILDS.c.schema_version,
                BUILDS.c.metrics_version,
                BUILDS.c.fingerprint,
                *(sa.func.coalesce(counts.c[s], 0).label(s) for s in ("accepted", "rejected", "restated")),
            )
            .outerjoin(counts, sa.and_(BUILDS.c.period == counts.c.period, BUILDS.c.revision == counts.c.revision))
            .order_by(BUILDS.c.period, BUILDS.c.revision)
        )
        return self._frame(query)

    def read_figures(self, path: str | None = None, latest: bool = False) -> pd.DataFrame:
        """Figure rows (period, revision, path, value, text), ordered; one path, and latest revisions, if asked."""
        query = sa.select(FIGURES.c.period, FIGURES.c.revision, FIGURES.c.path, FIGURES.c.value, FIGURES.c.text)
        if latest:
            newest = self._latest_revisions().subquery()
            query = query.join(
                newest, sa.and_(FIGURES.c.period == newest.c.period, FIGURES.c.revision == newest.c.revision)
            )
        if path is not None:
            query = query.where(FIGURES.c.path == path)
        return self._frame(query.order_by(FIGURES.c.period, FIGURES.c.revision, FIGURES.c.path))

    def _frame(self, query: sa.Select[Any]) -> pd.DataFrame:
        with self._transaction() as conn:
            result = conn.execute(query)
            return pd.DataFrame(result.fetchall(), columns=list(result.keys()))

    @staticmethod
    def _latest_revisions() -> sa.Select[Any]:
        return sa.select(BUILDS.c.period, sa.func.max(BUILDS.c.revision).label("revision")).group_by(BUILDS.c.period)

    @contextmanager
    def _transaction(self, write: bool = False) -> Iterator[Connection]:
        with _faults_as_errors(self.where), self.engine.connect() as conn:
            conn.execution_options(history_write=write)
            with conn.begin():
                if write and conn.dialect.name == "postgresql":
                    conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _WRITE_LOCK})
                yield conn


def open_history(target: str | Path, create: bool = True) -> History:
    """Open the history at a file path or a database URL (`postgresql+psycopg://...`, `sqlite:///...`).

    With `create`, a missing SQLite file is created and the schema is brought up to date (Alembic
    migrations, in the transaction that checks it). Without it, the store must exist and be current, and it
    is only read. Raises HistoryError when the store cannot be used.
    """
    url, where = _url(target)
    if url.get_backend_name() == "sqlite":
        file = Path(url.database or "")
        if not create and not file.is_file():
            raise HistoryError(f"history {where}: no such file")
        if file.is_dir():
            raise HistoryError(f"history {where} is a folder; give a file")
        if create:
            with _faults_as_errors(where):
                file.parent.mkdir(parents=True, exist_ok=True)
    engine = _engine(url)
    history = History(engine, where)
    try:
        with history._transaction(write=create) as conn:
            _check_schema(conn, where, migrate=create)
        if create and engine.dialect.name == "sqlite":
            with _faults_as_errors(where):
                # Outside any transaction, on the driver's connection: WAL lets readers and one writer work at once.
                raw = engine.raw_connection()
                try:
                    raw.driver_connection.execute("PRAGMA journal_mode=WAL")  # type: ignore[union-attr]
                finally:
                    raw.close()
    except BaseException:
        engine.dispose()
        raise
    return history


def history_exists(target: str | Path) -> bool:
    """Whether the store is there to be read: a database URL always counts as there, a file path when it exists."""
    url, _ = _url(target)
    return url.get_backend_name() != "sqlite" or Path(url.database or "").exists()


def _url(target: str | Path) -> tuple[sa.URL, str]:
    """The SQLAlchemy URL of a history target, and how to name it in messages (no password)."""
    text = str(target)
    if "://" not in text:
        return sa.URL.create("sqlite", database=text), text
    try:
        url = sa.make_url(text)
    except exc.ArgumentError:
        raise HistoryError(f"history {text!r} is neither a file path nor a database URL") from None
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise HistoryError(f"history {url.render_as_string()}: only SQLite files and PostgreSQL are supported")
    return url, url.render_as_string(hide_password=True)


def _engine(url: sa.URL) -> Engine:
    if url.get_backend_name() != "sqlite":
        return sa.create_engine(url, connect_args={"connect_timeout": 10})
    engine = sa.create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_S})

    # The sqlite3 module's own transaction handling would defer BEGIN; SQLAlchemy's recipe hands it over
    # so that a writer's transaction takes the write lock first (BEGIN IMMEDIATE) and waits while it is held.
    @event.listens_for(engine, "connect")
    def _autocommit_driver(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("history_write") else "BEGIN")

    return engine


def _check_schema(conn: Connection, where: str, migrate: bool) -> None:
    """Check the store's schema revision; with `migrate`, bring it up to date in this transaction.

    A store at SCHEMA_REVISION is checked with one query; Alembic (a third of a second to import) is
    loaded only for a store that is new, older or newer.
    """
    if sa.inspect(conn).has_table("alembic_version"):
        stored = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars().all()
        if stored == [SCHEMA_REVISION]:
            return
    from alembic import command
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    config = Config()
    config.set_main_option("script_location", "reporting.history:migrations")
    config.attributes["connection"] = conn
    scripts = ScriptDirectory.from_config(config)
    current = MigrationContext.configure(conn).get_current_revision()
    if current is None and sa.inspect(conn).get_table_names():
        raise HistoryError(f"history {where} is a database of something else (it has tables but no history schema)")
    try:
        if current is not None:
            scripts.get_revision(current)
    except CommandError:
        raise HistoryError(
            f"history {where} was written by a newer riskreport (schema revision {current}); upgrade riskreport"
        ) from None
    if current == scripts.get_current_head():
        return
    if not migrate:
        raise HistoryError(f"history {where} has an older schema; run riskreport build once to upgrade it")
    command.upgrade(config, "head")


@contextmanager
def _faults_as_errors(where: str) -> Iterator[None]:
    """Turn database and file-system faults into a HistoryError of one line."""
    try:
        yield
    except exc.DBAPIError as error:
        raise HistoryError(f"history {where}: {_reason(error)}") from None
    except OSError as error:
        raise HistoryError(f"history {where}: {error.strerror or error}") from None


def _reason(error: exc.DBAPIError) -> str:
    message = str(error.orig).strip().splitlines()[0] if error.orig is not None else str(error)
    if re.search(r"database is locked|database table is locked", message):
        return f"locked by another process (waited {BUSY_TIMEOUT_S:g} s); try again when it is done"
    if re.search(r"not a database|malformed|disk image", message):
        return f"not a readable history file ({message})"
    return message


def _cell(value: object) -> dict[str, object]:
    """A figure as the (value, text) columns of its row: numbers in value, anything else as text."""
    if isinstance(value, bool):
        return {"value": None, "text": "true" if value else "false"}
    if isinstance(value, int | float):
        return {"value": float(value), "text": None}
    return {"value": None, "text": None if value is None else str(value)}


def _json_text(data: Mapping[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, allow_nan=False)
