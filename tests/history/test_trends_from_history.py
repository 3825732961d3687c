"""Four consecutive months built into one history give the fourth month's trends and changes exactly.

The expected figures are computed here, from the four months' own metrics JSON files, by the definitions
of metrics.md 1.1; the same for an SQLite file and for a PostgreSQL server.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from reporting.metrics.changes import CHANGE_KEYS, MONEY_KEYS
from reporting.metrics.trends import TREND_PATHS
from reporting.pipeline import run_backfill
from reporting.render.pdf import render_html
from reporting.render.trends import TREND_FIGURES
from tests.history.conftest import MONTHS
from tests.render.test_workbook import cell_of, recalculate


def result_report(built: list) -> Any:
    report = built[-1][1].report
    assert report is not None
    return report


def figure(metrics: dict, path: str) -> float | None:
    for key in path.split("."):
        metrics = metrics.get(key) if isinstance(metrics, dict) else None
    return None if metrics is None else float(metrics)


def expected_trend(by_month: dict[str, dict], path: str) -> dict:
    last = pd.Period(MONTHS[-1], freq="M")
    periods = [str(last - back) for back in range(12, -1, -1)]
    values = {period: figure(by_month[period], path) if period in by_month else None for period in periods}
    value = values[MONTHS[-1]]

    def pct(earlier: float | None) -> float | None:
        if value is None or earlier is None or earlier == 0:
            return None
        return (value - earlier) / abs(earlier)

    earlier_values = [v for period, v in values.items() if period < MONTHS[-1] and v is not None]
    record = None
    if value is not None and len(earlier_values) >= 3:
        record = "high" if value > max(earlier_values) else "low" if value < min(earlier_values) else None
    return {
        "series": [{"period": p, "value": v} for p, v in values.items()],
        "mom": pct(values[periods[-2]]),
        "qoq": pct(values[periods[-4]]),
        "yoy": pct(values[periods[0]]),
        "record": record,
    }


@pytest.fixture(params=["sqlite", "postgresql"])
def history_target(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "shared" / "history.sqlite")
    return request.getfixturevalue("postgres_url")


def test_fourth_month_has_the_trends_and_changes_of_the_first_three(
    months: Path, tmp_path: Path, history_target: str
) -> None:
    out = tmp_path / "reports"
    built = list(run_backfill(months, MONTHS[0], MONTHS[-1], out, history=history_target))
    assert [(period, result.revision, result.recorded) for period, result in built] == [
        (period, 1, True) for period in MONTHS
    ]
    by_month = {p: json.loads((out / f"metrics-{p}.json").read_text(encoding="utf-8")) for p in MONTHS}
    fourth, third = by_month[MONTHS[-1]], by_month[MONTHS[-2]]

    assert fourth["trends"] == {path: expected_trend(by_month, path) for path in TREND_PATHS}
    # The three earlier months give a record its minimum history: at least one figure must be a record or not.
    assert {trend["record"] for trend in fourth["trends"].values()} - {None}

    for section, keys in CHANGE_KEYS.items():
        for key in keys:
            now, before = fourth[section][key], third[section][key]
            change = fourth["changes"][section][key]
            assert change["prior"] == before
            if now is None or before is None:
                assert change["change"] is None and change["change_pct"] is None
                continue
            difference = round(now - before, 2) if key in MONEY_KEYS[section] else now - before
            assert change["change"] == difference
            assert change["change_pct"] == (None if before == 0 else (now - before) / abs(before))
    # The first month had no prior in the history: no changes.
    assert by_month[MONTHS[0]]["changes"] == {}

    # The PDF's Trends chapter shows the same: each record, and every flag's strip with four built months.
    text = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(out / f"report-{MONTHS[-1]}.pdf").pages))
    assert "2. Trends" in text and "Changes over one, three and twelve months" in text
    assert f"({len(MONTHS)} of the 13 months built)" in text
    for path, trend in fourth["trends"].items():
        if trend["record"]:
            assert f"{TREND_FIGURES[path][0]} " in text and f"record {trend['record']}" in text
    html = render_html(result_report(built))
    strips = re.findall(r'<td class="strip">(.*?)</td>', html)
    assert len(strips) == len(fourth["flags"])
    for strip in strips:
        assert strip.count("strip-none") == 13 - len(MONTHS) and strip.count(" current") == 1

    # The workbook's History sheet: LibreOffice recalculates the changes from the series to the JSON's values.
    workbook = (out / f"report-{MONTHS[-1]}.xlsx").read_bytes()
    recalculated = load_workbook(recalculate(workbook, tmp_path), data_only=True)
    for path, trend in fourth["trends"].items():
        for key in ("mom", "qoq", "yoy"):
            got = cell_of(recalculated, f"trends_{path.replace('.', '_')}_{key}").value
            assert got == "n/a" if trend[key] is None else got == pytest.approx(trend[key], rel=1e-9), (path, key)
