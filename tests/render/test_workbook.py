"""The audit workbook: recalculated by LibreOffice, every named figure equals metrics.json; text stays text."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import zipfile
from dataclasses import replace
from datetime import datetime
from io import BytesIO
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from openpyxl import load_workbook

from reporting.config import load_thresholds
from reporting.ingest.register import read_register
from reporting.metrics.audit import compute_hourly_liquidations, compute_largest_events, compute_period_hours
from reporting.metrics.compute import combine_accepted_partials
from reporting.metrics.partials import empty_partials
from reporting.pipeline import compute_period, run_build
from reporting.render.workbook import render_workbook
from reporting.sample.generate import write_sample
from reporting.validate.model import ValidatedSubmission
from tests.metrics.factories import make_submission

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"
PERIOD = "2025-11"
HOSTILE = ['=HYPERLINK("http://x","y")', "+1", "-2", "@SUM(A1)"]
# Submissions whose entity_name becomes a hostile string (a venue, a lender, a CDP issuer, a DAT).
RENAMED = {
    "aurora-perps": HOSTILE[0],
    "helix-lending": HOSTILE[1],
    "stillwater-stable": HOSTILE[2],
    "granite-treasury": HOSTILE[3],
}
# Maps keyed by data (venue, asset, lender...): their entries are checked on Summary, without a name.
KEYED_MAPS = {
    ("derivatives", "open_interest_by_venue"),
    ("derivatives", "open_interest_by_asset"),
    ("derivatives", "liquidations_by_venue"),
    ("derivatives", "liquidations_by_asset"),
    ("lending", "by_lender"),
    ("lending", "collateral_by_asset"),
    ("incidents", "by_category"),
    ("incidents", "by_entity"),
    ("derivatives", "peak_24h_by_asset"),
    ("lending", "dat_debt_by_maturity_year"),
    ("scenarios", "oi_at_risk_usd"),
    ("scenarios", "oi_at_risk_share"),
    ("scenarios", "loans_at_risk_usd"),
    ("scenarios", "loans_at_risk_share"),
}
# Lists that are not flags (stress hours, the shocks) are not scalar figures: the sheets hold their data.
LISTS = {("derivatives", "stress_hours"), ("scenarios", "shocks")}
SOFFICE_TIMEOUT = 600


def hostile_folder(target: Path) -> Path:
    """The sample month with hostile entity names and incident descriptions."""
    folder = target / PERIOD
    shutil.copytree(SAMPLE / PERIOD, folder)
    for name, hostile in RENAMED.items():
        header_path = folder / name / "submission.json"
        header = json.loads(header_path.read_text(encoding="utf-8"))
        header["entity_name"] = hostile
        header_path.write_text(json.dumps(header), encoding="utf-8")
    for name, hostile in zip(
        ("aurora-perps", "solstice-digital", "stillwater-stable", "northwind-derivatives"), HOSTILE, strict=True
    ):
        path = folder / name / "incidents.csv"
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        for row in rows:
            row["description"] = hostile
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    return folder


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, bytes]:
    work = tmp_path_factory.mktemp("workbook")
    folder = hostile_folder(work)
    register = read_register(SAMPLE / "register.csv")
    report = run_build(folder, PERIOD, work / "out", prior=SAMPLE / "2025-10", register=register).report
    assert all(s.status == "accepted" for s in report.submissions), "the hostile names must be accepted data"
    return report, render_workbook(report)


REGISTER_DETAIL = {"filing_status", "missing", "late", "unregistered"}
"""The register's figures kept as data on the Filing sheet, not as figures of their own."""


def workbook_figures(metrics: dict[str, Any]) -> dict[str, Any]:
    """The metrics JSON as the workbook names it: of the trends, the changes of each figure (its series is on
    History, its record nowhere), under its path with `_`."""
    trends = {
        path.replace(".", "_"): {key: trend[key] for key in ("mom", "qoq", "yoy")}
        for path, trend in metrics["trends"].items()
    }
    return {**metrics, "trends": trends}


