"""A guard on the shape of the work: no Python code runs once per row.

Validation and the metrics must cost a fixed number of Python calls per table, whatever the number of
rows; per-row work belongs in vectorised kernels. The guard profiles the same sample month at two
sizes and fails when the count of Python-level calls grows with the rows (a reintroduced loop over
rows, or a per-row pydantic model, adds thousands of calls per thousand rows).

It covers the bulk containers, folders of CSV and Parquet files. Workbooks and JSON documents are
read cell by cell by their parsers (openpyxl, json), which is why large submissions come as files.
"""

from __future__ import annotations

import cProfile
import pstats
from pathlib import Path

from reporting.pipeline import compute_period
from reporting.sample.generate import write_sample

PERIOD = "2025-11"


# The metrics stage's own modules: the per-asset and per-hour liquidation windows, the stress hours and
# the partials they come from must not grow with the rows either (they are array operations).
METRICS_MODULES = ("reporting/metrics/derivatives.py", "reporting/metrics/partials.py")


def count_calls(folder: Path) -> tuple[int, int]:
    """Python calls of the whole computation, and those made in the metrics modules (callers included)."""
    profile = cProfile.Profile()
    profile.enable()
    result = compute_period(folder, PERIOD)
    profile.disable()
    assert all(s.status == "accepted" for s in result.submissions)
    assert result.metrics.derivatives.peak_24h_by_asset and result.metrics.derivatives.stress_hours
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    total = sum(entry[1] for entry in stats.values())
    # A call made from one of the metrics modules, whatever it calls (numpy, pandas or our own code).
    metrics = sum(
        calls
        for entry in stats.values()
        for (filename, _, _), (_, calls, *_) in entry[4].items()
        if filename.replace("\\", "/").endswith(METRICS_MODULES)
    )
    return total, metrics


def test_python_calls_do_not_grow_with_rows(tmp_path: Path) -> None:
    small, large = tmp_path / "small", tmp_path / "large"
    for folder, liquidations in ((small, 2_000), (large, 16_000)):
        for path in write_sample(PERIOD, folder, liquidations=liquidations):
            if path.is_file():  # keep the folder submissions (CSV and Parquet) only
                path.unlink()
    count_calls(small)  # the first run imports and caches; count the second
    (calls_small, metrics_small), (calls_large, metrics_large) = count_calls(small), count_calls(large)
    # 14,000 more rows may add a few calls (more distinct values, more hours), never one per row.
    assert calls_large - calls_small < 1_400, (calls_small, calls_large)
    # The metrics modules: the same assets and hours at both sizes, so (nearly) the same calls.
    assert metrics_large - metrics_small < 100, (metrics_small, metrics_large)
