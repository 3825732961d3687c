"""Builds started from the portal: `riskreport build` of one month, in the background, with its progress.

A build holds the month's lock while it reads the month folder, so that an upload put in force meanwhile
waits for it and the build sees each entity's submission in force exactly once. Its outputs go to the
portal's reports folder, and it is recorded in the history store there (`DIR/reports/history.sqlite`), from
which come the report's trends and, when the previous month was built here, its prior; otherwise the
previous month's submissions folder is the prior, when there is one.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from reporting import pipeline
from reporting.config import ConfigError
from reporting.history import DEFAULT_FILE, HistoryError
from reporting.portal.store import Store

State = Literal["running", "done", "failed"]


@dataclass
class BuildJob:
    """One build: its state, the submissions validated so far, and the outputs or the error at the end."""

    id: str
    period: str
    state: State = "running"
    stage: str = "Reading the month's submissions"
    validated: int = 0
    submissions: int = 0
    message: str = ""
    outputs: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "period": self.period,
            "state": self.state,
            "stage": self.stage,
            "validated": self.validated,
            "submissions": self.submissions,
            "message": self.message,
            "outputs": self.outputs,
        }


class Builds:
    """The builds of this portal process, by id; one running build per month at a time."""

    def __init__(self, store: Store, out: Path):
        self.store = store
        self.out = out
        self.history = out / DEFAULT_FILE
        self.jobs: dict[str, BuildJob] = {}
        self.lock = threading.Lock()

    def start(self, period: str) -> BuildJob:
        """Start building `period` in the background; a build of that month already running is returned instead."""
        with self.lock:
            for job in self.jobs.values():
                if job.period == period and job.state == "running":
                    return job
            job = BuildJob(id=secrets.token_hex(8), period=period)
            self.jobs[job.id] = job
        threading.Thread(target=self._run, args=(job,), name=f"build-{period}", daemon=True).start()
        return job

    def latest(self, period: str) -> BuildJob | None:
        found = [job for job in self.jobs.values() if job.period == period]
        return found[-1] if found else None

    def built_periods(self) -> list[str]:
        """The months recorded in the history of the portal's builds, newest first."""
        from reporting.history.store import history_exists, open_history

        if not history_exists(self.history):
            return []
        with open_history(self.history, create=False) as history:
            return sorted(set(history.list_builds()["period"]), reverse=True)

    def recorded_trends(self, period: str) -> dict[str, Any]:
        """The trends section of the month's latest build in the history (empty when it was never built)."""
        from reporting.history.store import history_exists, open_history

        if not history_exists(self.history):
            return {}
        with open_history(self.history, create=False) as history:
            metrics = history.latest_metrics(period)
        return {} if metrics is None else dict(metrics.get("trends") or {})

    def prior_folder(self, period: str) -> Path | None:
        """The previous month's submissions folder, as the build's prior, unless the history holds a build of
        that month (the build then takes the prior from the history, as it was reported); None without either."""
        from reporting.history.store import history_exists, open_history

        previous = pipeline.previous_period(period)
        folder = self.store.root / previous
        if not folder.is_dir():
            return None
        if history_exists(self.history):
            with open_history(self.history, create=False) as history:
                if history.latest_metrics(previous) is not None:
                    return None
        return folder

    def _run(self, job: BuildJob) -> None:
        month = self.store.root / job.period

        def progress(paths: Iterable[Path]) -> Iterator[Path]:
            listed = list(paths)
            job.submissions, job.stage = len(listed), "Validating the submissions"
            for path in listed:
                yield path
                job.validated += 1
            job.stage = "Computing the figures and writing the report"

        try:
            if not month.is_dir():
                raise pipeline.BuildError(f"No submissions folder for {job.period} yet: nothing to build.")
            with self.store.month_locked(job.period):
                result = pipeline.run_build(
                    month,
                    job.period,
                    self.out,
                    prior=self.prior_folder(job.period),
                    history=self.history,
                    limits=self.store.limits,
                    progress=progress,
                    register=self.store.register,
                )
        except (pipeline.BuildError, ConfigError, HistoryError, OSError) as error:
            job.state, job.stage, job.message = "failed", "Failed", str(error)
            return
        except Exception as error:  # a fault of the program: shown on the page rather than lost with the thread
            job.state, job.stage, job.message = "failed", "Failed", f"The build failed: {type(error).__name__}: {error}"
            raise
        job.outputs = [path.name for path in result.written]
        rejected = len(result.rejected)
        job.message = f"{len(result.submissions)} submission(s), {rejected} rejected."
        job.state, job.stage = "done", "Done"
