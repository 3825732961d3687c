"""Validation of a submissions folder: every submission, then the rules across submissions."""

from __future__ import annotations

import itertools
import multiprocessing
import os
import pickle
import shutil
import tempfile
import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from reporting.contract import HEADER_TABLE
from reporting.findings import Finding
from reporting.forking import collection_paused_for_existing_objects
from reporting.ingest.model import Limits, RawSubmission
from reporting.ingest.read import discover_submissions, read_submission
from reporting.ingest.register import Register
from reporting.validate.model import ValidatedSubmission
from reporting.validate.register import apply_register_rules
from reporting.validate.submission import validate_submission

T = TypeVar("T")


def validate_folder(
    path: Path,
    period: str | None = None,
    limits: Limits | None = None,
    progress: Callable[[Iterable[Path]], Iterable[Path]] = iter,
    jobs: int = 1,
    findings_only: bool = False,
    register: Register | None = None,
    known_submissions: Collection[str] = frozenset(),
    then: Callable[[ValidatedSubmission], ValidatedSubmission] | None = None,
) -> list[ValidatedSubmission]:
    """Read and validate every submission under `path` (a submissions folder or one submission).

    Every entry of the folder comes back: an entry that is not a submission at all is listed as a
    rejected one with its finding, so nothing is dropped silently. Up to `jobs` submissions are read
    and validated at once, in threads (the parsing and the column checks run outside the GIL); the
    `jobs` threads are shared out among the submissions validated at once, so that a lone large
    submission is parsed and checked in parallel, and many submissions each in one thread, the largest first. The
    result is in folder order whatever `jobs` is. `findings_only` is validation alone (`riskreport validate`): neither
    the SHA-256 of the files (only a build's manifest needs them) nor the typed tables are kept, and what is
    left of a submission is small enough to send back from a worker process, so several submissions at once
    are validated in this process and in forked worker processes (`HereAndForked`), which share no interpreter
    lock. `then` runs on each submission
    where it was validated, before the rules across submissions, and what it returns is kept: a build computes
    there the partial aggregates and keeps no event rows (`reporting.metrics.compute.summarise_submission`),
    which makes it small enough for worker processes too. With a `register` of expected filers, its rules run
    last (`reporting.validate.register`). `known_submissions` are the submission_ids accepted in earlier builds
    (from the history): a restatement may name one of them.
    """
    limits = limits or Limits()
    paths, stray = discover_submissions(path, limits)
    root = path.parent if paths == [path] else path
    at_once = max(1, min(jobs, len(paths)))
    threads = max(1, jobs // at_once)  # for the parsing and the column checks of each submission
    validate = partial(
        _validate_one, root=root, limits=limits, threads=threads, period=period, findings_only=findings_only, then=then
    )
    in_processes = (findings_only or then is not None) and at_once > 1
    # Several at once start with the largest, so that the last to finish is not a large one left running alone.
    queued = sorted(paths, key=_bytes_of, reverse=True) if at_once > 1 else paths  # stable: equal sizes in folder order
    with collection_paused_for_existing_objects(), _workers(at_once, in_processes) as pool:
        # The progress shown advances as each submission's result comes in.
        results = zip(queued, progress(queued), pool.map(validate, queued), strict=True)
        done = {path: result for path, _, result in results}
    submissions = [done[path] for path in paths]
    submissions += [reject_unrecognised(finding) for finding in stray]
    apply_folder_rules(submissions, known_submissions)
    if register is not None:
        apply_register_rules(submissions, register)
    return submissions


def _bytes_of(submission: Path) -> int:
    """The bytes of a submission's files (those directly in its folder, or its one file), 0 when they cannot be
    listed: only the order in which submissions are validated depends on it. Links are not followed."""
    try:
        if not submission.is_dir():
            return submission.lstat().st_size
        with os.scandir(submission) as scan:
            return sum(
                entry.stat(follow_symlinks=False).st_size for entry in scan if entry.is_file(follow_symlinks=False)
            )
    except OSError:
        return 0


def _workers(count: int, in_processes: bool) -> Executor:
    """`count` workers: this process and `count - 1` forked worker processes, started now (see `HereAndForked`),
    or `count` threads when processes are not wanted or cannot be had."""
    if in_processes and hasattr(os, "fork"):
        processes = ProcessPoolExecutor(count - 1, mp_context=multiprocessing.get_context("fork"))
        try:
            processes.submit(int).result()  # forks every worker now, before this process starts any thread
            return HereAndForked(processes, count)
        except OSError:  # no process or scratch folder to be had: the threads do the same work
            processes.shutdown(cancel_futures=True)
    return ThreadPoolExecutor(count)


class HereAndForked(ThreadPoolExecutor):
    """The tasks of `map` run in this process (in one of its threads) and in forked worker processes: each of the
    `count` threads takes the next task when it is free, one running it here, the others handing it to a worker.

    The share run here is neither forked nor sent back, and it leaves this process's caches warm for the next folder
    (a backfill's next month); one worker fewer is forked. A worker's result comes back as a file in a scratch
    folder, read only when `map` yields it: the thread that feeds a worker hands it the next task at once. Taking in
    a result of several MB (a build's partials) through a pipe and unpickling it there, while this process's other
    thread keeps the interpreter lock busy, left the worker idle 20 to 110 ms a task.
    """

    def __init__(self, processes: ProcessPoolExecutor, count: int):
        self.results = Path(tempfile.mkdtemp(prefix="riskreport-results-"))
        super().__init__(count)
        self.processes = processes
        self.local = threading.local()
        self.turns = itertools.count()

    def map(
        self, fn: Callable[..., T], *iterables: Iterable[Any], timeout: float | None = None, chunksize: int = 1
    ) -> Iterator[T]:
        results = super().map(partial(self._run, fn), *iterables, timeout=timeout)
        return (result.load() if isinstance(result, SentBack) else result for result in results)

    def _run(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T | SentBack:
        if not hasattr(self.local, "here"):
            self.local.here = next(self.turns) == 0  # the first thread to start works here
        if self.local.here:
            return fn(*args, **kwargs)
        return self.processes.submit(_sent_back, self.results, fn, *args, **kwargs).result()

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        super().shutdown(wait, cancel_futures=cancel_futures)
        self.processes.shutdown(wait, cancel_futures=cancel_futures)
        shutil.rmtree(self.results, ignore_errors=True)  # the results of tasks whose outcome nobody asked for


@dataclass(frozen=True)
class SentBack:
    """A worker's result, pickled into a file of the pool's scratch folder; `load` reads it and deletes the file."""

    path: Path

    def load(self) -> Any:
        try:
            return pickle.loads(self.path.read_bytes())
        finally:
            self.path.unlink()


def _sent_back(folder: Path, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> SentBack:
    """In a worker: run the task and pickle its result into a new file of `folder`."""
    result = fn(*args, **kwargs)
    handle, name = tempfile.mkstemp(dir=folder, suffix=".pickle")
    with os.fdopen(handle, "wb") as file:
        pickle.dump(result, file, protocol=pickle.HIGHEST_PROTOCOL)
    return SentBack(Path(name))


def _validate_one(
    submission_path: Path,
    root: Path,
    limits: Limits,
    threads: int,
    period: str | None,
    findings_only: bool,
    then: Callable[[ValidatedSubmission], ValidatedSubmission] | None,
) -> ValidatedSubmission:
    raw = read_submission(submission_path, root, limits, hashed=not findings_only, threads=threads)
    submission = validate_submission(raw, period, threads)
    if findings_only:
        submission = replace(submission, tables={})
    return submission if then is None else then(submission)


def reject_unrecognised(finding: Finding) -> ValidatedSubmission:
    raw = RawSubmission(source=finding.file, container="unrecognised", header_file=finding.file, header=None)
    submission = validate_submission(raw)
    submission.add(finding)
    return submission


def apply_folder_rules(submissions: list[ValidatedSubmission], known_submissions: Collection[str] = ()) -> None:
    """Duplicate submission ids, restatements, and one accepted submission per entity and period.

    Order matters: a duplicated id rejects both submissions; then an accepted submission that
    `restates` another marks that one restated; then, among what is still accepted, two
    submissions of one entity for one period are an error on both. A restatement of a submission
    accepted in an earlier build (one of `known_submissions`) replaces it there: nothing to mark here.
    """
    ids = Counter(s.header_values.get("submission_id") for s in submissions if s.header_values.get("submission_id"))
    for submission in submissions:
        submission_id = submission.header_values.get("submission_id")
        if submission_id and ids[submission_id] > 1:
            submission.add(
                _header_finding(
                    "submission-id-duplicate",
                    submission,
                    "submission_id",
                    f"Another submission in the folder has the same submission_id {submission_id}.",
                )
            )
    by_id = {s.header.submission_id: s for s in submissions if s.header is not None}
    reject_restatement_cycles(submissions)
    for submission in submissions:
        if submission.status != "accepted" or submission.header is None or submission.header.restates is None:
            continue
        target = by_id.get(submission.header.restates)
        if target is None and submission.header.restates in known_submissions:
            continue
        if target is None:
            submission.add(
                _header_finding(
                    "restates-unknown",
                    submission,
                    "restates",
                    f"No submission {submission.header.restates} is in the folder or the history to be restated.",
                )
            )
        else:
            target.status = "restated"
    accepted: defaultdict[tuple[str, str], list[ValidatedSubmission]] = defaultdict(list)
    for submission in submissions:
        if submission.status == "accepted" and submission.header is not None:
            accepted[(submission.header.entity_id, submission.header.period)].append(submission)
    for (entity_id, period), group in accepted.items():
        if len(group) > 1:
            for submission in group:
                others = ", ".join(s.source for s in group if s is not submission)
                submission.add(
                    _header_finding(
                        "entity-period-duplicate",
                        submission,
                        "entity_id",
                        f"{entity_id} also submitted {period} in {others}; mark the newer one with restates.",
                    )
                )


def reject_restatement_cycles(submissions: list[ValidatedSubmission]) -> None:
    """An error on each accepted submission whose chain of `restates` comes back to it (one that restates
    itself, two that restate each other): none of them can be the newer one."""
    restates = {
        s.header.submission_id: s.header.restates
        for s in submissions
        if s.status == "accepted" and s.header is not None and s.header.restates is not None
    }
    for submission in submissions:
        if submission.header is None or submission.header.submission_id not in restates:
            continue
        own = submission.header.submission_id
        chain = [restates[own]]
        while chain[-1] in restates and chain[-1] != own and len(chain) <= len(restates):
            chain.append(restates[chain[-1]])
        if chain[-1] == own:
            path = " -> ".join([own, *chain])
            message = f"restates comes back to this submission ({path}); it must name an earlier, other submission."
            submission.add(_header_finding("restates-cycle", submission, "restates", message))


def _header_finding(code: str, submission: ValidatedSubmission, column: str, message: str) -> Finding:
    return Finding(
        code=code,
        file=submission.header_file or submission.source,
        table=HEADER_TABLE,
        column=column,
        value=submission.header_values.get(column),
        message=message,
    )
