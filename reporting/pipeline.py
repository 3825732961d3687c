"""The pipeline: wires the stages in the order data flows. The CLI only parses options and calls it.

files ─▶ ingest ─▶ validate ─▶ metrics ─▶ render ─▶ json (and, later, pdf / xlsx)
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from reporting import __version__
from reporting.config import Thresholds, load_limits, load_thresholds
from reporting.contract import SCHEMA_VERSION, json_schemas
from reporting.history import DEFAULT_FILE, HistoryError
from reporting.ingest.model import Limits
from reporting.ingest.register import Register
from reporting.metrics.compute import (
    Metrics,
    combine_accepted_partials,
    compute_metrics_from_partials,
    summarise_submission,
)
from reporting.metrics.coverage import count_coverage
from reporting.metrics.filing import (
    EntityFigure,
    FilingInput,
    compute_entity_figures,
    entity_figures_from_metrics,
    list_filings,
)
from reporting.metrics.partials import Partials
from reporting.metrics.record import (
    PeriodRecord,
    compute_period_records,
    compute_scorecard,
    compute_scorecards,
    name_entities,
)
from reporting.metrics.revisions import list_revised_figures
from reporting.metrics.trends import EarlierFigures
from reporting.publish import BuildError, lock_output, publish
from reporting.render.documents import render_documents
from reporting.render.model import Report, ReportOptions
from reporting.render.validation import validation_to_dict
from reporting.validate.folder import validate_folder
from reporting.validate.model import ValidatedSubmission

if TYPE_CHECKING:
    from reporting.history.earlier import EarlierBuilds
    from reporting.history.store import History


Progress = Callable[[Iterable[Path]], Iterable[Path]]
"""Wraps the submissions as they are validated, e.g. to show a progress bar."""


def default_jobs() -> int:
    """The cores this process may run on: the default number of submissions handled at once."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def run_validation(
    path: Path,
    period: str | None,
    limits: Limits | None = None,
    progress: Progress = iter,
    jobs: int = 1,
    register: Register | None = None,
    known_submissions: Collection[str] = frozenset(),
) -> list[ValidatedSubmission]:
    """Validation alone (`riskreport validate`): each submission's status and findings, up to `jobs` at once.

    Neither the SHA-256 of the files nor the typed tables are kept: only a build needs them. With a
    `register` of expected filers, its rules are applied too; `known_submissions` are submission_ids
    accepted in earlier builds, which a restatement may name.
    """
    return validate_folder(
        path,
        period,
        limits,
        progress=progress,
        jobs=jobs,
        findings_only=True,
        register=register,
        known_submissions=known_submissions,
    )


@dataclass(frozen=True)
class PeriodResult:
    """A period's submissions after validation, the partials of the accepted ones, and the metrics."""

    submissions: list[ValidatedSubmission]
    partials: Partials
    metrics: Metrics

    def entity_figures(self) -> dict[str, EntityFigure]:
        """{entity_id: part of the market} of every entity accepted in the period."""
        return compute_entity_figures(
            self.metrics.period,
            list_filings(self.submissions),
            self.metrics.derivatives,
            self.metrics.lending,
            self.partials,
        )


def compute_period(
    path: Path,
    period: str,
    thresholds: Thresholds | None = None,
    prior: dict[str, Any] | None = None,
    limits: Limits | None = None,
    progress: Progress = iter,
    jobs: int = 1,
    earlier: EarlierFigures | None = None,
    register: Register | None = None,
    last_known: Mapping[str, EntityFigure] | None = None,
    known_submissions: Collection[str] = frozenset(),
) -> PeriodResult:
    """Validate a period's submissions and compute its metrics from the accepted ones.

    `earlier` holds the figures of earlier builds from the history, for the trends. With a `register` of
    expected filers, coverage gains its register figures; `last_known` gives each entity's part of the
    market in the latest earlier period it filed (for the missing ones). `known_submissions` are the
    submission_ids accepted in earlier builds of the period, which a restatement may name.
    """
    thresholds = thresholds or load_thresholds(None)
    submissions = validate_folder(
        path,
        period,
        limits,
        progress=progress,
        jobs=jobs,
        register=register,
        known_submissions=known_submissions,
        then=partial(summarise_submission, scenarios=thresholds.scenarios),
    )
    partials = combine_accepted_partials(submissions, thresholds.scenarios)
    metrics = compute_metrics_from_partials(
        partials,
        period,
        thresholds,
        coverage=count_coverage(submissions),
        prior=prior,
        earlier=earlier,
        filing=None if register is None else FilingInput(register, list_filings(submissions), last_known or {}),
    )
    return PeriodResult(submissions, partials, metrics)


