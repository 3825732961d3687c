"""Benchmark: writing the audit workbook when one submission holds 1,000,000 liquidation events.

    python benchmarks/workbook.py [--events N] [--repeat R] [--keep DIR]

The period folder is the 2025-11 sample (17 submissions) plus one DEX submission with N liquidation
events (the submission of benchmarks/validation.py). The build (reading, validation, metrics) runs once,
untimed; then `render_workbook` is timed, best of R runs, and the workbook's size (bytes, cells) and the
rows of its largest sheets are printed as JSON. The target is under 2 s whatever N: the workbook's cells
follow the venues, assets and hours of the period, not the events (compare --events 10000 and 1000000).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from io import BytesIO
from pathlib import Path

from openpyxl import load_workbook

sys.path.insert(0, str(Path(__file__).resolve().parent))
from validation import PERIOD, make_submission  # noqa: E402  (the sibling benchmark's generator)

from reporting.pipeline import run_build  # noqa: E402
from reporting.render.workbook import render_workbook  # noqa: E402

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data" / PERIOD
TARGET_SECONDS = 2.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="write the period folder and the workbook here")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-workbook-"))
    try:
        folder = work / "submissions"
        if folder.exists():
            shutil.rmtree(folder)
        shutil.copytree(SAMPLE, folder)
        make_submission(folder / "bench-dex", args.events)
        report = run_build(folder, PERIOD, work / "out").report
        timings = []
        data = b""
        for _ in range(args.repeat):
            start = time.perf_counter()
            data = render_workbook(report)
            timings.append(time.perf_counter() - start)
        (work / f"report-{PERIOD}.xlsx").write_bytes(data)
        workbook = load_workbook(BytesIO(data), read_only=True)
        rows = {name: workbook[name].max_row for name in workbook.sheetnames}
        cells = sum(
            value is not None
            for name in workbook.sheetnames
            for row in workbook[name].iter_rows(values_only=True)
            for value in row
        )
        largest = dict(sorted(rows.items(), key=lambda item: -(item[1] or 0))[:4])
        best = min(timings)
        print(
            json.dumps(
                {
                    "events": args.events,
                    "render_workbook_seconds_best": round(best, 3),
                    "render_workbook_seconds_all": [round(t, 3) for t in timings],
                    "target_seconds": TARGET_SECONDS,
                    "within_target": best < TARGET_SECONDS,
                    "workbook_bytes": len(data),
                    "workbook_cells": cells,
                    "largest_sheets_rows": largest,
                },
                indent=1,
            )
        )
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
