"""Benchmark: validating 1,000,000 liquidation events, against pandas.read_csv of the same CSV.

    python benchmarks/validation.py [--events N] [--repeat R] [--processes P] [--keep DIR]

Each step is timed in P fresh child processes, one after the other: in each, the step and the baseline
alternate R times and the best time of each is kept. The baseline is measured in the same process as
the work, on the same file: the machine is shared and noisy, and only the ratio is meaningful. Even so,
one process's ratio can lie 15 % below or 25 % above another's with the same code, so the table gives the
median process and every process's ratio. Peak memory (max RSS) is measured in another child process
that runs only the step.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from reporting.sample.write import write_submission

PERIOD = "2025-11"


def make_tables(events: int, seed: int = 1, venue: int = 0) -> tuple[dict[str, object], dict[str, pd.DataFrame]]:
    """The header and tables of one valid derivatives-venue submission with `events` liquidations.

    Built column-wise with numpy, so that ten million events take seconds, not hours. `venue` numbers the
    venue (a DEX, which sends just open_interest and liquidations); entity, submission and event ids differ
    between venues, so that a folder of several venues is valid.
    """
    rng = np.random.default_rng(seed + 1000 * venue)
    entity_id = f"bench-dex-{venue}"
    header: dict[str, object] = {
        "schema_version": "1.0",
        "submission_id": f"a1b2c3d4-e5f6-4a7b-8c9d-{venue:012x}",
        "entity_id": entity_id,
        "entity_name": f"Benchmark DEX {venue}",
        "entity_type": "dex",
        "lei": None,
        "jurisdiction": None,
        "period": PERIOD,
        "submitted_at": "2025-12-03T09:00:00Z",
        "restates": None,
        "restatement_reason": None,
        "contact_email": "bench@example.org",
        "attestation_name": "B. Mark",
        "attestation_role": "Head of Reporting",
    }
    symbols = np.array(["BTCUSD", "ETHUSD", "SOLUSD", "XRPUSD"])
    bases = np.array(["BTC", "ETH", "SOL", "XRP"])
    prices = np.array([95_000.0, 3_200.0, 140.0, 2.1])
    days = pd.date_range("2025-11-01", periods=30, freq="D")
    rows = len(days) * len(symbols)
    open_interest = pd.DataFrame(
        {
            "date": np.repeat(days.strftime("%Y-%m-%d"), len(symbols)),
            "symbol": np.tile(symbols, len(days)),
            "base_asset": np.tile(bases, len(days)),
            "contract_type": "perpetual",
            "open_interest_usd": np.round(rng.uniform(1e8, 5e9, rows), 2),
            "mark_price_usd": np.tile(prices, len(days)),
            "funding_rate": np.round(rng.normal(0.0001, 0.00005, rows), 8),
            "funding_interval_hours": 8,
            "volume_usd": np.round(rng.uniform(1e8, 5e9, rows), 2),
        }
    )
    pick = rng.integers(0, len(symbols), events)
    price = np.round(prices[pick] * rng.uniform(0.95, 1.05, events), 2)
    quantity = np.round(rng.lognormal(8.5, 1.5, events) / price, 6) + 0.001
    seconds = rng.integers(0, 30 * 86400, events)
    liquidations = pd.DataFrame(
        {
            "event_id": np.char.add(f"V{venue}E", np.arange(events).astype(str)),
            "ts": pd.to_datetime(1761955200 + seconds, unit="s", utc=True),
            "symbol": symbols[pick],
            "base_asset": bases[pick],
            "position_side": rng.choice(["long", "short"], events),
            "method": rng.choice(["order_book", "backstop", "adl"], events, p=[0.9, 0.08, 0.02]),
            "margin_mode": rng.choice(["cross", "isolated", "portfolio"], events),
            "quantity": quantity,
            "price_usd": price,
            "notional_usd": np.round(quantity * price, 2),
            "account_ref": np.char.add("acct-", rng.integers(0, 200_000, events).astype(str)),
            "incident_id": pd.Series([None] * events, dtype=object),
        }
    )
    return header, {"open_interest": open_interest, "liquidations": liquidations}


def make_submission(folder: Path, events: int, seed: int = 1, venue: int = 0, table_format: str = "csv") -> Path:
    """Write a valid derivatives-venue submission folder with `events` liquidations, in CSV or Parquet."""
    header, tables = make_tables(events, seed, venue)
    return write_submission(header, tables, folder, "folder", table_format)  # type: ignore[arg-type]


def run_step(step: str, path: Path, repeat: int) -> dict[str, float]:
    """Time `step` against the read_csv baseline, alternating them `repeat` times in this process.

    Alternating keeps both exposed to the same background load on a shared machine; the best time of
    each is kept. Peak memory is measured separately, in a process that runs only the step.
    """
    best = {"read_csv": float("inf"), step: float("inf")}
    for _ in range(repeat):
        for name in best:
            start = time.perf_counter()
            _do_step(name, path)
            best[name] = min(best[name], time.perf_counter() - start)
    return {"seconds": best[step], "baseline": best["read_csv"]}


def peak_memory(step: str, path: Path) -> float:
    """Peak resident memory, in MB, of a fresh process that runs `step` once (metrics: validation too), or of
    a process it forked."""
    _do_step(step, path)
    return peak_rss_mb()


def peak_rss_mb() -> float:
    """The peak resident memory of this process or of any child it has waited for (a forked PDF renderer,
    validation's worker processes), in MB."""
    return max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)) / 1024


