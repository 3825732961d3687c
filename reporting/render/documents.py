"""The documents of a build, the PDF and the workbook: the PDF rendered in a forked child process while the
workbook is written, when more than one job is allowed."""

from __future__ import annotations

import os
import signal
import tempfile
from collections.abc import Callable
from pathlib import Path

from reporting.forking import collection_paused
from reporting.render.model import Report


def render_documents(report: Report, jobs: int) -> dict[str, bytes]:
    """The PDF and the workbook, by file name."""
    # Imported here, not with the module: the PDF's libraries (WeasyPrint, matplotlib) take about 1.4 s to import,
    # which `riskreport validate` and the other commands do without.
    from reporting.render.pdf import render_pdf
    from reporting.render.workbook import render_workbook

    period = report.period
    with collection_paused():
        pdf = Rendering(render_pdf, report, in_child=jobs > 1)
        try:
            workbook = render_workbook(report)
        except BaseException:
            pdf.cancel()
            raise
        return {f"report-{period}.pdf": pdf.result(), f"report-{period}.xlsx": workbook}


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
