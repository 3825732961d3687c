"""Validation of a submissions folder: every submission, then the rules across submissions."""

from __future__ import annotations

import multiprocessing
import os
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import replace
from functools import partial
from pathlib import Path

from reporting.contract import HEADER_TABLE
from reporting.findings import Finding
from reporting.ingest.model import Limits, RawSubmission
from reporting.ingest.read import discover_submissions, read_submission
from reporting.validate.model import ValidatedSubmission
from reporting.validate.submission import validate_submission


def validate_folder(
    path: Path,
    period: str | None = None,
    limits: Limits | None = None,
    progress: Callable[[Iterable[Path]], Iterable[Path]] = iter,
    jobs: int = 1,
    findings_only: bool = False,
) -> list[ValidatedSubmission]:
    """Read and validate every submission under `path` (a submissions folder or one submission).

    Every entry of the folder comes back: an entry that is not a submission at all is listed as a
    rejected one with its finding, so nothing is dropped silently. Up to `jobs` submissions are read
    and validated at once, in threads (the parsing and the column checks run outside the GIL); the
    `jobs` threads are shared out among the submissions validated at once, so that a lone large
    submission is parsed and checked in parallel, and many submissions each in one thread. The result is in
    folder order whatever `jobs` is. `findings_only` is validation alone (`riskreport validate`): neither
    the SHA-256 of the files (only a build's manifest needs them) nor the typed tables are kept, and what is
    left of a submission is small enough to send back from a worker process, so several submissions at once
    are validated in forked processes, which share no interpreter lock.
    """
    limits = limits or Limits()
    paths, stray = discover_submissions(path, limits)
    root = path.parent if paths == [path] else path
    at_once = max(1, min(jobs, len(paths)))
    threads = max(1, jobs // at_once)  # for the parsing and the column checks of each submission
    validate = partial(
        _validate_one, root=root, limits=limits, threads=threads, period=period, findings_only=findings_only
    )
    in_processes = findings_only and at_once > 1 and hasattr(os, "fork")
    pool: Executor = (
        ProcessPoolExecutor(at_once, mp_context=multiprocessing.get_context("fork"))
        if in_processes
        else ThreadPoolExecutor(at_once)
    )
    with pool:
        # The progress shown advances as each submission's result comes in, in folder order.
        submissions = [done for _, done in zip(progress(paths), pool.map(validate, paths), strict=True)]
    submissions += [reject_unrecognised(finding) for finding in stray]
    apply_folder_rules(submissions)
    return submissions


def _validate_one(
    submission_path: Path, root: Path, limits: Limits, threads: int, period: str | None, findings_only: bool
) -> ValidatedSubmission:
    raw = read_submission(submission_path, root, limits, hashed=not findings_only, threads=threads)
    submission = validate_submission(raw, period, threads)
    return replace(submission, tables={}) if findings_only else submission


def reject_unrecognised(finding: Finding) -> ValidatedSubmission:
    raw = RawSubmission(source=finding.file, container="unrecognised", header_file=finding.file, header=None)
    submission = validate_submission(raw)
    submission.add(finding)
    return submission


def apply_folder_rules(submissions: list[ValidatedSubmission]) -> None:
    """Duplicate submission ids, restatements, and one accepted submission per entity and period.

    Order matters: a duplicated id rejects both submissions; then an accepted submission that
    `restates` another marks that one restated; then, among what is still accepted, two
    submissions of one entity for one period are an error on both.
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
        if target is None:
            submission.add(
                _header_finding(
                    "restates-unknown",
                    submission,
                    "restates",
                    f"No submission {submission.header.restates} is in the folder to be restated.",
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
