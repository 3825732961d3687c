"""The pipeline's parallel work: the same results whatever --jobs, and failures that leave nothing behind."""

from __future__ import annotations

import gc
import os
import tempfile
import time
from dataclasses import fields
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from reporting import pipeline
from reporting.config import load_thresholds
from reporting.ingest.model import RawSubmission
from reporting.metrics.compute import combine_accepted_partials
from reporting.metrics.partials import Partials
from reporting.render import documents, pdf, workbook
from reporting.render.model import Report
from reporting.render.validation import validation_to_dict
from reporting.validate import folder
from reporting.validate.folder import validate_folder
from reporting.validate.model import ValidatedSubmission
from reporting.validate.submission import validate_submission

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data"


def test_validation_in_parallel_gives_the_same_submissions_in_the_same_order() -> None:
    one = pipeline.run_validation(SAMPLE / "rejected", None, jobs=1)
    three = pipeline.run_validation(SAMPLE / "rejected", None, jobs=3)
    assert len(one) > 10
    assert validation_to_dict(three) == validation_to_dict(one)
    # Validation alone keeps findings, not tables: jobs=3 sent its results back from worker processes.
    assert all(submission.tables == {} for submission in one + three)


def test_a_build_computes_each_submissions_partials_where_it_was_validated() -> None:
    computed = pipeline.compute_period(SAMPLE / "2025-11", "2025-11", jobs=2)
    accepted = [s for s in computed.submissions if s.status == "accepted"]
    assert len(accepted) > 10
    # Sent back from the worker processes with their partials, and without their liquidation rows.
    assert all(isinstance(s.partials, Partials) and "liquidations" not in s.tables for s in accepted)
    assert any("open_interest" in s.tables for s in accepted)
    whole = validate_folder(SAMPLE / "2025-11", "2025-11")
    assert any("liquidations" in s.tables for s in whole)
    expected = combine_accepted_partials(whole, load_thresholds().scenarios)
    for field in fields(Partials):
        pd.testing.assert_frame_equal(getattr(computed.partials, field.name), getattr(expected, field.name))


