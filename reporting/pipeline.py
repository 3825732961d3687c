"""The pipeline: wires the stages in the order data flows. The CLI only parses options and calls it.

files ─▶ ingest ─▶ validate ─▶ metrics ─▶ render ─▶ json (and, later, pdf / xlsx)
"""

from __future__ import annotations

import fcntl
import gc
import hashlib
import json
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from reporting import __version__
from reporting.config import Thresholds, load_limits, load_thresholds
from reporting.contract import SCHEMA_VERSION, json_schemas
from reporting.history import DEFAULT_FILE, HistoryError
from reporting.ingest.model import Limits
from reporting.metrics.compute import Metrics, combine_accepted_partials, compute_metrics_from_partials
from reporting.metrics.coverage import count_coverage
from reporting.metrics.partials import Partials
from reporting.metrics.trends import EarlierFigures
from reporting.render.model import Report, ReportOptions
from reporting.render.validation import validation_to_dict
from reporting.validate.folder import validate_folder
from reporting.validate.model import ValidatedSubmission

if TYPE_CHECKING:
    from reporting.history.store import History


class BuildError(Exception):
    """A build that cannot go on; the message is meant for the person running it."""


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
) -> list[ValidatedSubmission]:
    """Validation alone (`riskreport validate`): each submission's status and findings, up to `jobs` at once.

    Neither the SHA-256 of the files nor the typed tables are kept: only a build needs them.
    """
    return validate_folder(path, period, limits, progress=progress, jobs=jobs, findings_only=True)


@dataclass(frozen=True)
class PeriodResult:
    """A period's submissions after validation, the partials of the accepted ones, and the metrics."""

    submissions: list[ValidatedSubmission]
    partials: Partials
    metrics: Metrics


def compute_period(
    path: Path,
    period: str,
    thresholds: Thresholds | None = None,
    prior: dict[str, Any] | None = None,
    limits: Limits | None = None,
    progress: Progress = iter,
    jobs: int = 1,
    earlier: EarlierFigures | None = None,
) -> PeriodResult:
    """Validate a period's submissions and compute its metrics from the accepted ones.

    `earlier` holds the figures of earlier builds from the history, for the trends.
    """
    submissions = validate_folder(path, period, limits, progress=progress, jobs=jobs)
    thresholds = thresholds or load_thresholds(None)
    partials = combine_accepted_partials(submissions, thresholds.scenarios)
    metrics = compute_metrics_from_partials(
        partials,
        period,
        thresholds,
        coverage=count_coverage(submissions),
        prior=prior,
        earlier=earlier,
    )
    return PeriodResult(submissions, partials, metrics)


def previous_period(period: str) -> str:
    return (pd.Period(period, freq="M") - 1).strftime("%Y-%m")


def load_prior(prior: Path, period: str, thresholds: Thresholds, jobs: int = 1) -> dict[str, Any]:
    """The prior month's metrics: read from its metrics JSON, or computed from its submissions folder."""
    if prior.is_file() and prior.suffix == ".json":
        try:
            data = json.loads(prior.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise BuildError(f"--prior {prior} is not a metrics JSON file: {error}") from None
        if not isinstance(data, dict) or "derivatives" not in data or "lending" not in data:
            raise BuildError(f"--prior {prior} is not a metrics JSON file written by riskreport build.")
        return data
    if prior.is_dir():
        return compute_period(prior, previous_period(period), thresholds, jobs=jobs).metrics.to_dict()
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
    are not made: the JSON outputs and the history only.
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
) -> BuildResult:
    """`run_build` with the output folder locked: from reading the submissions until the outputs are
    published and the build is recorded in the history."""
    # SQLAlchemy and Alembic are imported by the builds only.
    from reporting.history.store import history_exists, open_history

    # A history file that is not there yet is made when the build is recorded: a failed build leaves none.
    store = open_history(target) if history_exists(target) else None
    try:
        if prior is not None:
            prior_metrics: dict[str, Any] | None = load_prior(prior, period, thresholds, jobs)
        else:
            prior_metrics = store.latest_metrics(previous_period(period)) if store else None
        earlier = store.earlier_figures(period) if store else {}
        computed = compute_period(
            submissions_path, period, thresholds, prior_metrics, limits, progress, jobs, earlier=earlier
        )
        if strict and any(s.status == "rejected" for s in computed.submissions):
            return BuildResult(computed.submissions, None)
        options = {
            "submissions": str(submissions_path),
            "period": period,
            "prior": None if prior is None else str(prior),
            "config": None if config is None else str(config),
            "strict": strict,
            "limits": asdict(limits),
            "final": (presentation or ReportOptions()).final,
        }
        report = _report(computed, period, thresholds, options, presentation)
        outputs = _render_outputs(report, jobs, documents)
        written = publish(outputs, out)
        try:
            store = store or open_history(target)
            revision, recorded = _record(store, report, outputs[f"manifest-{period}.json"])
        except HistoryError as error:
            raise HistoryError(f"{error} (the outputs in {out} were written, not recorded in the history)") from None
    finally:
        if store is not None:
            store.close()
    return BuildResult(computed.submissions, report, written, revision, recorded)


def _report(
    computed: PeriodResult,
    period: str,
    thresholds: Thresholds,
    options: dict[str, Any],
    presentation: ReportOptions | None,
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
    )


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