def walk_scalars(value: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    """Every scalar of the metrics JSON with its path; flags are keyed by their id."""
    if path == ("coverage",):
        value = {key: inner for key, inner in value.items() if key not in REGISTER_DETAIL}
    if isinstance(value, dict):
        return [item for key, inner in value.items() for item in walk_scalars(inner, (*path, key))]
    if isinstance(value, list) and path in LISTS:
        return []
    if isinstance(value, list):
        # The id is the flag's key in the path, not a figure of its own.
        return [
            item
            for entry in value
            for item in walk_scalars({k: v for k, v in entry.items() if k != "id"}, (*path, entry["id"]))
        ]
    return [(path, value)]


def is_keyed(path: tuple[str, ...]) -> bool:
    return path[:2] in KEYED_MAPS


def cell_of(workbook: Any, name: str) -> Any:
    ((sheet, ref),) = workbook.defined_names[name].destinations
    return workbook[sheet][ref.replace("$", "")]


def recalculate(data: bytes, work: Path) -> Path:
    """Open the workbook in LibreOffice headless, recalculating every formula on load, and save it again."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.fail("LibreOffice is not installed: ./scripts/system-packages run test installs it")
    profile = work / "profile"
    (profile / "user").mkdir(parents=True)
    # A fresh profile that recalculates .xlsx formulas on load rather than trusting cached results.
    (profile / "user" / "registrymodifications.xcu").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
        '<item oor:path="/org.openoffice.Office.Calc/Formula/Load">'
        '<prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>\n'
        "</oor:items>\n",
        encoding="utf-8",
    )
    source = work / "in" / f"report-{PERIOD}.xlsx"
    source.parent.mkdir()
    source.write_bytes(data)
    out = work / "out"
    result = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(out),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=SOFFICE_TIMEOUT,
        check=False,
    )
    converted = out / source.name
    assert converted.exists(), f"LibreOffice did not convert the workbook: {result.stdout} {result.stderr}"
    return converted


def matches(path: tuple[str, ...], got: Any, expected: Any) -> bool:
    if expected is None:
        return got == "n/a"
    if isinstance(expected, str):
        if isinstance(got, datetime):
            stamp = pd.Timestamp(expected)
            stamp = stamp.tz_convert("UTC").tz_localize(None) if stamp.tzinfo else stamp
            return abs((pd.Timestamp(got) - stamp).total_seconds()) < 0.001
        return got == expected
    if isinstance(expected, bool) or not isinstance(got, int | float) or isinstance(got, bool):
        return got == expected
    money = path[-1].endswith("_usd") or (path[0] == "changes" and path[2].endswith("_usd") and path[3] != "change_pct")
    return abs(got - expected) <= (0.005 + 1e-6 if money else 1e-9)


def test_libreoffice_recalculates_every_named_figure(built: tuple[Any, bytes], tmp_path: Path) -> None:
    report, data = built
    converted = recalculate(data, tmp_path)
    workbook = load_workbook(converted, data_only=True)
    metrics = report.metrics.to_dict()
    wrong = []
    checked = 0
    for path, expected in walk_scalars(workbook_figures(metrics)):
        if is_keyed(path) or path[-1] == "reason":
            continue
        got = cell_of(workbook, "_".join(path)).value
        checked += 1
        if not matches(path, got, expected):
            wrong.append((".".join(path), got, expected))
    assert not wrong, wrong
    assert checked > 150
    summary = workbook["Summary"]
    assert str(summary["B2"].value).startswith("OK"), summary["B2"].value
    failed = [row[0] for row in summary.iter_rows(min_row=9, values_only=True) if row[0] and row[5] is not True]
    assert not failed, failed
    # The sample register: Pinecrest missing (October's open interest), Lanternfield late.
    assert cell_of(workbook, "coverage_expected").value == 18
    assert cell_of(workbook, "flags_filing_coverage_status").value == "amber"
    filing = workbook["Filing"]
    statuses = {row[0]: row[4] for row in filing.iter_rows(min_row=2, values_only=True)}
    assert statuses["pinecrest-perps"] == "missing" and statuses["lanternfield-lending"] == "late"


def test_defined_names_cover_every_scalar(built: tuple[Any, bytes]) -> None:
    report, data = built
    workbook = load_workbook(BytesIO(data))
    summary = workbook["Summary"]
    labels = {row[0] for row in summary.iter_rows(min_row=9, values_only=True)}
    for path, _ in walk_scalars(workbook_figures(report.metrics.to_dict())):
        if path[-1] == "reason":
            continue
        if is_keyed(path):
            assert ".".join(path) in labels, path
            continue
        name = "_".join(path)
        assert name in workbook.defined_names, name
        ((sheet, ref),) = workbook.defined_names[name].destinations
        cell = workbook[sheet][ref.replace("$", "")]
        assert sheet == "Summary" and cell.data_type == "f" and cell.column_letter == "D", (name, sheet, ref)


def test_hostile_strings_are_text_cells(built: tuple[Any, bytes]) -> None:
    _, data = built
    workbook = load_workbook(BytesIO(data))
    found: dict[str, int] = dict.fromkeys(HOSTILE, 0)
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value in found:
                    found[cell.value] += 1
                    assert cell.data_type == "s", (sheet.title, cell.coordinate, cell.value)
                if cell.data_type == "f":
                    assert "HYPERLINK" not in str(cell.value), (sheet.title, cell.coordinate)
    assert all(found.values()), found
    with zipfile.ZipFile(BytesIO(data)) as package:
        for name in package.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>HYPERLINK" not in package.read(name), name
    entities = {row[0] for row in workbook["Entities"].iter_rows(min_row=2, values_only=True)}
    assert set(RENAMED.values()) <= entities
    descriptions = {row[3] for row in workbook["Incidents"].iter_rows(min_row=2, values_only=True)}
    assert set(HOSTILE) <= descriptions


def test_two_builds_are_byte_identical(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764547200")
    outputs = []
    for attempt in ("a", "b"):
        report = run_build(SAMPLE / PERIOD, PERIOD, tmp_path / attempt).report
        outputs.append(render_workbook(report))
    assert outputs[0] == outputs[1]
    workbook = load_workbook(BytesIO(outputs[0]))
    assert workbook.properties.creator == "riskreport"
    assert workbook.properties.created == datetime(2025, 12, 1, 0, 0)
    assert workbook.properties.modified == datetime(2025, 12, 1, 0, 0)
    with zipfile.ZipFile(BytesIO(outputs[0])) as package:
        assert {entry.date_time for entry in package.infolist()} == {(2000, 1, 1, 0, 0, 0)}


def test_conventions_formats_tables_protection(built: tuple[Any, bytes]) -> None:
    report, data = built
    workbook = load_workbook(BytesIO(data))
    assert workbook.sheetnames[:3] == ["README", "Summary", "Flags"]
    for required in ("Validation", "Lineage", "Incidents", "Liquidation windows", "Loans", "DAT debt"):
        assert required in workbook.sheetnames
    by_venue = workbook["OI by venue"]
    assert by_venue["C2"].number_format == "$ #,##0.00"
    assert by_venue["D2"].number_format == "0.00%"
    assert "(USD" in by_venue["C1"].value
    assert by_venue.freeze_panes == "A2"
    assert "oi_by_venue" in by_venue.tables
    assert by_venue.tables["oi_by_venue"].autoFilter is not None
    for sheet in workbook.worksheets:
        assert sheet.protection.sheet, sheet.title
        assert not sheet.protection.sort and not sheet.protection.autoFilter, sheet.title
        assert sheet.protection.password is None, sheet.title
    hhi = cell_of(workbook, "derivatives_open_interest_hhi").value
    assert "SUMPRODUCT" in hhi
    assert "Liquidation windows" in cell_of(workbook, "derivatives_peak_24h_liquidations_total_usd").value
    severity = workbook["Incidents"]["AC2"].value
    assert severity.startswith("=IF(") and "major" in severity
    # Cells read across sheets are named, not addressed: the thresholds on Flags, the period on Summary.
    assert "incident_severity_clients_affected_pct" in workbook["Incidents"]["U2"].value
    assert "period_end" in workbook["Incidents"]["R2"].value
    named = {
        "incident_severity_clients_affected_pct": report.thresholds.incident_severity.clients_affected_pct,
        "incident_severity_data_loss": report.thresholds.incident_severity.data_loss,
        "period_start": datetime(2025, 11, 1),
        "period_end": datetime(2025, 12, 1),
    }
    for name, expected in named.items():
        ((sheet, ref),) = workbook.defined_names[name].destinations
        assert workbook[sheet][ref.replace("$", "")].value == expected, name
    lineage = [
        row for row in workbook["Lineage"].iter_rows(values_only=True) if row and row[1] and len(str(row[1])) == 64
    ]
    assert lineage and all(row[4] in {"folder", "workbook", "json"} for row in lineage)


def test_events_cap_keeps_the_largest_in_tie_order() -> None:
    def venue(name: str, events: list[tuple[str, str, str, float]]) -> ValidatedSubmission:
        rows = [
            {
                "event_id": e,
                "ts": f"2025-11-0{day}T00:00:00Z",
                "base_asset": "BTC",
                "position_side": side,
                "notional_usd": usd,
            }
            for e, day, side, usd in events
        ]
        return make_submission(name, "dex", liquidations=rows)

    submissions = [
        venue(
            "Venue",
            [
                ("e1", "2", "long", 500.0),
                ("e2", "1", "short", 500.0),
                ("e3", "3", "long", 100.0),
                ("e4", "4", "long", 900.0),
            ],
        ),
        venue(
            "Other",
            [("o1", "2", "long", 1.0), ("o2", "1", "short", 2.0), ("o3", "3", "long", 3.0), ("o4", "4", "long", 3.0)],
        ),
    ]
    partials = combine_accepted_partials(submissions, load_thresholds().scenarios)
    events, by_venue, total = compute_largest_events(partials, cap=3)
    assert total == 8
    assert list(events["event_id"]) == ["e4", "e2", "e1"]  # 900, then the earlier of the two 500s
    # Each venue's largest, even when it is not among the `cap` largest of all; ties: the earliest.
    assert list(by_venue["event_id"]) == ["e4", "o3"]


def test_period_hours_are_the_candidate_windows() -> None:
    hours = compute_period_hours("2025-11")
    assert len(hours) == 30 * 24
    assert int(hours["window_inside"].sum()) == 30 * 24 - 23
    assert hours["window_end"].iloc[0] == pd.Timestamp("2025-11-02T00:00:00Z")


def test_hourly_liquidations_are_a_dense_grid_of_hours_by_side_and_venue() -> None:
    hours = pd.to_datetime(["2025-11-01T00:00:00Z", "2025-11-01T00:00:00Z", "2025-11-03T05:00:00Z"]).as_unit("us")
    buckets = pd.DataFrame(
        {
            "venue": ["B", "A", "B"],
            "base_asset": ["BTC", "ETH", "ETH"],
            "position_side": ["long", "short", "long"],
            "method": ["order_book"] * 3,
            "margin_mode": ["cross"] * 3,
            "hour": hours,
            "notional_cents": [100, 250, 7],
            "incident_cents": [0, 0, 0],
            "events": [1, 2, 1],
        }
    )
    hourly = compute_hourly_liquidations(replace(empty_partials(), liquidations=buckets), "2025-11")
    assert list(hourly.columns) == [("long", "A"), ("long", "B"), ("short", "A"), ("short", "B")]
    assert len(hourly) == 30 * 24
    assert hourly.loc[0].tolist() == [0, 100, 250, 0]
    assert hourly.loc[2 * 24 + 5].tolist() == [0, 7, 0, 0]
    assert int(hourly.to_numpy().sum()) == 357
    empty = compute_hourly_liquidations(empty_partials(), "2025-11")
    assert empty.shape == (30 * 24, 0)


def sheet_sizes(data: bytes) -> dict[str, tuple[int, int]]:
    workbook = load_workbook(BytesIO(data), read_only=True)
    return {name: (workbook[name].max_row, workbook[name].max_column) for name in workbook.sheetnames}


def test_the_workbook_does_not_grow_with_the_events(tmp_path: Path) -> None:
    for liquidations in (2_000, 16_000):
        write_sample(PERIOD, tmp_path / str(liquidations), liquidations=liquidations)
    report = run_build(tmp_path / "2000", PERIOD, tmp_path / "out").report
    large = compute_period(tmp_path / "16000", PERIOD, earlier={})  # an empty history, as the build had
    small_sizes = sheet_sizes(render_workbook(report))
    report = replace(report, partials=large.partials, submissions=large.submissions, metrics=large.metrics)
    large_sizes = sheet_sizes(render_workbook(report))
    venues = len(set(large.partials.liquidations["venue"]))
    assert large_sizes["Liquidations hourly"] == small_sizes["Liquidations hourly"] == (30 * 24 + 1, 2 + 2 * venues)
    assert large_sizes["Liquidation windows"] == (30 * 24 + 1, 9)
    # More events may show more (venue, asset, side, method, margin mode) combinations, never a row per event.
    assert large_sizes["Liquidations breakdown"][0] - small_sizes["Liquidations breakdown"][0] < 100
    # Asset hours lists the hours in which an asset had liquidations: at most assets × hours of the period.
    assets = len(set(large.partials.liquidations["base_asset"]))
    assert large_sizes["Asset hours"][0] <= assets * 30 * 24 + 1
    changed = {name for name in small_sizes if small_sizes[name] != large_sizes[name]}
    assert changed <= {"Liquidations breakdown", "Asset hours"}, changed


def test_seed_btc_window_and_a_scenario_are_recomputed_on_the_sheets(built: tuple[Any, bytes], tmp_path: Path) -> None:
    """The November BTC peak 24 hours ($406.88M long, $163.07M short) and the 20 % scenario, as LibreOffice
    recalculates them from Asset hours, Leverage bands and Loans with LTV."""
    report, data = built
    workbook = load_workbook(recalculate(data, tmp_path), data_only=True)
    peak = {row[0]: row for row in workbook["Peak 24h by asset"].iter_rows(min_row=2, values_only=True)}
    assert peak["BTC"][1:4] == (569_950_000, 406_880_000, 163_070_000)
    scenarios = {row[1]: row for row in workbook["Scenarios"].iter_rows(min_row=2, values_only=True)}
    figures = report.metrics.to_dict()["scenarios"]
    assert scenarios["0.20"][2] == pytest.approx(figures["oi_at_risk_usd"]["0.20"], abs=0.005)
    assert scenarios["0.20"][4] == pytest.approx(figures["loans_at_risk_usd"]["0.20"], abs=0.005)
    assert scenarios["0.20"][4] > 0