def test_several_submissions_at_once_start_with_the_largest_and_come_back_in_folder_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    month = SAMPLE / "2025-11"
    started: list[str] = []
    validate_one = folder._validate_one

    def recorded(path: Path, **options: Any) -> ValidatedSubmission:
        started.append(path.name)
        return validate_one(path, **options)

    monkeypatch.setattr(folder, "_validate_one", recorded)
    submissions = validate_folder(month, "2025-11", jobs=2)

    def size(entry: Path) -> int:
        return sum(f.stat().st_size for f in entry.iterdir()) if entry.is_dir() else entry.stat().st_size

    entries = sorted((e for e in month.iterdir() if not e.name.startswith(".") and e.suffix != ".md"), key=size)
    assert set(started[:2]) == {entries[-1].name, entries[-2].name}  # the two threads' first, whichever began first
    assert started != sorted(started)
    assert [s.source for s in submissions] == sorted(started)


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The temporary folder: where a PDF rendered in a child process is written, and validation's workers send their
    results back."""
    temporary = tmp_path / "scratch"
    temporary.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    return temporary


def test_the_results_sent_back_by_worker_processes_leave_no_file_behind(scratch: Path) -> None:
    computed = pipeline.compute_period(SAMPLE / "2025-11", "2025-11", jobs=2)
    assert sum(s.status == "accepted" for s in computed.submissions) > 10
    assert list(scratch.iterdir()) == []


def test_a_submission_that_fails_in_a_worker_process_fails_validation_and_leaves_no_file_behind(
    scratch: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    here = os.getpid()

    def fails_in_a_worker(raw: RawSubmission, *args: object) -> ValidatedSubmission:
        if os.getpid() != here:
            raise RuntimeError(f"{raw.source} could not be validated in the worker")
        return validate_submission(raw, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(folder, "validate_submission", fails_in_a_worker)
    with pytest.raises(RuntimeError, match="could not be validated in the worker"):
        pipeline.run_validation(SAMPLE / "2025-11", "2025-11", jobs=2)
    assert list(scratch.iterdir()) == []


def test_a_pdf_that_fails_in_the_child_process_fails_the_build(
    tmp_path: Path, scratch: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(report: Report, html: str, fetcher: pdf.AssetFetcher) -> bytes:
        raise RuntimeError(f"no PDF for {report.period}")

    monkeypatch.setattr(pdf, "pdf_from_html", broken)
    with pytest.raises(RuntimeError, match="no PDF for 2025-11"):
        pipeline.run_build(SAMPLE / "2025-11", "2025-11", tmp_path / "out", jobs=2)
    assert list((tmp_path / "out").glob("*")) == []
    assert list(scratch.iterdir()) == []


def test_a_workbook_that_fails_stops_the_pdf_child(
    tmp_path: Path, scratch: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(report: Report) -> bytes:
        raise RuntimeError("no workbook")

    monkeypatch.setattr(workbook, "render_workbook", broken)
    with pytest.raises(RuntimeError, match="no workbook"):
        pipeline.run_build(SAMPLE / "2025-11", "2025-11", tmp_path / "out", jobs=2)
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").glob("*")) == []
    assert list(scratch.iterdir()) == []
    assert gc.isenabled()  # paused while the documents rendered, running again after the failure


def test_without_a_scratch_file_or_a_child_process_the_pdf_is_rendered_in_process(
    tmp_path: Path, scratch: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_fork() -> int:
        raise OSError("Resource temporarily unavailable")

    monkeypatch.setattr(pipeline.os, "fork", no_fork)
    result = pipeline.run_build(SAMPLE / "2025-11", "2025-11", tmp_path / "out", jobs=2)
    assert (tmp_path / "out" / "report-2025-11.pdf").read_bytes().startswith(b"%PDF")
    assert result.report is not None
    assert list(scratch.iterdir()) == []
    assert gc.isenabled()


def test_a_pdf_laid_out_in_a_child_with_its_charts_drawn_here_is_the_pdf_of_one_process(
    tmp_path: Path, scratch: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    render_pdf = pdf.render_pdf

    def not_here(report: Report) -> bytes:
        raise AssertionError("the PDF was rendered again in the parent")

    monkeypatch.setattr(pdf, "render_pdf", not_here)
    result = pipeline.run_build(SAMPLE / "2025-11", "2025-11", tmp_path / "out", jobs=2)
    assert result.report is not None
    assert (tmp_path / "out" / "report-2025-11.pdf").read_bytes() == render_pdf(result.report)
    assert list(scratch.iterdir()) == []


def test_a_child_that_lacks_a_chart_leaves_the_pdf_to_the_parent(
    tmp_path: Path, scratch: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rendered_here: list[str] = []
    render_pdf = pdf.render_pdf

    def here(report: Report) -> bytes:
        rendered_here.append(report.period)
        return render_pdf(report)

    monkeypatch.setattr(pdf, "render_pdf", here)
    # The child neither draws charts nor receives the ones drawn here.
    monkeypatch.setattr(documents.PdfRendering, "_drawn_in_child", lambda self: {})
    monkeypatch.setattr(documents, "_received", lambda pipe: {})
    result = pipeline.run_build(SAMPLE / "2025-11", "2025-11", tmp_path / "out", jobs=2)
    assert result.report is not None
    assert rendered_here == ["2025-11"]
    assert (tmp_path / "out" / "report-2025-11.pdf").read_bytes() == render_pdf(result.report)
    assert list(scratch.iterdir()) == []


def test_the_child_draws_the_charts_from_the_last_back_to_the_first_this_process_has_taken(
    tmp_path: Path, scratch: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    render_pdf = pdf.render_pdf
    hand_over_charts = documents.PdfRendering.hand_over_charts
    renderings: list[documents.PdfRendering] = []

    def not_here(report: Report) -> bytes:
        raise AssertionError("the PDF was rendered again in the parent")

    def after_the_child(rendering: documents.PdfRendering) -> None:
        """Take the first chart, then wait (a minute at most) until the child has taken the second, the last it may
        take, before drawing what is left."""
        renderings.append(rendering)
        rendering.takers[0] = documents.DRAWN_HERE
        deadline = time.monotonic() + 60
        while rendering.takers[1] != documents.DRAWN_IN_CHILD and time.monotonic() < deadline:
            time.sleep(0.01)
        hand_over_charts(rendering)

    monkeypatch.setattr(pdf, "render_pdf", not_here)
    monkeypatch.setattr(documents.PdfRendering, "hand_over_charts", after_the_child)
    result = pipeline.run_build(SAMPLE / "2025-11", "2025-11", tmp_path / "out", jobs=2)
    assert result.report is not None
    (rendering,) = renderings
    count = len(rendering.charts)
    assert count >= 3
    # The child took every chart but the first, which this process drew and sent.
    assert list(rendering.takers[:count]) == [documents.DRAWN_HERE] + [documents.DRAWN_IN_CHILD] * (count - 1)
    assert (tmp_path / "out" / "report-2025-11.pdf").read_bytes() == render_pdf(result.report)
    assert list(scratch.iterdir()) == []
