"""The documents of a build, the PDF and the workbook: when more than one job is allowed, the PDF is laid out in a
forked child process, which draws the PDF's charts together with this process, while this process then writes the
workbook."""

from __future__ import annotations

import contextlib
import fcntl
import json
import mmap
import os
import signal
import tempfile
from pathlib import Path

from reporting.forking import collection_paused
from reporting.render.model import Report

PIPE_BYTES = 1 << 20
"""The pipe that hands the charts over holds this much (Linux's usual most), so that handing them over seldom
waits for the child to take them."""
DRAWN_HERE, DRAWN_IN_CHILD = 1, 2
"""Who has taken a chart to draw, in `PdfRendering.takers` (0: no one yet)."""


def render_documents(report: Report, jobs: int) -> dict[str, bytes]:
    """The PDF and the workbook, by file name."""
    # Imported here, not with the module: the PDF's libraries (WeasyPrint, matplotlib) take about 1.4 s to import,
    # which `riskreport validate` and the other commands do without.
    from reporting.render.workbook import render_workbook

    period = report.period
    with collection_paused():
        pdf = PdfRendering(report, in_child=jobs > 1)
        try:
            pdf.hand_over_charts()
            workbook = render_workbook(report)
        except BaseException:
            pdf.cancel()
            raise
        return {f"report-{period}.pdf": pdf.result(), f"report-{period}.xlsx": workbook}


class PdfRendering:
    """The PDF being rendered: in a forked child process, or (`pid` None) here when its result is asked for.

    The page (`render_html`) is made here with its charts named but not drawn (`charts.drawn_apart`); the child
    lays out the page while this process draws the charts (`hand_over_charts`) and sends their SVG through a pipe,
    which the child reads when its layout first needs a chart. Drawing the charts is about a fifth of the PDF's
    work, which this process would otherwise leave to the child while it waits for it. The two meet in the middle:
    this process takes the charts in page order, the child, once its layout needs them, takes the rest from the last
    one back (`takers`, shared memory), so that neither waits for the other to draw them all.
    The child shares the Report's memory copy-on-write, so nothing is pickled; it writes the bytes to a
    scratch file. A child that fails, or that lacks a chart, is rendered again here, so that its error surfaces as
    it would have; when no scratch file or child process can be had, the document is rendered here.
    """

    def __init__(self, report: Report, in_child: bool):
        from reporting.render import charts
        from reporting.render.pdf import AssetFetcher, pdf_from_html, render_html

        self.report = report
        self.pid: int | None = None
        self.send: int | None = None  # this end of the pipe to the child, until the charts are sent
        if not (in_child and hasattr(os, "fork")):
            return
        with charts.drawn_apart() as self.charts:
            html = render_html(report)
        # Each chart's taker, written by both processes. Two that take a chart at once both draw it, to the same SVG.
        self.takers = mmap.mmap(-1, max(len(self.charts), 1))
        try:
            handle, scratch = tempfile.mkstemp(prefix="riskreport-", suffix=".part")
        except OSError:
            return
        os.close(handle)
        self.scratch = Path(scratch)
        try:
            receive, self.send = os.pipe()
        except OSError:
            self.scratch.unlink(missing_ok=True)
            return
        if hasattr(fcntl, "F_SETPIPE_SZ"):
            # A smaller pipe only means that handing the charts over may wait for the child.
            with contextlib.suppress(OSError):
                fcntl.fcntl(self.send, fcntl.F_SETPIPE_SZ, PIPE_BYTES)
        try:
            self.pid = os.fork()
        except OSError:
            self.scratch.unlink(missing_ok=True)
            os.close(receive)
            os.close(self.send)
            self.send = None
            return
        if self.pid == 0:  # the child: render, write, and leave without running the parent's cleanup
            status = 1
            try:
                os.close(self.send)
                fetcher = AssetFetcher(drawn_apart=lambda: self._drawn_in_child() | _received(receive))
                pdf = pdf_from_html(report, html, fetcher)
                if not fetcher.refused:  # WeasyPrint leaves out an image it cannot have: then render it again here
                    self.scratch.write_bytes(pdf)
                    status = 0
            finally:
                os._exit(status)
        os.close(receive)

    def hand_over_charts(self) -> None:
        """Draw the charts of the child's page that it has not taken, in page order, and send them to it (nothing to
        do without a child)."""
        if self.pid is None or self.send is None:
            return
        svg = {}
        for index, (name, chart) in enumerate(self.charts.items()):
            if self.takers[index] != DRAWN_IN_CHILD:
                self.takers[index] = DRAWN_HERE
                svg[name] = chart.svg
        drawn = json.dumps(svg).encode("utf-8")
        send, self.send = self.send, None
        try:
            with os.fdopen(send, "wb") as stream:
                stream.write(drawn)
        except BrokenPipeError:  # the child stopped: `result` renders the PDF here
            pass

    def result(self) -> bytes:
        """The rendered bytes, once the child is done."""
        from reporting.render.pdf import render_pdf

        if self.pid is None:
            return render_pdf(self.report)
        _, status = os.waitpid(self.pid, 0)
        self.pid = None
        try:
            if os.waitstatus_to_exitcode(status) == 0:
                return self.scratch.read_bytes()
        finally:
            self.scratch.unlink(missing_ok=True)
        return render_pdf(self.report)

    def _drawn_in_child(self) -> dict[str, str]:
        """In the child: the SVG of the charts it takes, from the last one back to the first that this process has
        taken (this process takes them in page order, so every one before that is its to send)."""
        names = list(self.charts)
        svg = {}
        for index in reversed(range(len(names))):
            if self.takers[index] == DRAWN_HERE:
                break
            self.takers[index] = DRAWN_IN_CHILD
            svg[names[index]] = self.charts[names[index]].svg
        return svg

    def cancel(self) -> None:
        """Stop the child, if any, and remove its scratch file."""
        if self.pid is not None:
            if self.send is not None:
                os.close(self.send)
                self.send = None
            os.kill(self.pid, signal.SIGTERM)
            os.waitpid(self.pid, 0)
            self.pid = None
            self.scratch.unlink(missing_ok=True)


def _received(pipe: int) -> dict[str, str]:
    """The charts' SVG by name, as `PdfRendering.hand_over_charts` sent them."""
    with os.fdopen(pipe, "rb") as stream:
        return dict(json.loads(stream.read().decode("utf-8")))