def previous_period(period: str) -> str:
    return (pd.Period(period, freq="M") - 1).strftime("%Y-%m")


@dataclass(frozen=True)
class Prior:
    """The prior month: its metrics JSON, and each entity's part of the market in it (for the register figures)."""

    metrics: dict[str, Any]
    entity_figures: dict[str, EntityFigure]


def prior_from_history(store: History, period: str, register: Register | None) -> Prior | None:
    """The prior month from the latest revision of its build in the history; None when it was never built."""
    metrics = store.latest_metrics(previous_period(period))
    if metrics is None:
        return None
    return Prior(metrics, {} if register is None else entity_figures_from_metrics(metrics, register))


def load_prior(
    prior: Path, period: str, thresholds: Thresholds, jobs: int = 1, register: Register | None = None
) -> Prior:
    """The prior month: read from its metrics JSON, or computed from its submissions folder.

    A metrics JSON names entities by name and holds no DAT debt per entity, so with it the parts of the
    market come from the `register`'s names (without the DAT ones); a folder gives them all.
    """
    if prior.is_file() and prior.suffix == ".json":
        try:
            data = json.loads(prior.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise BuildError(f"--prior {prior} is not a metrics JSON file: {error}") from None
        if not isinstance(data, dict) or "derivatives" not in data or "lending" not in data:
            raise BuildError(f"--prior {prior} is not a metrics JSON file written by riskreport build.")
        return Prior(data, {} if register is None else entity_figures_from_metrics(data, register))
    if prior.is_dir():
        computed = compute_period(prior, previous_period(period), thresholds, jobs=jobs)
        return Prior(computed.metrics.to_dict(), computed.entity_figures())
    raise BuildError(f"--prior {prior} is neither a metrics JSON file nor a submissions folder.")


@dataclass
class BuildResult:
    """A build's submissions, its report (None when --strict stopped it), the files written, and its
    revision in the history (`recorded` False when the period's latest revision had the same inputs)."""

    submissions: list[ValidatedSubmission]
    report: Report | None
    written: list[Path] = field(default_factory=list)
    revision: int | None = None
    recorded: bool = False

    @property
    def rejected(self) -> list[ValidatedSubmission]:
        return [s for s in self.submissions if s.status == "rejected"]


def run_build(
    submissions_path: Path,
    period: str,
    out: Path,
    *,
    prior: Path | None = None,
    history: str | Path | None = None,
    config: Path | None = None,
    strict: bool = False,
    limits: Limits | None = None,
    presentation: ReportOptions | None = None,
    progress: Progress = iter,
    jobs: int = 1,
    documents: bool = True,
    register: Register | None = None,
) -> BuildResult:
    """Validate, compute and write the period's outputs to `out`, then record the build in the history.

    Outputs are written to a staging folder inside `out` and moved into place only when all are
    complete, so a failed or interrupted build leaves the previous outputs as they were; only then is the
    build recorded in the history (`history`: a file or database URL, by default history.sqlite in
    `out`), in one transaction. The trends come from the history, and so does the prior period when
    `prior` is not given. With `strict`, any rejected submission fails the build and nothing is written
    or recorded. `presentation` sets the report's marking, classification and authority (its run time is
    set here). With `jobs` above 1, up to that many submissions are validated at once, and the PDF is
    rendered in a child process while the workbook is written. Without `documents`, the PDF and the workbook
    are not made: the JSON outputs and the history only. `register` is the register of expected filers, for
    its findings and figures.
    """
    if _is_within(out.resolve(), submissions_path.resolve()):
        raise BuildError(f"--out {out} is inside the submissions folder; choose a folder outside it.")
    thresholds = load_thresholds(config)
    limits = limits or load_limits(config)
    target = out / DEFAULT_FILE if history is None else history
    with lock_output(out):
        return _build_locked(
            submissions_path,
            period,
            out,
            target,
            prior,
            config,
            strict,
            thresholds,
            limits,
            presentation,
            progress,
            jobs,
            documents,
            register,
        )


def _build_locked(
    submissions_path: Path,
    period: str,
    out: Path,
    target: Path | str,
    prior: Path | None,
    config: Path | None,
    strict: bool,
    thresholds: Thresholds,
    limits: Limits,
    presentation: ReportOptions | None,
    progress: Progress,
    jobs: int,
    documents: bool,
    register: Register | None,
) -> BuildResult:
    """`run_build` with the output folder locked: from reading the submissions until the outputs are
    published and the build is recorded in the history."""
    # SQLAlchemy and Alembic are imported by the builds only.
    from reporting.history.earlier import read_earlier_builds
    from reporting.history.store import history_exists, open_history

    # A history file that is not there yet is made when the build is recorded: a failed build leaves none.
    store = open_history(target) if history_exists(target) else None
    try:
        earlier = read_earlier_builds(store, period)
        if prior is not None:
            before: Prior | None = load_prior(prior, period, thresholds, jobs, register)
        else:
            before = prior_from_history(store, period, register) if store else None
        computed = compute_period(
            submissions_path,
            period,
            thresholds,
            None if before is None else before.metrics,
            limits,
            progress,
            jobs,
            earlier=earlier.figures,
            register=register,
            last_known=_last_known(earlier, before, prior is not None),
            known_submissions=earlier.known_submissions,
        )
        if strict and any(s.status == "rejected" for s in computed.submissions):
            return BuildResult(computed.submissions, None)
        options = {
            "submissions": str(submissions_path),
            "period": period,
            "prior": None if prior is None else str(prior),
            "config": None if config is None else str(config),
            "register": None if register is None else {"path": register.source, "sha256": register.sha256},
            "strict": strict,
            "limits": asdict(limits),
            "final": (presentation or ReportOptions()).final,
        }
        records = compute_period_records(period, computed.submissions, register)
        names = {**earlier.names, **{e: name for e, (name, _) in name_entities(computed.submissions, register).items()}}
        report = _report(computed, period, thresholds, options, presentation, records, names, earlier)
        outputs = _render_outputs(report, jobs, documents)
        written = publish(outputs, out)
        try:
            store = store or open_history(target)
            rows = _record_rows(records, names, computed)
            revision, recorded = _record(store, report, outputs[f"manifest-{period}.json"], rows)
        except HistoryError as error:
            raise HistoryError(f"{error} (the outputs in {out} were written, not recorded in the history)") from None
    finally:
        if store is not None:
            store.close()
    return BuildResult(computed.submissions, report, written, revision, recorded)


def _last_known(earlier: EarlierBuilds, before: Prior | None, explicit: bool) -> dict[str, EntityFigure]:
    """Each entity's part of the market in the latest earlier period it filed.

    From the history's period records; an explicit --prior (the month before, the latest there can be)
    overrides them, and the prior month's metrics JSON from the history fills in entities its records lack
    (builds recorded before the records were kept).
    """
    prior_figures = {} if before is None else before.entity_figures
    if explicit:
        return {**earlier.last_known, **prior_figures}
    return {**prior_figures, **earlier.last_known}


def _report(
    computed: PeriodResult,
    period: str,
    thresholds: Thresholds,
    options: dict[str, Any],
    presentation: ReportOptions | None,
    records: dict[str, PeriodRecord],
    names: dict[str, str],
    earlier: EarlierBuilds,
) -> Report:
    metrics_json = _json_bytes(computed.metrics.to_dict())
    return Report(
        period=period,
        metrics=computed.metrics,
        partials=computed.partials,
        submissions=computed.submissions,
        thresholds=thresholds,
        provenance=describe_provenance(computed.submissions, options, thresholds),
        report_id=f"RR-{period}-{hashlib.sha256(metrics_json).hexdigest()[:10].upper()}",
        metrics_json=metrics_json,
        options=replace(presentation or ReportOptions(), generated_at=_run_time()),
        scorecards=compute_scorecards(period, {**earlier.records, period: records}, names),
        revisions=list_revised_figures(earlier.revised),
    )


def _record_rows(
    records: dict[str, PeriodRecord], names: dict[str, str], computed: PeriodResult
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The history rows of the build's period records (with each entity's part of the market) and of its
    accepted submissions."""
    figures = computed.entity_figures()
    record_rows = []
    for entity_id, record in records.items():
        figure = figures.get(entity_id)
        row = {key: value for key, value in asdict(record).items() if key != "period"}
        record_rows.append(
            {
                **row,
                "entity_id": entity_id,
                "entity_name": names.get(entity_id, entity_id),
                "amount_usd": None if figure is None else figure.amount_usd,
                "share": None if figure is None else figure.share,
            }
        )
    accepted = [
        {
            "submission_id": s.header.submission_id,
            "entity_id": s.header.entity_id,
            "restates": s.header.restates,
            "restatement_reason": s.header.restatement_reason,
        }
        for s in computed.submissions
        if s.status == "accepted" and s.header is not None
    ]
    return record_rows, accepted


def _render_outputs(report: Report, jobs: int, documents: bool = True) -> dict[str, bytes]:
    """The outputs of a build by file name, the manifest last, listing the others with their SHA-256.

    Five outputs; the JSON ones only without `documents` (the PDF and the workbook).
    """
    period = report.period
    outputs = {
        f"metrics-{period}.json": report.metrics_json,
        f"validation-{period}.json": _json_bytes(validation_to_dict(report.submissions)),
    }
    if documents:
        outputs |= render_documents(report, jobs)
    manifest = {
        **report.provenance,
        "outputs": [
            {"path": name, "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
            for name, data in outputs.items()
        ],
    }
    outputs[f"manifest-{period}.json"] = _json_bytes(manifest)
    return outputs


def _record(
    store: History, report: Report, manifest: bytes, rows: tuple[list[dict[str, Any]], list[dict[str, Any]]]
) -> tuple[int, bool]:
    """Record a published build in the history: (its revision, whether it was added); `rows` are its period
    records and accepted submissions (`_record_rows`)."""
    from reporting.history.store import BuildRecord

    provenance = report.provenance
    identity = {
        "inputs": [(entry["path"], entry["sha256"]) for entry in provenance["inputs"]],
        # Where the submissions folder lies does not change the build; what it holds does.
        "options": {key: value for key, value in provenance["options"].items() if key != "submissions"},
        "thresholds": provenance["thresholds"],
        "versions": (provenance["tool_version"], provenance["schema_version"]),
    }
    entities = [
        {
            "source": s.source,
            "entity_id": s.header.entity_id if s.header else s.header_values.get("entity_id"),
            "entity_name": s.header.entity_name if s.header else s.header_values.get("entity_name"),
            "status": s.status,
            "rows": sum(s.rows.values()),
            "errors": s.errors,
            "warnings": s.warnings,
        }
        for s in report.submissions
    ]
    build = BuildRecord(
        period=report.period,
        run_at=provenance["generated_at"],
        fingerprint=hashlib.sha256(_json_bytes(identity)).hexdigest(),
        tool_version=provenance["tool_version"],
        schema_version=provenance["schema_version"],
        thresholds=provenance["thresholds"],
        manifest=json.loads(manifest),
        metrics=json.loads(report.metrics_json),
        entities=entities,
        records=rows[0],
        accepted=rows[1],
    )
    return store.record(build)


def months_between(first: str, last: str) -> list[str]:
    """The months from `first` to `last` (YYYY-MM), both included, in order."""
    start, end = pd.Period(first, freq="M"), pd.Period(last, freq="M")
    if end < start:
        raise BuildError(f"--to {last} is before --from {first}.")
    return [(start + step).strftime("%Y-%m") for step in range((end - start).n + 1)]


def run_backfill(
    root: Path,
    first: str,
    last: str,
    out: Path,
    *,
    months: Callable[[list[str]], Iterable[str]] = iter,
    documents: str = "all",
    **build_options: Any,
) -> Iterator[tuple[str, BuildResult]]:
    """Build every month folder `root/YYYY-MM` from `first` to `last`, in order, into one history.

    Yields each month with its result as it is built; `build_options` are those of `run_build` (but
    `prior`: each month's prior comes from the history). `months` wraps the months as they are built,
    e.g. to show a progress bar. `documents` "last" makes the PDF and the workbook of the last month
    only (the others get their JSON outputs and their place in the history); "all" of every month.
    Every folder must exist before any month is built. With `strict`, a month with a rejected
    submission stops the backfill after it.
    """
    periods = months_between(first, last)
    missing = [period for period in periods if not (root / period).is_dir()]
    if missing:
        raise BuildError(f"no submissions folder for {', '.join(missing)} in {root}.")
    for period in months(periods):
        wanted = documents == "all" or period == periods[-1]
        result = run_build(root / period, period, out, documents=wanted, **build_options)
        yield period, result
        if result.report is None:
            return


def run_letters(
    submissions_path: Path,
    period: str,
    out: Path,
    *,
    entities: list[str] | None = None,
    register: Register | None = None,
    limits: Limits | None = None,
    presentation: ReportOptions | None = None,
    jobs: int = 1,
    history: str | Path | None = None,
) -> list[Path]:
    """Write the feedback letter of each of `entities` (entity_ids; None: every firm) for `period` into `out`.

    Every firm is each entity the register expects in the period and each one that sent a submission.
    The firm's record over the last 12 periods holds this period's and, with a `history` of builds (a
    file or database URL, only read), the earlier periods' records there (latest revision of each). The
    letters are published together, as a build's outputs are.
    """
    from reporting.history.earlier import EarlierBuilds, read_earlier_builds
    from reporting.history.store import open_history
    from reporting.render.letter import Letter, render_letter

    earlier = EarlierBuilds()
    if history is not None:
        with open_history(history, create=False) as store:
            earlier = read_earlier_builds(store, period)
    submissions = validate_folder(
        submissions_path,
        period,
        limits,
        jobs=jobs,
        findings_only=True,
        register=register,
        known_submissions=earlier.known_submissions,
    )
    records = compute_period_records(period, submissions, register)
    wanted = list(records) if entities is None else entities
    unknown = [entity_id for entity_id in wanted if entity_id not in records]
    if unknown:
        raise BuildError(
            f"No submission for {period} and no register entry expected in it for entity {', '.join(unknown)}."
        )
    options = replace(presentation or ReportOptions(), generated_at=_run_time())
    documents = {}
    names = name_entities(submissions, register)
    for entity_id in wanted:
        own = [s for s in submissions if s.header is not None and s.header.entity_id == entity_id]
        entity_name, entity_type = names[entity_id]
        letter = Letter(
            period=period,
            entity_id=entity_id,
            entity_name=entity_name,
            entity_type=entity_type,
            record=records[entity_id],
            scorecard=compute_scorecard(entity_id, entity_name, period, {**earlier.records, period: records}),
            submissions=own,
            options=options,
        )
        documents[f"letter-{period}-{entity_id}.pdf"] = render_letter(letter)
    return publish(documents, out)


def describe_provenance(
    submissions: list[ValidatedSubmission], options: dict[str, Any], thresholds: Thresholds
) -> dict[str, Any]:
    """What went into the build: every input file with its SHA-256, versions, options and thresholds.

    The time of the run is recorded here only; `SOURCE_DATE_EPOCH` fixes it for reproducible builds.
    """
    inputs = sorted(
        (
            {"path": f.path, "sha256": f.sha256, "bytes": f.bytes, "submission": s.source, "status": s.status}
            for s in submissions
            for f in s.files
        ),
        key=lambda entry: str(entry["path"]),
    )
    return {
        "tool": "riskreport",
        "tool_version": __version__,
        "schema_version": SCHEMA_VERSION,
        "generated_at": _run_time().isoformat().replace("+00:00", "Z"),
        "options": options,
        "thresholds": thresholds.to_dict(),
        "inputs": inputs,
    }


def write_schemas(out: Path) -> list[Path]:
    """Write the JSON Schema of the header and of every table to `out`."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, schema in json_schemas().items():
        target = out / name
        target.write_text(json.dumps(schema, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        written.append(target)
    return written


def _json_bytes(data: object) -> bytes:
    return (json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n").encode("utf-8")


def _run_time() -> datetime:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is not None and epoch.strip().isdigit():
        return datetime.fromtimestamp(int(epoch), tz=UTC)
    return datetime.now(tz=UTC).replace(microsecond=0)


def _is_within(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents
