"""Benchmark: the cost of the history, and a backfill against single builds.

    python benchmarks/history.py overhead [--runs N] [--out FILE]
    python benchmarks/history.py backfill [--months 24] [--events N] [--jobs N] [--out FILE]

`overhead`: the goal is that recording a build and reading 13 months of history cost at most 10 % of a
sample build (the import of the store, which a build pays once, is counted in; Alembic is imported only
to create or migrate a store). The 13 sample months are backfilled into a history first; then, `--runs`
times, the November sample month is built (the whole `run_build`, history included) and, alternating with it, the
history's own part of a build is timed apart: opening the store (schema check), reading the earlier
months' figures and the prior month's metrics, and recording a new revision of November in one
transaction. The median of each is reported, with their ratio.

`backfill`: `--months` months (default 24, ending 2025-11) of `--events` liquidation events each are
generated; then `riskreport backfill` of all of them into one history is timed against `--months`
single `riskreport build` processes of the same months, each into its own folder (as a user building
month by month with no history would). Both make every month's five outputs. The issue's size is
24 months of 1,000,000 events; the default here is small, so that it runs in minutes.

The result is printed as JSON, and written to `--out` when given; `--results` puts it, as markdown, in its
own section of benchmarks/RESULTS.md (replacing that section only; `benchmarks/run.py` rewrites the whole
file, so run this after it).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data"
GOAL = 0.10


def measure_overhead(runs: int) -> dict[str, object]:
    from reporting.history.store import BuildRecord, open_history
    from reporting.pipeline import previous_period, run_backfill, run_build

    period = "2025-11"
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "reports"
        for _ in run_backfill(SAMPLE, "2024-11", period, out, documents="last"):
            pass
        metrics = json.loads((out / f"metrics-{period}.json").read_text(encoding="utf-8"))
        manifest = json.loads((out / f"manifest-{period}.json").read_text(encoding="utf-8"))
        builds, history = [], []
        for run in range(runs):
            started = time.perf_counter()
            run_build(SAMPLE / period, period, out, jobs=2)
            builds.append(time.perf_counter() - started)

            started = time.perf_counter()
            with open_history(out / "history.sqlite") as store:
                store.earlier_figures(period)
                store.latest_metrics(previous_period(period))
                record = BuildRecord(
                    period, manifest["generated_at"], f"benchmark-{run}", "benchmark", "1.0", {}, manifest, metrics, []
                )
                revision, added = store.record(record)
            history.append(time.perf_counter() - started)
            assert added, revision
    build, part = statistics.median(builds), statistics.median(history)
    imports = _import_cost(runs)
    total = part + imports
    return {
        "runs": runs,
        "build_s": [round(t, 3) for t in builds],
        "history_s": [round(t, 4) for t in history],
        "median_build_s": round(build, 3),
        "median_history_s": round(part, 4),
        "median_import_s": round(imports, 3),
        "ratio": round(total / build, 4),
        "goal": GOAL,
        "met": total / build <= GOAL,
    }


def _import_cost(runs: int) -> float:
    """Median extra time to import the store (SQLAlchemy, Alembic) in a fresh process that has the rest loaded."""
    base = "import reporting.pipeline, reporting.render.pdf, reporting.render.workbook"

    def timed(code: str) -> float:
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
        return time.perf_counter() - started

    extra = []
    for _ in range(runs):
        extra.append(timed(base + "; import reporting.history.store") - timed(base))
    return max(statistics.median(extra), 0.0)


def measure_backfill(months: int, events: int, jobs: int) -> dict[str, object]:
    from reporting.pipeline import months_between
    from reporting.sample.generate import write_sample

    last = "2025-11"
    first = months_between("2000-01", last)[-months]
    periods = months_between(first, last)
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch) / "submissions"
        for period in periods:
            write_sample(period, root / period, liquidations=events)
        env = {**os.environ, "SOURCE_DATE_EPOCH": "1764547200"}
        cli = [sys.executable, "-m", "reporting"]
        started = time.perf_counter()
        run_cli([*cli, "backfill", str(root), "--from", first, "--to", last, "--out", f"{scratch}/backfill"], jobs, env)
        backfill = time.perf_counter() - started
        started = time.perf_counter()
        for period in periods:
            run_cli(
                [*cli, "build", str(root / period), "--period", period, "--out", f"{scratch}/single-{period}"],
                jobs,
                env,
            )
        singles = time.perf_counter() - started
    return {
        "months": months,
        "events_per_month": events,
        "jobs": jobs,
        "backfill_s": round(backfill, 2),
        "single_builds_s": round(singles, 2),
        "ratio": round(backfill / singles, 3),
    }


def run_cli(command: list[str], jobs: int, env: dict[str, str]) -> None:
    """Run one `riskreport` command with `--jobs`; on failure, stop with the command and the end of its output."""
    done = subprocess.run([*command, "--jobs", str(jobs)], capture_output=True, text=True, env=env)
    if done.returncode != 0:
        tail = (done.stdout + done.stderr)[-2000:]
        raise SystemExit(f"riskreport {command[3]} failed with exit code {done.returncode}:\n{tail}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=["overhead", "backfill"])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--events", type=int, default=2_000)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--out", type=Path, help="write the JSON result to this file as well")
    parser.add_argument("--results", action="store_true", help="put the result in benchmarks/RESULTS.md")
    args = parser.parse_args()
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1764547200")
    if args.mode == "overhead":
        result = measure_overhead(args.runs)
    else:
        result = measure_backfill(args.months, args.events, args.jobs)
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    if args.results:
        write_section(ROOT / "benchmarks" / "RESULTS.md", args.mode, result)
    return 0


def write_section(results: Path, mode: str, result: dict[str, object]) -> None:
    """Replace (or add) the section of `mode` in the results file: its heading, then the JSON result."""
    heading = f"## History: {mode} (benchmarks/history.py)"
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    section = f"{heading}\n\nRun {stamp}, {os.cpu_count()} cores.\n\n```json\n{json.dumps(result, indent=2)}\n```\n"
    text = results.read_text(encoding="utf-8") if results.exists() else ""
    if heading in text:
        before, _, after = text.partition(heading)
        rest = after.split("\n## ", 1)
        text = before + section + ("\n## " + rest[1] if len(rest) > 1 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    results.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