VALIDATED: dict[Path, list] = {}


def _do_step(step: str, path: Path) -> None:
    """One run of a step: `validate` reads and validates; `metrics` computes every figure from the
    validated submission (validated once, untimed, beforehand); `build` is validate + metrics."""
    from reporting.config import load_thresholds
    from reporting.metrics.compute import compute_metrics
    from reporting.metrics.coverage import count_coverage
    from reporting.pipeline import default_jobs, run_validation
    from reporting.validate.folder import validate_folder

    if step == "read_csv":
        pd.read_csv(path / "liquidations.csv")
    elif step == "validate":
        # As `riskreport validate` does: every core, findings only (no SHA-256 of the files, no typed tables).
        [submission] = run_validation(path, PERIOD, jobs=default_jobs())
        assert submission.status == "accepted", submission.findings[:5]
    elif step == "metrics":
        if path not in VALIDATED:
            VALIDATED[path] = validate_folder(path, PERIOD, jobs=default_jobs())
        submissions = VALIDATED[path]
        compute_metrics(submissions, PERIOD, load_thresholds(), coverage=count_coverage(submissions))
    elif step == "validate+metrics":
        from reporting.pipeline import compute_period

        compute_period(path, PERIOD, jobs=default_jobs())


def measure(step: str, path: Path, repeat: int, processes: int) -> dict[str, Any]:
    """Time a step against its baseline in `processes` child processes, and its peak memory in another; the
    timing kept is the median process's (by ratio), with every process's ratio beside it."""

    def child(*args: str) -> dict[str, float]:
        out = subprocess.run([sys.executable, __file__, *args, str(path)], check=True, capture_output=True, text=True)
        return json.loads(out.stdout.strip().splitlines()[-1])

    timings = sorted((child("--step", step, "--repeat", str(repeat)) for _ in range(processes)), key=ratio)
    return {**timings[len(timings) // 2], "ratios": [ratio(timing) for timing in timings], **child("--memory", step)}


def ratio(timing: dict[str, float]) -> float:
    """A timed step's time over its baseline's."""
    return timing["seconds"] / timing["baseline"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=7, help="alternating runs in each timing process")
    parser.add_argument("--processes", type=int, default=3, help="timing processes; the median one is kept")
    parser.add_argument("--steps", default="validate,metrics,validate+metrics")
    parser.add_argument("--keep", type=Path, help="Write the submission here and keep it.")
    parser.add_argument("--step", help=argparse.SUPPRESS)
    parser.add_argument("--memory", help=argparse.SUPPRESS)
    parser.add_argument("path", nargs="?", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        print(json.dumps(run_step(args.step, args.path, args.repeat)))
        return
    if args.memory:
        print(json.dumps({"peak_mb": peak_memory(args.memory, args.path)}))
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = make_submission((args.keep or Path(tmp)) / "bench-dex", args.events)
        results = {step: measure(step, folder, args.repeat, args.processes) for step in args.steps.split(",")}
    print(
        f"{args.events:,} liquidation events in one CSV submission; best of {args.repeat} alternating runs in each of "
        f"{args.processes} processes, the median process shown"
    )
    print("| step | seconds | pandas.read_csv seconds | ratio | ratio in each process | peak MB |")
    print("|---|---:|---:|---:|---|---:|")
    for step, r in results.items():
        each = ", ".join(f"{value:.2f}" for value in r["ratios"])
        print(f"| {step} | {r['seconds']:.2f} | {r['baseline']:.2f} | {ratio(r):.2f} | {each} | {r['peak_mb']:.0f} |")


if __name__ == "__main__":
    main()