def render_documents(report: Report, jobs: int) -> dict[str, bytes]:
    """The PDF and the workbook, by file name."""
    # Imported here, not with the module: the PDF's libraries (WeasyPrint, matplotlib) take about 1.4 s to import,
    # which `riskreport validate` and the other commands do without.
    from reporting.render.pdf import render_pdf
    from reporting.render.workbook import render_workbook

    period = report.period
    with _collection_paused_for_existing_objects():
        pdf = Rendering(render_pdf, report, in_child=jobs > 1)
        try:
            workbook = render_workbook(report)
        except BaseException:
            pdf.cancel()
            raise
        return {f"report-{period}.pdf": pdf.result(), f"report-{period}.xlsx": workbook}


def _record(store: History, report: Report, manifest: bytes) -> tuple[int, bool]:
    """Record a published build in the history: (its revision, whether it was added)."""
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


class Rendering:
    """A document being rendered: in a forked child process, or (`pid` None) here when its result is asked for.

    The child shares the Report's memory copy-on-write, so nothing is pickled; it writes the bytes to a
    scratch file. A child that fails is rendered again here, so that its error surfaces as it would have;
    when no scratch file or child process can be had, the document is rendered here.
    """

    def __init__(self, render: Callable[[Report], bytes], report: Report, in_child: bool):
        self.render, self.report = render, report
        self.pid: int | None = None
        if not (in_child and hasattr(os, "fork")):
            return
        try:
            handle, scratch = tempfile.mkstemp(prefix="riskreport-", suffix=".part")
        except OSError:
            return
        os.close(handle)
        self.scratch = Path(scratch)
        try:
            self.pid = os.fork()
        except OSError:
            self.scratch.unlink(missing_ok=True)
            return
        if self.pid == 0:  # the child: render, write, and leave without running the parent's cleanup
            status = 1
            try:
                self.scratch.write_bytes(render(report))
                status = 0
            finally:
                os._exit(status)

    def result(self) -> bytes:
        """The rendered bytes, once the child is done."""
        if self.pid is None:
            return self.render(self.report)
        _, status = os.waitpid(self.pid, 0)
        self.pid = None
        try:
            if os.waitstatus_to_exitcode(status) == 0:
                return self.scratch.read_bytes()
        finally:
            self.scratch.unlink(missing_ok=True)
        return self.render(self.report)

    def cancel(self) -> None:
        """Stop the child, if any, and remove its scratch file."""
        if self.pid is not None:
            os.kill(self.pid, signal.SIGTERM)
            os.waitpid(self.pid, 0)
            self.pid = None
            self.scratch.unlink(missing_ok=True)


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


def publish(documents: dict[str, bytes], out: Path) -> list[Path]:
    """Write every document to a staging folder in `out`, then move them all into place.

    A failure or an interrupt while writing leaves `out` as it was. The moves themselves are renames
    within one file system; Ctrl-C is held back while they run, and if a move fails, the files
    already moved are put back as they were, so `out` holds either all the new outputs or the old ones.
    Nothing of the staging folder is left behind.
    """
    out.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=out))
    try:
        for name, data in documents.items():
            (staging / name).write_bytes(data)
        previous = staging / "previous"
        previous.mkdir()
        for name in documents:
            if (out / name).is_file():
                # A hard link keeps the old output without copying it, to restore it on failure.
                try:
                    os.link(out / name, previous / name)
                except OSError:  # a file system without hard links
                    shutil.copy2(out / name, previous / name)
        with _interrupts_held():
            moved: list[str] = []
            try:
                for name in documents:
                    os.replace(staging / name, out / name)
                    moved.append(name)
            except BaseException:
                for name in moved:
                    if (previous / name).exists():
                        os.replace(previous / name, out / name)
                    else:
                        (out / name).unlink(missing_ok=True)
                raise
        return [out / name for name in documents]
    finally:
        shutil.rmtree(staging, ignore_errors=True)


LOCK_FILE = ".riskreport.lock"
"""The lock file a build holds in its output folder."""


@contextmanager
def lock_output(out: Path) -> Iterator[None]:
    """Hold the output folder `out` (made if missing) for one build; BuildError at once if another build holds it.

    The lock is an OS file lock (`flock`) on `out/.riskreport.lock`, which the kernel releases when the process
    ends, however it ends: a lock file left behind by a killed build does not block the next one. The file is
    removed on release; a build that locked a file another build had just removed locks the new file instead.
    """
    out.mkdir(parents=True, exist_ok=True)
    path = out / LOCK_FILE
    while True:
        handle = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | getattr(os, "O_NOFOLLOW", 0), 0o600)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(handle)
            busy = f"--out {out} is in use by another build ({path} is locked)"
            raise BuildError(f"{busy}; wait for it to end or choose another folder.") from None
        try:
            held = os.stat(path, follow_symlinks=False)
        except FileNotFoundError:
            held = None
        if held is not None and os.path.samestat(held, os.fstat(handle)):
            break
        os.close(handle)
    try:
        yield
    finally:
        path.unlink(missing_ok=True)
        os.close(handle)


@contextmanager
def _collection_paused_for_existing_objects() -> Iterator[None]:
    """Leave the objects alive now (the submissions, the Report) out of garbage collection until the block ends.

    Rendering makes many short-lived objects, and each full collection would otherwise walk every
    existing object again (about 0.4 s per document for ten million events); in the forked PDF child
    it would also copy the pages those objects live on.
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


@contextmanager
def _interrupts_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back until the block ends (main thread on POSIX; elsewhere a no-op)."""
    held = {signal.SIGINT, signal.SIGTERM}
    if not hasattr(signal, "pthread_sigmask") or threading.current_thread() is not threading.main_thread():
        yield
        return
    before = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


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
