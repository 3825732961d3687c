"""The benchmark suite: the toolkit's cost per liquidation event, against the cost of just reading them.

    python benchmarks/run.py [--events N ...] [--formats csv,parquet] [--repeat R] [--seconds S] [--data DIR]
                             [--out FILE]

For each event count (default 10k, 100k, 1M and 10M) it writes a submissions folder of liquidation
events, in CSV and in Parquet, spread over ten DEXs of equal size at every count (so that only the
number of events changes between sizes, not the number of venues).
It then times, each in its own child process so that the process's peak memory (max RSS) is the step's:

- the baselines, on the same liquidation CSV files: `pandas.read_csv` and `pyarrow.csv.read_csv` (the
  floor), and row-by-row pydantic validation (`LiquidationRow.model_validate` per row, the naive way);
- the work: `validate` (read and validate the folder), `metrics` (every figure, from submissions already
  validated), `workbook` and `pdf` (rendering a Report already built) and `build` (all of it, outputs written).

Each step runs in its child at least `--repeat` times, and more until its runs (with the reads beside it) have
taken `--seconds`, and keeps the best time: a step of half a second runs about ten times, one of ten seconds
three times. The machine is shared and noisy (the same step's time moves by a fifth or more from one run to
the next), so the best of three runs of a short step is a poor estimate of its floor, and only ratios are
meaningful: each work step's child times the two read baselines too, alternating with the step (step, pandas
read, pyarrow read, step, ...), so that every ratio is taken against the baselines measured beside it, in the
same seconds of the same run. Each read beside a step is run once untimed before it is timed: right after a
step, a read first takes back the memory the step gave up (a 10M-event pyarrow read right after a build took
4.5-5.3 s, against 2.5-3.3 s right after another read), which would flatter the step's ratio; timed after a
read, it is timed as the baseline rows time it alone. The step's peak memory is read after its first run,
before any baseline has run in its process (the largest of that process and the processes it forked: the PDF
renderer, validation's workers). The table goes to benchmarks/RESULTS.md, with the issue-6 targets marked met
or not met. Generated data is kept under benchmarks/data/ (git-ignored) and reused by later runs.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from validation import PERIOD, make_submission, peak_rss_mb  # noqa: E402

DEFAULT_EVENTS = (10_000, 100_000, 1_000_000, 10_000_000)
VENUES = 10  # every folder holds ten venues
LARGE = 1_000_000  # the Parquet and marginal-cost targets are judged from this many events up
BASELINES = ("pandas.read_csv", "pyarrow.csv.read_csv")
WORK = ("validate", "metrics", "workbook", "pdf", "build")
PYDANTIC_EVENTS = 100_000  # the row-by-row baseline is quoted for this many rows
PACKAGES = ("pandas", "pyarrow", "numpy", "pydantic", "openpyxl", "weasyprint")
REPEAT = 3  # the least number of runs of a step
SECONDS = 10.0  # a step runs until its runs and the reads beside them have taken this long

# Targets of issue 6.
BUILD_OVER_PYARROW = 3.0
PEAK_LIMIT_MB = 6 * 1024
MARGINAL_OVER_READ = 3.0
VALIDATE_OVER_READ = 2.0
FLAT_RATIO = 1.5  # "flat": at the largest size at most this many times the time at the smallest


@dataclass
class Measure:
    """One step at one size and format: best seconds over its `runs`, the step's peak RSS in MB, and for a
    work step the best seconds of each read baseline timed beside it."""

    seconds: float
    peak_mb: float
    baselines: dict[str, float] | None = None
    runs: int | None = None  # None in results saved before the runs were counted


# Data --------------------------------------------------------------------------------------------


def write_folder(data: Path, events: int, table_format: str) -> Path:
    """The submissions folder of `events` liquidations in `table_format`, written unless already there."""
    folder = data / f"{events}" / table_format
    done = folder / ".complete"
    if done.exists():
        return folder
    venues = VENUES
    per_venue = [events // venues + (1 if v < events % venues else 0) for v in range(venues)]
    # In a process of its own: the generator takes about 1 GB at 10M events, and on Linux a process started from
    # this one inherits its peak memory through exec, which every step's process would then report as its own.
    writer = multiprocessing.get_context("fork").Process(target=_write_venues, args=(folder, per_venue, table_format))
    writer.start()
    writer.join()
    if writer.exitcode != 0:
        raise SystemExit(f"writing {folder} failed (exit code {writer.exitcode})")
    done.write_text(f"{events}\n")
    return folder


def _write_venues(folder: Path, per_venue: list[int], table_format: str) -> None:
    for venue, count in enumerate(per_venue):
        make_submission(folder / f"venue-{venue:02d}", count, venue=venue, table_format=table_format)


def liquidation_csvs(folder: Path) -> list[Path]:
    """The liquidation CSV files of as many events as `folder` holds (in its CSV form), which the baselines read."""
    return sorted((folder.parent / "csv").glob("*/liquidations.csv"))


# Steps (run inside a child process) --------------------------------------------------------------


def run_child(step: str, folder: Path, repeat: int, seconds: float, rows: int, scratch: Path) -> dict[str, Any]:
    """Run `step` on `folder` in this process, a work step alternating with the read baselines, at least `repeat`
    times and until the runs have taken `seconds`; the best seconds of each, the number of runs, and the
    process's peak MB after the step's first run. A build writes its outputs under `scratch`.

    Input that a step takes as given (validated submissions for `metrics`, a Report for `workbook` and
    `pdf`) is made once, untimed, before the timed runs; it counts in that step's peak memory.
    """
    import pandas as pd
    import pyarrow.csv as pa_csv

    from reporting.config import load_thresholds
    from reporting.metrics.compute import compute_metrics
    from reporting.metrics.coverage import count_coverage
    from reporting.pipeline import default_jobs, run_build, run_validation
    from reporting.render.pdf import render_pdf
    from reporting.render.workbook import render_workbook
    from reporting.validate.folder import validate_folder

    files = liquidation_csvs(folder)

    def build() -> object:
        result = run_build(folder, PERIOD, scratch / "out", jobs=default_jobs())  # as `riskreport build` does
        rejected = [(s.source, s.findings[:3]) for s in result.rejected]
        if rejected or result.report is None:
            raise SystemExit(f"benchmark submissions were rejected: {rejected}")
        return result.report

    action: Callable[[], object]
    reads: dict[str, Callable[[], object]] = {
        "pandas.read_csv": lambda: [pd.read_csv(f) for f in files],
        "pyarrow.csv.read_csv": lambda: [pa_csv.read_csv(f) for f in files],
    }
    if step in reads:
        action = reads[step]
        reads = {}  # a baseline is not timed against itself
    elif step == "pydantic":
        reads = {}
        action = _pydantic_rows(files, rows)
    elif step == "validate":
        # As `riskreport validate` does: every core, findings only (no SHA-256 of the files, no typed tables).
        action = lambda: run_validation(folder, PERIOD, jobs=default_jobs())  # noqa: E731
    elif step == "metrics":
        submissions = validate_folder(folder, PERIOD)
        thresholds, coverage = load_thresholds(), count_coverage(submissions)
        action = lambda: compute_metrics(submissions, PERIOD, thresholds, coverage=coverage)  # noqa: E731
    elif step in ("workbook", "pdf"):
        report = build()
        render = render_workbook if step == "workbook" else render_pdf
        action = lambda: render(report)  # type: ignore[arg-type]  # noqa: E731
    elif step == "build":
        action = build
    else:
        raise SystemExit(f"unknown step {step!r}")
    best = {name: float("inf") for name in (step, *reads)}
    peak_mb = None
    runs, spent = 0, 0.0
    while runs < repeat or spent < seconds:
        for name, run in ((step, action), *reads.items()):
            if name != step:
                run()  # untimed: the timed read starts where a read left the process, as in the baseline rows
            start = time.perf_counter()
            run()
            took = time.perf_counter() - start
            best[name] = min(best[name], took)
            spent += took
            if peak_mb is None:  # after the step's first run, before any baseline has run here
                peak_mb = peak_rss_mb()
        runs += 1
    baselines = {name: best[name] for name in reads} or None
    return {"seconds": best[step], "peak_mb": peak_mb, "baselines": baselines, "runs": runs}


def _pydantic_rows(paths: list[Path], rows: int):  # type: ignore[no-untyped-def]
    """The naive way: one `LiquidationRow.model_validate` per row of the first `rows` rows of the CSV files."""
    import pandas as pd

    from reporting.contract import LiquidationRow

    frames: list[pd.DataFrame] = []
    for path in paths:
        frames.append(pd.read_csv(path, nrows=rows - sum(map(len, frames)), dtype=str, keep_default_na=False))
        if sum(map(len, frames)) >= rows:
            break
    frame = pd.concat(frames, ignore_index=True)
    if len(frame) < rows:
        raise SystemExit(f"the pydantic baseline needs {rows:,} rows; the files hold {len(frame):,}")
    records = [{k: (v if v != "" else None) for k, v in r.items()} for r in frame.to_dict("records")]

    def validate_rows() -> None:
        for record in records:
            LiquidationRow.model_validate(record)

    return validate_rows


def measure(step: str, folder: Path, repeat: int, seconds: float, rows: int = 0) -> Measure:
    """Run one step in a fresh child process."""
    command = [sys.executable, __file__, "--child", step, "--repeat", str(repeat), "--seconds", str(seconds)]
    command += ["--rows", str(rows), str(folder)]
    out = subprocess.run(command, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"step {step} on {folder} failed:\n{out.stderr[-2000:]}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    return Measure(result["seconds"], result["peak_mb"], result["baselines"], result["runs"])


# The run -----------------------------------------------------------------------------------------


def run_suite(
    data: Path, sizes: list[int], formats: list[str], repeat: int, seconds: float, pydantic_rows: int
) -> dict:
    """Measure every step at every size and format; the results as plain data for the table."""
    results: dict = {"sizes": {}, "pydantic": None}
    for events in sizes:
        entry: dict = {"venues": VENUES}
        folders = {fmt: write_folder(data, events, fmt) for fmt in sorted(set(formats) | {"csv"})}
        log(f"{events:,} events: data ready")
        for step in BASELINES:
            entry[step] = measure(step, folders["csv"], repeat, seconds).__dict__
            log(f"  {step}: {entry[step]['seconds']:.2f} s")
        for fmt in formats:
            for step in WORK:
                entry[f"{fmt}:{step}"] = measure(step, folders[fmt], repeat, seconds).__dict__
                log(f"  {fmt} {step}: {entry[f'{fmt}:{step}']['seconds']:.2f} s")
        results["sizes"][events] = entry
    if pydantic_rows:
        smallest = min((s for s in sizes if s >= pydantic_rows), default=None)
        if smallest is not None:
            m = measure("pydantic", data / f"{smallest}" / "csv", 1, 0, pydantic_rows)
            results["pydantic"] = {"rows": pydantic_rows, "seconds": m.seconds, "peak_mb": m.peak_mb}
            log(f"  pydantic, {pydantic_rows:,} rows: {m.seconds:.2f} s")
    return results


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# The table ---------------------------------------------------------------------------------------


def machine() -> str:
    """The machine and software the numbers were measured on."""
    pages, page_size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
    packages = ", ".join(f"{name} {version(name)}" for name in PACKAGES)
    return (
        f"{os.cpu_count()} cores (`nproc`), {pages * page_size / 1024**3:.1f} GB memory, "
        f"{platform.system()} {platform.machine()}, Python {platform.python_version()}; {packages}"
    )


def over(m: dict, e: dict, baseline: str) -> float:
    """A work step's time ÷ a read baseline timed beside it (else, in older results, the size's baseline row)."""
    seconds = (m.get("baselines") or {}).get(baseline) or e[baseline]["seconds"]
    return m["seconds"] / seconds


def _verdict(ok: bool | None) -> str:
    return "not measured" if ok is None else ("**met**" if ok else "**not met**")


def render_results(results: dict, when: datetime) -> str:
    """The markdown of benchmarks/RESULTS.md."""
    repeat, seconds = results["repeat"], results.get("seconds")
    runs = (
        f"at least {repeat} runs, and more until they and the reads beside them took {seconds:g} s,"
        if seconds
        else f"{repeat} runs"
    )
    sizes = {int(k): v for k, v in results["sizes"].items()}
    formats = [f for f in ("csv", "parquet") if any(f"{f}:build" in e for e in sizes.values())]
    lines = [
        "# Benchmark results",
        "",
        f"Measured {when:%Y-%m-%d %H:%M} UTC by `python benchmarks/run.py` on {machine()}.",
        "",
        f"Best of {runs} per step (the runs column), each step in its own child process, alternating with the two read "
        "baselines on the same files (each read run once untimed before it is timed, so that it does not start in the "
        "memory the step gave up); peak memory is the max RSS of that process, or of a process it forked (the PDF "
        "renderer, validation's workers), after the step's first run, before any baseline ran in it. The machine is "
        "shared and noisy: read the ratios, not the seconds.",
        "",
        "## Times",
        "",
        "Ratios are the step's time ÷ `pandas.read_csv` (pd) or ÷ `pyarrow.csv.read_csv` (pa) of the same "
        "liquidation CSV files, at the same size, each read timed in the step's own process, alternating with "
        "the step (the baseline rows are the reads timed alone, for their memory). `metrics` starts from "
        "validated submissions; `workbook` and `pdf` from a built Report; their peak memory includes making "
        "that input.",
        "",
        "| events | venues | format | step | runs | seconds | ÷ pd read | ÷ pa read | peak MB |",
        "|---:|---:|---|---|---:|---:|---:|---:|---:|",
    ]
    for events, e in sorted(sizes.items()):
        pd_s, pa_s = e["pandas.read_csv"]["seconds"], e["pyarrow.csv.read_csv"]["seconds"]
        for step in BASELINES:
            m = e[step]
            lines.append(
                f"| {events:,} | {e['venues']} | csv | {step} (baseline) | {m.get('runs') or repeat} | "
                f"{m['seconds']:.2f} | "
                f"{m['seconds'] / pd_s:.2f} | {m['seconds'] / pa_s:.2f} | {m['peak_mb']:,.0f} |"
            )
        for fmt in formats:
            for step in WORK:
                m = e.get(f"{fmt}:{step}")
                if m:
                    lines.append(
                        f"| {events:,} | {e['venues']} | {fmt} | {step} | {m.get('runs') or repeat} | "
                        f"{m['seconds']:.2f} | "
                        f"{over(m, e, BASELINES[0]):.2f} | {over(m, e, BASELINES[1]):.2f} | {m['peak_mb']:,.0f} |"
                    )
    p = results.get("pydantic")
    if p:
        events = min(s for s in sizes if s >= p["rows"])
        per_row = p["seconds"] / p["rows"]
        scaled = per_row * PYDANTIC_EVENTS
        # read_csv of the size closest to PYDANTIC_EVENTS rows, scaled to them (per-file costs weigh on small sizes)
        base = PYDANTIC_EVENTS if PYDANTIC_EVENTS in sizes else events
        pd_s = sizes[base]["pandas.read_csv"]["seconds"] * PYDANTIC_EVENTS / base
        how = (
            "measured"
            if p["rows"] == PYDANTIC_EVENTS
            else f"measured on {p['rows']:,} rows and scaled ×{PYDANTIC_EVENTS // p['rows']}"
        )
        validate = sizes.get(PYDANTIC_EVENTS, {}).get("csv:validate")
        lines += [
            "",
            "## The naive way: row-by-row pydantic",
            "",
            f"`LiquidationRow.model_validate` per row: {per_row * 1000:.2f} ms a row, so "
            f"**{scaled:.1f} s for {PYDANTIC_EVENTS:,} rows** ({how}); `pandas.read_csv` of {PYDANTIC_EVENTS:,} "
            f"rows takes {pd_s:.2f} s, a ratio of {scaled / pd_s:,.0f}."
            + (
                f" Column-wise `validate` of the {PYDANTIC_EVENTS:,}-event CSV folder took "
                f"{validate['seconds']:.2f} s, {scaled / validate['seconds']:,.0f}× faster than row by row."
                if validate
                else ""
            ),
        ]
    lines += ["", "## Targets (issue 6)", ""] + targets(sizes, formats)
    return "\n".join(lines) + "\n"


def targets(sizes: dict[int, dict], formats: list[str]) -> list[str]:
    """The issue-6 targets, each with the measured figure and met / not met."""
    out = ["| target | measured | verdict |", "|---|---|---|"]
    largest = max(sizes)
    e = sizes[largest]
    build = e.get("csv:build")
    if build:
        ratio = over(build, e, "pyarrow.csv.read_csv")
        ok = ratio <= BUILD_OVER_PYARROW and build["peak_mb"] <= PEAK_LIMIT_MB
        label = "10M" if largest == 10_000_000 else f"{largest:,} (10M not measured)"
        out.append(
            f"| {label} events in CSV: build ≤ {BUILD_OVER_PYARROW:g}× pyarrow read, peak ≤ 6 GB | "
            f"{ratio:.2f}×, peak {build['peak_mb'] / 1024:.2f} GB | "
            f"{_verdict(ok if largest == 10_000_000 else None)} |"
        )
    if "parquet" in formats and "csv" in formats:
        # The input format changes reading and validation; the workbook and the PDF, which weigh most in a
        # build below millions of events, do not depend on it. The issue asks for Parquet at the larger sizes
        # (1M events and up, ten venues); below them a file holds a few thousand rows, and opening it costs
        # more than reading it in either format. So: validate from 1M events up, build at the largest; every
        # size is shown.
        def ratios(step: str) -> list[tuple[int, float]]:
            # Each time relative to the read beside it, so that the two formats' children compare fairly.
            return [
                (s, over(v[f"parquet:{step}"], v, BASELINES[0]) / over(v[f"csv:{step}"], v, BASELINES[0]))
                for s, v in sorted(sizes.items())
                if f"parquet:{step}" in v and f"csv:{step}" in v
            ]

        validate, build = ratios("validate"), ratios("build")
        text = "validate " + ", ".join(f"{s:,}: {r:.2f}" for s, r in validate)
        text += "; build " + ", ".join(f"{s:,}: {r:.2f}" for s, r in build)
        judged = [r for s, r in validate if s >= LARGE]
        ok = all(r < 1 for r in judged) and build[-1][1] < 1 if judged and build else None
        out.append(
            f"| Parquet faster than CSV (Parquet ÷ CSV: validate from {LARGE:,} events up, build at the largest) | "
            f"{text} | {_verdict(ok)} |"
        )
    big = sorted(s for s in sizes if s >= LARGE and "csv:build" in sizes[s])
    if len(big) >= 2:
        lo, hi = big[0], big[-1]
        builds = {n: sizes[n]["csv:build"] for n in (lo, hi)}
        # Each build in events' worth of the read timed beside it: build seconds × events ÷ read seconds.
        worth = {n: over(b, sizes[n], BASELINES[0]) * n for n, b in builds.items()}
        ratio = (worth[hi] - worth[lo]) / (hi - lo)
        out.append(
            f"| Marginal 1M events in a build ≤ {MARGINAL_OVER_READ:g}× `pandas.read_csv` of 1M "
            f"(build {lo:,}→{hi:,} events, each in reads timed beside it) | "
            f"{builds[lo]['seconds']:.2f} s → {builds[hi]['seconds']:.2f} s: {ratio:.2f}× | "
            f"{_verdict(ratio <= MARGINAL_OVER_READ)} |"
        )
    else:
        out.append(f"| Marginal 1M events ≤ {MARGINAL_OVER_READ:g}× read_csv | needs two sizes ≥ 1M | not measured |")
    if 1_000_000 in sizes and "csv:validate" in sizes[1_000_000]:
        v = sizes[1_000_000]
        ratio = over(v["csv:validate"], v, BASELINES[0])
        out.append(
            f"| Validation of 1M ≤ {VALIDATE_OVER_READ:g}× `pandas.read_csv` (CSV) | {ratio:.2f}× | "
            f"{_verdict(ratio <= VALIDATE_OVER_READ)} |"
        )
    low = min(sizes)
    for step in ("workbook", "pdf"):
        for fmt in formats:
            a, b = sizes[low].get(f"{fmt}:{step}"), e.get(f"{fmt}:{step}")
            if a and b and largest > low:
                ratio = b["seconds"] / a["seconds"]
                out.append(
                    f"| {step} flat in event count ({fmt}; {largest:,} ÷ {low:,} events, same venues, flat = "
                    f"≤ {FLAT_RATIO:g}) | {a['seconds']:.2f} s → {b['seconds']:.2f} s, {ratio:.2f}× | "
                    f"{_verdict(ratio <= FLAT_RATIO)} |"
                )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, nargs="+", default=list(DEFAULT_EVENTS))
    parser.add_argument("--formats", default="csv,parquet")
    parser.add_argument("--repeat", type=int, default=REPEAT, help=f"Least runs of each step (default {REPEAT}).")
    parser.add_argument(
        "--seconds",
        type=float,
        default=SECONDS,
        help=f"A step runs until its runs and the reads beside them have taken this long (default {SECONDS:g}).",
    )
    parser.add_argument(
        "--pydantic-rows",
        type=int,
        default=10_000,
        help="Rows validated one by one (default 10,000, scaled to 100,000 in the table: ~2 ms a row).",
    )
    parser.add_argument("--data", type=Path, default=HERE / "data", help="Where the generated folders are kept.")
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    parser.add_argument("--json", type=Path, help="Also write the raw results here.")
    parser.add_argument(
        "--render", type=Path, help="Measure nothing: write the table from raw results saved by --json."
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--rows", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("folder", nargs="?", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        with tempfile.TemporaryDirectory(prefix="riskreport-bench-") as scratch:
            print(json.dumps(run_child(args.child, args.folder, args.repeat, args.seconds, args.rows, Path(scratch))))
        return
    if args.render:
        saved = json.loads(args.render.read_text())
        when = datetime.fromisoformat(saved["measured_at"])
        args.out.write_text(render_results(saved, when), encoding="utf-8")
        print(f"wrote {args.out}")
        return
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    unknown = set(formats) - {"csv", "parquet"}
    if unknown or not formats:
        parser.error(f"--formats takes csv and/or parquet, not {','.join(sorted(unknown)) or 'nothing'}")
    if any(n <= 0 for n in args.events) or args.repeat <= 0 or args.seconds < 0:
        parser.error("--events and --repeat take positive whole numbers, --seconds a number of seconds")
    results = run_suite(args.data, sorted(set(args.events)), formats, args.repeat, args.seconds, args.pydantic_rows)
    when = datetime.now(UTC)
    results.update(measured_at=when.isoformat(), repeat=args.repeat, seconds=args.seconds)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    args.out.write_text(render_results(results, when), encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
